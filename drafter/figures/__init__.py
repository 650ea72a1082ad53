"""figures stage: this year's figures, loaded and validated, derived in code, as slots.

Principle 1 of the design: numbers are written by code, never by the model. The modules:

* :mod:`~drafter.figures.quantities`: parsing, formatting and converting numbers; 同比 and
  完成率 arithmetic.
* :mod:`~drafter.figures.wording`: derived figures as phrases ("同比增长16.7%").
* :mod:`~drafter.figures.model`: the validated models (the YAML figures file format).
* :mod:`~drafter.figures.load`: :func:`load_figures`, YAML parsing and validation messages.
* :mod:`~drafter.figures.tables`: the same figures as an .xlsx/.csv table.
* :mod:`~drafter.figures.files`: size-limited reading and encoding detection.
* :mod:`~drafter.figures.slots`: :class:`SlotTable`, the placeholders a draft uses.
* :mod:`~drafter.figures.extract` and :mod:`~drafter.figures.check`: figures found in a
  text, and the number check of a draft.
"""

from drafter.figures.convert import convert_indicator
from drafter.figures.fields import IndicatorKind, infer_kind
from drafter.figures.load import load_figures
from drafter.figures.model import (
    FiguresFile,
    Indicator,
    Plan,
    PlanTarget,
    UnknownSectionError,
    WorkArea,
    WorkPoint,
    point_section_id,
)
from drafter.figures.quantities import (
    Number,
    completion_rate,
    convert_amount,
    format_number,
    format_quantity,
    percent_change,
)
from drafter.figures.slots import Slot, SlotTable, UnknownSlotError, build_slot_table
from drafter.figures.wording import (
    Wording,
    change_wording,
    completion_wording,
    delta_wording,
    status_wording,
)

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
    "WorkPoint",
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
    "point_section_id",
    "status_wording",
]
