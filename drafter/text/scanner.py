"""The number scanner: :func:`find_numbers` and the passes behind it.

Each pass claims the spans it recognises, in priority order (slots, codes, document
numbers, headings, dates, percentages, fractions, then plain Arabic and Chinese numbers),
so a later pass never reads part of an earlier mention. The rules are described in
:mod:`drafter.text.numbers`, which defines what a mention is; the patterns are in
:mod:`drafter.text.number_patterns`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from drafter.text.chars import narrow
from drafter.text.markers import find_markers
from drafter.text.number_patterns import (
    AR_NUM,
    CN_RUN,
    CODE,
    DATE_AR,
    DATE_CN,
    DOCNO,
    DOUBLING,
    FRACTION_AR,
    FRACTION_CN,
    ISO_DATE,
    MONTH_AR,
    MONTH_CN,
    PERCENT_CN,
    QUARTER,
    RANGE_SEP,
    YEAR_RANGE,
    IntParser,
    cn_parts,
    decimal_or_none,
    int_or_none,
    is_year,
    valid_md,
)
from drafter.text.numbers import Form, NumberMention, Script
from drafter.text.numerals import (
    ASCII_DIGITS,
    CN_DIGITS,
    cn_decimals,
    parse_chinese_number,
    parse_cn_int,
)
from drafter.text.slots import (
    SLOTISH_RE,
)
from drafter.text.units import (
    LATIN_UNITS,
    MULTIPLIERS,
    PREFIX_EXCLUDE,
    PREFIX_QUALIFIERS,
    SUFFIX_QUALIFIERS,
    UNITS,
    decimals_of,
    parse_unit,
)

__all__ = ["find_numbers"]


@dataclass
class _Tail:
    end: int
    unit: str | None
    qualifier: str | None


class _Scanner:
    """Finds mentions in priority order; each pass claims its spans."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.t = narrow(text)
        self.taken = bytearray(len(text))
        self.mentions: list[NumberMention] = []

    # -- bookkeeping
    def free(self, a: int, b: int) -> bool:
        return 0 <= a <= b <= len(self.t) and not any(self.taken[a:b])

    def take(self, a: int, b: int) -> None:
        self.taken[a:b] = b"\x01" * (b - a)

    def add(
        self,
        start: int,
        end: int,
        value: Decimal,
        *,
        form: Form = Form.NUMBER,
        unit: str | None = None,
        high: Decimal | None = None,
        qualifier: str | None = None,
        decimals: int = 0,
        high_decimals: int = 0,
        year: int | None = None,
        script: Script | None = None,
    ) -> None:
        if script is None:
            arabic = any(c in ASCII_DIGITS for c in self.t[start:end])
            script = Script.ARABIC if arabic else Script.CHINESE
        self.mentions.append(
            NumberMention(
                start=start,
                end=end,
                raw=self.text[start:end],
                value=value,
                unit=unit or None,
                form=form,
                script=script,
                high=high,
                qualifier=qualifier,
                decimals=decimals,
                high_decimals=high_decimals,
                year=year,
            )
        )
        self.take(start, end)

    def run(self) -> list[NumberMention]:
        for step in (
            self.slots,
            self.codes,
            self.docnos,
            self.headings,
            self.iso_dates,
            self.year_ranges,
            self.arabic_dates,
            self.arabic_months,
            self.quarters,
            self.chinese_dates,
            self.chinese_months,
            self.chinese_percents,
            self.fractions,
            self.doublings,
            self.arabic_numbers,
            self.chinese_numbers,
        ):
            step()
        return sorted(self.mentions, key=lambda m: (m.start, m.end))

    # -- passes
    def slots(self) -> None:
        for m in SLOTISH_RE.finditer(self.t):
            self.take(m.start(), m.end())

    def codes(self) -> None:
        for m in CODE.finditer(self.t):
            tok = m.group()
            if not (re.search("[A-Za-z]", tok) and re.search("[0-9]", tok)):
                continue
            if re.fullmatch(r"[0-9.,]+(?:" + "|".join(map(re.escape, LATIN_UNITS)) + ")", tok):
                continue  # 15km: a number with a Latin unit
            if not self.free(m.start(), m.end()):
                continue
            digits = re.search(r"[0-9]+(?:\.[0-9]+)?", tok)
            value = Decimal(digits.group()) if digits else Decimal(0)
            self.add(m.start(), m.end(), value, form=Form.CODE, script=Script.ARABIC)

    def docnos(self) -> None:
        for m in DOCNO.finditer(self.t):
            if self.free(m.start(), m.end()):
                self.add(
                    m.start(),
                    m.end(),
                    Decimal(m.group(2)),
                    form=Form.DOCNO,
                    unit="号",
                    year=int(m.group(1)),
                )

    def headings(self) -> None:
        """Heading markers (drafter.text.markers); 一、 and 1. only at a line or sentence start."""
        for mk in find_markers(self.t):
            before = self.t[mk.start - 1] if mk.start else " "
            if mk.level in (1, 3) and not (before.isspace() or before in "。;:!?"):
                continue
            if self.free(mk.start, mk.end):
                self.add(mk.start, mk.end, Decimal(mk.number), form=Form.HEADING)

    def iso_dates(self) -> None:
        for m in ISO_DATE.finditer(self.t):
            y, mo, d = int(m.group(1)), int(m.group(3)), int(m.group(4))
            if is_year(y) and 1 <= mo <= 12 and 1 <= d <= 31 and self.free(m.start(), m.end()):
                self.add(m.start(), m.end(), Decimal(y), form=Form.DATE, year=y)

    def year_ranges(self) -> None:
        for m in YEAR_RANGE.finditer(self.t):
            y1, y2 = int(m.group(1)), int(m.group(2))
            if is_year(y1) and is_year(y2) and y1 < y2 and self.free(m.start(), m.end()):
                self.add(
                    m.start(),
                    m.end(),
                    Decimal(y1),
                    form=Form.YEAR,
                    unit="年",
                    high=Decimal(y2),
                    year=y1,
                )

    def _dated(self, m: re.Match[str], year: int | None, parse: IntParser) -> None:
        """A year and/or month-day match: YEAR when it is only a year, else DATE."""
        start, end = m.start(), m.end()
        has_md = m.group("m1") is not None
        if has_md and not valid_md(m, parse):
            if year is None:
                return
            # 2025年13月: keep only the year part
            end = self.t.index("年", start) + 1 + (1 if m.group("du") else 0)
            has_md = False
        since = "since" in m.re.groupindex and m.group("since") is not None and end == m.end()
        if not self.free(start, end):
            return
        if year is None:
            first = parse(m.group("m1"))
            if first is None:
                return
            m2 = m.group("m2")
            high = parse(m2) if m2 is not None else None
            self.add(
                start, end, Decimal(first), form=Form.DATE, unit="月", high=decimal_or_none(high)
            )
            return
        form = Form.DATE if has_md or since else Form.YEAR
        self.add(start, end, Decimal(year), form=form, unit="年", year=year)

    def arabic_dates(self) -> None:
        for m in DATE_AR.finditer(self.t):
            y = int(m.group("y"))
            if is_year(y):
                self._dated(m, y, int_or_none)

    def arabic_months(self) -> None:
        for m in MONTH_AR.finditer(self.t):
            if valid_md(m, int_or_none):
                self._dated(m, None, int_or_none)

    def quarters(self) -> None:
        for m in QUARTER.finditer(self.t):
            q = m.group(2)
            v = int(q) if q.isdigit() else CN_DIGITS[q]
            if self.free(m.start(), m.end()):
                self.add(m.start(), m.end(), Decimal(v), form=Form.DATE, unit="季度")

    def chinese_dates(self) -> None:
        for m in DATE_CN.finditer(self.t):
            y = parse_cn_int(m.group("y"))
            if y is not None and is_year(y):
                self._dated(m, y, parse_cn_int)

    def chinese_months(self) -> None:
        for m in MONTH_CN.finditer(self.t):
            if valid_md(m, parse_cn_int):
                self._dated(m, None, parse_cn_int)

    def chinese_percents(self) -> None:
        for m in PERCENT_CN.finditer(self.t):
            low = parse_chinese_number(m.group(1))
            if low is None or not self.free(m.start(), m.end()):
                continue
            high = parse_chinese_number(m.group(2)) if m.group(2) else None
            end = m.end() if high is not None else m.end(1)
            self.add(
                m.start(),
                end,
                low,
                form=Form.PERCENT,
                unit="%",
                high=high,
                decimals=cn_decimals(m.group(1)),
                high_decimals=cn_decimals(m.group(2) or ""),
            )

    def fractions(self) -> None:
        for m in FRACTION_CN.finditer(self.t):
            den, num = parse_chinese_number(m.group(1)), parse_chinese_number(m.group(2))
            if den and num is not None and self.free(m.start(), m.end()):
                self.add(m.start(), m.end(), num / den, form=Form.FRACTION)
        for m in FRACTION_AR.finditer(self.t):
            num_i, den_i = int(m.group(1)), int(m.group(2))
            if den_i and self.free(m.start(), m.end()):
                self.add(m.start(), m.end(), Decimal(num_i) / Decimal(den_i), form=Form.FRACTION)

    def doublings(self) -> None:
        for m in DOUBLING.finditer(self.t):
            n = parse_cn_int(m.group(1))
            if n is not None and 0 < n <= 10 and self.free(m.start(), m.end()):
                self.add(m.start(), m.end(), Decimal(2**n), form=Form.MULTIPLE, unit="倍")

    # -- generic numbers
    def _prefix(self, start: int) -> tuple[int, str | None]:
        """An approximation word right before ``start``: (new start, qualifier)."""
        for q in PREFIX_QUALIFIERS:
            a = start - len(q)
            if a >= 0 and self.t.startswith(q, a) and self.free(a, start):
                before = self.t[a - 1] if a > 0 else ""
                if before and before in PREFIX_EXCLUDE.get(q, ""):
                    continue
                if q == "超" and before == "过":
                    continue
                return a, q
        return start, None

    def _unit_at(self, p: int, *, latin: bool) -> str | None:
        t = self.t
        if latin:
            for u in LATIN_UNITS:
                e = p + len(u)
                if t.startswith(u, p) and (e >= len(t) or not re.match(r"[A-Za-z0-9]", t[e])):
                    return u if self.free(p, e) else None
        for u in UNITS:
            if t.startswith(u, p) and self.free(p, p + len(u)):
                return u
        return None

    def _tail(self, p: int, *, arabic: bool, mid: str) -> _Tail:
        """Approximation, multiplier and unit after a number ending at ``p``:
        300多万元, 5万余元, 30余家, 15家以上, 十几家; a space is allowed before an Arabic unit."""
        t = self.t
        names = [n for n, _ in MULTIPLIERS] if arabic else ["万亿", "亿", "万"]

        def mult_at(i: int) -> str:
            full_unit = self._unit_at(i, latin=False)
            for name in names:
                if t.startswith(name, i) and self.free(i, i + len(name)):
                    if full_unit is not None and len(full_unit) > len(name):
                        return ""  # 千米, 千瓦: a unit, not a multiplier
                    return name
            return ""

        def mid_at(i: int, *, before_mult: bool) -> bool:
            if i >= len(t) or t[i] not in mid or not self.free(i, i + 1):
                return False
            follows = self._unit_at(i + 1, latin=arabic) is not None
            return follows or (before_mult and bool(mult_at(i + 1)))

        q = p
        if (
            arabic
            and t[q : q + 1] in (" ", "\u00a0")
            and (mult_at(q + 1) or self._unit_at(q + 1, latin=True))
        ):
            q += 1  # "15 家"
        qualifier: str | None = None
        if mid_at(q, before_mult=True):  # 300多万元
            qualifier = t[q]
            q += 1
        mult = mult_at(q)
        q += len(mult)
        if qualifier is None and mult and mid_at(q, before_mult=False):  # 5万余元
            qualifier = t[q]
            q += 1
        unit = self._unit_at(q, latin=arabic)
        q += len(unit or "")
        suffixes = SUFFIX_QUALIFIERS if (mult or unit) else ("以上", "以下")
        for suffix in suffixes:
            if t.startswith(suffix, q) and self.free(q, q + len(suffix)):
                qualifier = suffix
                q += len(suffix)
                break
        return _Tail(end=q, unit=(mult + (unit or "")) or None, qualifier=qualifier)

    def _form_for(self, unit: str | None, ordinal: bool) -> Form:
        if ordinal:
            return Form.ORDINAL
        if unit is not None and parse_unit(unit)[1] == "%" and unit not in ("百分点", "个百分点"):
            return Form.PERCENT
        if unit == "倍":
            return Form.MULTIPLE
        return Form.NUMBER

    def arabic_numbers(self) -> None:
        t = self.t
        for m in AR_NUM.finditer(t):
            s = m.start()
            if self.taken[s]:
                continue
            e = m.end()
            if not self.free(s, e):
                e = s
                while e < m.end() and not self.taken[e]:
                    e += 1
                while t[e - 1] in ".,":
                    e -= 1
            number = t[s:e]
            value = Decimal(number.replace(",", ""))
            tail = self._tail(e, arabic=True, mid="余多")
            end, unit, qualifier = tail.end, tail.unit, tail.qualifier
            high: Decimal | None = None
            high_dec = 0
            sep = RANGE_SEP.match(t, end)
            if sep:
                m2 = AR_NUM.match(t, sep.end())
                if m2 and self.free(sep.start(), m2.end()):
                    tail2 = self._tail(m2.end(), arabic=True, mid="余多")
                    if tail2.unit == unit or (unit is None and tail2.unit is not None):
                        high = Decimal(m2.group().replace(",", ""))
                        high_dec = decimals_of(m2.group())
                        end, unit = tail2.end, tail2.unit
                        qualifier = tail2.qualifier or qualifier
            start, pre = self._prefix(s)
            ordinal = start == s and s > 0 and t[s - 1] == "第" and self.free(s - 1, s)
            if ordinal:
                start = s - 1
            self.add(
                start,
                end,
                value,
                form=self._form_for(unit, ordinal),
                unit=unit,
                high=high,
                qualifier=qualifier or pre,
                decimals=decimals_of(number),
                high_decimals=high_dec,
                script=Script.ARABIC,
            )

    def chinese_numbers(self) -> None:
        t = self.t
        for m in CN_RUN.finditer(t):
            # split the run where earlier passes have claimed characters
            i = m.start()
            while i < m.end():
                if self.taken[i]:
                    i += 1
                    continue
                j = i
                while j < m.end() and not self.taken[j]:
                    j += 1
                self._chinese_run(i, j)
                i = j

    def _chinese_run(self, a: int, b: int) -> None:
        t = self.t
        run = t[a:b]
        # a decimal tail that lost its digits (一点) is not part of the number
        if run.endswith("点"):
            run, b = run[:-1], b - 1
            if not run:
                return
        # an enumeration glued to a word ending in a numeral: 十四五一是 → 十四五 + 一是,
        # 划一二是 → 划一 + 二是 (only 十一是 … 二十是 are enumerations of several numerals)
        if (
            len(run) > 1
            and "点" not in run
            and b < len(t)
            and t[b] in "是则"
            and self.free(b, b + 1)
            and run[-1] in "一二三四五六七八九十"
        ):
            whole = parse_chinese_number(run)
            proper = re.fullmatch("[一二]?十[一二三四五六七八九]?", run) is not None
            if not proper or whole is None or whole > 20:
                self._chinese_run(a, b - 1)
                enum_value = parse_chinese_number(run[-1]) or Decimal(0)
                self.add(b - 1, b + 1, enum_value, form=Form.ENUMERATION, script=Script.CHINESE)
                return
        mult = ""
        if "点" not in run:
            for name in ("万亿", "亿", "万"):
                if len(run) > len(name) and run.endswith(name) and cn_parts(run[: -len(name)]):
                    mult, run = name, run[: -len(name)]
                    break
        pieces = cn_parts(run)
        if not pieces:
            return
        for k, (off, length, value, high) in enumerate(pieces):
            s = a + off
            e = s + length
            last = k == len(pieces) - 1
            decimals = cn_decimals(run[off : off + length])
            unit: str | None = None
            qualifier: str | None = None
            end = e
            hi = high
            hi_dec = 0
            if last:
                end = b
                mid = "余多来几" if run[-1] in "十百千万亿" or mult else "余多"
                if mult:
                    tail = self._tail(b, arabic=False, mid=mid)
                    unit = mult + (tail.unit or "")
                    end, qualifier = tail.end, tail.qualifier
                else:
                    tail = self._tail(b, arabic=False, mid=mid)
                    unit, end, qualifier = tail.unit, tail.end, tail.qualifier
                sep = RANGE_SEP.match(t, end)
                if hi is None and sep:
                    m2 = CN_RUN.match(t, sep.end())
                    v2 = parse_chinese_number(m2.group()) if m2 else None
                    if m2 and v2 is not None and self.free(sep.start(), m2.end()):
                        tail2 = self._tail(m2.end(), arabic=False, mid="余多")
                        if tail2.unit == unit or (unit is None and tail2.unit is not None):
                            hi, hi_dec = v2, cn_decimals(m2.group())
                            end, unit = tail2.end, tail2.unit
                            qualifier = tail2.qualifier or qualifier
            start = s
            form: Form | None = None
            if k == 0:
                start, pre = self._prefix(s)
                qualifier = qualifier or pre
                if start == s and s > 0 and self.free(s - 1, s):
                    before = t[s - 1]
                    if before == "第" or (before == "其" and length == 1 and unit is None):
                        start, form = s - 1, Form.ORDINAL
                    elif before in "数几上" and run[0] in "十百千万亿":
                        start, qualifier = s - 1, before
            if (
                form is None
                and len(pieces) == 1
                and unit is None
                and hi is None
                and end < len(t)
                and t[end] in "是则"
                and self.free(end, end + 1)
                and value <= 20
            ):
                form = Form.ENUMERATION
                end += 1
            if form is None:
                form = self._form_for(unit, False)
            self.add(
                start,
                end,
                value,
                form=form,
                unit=unit,
                high=hi,
                qualifier=qualifier,
                decimals=decimals,
                high_decimals=hi_dec,
                script=Script.CHINESE,
            )


def find_numbers(text: str) -> list[NumberMention]:
    """Every number mention in ``text``, in order, with span, raw text, value and form.

    Covers Arabic (15家, 1.52亿元, 23.39%, 12,560, 30项以上, full-width １５), Chinese numerals
    (十五家, 一百二十项, 两家, 三成, 百分之二十三, 二〇二五年), 万/亿 multipliers (430万元 →
    430 万元), ranges (3-5家, 3至5家, 20～30项, 三四家), fractions (三分之一, 1/3), multiples
    (1.5倍, 翻一番), years and dates, headings, ordinals, enumerations and Latin codes (5G).
    Structural mentions are returned too; :func:`is_structural` tells them apart. Text
    inside slot syntax (``{F1}``, ``{F1``, ``｛F1｝``) is not scanned.
    """
    return _Scanner(text).run()
