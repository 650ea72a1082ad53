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

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from drafter.corpus.chunk import chunk_document, split_enumeration
from drafter.corpus.meta import infer_meta
from drafter.corpus.parts import (
    KIND_TITLE_RE,
    assign_kinds,
    classify_heading,
    part_line,
    part_prefix,
    split_closing,
    split_problems,
)
from drafter.models import DocMeta, ParsedDocument, Section, SectionKind
from drafter.text.genre import DATE_LINE_RE as _DATE_LINE_RE
from drafter.text.genre import OPENING_START_RE as _OPENING_START
from drafter.text.genre import ORG_LINE_RE as _ORG_LINE_RE
from drafter.text.genre import TITLE_WORDS_RE as _TITLE_WORDS
from drafter.text.markers import (
    MARKER_RE,
    NOT_A_TITLE_RE,
    first_child_re,
    normalized_marker,
    search_marker,
)
from drafter.text.sentences import CLOSERS, FULL_STOPS

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

# --- title, issuer and signature --------------------------------------------------------

_RUN_IN_TITLE_RE = re.compile(
    r"^(?P<title>[^\s，。,；;：:！？!?]{0,40}?(?:总结|回顾)(?:及|和|暨|与)[^\s，。,；;：:！？!?]{0,16}?"
    r"(?:打算|思路|计划|安排|要点))"
)

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
    assign_kinds(sections, meta.year)
    sections = split_closing(split_problems(sections))
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
    level: int  # the marker's level: 1 for 一、 … 4 for （1）
    number: str
    title: str
    nested: bool = False  # restarts the numbering under the current part (一、 after 六、)


@dataclass(frozen=True)
class _Text:
    text: str


@dataclass(frozen=True)
class _Part:
    """An unnumbered part line: 2021年工作思路, 存在的问题, 下一步工作."""

    title: str


_Event = _Heading | _Text | _Part


@dataclass
class _Numbering:
    """Last accepted number per level; a new parent restarts its children's numbering.

    A part (a part line, or a numbered part title such as 三、2021年工作打算) may restart
    the numbering: its first heading, of any level, is number 1 and sets the part's top
    level.
    """

    last: dict[int, int] = field(default_factory=lambda: {1: 0, 2: 0, 3: 0, 4: 0})
    top: int = 1
    fresh: bool = False  # a part has begun and has no heading yet
    part_title: bool = False  # the last heading is a numbered part title with no child yet

    def accepts(self, level: int, number: int, *, lenient: bool = False) -> bool:
        """The next number; a lenient place (a line start in line-structured text)
        also accepts one skipped number, as typing slips happen."""
        if self.fresh:
            return number == 1
        if level < self.top or (level > self.top and self.last[self.top] == 0):
            return False
        gap = number - self.last[level]
        return gap == 1 or (lenient and gap == 2)

    def accept(self, level: int, number: int) -> None:
        if self.fresh:
            self.top, self.fresh = level, False
        self.last[level] = number
        for deeper in range(level + 1, 5):
            self.last[deeper] = 0
        self.part_title = False

    def restart(self) -> None:
        """A new part begins: its headings count from 1 again."""
        self.last = {1: 0, 2: 0, 3: 0, 4: 0}
        self.fresh, self.part_title = True, False


def _is_collapsed(paragraphs: Sequence[str]) -> bool:
    """A web copy that lost its lines: under two lines open with a heading, or a huge block."""
    heading_lines = sum(1 for p in paragraphs if MARKER_RE.match(p))
    return heading_lines < 2 or max((len(p) for p in paragraphs), default=0) > 1500


def _scan_headings(paragraphs: Sequence[str], *, collapsed: bool) -> list[_Event]:
    numbering = _Numbering()
    events: list[_Event] = []
    for paragraph in paragraphs:
        name = None if MARKER_RE.match(paragraph) else part_line(paragraph)
        if name is not None:
            numbering.restart()
            events.append(_Part(name))
            continue
        events.extend(_scan_paragraph(paragraph, numbering, collapsed=collapsed))
    return events


def _scan_paragraph(paragraph: str, numbering: _Numbering, *, collapsed: bool) -> Iterator[_Event]:
    """Body text, part names and headings of one paragraph, in order."""
    body_start = 0
    search_from = 0
    title_end = 0  # the end of an accepted title is a place a heading can start
    while (m := search_marker(paragraph, search_from)) is not None:
        start, level, value = m.start, m.level, m.number
        if NOT_A_TITLE_RE.match(paragraph, m.end):
            search_from = start + 1
            continue
        can_start = _can_start_heading(
            paragraph, start, level, collapsed=collapsed, title_end=title_end
        )
        lenient = start == 0 and not collapsed
        nested = False
        if not (can_start and numbering.accepts(level, value, lenient=lenient)):
            if value != 1:
                search_from = start + 1
                continue
            inline = _inline_part(paragraph, body_start, start)
            if inline is not None:
                # "……。2021年工作思路 一、…": a part named inline before its first heading
                name_at, name = inline
                if paragraph[body_start:name_at].strip():
                    yield _Text(paragraph[body_start:name_at])
                numbering.restart()
                yield _Part(name)
                body_start = name_at + len(name)
            elif can_start and level == 1 and numbering.part_title:
                numbering.restart()  # 三、2021年工作打算 / 一、…: numbering restarts inside
                nested = True
            else:
                search_from = start + 1
                continue
        title, end = _heading_title(paragraph, m.end, level, line_start=start == 0)
        if paragraph[body_start:start].strip():
            yield _Text(paragraph[body_start:start])
        numbering.accept(level, value)
        numbering.part_title = level == numbering.top and part_line(title) is not None
        yield _Heading(level, normalized_marker(m), title, nested=nested)
        body_start = search_from = title_end = end
    if paragraph[body_start:].strip():
        yield _Text(paragraph[body_start:])


def _inline_part(paragraph: str, body_start: int, marker_at: int) -> tuple[int, str] | None:
    """(start, name) of a part name opening a sentence since the last heading, before a
    restarted marker: "……不高。2021年工作思路 2021年，我局将……。一、…" (a collapsed copy)."""
    found: tuple[int, str] | None = None
    at = body_start
    while at < marker_at:
        while at < marker_at and paragraph[at].isspace():
            at += 1
        name = part_prefix(paragraph[at:marker_at])
        if name is not None:
            found = (at, name)
        ends = [i for c in f"{_SENTENCE_END}；;" if (i := paragraph.find(c, at, marker_at)) >= 0]
        if not ends:
            break
        at = min(ends) + 1
    return found


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
    if level == 1 and (kind := KIND_TITLE_RE.match(rest)):
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
    """The heading tree; a section's level is its depth (a part line is level 1 and the
    一、 under it level 2, while without part lines 一、 is level 1 as written)."""
    top: list[Section] = []
    stack: list[Section] = []
    opening: Section | None = None
    offset: int | None = 0  # depth minus marker level; None until a part's first heading
    for event in events:
        if isinstance(event, _Part):
            part = Section(level=1, number="", title=event.title)
            top.append(part)
            stack, offset = [part], None
            continue
        if isinstance(event, _Heading):
            if event.nested and stack:
                stack, offset = stack[:1], None
            if offset is None:
                offset = stack[0].level + 1 - event.level if stack else 1 - event.level
            depth = max(event.level + offset, 1)
            section = Section(level=depth, number=event.number, title=event.title)
            while stack and stack[-1].level >= depth:
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
