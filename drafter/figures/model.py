"""This year's figures: load and validate them, derive 同比/完成率 in code, render slots.

Principle 1 of the design: numbers are written by code, never by the model. This module
is where every number of a draft comes from. The model refers to a figure only through a
slot such as ``{F3}`` or ``{F3.yoy}``; :class:`SlotTable` renders it ("15家",
"同比增长25.0%"), and :meth:`SlotTable.allowed_values` tells a number checker which
numbers (with units) a draft may contain.

The figures file (YAML)
=======================

::

    bureau: 示例县科学技术局          # required
    region: 示例县                    # optional
    year: 2025                        # required, integer 2000–2100
    period: annual                    # annual (default) | half_year; also 全年 / 上半年
    title: null                       # optional; composed by default:
                                      #   annual:    {bureau}{year}年工作总结及{year+1}年工作打算
                                      #   half_year: {bureau}{year}年上半年工作总结及下半年工作打算
    sections:                         # work areas, one （一） each; at least one
      - id: entities                  # optional ASCII slug; default s1, s2, …
        name: 科技创新主体培育
        indicators:
          - name: 高新技术企业
            value: 42                 # a number only; the unit goes in `unit`
            unit: 家                  # required
            previous: 36              # optional: last year's value → 同比
            target: 40                # optional: this year's target → 完成率
            basis: 有效期内            # optional 口径 note
            kind: count               # optional: count | amount | rate
        facts:                        # sentences of what was done; their numbers are figures too
          - 组织高新技术企业认定政策培训3场，覆盖企业86家
    problems:
      - 全社会研发投入强度仍低于全市平均水平
    plan:
      targets:
        - {name: 新增高新技术企业, value: 6, unit: 家, qualifier: 以上}
      priorities:
        - 深入实施科技型企业梯次培育行动

Numbers keep the decimals they were written with: YAML floats are read as
:class:`decimal.Decimal` from their source text, so ``1.50`` stays ``1.50``; integers stay
``int``. ``kind`` is inferred from the unit when omitted: ``%`` → ``rate`` (a proportion,
0–100, changes worded in 百分点), money units (元/千元/万元/亿元…) → ``amount`` (may be
negative), anything else → ``count`` (never negative). Plan-target ``qualifier`` is one of
以上/及以上/左右/以内/以下 (written after the number: "6家以上") or
力争/确保/争取/不低于/不少于/超过/突破/达到 (written before it: "不低于6家").

The same figures as a table (.xlsx or .csv)
===========================================

Designed so that the indicator table a bureau already keeps loads as it is::

    2025年科技工作主要指标完成情况表                 ← title rows before the header: ignored
    单位名称 | 示例县科学技术局                      ← header block: 名称 | 值
    年度     | 2025
    工作领域 | 指标 | 单位 | 2025年 | 2024年 | 2025年目标 | 口径 | 类型   ← the header row
    科技创新主体培育 | 高新技术企业 | 家 | 42 | 36 | 40 | 有效期内 |
                    | 科技型中小企业 | 家 | 150 | 128 | 140 |     |   ← empty 工作领域: as above
    科技创新主体培育 | 组织政策培训3场，覆盖企业86家 | | | | | | 事实
    | 全社会研发投入强度仍低于全市平均水平 | | | | | | 问题
    | 新增高新技术企业 | 家 | 6 | | | | 目标        ← with 限定 column: 以上
    | 深入实施科技型企业梯次培育行动 | | | | | | 重点

* ``.xlsx``: the first worksheet (not named 基本信息). The header block may instead be a
  worksheet named **基本信息** with the same 名称 | 值 rows. Merged 工作领域 cells work
  (an empty 工作领域 cell continues the one above). Formula cells are read as the value
  Excel saved; cells formatted as percentages (0.00%) are read as percentages (23.39, unit
  % when the 单位 cell is empty); a number shown with a fixed number of decimals keeps them.
* ``.csv``: UTF-8 (with or without BOM) or GB18030, comma separated, same layout.
* Header block names: 单位名称/填报单位/单位/bureau, 地区/region, 年度/年份/year,
  期间/时段/period (全年/上半年/annual/half_year), 标题/title.
* Header row columns (Chinese or English, spaces ignored; other columns such as 序号,
  同比, 完成率, 备注 are ignored — derived figures are always recomputed):

  ============  =====================================================  ================
  field         column names                                           YAML key
  ============  =====================================================  ================
  work area     工作领域, 领域, 工作板块, 板块, 分类, 类别, section      sections[].name
  area id       领域编号, section_id                                    sections[].id
  row type      类型, 行类型, type                                       (see below)
  name / text   指标, 指标名称, 名称, 项目, 内容, name, indicator        name / the sentence
  value         数值, 完成值, 实际完成, 本年, 本年完成, {year}年, value   value
  unit          单位, 计量单位, unit                                    unit
  previous      上年, 上年同期, 上年完成, 去年, {year-1}年, previous      previous
  target        目标, 目标值, 年度目标, 本年目标, {year}年目标, target    target
  basis         口径, 统计口径, 口径说明, basis                          basis
  kind          指标性质, 性质, kind                                     kind
  qualifier     限定, 限定词, qualifier                                  plan.targets[].qualifier
  ============  =====================================================  ================

* Row types (the 类型 column; empty means 指标): 指标/indicator; 事实/工作/举措/fact
  (the sentence in the 指标 column, under its 工作领域); 问题/problem; 目标/计划目标/
  plan_target (next period's target: 指标, 数值, 单位, 限定); 重点/重点工作/priority.
* A row with only a heading such as "一、科技创新主体培育" or "（二）平台建设" starts a
  work area (for tables without a 工作领域 column). Rows starting with 注：/说明： are notes.

Errors are :class:`~drafter.errors.InputError` in Chinese, naming the file, the place
(``sections[2].indicators[0].value`` plus the YAML line, or 第N行“列名”列 for tables),
what is wrong and how to fix it.

Derived figures and their wording
=================================

All arithmetic is :class:`~decimal.Decimal` with ROUND_HALF_UP; percentages 1 decimal.

* 同比 (``.yoy``): ``(value − previous) ÷ previous``: "同比增长16.7%" / "同比下降3.8%" /
  "与上年持平" (identical values). Units of ``%`` change in 百分点 instead:
  "比上年提高2.1个百分点". Previous 0 → "实现零的突破" (no percentage). Multiples follow
  the Chinese convention 增长1倍 = 翻一番 = 2×: exactly 2×/4×/8× → "同比翻一番/翻两番/
  翻三番"; other values above 2× → "同比增长X倍" with X = value ÷ previous − 1 (1 decimal,
  or an integer when exact); below 2× → a percentage ("同比增长99.0%"). A negative value or
  previous (amounts) is worded as an amount: "比上年增加60万元". Half-year summaries say
  "上年同期".
* ``.delta``: "增加6家" / "减少60万元" / "提高0.17个百分点" / "与上年持平".
* 完成率 (``.rate``): ``value ÷ target``: "完成年度目标的105.0%" (half-year:
  "完成全年目标的52.3%"). For ``%`` units it is the gap in 百分点, as such targets are
  reported: "高于年度目标0.03个百分点" / "达到年度目标" / "低于年度目标0.1个百分点".
* ``.status``: "超额完成年度目标" (> target) / "完成年度目标" (= target) /
  "未完成年度目标" (< target); half-year: "提前完成全年目标" / "完成全年目标任务过半" /
  "完成全年目标进度低于时间进度".
* A rounded percentage never hides a difference: 0.04% is shown as "0.04%", not "0.0%",
  and 99.96% of target is not shown as "100.0%".

Slots
=====

======================  ===================================================  ===========
slot                    renders                                              when
======================  ===================================================  ===========
``{YEAR}``              2025                                                 always
``{PREV_YEAR}``         2024                                                 always
``{NEXT_YEAR}``         2026                                                 always
``{F1}``                42家 — indicators numbered globally in file order    always
``{F1.prev}``           36家                                                 previous
``{F1.yoy}``            同比增长16.7% / 比上年提高2.1个百分点 / 与上年持平    previous
``{F1.delta}``          增加6家                                              previous
``{F1.target}``         40家                                                 target
``{F1.rate}``           完成年度目标的105.0%                                 target
``{F1.status}``         超额完成年度目标                                     target
``{K1}``                a whole fact sentence (facts numbered globally)      always
``{K1.1}``              3场 — the n-th number inside fact K1                 always
``{T1}``                6家以上 — plan targets                               always
``{P1}`` / ``{P1.1}``   a problem sentence / a number inside it              always
``{R1}`` / ``{R1.1}``   a plan priority sentence / a number inside it        always
======================  ===================================================  ===========

:meth:`SlotTable.slots_for_section` lists a work area's slots by its id, and the pseudo
sections ``overview`` (every indicator), ``problems`` (problems and the indicators that
missed their target) and ``plan`` (targets and priorities); the year slots are in all.
"""

from __future__ import annotations

import contextlib
import csv
import difflib
import io
import math
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Self

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from drafter.errors import DrafterError, InputError
from drafter.models import Period
from drafter.text.markers import match_marker
from drafter.text.numerals import CN_NUMERALS, parse_cn_int

Number = int | Decimal
"""A figure as written by the user: ``int`` for integers, ``Decimal`` keeping its decimals."""

Loc = tuple[str | int, ...]

__all__ = [
    "FiguresFile",
    "Indicator",
    "IndicatorKind",
    "Number",
    "Plan",
    "PlanTarget",
    "Slot",
    "SlotTable",
    "UnknownSectionError",
    "UnknownSlotError",
    "Wording",
    "WorkArea",
    "build_slot_table",
    "change_wording",
    "completion_rate",
    "completion_wording",
    "convert_amount",
    "convert_indicator",
    "delta_wording",
    "format_number",
    "format_quantity",
    "infer_kind",
    "load_figures",
    "percent_change",
    "status_wording",
]


# ---------------------------------------------------------------------------------------
# Exceptions
# ---------------------------------------------------------------------------------------


class UnknownSlotError(DrafterError):
    """A text refers to slots the table does not have; ``unknown`` lists them as written."""

    def __init__(self, unknown: Sequence[str], known: Sequence[str]) -> None:
        self.unknown = tuple(unknown)
        listed = "、".join(f"{{{u}}}" for u in self.unknown)
        sample = "、".join(f"{{{k}}}" for k in known[:12])
        more = "等" if len(known) > 12 else ""
        super().__init__(
            f"文中引用了不存在的槽位：{listed}",
            hint=f"只能使用列出的槽位（如 {sample}{more}），不要自造槽位名，也不要在花括号里写文字",
        )


class UnknownSectionError(InputError):
    """A section id that is neither a work area of the figures nor a pseudo section."""


# ---------------------------------------------------------------------------------------
# Numbers: parsing, formatting, conversion
# ---------------------------------------------------------------------------------------

