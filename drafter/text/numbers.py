"""Numbers in Chinese official prose: find them, tell structure from quantity, check them.

Design principle 1: numbers are written by code, never by the model. The model refers to
figures only through slots (``{F3}``, ``{F3.yoy}``, ``{YEAR}``, ``{T2}``, ``{K1}``); any
digit or Chinese numeral it writes outside a slot is a violation, except structural words
(一是/二是, 第一, 进一步, “十四五”, heading markers …).

Three uses:

* :func:`find_violations` — model output with slots, before rendering: every Arabic digit
  run and every Chinese-numeral quantity outside a slot, with a Chinese message that can be
  sent back to the model and shown in the review report; malformed and unknown slots too.
* :func:`check_text` — rendered text (``drafter check``): every number that matches none
  of the allowed figures, after unit conversion (430万元 = 0.043亿元) and rounding to the
  displayed decimals (16.67 → “16.7%”).
* :func:`find_numbers` / :func:`is_structural` — the scanner both are built on.

Standard library only (``re``, ``decimal``); no other drafter module is imported.

Rules of thumb the scanner follows (see :func:`is_structural` for the full list):

* An Arabic number is always a mention; headings (``1.`` ``（1）`` at a line start) and
  allow-listed codes (5G, PM2.5) are structural, years and dates carry their own form.
* A Chinese numeral is a *quantity* when it is followed by a measure word or unit
  (家 项 件 个 人 次 …, 万/亿, %, 成, 倍) or is a run of two or more numeral characters;
  a lone numeral inside a word (统一, 一体化, 三农) is not. 一 followed by an
  article-like measure word (一个/一项/一批 …) is not a quantity either, unless a count
  verb comes right before it (新增一个).
* Anything whose numerals all fall inside an allow-listed word or pattern is structural;
  the allow-list is data (:class:`Allowlist`) and can be extended or loaded from a file.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from drafter.text.chars import narrow
from drafter.text.markers import find_markers
from drafter.text.numerals import (
    ASCII_DIGITS,
    CN_DIGITS,
    CN_RUN_CLASS,
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

__all__ = ["Form", "NumberMention", "Script", "find_numbers"]


# --------------------------------------------------------------------------- data shapes


class Form(StrEnum):
    """What a number mention is; the caller decides what each form means for it."""

    NUMBER = "number"  # a count or amount: 15家, 1.52亿元, 十五家, 12,560
    PERCENT = "percent"  # 23.39%, 百分之二十三, 三成 (unit 成 = 10%)
    FRACTION = "fraction"  # 三分之一, 1/3 (value is the quotient)
    MULTIPLE = "multiple"  # 1.5倍, 翻一番 (value 2, unit 倍)
    YEAR = "year"  # 2025年, 2025年度, 二〇二五年, 2023-2025年
    DATE = "date"  # 2025年12月20日, 12月20日, 1-9月, 2025年以来, 一季度
    DOCNO = "docno"  # a document number: 〔2024〕5号
    ORDINAL = "ordinal"  # 第一, 第3名, 其一
    ENUMERATION = "enumeration"  # 一是, 二是, 一则
    HEADING = "heading"  # 一、 （一） 1. （1）
    CODE = "code"  # digits inside a Latin token: 5G, PM2.5, ISO9001, F1


class Script(StrEnum):
    """How the number is written."""

    ARABIC = "arabic"  # includes full-width digits (１５)
    CHINESE = "chinese"


@dataclass(frozen=True)
class NumberMention:
    """One number as written in the text.

    ``value`` is the number as displayed, with the 万/亿 multiplier kept in ``unit``
    ("430万元" → value 430, unit "万元"); :attr:`base_value` / :attr:`base_unit` give it in
    the base unit (4300000, "元"). For a range ``value`` is the low end and ``high`` the
    high end. ``decimals`` is the number of decimals displayed (for rounding tolerance).
    ``qualifier`` is an approximation word next to the number (近 约 余 多 以上 以下 …).
    ``year`` is set for years, dates that name a year and document numbers.
    """

    start: int
    end: int
    raw: str
    value: Decimal
    unit: str | None = None
    form: Form = Form.NUMBER
    script: Script = Script.ARABIC
    high: Decimal | None = None
    qualifier: str | None = None
    decimals: int = 0
    high_decimals: int = 0
    year: int | None = None

    @property
    def span(self) -> tuple[int, int]:
        return (self.start, self.end)

    @property
    def is_range(self) -> bool:
        return self.high is not None

    @property
    def multiplier(self) -> Decimal:
        """Factor from the displayed unit to the base unit (10000 for 万元, 10 for 成)."""
        return parse_unit(self.unit)[0]

    @property
    def base_unit(self) -> str | None:
        """The unit without its multiplier: 元 for 万元, % for 成; None when dimensionless."""
        return parse_unit(self.unit)[1]

    @property
    def base_value(self) -> Decimal:
        """``value`` in the base unit: 430万元 → 4300000 (元)."""
        return self.value * self.multiplier

    @property
    def base_high(self) -> Decimal | None:
        return None if self.high is None else self.high * self.multiplier








_SEP = r"(?:[-~—–]|至|到)"
_RANGE_SEP = re.compile(r"[ \t]?" + _SEP + r"[ \t]?")
_SP = r"[ \t\u00a0]?"
_CN_INT = f"[{CN_RUN_CLASS}]+"
_CN_DEC = f"[{CN_RUN_CLASS}]+(?:点[零〇一二三四五六七八九]+)?"
_CN_MD = "[一二三四五六七八九十]"

_CODE = re.compile(r"(?<![A-Za-z0-9_.])[A-Za-z0-9]+(?:[.\-/][A-Za-z0-9]+)*(?![A-Za-z0-9_])")

_DOCNO = re.compile(r"[〔\[【(]([0-9]{4})[〕\]】)]" + _SP + r"第?([0-9]+)" + _SP + "号")
_ISO_DATE = re.compile(r"(?<![0-9.])([0-9]{4})([-./])([0-9]{1,2})\2([0-9]{1,2})(?![0-9])")
_YEAR_RANGE = re.compile(
    r"(?<![0-9.])([0-9]{4})" + _SP + "年?" + _SP + _SEP + _SP + r"([0-9]{4})" + _SP + "年(度)?"
)
_MD_AR = (
    r"(?P<m1>[0-9]{1,2})(?:" + _SP + _SEP + _SP + r"(?P<m2>[0-9]{1,2}))?" + _SP + "月(?:份)?"
    r"(?:"
    + _SP
    + r"(?P<d1>[0-9]{1,2})(?:"
    + _SP
    + _SEP
    + _SP
    + r"(?P<d2>[0-9]{1,2}))?"
    + _SP
    + "[日号])?"
)
_DATE_AR = re.compile(
    r"(?<![0-9.])(?P<y>[0-9]{4})" + _SP + "年(?P<du>度)?(?:" + _SP + _MD_AR + r")?(?P<since>以来)?"
)
_MONTH_AR = re.compile(r"(?<![0-9.])" + _MD_AR)
_MD_CN = (
    f"(?P<m1>{_CN_MD}{{1,2}})(?:{_SEP}(?P<m2>{_CN_MD}{{1,2}}))?月(?:份)?"
    f"(?:(?P<d1>{_CN_MD}{{1,3}})(?:{_SEP}(?P<d2>{_CN_MD}{{1,3}}))?[日号])?"
)
_DATE_CN = re.compile(
    f"(?<![{CN_RUN_CLASS}])(?P<y>[〇零一二三四五六七八九]{{4}})年(?P<du>度)?(?:{_MD_CN})?(?P<since>以来)?"
)
_MONTH_CN = re.compile(f"(?<![{CN_RUN_CLASS}第个])" + _MD_CN)
_QUARTER = re.compile(f"(?<![{CN_RUN_CLASS}0-9])(前|第)?([一二三四1-4])" + _SP + "季度")
_PERCENT_CN = re.compile(f"百分之({_CN_DEC})(?:{_SEP}(?:百分之)?({_CN_DEC}))?")
_FRACTION_CN = re.compile(f"(?<![{CN_RUN_CLASS}])([{CN_RUN_CLASS}]+)分之({_CN_DEC})")
_FRACTION_AR = re.compile(r"(?<![0-9./])([0-9]+)/([0-9]+)(?![0-9/])")
_DOUBLING = re.compile(r"翻了?([一两二三四五六七八九十]+)番")
_AR_NUM = re.compile(r"(?<![0-9])(?:[0-9]{1,3}(?:,[0-9]{3})+(?![0-9])|[0-9]+)(?:\.[0-9]+)?")
_CN_RUN = re.compile(_CN_DEC)
_APPROX_CN = re.compile(r"^(.*?)([一二两三四五六七八九])([二两三四五六七八九])([十百千万亿]*)$")





# --------------------------------------------------------------------------- scanner


_IntParser = Callable[[str], int | None]


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
        for m in _CODE.finditer(self.t):
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
        for m in _DOCNO.finditer(self.t):
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
        for m in _ISO_DATE.finditer(self.t):
            y, mo, d = int(m.group(1)), int(m.group(3)), int(m.group(4))
            if _is_year(y) and 1 <= mo <= 12 and 1 <= d <= 31 and self.free(m.start(), m.end()):
                self.add(m.start(), m.end(), Decimal(y), form=Form.DATE, year=y)

    def year_ranges(self) -> None:
        for m in _YEAR_RANGE.finditer(self.t):
            y1, y2 = int(m.group(1)), int(m.group(2))
            if _is_year(y1) and _is_year(y2) and y1 < y2 and self.free(m.start(), m.end()):
                self.add(
                    m.start(),
                    m.end(),
                    Decimal(y1),
                    form=Form.YEAR,
                    unit="年",
                    high=Decimal(y2),
                    year=y1,
                )

    def _dated(self, m: re.Match[str], year: int | None, parse: _IntParser) -> None:
        """A year and/or month-day match: YEAR when it is only a year, else DATE."""
        start, end = m.start(), m.end()
        has_md = m.group("m1") is not None
        if has_md and not _valid_md(m, parse):
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
            self.add(start, end, Decimal(first), form=Form.DATE, unit="月", high=_maybe(high))
            return
        form = Form.DATE if has_md or since else Form.YEAR
        self.add(start, end, Decimal(year), form=form, unit="年", year=year)

    def arabic_dates(self) -> None:
        for m in _DATE_AR.finditer(self.t):
            y = int(m.group("y"))
            if _is_year(y):
                self._dated(m, y, _int_or_none)

    def arabic_months(self) -> None:
        for m in _MONTH_AR.finditer(self.t):
            if _valid_md(m, _int_or_none):
                self._dated(m, None, _int_or_none)

    def quarters(self) -> None:
        for m in _QUARTER.finditer(self.t):
            q = m.group(2)
            v = int(q) if q.isdigit() else CN_DIGITS[q]
            if self.free(m.start(), m.end()):
                self.add(m.start(), m.end(), Decimal(v), form=Form.DATE, unit="季度")

    def chinese_dates(self) -> None:
        for m in _DATE_CN.finditer(self.t):
            y = parse_cn_int(m.group("y"))
            if y is not None and _is_year(y):
                self._dated(m, y, parse_cn_int)

    def chinese_months(self) -> None:
        for m in _MONTH_CN.finditer(self.t):
            if _valid_md(m, parse_cn_int):
                self._dated(m, None, parse_cn_int)

    def chinese_percents(self) -> None:
        for m in _PERCENT_CN.finditer(self.t):
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
        for m in _FRACTION_CN.finditer(self.t):
            den, num = parse_chinese_number(m.group(1)), parse_chinese_number(m.group(2))
            if den and num is not None and self.free(m.start(), m.end()):
                self.add(m.start(), m.end(), num / den, form=Form.FRACTION)
        for m in _FRACTION_AR.finditer(self.t):
            num_i, den_i = int(m.group(1)), int(m.group(2))
            if den_i and self.free(m.start(), m.end()):
                self.add(m.start(), m.end(), Decimal(num_i) / Decimal(den_i), form=Form.FRACTION)

    def doublings(self) -> None:
        for m in _DOUBLING.finditer(self.t):
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
        for m in _AR_NUM.finditer(t):
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
            sep = _RANGE_SEP.match(t, end)
            if sep:
                m2 = _AR_NUM.match(t, sep.end())
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
        for m in _CN_RUN.finditer(t):
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
                if len(run) > len(name) and run.endswith(name) and _cn_parts(run[: -len(name)]):
                    mult, run = name, run[: -len(name)]
                    break
        pieces = _cn_parts(run)
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
                sep = _RANGE_SEP.match(t, end)
                if hi is None and sep:
                    m2 = _CN_RUN.match(t, sep.end())
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


def _int_or_none(s: str) -> int | None:
    return int(s) if s.isdigit() else None


def _maybe(v: int | None) -> Decimal | None:
    return None if v is None else Decimal(v)


def _is_year(y: int) -> bool:
    return 1900 <= y <= 2100


def _valid_md(m: re.Match[str], parse: _IntParser) -> bool:
    """Month 1–12 and day 1–31 for every month/day group present."""
    for group, top in (("m1", 12), ("m2", 12), ("d1", 31), ("d2", 31)):
        raw = m.group(group)
        if raw is None:
            continue
        v = parse(raw)
        if v is None or not 1 <= v <= top:
            return False
    return True


def _cn_parts(run: str) -> list[tuple[int, int, Decimal, Decimal | None]]:
    """Split a run of Chinese numerals into numbers: (offset, length, value, high).

    One number when it parses (一百二十); an approximation 三四/三五/二三十 as a range;
    otherwise the longest parseable prefixes one after another (十四五 → 十四, 五).
    """
    if not run:
        return []
    whole = parse_chinese_number(run)
    digits_only = all(c in CN_DIGITS for c in run)
    if "点" not in run and (len(run) == 2 or not digits_only):
        approx = _APPROX_CN.match(run)
        if approx:
            pre, d1, d2, units = approx.groups()
            v1, v2 = CN_DIGITS[d1], CN_DIGITS[d2]
            if v2 == v1 + 1 or (v1, v2) == (3, 5):
                low = parse_chinese_number(pre + d1 + units)
                high = parse_chinese_number(pre + d2 + units)
                if low is not None and high is not None:
                    return [(0, len(run), low, high)]
    if whole is not None:
        return [(0, len(run), whole, None)]
    out: list[tuple[int, int, Decimal, Decimal | None]] = []
    i = 0
    while i < len(run):
        for j in range(len(run), i, -1):
            v = parse_chinese_number(run[i:j])
            if v is not None:
                out.append((i, j - i, v, None))
                i = j
                break
        else:
            i += 1
    return out


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







