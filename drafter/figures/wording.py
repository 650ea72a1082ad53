"""Derived figures as the phrases a summary uses: 同比, 增减, 完成率, 是否完成目标.

Split out of the figures model: the wording rules are one concern, used by the slots.

Derived figures and their wording
=================================

All arithmetic is :class:`~decimal.Decimal` with ROUND_HALF_UP; percentages 1 decimal.

* 同比 (``.yoy``): ``(value − previous) ÷ previous``: "同比增长16.7%" / "同比下降3.8%" /
  "与上年持平" (identical values). Units of ``%`` change in 百分点 instead:
  "比上年提高2.1个百分点". Previous 0 → "实现零的突破" (no percentage). Multiples follow
  the Chinese convention 增长1倍 = 翻一番 = 2×: exactly 2×/4×/8× → "同比翻一番/翻两番/
  翻三番"; other values above 2× → "同比增长X倍" with X = value ÷ previous − 1 (1 decimal,
  or an integer when exact); below 2× → a percentage ("同比增长99%"). A negative value or
  previous (amounts) is worded as an amount: "比上年增加60万元". Half-year summaries say
  "上年同期".
* ``.delta``: "增加6家" / "减少60万元" / "提高0.17个百分点" / "与上年持平".
* 完成率 (``.rate``): ``value ÷ target``: "完成年度目标的105%" (half-year:
  "完成全年目标的52.3%"). For ``%`` units it is the gap in 百分点, as such targets are
  reported: "高于年度目标0.03个百分点" / "达到年度目标" / "低于年度目标0.1个百分点".
* ``.status``: "超额完成年度目标" (> target) / "完成年度目标" (= target) /
  "未完成年度目标" (< target); half-year: "提前完成全年目标" / "完成全年目标任务过半" /
  "完成全年目标进度低于时间进度".
* A rounded percentage never hides a difference: 0.04% is shown as "0.04%", not "0.0%",
  and 99.96% of target is not shown as "100%".

Number style
============

Figures from the data are written as the data gives them: 1.50 stays "1.50", 15 stays
"15" (:func:`~drafter.figures.quantities.format_number`). Every number code computes —
同比, 完成率, 倍数, 增减, 百分点 — goes through :func:`format_derived`: an integral result
has no ".0" ("完成年度目标的105%", "同比增长25%", "增加200家", "同比增长2倍"), and a
fraction keeps only the decimals it needs ("同比增长16.7%", "提高0.1个百分点" for 2.10 − 2.00),
so a difference of figures written to two places is not padded with a trailing zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from drafter.figures.quantities import (
    Number,
    completion_rate,
    format_number,
    percent_change,
    plain_decimal,
    round_half_up,
)
from drafter.models import Period

NumberWithUnit = tuple[Decimal, str | None]


@dataclass(frozen=True)
class Wording:
    """A phrase rendered by code and the numbers (with units) it contains."""

    text: str
    numbers: tuple[NumberWithUnit, ...] = ()


def is_percent_unit(unit: str | None) -> bool:
    return unit in {"%", "％"}


def last_year_name(period: Period) -> str:
    return "上年同期" if period is Period.HALF_YEAR else "上年"


def target_name(period: Period) -> str:
    return "全年目标" if period is Period.HALF_YEAR else "年度目标"


def as_decimal(value: Number) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(value)


def delta_wording(
    value: Number, previous: Number, unit: str | None, period: Period = Period.ANNUAL
) -> Wording:
    """The change as an amount: "增加6家", "减少60万元", "提高0.17个百分点", "与上年持平"."""
    delta = as_decimal(value) - as_decimal(previous)
    if delta == 0:
        return Wording(f"与{last_year_name(period)}持平")
    size = plain_decimal(abs(delta))
    if is_percent_unit(unit):
        verb = "提高" if delta > 0 else "下降"
        return Wording(f"{verb}{format_derived(size)}个百分点", ((size, "个百分点"),))
    verb = "增加" if delta > 0 else "减少"
    return Wording(f"{verb}{format_derived(size)}{unit or ''}", ((size, unit),))


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
    last = last_year_name(period)
    current, before = as_decimal(value), as_decimal(previous)
    if current == before:
        return Wording(f"与{last}持平")
    if is_percent_unit(unit):
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
            ((ratio - 1, "倍"), (ratio, "倍"), (round_half_up((ratio - 1) * 100, places), "%")),
        )
    if ratio > 2:
        times = ratio - 1
        shown = round_half_up(times, places)
        if shown == shown.to_integral_value() != times:  # 2.04倍 is not "2倍"
            shown = round_half_up(times, places + 1)
        shown = plain_decimal(shown)
        return Wording(f"同比增长{format_derived(shown)}倍", ((shown, "倍"),))
    pct = percent_change(value, previous, places)
    verb = "增长" if pct > 0 else "下降"
    return Wording(f"同比{verb}{format_derived(abs(pct))}%", ((abs(pct), "%"),))


def format_derived(value: Decimal) -> str:
    """A number code computed (同比, 完成率, 增减) as the genre writes it: an integral result
    without ".0" (完成年度目标的105%), a fraction without trailing zeros (16.7, 0.1).
    Figures from the data are never passed here: they keep the decimals they were given."""
    if value == value.to_integral_value():
        return format_number(int(value))
    return format_number(plain_decimal(value))


def completion_wording(
    value: Number,
    target: Number,
    unit: str | None,
    period: Period = Period.ANNUAL,
    places: int = 1,
) -> Wording:
    """完成率 as a phrase: "完成年度目标的105%"; for units of % the gap in 百分点:
    "高于年度目标0.03个百分点" / "达到年度目标" / "低于年度目标0.1个百分点"."""
    goal = target_name(period)
    if is_percent_unit(unit):
        gap = as_decimal(value) - as_decimal(target)
        if gap == 0:
            return Wording(f"达到{goal}")
        word = "高于" if gap > 0 else "低于"
        size = plain_decimal(abs(gap))
        return Wording(f"{word}{goal}{format_derived(size)}个百分点", ((size, "个百分点"),))
    rate = completion_rate(value, target, places)
    return Wording(f"完成{goal}的{format_derived(rate)}%", ((rate, "%"),))


def status_wording(value: Number, target: Number, period: Period = Period.ANNUAL) -> Wording:
    """Whether the target was met: "超额完成年度目标" / "完成年度目标" / "未完成年度目标";
    half-year: "提前完成全年目标" / "完成全年目标任务过半" / "完成全年目标进度低于时间进度"."""
    current, goal = as_decimal(value), as_decimal(target)
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
