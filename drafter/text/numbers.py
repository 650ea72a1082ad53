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
* :func:`~drafter.text.scanner.find_numbers` / :func:`is_structural` — the scanner both
  are built on (:mod:`drafter.text.scanner`); this module defines what it finds.

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

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from drafter.text.units import (
    parse_unit,
)

__all__ = ["Form", "NumberMention", "Script"]


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
