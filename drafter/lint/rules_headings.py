"""Heading numbers of the 公文 body (GB/T 9704-2012 7.3.3): 一、 （一） 1. （1）.

Only a number at the start of a paragraph is a heading here; the marker grammar itself
(which strings are markers of which level) comes from drafter.text.markers.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from drafter.lint.base import GB_LAYOUT, Finding, LintDoc, finding, rule
from drafter.text.markers import NOT_A_TITLE_RE, heading_marker, match_marker
from drafter.text.numerals import ORDINAL_NUMERALS, parse_ordinal

R_AFTER_PAREN = rule("heading.after-paren", GB_LAYOUT, "7.3.3", "括号序号后加了标点")
R_AR_DUNHAO = rule("heading.arabic-dunhao", GB_LAYOUT, "7.3.3", "“1、”应为“1.”")
R_CN_PUNCT = rule("heading.cn-punct", GB_LAYOUT, "7.3.3", "“一”后应为顿号")
R_HALF_PAREN = rule("heading.halfwidth-paren", GB_LAYOUT, "7.3.3", "序号用了半角括号")
R_ONE_PAREN = rule("heading.one-paren", GB_LAYOUT, "7.3.3", "序号只有右括号")
R_SKIP = rule("heading.level-skip", GB_LAYOUT, "7.3.3", "标题层级跳级", scope="document")
R_SEQUENCE = rule("heading.sequence", GB_LAYOUT, "7.3.3", "标题序号不连续", scope="document")

_CN = ORDINAL_NUMERALS
_INDENT = re.compile(r"[ \t\u3000]*(?:#{1,6}[ \t]+)?[ \t\u3000]*")
_CN_BAD_SEP = re.compile(rf"([{_CN}]{{1,3}})([.．,，:：])(?=[\u4e00-\u9fff])")
_ONE_PAREN = re.compile(r"(\d{1,2}|[" + _CN + r"]{1,3})([)）])(?=[\u4e00-\u9fff])")
_PAREN_TAIL = re.compile(r"[、.．,，:：]")
_LEVEL_NAMES = {1: "一级", 2: "二级", 3: "三级", 4: "四级"}


def _number(level: int, raw: str) -> int:
    return (parse_ordinal(raw) or 0) if level in (1, 2) else int(raw)


def check_headings(doc: LintDoc) -> Iterator[Finding]:
    counters: dict[int, int | None] = {1: None, 2: None, 3: None, 4: None}
    for offset, line in doc.lines:
        p = _INDENT.match(line)
        pos = p.end() if p else 0
        if pos >= len(line):
            continue
        level_number: tuple[int, int, int, int] | None = None  # level, n, start, end
        m = match_marker(line, pos)
        if m is not None and not NOT_A_TITLE_RE.match(line, m.end):
            level, raw, n = m.level, m.numeral, m.number
            a, b = offset + m.start, offset + m.end
            level_number = (level, n, a, b)
            marker = line[m.start : m.end]
            if level in (2, 4):
                if "(" in marker or ")" in marker:
                    fixed = marker.replace("(", "（").replace(")", "）")
                    yield finding(
                        doc,
                        R_HALF_PAREN,
                        a,
                        b,
                        f"标题序号“{marker}”用了半角括号，应为全角“{fixed}”。",
                        fixed,
                    )
                t = _PAREN_TAIL.match(line, m.end)
                if t is not None:
                    yield finding(
                        doc,
                        R_AFTER_PAREN,
                        offset + t.start(),
                        offset + t.end(),
                        f"“{heading_marker(level, n)}”类序号后不加标点，应删去“{t.group()}”。",
                        "",
                    )
            elif level == 3 and marker.endswith("、"):
                yield finding(
                    doc,
                    R_AR_DUNHAO,
                    a,
                    b,
                    f"阿拉伯数字序号后用下脚点，“{marker}”应为“{raw}.”。",
                    f"{raw}.",
                )
        else:
            c = _CN_BAD_SEP.match(line, pos)
            o = _ONE_PAREN.match(line, pos)
            if c is not None and parse_ordinal(c.group(1)):
                a, b = offset + c.start(2), offset + c.end(2)
                level_number = (1, parse_ordinal(c.group(1)) or 0, offset + c.start(), b)
                yield finding(
                    doc,
                    R_CN_PUNCT,
                    a,
                    b,
                    f"汉字序号后用顿号，“{c.group()}”应为“{c.group(1)}、”。",
                    "、",
                )
            elif o is not None:
                raw = o.group(1)
                level = 4 if raw.isdigit() else 2
                n = _number(level, raw)
                if n:
                    a, b = offset + o.start(), offset + o.end()
                    level_number = (level, n, a, b)
                    fixed = f"（{raw}）"
                    yield finding(
                        doc,
                        R_ONE_PAREN,
                        a,
                        b,
                        f"序号“{o.group()}”缺少左括号，应为“{fixed}”。",
                        fixed,
                    )
        if level_number is None:
            continue
        level, n, a, b = level_number
        yield from _sequence(doc, counters, level, n, a, b)


def _sequence(
    doc: LintDoc, counters: dict[int, int | None], level: int, n: int, a: int, b: int
) -> Iterator[Finding]:
    ancestors = [lv for lv in range(1, level - 1) if counters[lv] is not None]
    if ancestors and counters[level - 1] is None and counters[level] is None:
        missing = heading_marker(level - 1, 1)
        yield finding(
            doc,
            R_SKIP,
            a,
            b,
            f"{_LEVEL_NAMES[level]}标题“{doc.text[a:b]}”之前缺少{_LEVEL_NAMES[level - 1]}标题"
            f"（{missing}），层次不应跳级。",
        )
    expected = (counters[level] or 0) + 1
    if n != expected:
        yield finding(
            doc,
            R_SEQUENCE,
            a,
            b,
            f"标题序号“{doc.text[a:b]}”不连续：此处应为“{heading_marker(level, expected)}”。",
        )
    counters[level] = n
    for deeper in range(level + 1, 5):
        counters[deeper] = None
