"""Guards on the model's pieces in guided drafting: copying, repeated frames, echoed feedback.

* **Copy guard.** Retrieved exemplars are shown to the model for structure and phrasing;
  it may not copy them. A run of ``COPY_RUN`` (12) or more characters of the model's text
  that also stands in the exemplar is a copy, unless it is a stock phrase: a 12-character
  n-gram that occurs in at least ``STOCK_MIN_DOCS`` (3) different documents of a corpus of
  real summaries ("在县委、县政府的坚强领导下" belongs to no one). The stock phrases are
  mined, not hand-listed: :func:`mine_stock_phrases` (run by scripts/mine_stock_phrases.py,
  output committed as drafter/drafting/data/stock_phrases.txt).
* **Repetition guard.** The same sentence frame — a lead or closing sentence with the
  section's topic words removed — may open or close at most ``MAX_FRAME_USES`` (2)
  sections of one draft (:class:`FrameRegistry`, shared by the sections of a run).
* **Echoed feedback.** The small model sometimes copies the retry's error list into its
  answer ("1.内容太长（229字）"); :func:`echoed_feedback` finds that, so it is sent back
  and can never reach the draft.
"""

from __future__ import annotations

import itertools
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from drafter.corpus.stock import (
    COPY_RUN as COPY_RUN,
)
from drafter.corpus.stock import (
    STOCK_MIN_DOCS as STOCK_MIN_DOCS,
)
from drafter.corpus.stock import grams as grams
from drafter.corpus.stock import mine_stock_phrases as mine_stock_phrases
from drafter.corpus.stock import normalise as normalise
from drafter.corpus.stock import read_phrases
from drafter.text.markers import ENUMERATION_RE
from drafter.text.sentences import FULL_STOPS

MAX_FRAME_USES = 2
FRAME_SIMILARITY = 0.6  # Dice of character pairs above which two frames are the same
ECHO_RUN = 8  # characters of a feedback message that, found in an answer, are an echo
COPY_PROBLEM_MARK = "照抄了范文中的原句"
STOCK_PATH = Path(__file__).resolve().parent / "data" / "stock_phrases.txt"

_ANY_QUOTED_RE = re.compile(r"“.*”")
_QUOTED_RE = re.compile(r"“[^”]*”|\"[^\"]*\"")


# --------------------------------------------------------------------------- copy guard


@lru_cache(maxsize=1)
def stock_phrases(path: Path = STOCK_PATH) -> frozenset[str]:
    """The committed stock phrases (one n-gram a line, a tab and a count; # comments)."""
    return read_phrases(path)


def copied_run(
    text: str, exemplar: str, *, own: str = "", stock: frozenset[str] | None = None
) -> str:
    """The first run of ≥ COPY_RUN characters of ``text`` copied from ``exemplar``, or "".

    Characters inside a stock phrase, or inside what the task itself gives (``own``: the
    facts, the topic, the bureau's leadership line), are not copied: only what is left of a
    copied stretch once they are taken out counts ("新的一年，县科技局将" + the bureau's own
    leadership line is no 12-character copy).
    """
    stock = stock_phrases() if stock is None else stock
    norm, source = normalise(text), grams(normalise(exemplar))
    if not source:
        return ""
    allowed = grams(normalise(own)) | stock
    copied = [False] * len(norm)
    free = [False] * len(norm)
    for i in range(len(norm) - COPY_RUN + 1):
        window = norm[i : i + COPY_RUN]
        if window in allowed:
            free[i : i + COPY_RUN] = [True] * COPY_RUN
        elif window in source:
            copied[i : i + COPY_RUN] = [True] * COPY_RUN
    run_start = -1
    for i, mark in enumerate([*(c and not f for c, f in zip(copied, free, strict=True)), False]):
        if mark and run_start < 0:
            run_start = i
        elif not mark and run_start >= 0:
            if i - run_start >= COPY_RUN:
                return norm[run_start:i]
            run_start = -1
    return ""


def copy_problems(
    text: str, exemplars: Iterable[str], own: str = "", extra_stock: frozenset[str] = frozenset()
) -> list[str]:
    """The copy guard as a problem for the model (empty when nothing was copied).
    ``extra_stock``: the stock phrases of the user's store (drafter.corpus.stock)."""
    stock = stock_phrases() | extra_stock
    for exemplar in exemplars:
        run = copied_run(text, exemplar, own=own, stock=stock)
        if run:
            return [
                f"{COPY_PROBLEM_MARK}（“{run}”）。范文只学写法，请用自己的话写本单位今年的内容。"
            ]
    return []


# --------------------------------------------------------------------------- repetition guard


