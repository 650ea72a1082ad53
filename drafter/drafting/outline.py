"""Outlines (templates/outlines/*.yaml, package data) turned into one drafting task per section.

The outline says which sections a summary has and in what order; the figures file
decides how many （一） work-area sections there are and which slots each may use.
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from drafter.drafting.prompts import PROMPTS_DIR
from drafter.errors import ConfigError
from drafter.figures import FiguresFile, Slot, SlotTable
from drafter.models import Period, SectionKind
from drafter.text.markers import heading_marker, strip_marker

OUTLINES_DIR = PROMPTS_DIR / "outlines"

SlotGroup = Literal["overview", "problems", "plan_targets", "plan_priorities", "work_area", "none"]
RequiredGroup = Literal[
    "headline", "problems", "plan_targets", "plan_priorities", "work_area", "none"
]


class OutlineSection(BaseModel):
    """One section of an outline file; `expand: work_areas` repeats it per work area."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    kind: SectionKind
    level: int = Field(ge=0, le=2)
    heading: str = ""
    slots: SlotGroup = "none"
    required: RequiredGroup = "none"
    guidance: str = ""
    expand: Literal["work_areas"] | None = None
    children: list[OutlineSection] = Field(default_factory=list)


class Outline(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    title: str
    sections: list[OutlineSection]


@dataclass
class SectionTask:
    """Everything needed to draft one section; containers are heading-only."""

    id: str
    heading: str
    level: int
    kind: SectionKind
    order: int
    guidance: str = ""
    slots: list[Slot] = field(default_factory=list)
    required: list[str] = field(default_factory=list)  # slot refs such as "{F1}"
    query: str = ""
    work_area: str | None = None
    container: bool = False


def outline_path_for(period: Period) -> Path:
    return OUTLINES_DIR / ("half_year.yaml" if period == Period.HALF_YEAR else "annual.yaml")


def load_outline(path: Path) -> Outline:
    """Load and validate an outline, with a Chinese message naming the file and field."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"无法读取提纲文件 {path}：{exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"提纲文件 {path} 不是有效的 YAML：{exc}") from None
    try:
        outline = Outline.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise ConfigError(f"提纲文件 {path} 的 {where} 有误：{err['msg']}") from None
    _check_placeholders(outline, path)
    return outline


_VARIABLES = {"bureau", "region", "year", "next_year", "prev_year"}


def _check_placeholders(outline: Outline, path: Path) -> None:
    texts = [outline.title]
    stack = list(outline.sections)
    while stack:
        s = stack.pop()
        texts += [s.heading, s.guidance]
        stack += s.children
    for text in texts:
        for m in string.Template.pattern.finditer(text):
            name = m.group("named") or m.group("braced")
            if name and name not in _VARIABLES:
                raise ConfigError(
                    f"提纲文件 {path} 使用了未知占位符 ${{{name}}}。",
                    hint=f"可用：{'、'.join(sorted(_VARIABLES))}。",
                )


def _fill(text: str, figures: FiguresFile) -> str:
    return string.Template(text).safe_substitute(
        bureau=figures.bureau,
        region=figures.region or "",
        year=str(figures.year),
        next_year=str(figures.year + 1),
        prev_year=str(figures.year - 1),
    )


def _headline(table: SlotTable, figures: FiguresFile) -> tuple[list[Slot], list[str]]:
    """The opening shows each work area's first indicator, with its 同比 where known."""
    offered: list[Slot] = [s for s in table.slots_for_section("overview") if s.role == "year"]
    required: list[str] = []
    for area in figures.sections:
        values = [s for s in table.slots_for_section(area.id) if s.role == "value"]
        if not values:
            continue
        head = values[0]
        required.append(head.ref)
        offered.append(head)
        offered += [
            s
            for s in table.slots_for_section(area.id)
            if s.id.startswith(head.id + ".") and s.role in ("yoy", "rate")
        ]
    return offered, required


def _group(
    table: SlotTable, figures: FiguresFile, group: str, area_id: str | None
) -> tuple[list[Slot], list[str]]:
    if group == "overview":
        return _headline(table, figures)
    if group == "work_area" and area_id is not None:
        slots = table.slots_for_section(area_id)
        required = [s.ref for s in slots if s.role in ("value", "fact")]
        return slots, required
    if group == "problems":
        slots = table.slots_for_section("problems")
        return slots, [s.ref for s in slots if s.role == "problem"]
    if group in ("plan_targets", "plan_priorities"):
        role = "plan_target" if group == "plan_targets" else "priority"
        slots = [s for s in table.slots_for_section("plan") if s.role in (role, "year")]
        return slots, [s.ref for s in slots if s.role == role]
    years = [s for s in table.slots_for_section("overview") if s.role == "year"]
    return years, []


def plan_sections(outline: Outline, figures: FiguresFile, table: SlotTable) -> list[SectionTask]:
    """Expand the outline against the figures into ordered section tasks."""
    tasks: list[SectionTask] = []

    def add(spec: OutlineSection, heading: str, area_id: str | None, container: bool) -> None:
        group = "work_area" if area_id else spec.slots
        slots, required = _group(table, figures, group, area_id)
        if spec.required == "none" and not area_id:
            required = []
        if group == "problems" and not figures.problems:
            required = []
        query_bits = [strip_marker(heading)]
        if area_id:
            area = figures.section(area_id)
            query_bits += [i.name for i in area.indicators][:4] + list(area.facts)[:2]
        tasks.append(
            SectionTask(
                id=spec.id if not area_id else f"area_{area_id}",
                heading=heading,
                level=spec.level if not area_id else 2,
                kind=spec.kind,
                order=len(tasks),
                guidance=_fill(spec.guidance, figures),
                slots=slots,
                required=required,
                query=" ".join(query_bits)[:200],
                work_area=area_id,
                container=container,
            )
        )

    for spec in outline.sections:
        heading = _fill(spec.heading, figures)
        if spec.expand == "work_areas":
            add(spec, heading, None, container=True)
            for i, area in enumerate(figures.sections):
                add(spec, heading_marker(2, i + 1) + area.name, area.id, container=False)
        elif spec.children:
            add(spec, heading, None, container=True)
            for child in spec.children:
                add(child, _fill(child.heading, figures), None, container=False)
        else:
            add(spec, heading, None, container=False)
    return tasks


def compose_title(outline: Outline, figures: FiguresFile) -> str:
    """The figures file's own title wins over the outline's pattern."""
    return figures.title or _fill(outline.title, figures)
