"""Figures as numbers: parse what the user wrote, format it, convert and derive from it.

Split out of the figures model so that parsing and arithmetic (used by the models, the
table reader, the wording and the slots) sit below all of them. :class:`Problem` is the
Chinese validation message every figures validator raises.

All arithmetic is :class:`~decimal.Decimal` with ROUND_HALF_UP; percentages 1 decimal. A
rounded percentage never hides a difference: 0.04% is shown as "0.04%", not "0.0%", and
99.96% of target is not shown as "100.0%".
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from drafter.text.numerals import CN_NUMERALS, parse_cn_int

Number = int | Decimal
"""A figure as written by the user: ``int`` for integers, ``Decimal`` keeping its decimals."""

Loc = tuple[str | int, ...]


_INT_RE = re.compile(r"[+-]?\d+")
_DEC_RE = re.compile(r"[+-]?\d+\.\d+")
_THOUSANDS_RE = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_FIRST_NUMBER_RE = re.compile(r"\d+(?:\.\d+)?")


class Problem(ValueError):
    """A validation problem in Chinese: what is wrong, how to fix it, and where below the
    location pydantic reports (``at``)."""

    def __init__(self, problem: str, fix: str | None = None, *, at: Loc = ()) -> None:
        super().__init__(problem)
        self.problem = problem
        self.fix = fix
        self.at = at


def show_value(value: Any) -> str:
    """How an input value is named in a message."""
    if value is None:
        return "空值"
    if isinstance(value, bool):
        return f"“{'是' if value else '否'}”（YAML 把 yes/no/true/false/on/off 读作是/否）"
    if isinstance(value, int | Decimal):
        written = number_text(value)
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


def parse_number(raw: Any) -> Number:
    """An int or Decimal from YAML/Excel/CSV input, or a Problem saying how to fix it."""
    if isinstance(raw, bool):
        raise Problem(f"应为数字，实际是{show_value(raw)}", "只填阿拉伯数字，例如 value: 15")
    if isinstance(raw, int):
        return _bounded(raw)
    if isinstance(raw, Decimal):
        if not raw.is_finite():
            raise Problem(f"应为有限的数字，实际是{raw}", "只填阿拉伯数字，例如 value: 15")
        return _bounded(raw)
    if isinstance(raw, float):
        return parse_number(Decimal(repr(raw)))
    if isinstance(raw, str):
        text = raw.strip()
        if _INT_RE.fullmatch(text):
            return int(_bounded(Decimal(text)))  # int(text) refuses over 4300 digits
        if _DEC_RE.fullmatch(text):
            return _bounded(Decimal(text))
        if _THOUSANDS_RE.fullmatch(text):
            return parse_number(text.replace(",", ""))
        raise Problem(f"不是数字：{show_value(text)}", _number_fix(text))
    if raw is None:
        raise Problem("是空的", "填写阿拉伯数字，例如 value: 15")
    raise Problem(f"应为数字，实际是{show_value(raw)}", "只填阿拉伯数字，例如 value: 15")


# No figure of a bureau reaches 10^15 (a trillion yuan written in 元 is 10^12), and none
# needs more than 8 decimals; beyond these, writing the number out is itself the hazard.
MAX_PLACES = 8


def number_text(value: int | Decimal) -> str | None:
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
        raise Problem(
            f"数值过大：{show_value(number)}",
            "检查是否多写了数字或填错了列；金额可改用万元、亿元等较大的单位",
        )
    if isinstance(number, Decimal) and number.as_tuple().exponent < -MAX_PLACES:  # type: ignore[operator]
        raise Problem(
            f"小数位数过多：{show_value(number)}",
            f"最多保留{MAX_PLACES}位小数（通常1到2位），按公布的数字填写",
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
            return f"数值只写数字：value: {number}；“{unit}”写在 qualifier（限定词）"
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
            "“约”“余”“多”写在 qualifier（限定词），“预计”等说明写在 basis（口径）"
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


MONEY_FACTORS: dict[str, Decimal] = {
    "元": Decimal(1),
    "千元": Decimal(1000),
    "万元": Decimal(10000),
    "亿元": Decimal(100000000),
    "万亿元": Decimal(1000000000000),
    "美元": Decimal(1),
    "万美元": Decimal(10000),
    "亿美元": Decimal(100000000),
}


def plain_decimal(value: Decimal) -> Decimal:
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
        source, dest = MONEY_FACTORS[from_unit], MONEY_FACTORS[to_unit]
    except KeyError as exc:
        raise ValueError(
            f"无法换算单位：{from_unit} → {to_unit}（只支持 {'、'.join(MONEY_FACTORS)}）"
        ) from exc
    if ("美元" in from_unit) != ("美元" in to_unit):
        raise ValueError(f"无法换算单位：{from_unit} → {to_unit}（币种不同）")
    result = Decimal(value) * source / dest
    if places is not None:
        return result.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return plain_decimal(result)


def round_half_up(value: Decimal, places: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _round_honest(exact: Decimal, places: int, boundary: Decimal) -> Decimal:
    """Round to ``places`` decimals, adding decimals (up to 4 more) when rounding would make a
    value that differs from ``boundary`` look equal to it (0.04% → "0.04", not "0.0")."""
    rounded = round_half_up(exact, places)
    extra = 0
    while exact != boundary and rounded == boundary and extra < 4:
        extra += 1
        rounded = round_half_up(exact, places + extra)
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
