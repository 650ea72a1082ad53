"""Parse a cleaned work summary into a heading tree, infer its metadata, and chunk it.

Headings are 一、 (level 1), （一） (level 2), 1. / 1、 (level 3) and （1） (level 4).
They may stand on their own lines, open a paragraph followed by body text ("（一）聚焦
主线，实施战略。围绕……"), or, in collapsed web copies, run inline after a sentence
("……支撑作用。一、工作总结（一）实施……"). A marker only counts where a heading can
start and when it continues its level's numbering (一 then 二, children restart under a
new parent), which keeps "1-9月", "二等奖", "一是" and "一、二、三等奖" out.

Chunks carry headings in `heading_path`; the heading line of every level-2+ section is
also the first line of the first chunk under it, so a search for a word that only a
heading contains (e.g. "科技特派员") still finds that section's text.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace

from drafter.models import Chunk, DocMeta, ParsedDocument, Period, Section, SectionKind
from drafter.text.genre import DATE_LINE_RE as _DATE_LINE_RE
from drafter.text.genre import KIND_TITLE_RE as _KIND_TITLE_RE
from drafter.text.genre import OPENING_START_RE as _OPENING_START
from drafter.text.genre import ORG_LINE_RE as _ORG_LINE_RE
from drafter.text.genre import TITLE_WORDS_RE as _TITLE_WORDS
from drafter.text.markers import (
    ENUMERATION_RE,
    MARKER_RE,
    NOT_A_TITLE_RE,
    first_child_re,
    normalized_marker,
    search_marker,
)
from drafter.text.numerals import parse_ordinal
from drafter.text.sentences import CLOSERS, FULL_STOPS, split_sentences_keep

__all__ = [
    "chunk_document",
    "classify_heading",
    "infer_meta",
    "parse_document",
    "split_enumeration",
]

_CJK = "\u4e00-\u9fff"
_SENTENCE_END = FULL_STOPS
_CLOSERS = CLOSERS

# --- heading markers: drafter.text.markers -----------------------------------------------

_TITLE_MAX = 50  # a run-in heading is one short sentence
_OWN_LINE_MAX = 60  # a heading standing alone on its line

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

# --- title, issuer and signature --------------------------------------------------------

_RUN_IN_TITLE_RE = re.compile(
    r"^(?P<title>[^\s，。,；;：:！？!?]{0,40}?(?:总结|回顾)(?:及|和|暨|与)[^\s，。,；;：:！？!?]{0,16}?"
    r"(?:打算|思路|计划|安排|要点))"
)
_REGION_SUFFIX = "省市县区旗州盟"
_KNOWN_BUREAUS = (
    "科学技术和工业信息化局",
    "科技和工业信息化局",
    "工业和信息化局",
    "发展和改革局",
    "市场监督管理局",
    "住房和城乡建设局",
    "文化和旅游局",
    "科学技术局",
    "农业农村局",
    "自然资源局",
    "生态环境局",
    "交通运输局",
    "科技局",
)
_BUREAU_RE = re.compile("(?P<bureau>" + "|".join(_KNOWN_BUREAUS) + rf"|[{_CJK}]{{1,9}}局)")
_NOT_BUREAUS = {"格局", "布局", "局部", "全局", "大局", "结局", "当局", "开局", "新格局", "新局"}
_REGION_LEVELS = {
    "省": "province",
    "自治区": "province",
    "市": "city",
    "州": "city",
    "盟": "city",
    "县": "county",
    "旗": "county",
    "区": "district",
}

# --- chunking costs (lower is a better place to cut) ------------------------------------

_CUT_HEADING = 0.0
_CUT_PARAGRAPH = 1.0
_CUT_ITEM = 2.0
_CUT_SENTENCE = 4.0
_CUT_CLAUSE = 12.0
_CUT_HARD = 40.0
_CUT_NEVER = float("inf")
_CUT_SPAN_HEADING = 2.0  # a chunk running into the next subsection loses its heading path
_CHUNK_COST = 3.0
_UNDERSIZE_COST = 100.0


# =========================================================================================
# parse_document
# =========================================================================================


def parse_document(
    text: str, *, hints: DocMeta | None = None, source_name: str | None = None
) -> ParsedDocument:
    """Heading tree and metadata of a cleaned summary.

    The title and the issuing bureau at the top and the signature (bureau, date) at the
    bottom go to `meta`, not into the body. `source_name` (a file name) is a fallback
    for the title and year when the text has none.
    """
    paragraphs = [p.strip() for p in text.split("\n") if p.strip()]
    head = _extract_head(paragraphs)
    paragraphs = _strip_signature(head.body)
    collapsed = _is_collapsed(paragraphs)
    events = _scan_headings(paragraphs, collapsed=collapsed)
    sections = _build_tree(events)
    title = head.title or _title_from_source(source_name)
    meta_text = "\n".join([*head.issuers, text])
    meta = infer_meta(title, meta_text, hints)
    _assign_kinds(sections, meta.year)
    sections = _split_closing(sections)
    return ParsedDocument(meta=meta, sections=sections)


# --- head and signature -----------------------------------------------------------------


@dataclass
class _Head:
    title: str | None
    issuers: list[str]
    body: list[str]


def _extract_head(paragraphs: Sequence[str]) -> _Head:
    """Split the title, issuer and date lines at the top from the body paragraphs."""
    title: str | None = None
    issuers: list[str] = []
    i = 0
    while i < len(paragraphs) and i < 5:
        line = paragraphs[i]
        if not _is_short_line(line) or MARKER_RE.match(line):
            break
        if title is not None and line == title:
            pass
        elif _ORG_LINE_RE.match(line):
            issuers.append(line)
        elif _DATE_LINE_RE.match(line):
            pass
        elif title is None and _TITLE_WORDS.search(line):
            title = line
        elif title is not None and line.startswith(("——", "—", "--")):
            title = f"{title}{line}"
        else:
            break
        i += 1
    body = list(paragraphs[i:])
    if body:
        first, run_in_title, issuer = _strip_run_in_head(body[0], title)
        title = title or run_in_title
        if issuer:
            issuers.append(issuer)
        body[0] = first
        if not first:
            body.pop(0)
    return _Head(title=title, issuers=issuers, body=body)


def _is_short_line(line: str) -> bool:
    return len(line) <= _OWN_LINE_MAX and not any(c in line[:-1] for c in "。！？；;")


def _strip_run_in_head(first: str, title: str | None) -> tuple[str, str | None, str | None]:
    """Title and issuer glued to the first paragraph of a collapsed web copy.

    "县科技局XX年工作总结及XX年工作打算 今年以来，…" and "2018年…工作打算寿光市科技局
    今年以来，…" both start with the title; the issuer is taken only when the opening
    sentence follows it ("寿光市科技局今年以来"), never when it is the subject.
    """
    found: str | None = None
    if title and first.startswith(title):
        first = first[len(title) :].lstrip()
    else:
        m = None if MARKER_RE.match(first) else re.match(r"^(?P<title>\S{4,60}?)\s+", first)
        if (
            m
            and _TITLE_WORDS.search(m.group("title"))
            and not re.search(r"[，。,；;：:！？!?]", m.group("title"))
        ):
            found = m.group("title")
        else:
            m = _RUN_IN_TITLE_RE.match(first)
            found = m.group("title") if m else None
        if found:
            first = first[len(found) :].lstrip()
    issuer: str | None = None
    m = re.match(rf"^(?P<issuer>(?![我本全该])[{_CJK}]{{1,12}}?(?:局|委员会|办公室))\s*", first)
    if m and _OPENING_START.match(first[m.end() :]):
        issuer = m.group("issuer")
        first = first[m.end() :]
    return first, found, issuer


def _strip_signature(paragraphs: Sequence[str]) -> list[str]:
    """Drop the trailing 落款 lines: the issuing bureau and the date."""
    body = list(paragraphs)
    for _ in range(3):
        if body and (_ORG_LINE_RE.match(body[-1]) or _DATE_LINE_RE.match(body[-1])):
            body.pop()
    return body


def _title_from_source(source_name: str | None) -> str | None:
    if not source_name:
        return None
    stem = re.sub(r"\.[A-Za-z0-9]{1,5}$", "", source_name)
    return stem if _TITLE_WORDS.search(stem) and re.search(f"[{_CJK}]", stem) else None


# --- heading scan --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Heading:
    level: int
    number: str
    title: str


@dataclass(frozen=True)
class _Text:
    text: str


_Event = _Heading | _Text


@dataclass
class _Numbering:
    """Last accepted number per level; a new parent restarts its children's numbering."""

    last: dict[int, int] = field(default_factory=lambda: {1: 0, 2: 0, 3: 0, 4: 0})

    def accepts(self, level: int, number: int, *, lenient: bool = False) -> bool:
        """The next number; a lenient place (a line start in line-structured text)
        also accepts one skipped number, as typing slips happen."""
        if level >= 2 and self.last[1] == 0:
            return False
        gap = number - self.last[level]
        return gap == 1 or (lenient and gap == 2)

    def accept(self, level: int, number: int) -> None:
        self.last[level] = number
        for deeper in range(level + 1, 5):
            self.last[deeper] = 0