_INT_RE = re.compile(r"[+-]?\d+")
_DEC_RE = re.compile(r"[+-]?\d+\.\d+")
_THOUSANDS_RE = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_FIRST_NUMBER_RE = re.compile(r"\d+(?:\.\d+)?")


class _Problem(ValueError):
    """A validation problem in Chinese: what is wrong, how to fix it, and where below the
    location pydantic reports (``at``)."""

    def __init__(self, problem: str, fix: str | None = None, *, at: Loc = ()) -> None:
        super().__init__(problem)
        self.problem = problem
        self.fix = fix
        self.at = at


def _show(value: Any) -> str:
    """How an input value is named in a message."""
    if value is None:
        return "空值"
    if isinstance(value, bool):
        return f"“{'是' if value else '否'}”（YAML 把 yes/no/true/false/on/off 读作是/否）"
    if isinstance(value, int | Decimal):
        written = _number_text(value)
        if written is None:  # 1E+999999999 written out would take gigabytes
            written = (
                f"{value:.6E}" if isinstance(value, Decimal) and value.is_finite() else str(value)
            )
        return written if len(written) <= 40 else f"{written[:40]}…"
    if isinstance(value, str):
        return f"“{value}”" if len(value) <= 40 else f"“{value[:40]}…”"
    if isinstance(value, Mapping):
        return "一组键值对"
    if isinstance(value, list | tuple):
        return "一个列表"
    return f"“{value}”"


def _parse_number(raw: Any) -> Number:
    """An int or Decimal from YAML/Excel/CSV input, or a _Problem saying how to fix it."""
    if isinstance(raw, bool):
        raise _Problem(f"应为数字，实际是{_show(raw)}", "只填阿拉伯数字，例如 value: 15")
    if isinstance(raw, int):
        return _bounded(raw)
    if isinstance(raw, Decimal):
        if not raw.is_finite():
            raise _Problem(f"应为有限的数字，实际是{raw}", "只填阿拉伯数字，例如 value: 15")
        return _bounded(raw)
    if isinstance(raw, float):
        return _parse_number(Decimal(repr(raw)))
    if isinstance(raw, str):
        text = raw.strip()
        if _INT_RE.fullmatch(text):
            return int(_bounded(Decimal(text)))  # int(text) refuses over 4300 digits
        if _DEC_RE.fullmatch(text):
            return _bounded(Decimal(text))
        if _THOUSANDS_RE.fullmatch(text):
            return _parse_number(text.replace(",", ""))
        raise _Problem(f"不是数字：{_show(text)}", _number_fix(text))
    if raw is None:
        raise _Problem("是空的", "填写阿拉伯数字，例如 value: 15")
    raise _Problem(f"应为数字，实际是{_show(raw)}", "只填阿拉伯数字，例如 value: 15")


# No figure of a bureau reaches 10^15 (a trillion yuan written in 元 is 10^12), and none
# needs more than 8 decimals; beyond these, writing the number out is itself the hazard.
_MAX_PLACES = 8


def _number_text(value: int | Decimal) -> str | None:
    """``format_number(value)`` when it is of a sane size, else None."""
    if isinstance(value, Decimal) and (
        not value.is_finite() or abs(value.adjusted()) > 40 or value.as_tuple().exponent < -40  # type: ignore[operator]
    ):
        return None
    if isinstance(value, int) and value.bit_length() > 140:  # about 42 digits
        return None
    return format_number(value)


def _bounded(number: Number) -> Number:
    """The number, unless it is absurdly large or has absurdly many decimals."""
    # Decimal.adjusted(): abs() of 1E+999999999 would itself overflow
    too_big = number.adjusted() >= 15 if isinstance(number, Decimal) else abs(number) >= 10**15
    if too_big:
        raise _Problem(
            f"数值过大：{_show(number)}",
            "检查是否多写了数字或填错了列；金额可改用万元、亿元等较大的单位",
        )
    if isinstance(number, Decimal) and number.as_tuple().exponent < -_MAX_PLACES:  # type: ignore[operator]
        raise _Problem(
            f"小数位数过多：{_show(number)}",
            f"最多保留{_MAX_PLACES}位小数（通常1到2位），按公布的数字填写",
        )
    return number


_UNIT_FIELD = "unit 字段（表格中是“单位”列）"


def _number_fix(text: str) -> str:
    """The fix for a value written as text: split off the unit, convert Chinese numerals."""
    if len(text) > 40:  # the fixes below quote the text back
        return f"只填阿拉伯数字（可带小数点），单位写在 {_UNIT_FIELD}"
    arabic = re.fullmatch(r"([+-]?\d+(?:\.\d+)?)\s*([^\d\s]+)", text)
    if arabic:
        number, unit = arabic.groups()
        if unit in {"余", "多", "以上", "左右"}:
            return f"数值只写数字：value: {number}；“{unit}”这类说明写在 basis（口径）"
        unit = "%" if unit == "％" else unit
        return f"数值只写数字，单位写在 {_UNIT_FIELD}：value: {number}，unit: {unit}"
    prefix = ""
    for ch in text:
        if ch not in CN_NUMERALS:
            break
        prefix += ch
    as_int = parse_cn_int(prefix) if prefix else None
    if as_int is not None:
        rest = text[len(prefix) :].strip()
        if rest:
            return f"请用阿拉伯数字，单位写在 {_UNIT_FIELD}：value: {as_int}，unit: {rest}"
        return f"请用阿拉伯数字：value: {as_int}"
    found = _FIRST_NUMBER_RE.search(text)
    if found:
        return (
            f"数值只写阿拉伯数字，如 value: {found.group()}；单位写在 {_UNIT_FIELD}，"
            "“约”“余”“预计”等说明写在 basis（口径）"
        )
    return f"只填阿拉伯数字（可带小数点），单位写在 {_UNIT_FIELD}"


def format_number(value: Number) -> str:
    """A number as Chinese official documents write it: no thousands separators, no
    exponent, the decimals it was given with ("12560", "1.50", "0.17")."""
    if isinstance(value, bool):
        raise TypeError("a bool is not a figure")
    if isinstance(value, int):
        return str(value)
    return format(value, "f")


def format_quantity(value: Number, unit: str | None) -> str:
    """A number with its unit, exactly as given: "15家", "430万元", "1.52亿元", "23.39%".

    The unit is never changed (12560万元 stays 12560万元); use :func:`convert_amount` or
    :func:`convert_indicator` to convert on purpose."""
    return f"{format_number(value)}{unit or ''}"


_MONEY_FACTORS: dict[str, Decimal] = {
    "元": Decimal(1),
    "千元": Decimal(1000),
    "万元": Decimal(10000),
    "亿元": Decimal(100000000),
    "万亿元": Decimal(1000000000000),
    "美元": Decimal(1),
    "万美元": Decimal(10000),
    "亿美元": Decimal(100000000),
}


def _plain(value: Decimal) -> Decimal:
    """Drop trailing zeros without switching to exponent notation (1.2560 → 1.256, 1E+4 →
    10000)."""
    normal = value.normalize()
    return normal.quantize(Decimal(1)) if normal.as_tuple().exponent > 0 else normal  # type: ignore[operator]


def convert_amount(
    value: Number, from_unit: str, to_unit: str, *, places: int | None = None
) -> Decimal:
    """Convert a money amount between 元/千元/万元/亿元/万亿元 (or 美元/万美元/亿美元):
    ``convert_amount(12560, "万元", "亿元") == Decimal("1.256")``. With ``places`` the result
    is rounded (ROUND_HALF_UP) to that many decimals, else trailing zeros are dropped."""
    try:
        source, dest = _MONEY_FACTORS[from_unit], _MONEY_FACTORS[to_unit]
    except KeyError as exc:
        raise ValueError(
            f"无法换算单位：{from_unit} → {to_unit}（只支持 {'、'.join(_MONEY_FACTORS)}）"
        ) from exc
    if ("美元" in from_unit) != ("美元" in to_unit):
        raise ValueError(f"无法换算单位：{from_unit} → {to_unit}（币种不同）")
    result = Decimal(value) * source / dest
    if places is not None:
        return result.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return _plain(result)


