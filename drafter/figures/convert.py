"""Converting an indicator to another money unit (万元 ↔ 亿元 …) on purpose."""

from __future__ import annotations

from drafter.figures.model import Indicator
from drafter.figures.quantities import Number, convert_amount


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