def _is_collapsed(paragraphs: Sequence[str]) -> bool:
    """A web copy that lost its lines: under two lines open with a heading, or a huge block."""
    heading_lines = sum(1 for p in paragraphs if MARKER_RE.match(p))
    return heading_lines < 2 or max((len(p) for p in paragraphs), default=0) > 1500


def _scan_headings(paragraphs: Sequence[str], *, collapsed: bool) -> list[_Event]:
    numbering = _Numbering()
    events: list[_Event] = []
    for paragraph in paragraphs:
        events.extend(_scan_paragraph(paragraph, numbering, collapsed=collapsed))
    return events


def _scan_paragraph(paragraph: str, numbering: _Numbering, *, collapsed: bool) -> Iterator[_Event]:
    """Body text and headings of one paragraph, in order."""
    body_start = 0
    search_from = 0
    title_end = 0  # the end of an accepted title is a place a heading can start
    while (m := search_marker(paragraph, search_from)) is not None:
        start, level, value = m.start, m.level, m.number
        ok = (
            _can_start_heading(paragraph, start, level, collapsed=collapsed, title_end=title_end)
            and numbering.accepts(level, value, lenient=start == 0 and not collapsed)
            and not NOT_A_TITLE_RE.match(paragraph, m.end)
        )
        if not ok:
            search_from = start + 1
            continue
        title, end = _heading_title(paragraph, m.end, level, line_start=start == 0)
        if paragraph[body_start:start].strip():
            yield _Text(paragraph[body_start:start])
        numbering.accept(level, value)
        yield _Heading(level, normalized_marker(m), title)
        body_start = search_from = title_end = end
    if paragraph[body_start:].strip():
        yield _Text(paragraph[body_start:])