def _pairs(text: str) -> set[str]:
    chars = [c for c in text if "\u4e00" <= c <= "\u9fff"]
    return {a + b for a, b in itertools.pairwise(chars)}


def sentence_frame(sentence: str, topic: str) -> str:
    """The sentence with its topic words removed: characters in a pair also found in the
    topic text (heading, facts, indicator names), slots, numbers and punctuation go."""
    sentence = normalise(sentence)
    topic_pairs = _pairs(topic)
    drop = [False] * len(sentence)
    for i in range(len(sentence) - 1):
        if sentence[i : i + 2] in topic_pairs:
            drop[i] = drop[i + 1] = True
    return "".join(
        c for c, d in zip(sentence, drop, strict=True) if not d and "\u4e00" <= c <= "\u9fff"
    )


def same_frame(a: str, b: str) -> bool:
    pa, pb = _pairs(a), _pairs(b)
    if len(pa) < 3 or len(pb) < 3:
        return a == b and bool(a)
    return 2 * len(pa & pb) / (len(pa) + len(pb)) >= FRAME_SIMILARITY


def lead_and_closing(text: str) -> tuple[str, str]:
    """The first and last sentences of a passage when they are not 一是/二是 items."""
    sentences = [s for s in re.split(f"[{FULL_STOPS}]", text) if s.strip()]
    if not sentences:
        return "", ""
    first = sentences[0] if not ENUMERATION_RE.search(sentences[0]) else ""
    last = sentences[-1] if len(sentences) > 1 and not ENUMERATION_RE.search(sentences[-1]) else ""
    return first, last


@dataclass
class FrameRegistry:
    """The lead and closing frames the sections of one draft have used (thread-safe)."""

    limit: int = MAX_FRAME_USES
    used: dict[str, list[tuple[str, str]]] = field(
        default_factory=lambda: {"lead": [], "closing": []}
    )
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def claim(self, section: str, text: str, topic: str) -> list[str]:
        """Record the passage's frames for ``section``, or say which frame is used up.

        Nothing is recorded when a frame is refused (the section is asked again)."""
        lead, closing = lead_and_closing(text)
        wanted = [
            (role, sentence, sentence_frame(sentence, topic))
            for role, sentence in (("lead", lead), ("closing", closing))
            if sentence
        ]
        with self._lock:
            problems = []
            for role, sentence, frame in wanted:
                others = {s for s, f in self.used[role] if s != section and same_frame(f, frame)}
                if len(others) >= self.limit:
                    where = "开头" if role == "lead" else "结尾"
                    problems.append(
                        f"{where}句“{sentence}”的句式已在其他{len(others)}节{where}用过，"
                        f"请换一种{where}写法。"
                    )
            if not problems:
                for role, _, frame in wanted:
                    self.used[role] = [(s, f) for s, f in self.used[role] if s != section]
                    self.used[role].append((section, frame))
            return problems


# --------------------------------------------------------------------------- echoed feedback


def feedback_windows(problems: Iterable[str], run: int = ECHO_RUN) -> set[str]:
    """Pieces of the feedback sent to the model that an answer must never contain.

    Quoted text (the model's own words) and what follows a colon (facts, placeholders
    to copy) are the model's material, not feedback wording, so they are left out."""
    windows: set[str] = set()
    for problem in problems:
        # greedy: a quote may hold quotes of its own (“…“量质齐升”目标…”)
        wording = _QUOTED_RE.sub("", _ANY_QUOTED_RE.sub("", problem))
        for piece in re.split(r"[：:]", wording)[:1]:
            windows |= grams(normalise(piece), run)
    return windows


def echoed_feedback(text: str, problems: Iterable[str]) -> str:
    """A run of the feedback's own wording found in ``text`` (e.g. "内容太长（X字）"), or ""."""
    windows = feedback_windows(problems)
    norm = normalise(text)
    for i in range(len(norm) - ECHO_RUN + 1):
        if norm[i : i + ECHO_RUN] in windows:
            return norm[i : i + ECHO_RUN]
    if re.match(r"^\s*[0-9]+[.．、]\s*\S", text) and windows:
        return text.strip()[:ECHO_RUN]
    return ""


def answer_problems(
    text: str,
    exemplars: Iterable[str],
    own: str,
    feedback: str,
    extra_stock: frozenset[str] = frozenset(),
) -> list[str]:
    """The guards of one answer: copied from a retrieved exemplar, or echoing the feedback
    (``feedback``: the retry note the question carried, empty on the first ask)."""
    problems = copy_problems(text, exemplars, own, extra_stock)
    echoed = echoed_feedback(text, feedback.splitlines())
    if echoed:
        problems.append(f"输出中混入了上一稿的问题说明（“{echoed}”），只输出正文，不要写问题说明。")
    return problems