def _round(value: Decimal, places: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _round_honest(exact: Decimal, places: int, boundary: Decimal) -> Decimal:
    """Round to ``places`` decimals, adding decimals (up to 4 more) when rounding would make a
    value that differs from ``boundary`` look equal to it (0.04% → "0.04", not "0.0")."""
    rounded = _round(exact, places)
    extra = 0
    while exact != boundary and rounded == boundary and extra < 4:
        extra += 1
        rounded = _round(exact, places + extra)
    return rounded


def percent_change(value: Number, previous: Number, places: int = 1) -> Decimal:
    """同比 in percent, ``(value − previous) ÷ previous × 100``, rounded ROUND_HALF_UP."""
    if previous == 0:
        raise ZeroDivisionError("上年数为0，不能计算同比百分比")
    exact = (Decimal(value) - Decimal(previous)) * 100 / Decimal(previous)
    return _round_honest(exact, places, Decimal(0))


def completion_rate(value: Number, target: Number, places: int = 1) -> Decimal:
    """完成率 in percent, ``value ÷ target × 100``, rounded ROUND_HALF_UP."""
    if target == 0:
        raise ZeroDivisionError("目标为0，不能计算完成率")
    exact = Decimal(value) * 100 / Decimal(target)
    return _round_honest(exact, places, Decimal(100))


# ---------------------------------------------------------------------------------------
# Wording of derived figures
# ---------------------------------------------------------------------------------------

NumberWithUnit = tuple[Decimal, str | None]


@dataclass(frozen=True)
class Wording:
    """A phrase rendered by code and the numbers (with units) it contains."""

    text: str
    numbers: tuple[NumberWithUnit, ...] = ()


def _is_percent_unit(unit: str | None) -> bool:
    return unit in {"%", "％"}


def _last_year(period: Period) -> str:
    return "上年同期" if period is Period.HALF_YEAR else "上年"


def _target_name(period: Period) -> str:
    return "全年目标" if period is Period.HALF_YEAR else "年度目标"


def _dec(value: Number) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(value)


def delta_wording(
    value: Number, previous: Number, unit: str | None, period: Period = Period.ANNUAL
) -> Wording:
    """The change as an amount: "增加6家", "减少60万元", "提高0.17个百分点", "与上年持平"."""
    delta = _dec(value) - _dec(previous)
    if delta == 0:
        return Wording(f"与{_last_year(period)}持平")
    size = abs(delta)
    if _is_percent_unit(unit):
        verb = "提高" if delta > 0 else "下降"
        return Wording(f"{verb}{format_number(size)}个百分点", ((size, "个百分点"),))
    verb = "增加" if delta > 0 else "减少"
    return Wording(f"{verb}{format_quantity(size, unit)}", ((size, unit),))


_DOUBLINGS = {Decimal(2): "翻一番", Decimal(4): "翻两番", Decimal(8): "翻三番"}


def change_wording(
    value: Number,
    previous: Number,
    unit: str | None,
    period: Period = Period.ANNUAL,
    places: int = 1,
) -> Wording:
    """同比 as a phrase: "同比增长16.7%", "同比下降3.8%", "与上年持平",
    "比上年提高2.1个百分点" (units of %), "实现零的突破" (previous 0), "同比翻一番" (exactly
    2×), "同比增长1.5倍" (above 2×). See the module docstring for the rules."""
    last = _last_year(period)
    current, before = _dec(value), _dec(previous)
    if current == before:
        return Wording(f"与{last}持平")
    if _is_percent_unit(unit):
        delta = delta_wording(value, previous, unit, period)
        return Wording(f"比{last}{delta.text}", delta.numbers)
    if before == 0 and current > 0:
        return Wording("实现零的突破")
    if before <= 0 or current < 0:
        delta = delta_wording(value, previous, unit, period)
        return Wording(f"比{last}{delta.text}", delta.numbers)
    ratio = current / before
    if ratio in _DOUBLINGS:
        # 翻一番 states the multiple (2倍, as drafter.text.numbers reads it), 增长1倍 the growth
        return Wording(
            f"同比{_DOUBLINGS[ratio]}",
            ((ratio - 1, "倍"), (ratio, "倍"), (_round((ratio - 1) * 100, places), "%")),
        )
    if ratio > 2:
        times = ratio - 1
        shown = _plain(times) if times == times.to_integral_value() else _round(times, places)
        return Wording(f"同比增长{format_number(shown)}倍", ((shown, "倍"),))
    pct = percent_change(value, previous, places)
    verb = "增长" if pct > 0 else "下降"
    return Wording(f"同比{verb}{format_number(abs(pct))}%", ((abs(pct), "%"),))


def completion_wording(
    value: Number,
    target: Number,
    unit: str | None,
    period: Period = Period.ANNUAL,
    places: int = 1,
) -> Wording:
    """完成率 as a phrase: "完成年度目标的105.0%"; for units of % the gap in 百分点:
    "高于年度目标0.03个百分点" / "达到年度目标" / "低于年度目标0.1个百分点"."""
    goal = _target_name(period)
    if _is_percent_unit(unit):
        gap = _dec(value) - _dec(target)
        if gap == 0:
            return Wording(f"达到{goal}")
        word = "高于" if gap > 0 else "低于"
        return Wording(f"{word}{goal}{format_number(abs(gap))}个百分点", ((abs(gap), "个百分点"),))
    rate = completion_rate(value, target, places)
    return Wording(f"完成{goal}的{format_number(rate)}%", ((rate, "%"),))


def status_wording(value: Number, target: Number, period: Period = Period.ANNUAL) -> Wording:
    """Whether the target was met: "超额完成年度目标" / "完成年度目标" / "未完成年度目标";
    half-year: "提前完成全年目标" / "完成全年目标任务过半" / "完成全年目标进度低于时间进度"."""
    current, goal = _dec(value), _dec(target)
    if period is Period.HALF_YEAR:
        if current >= goal:
            return Wording("提前完成全年目标")
        if goal > 0 and current * 2 >= goal:
            return Wording("完成全年目标任务过半")
        return Wording("完成全年目标进度低于时间进度")
    if current > goal:
        return Wording("超额完成年度目标")
    if current == goal:
        return Wording("完成年度目标")
    return Wording("未完成年度目标")


# ---------------------------------------------------------------------------------------
# Validators used by the models
# ---------------------------------------------------------------------------------------


def _text(raw: Any) -> str:
    if isinstance(raw, str):
        text = raw.strip()
        if not text:
            raise _Problem("是空的", "填写文字内容，或删除这一项")
        if any(brace in text for brace in "{}｛｝"):  # drafts use them for slots: {F1}
            raise _Problem(
                f"文字中不能有花括号：{_show(text)}", "花括号留作槽位标记，请删去或改用（）"
            )
        return text
    if raw is None:
        raise _Problem("是空的", "填写文字内容，或删除这一项")
    if isinstance(raw, Mapping):
        raise _Problem(
            "应为一句文字，却被读成了键值对",
            "句中的英文冒号后跟空格会被 YAML 当作“键: 值”，请改用中文冒号“：”或给整句加引号",
        )
    if isinstance(raw, int | Decimal) and not isinstance(raw, bool):
        written = _number_text(raw)
        if written is not None:
            return written
    raise _Problem(f"应为文字，实际是{_show(raw)}", "填写文字内容，必要时给整句加引号")


def _optional_text(raw: Any) -> str | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    return _text(raw)


def _optional_number(raw: Any) -> Number | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    return _parse_number(raw)


def _unit(raw: Any) -> str:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        raise _Problem("缺少单位", "填写计量单位，如 unit: 家、项、万元、%")
    if not isinstance(raw, str):
        raise _Problem(
            f"单位应为文字，实际是{_show(raw)}", "填写计量单位，如 unit: 家、项、万元、%"
        )
    unit = raw.strip().replace("％", "%")
    # 十 百 千 万 亿 belong to units (万元, 千米, 百分点); the digits never do
    if any(ch.isdigit() or ch in "零〇一二两三四五六七八九" for ch in unit):
        raise _Problem(
            f"单位里不能有数字：{_show(unit)}", "单位只写计量单位，如 家、万元、%；数字写在 value"
        )
    if len(unit) > 10:
        raise _Problem(
            f"单位太长：{_show(unit)}", "单位只写计量单位，如 家、万元、%；说明写在 basis（口径）"
        )
    return unit


_YEAR_TEXT_RE = re.compile(r"\d{4}")


def _year(raw: Any) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int | str | Decimal):
        raise _Problem(f"年份应为整数，实际是{_show(raw)}", "写成四位数字，如 year: 2025")
    if isinstance(raw, str):
        if not _YEAR_TEXT_RE.fullmatch(raw.strip()):
            fix = "写成四位数字，如 year: 2025"
            found = re.search(r"\d{4}", raw)
            if found:
                fix = f"只写四位数字：year: {found.group()}"
            raise _Problem(f"年份应为整数，实际是{_show(raw)}", fix)
        return _year(int(raw.strip()))
    if isinstance(raw, Decimal):
        raise _Problem(f"年份应为整数，实际是{_show(raw)}", "写成四位数字，如 year: 2025")
    if not 2000 <= raw <= 2100:
        raise _Problem(
            f"年份不合理：{_show(raw)}", "填写总结所属的年份（2000—2100之间），如 year: 2025"
        )
    return raw


_PERIOD_ALIASES: dict[str, Period] = {
    "annual": Period.ANNUAL,
    "year": Period.ANNUAL,
    "全年": Period.ANNUAL,
    "年度": Period.ANNUAL,
    "年": Period.ANNUAL,
    "half_year": Period.HALF_YEAR,
    "half-year": Period.HALF_YEAR,
    "halfyear": Period.HALF_YEAR,
    "上半年": Period.HALF_YEAR,
    "半年": Period.HALF_YEAR,
}


def _period(raw: Any) -> Period:
    if isinstance(raw, Period):
        return raw
    if isinstance(raw, str) and raw.strip().lower() in _PERIOD_ALIASES:
        return _PERIOD_ALIASES[raw.strip().lower()]
    raise _Problem(
        f"未知的总结期间：{_show(raw)}",
        "period 只能是 annual（全年）或 half_year（上半年）",
    )


class IndicatorKind(StrEnum):
    """How an indicator is checked and worded."""

    COUNT = "count"  # items: never negative; 增加/减少 N家
    AMOUNT = "amount"  # money and other totals: may be negative
    RATE = "rate"  # a proportion in %, 0–100; changes in 百分点


_KIND_ALIASES: dict[str, IndicatorKind] = {
    "count": IndicatorKind.COUNT,
    "数量": IndicatorKind.COUNT,
    "计数": IndicatorKind.COUNT,
    "amount": IndicatorKind.AMOUNT,
    "金额": IndicatorKind.AMOUNT,
    "总量": IndicatorKind.AMOUNT,
    "rate": IndicatorKind.RATE,
    "比率": IndicatorKind.RATE,
    "比例": IndicatorKind.RATE,
    "百分比": IndicatorKind.RATE,
}


def _kind(raw: Any) -> IndicatorKind:
    if isinstance(raw, IndicatorKind):
        return raw
    if isinstance(raw, str) and raw.strip().lower() in _KIND_ALIASES:
        return _KIND_ALIASES[raw.strip().lower()]
    raise _Problem(
        f"未知的指标性质：{_show(raw)}",
        "kind 只能是 count（数量）、amount（金额/总量）或 rate（比率，单位 %）；"
        "也可以不写，按单位推断",
    )


def infer_kind(unit: str) -> IndicatorKind:
    """``%`` → rate; money units (元, 万元, 亿元 …) → amount; anything else → count."""
    if _is_percent_unit(unit):
        return IndicatorKind.RATE
    if unit in _MONEY_FACTORS or unit.endswith("元"):
        return IndicatorKind.AMOUNT
    return IndicatorKind.COUNT


_SLUG_RE = re.compile(r"[a-z][a-z0-9_-]{0,39}")
_RESERVED_SECTION_IDS = ("overview", "problems", "plan")


def _section_id(raw: Any) -> str:
    if raw is None:
        return ""
    if not isinstance(raw, str) or not _SLUG_RE.fullmatch(raw.strip()):
        raise _Problem(
            f"工作领域编号只能用小写英文字母、数字、下划线或连字符，并以字母开头，实际是{_show(raw)}",
            "如 id: entities；也可以不写，程序按顺序编为 s1、s2……",
        )
    slug = raw.strip()
    if slug in _RESERVED_SECTION_IDS:
        raise _Problem(
            f"“{slug}”是保留的编号", f"换一个编号；{'、'.join(_RESERVED_SECTION_IDS)} 已有他用"
        )
    return slug


_PREFIX_QUALIFIERS = ("力争", "确保", "争取", "不低于", "不少于", "超过", "突破", "达到")
_SUFFIX_QUALIFIERS = ("以上", "及以上", "左右", "以内", "以下")


def _qualifier(raw: Any) -> str | None:
    text = _optional_text(raw)
    if text is None or text in _PREFIX_QUALIFIERS or text in _SUFFIX_QUALIFIERS:
        return text
    raise _Problem(
        f"未知的限定词：{_show(text)}",
        f"qualifier 可用：{'、'.join(_SUFFIX_QUALIFIERS)}（写在数字后），"
        f"{'、'.join(_PREFIX_QUALIFIERS)}（写在数字前）",
    )


def _none_to_list(raw: Any) -> Any:
    return [] if raw is None else raw