def _can_start_heading(
    text: str, index: int, level: int, *, collapsed: bool, title_end: int
) -> bool:
    """A heading opens a paragraph, follows a title, or (collapsed text) a sentence."""
    if index == 0 or index == title_end:
        return True
    if not collapsed:
        return False
    prev = text[index - 1]
    if prev.isspace() or prev in _SENTENCE_END:
        return True
    if prev in _CLOSERS and index >= 2 and text[index - 2] in _SENTENCE_END:
        return True
    return level <= 2 and prev in "：:"


def _heading_title(text: str, start: int, level: int, *, line_start: bool) -> tuple[str, int]:
    """The title after a marker and where the body resumes.

    A heading alone on its line is the whole line. Otherwise the title ends at the first
    sentence end, ；/：, space, the first child's marker, or (level 1) right after a
    part name such as 工作总结 / 下步工作打算; a longer first sentence leaves the title
    empty and all of the text as body.
    """
    while start < len(text) and text[start].isspace():
        start += 1
    rest = text[start:]
    child = first_child_re(level)
    child_at = child.search(rest, 1) if child else None
    if line_start and child_at is None and _is_short_line(rest.rstrip("。；;：:")):
        return _clean_title(rest), len(text)
    ends: list[tuple[int, int]] = [(len(rest), len(rest))]
    for pattern in (rf"[{_SENTENCE_END}][{_CLOSERS}]*", r"[；;：:]", r"\s+"):
        if found := re.search(pattern, rest):
            ends.append((found.start(), found.end()))
    if child_at:
        ends.append((child_at.start(), child_at.start()))
    if level == 1 and (kind := _KIND_TITLE_RE.match(rest)):
        after = rest[kind.end() : kind.end() + 1]
        if after and re.match(f"[{_CJK}]", after):
            ends.append((kind.end(), kind.end()))
    title_stop, body_start = min(ends)
    if title_stop > _TITLE_MAX:
        return "", start
    return _clean_title(rest[:title_stop]), start + body_start


