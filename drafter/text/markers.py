"""Heading markers of 公文 (GB/T 9704 §7.3.3): 一、 （一） 1. （1）, and the 一是/二是 counters.

The one place that knows what a marker looks like, its level and its number. Segmentation,
the Word reader and writer, the figures tables, the number scanner and the outline all
ask here. Decisions pinned in tests/text/test_text_grammar.py:

* level 1 ``一、`` (not after another numeral: 十一、 is one marker, 一一、 none);
  level 2 ``（一）`` with full- or half-width brackets; level 3 ``1.`` ``1．`` ``1、``
  (not inside a decimal or after a digit); level 4 ``（1）``;
* at most three Chinese numerals or two digits: 一百、 is no heading;
* a numeral right after the marker means a list ("一、二、三等奖", "1、2号楼");
* Chinese counters parse with :func:`drafter.text.numerals.parse_ordinal` (一二 is none).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from drafter.text.numerals import ORDINAL_NUMERALS, parse_ordinal, to_chinese

__all__ = [
    "ENUMERATION_RE",
    "MARKER_RE",
    "NOT_A_TITLE_RE",
    "Marker",
    "first_child_re",
    "has_marker",
    "heading_marker",
    "join_marker",
    "match_marker",
    "normalized_marker",
    "strip_marker",
]

_CN = ORDINAL_NUMERALS

MARKER_RE = re.compile(
    rf"(?P<l2>[（(](?P<n2>[{_CN}]{{1,3}})[)）])"
    rf"|(?P<l4>[（(](?P<n4>\d{{1,2}})[)）])"
    rf"|(?P<l1>(?<![{_CN}])(?P<n1>[{_CN}]{{1,3}})、)"
    rf"|(?P<l3>(?<![\d.．])(?P<n3>\d{{1,2}})[、.．](?!\d))"
)
# "一、二、三等奖", "1、2号楼": a numeral right after the marker means a list, not a heading.
NOT_A_TITLE_RE = re.compile(rf"\s*(?:[{_CN}]{{1,3}}|\d{{1,3}})(?:[、，,]|等)")
# "第一章", "第二部分": chapter-style headings some documents use instead.
_CHAPTER_RE = re.compile(rf"第[{_CN}]{{1,3}}[章节部分篇]")
# 一是 … 十二是: the inline counters of measures within a paragraph.
ENUMERATION_RE = re.compile(rf"(?P<n>[{_CN}]{{1,2}})是")
# The first child marker of each level (it ends an inline title: "一、工作总结（一）实施…").
_FIRST_CHILD = {
    1: re.compile(r"[（(]一[)）]|(?<![\d.])1[、.．](?!\d)"),
    2: re.compile(r"(?<![\d.])1[、.．](?!\d)|[（(]1[)）]"),
    3: re.compile(r"[（(]1[)）]"),
}


@dataclass(frozen=True)
class Marker:
    """One heading marker found in a text: its level (1–4), number and span."""

    level: int
    number: int
    start: int
    end: int
    numeral: str  # as written: "十二", "3"


def _marker(m: re.Match[str]) -> Marker | None:
    for level in (1, 2, 3, 4):
        raw = m.group(f"n{level}")
        if raw is not None:
            number = parse_ordinal(raw) if level in (1, 2) else int(raw)
            if not number:
                return None
            return Marker(level, number, m.start(), m.end(), raw)
    raise AssertionError("marker regex matched no group")  # pragma: no cover


def match_marker(text: str, pos: int = 0, levels: tuple[int, ...] = (1, 2, 3, 4)) -> Marker | None:
    """The marker starting exactly at ``pos`` when it is of one of ``levels``."""
    m = MARKER_RE.match(text, pos)
    found = _marker(m) if m else None
    return found if found is not None and found.level in levels else None


def find_markers(text: str, pos: int = 0) -> list[Marker]:
    """Every marker-shaped span from ``pos`` on (callers decide which open a heading)."""
    return [mk for m in MARKER_RE.finditer(text, pos) if (mk := _marker(m)) is not None]


def strip_marker(heading: str) -> str:
    """A heading without its leading number (一、 （一） 1. （1）); "一流…" keeps its 一."""
    found = match_marker(heading)
    return heading[found.end :].lstrip() if found else heading


def has_marker(text: str) -> bool:
    """True when the text already starts with a heading number (一、 … 第一章)."""
    stripped = text.lstrip()
    return match_marker(stripped) is not None or _CHAPTER_RE.match(stripped) is not None


def heading_marker(level: int, n: int) -> str:
    """The marker of the n-th heading of a level: 一、 （十一） 1. （1）."""
    cn = to_chinese(n)
    return {1: f"{cn}、", 2: f"（{cn}）", 3: f"{n}.", 4: f"（{n}）"}.get(level, "")


def normalized_marker(marker: Marker) -> str:
    """The standard form of a marker as written ("(一)" → "（一）", "1、" → "1.")."""
    return {
        1: f"{marker.numeral}、",
        2: f"（{marker.numeral}）",
        3: f"{marker.numeral}.",
        4: f"（{marker.numeral}）",
    }[marker.level]


def first_child_re(level: int) -> re.Pattern[str] | None:
    """The pattern of the first child marker below ``level`` (None below level 3)."""
    return _FIRST_CHILD.get(level)


def join_marker(marker: str, text: str, *, suffix: str = "tab") -> str:
    """Number and text as one line; a space only where the number would run into digits
    or Latin text ("1. 2024年…"), none after full-width punctuation ("一、", "（一）")."""
    if not marker:
        return text
    text = text.lstrip()
    if marker[-1].isascii() and (suffix != "nothing" or text[:1].isascii()):
        return f"{marker} {text}"
    return marker + text


def search_marker(text: str, pos: int = 0) -> Marker | None:
    """The first well-formed marker at or after ``pos``."""
    while (m := MARKER_RE.search(text, pos)) is not None:
        found = _marker(m)
        if found is not None:
            return found
        pos = m.start() + 1
    return None
