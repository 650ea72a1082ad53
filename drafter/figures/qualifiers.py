"""How an indicator's value is qualified and what else it may be called: the optional
``qualifier`` (130多个, 约3000人, 100家以上) and ``aliases`` (高企 for 高新技术企业) of the
figures file, validated and written."""

from __future__ import annotations

import re
from typing import Any

from drafter.figures.quantities import Number, Problem, format_number, format_quantity, show_value

# How an indicator's value may be stated when the count is not exact: "130多个", "50余人",
# "约3000人", "近200家", "100家以上". The qualifier is written with the value, never lost.
INNER_QUALIFIERS = ("多", "余")  # between the number and the unit: 130多个
INDICATOR_PREFIXES = ("约", "近", "超过", "逾", "超")  # before the number: 约3000人
INDICATOR_SUFFIXES = ("以上", "左右", "以内", "以下")  # after the unit: 100家以上
_VALUE_QUALIFIER_RE = re.compile(
    r"\s*(约|近|超过|逾|超)?\s*([0-9][0-9,.]*)\s*(多|余)?\s*(以上|左右|以内|以下)?\s*"
)


def indicator_qualifier(raw: Any) -> str | None:
    """The ``qualifier`` of an indicator, or a Problem naming the words allowed."""
    if raw is not None and not isinstance(raw, str):
        raise Problem(f"限定词应为文字，实际是{show_value(raw)}", "如 qualifier: 多")
    text = raw.strip() if raw and raw.strip() else None
    allowed = (*INNER_QUALIFIERS, *INDICATOR_PREFIXES, *INDICATOR_SUFFIXES)
    if text is None or text in allowed:
        return text
    raise Problem(
        f"未知的限定词：{show_value(text)}",
        f"指标的 qualifier 可用：{'、'.join(allowed)}（如 130多个、约3000人、100家以上）",
    )


def split_value_qualifier(raw: Any) -> tuple[Any, str | None]:
    """ "130多" → ("130", "多"); "约3000" → ("3000", "约"); anything else unchanged."""
    if not isinstance(raw, str):
        return raw, None
    m = _VALUE_QUALIFIER_RE.fullmatch(raw)
    if m is None:
        return raw, None
    found = [q for q in (m.group(1), m.group(3), m.group(4)) if q]
    if len(found) != 1:
        return raw, None
    return m.group(2), found[0]


_ALIAS_SPLIT_RE = re.compile(r"[、，,；;/／|]")


def parse_aliases(raw: Any) -> Any:
    """A list of names, or one text of names separated by 、，；/ (a table cell)."""
    if raw is None:
        return []
    if isinstance(raw, str):
        return [part.strip() for part in _ALIAS_SPLIT_RE.split(raw) if part.strip()]
    return raw


def qualified_quantity(value: Number, unit: str, qualifier: str | None) -> str:
    """ "130多个", "约3000人", "100家以上", or "15家" without a qualifier."""
    if qualifier in INNER_QUALIFIERS:
        return f"{format_number(value)}{qualifier}{unit}"
    if qualifier in INDICATOR_PREFIXES:
        return f"{qualifier}{format_quantity(value, unit)}"
    return f"{format_quantity(value, unit)}{qualifier or ''}"