def _clean_title(title: str) -> str:
    return _normalize_body(title).rstrip("。；;：:，,").strip()


# --- tree ------------------------------------------------------------------------------------


def _build_tree(events: Sequence[_Event]) -> list[Section]:
    top: list[Section] = []
    stack: list[Section] = []
    opening: Section | None = None
    for event in events:
        if isinstance(event, _Heading):
            section = Section(level=event.level, number=event.number, title=event.title)
            while stack and stack[-1].level >= event.level:
                stack.pop()
            (stack[-1].children if stack else top).append(section)
            stack.append(section)
            continue
        paragraphs = _split_paragraph(event.text)
        if stack:
            stack[-1].paragraphs.extend(paragraphs)
        else:
            if opening is None:
                opening = Section(level=0, number="", title="", kind=SectionKind.OPENING)
                top.insert(0, opening)
            opening.paragraphs.extend(paragraphs)
    return top


def _split_paragraph(text: str) -> list[str]:
    """A space after a sentence end is a lost paragraph break in web copies."""
    parts = re.split(rf"(?<=[{_SENTENCE_END}])\s+|(?<=[{_SENTENCE_END}][{_CLOSERS}])\s+", text)
    return [p for p in (_normalize_body(part) for part in parts) if p]


def _normalize_body(text: str) -> str:
    """Web-copy spacing and half-width punctuation made consistent with 公文 text.

    Spaces next to Chinese characters are dropped; ASCII ,;:!? become full-width unless
    they sit between ASCII letters/digits ("1,000", "12:30"); ASCII parentheses around
    Chinese text become full-width. Numbers are never touched.
    """
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"(?<=[^\x00-\x7f])\s+|\s+(?=[^\x00-\x7f])", "", text)
    text = re.sub(r"[,;:!?]", _full_width_punct, text)
    return re.sub(rf"\(([^()（）]*[{_CJK}][^()（）]*)\)", r"（\1）", text)


def _full_width_punct(m: re.Match[str]) -> str:
    text, i = m.string, m.start()
    before = text[i - 1] if i > 0 else ""
    after = text[i + 1] if i + 1 < len(text) else ""
    if before.isascii() and before.isalnum() and after.isascii() and after.isalnum():
        return m.group()
    if m.group() == ":" and text.startswith("//", i + 1):
        return m.group()
    return {",": "，", ";": "；", ":": "：", "!": "！", "?": "？"}[m.group()]


# --- kinds -----------------------------------------------------------------------------------


