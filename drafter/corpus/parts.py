"""The parts of a work summary (总结 / 问题 / 打算 / 结尾) and the kind of each section.

A summary's parts are named by level-1 titles (一、2023年工作总结, 三、存在的问题), by
unnumbered part lines (2021年工作思路, 存在的问题), or not at all: a paragraph opening
with the genre's problem formulas (但也要看到…, 同时也清醒地看到…) starts the problems.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from drafter.models import Section, SectionKind
from drafter.text.genre import KIND_TITLE_RE
from drafter.text.sentences import sentence_spans

__all__ = [
    "KIND_TITLE_RE",
    "SEGMENTER_VERSION",
    "assign_kinds",
    "classify_heading",
    "part_line",
    "part_prefix",
    "problems_opening",
    "split_closing",
    "split_problems",
]

# Bumped whenever segmentation changes what a document's sections or kinds are; stored with
# each document so a re-ingest re-chunks documents segmented by an older version.
SEGMENTER_VERSION = 2

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

# --- part lines ----------------------------------------------------------------------------

_WHEN = (
    r"(?:(?:20\d{2}|20[Xx×*]{2}|[Xx×*]{2,4}|二[〇○零][一二三四五六七八九〇○零十]{2})年度?|"
    r"今年|明年|本年度?|全年|上半年|下半年|下步|下一步|下阶段|今后|近期|未来|新的一年|新一年)"
)
_AND = r"(?:和|及|与|、|暨)"
_PLAN_NOUN = r"(?:思路|计划|打算|安排|要点|谋划|设想|目标|举措|措施|任务|重点)"
_PROBLEM_NOUN = r"(?:问题|不足|困难|短板|差距|挑战|原因|建议|薄弱环节)"
_DONE_NOUN = r"(?:成效|成绩|亮点|做法|总结|回顾|情况|进展)"
# The whole of an unnumbered line that names a part ("2021年工作思路", "存在的问题",
# "下一步工作", "主要工作及成效"); matched against the line without punctuation.
_PART_NAME_RE = re.compile(
    rf"{_WHEN}?(?:的)?(?:主要|重点)?(?:工作)?{_PLAN_NOUN}(?:{_AND}{_PLAN_NOUN})*"
    rf"|{_WHEN}?(?:的)?(?:重点|主要)工作(?:任务|安排|打算)?"
    rf"|(?:下步|下一步|下阶段|今后|明年)(?:的)?(?:重点|主要)?工作(?:{_PLAN_NOUN})?"
    rf"|(?:当前|目前|工作中|发展中|我局)?(?:存在|面临)(?:的)?(?:主要)?(?:困难)?{_PROBLEM_NOUN}"
    rf"(?:{_AND}{_PROBLEM_NOUN})*"
    rf"|(?:主要)?(?:问题|困难|不足|短板)(?:{_AND}{_PROBLEM_NOUN})*"
    rf"|{_WHEN}?(?:的)?(?:主要)?(?:工作)?(?:开展|完成|推进)?(?:情况)?(?:{_AND})?{_DONE_NOUN}"
    rf"(?:{_AND}{_DONE_NOUN})*"
)
_PART_PREFIX_RE = re.compile(r"^(?:第[一二三四五六七八九]部分|[（(]?[上下][）)]?篇)[、：:\s]*")
_PART_LINE_MAX = 24


def part_line(line: str) -> str | None:
    """The part name when ``line`` is an unnumbered part line, else None.

    "2021年工作思路", "存在的问题：", "【下一步工作打算】", "第二部分 明年工作安排" are
    part lines; a sentence, a long line or a thematic title ("强化创新引领") is not.
    """
    title = _PART_PREFIX_RE.sub("", line.strip()).strip("【】[]〔〕 \t：:。；;")
    if not title or len(title) > _PART_LINE_MAX:
        return None
    core = re.sub(r'[\s“”"]', "", title)
    if not _PART_NAME_RE.fullmatch(core):
        return None
    return title if classify_heading(core) is not None else None


def part_prefix(text: str) -> str | None:
    """The longest part name (of 4+ characters) that ``text`` opens with, if any:
    "2021年工作思路2021年，我局将…" → "2021年工作思路" (a collapsed web copy)."""
    for size in range(min(_PART_LINE_MAX, len(text)), 3, -1):
        found = part_line(text[:size])
        if found is not None and found == text[:size]:
            return found
    return None


# --- problem formulas ------------------------------------------------------------------------

# A paragraph (or, in a collapsed copy, a sentence) opening with one of these starts the
# problems part even when no heading names it.
_PROBLEMS_OPENING_RE = re.compile(
    r"(?:(?:但|但是|同时|然而|当然|与此同时|不过)[，,]?(?:我们|我局|全局)?(?:也|还|更)?"
    r"(?:要|应|应当|必须)?(?:清醒|清楚|客观)?地?(?:看到|认识到|意识到)"
    r"|(?:我们|我局)?(?:也|还)?(?:要|应)?清醒(?:地)?(?:看到|认识到|意识到)"
    r"|在(?:肯定|看到|取得)(?:成绩|成效)的?同时"
    r"|(?:回顾一年来的工作|总结一年来的工作|工作中)?[，,]?(?:但|但是)?(?:我们|我局)?(?:也|还|仍)存在"
    r"(?:着)?(?:一些|以下|不少|诸多)?(?:问题|不足|困难)"
    r"|(?:当前|目前|工作中)?(?:存在|面临)的?(?:主要)?(?:问题|不足|困难)(?:和不足)?(?:主要)?"
    r"(?:是|有|表现在|体现在|[：:])"
    r"|(?:[^，。；]{0,12})?(?:工作|成绩)?(?:虽然|虽)(?:取得|有)了?(?:一定|较好|明显|较大)?的?"
    r"(?:成绩|成效|进展)[^。]{0,8}?(?:但|然而)[^。]{0,6}?(?:存在|面临|差距|不足))"
)


def problems_opening(text: str) -> bool:
    """True when ``text`` opens with a problems formula (但也要看到, 存在的问题主要是…)."""
    return _PROBLEMS_OPENING_RE.match(text) is not None


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


def split_problems(sections: list[Section]) -> list[Section]:
    """Unmarked problems: the trailing text of an achievements part from the first
    paragraph (or sentence) that opens with a problems formula becomes a problems part.

    Only text at the end of a top-level section counts (its last section's last
    paragraphs, after which no heading follows), and only once per document, so a
    "但也要看到…" in the middle of the achievements stays where it is.
    """
    if any(s.kind == SectionKind.PROBLEMS for s in sections):
        return sections
    for index, top in enumerate(sections):
        if top.level != 1 or top.kind != SectionKind.ACHIEVEMENTS:
            continue
        if index + 1 < len(sections) and sections[index + 1].kind == SectionKind.ACHIEVEMENTS:
            continue  # another achievements part follows: not the end of the achievements
        holder = top
        while holder.children:
            holder = holder.children[-1]
        moved = _take_problems(holder)
        if moved:
            part = Section(
                level=1, number="", title="", paragraphs=moved, kind=SectionKind.PROBLEMS
            )
            return [*sections[: index + 1], part, *sections[index + 1 :]]
    return sections


def _take_problems(holder: Section) -> list[str]:
    """Remove and return the paragraphs of ``holder`` from the first problems formula on."""
    for p_index, paragraph in enumerate(holder.paragraphs):
        for start, _ in sentence_spans(paragraph):
            if not problems_opening(paragraph[start:]):
                continue
            if start == 0 and p_index == 0 and holder.level <= 1:
                return []  # the whole part would move: its title says what it is
            head, tail = paragraph[:start].rstrip(), paragraph[start:]
            moved = [tail, *holder.paragraphs[p_index + 1 :]]
            holder.paragraphs[p_index:] = [head] if head else []
            return moved
    return []
