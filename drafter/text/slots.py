"""Slot grammar: the placeholders ({F1}, {F1.yoy}, {K7.1}, {YEAR}) a model writes instead
of numbers, found, normalised and checked in one place."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

from drafter.text.chars import narrow

# Attributes are words ({F1.yoy}) or the number of a figure inside a fact ({K1.2}).
SLOT_NAME = r"[A-Z][A-Z0-9_]*(?:\.(?:[a-z][a-z0-9_]*|[0-9]+))*"
SLOT_NAME_RE = re.compile(SLOT_NAME)
#: A slot exactly as templates carry it after normalisation: {F1} {F1.yoy} {K7.1} {YEAR}.
SLOT_RE = re.compile(r"\{(" + SLOT_NAME + r")\}")
#: Anything a reader could take for a slot, as the model or a corpus text may write it:
#: full-width or doubled braces, spaces, any short content ({f1}, ｛K1｝, {{F2}}, {某某}).
SLOT_LIKE_RE = re.compile(r"[{｛]{1,2}\s*([^{}｛｝\n]{1,40}?)\s*[}｝]{1,2}")
#: The lenient scan behind find_slots/normalize_slots (run on narrow()ed text).
SLOTISH_RE = re.compile(r"\{[ \t]*([A-Za-z][A-Za-z0-9_.]*)[ \t]*(\})?")
BARE_SLOT_RE = re.compile(r"(?:[FTK][0-9]+(?:\.(?:[a-z][a-z0-9_]*|[0-9]+))*|YEAR(?:\.[a-z][a-z0-9_]*)*)")
BARE_SLOT_SCAN_RE = re.compile(r"(?<![A-Za-z0-9_{.])" + BARE_SLOT_RE.pattern + r"(?![A-Za-z0-9_}])")


@dataclass(frozen=True)
class SlotMatch:
    start: int
    end: int
    name: str  # canonical name, "" when it cannot be made valid
    closed: bool
    canonical: bool  # written exactly as "{NAME}"


def _canonical_name(name: str) -> str:
    base, *attrs = name.split(".")
    fixed = ".".join([base.upper(), *(a.lower() for a in attrs)])
    return fixed if SLOT_NAME_RE.fullmatch(fixed) else ""


def slot_matches(text: str) -> list[SlotMatch]:
    t = narrow(text)
    out: list[SlotMatch] = []
    for m in SLOTISH_RE.finditer(t):
        a, b = m.start(), m.end()
        closed = m.group(2) is not None
        if closed and a > 0 and t[a - 1] == "{" and b < len(t) and t[b] == "}":
            a, b = a - 1, b + 1  # {{F1}}
        name = _canonical_name(m.group(1))
        canonical = closed and bool(name) and text[a:b] == "{" + name + "}"
        out.append(SlotMatch(a, b, name, closed, canonical))
    return out


def find_slots(text: str) -> list[str]:
    """Slot names in order of appearance (duplicates kept), after normalisation: ``{F1}``,
    ``｛F1｝``, ``{ F1 }`` and ``{{F1}}`` all give "F1"; unclosed ``{F1`` gives nothing."""
    return [s.name for s in slot_matches(text) if s.closed and s.name]


def normalize_slots(text: str) -> str:
    """Rewrite recoverable slot syntax to ``{NAME}``: full-width braces and letters, spaces
    inside the braces, doubled braces, lower-case base names (``{f1.YOY}`` → ``{F1.yoy}``).
    Unclosed or invalid slots are left alone (:func:`check_slot_syntax` reports them)."""
    parts: list[str] = []
    pos = 0
    for s in slot_matches(text):
        if s.closed and s.name and not s.canonical:
            parts.append(text[pos : s.start])
            parts.append("{" + s.name + "}")
            pos = s.end
    parts.append(text[pos:])
    return "".join(parts)


def _is_known(name: str, known: Collection[str]) -> bool:
    if name in known:
        return True
    base, dot, _ = name.partition(".")
    if not dot or base not in known:
        return False
    # "F3.yoy" is known through "F3" unless the caller listed F3's attributes explicitly
    return not any(k.startswith(base + ".") for k in known)


def unknown_slots(text: str, known: Collection[str]) -> list[str]:
    """Slot names in ``text`` that ``known`` does not provide, unique, in order.

    A dotted name ("F3.yoy") is known when listed, or when its base ("F3") is listed and
    no attribute of that base is (listing "F3.yoy" makes the attribute list exhaustive).
    """
    seen: list[str] = []
    for name in find_slots(text):
        if not _is_known(name, known) and name not in seen:
            seen.append(name)
    return seen