def classify_heading(title: str) -> SectionKind | None:
    """The kind a level-1 title names, or None for a thematic title ("聚焦创新主体培育，…").

    Only a title that is a part name (工作总结, 问题及困难, 2021年工作思路…) or a short
    title without a comma is read by its words: "实施科技计划项目，…" is not a plan.
    """
    if not (_KIND_TITLE_RE.match(title) or (len(title) <= 12 and not re.search("[，,]", title))):
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


def _assign_kinds(sections: Sequence[Section], year: int | None) -> None:
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


def _split_closing(sections: list[Section]) -> list[Section]:
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


# =========================================================================================
# metadata
# =========================================================================================


def infer_meta(title: str | None, text: str, hints: DocMeta | None = None) -> DocMeta:
    """Metadata from the title (first) and the text; every explicit hint wins."""
    bureau, region, level = _bureau_and_region(title, text)
    inferred = DocMeta(
        title=title,
        bureau=bureau,
        region=region,
        region_level=level,
        year=_infer_year(title, text),
        period=_infer_period(title, text),
    )
    if hints is None:
        return inferred
    overrides = {
        name: getattr(hints, name)
        for name in ("title", "bureau", "region", "region_level", "year", "period")
        if getattr(hints, name) is not None
    }
    return replace(inferred, **overrides)


def _bureau_and_region(title: str | None, text: str) -> tuple[str | None, str | None, str | None]:
    """Bureau, region and level from the title, else the top or the signature of the text."""
    lines = [line for line in text.split("\n") if line.strip()]
    sources = [title or "", "\n".join(lines[:3])[:300], "\n".join(lines[-3:])[-200:]]
    bureau: str | None = None
    region: str | None = None
    level: str | None = None
    for source in sources:
        found = _find_bureau(source)
        if found is None:
            continue
        b, r, lv = found
        bureau = bureau or b
        if r and region is None and (level is None or lv == level):
            region, level = r, lv
        level = level or lv
        if bureau and region:
            break
    return bureau, region, level


def _find_bureau(source: str) -> tuple[str, str | None, str | None] | None:
    for m in _BUREAU_RE.finditer(source):
        found = m.group("bureau")
        known = next((k for k in _KNOWN_BUREAUS if found.endswith(k)), None)
        if known:
            cut = len(found) - len(known) - 1
        else:
            # "寿光市水利局": the bureau starts after the last region suffix
            cut = max(found.rfind(c) for c in _REGION_SUFFIX)
            if cut < 0 or len(found) - cut - 1 < 2 or found[cut + 1 :] in _NOT_BUREAUS:
                continue
        region, level = _region_before(source[: m.start()] + found[: cut + 1])
        return found[cut + 1 :], region, level
    return None


def _region_before(prefix: str) -> tuple[str | None, str | None]:
    """Region before a bureau: "…寿光市" → 寿光市/city; "…县" → level only; XX县 → level only."""
    m = re.search(rf"([{_CJK}A-Za-z*＊]{{0,12}}?)(自治区|[{_REGION_SUFFIX}])$", prefix)
    if not m:
        return None, None
    level = _REGION_LEVELS[m.group(2)]
    name = re.split(r"[年度于的及和在与]", m.group(1))[-1]
    if not name or re.search(r"[Xx×*＊]", name):
        return None, level
    return name + m.group(2), level


def _infer_year(title: str | None, text: str) -> int | None:
    """The summarised year: the one before 总结 in the title, else the commonest in the text."""
    if title and not re.search(r"20[Xx×*]{2}|[Xx]{2,4}年", title):
        years = list(re.finditer(r"(?<!\d)(20\d{2})\s*年", title))
        summary_at = title.find("总结")
        before = [y for y in years if summary_at >= 0 and y.start() < summary_at]
        if before:
            return int(before[-1].group(1))
        if years:
            return int(years[0].group(1))
    counts = Counter(int(y) for y in re.findall(r"(?<!\d)(20\d{2})(?=\s*年)", text))
    if not counts:
        return None
    return min(counts, key=lambda y: (-counts[y], y))