Text = Annotated[str, BeforeValidator(_text)]
OptionalText = Annotated[str | None, BeforeValidator(_optional_text)]
FigureValue = Annotated[int | Decimal, BeforeValidator(_parse_number)]
OptionalFigure = Annotated[int | Decimal | None, BeforeValidator(_optional_number)]
Unit = Annotated[str, BeforeValidator(_unit)]
Year = Annotated[int, BeforeValidator(_year)]
PeriodField = Annotated[Period, BeforeValidator(_period)]
KindField = Annotated[IndicatorKind, BeforeValidator(_kind)]
SectionId = Annotated[str, BeforeValidator(_section_id)]
Qualifier = Annotated[str | None, BeforeValidator(_qualifier)]
TextList = Annotated[list[Text], BeforeValidator(_none_to_list)]


# ---------------------------------------------------------------------------------------
# Models
# ---------------------------------------------------------------------------------------

# Words users put where an English key belongs, and the key they mean.
_KEY_HINTS = {
    "单位名称": "bureau",
    "局名": "bureau",
    "地区": "region",
    "年度": "year",
    "年份": "year",
    "期间": "period",
    "标题": "title",
    "工作领域": "sections",
    "领域": "sections",
    "指标": "indicators",
    "事实": "facts",
    "工作": "facts",
    "问题": "problems",
    "打算": "plan",
    "计划": "plan",
    "目标": "target",
    "重点": "priorities",
    "名称": "name",
    "数值": "value",
    "单位": "unit",
    "上年": "previous",
    "口径": "basis",
    "性质": "kind",
    "限定": "qualifier",
    "编号": "id",
    "year_target": "target",
    "prev": "previous",
    "last_year": "previous",
    "note": "basis",
    "items": "indicators",
}


