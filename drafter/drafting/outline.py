"""Outlines (templates/outlines/*.yaml, package data) turned into one drafting task per section.

The outline says which sections a summary has and in what order; the figures file
decides how many work-area sections there are and which slots each may use. A
``expand: work_areas`` section with a heading holds the areas as its （一） points
(county style); without a heading at level 1 the areas are themselves 一、 parts (city
style) and the later parts continue that numbering when they are ``numbered``. A work
area's ``points`` become their own sections one level below the area.
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
from drafter.figures import FiguresFile, Slot, SlotTable, WorkArea, point_section_id
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
    # True: the heading is written without its marker and numbered when planned
    # (一、 after the last work-area part, （一） among its siblings).
    numbered: bool = False
    children: list[OutlineSection] = Field(default_factory=list)


class Outline(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    title: str
    sections: list[OutlineSection]
    # Where the structure came from, in Chinese ("本单位2024年总结"); "" for a hand-written
    # outline. Said in review.md and by `drafter draft`.
    source: str = ""


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

    @property
    def label(self) -> str:
        """The heading, or what an untitled section is (a plan written under its part's
        heading without sub-headings)."""
        return self.heading or _UNTITLED.get(self.id, str(self.kind))


_UNTITLED = {
    "opening": "开头总体情况段",
    "closing": "结尾段",
    "problems": "存在的问题",
    "plan_targets": "下一阶段主要目标（无小标题，接在上级标题下）",
    "plan_priorities": "下一阶段重点工作（无小标题，接在上级标题下）",
}


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
    table: SlotTable, figures: FiguresFile, group: str, section_id: str | None
) -> tuple[list[Slot], list[str]]:
    """The slots offered and required: a slot group of the outline, or (``section_id``)
    a work area's or point's own slots."""
    if section_id is not None:
        slots = table.slots_for_section(section_id)
        required = [s.ref for s in slots if s.role in ("value", "fact")]
        return slots, required
    if group == "overview":
        return _headline(table, figures)
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
    top = 0  # the last 一、 number given to a numbered part or a work-area part

    def add(
        spec: OutlineSection,
        heading: str,
        *,
        container: bool = False,
        group: str | None = None,
        level: int | None = None,
        task_id: str | None = None,
        query: list[str] | None = None,
        area_id: str | None = None,
    ) -> None:
        slots, required = _group(table, figures, group or spec.slots, group)
        if spec.required == "none" and group is None:
            required = []
        if spec.slots == "problems" and not figures.problems:
            required = []
        tasks.append(
            SectionTask(
                id=task_id or spec.id,
                heading=heading,
                level=spec.level if level is None else level,
                kind=spec.kind,
                order=len(tasks),
                guidance=_fill(spec.guidance, figures),
                slots=slots,
                required=required,
                query=" ".join([strip_marker(heading), *(query or [])])[:200],
                work_area=area_id,
                container=container,
            )
        )

    def numbered(spec: OutlineSection, heading: str, n: int) -> str:
        return heading_marker(spec.level, n) + heading if spec.numbered and heading else heading

    def add_area(spec: OutlineSection, area: WorkArea, level: int, heading: str) -> None:
        query = [i.name for i in area.indicators][:4] + list(area.facts)[:2]
        if area.points and not area.facts:
            query += [p.name for p in area.points][:4]
        only_points = not area.indicators and not area.facts
        add(
            spec,
            heading,
            container=only_points,
            group=area.id,
            level=level,
            task_id=f"area_{area.id}",
            query=query,
            area_id=area.id,
        )
        for n, point in enumerate(area.points, start=1):
            add(
                spec,
                heading_marker(level + 1, n) + point.name,
                group=point_section_id(area.id, n),
                level=level + 1,
                task_id=f"point_{area.id}_{n}",
                query=[area.name, *point.facts[:2]],
                area_id=area.id,
            )

    for spec in outline.sections:
        heading = _fill(spec.heading, figures)
        if spec.numbered and heading and spec.level == 1:
            top += 1
            heading = numbered(spec, heading, top)
        if spec.expand == "work_areas":
            if heading:
                add(spec, heading, container=True)
            level = spec.level + 1 if heading else max(spec.level, 1)
            for i, area in enumerate(figures.sections):
                if level == 1:
                    top += 1
                n = top if level == 1 else i + 1
                add_area(spec, area, level, heading_marker(level, n) + area.name)
        elif spec.children:
            add(spec, heading, container=True)
            k = 0
            for child in spec.children:
                child_heading = _fill(child.heading, figures)
                if child.numbered and child_heading:
                    k += 1
                add(child, numbered(child, child_heading, k))
        else:
            add(spec, heading)
    return tasks


def compose_title(outline: Outline, figures: FiguresFile) -> str:
    """The figures file's own title wins over the outline's pattern."""
    return figures.title or _fill(outline.title, figures)