def _infer_period(title: str | None, text: str) -> Period:
    half = re.compile(r"上半年|半年|1[-—至~]6月|一至六月")
    if title:
        return Period.HALF_YEAR if half.search(title) else Period.ANNUAL
    half_in_text = re.search(r"上半年工作总结|上半年以来|今年上半年", text[:200])
    return Period.HALF_YEAR if half_in_text else Period.ANNUAL


# =========================================================================================
# enumeration and sentences
# =========================================================================================

_ORDINAL_WORDS = ("首先", "其次", "再次", "最后")
_ENUM_BOUNDARY = "。；;：:，,！？!?"


def split_enumeration(paragraph: str) -> list[str]:
    """Items of a 一是…二是…三是… (or 首先…其次…) paragraph; [paragraph] when none.

    A lead-in before 一是 is its own item. Items must count up from 一 and stand at a
    clause start, so "这二是…" inside a sentence is not a split.
    """
    cuts = _enumeration_cuts(paragraph) or _ordinal_cuts(paragraph)
    if not cuts:
        return [paragraph]
    bounds = [0, *cuts, len(paragraph)]
    items = [paragraph[a:b] for a, b in itertools.pairwise(bounds)]
    return [item for item in items if item.strip()]


def _at_clause_start(text: str, index: int) -> bool:
    return index == 0 or text[index - 1] in _ENUM_BOUNDARY or text[index - 1].isspace()


def _enumeration_cuts(text: str) -> list[int]:
    cuts: list[int] = []
    expected = 1
    for m in ENUMERATION_RE.finditer(text):
        if parse_ordinal(m.group("n")) == expected and _at_clause_start(text, m.start()):
            cuts.append(m.start())
            expected += 1
    return [c for c in cuts if c > 0] if len(cuts) >= 2 else []


def _ordinal_cuts(text: str) -> list[int]:
    first = text.find(_ORDINAL_WORDS[0])
    if first < 0 or not _at_clause_start(text, first):
        return []
    cuts = [first]
    for word in _ORDINAL_WORDS[1:]:
        at = text.find(word, cuts[-1] + 1)
        if at > 0 and _at_clause_start(text, at):
            cuts.append(at)
    if len(cuts) < 2 or text.find(_ORDINAL_WORDS[1], first) < 0:
        return []
    return [c for c in cuts if c > 0]