class _Model(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _known_keys(cls, data: Any) -> Any:
        if isinstance(data, Mapping):
            allowed = list(cls.model_fields)
            for key in data:
                if isinstance(key, str) and key in allowed:
                    continue
                name = str(key)
                guess = _KEY_HINTS.get(name)
                if guess not in allowed:
                    close = difflib.get_close_matches(name.lower(), allowed, n=1, cutoff=0.6)
                    guess = close[0] if close else None
                listed = "、".join(allowed)
                fix = (
                    f"是不是想写“{guess}”？此处可用的字段：{listed}"
                    if guess
                    else (f"此处可用的字段：{listed}")
                )
                raise _Problem(f"未知字段{_show(name)}", fix, at=(name,))
        return data


class _Quantity(_Model):
    name: Text
    value: FigureValue
    unit: Unit
    kind: KindField = IndicatorKind.COUNT

    @model_validator(mode="before")
    @classmethod
    def _infer_kind(cls, data: Any) -> Any:
        if isinstance(data, Mapping) and data.get("kind") in (None, ""):
            unit = data.get("unit")
            rest = {k: v for k, v in data.items() if k != "kind"}
            if isinstance(unit, str) and unit.strip():
                return {**rest, "kind": infer_kind(unit.strip().replace("％", "%"))}
            return rest
        return data

    @model_validator(mode="after")
    def _check_quantity(self) -> Self:
        if self.kind is IndicatorKind.COUNT and _is_percent_unit(self.unit):
            raise _Problem(
                "单位是 % 的指标不能是 count（数量）",
                "删去 kind（按单位推断为 rate），或把 kind 改为 rate / amount",
                at=("kind",),
            )
        if self.kind is IndicatorKind.RATE and not _is_percent_unit(self.unit):
            raise _Problem(
                f"rate（比率）类指标的单位应为 %，实际是{_show(self.unit)}",
                "把 unit 改为 %，或把 kind 改为 count / amount",
                at=("unit",),
            )
        self._check_number("value", self.value)
        return self

    def _check_number(self, key: str, number: Number | None) -> None:
        if number is None:
            return
        label = {"value": "数值", "previous": "上年数", "target": "目标"}[key]
        if self.kind is IndicatorKind.COUNT and number < 0:
            raise _Problem(
                f"{label}不能为负数：{format_number(number)}（{self.name}是数量）",
                "检查是否填错；减少的情况请填本年和上年的实际数，由程序计算“减少”。"
                "确实可以为负的金额类指标请写 kind: amount",
                at=(key,),
            )
        if self.kind is IndicatorKind.RATE and not 0 <= number <= 100:
            raise _Problem(
                f"比率（单位 %）应在0到100之间，实际是{format_number(number)}",
                "检查是否多乘了100或填错了列；增长率一类可超过100或为负的百分数请写 kind: amount，"
                "更好的做法是填本年和上年的绝对数，由程序计算同比",
                at=(key,),
            )


class Indicator(_Quantity):
    """One figure of the year, with last year's value and this year's target if known."""

    previous: OptionalFigure = None
    target: OptionalFigure = None
    basis: OptionalText = None

    @model_validator(mode="after")
    def _check_indicator(self) -> Self:
        self._check_number("previous", self.previous)
        self._check_number("target", self.target)
        if self.target is not None and self.target <= 0 and self.kind is not IndicatorKind.RATE:
            raise _Problem(
                f"目标必须大于0，实际是{format_number(self.target)}，无法计算完成率",
                "填写年初确定的目标值；没有目标就删去 target",
                at=("target",),
            )
        return self

    @property
    def label(self) -> str:
        """The name with its 口径 note: "全社会研发经费投入强度（预计）"."""
        return f"{self.name}（{self.basis}）" if self.basis else self.name


class PlanTarget(_Quantity):
    """A target for the next period: "新增高新技术企业6家以上"."""

    qualifier: Qualifier = None

    @property
    def text(self) -> str:
        quantity = format_quantity(self.value, self.unit)
        if self.qualifier in _PREFIX_QUALIFIERS:
            return f"{self.qualifier}{quantity}"
        return f"{quantity}{self.qualifier or ''}"


class WorkArea(_Model):
    """A work area, rendered as one （一） of the achievements part."""

    id: SectionId = ""
    name: Text
    indicators: Annotated[list[Indicator], BeforeValidator(_none_to_list)] = []
    facts: TextList = []

    @model_validator(mode="after")
    def _check_area(self) -> Self:
        if not self.indicators and not self.facts:
            raise _Problem(
                f"工作领域{_show(self.name)}既没有指标也没有工作事实",
                "至少写一项 indicators 或 facts，或删除这个工作领域",
            )
        seen: dict[str, int] = {}
        for index, indicator in enumerate(self.indicators):
            if indicator.name in seen:
                raise _Problem(
                    f"指标名称重复：{_show(indicator.name)}"
                    f"（与 indicators[{seen[indicator.name]}] 相同）",
                    "同一工作领域内每个指标只写一次；口径不同请改名区分，如“专利授权（发明）”",
                    at=("indicators", index, "name"),
                )
            seen[indicator.name] = index
        return self


class Plan(_Model):
    """Next period's targets and priorities (the 工作打算)."""

    targets: Annotated[list[PlanTarget], BeforeValidator(_none_to_list)] = []
    priorities: TextList = []

    @model_validator(mode="after")
    def _check_plan(self) -> Self:
        seen: set[str] = set()
        for index, target in enumerate(self.targets):
            if target.name in seen:
                raise _Problem(
                    f"目标名称重复：{_show(target.name)}",
                    "每个目标只写一次",
                    at=("targets", index, "name"),
                )
            seen.add(target.name)
        return self


def _non_empty_sections(sections: list[WorkArea]) -> list[WorkArea]:
    if not sections:
        raise _Problem(
            "工作领域列表 sections 是空的",
            "至少写一个工作领域：sections: 下以“- name: …”列出，每个含 indicators 或 facts",
        )
    return sections


class FiguresFile(_Model):
    """The validated figures of one summary. ``title`` and every section ``id`` are filled
    in after validation (composed / derived when the file leaves them out)."""

    bureau: Text
    region: OptionalText = None
    year: Year
    period: PeriodField = Period.ANNUAL
    title: Annotated[str, BeforeValidator(lambda raw: _optional_text(raw) or "")] = ""
    sections: Annotated[
        list[WorkArea], BeforeValidator(_none_to_list), AfterValidator(_non_empty_sections)
    ]
    problems: TextList = []
    plan: Plan = Field(default_factory=Plan)

    @model_validator(mode="after")
    def _complete(self) -> Self:
        explicit: dict[str, int] = {}
        for index, area in enumerate(self.sections):
            if area.id:
                if area.id in explicit:
                    raise _Problem(
                        f"工作领域编号重复：“{area.id}”（与 sections[{explicit[area.id]}] 相同）",
                        "每个工作领域的 id 要不同，或删去 id 由程序编号",
                        at=("sections", index, "id"),
                    )
                explicit[area.id] = index
        for index, area in enumerate(self.sections):
            if not area.id:
                default = f"s{index + 1}"
                if default in explicit:
                    raise _Problem(
                        f"sections[{explicit[default]}] 的编号“{default}”"
                        f"与第{index + 1}个工作领域的默认编号冲突",
                        "换一个编号，或为所有工作领域都写上 id",
                        at=("sections", explicit[default], "id"),
                    )
                area.id = default
        if not self.title:
            if self.period is Period.HALF_YEAR:
                self.title = f"{self.bureau}{self.year}年上半年工作总结及下半年工作打算"
            else:
                self.title = f"{self.bureau}{self.year}年工作总结及{self.year + 1}年工作打算"
        return self

    def section(self, section_id: str) -> WorkArea:
        """The work area with this id."""
        for area in self.sections:
            if area.id == section_id:
                return area
        raise UnknownSectionError(
            f"没有编号为“{section_id}”的工作领域",
            hint=f"可用的编号：{'、'.join(a.id for a in self.sections)}",
        )

    def indicators(self) -> Iterator[tuple[WorkArea, Indicator]]:
        """Every indicator with its work area, in file order."""
        for area in self.sections:
            for indicator in area.indicators:
                yield area, indicator


def convert_indicator(
    indicator: Indicator, to_unit: str, *, places: int | None = None
) -> Indicator:
    """The indicator with value, previous and target converted to another money unit
    (万元 ↔ 亿元 …); see :func:`convert_amount`."""

    def conv(number: Number | None) -> Number | None:
        if number is None:
            return None
        return convert_amount(number, indicator.unit, to_unit, places=places)

    return indicator.model_copy(
        update={
            "value": conv(indicator.value),
            "previous": conv(indicator.previous),
            "target": conv(indicator.target),
            "unit": to_unit,
        }
    )


# ---------------------------------------------------------------------------------------
# Reading files
# ---------------------------------------------------------------------------------------


class _YamlLoader(yaml.SafeLoader):
    """SafeLoader that reads floats as Decimal from their source text."""


def _construct_int(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    try:
        return loader.construct_yaml_int(node)  # type: ignore[arg-type, no-untyped-call]
    except ValueError:  # more digits than Python converts: validation names the field
        return str(node.value)


_YamlLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)


def _construct_decimal(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    text = str(node.value).replace("_", "").strip()
    lowered = text.lower()
    if lowered in {".inf", "+.inf"}:
        return Decimal("Infinity")
    if lowered == "-.inf":
        return Decimal("-Infinity")
    if lowered == ".nan":
        return Decimal("NaN")
    try:
        return Decimal(text)
    except InvalidOperation:
        return text  # e.g. sexagesimal 1:30.5; validation will reject it as text


_YamlLoader.add_constructor("tag:yaml.org,2002:float", _construct_decimal)

# PyYAML problems, their meaning and fix in Chinese.
_YAML_PROBLEMS: tuple[tuple[str, str, str], ...] = (
    (
        "mapping values are not allowed",
        "这里不能出现“键: 值”",
        "检查本行和上一行的缩进；文字里的英文冒号后跟空格会被当作“键: 值”，"
        "请改用中文冒号“：”或给整句加引号",
    ),
    (
        "could not find expected ':'",
        "缺少冒号",
        "“键: 值”之间要有英文冒号和一个空格；多行文字请整体加引号",
    ),
    ("found character '\\t'", "使用了制表符（Tab）", "YAML 只能用空格缩进，请把 Tab 换成空格"),
    ("expected <block end>", "缩进不一致", "同一层的项目要左对齐，子项比父项多缩进两个空格"),
    ("did not find expected '-' indicator", "列表项缩进不一致", "同一列表的各项“- ”要左对齐"),
    (
        "did not find expected key",
        "缩进不一致或缺少“键:”",
        "同一层的项目要左对齐，每项写成“键: 值”",
    ),
    ("found unexpected end of stream", "引号或括号没有闭合", "检查引号和方括号、花括号是否成对"),
    ("while scanning a quoted scalar", "引号没有闭合", "检查这一项的引号是否成对"),
    ("found undefined alias", "出现了未定义的“*”引用", "YAML 中 * 开头表示引用；正文请整句加引号"),
    ("while parsing a flow", "方括号或花括号没有闭合", "检查 [ ] 和 { } 是否成对"),
    ("that cannot start any token", "这个字符不能出现在开头", "给整句加引号"),
    (
        "could not determine a constructor",
        "使用了不支持的“!!”标签",
        "数据文件不能使用 !! 开头的标签：删去它，文字内容请整句加引号",
    ),
    (
        "expected a single document",
        "文件里有不止一份数据（出现了第二个“---”）",
        "一个数据文件只写一份数据，删去多余的“---”分隔线及其后的重复内容",
    ),
    ("found unhashable key", "“键”不能是列表或键值对", "每一项写成“名称: 值”，名称是文字"),
)


def _decode(path: Path, data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Notepad's "Unicode": UTF-16 with BOM
        with contextlib.suppress(UnicodeDecodeError):
            return data.decode("utf-16")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InputError(
        f"{path}：无法识别文件编码", hint="请另存为 UTF-8 编码的文本文件", path=str(path)
    )


# A figures file is a few KB (the example: 7 KB); far beyond these it is the wrong file,
# and parsing it would take minutes.
_MAX_TEXT_BYTES = 2 * 1024 * 1024
_MAX_XLSX_BYTES = 20 * 1024 * 1024
_MAX_XLSX_UNZIPPED = 50 * 1024 * 1024
_MAX_YAML_NODES = 100_000  # after expanding aliases (*name): stops "billion laughs"


def _read_bytes(path: Path, limit: int = _MAX_TEXT_BYTES) -> bytes:
    try:
        size = path.stat().st_size
        if size > limit and path.is_file():
            raise InputError(
                f"{path}：文件大小 {size / 1024 / 1024:.1f} MB，超过数据文件的上限"
                f" {limit // 1024 // 1024} MB",
                hint="数据文件一般只有几十 KB，请确认选对了文件；表格中请删除与指标无关的工作表、图片和大段内容",
                path=str(path),
            )
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError(
            f"找不到数据文件：{path}", hint="检查文件路径和文件名是否正确", path=str(path)
        ) from None
    except IsADirectoryError:
        raise InputError(
            f"{path} 是目录，不是数据文件",
            hint="指定一个 .yaml、.xlsx 或 .csv 文件",
            path=str(path),
        ) from None
    except OSError as exc:
        raise InputError(
            f"无法读取数据文件：{path}（{exc.strerror}）",
            hint="检查文件权限，或文件是否被其他程序占用",
            path=str(path),
        ) from None


def _yaml_locations(node: yaml.Node, loc: Loc, out: dict[Loc, str], path: Path) -> None:
    if loc in out or len(loc) > 12:  # anchors/aliases may share or nest nodes
        return
    out[loc] = f"第{node.start_mark.line + 1}行"
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            line = key_node.start_mark.line + 1
            if key in seen:
                raise InputError(
                    f"{path} 第{line}行：字段{_show(key)}重复出现（第一次在第{seen[key]}行）",
                    hint="同一层的每个字段只能写一次；如果是多个项目，请写成列表（每项以“- ”开头）",
                    path=str(path),
                )
            seen[key] = line
            _yaml_locations(value_node, (*loc, key), out, path)
            out[(*loc, key)] = f"第{line}行"
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _yaml_locations(item, (*loc, index), out, path)


def _expanded_size(node: yaml.Node, sizes: dict[int, int]) -> int:
    """How many nodes the document has once every alias is expanded (capped just above
    ``_MAX_YAML_NODES``); a node that contains itself counts as too many."""
    known = sizes.get(id(node))
    if known is not None:
        return known
    sizes[id(node)] = _MAX_YAML_NODES + 1  # seen again while inside it: a cycle
    if isinstance(node, yaml.MappingNode):
        children = [child for pair in node.value for child in pair]
    elif isinstance(node, yaml.SequenceNode):
        children = list(node.value)
    else:
        children = []
    total = 1
    for child in children:
        total += _expanded_size(child, sizes)
        if total > _MAX_YAML_NODES:
            break
    sizes[id(node)] = min(total, _MAX_YAML_NODES + 1)
    return sizes[id(node)]


def _load_yaml(path: Path) -> tuple[Any, dict[Loc, str]]:
    text = _decode(path, _read_bytes(path))
    try:
        loader = _YamlLoader(text)
    except yaml.reader.ReaderError as exc:  # checked up front for the whole text
        line = text.count("\n", 0, exc.position) + 1
        raise InputError(
            f"{path} 第{line}行：YAML 格式错误：含有不允许出现的控制字符（#x{exc.character:04X}）",
            hint="删除这个不可见字符（常见于从其他文件复制的内容），或把文件另存为 UTF-8 文本",
            path=str(path),
        ) from None
    locations: dict[Loc, str] = {}
    try:
        node = loader.get_single_node()
        if node is None:
            raise InputError(
                f"{path}：文件是空的",
                hint="参照 examples/figures-2025.yaml 填写 bureau、year、sections 等内容",
                path=str(path),
            )
        if _expanded_size(node, {}) > _MAX_YAML_NODES:
            raise InputError(
                f"{path}：文件中的引用（&名称 / *名称）展开后过大或相互循环",
                hint="数据文件不需要 YAML 引用：把 * 引用处改为直接填写内容",
                path=str(path),
            )
        _yaml_locations(node, (), locations, path)
        data = loader.construct_document(node)
    except RecursionError:
        raise InputError(
            f"{path}：列表或键值对嵌套层数过多，无法读取",
            hint="检查是否有大量未闭合的 [ 或 {；参照 examples/figures-2025.yaml 的写法",
            path=str(path),
        ) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"第{mark.line + 1}行第{mark.column + 1}列" if mark else "某处"
        english = " ".join(filter(None, [exc.context, exc.problem]))
        problem, fix = "YAML 格式错误", "检查该行附近的缩进、冒号和引号"
        for needle, meaning, advice in _YAML_PROBLEMS:
            if needle in english:
                problem, fix = f"YAML 格式错误：{meaning}", advice
                break
        raise InputError(
            f"{path} {where}：{problem}（{english}）", hint=fix, path=str(path)
        ) from None
    except yaml.YAMLError as exc:
        raise InputError(
            f"{path}：YAML 格式错误（{exc}）", hint="检查文件的缩进、冒号和引号", path=str(path)
        ) from None
    finally:
        loader.dispose()
    return data, locations


# --- tables ------------------------------------------------------------------------------

_COLUMN_NAMES: dict[str, tuple[str, ...]] = {
    "section": ("工作领域", "领域", "工作板块", "板块", "分类", "类别", "section", "area"),
    "section_id": ("领域编号", "section_id"),
    "type": ("类型", "行类型", "type"),
    "name": ("指标", "指标名称", "名称", "项目", "内容", "name", "indicator"),
    "value": ("数值", "完成值", "实际完成", "本年", "本年完成", "value"),
    "unit": ("单位", "计量单位", "unit"),
    "previous": ("上年", "上年同期", "上年完成", "去年", "previous"),
    "target": ("目标", "目标值", "年度目标", "本年目标", "target"),
    "basis": ("口径", "统计口径", "口径说明", "basis"),
    "kind": ("指标性质", "性质", "kind"),
    "qualifier": ("限定", "限定词", "qualifier"),
}
_COLUMN_LABEL = {field: names[0] for field, names in _COLUMN_NAMES.items()}

_INFO_NAMES: dict[str, tuple[str, ...]] = {
    "bureau": ("单位名称", "填报单位", "单位", "局名", "bureau"),
    "region": ("地区", "区域", "行政区", "region"),
    "year": ("年度", "年份", "year"),
    "period": ("期间", "时段", "总结期间", "period"),
    "title": ("标题", "title"),
}

_ROW_TYPES: dict[str, tuple[str, ...]] = {
    "indicator": ("指标", "indicator"),
    "fact": ("事实", "工作", "举措", "做法", "fact"),
    "problem": ("问题", "不足", "problem"),
    "plan_target": ("目标", "计划目标", "下步目标", "plan_target", "plan target"),
    "priority": ("重点", "重点工作", "打算", "下步工作", "priority"),
}

_NOTE_RE = re.compile(r"^(?:注|说明|备注)[：:]")
_PLACES_RE = re.compile(r"0\.(0+)")


def _norm_header(raw: Any) -> str:
    return re.sub(r"\s+", "", str(raw)).lower() if raw is not None else ""


def _lookup(names: Mapping[str, tuple[str, ...]], raw: Any) -> str | None:
    key = _norm_header(raw)
    for field_name, aliases in names.items():
        if key in aliases:
            return field_name
    return None


@dataclass
class _Row:
    number: int  # as the spreadsheet shows it, from 1
    cells: list[Any]
    percent: set[int] = field(default_factory=set)  # columns formatted as percentages

    def get(self, column: int | None) -> Any:
        if column is None or column >= len(self.cells):
            return None
        value = self.cells[column]
        if isinstance(value, str):
            value = value.strip()
            return value or None
        return value

    def blank(self) -> bool:
        return all(self.get(i) is None for i in range(len(self.cells)))


@dataclass
class _Sheet:
    label: str  # "" for the data sheet of a CSV, else “名称”工作表
    rows: list[_Row]


def _xlsx_number(value: Any, number_format: str) -> tuple[Any, bool]:
    """A cell value with the decimals Excel shows; percentage cells scaled to percent."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value, False
    if isinstance(value, float) and not math.isfinite(value):
        return value, False  # validation names the cell
    percent = "%" in number_format
    # Excel keeps 15 significant digits; 0.1+0.2 stored as 0.30000000000000004 shows as 0.3
    number = Decimal(format(value, ".15g")) if isinstance(value, float) else Decimal(value)
    if percent:
        number *= 100
    if number.adjusted() >= 15:
        return number, percent  # too large to round; validation says so
    places_match = _PLACES_RE.search(number_format)
    if places_match:
        number = _round(number, min(len(places_match.group(1)), _MAX_PLACES))
    elif percent or number_format.strip() in {"0", "#,##0"}:
        number = _round(number, 0)
    if number == number.to_integral_value() and not places_match:
        return int(number), percent
    return number, percent


def _read_xlsx(path: Path) -> tuple[_Sheet, _Sheet | None]:
    import openpyxl  # local: only needed for tables

    content = _read_bytes(path, _MAX_XLSX_BYTES)
    _check_xlsx_container(path, content)
    try:
        book = openpyxl.load_workbook(io.BytesIO(content), data_only=True)
        formulas = openpyxl.load_workbook(io.BytesIO(content), data_only=False)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise InputError(
            f"{path}：无法作为 Excel 工作簿读取（{type(exc).__name__}）",
            hint="确认是 .xlsx 格式（旧的 .xls 请用 Excel/WPS 另存为 .xlsx），且文件没有损坏",
            path=str(path),
        ) from None
    info: _Sheet | None = None
    data: _Sheet | None = None
    for sheet in book.worksheets:
        title = sheet.title.strip()
        if title != "基本信息" and data is not None:
            continue  # only the first data sheet is read
        rows: list[_Row] = []
        max_row, max_col = _used_range(path, formulas[sheet.title], title)
        for cells in sheet.iter_rows(max_row=max_row, max_col=max_col) if max_row else ():
            row = _Row(number=cells[0].row if cells else len(rows) + 1, cells=[])
            for index, cell in enumerate(cells):
                value = cell.value
                if value is None:
                    raw = formulas[sheet.title][cell.coordinate].value
                    if isinstance(raw, str) and raw.startswith("="):
                        raise InputError(
                            f"{path} “{title}”工作表 {cell.coordinate} 单元格是公式，"
                            "但文件里没有保存计算结果",
                            hint="用 Excel 或 WPS 打开后保存一次，或把公式单元格复制后“粘贴为数值”",
                            path=str(path),
                        )
                value, percent = _xlsx_number(value, cell.number_format or "General")
                if percent:
                    row.percent.add(index)
                row.cells.append(value)
            rows.append(row)
        if title == "基本信息":
            info = info or _Sheet(label="“基本信息”工作表", rows=rows)
        elif data is None:
            data = _Sheet(label=f"“{title}”工作表" if len(book.worksheets) > 1 else "", rows=rows)
    if data is None:
        raise InputError(
            f"{path}：工作簿里没有指标表",
            hint="第一张工作表填写指标表；“基本信息”工作表只放单位、年度等",
            path=str(path),
        )
    return data, info


def _check_xlsx_container(path: Path, content: bytes) -> None:
    """Refuse a zip that would unpack to far more than any indicator table (zip bomb)."""
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        raise InputError(
            f"{path}：无法作为 Excel 工作簿读取（不是有效的 .xlsx 文件）",
            hint="确认是 .xlsx 格式（旧的 .xls 请用 Excel/WPS 另存为 .xlsx），且文件没有损坏",
            path=str(path),
        ) from None
    unpacked = sum(member.file_size for member in members)
    bomb = any(
        member.file_size > 1024 * 1024 and member.file_size > 100 * max(member.compress_size, 1)
        for member in members
    )
    if unpacked > _MAX_XLSX_UNZIPPED or bomb:
        raise InputError(
            f"{path}：工作簿解压后异常庞大（约 {unpacked / 1024 / 1024:.0f} MB）或压缩比异常，"
            "可能已损坏或是恶意构造的文件，已拒绝读取",
            hint="指标表只需一张工作表；请把指标复制到新建的工作簿后另存为 .xlsx",
            path=str(path),
        )


_MAX_TABLE_ROWS = 20_000
_MAX_TABLE_COLUMNS = 200


def _used_range(path: Path, sheet: Any, title: str) -> tuple[int, int]:
    """The last row and column holding a value or formula. openpyxl's own dimensions
    also count empty formatted cells (often whole columns, up to row 1048576), and a
    stray value in XFD1048576 would mean reading 17 billion cells."""
    from openpyxl.utils import get_column_letter

    filled = [key for key, cell in sheet._cells.items() if cell.value is not None]
    if not filled:
        return 0, 0
    max_row = max(row for row, _ in filled)
    max_col = max(col for _, col in filled)
    if max_row > _MAX_TABLE_ROWS or max_col > _MAX_TABLE_COLUMNS:
        row, col = max(filled, key=lambda key: (key[0] > _MAX_TABLE_ROWS, key[1], key[0]))
        raise InputError(
            f"{path} “{title}”工作表 {get_column_letter(col)}{row} 单元格有内容，"
            f"超出了指标表的合理范围（{_MAX_TABLE_ROWS}行、{_MAX_TABLE_COLUMNS}列以内）",
            hint="删除表格范围以外的内容（可按 Ctrl+End 找到最后一个单元格），或把指标复制到新建的工作表",
            path=str(path),
        )
    return max_row, max_col


def _read_csv(path: Path) -> tuple[_Sheet, _Sheet | None]:
    text = _decode(path, _read_bytes(path))
    head = "\n".join(text.splitlines()[:10])
    delimiter = max(",\t;", key=head.count) if head else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        rows = [
            _Row(number=i, cells=[c if c.strip() else None for c in cells])
            for i, cells in enumerate(reader, start=1)
        ]
    except csv.Error:  # a cell over the csv module's limit (131072 characters)
        raise InputError(
            f"{path} 第{reader.line_num}行：单元格内容过长或引号不成对，无法按 CSV 读取",
            hint="用 Excel/WPS 打开检查这一行，删去大段内容或多余的引号后另存为 CSV",
            path=str(path),
        ) from None
    return _Sheet(label="", rows=rows), None


def _cell_text(value: Any) -> Any:
    """Text-valued cells: numbers become their text ("2025"), other values pass through."""
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        return format_number(value)
    return value


def _table_data(
    path: Path, data: _Sheet, info: _Sheet | None
) -> tuple[dict[str, Any], dict[Loc, str]]:
    """The rows of a figures table as the YAML structure, and where each field came from."""
    out: dict[str, Any] = {}
    where: dict[Loc, str] = {}

    def place(sheet: _Sheet, row: _Row, column: str | None = None) -> str:
        prefix = f"{sheet.label}" if sheet.label else ""
        cell = f"“{column}”列" if column else ""
        return f"{prefix}第{row.number}行{cell}"

    def fail(text: str, fix: str) -> InputError:
        return InputError(f"{path} {text}", hint=fix, path=str(path))

    def take_info(sheet: _Sheet, row: _Row, key: str, value: Any) -> None:
        if key in out and out[key] != value:
            raise fail(
                f"{place(sheet, row)}：{key} 与前面填写的{_show(out[key])}不一致",
                "基本信息只填写一次（表头上方或“基本信息”工作表二选一）",
            )
        if key == "year" and isinstance(value, str) and re.fullmatch(r"\d{4}\s*年?", value):
            value = int(value.strip().rstrip("年"))
        out[key] = value
        where[(key,)] = f"{place(sheet, row)}{_show(str(row.get(0)).strip())}"

    if info is not None:
        for row in info.rows:
            if row.blank():
                continue
            key = _lookup(_INFO_NAMES, row.get(0))
            if key is None:
                names = "、".join(names[0] for names in _INFO_NAMES.values())
                raise fail(
                    f"{place(info, row)}：未知项目{_show(row.get(0))}",
                    f"基本信息的第一列只能是：{names}",
                )
            take_info(info, row, key, row.get(1))

    header: dict[str, int] = {}
    header_labels: dict[str, str] = {}
    start = len(data.rows)
    for position, row in enumerate(data.rows):
        mapped: dict[str, int] = {}
        labels: dict[str, str] = {}
        year = out.get("year") if isinstance(out.get("year"), int) else None
        for column in range(len(row.cells)):
            raw = row.get(column)
            if raw is None:
                continue
            key = _lookup(_COLUMN_NAMES, raw)
            norm = _norm_header(raw)
            if key is None and year is not None:
                if norm in {
                    f"{year}",
                    f"{year}年",
                    f"{year}年完成",
                    f"{year}年实际",
                    f"{year}年完成值",
                }:
                    key = "value"
                elif norm in {
                    f"{year - 1}",
                    f"{year - 1}年",
                    f"{year - 1}年完成",
                    f"{year - 1}年实际",
                }:
                    key = "previous"
                elif norm in {f"{year}年目标", f"{year}年计划", f"{year}年目标值"}:
                    key = "target"
            if key is None:
                continue
            if key in mapped:
                raise fail(
                    f"{place(data, row)}（表头）：{_show(labels[key])}和{_show(raw)}两列都表示"
                    f"“{_COLUMN_LABEL[key]}”",
                    "只保留其中一列，或改掉另一列的列名",
                )
            mapped[key] = column
            labels[key] = str(raw).strip()
        if "name" in mapped and ("value" in mapped or "type" in mapped):
            header, header_labels, start = mapped, labels, position + 1
            break
        info_key = _lookup(_INFO_NAMES, row.get(0))
        if info_key is not None and row.get(1) is not None:
            take_info(data, row, info_key, row.get(1))
    if not header:
        raise fail(
            "中没有找到表头行",
            "表头行至少要有“指标”列和“数值”列（数值列也可写作“本年”“完成值”，"
            "或写作“2025年”，但这时表头上方要先有“年度 | 2025”一行）；表头上方可以有标题行",
        )

    def label(key: str) -> str:
        return header_labels.get(key, _COLUMN_LABEL[key])

    def cell_place(row: _Row, key: str) -> str:
        if key in header:
            return place(data, row, label(key))
        return f"{place(data, row)}（表中没有“{_COLUMN_LABEL[key]}”列）"

    sections: list[dict[str, Any]] = []
    section_index: dict[str, int] = {}
    problems: list[Any] = []
    targets: list[dict[str, Any]] = []
    priorities: list[Any] = []
    current: str | None = None

    def section_for(row: _Row, name: Any) -> int:
        key = str(_cell_text(name)).strip()
        if key not in section_index:
            section_index[key] = len(sections)
            entry: dict[str, Any] = {"name": key, "indicators": [], "facts": []}
            section_id = row.get(header.get("section_id"))
            if section_id is not None:
                entry["id"] = section_id
            sections.append(entry)
            loc: Loc = ("sections", section_index[key])
            where[loc] = place(data, row)
            where[(*loc, "name")] = cell_place(row, "section")
            where[(*loc, "id")] = cell_place(row, "section_id")
        return section_index[key]

    for row in data.rows[start:]:
        if row.blank():
            continue
        filled = [c for c in range(len(row.cells)) if row.get(c) is not None]
        if len(filled) == 1:
            only = str(row.get(filled[0]))
            if _NOTE_RE.match(only):
                continue
            marker = match_marker(only.strip(), levels=(1, 2))
            if marker is not None and only.strip()[marker.end :].strip():
                current = only.strip()[marker.end :].strip()
                section_for(row, current)
                continue
        type_cell = row.get(header.get("type"))
        row_type = "indicator" if type_cell is None else _lookup(_ROW_TYPES, type_cell)
        if row_type is None:
            kinds = "、".join(names[0] for names in _ROW_TYPES.values())
            raise fail(
                f"{cell_place(row, 'type')}：未知的类型{_show(type_cell)}",
                f"类型只能是：{kinds}（空白表示指标）",
            )
        text = _cell_text(row.get(header.get("name")))
        if row_type in {"indicator", "fact"}:
            named = row.get(header.get("section"))
            if named is not None:
                current = str(_cell_text(named)).strip()
            if current is None:
                raise fail(
                    f"{cell_place(row, 'section')}：没有工作领域",
                    "在“工作领域”列填写这一行所属的工作领域（空白单元格沿用上一行），"
                    "或在这些行之前加一行“一、工作领域名称”",
                )
            s = section_for(row, current)
            if row_type == "fact":
                facts = sections[s]["facts"]
                where[("sections", s, "facts", len(facts))] = cell_place(row, "name")
                facts.append(text)
                continue
            indicators = sections[s]["indicators"]
            loc: Loc = ("sections", s, "indicators", len(indicators))
            indicators.append(_table_quantity(row, header, ("previous", "target", "basis")))
            where[loc] = place(data, row)
            for key in ("name", "value", "unit", "previous", "target", "basis", "kind"):
                where[(*loc, key)] = cell_place(row, key)
        elif row_type == "problem":
            where[("problems", len(problems))] = cell_place(row, "name")
            problems.append(text)
        elif row_type == "priority":
            where[("plan", "priorities", len(priorities))] = cell_place(row, "name")
            priorities.append(text)
        else:
            loc = ("plan", "targets", len(targets))
            targets.append(_table_quantity(row, header, ("qualifier",)))
            where[loc] = place(data, row)
            for key in ("name", "value", "unit", "kind", "qualifier"):
                where[(*loc, key)] = cell_place(row, key)
    out["sections"] = sections
    if problems:
        out["problems"] = problems
    if targets or priorities:
        out["plan"] = {"targets": targets, "priorities": priorities}
    return out, where


def _table_quantity(row: _Row, header: Mapping[str, int], extra: Sequence[str]) -> dict[str, Any]:
    item: dict[str, Any] = {}
    for key in ("name", "value", "unit", "kind", *extra):
        value = row.get(header.get(key))
        if key in {"name", "unit", "basis", "qualifier"}:
            value = _cell_text(value)
        if value is not None:
            item[key] = value
    value_column = header.get("value")
    if "unit" not in item and value_column is not None and value_column in row.percent:
        item["unit"] = "%"
    return item


# --- validation errors --------------------------------------------------------------------

_FIELD_HELP: dict[str, str] = {
    "bureau": "bureau: 示例县科学技术局（表格：表头上方加一行“单位名称 | 示例县科学技术局”）",
    "year": "year: 2025（表格：表头上方加一行“年度 | 2025”）",
    "sections": "sections:，其下以“- name: 工作领域名称”列出各工作领域",
    "name": "name: 高新技术企业",
    "value": "value: 42（只写数字）",
    "unit": "unit: 家",
}
_PYDANTIC_TAGS = {"int", "decimal", "str", "none", "list", "dict", "bool"}


def _dotted(loc: Loc) -> str:
    text = ""
    for part in loc:
        if isinstance(part, str) and len(part) > 40:  # an unknown key of any length
            part = part[:40] + "…"
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def _explain(error: Mapping[str, Any]) -> tuple[str, str | None]:
    kind = error.get("type", "")
    loc = tuple(error.get("loc", ()))
    raw = error.get("input")
    key = next((p for p in reversed(loc) if isinstance(p, str)), "")
    if kind == "missing":
        example = _FIELD_HELP.get(key, f"{key}: …")
        return f"缺少必填字段“{key}”", f"补上这一项，例如 {example}"
    if kind in {"model_type", "dict_type", "model_attributes_type"}:
        return (
            f"应为一组“键: 值”，实际是{_show(raw)}",
            "每一项写成“键: 值”形式，如“- name: 高新技术企业”，下一行缩进后写 value、unit",
        )
    if kind == "list_type":
        return (
            f"应为列表，实际是{_show(raw)}",
            "列表的每一项另起一行，以“- ”开头，并比上一级多缩进两个空格",
        )
    if kind == "string_type":
        return f"应为文字，实际是{_show(raw)}", "填写文字内容，必要时给整句加引号"
    return f"取值无效：{_show(raw)}", "参照 examples/figures-2025.yaml 的写法修改"


def _validation_error(
    path: Path, error: ValidationError, where: Mapping[Loc, str], table: bool
) -> InputError:
    items: list[tuple[str, str, str | None]] = []
    for detail in error.errors(include_url=False):
        loc: Loc = tuple(
            p
            for p in detail.get("loc", ())
            if not (isinstance(p, str) and (p in _PYDANTIC_TAGS or "[" in p))
        )
        problem_exc = (detail.get("ctx") or {}).get("error")
        if isinstance(problem_exc, _Problem):
            loc = (*loc, *problem_exc.at)
            problem, fix = problem_exc.problem, problem_exc.fix
            if fix and loc and loc[-1] in {"previous", "target"}:
                fix = fix.replace("value: ", f"{loc[-1]}: ")  # the number fixes name `value`
        else:
            problem, fix = _explain(detail)
        dotted = _dotted(loc)
        found = next((where[loc[:n]] for n in range(len(loc), -1, -1) if loc[:n] in where), None)
        if found is None:
            place = dotted or "文件顶层"
        elif table:
            place = f"{found}（{dotted}）" if dotted else found
        else:
            place = f"{dotted}（{found}）" if dotted else found
        entry = (place, problem, fix)
        if entry not in items:
            items.append(entry)
    if len(items) == 1:
        place, problem, fix = items[0]
        return InputError(f"{path} {place}：{problem}", hint=fix, path=str(path))
    lines = [f"{path} 有{len(items)}处错误："]
    for number, (place, problem, fix) in enumerate(items[:20], start=1):
        lines.append(f"{number}. {place}：{problem}" + (f"。改法：{fix}" if fix else ""))
    if len(items) > 20:
        lines.append(f"……另有{len(items) - 20}处")
    return InputError("\n".join(lines), path=str(path))


def load_figures(path: Path) -> FiguresFile:
    """Read and validate a figures file (.yaml/.yml, .xlsx, .csv).

    Every problem raises :class:`~drafter.errors.InputError` with a Chinese message that
    names the file, the place and the fix."""
    path = Path(path)
    suffix = path.suffix.lower()
    table = suffix in {".xlsx", ".xlsm", ".csv"}
    if suffix in {".yaml", ".yml"}:
        data, where = _load_yaml(path)
    elif suffix in {".xlsx", ".xlsm"}:
        data, where = _table_data(path, *_read_xlsx(path))
    elif suffix == ".csv":
        data, where = _table_data(path, *_read_csv(path))
    else:
        hint = "支持 .yaml/.yml、.xlsx 和 .csv"
        if suffix in {".xls", ".et", ".ods"}:
            hint = "请用 Excel 或 WPS 另存为 .xlsx 后再读取"
        raise InputError(
            f"{path}：不支持的文件类型“{suffix or '无扩展名'}”", hint=hint, path=str(path)
        )
    if not isinstance(data, Mapping):
        raise InputError(
            f"{path} 文件顶层：应为一组“键: 值”（bureau、year、sections……），实际是{_show(data)}",
            hint="文件顶层从“bureau: …”开始写，不要以“- ”开头；参照 examples/figures-2025.yaml",
            path=str(path),
        )
    try:
        return FiguresFile.model_validate(data)
    except ValidationError as exc:
        raise _validation_error(path, exc, where, table) from None


# ---------------------------------------------------------------------------------------
# Slots
# ---------------------------------------------------------------------------------------

_FACT_UNITS = sorted(
    (
        "个百分点",
        "万人次",
        "人次",
        "家次",
        "场次",
        "户次",
        "万元",
        "亿元",
        "千元",
        "万美元",
        "亿美元",
        "元",
        "万亩",
        "亩",
        "万吨",
        "吨",
        "平方公里",
        "万平方米",
        "平方米",
        "公里",
        "千米",
        "万人",
        "个",
        "家",
        "项",
        "件",
        "场",
        "次",
        "名",
        "人",
        "户",
        "期",
        "批",
        "所",
        "座",
        "台",
        "套",
        "篇",
        "部",
        "条",
        "种",
        "类",
        "天",
        "年",
        "月",
        "日",
        "倍",
        "%",
        "％",
        "‰",
        "万",
        "亿",
    ),
    key=len,
    reverse=True,
)
_FACT_NUMBER_RE = re.compile(
    r"(?<![\d.])(\d+(?:\.\d+)?)([余多])?(" + "|".join(map(re.escape, _FACT_UNITS)) + ")?"
)
_SLOT_REF_RE = re.compile(r"[{｛]{1,2}\s*([^{}｛｝\n]{1,40}?)\s*[}｝]{1,2}")


def _numbers_in(text: str) -> list[tuple[str, Decimal, str | None]]:
    """Arabic numbers in a sentence: (as written, value, unit): "3900余人次" → 3900 人次."""
    found = []
    for match in _FACT_NUMBER_RE.finditer(text):
        number, _, unit = match.groups()
        found.append((match.group(), Decimal(number), (unit or None) and unit.replace("％", "%")))
    return found


@dataclass(frozen=True)
class Slot:
    """One placeholder a draft may use, and what code writes for it.

    ``role``: value, prev, yoy, delta, target, rate, status (indicators), fact,
    fact_number, plan_target, problem, priority, year. ``numbers`` are the figures its
    text contains, with units."""

    id: str
    text: str
    label: str
    role: str
    section_id: str | None  # a work area id, "problems", "plan", or None (global)
    numbers: tuple[NumberWithUnit, ...] = ()

    @property
    def ref(self) -> str:
        return f"{{{self.id}}}"

    @property
    def value(self) -> Decimal | None:
        """The main number of the slot, if it has one."""
        return self.numbers[0][0] if self.numbers else None


@dataclass
class SlotTable:
    """Every figure of a :class:`FiguresFile` as a slot; built by :func:`build_slot_table`."""

    figures: FiguresFile
    slots: dict[str, Slot] = field(default_factory=dict)
    _extra: list[NumberWithUnit] = field(default_factory=list)
    _main: dict[str, str] = field(default_factory=dict)  # F id → description of the figure

    def add(self, slot: Slot) -> None:
        if slot.id in self.slots:
            raise ValueError(f"slot {slot.id} defined twice")
        self.slots[slot.id] = slot

    def __contains__(self, slot_id: object) -> bool:
        return isinstance(slot_id, str) and self._find(slot_id) is not None

    def __getitem__(self, slot_id: str) -> Slot:
        found = self._find(slot_id)
        if found is None:
            raise UnknownSlotError([slot_id], list(self.slots))
        return found

    def __iter__(self) -> Iterator[Slot]:
        return iter(self.slots.values())

    def __len__(self) -> int:
        return len(self.slots)

    def _find(self, slot_id: str) -> Slot | None:
        key = slot_id.strip()
        if key in self.slots:
            return self.slots[key]
        for candidate, slot in self.slots.items():
            if candidate.lower() == key.lower():
                return slot
        return None

    def used(self, text: str) -> list[str]:
        """The known slot ids a text refers to, in order of first use."""
        ids: list[str] = []
        for match in _SLOT_REF_RE.finditer(text):
            slot = self._find(match.group(1))
            if slot is not None and slot.id not in ids:
                ids.append(slot.id)
        return ids

    def render(self, text: str) -> str:
        """Replace every ``{F1}``, ``{F1.yoy}``, ``{YEAR}`` … by its text. Any other
        ``{…}`` raises :class:`UnknownSlotError` listing all of them."""
        unknown = [
            m.group(1) for m in _SLOT_REF_RE.finditer(text) if self._find(m.group(1)) is None
        ]
        if unknown:
            raise UnknownSlotError(list(dict.fromkeys(unknown)), list(self.slots))

        def replace(match: re.Match[str]) -> str:
            slot = self._find(match.group(1))
            assert slot is not None
            return slot.text

        return _SLOT_REF_RE.sub(replace, text)

    def slots_for_section(self, section_id: str) -> list[Slot]:
        """What a prompt for this section lists: the year slots, then a work area's
        indicator and fact slots; ``overview`` (all indicators), ``problems`` (problems and
        indicators that missed their target) or ``plan`` (targets and priorities)."""
        years = [s for s in self if s.section_id is None]
        if section_id == "overview":
            return years + [s for s in self if s.id.startswith("F")]
        if section_id == "problems":
            missed = {
                s.id.split(".")[0] for s in self if s.role == "status" and s.text.startswith("未")
            }
            missed_slots = [s for s in self if s.id.split(".")[0] in missed]
            return years + missed_slots + [s for s in self if s.section_id == "problems"]
        if section_id == "plan":
            return years + [s for s in self if s.section_id == "plan"]
        if any(area.id == section_id for area in self.figures.sections):
            return years + [s for s in self if s.section_id == section_id]
        known = [a.id for a in self.figures.sections] + list(_RESERVED_SECTION_IDS)
        raise UnknownSectionError(
            f"没有编号为“{section_id}”的部分", hint=f"可用的编号：{'、'.join(known)}"
        )

    def describe(self, slot: Slot | str) -> str:
        """One line for a prompt: "{F1} 高新技术企业 42家（上年36家，目标40家）"."""
        found = slot if isinstance(slot, Slot) else self[slot]
        if found.id in self._main:
            return f"{found.ref} {self._main[found.id]}"
        return f"{found.ref} {found.label}：{found.text}"

    def allow_numbers_in_name(self, name: str, *, also_unitless: bool = False) -> None:
        """Digits and numerals inside a name ("5G", "十四五") may appear in a draft: allowed
        numbers, never slots. ``also_unitless``: an indicator's label, whose numbers a
        sentence may also quote bare."""
        for _, value, unit in _numbers_in(name):
            if also_unitless:
                self._extra.append((value, None))
            self._extra.append((value, unit))
        self._extra.extend(_spelled_numbers(name))

    def allowed_years(self) -> set[int]:
        """Years a draft may name: the report's year and the ones either side of it."""
        year = self.figures.year
        return {year - 1, year, year + 1}

    def allowed_values(self) -> list[tuple[Decimal, str | None]]:
        """Every number a draft may contain, with its unit: values, previous values,
        targets, changes (amount, %, 百分点, 倍), completion rates, fact numbers, years,
        and digits in names. Deduplicated, in slot order. A negative amount is also
        allowed without its sign, as a number checker reads "-60万元"."""
        seen: set[tuple[Decimal, str | None]] = set()
        result: list[tuple[Decimal, str | None]] = []
        candidates = [n for s in self for n in s.numbers] + self._extra
        candidates += [(-number, unit) for number, unit in candidates if number < 0]
        for number, unit in candidates:
            key = (number, unit)
            if key not in seen:
                seen.add(key)
                result.append((number, unit))
        return result


def _spelled_numbers(text: str) -> list[NumberWithUnit]:
    """Every quantity a text of the user's states, however written ("两项", "三成",
    "3至5家", "1,000"): a draft quoting the text contains them."""
    from drafter.text.numbers import find_numbers
    from drafter.text.structural import is_structural

    found: list[NumberWithUnit] = []
    for mention in find_numbers(text):
        if not is_structural(mention, text):
            found.append((mention.value, mention.unit))
            if mention.high is not None:
                found.append((mention.high, mention.unit))
    return found


def _quantity_numbers(value: Number, unit: str | None) -> tuple[NumberWithUnit, ...]:
    return ((_dec(value), unit),)


def build_slot_table(figures: FiguresFile) -> SlotTable:
    """Number every figure: indicators F1…, facts K1…, plan targets T1…, problems P1…,
    priorities R1…, and the year slots; derived figures are computed here."""
    table = SlotTable(figures=figures)
    year, period = figures.year, figures.period
    last = _last_year(period)
    goal = _target_name(period)
    for slot_id, label, number in (
        ("YEAR", "本年度", year),
        ("PREV_YEAR", "上一年度", year - 1),
        ("NEXT_YEAR", "下一年度", year + 1),
    ):
        table.add(Slot(slot_id, str(number), label, "year", None, ((Decimal(number), "年"),)))

    def sentence_slots(
        prefix: str, index: int, text: str, label: str, role: str, section: str
    ) -> None:
        slot_id = f"{prefix}{index}"
        found = _numbers_in(text)
        numbers = tuple((value, unit) for _, value, unit in found)
        table.add(Slot(slot_id, text, label, role, section, numbers))
        table._extra.extend(_spelled_numbers(text))
        for j, (written, value, unit) in enumerate(found, start=1):
            table.add(
                Slot(
                    f"{slot_id}.{j}",
                    written,
                    f"{slot_id}中的数字",
                    f"{role}_number",
                    section,
                    ((value, unit),),
                )
            )

    f = k = 0
    for area in figures.sections:
        table.allow_numbers_in_name(area.name)
        for ind in area.indicators:
            f += 1
            fid = f"F{f}"
            table.allow_numbers_in_name(ind.label, also_unitless=True)
            sid = area.id
            main = format_quantity(ind.value, ind.unit)
            table.add(
                Slot(fid, main, ind.label, "value", sid, _quantity_numbers(ind.value, ind.unit))
            )
            notes = []
            if ind.previous is not None:
                notes.append(f"{last}{format_quantity(ind.previous, ind.unit)}")
            if ind.target is not None:
                notes.append(f"目标{format_quantity(ind.target, ind.unit)}")
            if ind.basis:
                notes.append(f"口径：{ind.basis}")
            table._main[fid] = f"{ind.name} {main}" + (f"（{'，'.join(notes)}）" if notes else "")
            if ind.previous is not None:
                table.add(
                    Slot(
                        f"{fid}.prev",
                        format_quantity(ind.previous, ind.unit),
                        f"{ind.label}{last}数",
                        "prev",
                        sid,
                        _quantity_numbers(ind.previous, ind.unit),
                    )
                )
                yoy = change_wording(ind.value, ind.previous, ind.unit, period)
                table.add(Slot(f"{fid}.yoy", yoy.text, f"{ind.label}同比", "yoy", sid, yoy.numbers))
                delta = delta_wording(ind.value, ind.previous, ind.unit, period)
                table.add(
                    Slot(
                        f"{fid}.delta",
                        delta.text,
                        f"{ind.label}比{last}增减",
                        "delta",
                        sid,
                        delta.numbers,
                    )
                )
                if ind.previous > 0 and ind.value >= 0 and not _is_percent_unit(ind.unit):
                    # the same change stated as a percentage (e.g. beside 翻一番 or 增长X倍)
                    table._extra.append((abs(percent_change(ind.value, ind.previous)), "%"))
            if ind.target is not None:
                table.add(
                    Slot(
                        f"{fid}.target",
                        format_quantity(ind.target, ind.unit),
                        f"{ind.label}{goal}",
                        "target",
                        sid,
                        _quantity_numbers(ind.target, ind.unit),
                    )
                )
                rate = completion_wording(ind.value, ind.target, ind.unit, period)
                table.add(
                    Slot(
                        f"{fid}.rate",
                        rate.text,
                        f"{ind.label}目标完成情况",
                        "rate",
                        sid,
                        rate.numbers,
                    )
                )
                status = status_wording(ind.value, ind.target, period)
                table.add(
                    Slot(f"{fid}.status", status.text, f"{ind.label}是否完成目标", "status", sid)
                )
                if _is_percent_unit(ind.unit) and ind.target > 0:
                    table._extra.append((completion_rate(ind.value, ind.target), "%"))
        for fact in area.facts:
            k += 1
            sentence_slots("K", k, fact, "工作事实（整句）", "fact", area.id)
    plan_label = "下半年目标" if period is Period.HALF_YEAR else f"{year + 1}年目标"
    for t, target in enumerate(figures.plan.targets, start=1):
        table.allow_numbers_in_name(target.name)
        table.add(
            Slot(
                f"T{t}",
                target.text,
                f"{plan_label} {target.name}",
                "plan_target",
                "plan",
                _quantity_numbers(target.value, target.unit),
            )
        )
    for p, problem in enumerate(figures.problems, start=1):
        sentence_slots("P", p, problem, "存在的问题（整句）", "problem", "problems")
    for r, priority in enumerate(figures.plan.priorities, start=1):
        sentence_slots("R", r, priority, "工作重点（整句）", "priority", "plan")
    for text in (figures.bureau, figures.region or "", figures.title):
        table.allow_numbers_in_name(text)
    return table
