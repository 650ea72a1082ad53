"""How a scripted stub model places the slots it is offered (standard library only).

A well-behaved model names each indicator before its value slot ("有效高新技术企业{F1}")
and writes derived slots right after their base ("{F1}，{F1.yoy}"). A *swapping* model
uses every slot it is offered but puts them in the wrong places, the way a real model was
seen to: it rotates the indicator slots (the name of F1 before {F2}, of F2 before
{F3} …), swaps the numbers inside a fact ("新入孵企业{K7.2}，毕业企业{K7.1}") and moves a
fact's only number into another fact's sentence.

The names and facts are read from the prompt's slot list, as drafter writes it::

    {F1} 有效高新技术企业 63家（上年54家，目标60家）
    {K7} 工作事实（整句）：县科技企业孵化器新入孵企业9家，毕业企业7家
    {K7.1} K7中的数字：9家
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_NAME_LINE_RE = re.compile(r"^\s*\{(F\d+)\}\s+([^\s0-9:：（(]{2,})", re.M)
_FACT_LINE_RE = re.compile(r"^\s*\{(K\d+)\}\s*[^：:\n]*[：:](.+)$", re.M)
_NUMBER_LINE_RE = re.compile(r"^\s*\{(K\d+)\.(\d+)\}\s*[^：:\n]*[：:]\s*(\S+)\s*$", re.M)


def indicator_names(prompt: str) -> dict[str, str]:
    """F id → the indicator name its slot line gives."""
    return {m.group(1): m.group(2) for m in _NAME_LINE_RE.finditer(prompt)}


def fact_numbers(prompt: str) -> dict[str, tuple[str, list[str]]]:
    """K id → (fact text, the numbers inside it as written, in order)."""
    facts = {m.group(1): m.group(2).strip() for m in _FACT_LINE_RE.finditer(prompt)}
    numbers: dict[str, list[tuple[int, str]]] = {}
    for m in _NUMBER_LINE_RE.finditer(prompt):
        numbers.setdefault(m.group(1), []).append((int(m.group(2)), m.group(3)))
    return {k: (text, [w for _, w in sorted(numbers.get(k, []))]) for k, text in facts.items()}


def _with_placeholders(
    text: str, fact_id: str, written: Sequence[str], order: Sequence[int]
) -> str:
    """The fact with its i-th number replaced by ``{fact_id.order[i]}`` (one pass)."""
    parts: list[str] = []
    pos = 0
    for i, number in enumerate(written):
        at = text.find(number, pos)
        if at < 0:
            return ""
        parts += [text[pos:at], f"{{{fact_id}.{order[i]}}}"]
        pos = at + len(number)
    parts.append(text[pos:])
    return "".join(parts)


def placed_units(used: Sequence[str], prompt: str, *, swap: bool = False) -> list[str]:
    """The used slots ("{F1}", "{F1.yoy}", "{K1}" …) grouped into the pieces a model writes:
    "NAME{F1}，{F1.yoy}" per indicator, one piece for any other slot. With ``swap`` the
    indicator names are rotated against their slots, and facts with numbers get an extra
    piece restating them with the numbers' placeholders swapped or moved."""
    names = indicator_names(prompt)
    bases = [s for s in used if re.fullmatch(r"\{F\d+\}", s)]
    rotated = {b: bases[(i + 1) % len(bases)] for i, b in enumerate(bases)} if swap else {}
    units: list[str] = []
    index: dict[str, int] = {}
    for slot in used:
        base = slot[1:-1].split(".", 1)[0]
        if base.startswith("F") and "{" + base + "}" in index:
            units[index["{" + base + "}"]] += "，" + _retarget(slot, rotated)
            continue
        if re.fullmatch(r"\{F\d+\}", slot):
            index[slot] = len(units)
            units.append(names.get(base, "") + rotated.get(slot, slot))
        else:
            units.append(slot)
    if swap:
        units += _swapped_facts(used, prompt)
    return units


def _retarget(slot: str, rotated: dict[str, str]) -> str:
    base, dot, attr = slot[1:-1].partition(".")
    target = rotated.get("{" + base + "}")
    return "{" + target[1:-1] + dot + attr + "}" if target else slot


def _swapped_facts(used: Sequence[str], prompt: str) -> list[str]:
    facts = {k: v for k, v in fact_numbers(prompt).items() if "{" + k + "}" in used and v[1]}
    singles = [k for k, (_, nums) in facts.items() if len(nums) == 1]
    pieces: list[str] = []
    for fact_id, (text, nums) in facts.items():
        if len(nums) >= 2:
            order = [2, 1, *range(3, len(nums) + 1)]
            piece = _with_placeholders(text, fact_id, nums, order)
        elif len(singles) >= 2:
            # this fact's sentence, with the next single-number fact's placeholder in it
            other = singles[(singles.index(fact_id) + 1) % len(singles)]
            piece = _with_placeholders(text, fact_id, nums, [1]).replace(
                "{" + fact_id + ".1}", "{" + other + ".1}"
            )
        else:
            continue
        if piece:
            pieces.append(piece)
    return pieces
