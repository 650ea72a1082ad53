"""The house outline: this year's outline following the bureau's own past summary.

A bureau writes its summary the way it wrote last year's: county bureaus put every work
area as a （一） point under one 一、 summary part; city bureaus make each work area a
一、 part of its own (一、强化… 二、深化… 三、存在的问题 四、2026年工作思路). The part names
differ too (工作思路 / 工作计划 / 工作打算, 存在的问题 / 问题与不足), and so does whether
the plan has a separate 主要目标 section.

:func:`derive_house_outline` reads that structure from the past summary's headings (in
document order, with the part kind the segmenter gave each) and returns an
:class:`~drafter.drafting.outline.Outline` that follows it, or None when the structure is
not recognisable (then the default outline applies unchanged). It is pure: finding the
summary in the store is :mod:`drafter.drafting.house_source`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from drafter.corpus.parts import classify_heading
from drafter.drafting.outline import Outline, OutlineSection
from drafter.models import Period, SectionKind
from drafter.text.markers import match_marker, strip_marker

__all__ = ["PastHeading", "derive_house_outline", "shift_years"]

HOUSE_OUTLINE_NAME = "house"

# A plan's sub-heading that names its targets: （一）主要目标, （一）总体目标, 目标任务.
_TARGET_WORDS = re.compile(r"目标")
_LABEL_MAX = 12  # a part-name-like sub-heading (重点工作, 主要措施) is short and has no comma
_YEAR_RE = re.compile(r"(?<!\d)(20\d{2})(?=\s*年)")


@dataclass(frozen=True)
class PastHeading:
    """One heading of a past summary, in document order.

    ``depth`` is its place in the tree (1 for a part, 2 below it …); ``marker`` the
    normalised number as written ("一、", "（一）", "1.", or "" for an unnumbered part line
    such as "2024年工作总结"); ``kind`` the part it belongs to (achievements, problems,
    plan …) as the segmenter classified it.
    """

    depth: int
    marker: str
    title: str
    kind: str

    @property
    def marker_level(self) -> int:
        """1 for 一、, 2 for （一）, 3 for 1., 4 for （1）; 0 for an unnumbered part line."""
        found = match_marker(self.marker) if self.marker else None
        return found.level if found is not None else 0


def shift_years(text: str, doc_year: int) -> str:
    """Years of the past summary as outline placeholders: its year → ${year}, the next one
    → ${next_year}, the one before → ${prev_year}; "2024年工作总结" → "${year}年工作总结"."""

    def repl(m: re.Match[str]) -> str:
        offset = int(m.group(1)) - doc_year
        return {0: "${year}", 1: "${next_year}", -1: "${prev_year}"}.get(offset, m.group(1))

    return _YEAR_RE.sub(repl, text)


def _children(headings: Sequence[PastHeading], parent: int) -> list[PastHeading]:
    """The direct children of ``headings[parent]``."""
    depth = headings[parent].depth
    out: list[PastHeading] = []
    for h in headings[parent + 1 :]:
        if h.depth <= depth:
            break
        if h.depth == depth + 1:
            out.append(h)
    return out


def _is_part_name(title: str) -> bool:
    return classify_heading(title) is not None


@dataclass
class _Structure:
    city: bool  # work areas are 一、 parts
    summary_title: str  # the part holding the areas (county style)
    problems_title: str
    plan_title: str
    targets_title: str | None  # None: no separate targets section
    priorities_title: str


def _read_structure(headings: Sequence[PastHeading]) -> _Structure | None:
    tops = [i for i, h in enumerate(headings) if h.depth == 1]
    achievements = [i for i in tops if headings[i].kind == SectionKind.ACHIEVEMENTS]
    if not achievements:
        return None
    city, summary_title = False, ""
    thematic = [i for i in achievements if not _is_part_name(headings[i].title)]
    if len(achievements) >= 2 and 2 * len(thematic) >= len(achievements):
        city = True  # 一、强化… 二、深化…: the areas are the parts
    else:
        named = [i for i in achievements if _is_part_name(headings[i].title)]
        if not named:
            return None
        part = named[0]
        kids = _children(headings, part)
        if headings[part].marker_level == 0 and sum(k.marker_level == 1 for k in kids) >= 2:
            city = True  # "2024年工作总结" as a part line with 一、 areas under it
        else:
            summary_title = headings[part].title
    problems = next((headings[i] for i in tops if headings[i].kind == SectionKind.PROBLEMS), None)
    plan_at = next((i for i in tops if headings[i].kind == SectionKind.PLAN), None)
    if problems is None and plan_at is None:
        return None  # only a summary part: nothing says how this bureau names the rest
    structure = _Structure(
        city=city,
        summary_title=summary_title,
        problems_title=problems.title if problems is not None else "",
        plan_title=headings[plan_at].title if plan_at is not None else "",
        targets_title=None,
        priorities_title="",
    )
    if plan_at is not None:
        kids = _children(headings, plan_at)
        at = next(
            (n for n, k in enumerate(kids) if _TARGET_WORDS.search(k.title) and _short(k.title)),
            None,
        )
        if at is not None:
            structure.targets_title = kids[at].title
            after = kids[at + 1] if at + 1 < len(kids) else None
            structure.priorities_title = (
                after.title if after is not None and _short(after.title) else "重点工作"
            )
    return structure


def _short(title: str) -> bool:
    return 0 < len(title) <= _LABEL_MAX and not re.search("[，,。；;]", title)


def _find(base: Outline, section_id: str) -> OutlineSection | None:
    stack = list(base.sections)
    while stack:
        spec = stack.pop(0)
        if spec.id == section_id:
            return spec
        stack += spec.children
    return None


def _unnumbered(spec: OutlineSection, title: str | None = None) -> OutlineSection:
    """A copy of a default section with its heading (or the given one) left for numbering."""
    heading = strip_marker(spec.heading) if title is None else title
    return spec.model_copy(update={"heading": heading, "numbered": bool(heading), "children": []})


def derive_house_outline(
    headings: Sequence[PastHeading],
    *,
    doc_year: int,
    period: Period,
    base: Outline,
    source: str = "",
) -> Outline | None:
    """The outline following a past summary's structure, or None when it is not one.

    ``base`` is the default outline of the period: it gives every section's guidance,
    slots and the wording of parts the past summary does not have. ``source`` says in
    Chinese where the structure came from (default: 本单位<year>年总结).
    """
    structure = _read_structure(headings)
    needed = {i: _find(base, i) for i in ("achievements", "problems", "plan")}
    if structure is None or any(spec is None for spec in needed.values()):
        return None
    achievements, problems, plan = needed["achievements"], needed["problems"], needed["plan"]
    assert achievements is not None and problems is not None and plan is not None

    def shifted(title: str) -> str | None:
        return shift_years(title, doc_year) if title else None

    areas = achievements.model_copy(
        update={
            "heading": "" if structure.city else shift_years(structure.summary_title, doc_year),
            "numbered": not structure.city,
        }
    )
    plan_part = _unnumbered(plan, shifted(structure.plan_title))
    children: list[OutlineSection] = []
    for child in plan.children:
        if not structure.plan_title:  # no plan part to follow: the default's sub-headings
            children.append(_unnumbered(child))
        elif child.id == "plan_targets":
            title = structure.targets_title
        elif child.id == "plan_priorities":
            title = structure.priorities_title if structure.targets_title is not None else None
        else:
            continue
        children.append(_unnumbered(child, shift_years(title, doc_year) if title else ""))
    sections = [
        *[s for s in base.sections if s.id == "opening"],
        areas,
        _unnumbered(problems, shifted(structure.problems_title)),
        plan_part.model_copy(update={"children": children}),
        *[s for s in base.sections if s.id == "closing"],
    ]
    when = "上半年" if period == Period.HALF_YEAR else ""
    return Outline(
        name=HOUSE_OUTLINE_NAME,
        title=base.title,
        sections=sections,
        source=source or f"本单位{doc_year}年{when}总结",
    )
