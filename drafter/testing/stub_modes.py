"""The stub LLM's answer modes: ScriptedDrafter behaviours, token counts, embeddings, scripts.

Split out of :mod:`drafter.testing.stub_llm`: what the normal answer is (a draft that
behaves well, invents a number, copies an exemplar or drops a figure), the token estimate
and the deterministic embeddings the server uses, and JSON script files.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from drafter.testing.placing import placed_units
from drafter.testing.stub_faults import (
    Body,
    Reply,
    Responder,
    chat_messages,
    echo_prompt,
    fault_from_spec,
    fixed,
    last_user_text,
    message_text,
    sequence,
)
from drafter.text.slots import SLOT_NAME

#: A slot placeholder offered to the model: {F1}, {F1.yoy}, {YEAR}, {T1}, {K1}.
#: A whole slot placeholder ({F1}, {F1.yoy}, {K7.1}, {YEAR}): the one slot grammar, no group.
SLOT_RE = re.compile(r"\{" + SLOT_NAME + r"\}")
_FACT_NUMBER_SLOT = re.compile(r"\{K\d+\.\d+\}")


# --------------------------------------------------------------------------------------
# ScriptedDrafter
# --------------------------------------------------------------------------------------

_NUMBER_WITH_UNIT = re.compile(
    r"\d+(?:\.\d+)?\s*(?:%|％|个百分点|万元|亿元|元|万人|人次|人|家|个|件|项|次|台|套|篇|所|户|亩|吨|平方米|公里)"
)
_DIGITS = re.compile(r"\d+(?:\.\d+)?")
_CLAUSE_SPLIT = re.compile(r"[，,；;：:。！!？?\n]")

#: Invented facts, tried in order; one whose numbers occur in the prompt is skipped.
INVENTED_PHRASES: tuple[str, ...] = (
    "新增高新技术企业15家，增长二成",
    "完成技术合同成交额3.7亿元，同比增长27.4%",
    "引进高层次科技人才38人",
    "新建省级工程技术研究中心6个",
)

_CLAUSES: tuple[tuple[str, str], ...] = (
    ("一是", "坚持高位统筹，推动重点任务落地见效"),
    ("二是", "强化要素保障，持续优化创新生态"),
    ("三是", "狠抓工作落实，确保各项目标顺利完成"),
)

Behaviour = Literal["good", "invent", "copy", "drop", "swap"]
BEHAVIOURS: tuple[Behaviour, ...] = ("good", "invent", "copy", "drop", "swap")


@dataclass(frozen=True)
class DraftOutcome:
    """What a :class:`ScriptedDrafter` did for one prompt."""

    text: str
    offered_slots: tuple[str, ...]
    used_slots: tuple[str, ...]
    dropped_slots: tuple[str, ...]
    invented: tuple[str, ...]
    copied: tuple[str, ...]


class ScriptedDrafter:
    """A responder that writes a short 一是…二是…三是… paragraph from the prompt's slots.

    Slots (``SLOT_RE``) are parsed from the last user message. Flags:

    * ``invent_numbers``: add facts with numbers absent from the prompt
      (e.g. "新增高新技术企业15家，增长二成");
    * ``copy_exemplar_numbers``: copy up to ``copy_count`` clauses carrying a number with a
      unit from the exemplar text (default: every prompt line that has no slot in it);
    * ``drop_slots``: omit the last N offered slots;
    * ``swap_slots``: use every offered slot, in the wrong places: indicator slots rotated
      against their names, numbers inside a fact swapped or moved to another fact
      (:mod:`drafter.testing.placing`);
    * none of these: use every offered slot once, each indicator slot after its name and
      each derived slot after its base, and no other digits.

    Usable as a server responder (``__call__(body)``) or, via :meth:`complete`, on a list of
    OpenAI-format messages (for the fake chat model). Outcomes are kept in ``history``.
    """

    def __init__(
        self,
        *,
        invent_numbers: bool = False,
        copy_exemplar_numbers: bool = False,
        drop_slots: int = 0,
        copy_count: int = 2,
        exemplar_text: Callable[[Sequence[Mapping[str, Any]]], str] | None = None,
        swap_slots: bool = False,
    ) -> None:
        self.swap_slots = swap_slots
        self.invent_numbers = invent_numbers
        self.copy_exemplar_numbers = copy_exemplar_numbers
        self.drop_slots = max(0, drop_slots)
        self.copy_count = copy_count
        self.exemplar_text = exemplar_text or _default_exemplar_text
        self._lock = threading.Lock()
        self._history: list[DraftOutcome] = []

    @classmethod
    def for_behaviour(cls, behaviour: str) -> ScriptedDrafter:
        """``good`` | ``invent`` | ``copy`` | ``drop`` (drops the last 2 offered slots)."""
        if behaviour == "good":
            return cls()
        if behaviour == "invent":
            return cls(invent_numbers=True)
        if behaviour == "copy":
            return cls(copy_exemplar_numbers=True)
        if behaviour == "drop":
            return cls(drop_slots=2)
        if behaviour == "swap":
            return cls(swap_slots=True)
        raise ValueError(f"unknown behaviour {behaviour!r}; expected one of {BEHAVIOURS}")

    @property
    def history(self) -> list[DraftOutcome]:
        with self._lock:
            return list(self._history)

    @property
    def last(self) -> DraftOutcome | None:
        with self._lock:
            return self._history[-1] if self._history else None

    def __call__(self, body: Body) -> Reply:
        return Reply(content=self.complete(chat_messages(body)))

    def complete(self, messages: Sequence[Mapping[str, Any]]) -> str:
        """messages (OpenAI format) → paragraph text."""
        return self.draft(messages).text

    def draft(self, messages: Sequence[Mapping[str, Any]]) -> DraftOutcome:
        """messages (OpenAI format) → the paragraph and what went into it."""
        # a fact is written whole ({K7}); its numbers' own slots ({K7.1}) are for a model
        # that rewords the fact, which this one does not
        offered = tuple(
            s
            for s in dict.fromkeys(SLOT_RE.findall(last_user_text(messages)))
            if not _FACT_NUMBER_SLOT.fullmatch(s)
        )
        n_drop = min(self.drop_slots, len(offered))
        used = offered[: len(offered) - n_drop]
        dropped = offered[len(offered) - n_drop :]

        prompt = "\n".join(message_text(m) for m in messages)
        extras: list[list[str]] = [[] for _ in _CLAUSES]
        invented: list[str] = []
        copied: list[str] = []
        if self.invent_numbers:
            present = set(_DIGITS.findall(SLOT_RE.sub("", prompt)))
            for phrase in INVENTED_PHRASES:
                if not set(_DIGITS.findall(phrase)) & present:
                    invented.append(phrase)
                if len(invented) == 2:
                    break
            for i, phrase in enumerate(invented):
                extras[i].append(phrase)
        if self.copy_exemplar_numbers:
            source = SLOT_RE.sub("", self.exemplar_text(messages))
            for clause in _CLAUSE_SPLIT.split(source):
                clause = clause.strip()
                if clause and _NUMBER_WITH_UNIT.search(clause) and clause not in copied:
                    copied.append(clause)
                if len(copied) >= self.copy_count:
                    break
            for i, clause in enumerate(copied):
                extras[min(i, len(extras) - 1)].append(clause)

        # names and facts from the slot list, which a re-prompt does not repeat
        units = placed_units(used, prompt, swap=self.swap_slots)
        groups = _split_even(units, len(_CLAUSES))
        sentences = []
        for (ordinal, phrase), slots, extra in zip(_CLAUSES, groups, extras, strict=True):
            parts = [ordinal + phrase, *slots, *extra]
            sentences.append("，".join(parts) + "。")
        outcome = DraftOutcome(
            text="".join(sentences),
            offered_slots=offered,
            used_slots=used,
            dropped_slots=dropped,
            invented=tuple(invented),
            copied=tuple(copied),
        )
        with self._lock:
            self._history.append(outcome)
        return outcome


def _default_exemplar_text(messages: Sequence[Mapping[str, Any]]) -> str:
    lines = "\n".join(message_text(m) for m in messages).splitlines()
    return "\n".join(line for line in lines if not SLOT_RE.search(line))


def _split_even(items: list[str], n: int) -> list[list[str]]:
    """Contiguous groups, sizes differing by at most one (earlier groups larger)."""
    q, r = divmod(len(items), n)
    out: list[list[str]] = []
    start = 0
    for i in range(n):
        size = q + (1 if i < r else 0)
        out.append(items[start : start + size])
        start += size
    return out


# --------------------------------------------------------------------------------------
# Token estimate, embeddings
# --------------------------------------------------------------------------------------

_TOKEN_RE = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]|[A-Za-z]+|\d+|[^\sA-Za-z\d]")


def count_tokens(text: str) -> int:
    """A deterministic token estimate: one per CJK character, word, digit run or symbol."""
    return len(_TOKEN_RE.findall(text))


def cut_tokens(text: str, limit: int) -> str:
    for i, m in enumerate(_TOKEN_RE.finditer(text)):
        if i == limit:
            return text[: m.start()]
    return text


def embed_text(text: str, dim: int) -> list[float]:
    """Hashed bag of character uni/bi-grams, L2-normalised: similar texts, similar vectors."""
    vec = [0.0] * dim
    grams = list(text) + [text[i : i + 2] for i in range(len(text) - 1)]
    for g in grams:
        h = hashlib.blake2b(g.encode("utf-8"), digest_size=8).digest()
        idx = int.from_bytes(h[:4], "little") % dim
        vec[idx] += 1.0 if h[4] & 1 else -1.0
    norm = math.sqrt(sum(v * v for v in vec))
    if norm == 0.0:
        vec[0] = 1.0
        return vec
    return [v / norm for v in vec]


def input_text(item: Any) -> str:
    if isinstance(item, str):
        return item
    if isinstance(item, list):
        return " ".join(str(x) for x in item)
    return str(item)


def load_script(path: str | Path) -> tuple[Responder, float | None, list[dict[str, Any]]]:
    """Read a JSON script; returns (responder, latency or None, fault rule specs).

    Format (every key optional)::

        {
          "behaviour": "good" | "invent" | "copy" | "drop",   # ScriptedDrafter mode
          "replies": ["…", "…"], "cycle": false,               # or: sequence(replies)
          "fixed": "…",                                        # or: fixed(text)
          "echo": true,                                        # or: echo_prompt()
          "latency": 0.2,
          "faults": [
            {"fault": "status", "code": 429, "retry_after": 1, "times": 2},
            {"fault": "hang", "seconds": 30, "when_prompt_contains": "二、"},
            {"fault": "close_connection", "path": "/v1/embeddings"}
          ]
        }

    A fault without ``when_prompt_contains`` fires ``times`` (default 1) times; with it,
    every matching call unless ``times`` is given.
    """
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError("script must be a JSON object")
    responder: Responder
    if "replies" in data:
        responder = sequence([str(r) for r in data["replies"]], cycle=bool(data.get("cycle")))
    elif "fixed" in data:
        responder = fixed(str(data["fixed"]))
    elif data.get("echo"):
        responder = echo_prompt()
    else:
        responder = ScriptedDrafter.for_behaviour(str(data.get("behaviour", "good")))
    latency = data.get("latency")
    faults = data.get("faults", [])
    if not isinstance(faults, list):
        raise ValueError("'faults' must be a list")
    for spec in faults:
        fault_from_spec(spec)  # validate early
    return responder, float(latency) if latency is not None else None, faults