def _split_clauses(sentence: str, max_chars: int) -> list[tuple[str, bool]]:
    """A sentence cut after ，、 into (clause, hard-cut) pairs.

    A clause longer than half a chunk is sliced (hard cut) so chunks can always be sized.
    """
    parts = [p for p in re.split(r"(?<=[，、,])", sentence) if p]
    out: list[tuple[str, bool]] = []
    hard = max(20, max_chars // 4)
    for part in parts:
        if len(part) <= max_chars // 2:
            out.append((part, False))
        else:
            out.extend((part[i : i + hard], i > 0) for i in range(0, len(part), hard))
    return out


# =========================================================================================
# chunk_document
# =========================================================================================


@dataclass(frozen=True)
class _Piece:
    text: str
    path: tuple[str, ...]
    cut_cost: float  # cost of starting a new chunk at this piece
    joiner: str  # put before this piece when it follows another in the same chunk
    is_heading: bool = False  # a heading line is never the last line of a chunk


def chunk_document(
    doc: ParsedDocument, *, min_chars: int = 150, max_chars: int = 500
) -> list[Chunk]:
    """Passages of about min_chars–max_chars, never spanning two level-1 sections.

    Cuts prefer headings, then paragraphs, enumeration items, sentences, clauses; a
    hard cut only inside a clause longer than half a chunk. A whole section shorter
    than min_chars is one chunk. Each level-2+ heading opens the first chunk under it
    as its own line; `heading_path` holds the headings common to the whole chunk.
    """
    if min_chars <= 0 or max_chars < min_chars:
        raise ValueError("chunk sizes must satisfy 0 < min_chars <= max_chars")
    chunks: list[Chunk] = []
    for index, section in enumerate(doc.sections):
        pieces = list(_section_pieces(section, (), max_chars))
        kind = section.kind or (
            SectionKind.OPENING if section.level == 0 else SectionKind.ACHIEVEMENTS
        )
        for start, end in _best_cuts(pieces, min_chars, max_chars):
            group = pieces[start:end]
            text = group[0].text + "".join(p.joiner + p.text for p in group[1:])
            chunks.append(
                Chunk(
                    text=text.strip(),
                    heading_path=list(_common_path([p.path for p in group])),
                    kind=kind,
                    section_index=index,
                    position=len(chunks),
                )
            )
    return chunks


def _section_pieces(section: Section, parent: tuple[str, ...], max_chars: int) -> Iterator[_Piece]:
    path = (*parent, section.heading) if section.level >= 1 else parent
    if section.level >= 2:
        yield _Piece(section.heading, path, _CUT_HEADING, "\n", is_heading=True)
    for paragraph in section.paragraphs:
        for i_index, item in enumerate(split_enumeration(paragraph)):
            for s_index, sentence in enumerate(split_sentences_keep(item)):
                for c_index, (clause, hard) in enumerate(_split_clauses(sentence, max_chars)):
                    if c_index:
                        cost = _CUT_HARD if hard else _CUT_CLAUSE
                    elif s_index:
                        cost = _CUT_SENTENCE
                    elif i_index:
                        cost = _CUT_ITEM
                    else:
                        cost = _CUT_PARAGRAPH
                    first_of_paragraph = not (i_index or s_index or c_index)
                    yield _Piece(clause, path, cost, "\n" if first_of_paragraph else "")
    for child in section.children:
        yield from _section_pieces(child, path, max_chars)


def _best_cuts(pieces: Sequence[_Piece], min_chars: int, max_chars: int) -> list[tuple[int, int]]:
    """Chunk boundaries minimising cut costs, keeping every chunk within the bounds.

    Dynamic programming over the pieces: a chunk costs a constant, plus the cost of the
    boundary it starts at, plus a little for each heading inside it, plus a large penalty
    when it is shorter than min_chars (free only for a section that is short as a whole).
    A chunk never ends on a heading line.
    """
    n = len(pieces)
    if n == 0:
        return []
    offsets = [0]
    headings = [0]  # headings before index i, to charge chunks that run across one
    for piece in pieces:
        offsets.append(offsets[-1] + len(piece.joiner) + len(piece.text))
        headings.append(headings[-1] + piece.is_heading)
    best = [0.0] + [float("inf")] * n
    back = [0] * (n + 1)
    for end in range(1, n + 1):
        for start in range(end - 1, -1, -1):
            length = offsets[end] - offsets[start] - len(pieces[start].joiner)
            if length > max_chars and end - start > 1:
                break
            cut = pieces[start].cut_cost if start else 0.0
            if start and pieces[start - 1].is_heading:
                cut = _CUT_NEVER
            if cut == _CUT_NEVER or best[start] == float("inf"):
                continue
            short = length < min_chars and not (start == 0 and end == n)
            inner = headings[end] - headings[start + 1]
            cost = best[start] + _CHUNK_COST + cut + inner * _CUT_SPAN_HEADING
            cost += _UNDERSIZE_COST if short else 0.0
            if cost < best[end]:
                best[end], back[end] = cost, start
    bounds: list[tuple[int, int]] = []
    end = n
    while end > 0:
        bounds.append((back[end], end))
        end = back[end]
    return bounds[::-1]


def _common_path(paths: Sequence[tuple[str, ...]]) -> tuple[str, ...]:
    common = paths[0]
    for path in paths[1:]:
        size = 0
        while size < min(len(common), len(path)) and common[size] == path[size]:
            size += 1
        common = common[:size]
    return common
