"""The field validators and field types of the figures models: what a cell or YAML value
may be (text, number, unit, year, period, kind, section id, qualifier) and the Chinese
problem each wrong value gets.

Split out of :mod:`drafter.figures.model`, which keeps the models themselves.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BeforeValidator

from drafter.figures.qualifiers import parse_aliases
from drafter.figures.quantities import (
    MONEY_FACTORS,
    Number,
    Problem,
    number_text,
    parse_number,
    show_value,
)
from drafter.figures.wording import is_percent_unit
from drafter.models import Period


def text_value(raw: Any) -> str:
    if isinstance(raw, str):
        text = raw.strip()
        if not text:
            raise Problem("是空的", "填写文字内容，或删除这一项")
        if any(brace in text for brace in "{}｛｝"):  # drafts use them for slots: {F1}
            raise Problem(
                f"文字中不能有花括号：{show_value(text)}", "花括号留作槽位标记，请删去或改用（）"
            )
        return text
    if raw is None:
        raise Problem("是空的", "填写文字内容，或删除这一项")
    if isinstance(raw, Mapping):
        raise Problem(
            "应为一句文字，却被读成了键值对",
            "句中的英文冒号后跟空格会被 YAML 当作“键: 值”，请改用中文冒号“：”或给整句加引号",
        )
    if isinstance(raw, int | Decimal) and not isinstance(raw, bool):
        written = number_text(raw)
        if written is not None:
            return written
    raise Problem(f"应为文字，实际是{show_value(raw)}", "填写文字内容，必要时给整句加引号")


def optional_text(raw: Any) -> str | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    return text_value(raw)


def optional_number(raw: Any) -> Number | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    return parse_number(raw)


def unit_value(raw: Any) -> str:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        raise Problem("缺少单位", "填写计量单位，如 unit: 家、项、万元、%")
    if not isinstance(raw, str):
        raise Problem(
            f"单位应为文字，实际是{show_value(raw)}", "填写计量单位，如 unit: 家、项、万元、%"
        )
    unit = raw.strip().replace("％", "%")
    # 十 百 千 万 亿 belong to units (万元, 千米, 百分点); the digits never do
    if any(ch.isdigit() or ch in "零〇一二两三四五六七八九" for ch in unit):
        raise Problem(
            f"单位里不能有数字：{show_value(unit)}",
            "单位只写计量单位，如 家、万元、%；数字写在 value",
        )
    if len(unit) > 10:
        raise Problem(
            f"单位太长：{show_value(unit)}",
            "单位只写计量单位，如 家、万元、%；说明写在 basis（口径）",
        )
    return unit


_YEAR_TEXT_RE = re.compile(r"\d{4}")


def year_value(raw: Any) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int | str | Decimal):
        raise Problem(f"年份应为整数，实际是{show_value(raw)}", "写成四位数字，如 year: 2025")
    if isinstance(raw, str):
        if not _YEAR_TEXT_RE.fullmatch(raw.strip()):
            fix = "写成四位数字，如 year: 2025"
            found = re.search(r"\d{4}", raw)
            if found:
                fix = f"只写四位数字：year: {found.group()}"
            raise Problem(f"年份应为整数，实际是{show_value(raw)}", fix)
        return year_value(int(raw.strip()))
    if isinstance(raw, Decimal):
        raise Problem(f"年份应为整数，实际是{show_value(raw)}", "写成四位数字，如 year: 2025")
    if not 2000 <= raw <= 2100:
        raise Problem(
            f"年份不合理：{show_value(raw)}", "填写总结所属的年份（2000—2100之间），如 year: 2025"
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


def period_value(raw: Any) -> Period:
    if isinstance(raw, Period):
        return raw
    if isinstance(raw, str) and raw.strip().lower() in _PERIOD_ALIASES:
        return _PERIOD_ALIASES[raw.strip().lower()]
    raise Problem(
        f"未知的总结期间：{show_value(raw)}",
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


def kind_value(raw: Any) -> IndicatorKind:
    if isinstance(raw, IndicatorKind):
        return raw
    if isinstance(raw, str) and raw.strip().lower() in _KIND_ALIASES:
        return _KIND_ALIASES[raw.strip().lower()]
    raise Problem(
        f"未知的指标性质：{show_value(raw)}",
        "kind 只能是 count（数量）、amount（金额/总量）或 rate（比率，单位 %）；"
        "也可以不写，按单位推断",
    )


def infer_kind(unit: str) -> IndicatorKind:
    """``%`` → rate; money units (元, 万元, 亿元 …) → amount; anything else → count."""
    if is_percent_unit(unit):
        return IndicatorKind.RATE
    if unit in MONEY_FACTORS or unit.endswith("元"):
        return IndicatorKind.AMOUNT
    return IndicatorKind.COUNT


_SLUG_RE = re.compile(r"[a-z][a-z0-9_-]{0,39}")
RESERVED_SECTION_IDS = ("overview", "problems", "plan")


def section_id_value(raw: Any) -> str:
    if raw is None:
        return ""
    if not isinstance(raw, str) or not _SLUG_RE.fullmatch(raw.strip()):
        raise Problem(
            f"工作领域编号只能用小写英文字母、数字、下划线或连字符，并以字母开头，实际是{show_value(raw)}",
            "如 id: entities；也可以不写，程序按顺序编为 s1、s2……",
        )
    slug = raw.strip()
    if slug in RESERVED_SECTION_IDS:
        raise Problem(
            f"“{slug}”是保留的编号", f"换一个编号；{'、'.join(RESERVED_SECTION_IDS)} 已有他用"
        )
    return slug


PREFIX_QUALIFIERS = ("力争", "确保", "争取", "不低于", "不少于", "超过", "突破", "达到")
SUFFIX_QUALIFIERS = ("以上", "及以上", "左右", "以内", "以下")


def qualifier_value(raw: Any) -> str | None:
    text = optional_text(raw)
    if text is None or text in PREFIX_QUALIFIERS or text in SUFFIX_QUALIFIERS:
        return text
    raise Problem(
        f"未知的限定词：{show_value(text)}",
        f"qualifier 可用：{'、'.join(SUFFIX_QUALIFIERS)}（写在数字后），"
        f"{'、'.join(PREFIX_QUALIFIERS)}（写在数字前）",
    )


def none_to_list(raw: Any) -> Any:
    return [] if raw is None else raw


Text = Annotated[str, BeforeValidator(text_value)]
OptionalText = Annotated[str | None, BeforeValidator(optional_text)]
FigureValue = Annotated[int | Decimal, BeforeValidator(parse_number)]
OptionalFigure = Annotated[int | Decimal | None, BeforeValidator(optional_number)]
Unit = Annotated[str, BeforeValidator(unit_value)]
Year = Annotated[int, BeforeValidator(year_value)]
PeriodField = Annotated[Period, BeforeValidator(period_value)]
KindField = Annotated[IndicatorKind, BeforeValidator(kind_value)]
SectionId = Annotated[str, BeforeValidator(section_id_value)]
Qualifier = Annotated[str | None, BeforeValidator(qualifier_value)]
TextList = Annotated[list[Text], BeforeValidator(none_to_list)]
AliasList = Annotated[list[Text], BeforeValidator(parse_aliases)]
