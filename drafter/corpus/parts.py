"""The parts of a work summary (总结 / 问题 / 打算 / 结尾) and the kind of each section.

A summary's parts are named by level-1 titles (一、2023年工作总结, 三、存在的问题), by
unnumbered part lines (2021年工作思路, 存在的问题), or not at all: a paragraph opening
with the genre's problem formulas (但也要看到…, 同时也清醒地看到…) starts the problems.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from drafter.models import Section, SectionKind

__all__ = ["KIND_TITLE_RE", "assign_kinds", "classify_heading", "split_closing"]

# A level-1 title that names a part of the summary; used to cut "下步工作打算下半年，…".
KIND_TITLE_RE = re.compile(
    r"^(?:(?:20\d{2}|20[Xx×*]{2}|[Xx×*]{2,4})年度?|今年|明年|本年度?|全年|上半年|下半年|下步|下一步|"
    r"下阶段|今后|近期|未来)?(?:的)?(?:主要)?"
    r"(?:"
    r"(?:工作)?(?:开展|完成|推进|进展)情况|(?:工作)?(?:开展|完成)?情况(?:及|和)?成效|"
    r"(?:工作|做法)(?:及|和|与)?(?:成效|成绩|亮点)|主要做法(?:及|和|与)?成效|主要做法|"
    r"(?:工作)?(?:总结|回顾)|"
    r"存在(?:的)?(?:主要)?(?:问题|不足|困难)(?:(?:及|和|与)(?:不足|困难|建议|原因|差距))?|"
    r"(?:问题|困难|不足)(?:及|和|与)(?:困难|不足|原因|建议|差距)|"
    r"(?:工作)?(?:打算|思路|计划|安排|要点)"
    r")"
)

_PROBLEM_WORDS = re.compile(r"问题|不足|困难|短板|差距|薄弱|瓶颈")
_PLAN_WORDS = re.compile(
    r"打算|思路|工作计划|计划$|工作安排|安排$|要点|下步|下一步|下阶段|今后|展望|明年|目标任务|"
    r"重点任务$|重点工作$"
)
_ACHIEVEMENT_WORDS = re.compile(r"总结|情况|成效|成绩|做法|进展|回顾|完成|亮点|主要工作")
_PLAN_START = re.compile(r"^(?:将|力争|计划|拟|继续)")

_CLOSING_START = re.compile(
    r"^(?:总之|总而言之|综上|新的一年|展望未来|面向未来|站在新的起点|在新的一年|我们(?:将|要|坚信)|"
    r"(?:20\d{2}|[Xx]{2,4})年(?:是|，(?:我们|我局|全局|本局|[^，。]{0,8}局)?将))"
)

# --- kinds -----------------------------------------------------------------------------------


def classify_heading(title: str) -> SectionKind | None:
    """The kind a level-1 title names, or None for a thematic title ("聚焦创新主体培育，…").

    Only a title that is a part name (工作总结, 问题及困难, 2021年工作思路…) or a short
    title without a comma is read by its words: "实施科技计划项目，…" is not a plan.
    """
    if not (KIND_TITLE_RE.match(title) or (len(title) <= 12 and not re.search("[，,]", title))):
        return None
    problems = _PROBLEM_WORDS.search(title)
    plan = _PLAN_WORDS.search(title)
    if problems and (not plan or problems.start() < plan.start()):
        return SectionKind.PROBLEMS
    if plan:
        return SectionKind.PLAN
    if _ACHIEVEMENT_WORDS.search(title):
        return SectionKind.ACHIEVEMENTS
    return None


def assign_kinds(sections: Sequence[Section], year: int | None) -> None:
    """Kinds of level-1 sections (children inherit); thematic ones follow their context."""
    seen_problems_or_plan = False
    for section in sections:
        if section.level == 0:
            kind = SectionKind.OPENING
        else:
            named = classify_heading(section.title)
            if named is not None:
                kind = named
            elif seen_problems_or_plan or _says_plan(section.title, year):
                kind = SectionKind.PLAN
            else:
                kind = SectionKind.ACHIEVEMENTS
            seen_problems_or_plan |= kind in (SectionKind.PROBLEMS, SectionKind.PLAN)
        _set_kind(section, kind)


def _says_plan(title: str, year: int | None) -> bool:
    if _PLAN_START.match(title):
        return True
    years = [int(y) for y in re.findall(r"(20\d{2})年", title)]
    return year is not None and any(y > year for y in years)


def _set_kind(section: Section, kind: SectionKind) -> None:
    section.kind = kind
    for child in section.children:
        _set_kind(child, kind)


def split_closing(sections: list[Section]) -> list[Section]:
    """A closing paragraph ("新的一年，…", "总之，…") ending the last section.

    It is taken out only when it follows other text of its (sub)section, so a section
    whose only paragraph happens to start that way keeps it.
    """
    if not sections or sections[-1].level != 1:
        return sections
    holder = sections[-1]
    while holder.children:
        holder = holder.children[-1]
    if len(holder.paragraphs) < 2 or not _CLOSING_START.match(holder.paragraphs[-1]):
        return sections
    closing_text = holder.paragraphs.pop()
    closing = Section(
        level=0, number="", title="", paragraphs=[closing_text], kind=SectionKind.CLOSING
    )
    return [*sections, closing]
