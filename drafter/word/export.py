"""Export a draft as a GB/T 9704 Word document (clean or review copy) or as Markdown.

The Word body holds exactly the text of draft.md (title, headings, paragraphs, in order)
plus the 落款 (issuing bureau and date). The review copy adds Word comments: on every
paragraph a check flagged (a number not matching the figures, a fallback section, a
missing figure) and on every section the exemplar passages it drew on; the clean copy
has none. :func:`text_document` lays out a plain-text summary the same way, which is how
the example bureau's Word copies are made.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date as Date
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from drafter.atomic import atomic_write_bytes, atomic_write_text
from drafter.errors import InputError
from drafter.text.genre import DATE_LINE_RE, ORG_LINE_RE
from drafter.text.markers import NOT_A_TITLE_RE, match_marker
from drafter.word.layout import Block, Fonts, OfficialDocument, build_document, document_bytes

if TYPE_CHECKING:
    from drafter.review.session import SectionState, Session, SessionMeta
    from drafter.settings import Settings

__all__ = [
    "DOCX_FILE",
    "ExportResult",
    "export_session",
    "fonts_from_settings",
    "parse_date",
    "review_path",
    "session_document",
    "split_heading",
    "text_document",
    "today_text",
    "write_docx",
    "write_session_docx",
]

DOCX_FILE = "draft.docx"
REVIEW_TAG = "-review"
COMMENT_AUTHOR = "drafter"

Format = Literal["docx", "md"]


# --- settings and dates ------------------------------------------------------------------------


def fonts_from_settings(settings: Settings) -> Fonts:
    """The font names configured by DRAFTER_DOCX_FONT_* (defaults: the GB fonts)."""
    return Fonts(
        body=settings.docx_font_body,
        title=settings.docx_font_title,
        heading1=settings.docx_font_heading1,
        heading2=settings.docx_font_heading2,
        page_number=settings.docx_font_page_number,
    )


def today_text(today: Date | None = None) -> str:
    """The date in Arabic numerals as GB/T 9704 writes it: 2026年11月23日."""
    day = today or Date.today()
    return f"{day.year}年{day.month}月{day.day}日"


_DATE_RE = re.compile(
    r"^\s*(?P<y>\d{4})\s*(?:[-/.年])\s*(?P<m>\d{1,2})\s*(?:[-/.月])\s*(?P<d>\d{1,2})\s*日?\s*$"
)


def parse_date(value: str) -> str:
    """A --date value (2026-11-23, 2026/11/23, 2026年11月23日) as 2026年11月23日."""
    m = _DATE_RE.match(value)
    if m:
        try:
            return today_text(Date(int(m["y"]), int(m["m"]), int(m["d"])))
        except ValueError:
            pass
    raise InputError(
        f"--date 的值“{value}”不是有效的日期。",
        hint="写成 2026-11-23 或 2026年11月23日。",
    )


def review_path(path: Path) -> Path:
    """draft.docx → draft-review.docx (the review copy sits beside the clean one)."""
    return path.with_name(f"{path.stem}{REVIEW_TAG}{path.suffix}")


# --- heading lines -------------------------------------------------------------------------------

_HEADING_LINE_MAX = 60
_RUN_IN_MAX = 50
_SENTENCE_END = re.compile(r"[。！？!?：:]")


def split_heading(line: str, levels: tuple[int, ...] = (1, 2, 3, 4)) -> tuple[int, str] | None:
    """(level, heading) when ``line`` opens with a heading marker of one of ``levels``.

    The heading is the whole line when it stands alone ("（一）主要目标"), or its first
    sentence when the body runs on ("1. 省级平台实现新突破。恒川精工……").
    """
    m = match_marker(line, levels=levels)
    if m is None or NOT_A_TITLE_RE.match(line, m.end):
        return None
    inner = line[:-1] if line[-1:] in "。；;：:" else line
    if len(line) <= _HEADING_LINE_MAX and not re.search(r"[。！？!?；;]", inner):
        return m.level, line
    end = _SENTENCE_END.search(line, m.end)
    if end is not None and end.end() - m.end <= _RUN_IN_MAX:
        return m.level, line[: end.end()]
    return None


def _blocks_of_lines(lines: list[str], levels: tuple[int, ...]) -> list[Block]:
    blocks: list[Block] = []
    for line in lines:
        found = split_heading(line, levels)
        if found is None:
            blocks.append(Block("paragraph", line))
        elif found[1] == line:
            blocks.append(Block("heading", line, level=found[0]))
        else:
            blocks.append(Block("paragraph", line, level=found[0], lead=found[1]))
    return blocks


# --- plain text → document -------------------------------------------------------------------



def text_document(text: str) -> OfficialDocument:
    """A plain-text summary (title on the first line, one paragraph per line, 落款 last)."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        raise InputError("文本为空，无法生成 Word 文档。")
    title, body = lines[0], lines[1:]
    date = body.pop() if body and DATE_LINE_RE.match(body[-1]) else ""
    bureau = body.pop() if body and ORG_LINE_RE.match(body[-1]) else ""
    return OfficialDocument(
        title=title, blocks=_blocks_of_lines(body, (1, 2, 3, 4)), bureau=bureau, date=date
    )


# --- session → document -------------------------------------------------------------------------

_QUOTED = re.compile(r"“([^”]{1,40})”")
_FALLBACK_NOTE = "本节由程序按数据生成（模型多次未通过核对后的兜底段落），请人工润色。"


@dataclass
class _SectionBlocks:
    heading: Block | None
    body: list[Block] = field(default_factory=list)

    @property
    def anchor(self) -> Block | None:
        """Where a section-wide comment goes: the heading, else the first paragraph."""
        return self.heading or (self.body[0] if self.body else None)


def session_document(
    meta: SessionMeta, sections: list[SectionState], *, date: str
) -> OfficialDocument:
    """The draft in force, laid out as render_markdown lays it out, with review comments."""
    from drafter.review.render import is_heading_only, paragraphs_of

    doc = OfficialDocument(title=meta.title, bureau=meta.bureau, date=date)
    for i, state in enumerate(sections):
        part = _SectionBlocks(
            Block("heading", state.heading, level=max(state.level, 1)) if state.heading else None
        )
        paragraphs = paragraphs_of(state.text)
        if not paragraphs and state.current_version is None and not is_heading_only(i, sections):
            part.body = [
                Block("paragraph", "（本节尚未起草）", comments=["本节尚未起草，定稿前请补写。"])
            ]
        else:
            part.body = _blocks_of_lines(paragraphs, (3, 4))
        _add_review_comments(state, part)
        if part.heading is not None:
            doc.blocks.append(part.heading)
        doc.blocks.extend(part.body)
    return doc


def _add_review_comments(state: SectionState, part: _SectionBlocks) -> None:
    from drafter.review.render import section_flags

    version = state.current_version
    anchor = part.anchor
    if version is None or anchor is None:
        return
    sources = exemplar_lines(state)
    if sources:
        anchor.comments.append("本节参考的范文：\n" + "\n".join(sources))
    flags = section_flags(state)
    fallback = version.origin == "fallback" or (
        version.verification is not None and version.verification.fallback
    )
    if fallback and not any("程序" in f for f in flags):
        flags.insert(0, _FALLBACK_NOTE)
    first = part.body[0] if part.body else anchor
    per_block: dict[int, list[str]] = {}
    for flag in flags:
        target = _block_quoting(flag, part.body) or first
        per_block.setdefault(id(target), []).append(flag)
    for block in [*([part.heading] if part.heading else []), *part.body]:
        if id(block) in per_block:
            block.comments.append("请核对：\n" + "\n".join(per_block.pop(id(block))))


def _block_quoting(flag: str, blocks: list[Block]) -> Block | None:
    """The paragraph containing the text a flag quotes (“…”), if any."""
    for quoted in _QUOTED.findall(flag):
        for block in blocks:
            if quoted in block.text:
                return block
    return None


def exemplar_lines(state: SectionState) -> list[str]:
    version = state.current_version
    if version is None:
        return []
    lines: list[str] = []
    for e in version.exemplars:
        where = " · ".join(bit for bit in (Path(e.source).name, e.heading_path) if bit)
        line = f"{where}（{e.year}年）" if e.year else where
        if line not in lines:
            lines.append(line)
    return [f"{i}. {line}" for i, line in enumerate(lines, 1)]


# --- writing ----------------------------------------------------------------------------------------


def write_docx(
    doc: OfficialDocument, path: Path, *, fonts: Fonts, with_comments: bool = False
) -> int:
    """Write ``doc`` atomically; returns the number of comments written."""
    document = build_document(doc, fonts, with_comments=with_comments, author=COMMENT_AUTHOR)
    atomic_write_bytes(path, document_bytes(document))
    return sum(len(b.comments) for b in doc.blocks) if with_comments else 0


def write_session_docx(
    meta: SessionMeta,
    sections: list[SectionState],
    path: Path,
    *,
    date: str | None = None,
    fonts: Fonts | None = None,
) -> Path:
    """The clean draft.docx of a session (see write_outputs)."""
    if fonts is None:
        from drafter.settings import load_settings

        fonts = fonts_from_settings(load_settings())
    doc = session_document(meta, sections, date=date or today_text())
    write_docx(doc, path, fonts=fonts)
    return path


@dataclass
class ExportResult:
    """What `drafter export` wrote."""

    path: Path
    review: Path | None = None
    comments: int = 0


def export_session(
    session: Session,
    *,
    fmt: Format = "docx",
    out: Path | None = None,
    review: bool = False,
    date: str | None = None,
    fonts: Fonts | None = None,
) -> ExportResult:
    """Write the draft (and with ``review`` its review copy) in ``fmt``; the export is
    recorded in exports.json (for ``--changes-since last-export``)."""
    from drafter.review.render import render_markdown, render_review
    from drafter.review.session import record_export

    sections = session.sections()
    target = out or session.dir / (DOCX_FILE if fmt == "docx" else "draft.md")
    if fmt == "md":
        atomic_write_text(target, render_markdown(session.meta, sections))
        result = ExportResult(path=target)
        if review:
            result.review = review_path(target)
            report = render_review(session.meta, sections, problems=session.problems)
            atomic_write_text(result.review, report)
        record_export(session.dir, target, sections)
        return result
    doc = session_document(session.meta, sections, date=date or today_text())
    used = fonts or Fonts()
    write_docx(doc, target, fonts=used)
    result = ExportResult(path=target)
    if review:
        result.review = review_path(target)
        result.comments = write_docx(doc, result.review, fonts=used, with_comments=True)
    record_export(session.dir, target, sections)
    return result


def write_outputs(session: Session) -> tuple[Path, Path]:
    """Write draft.md, review.md and draft.docx (GB/T 9704) from the sections in force.

    Returns the paths of draft.md and review.md; draft.docx is ``session.dir / DOCX_FILE``.
    """
    paths = session.write_outputs()
    write_session_docx(session.meta, session.sections(), session.dir / DOCX_FILE)
    return paths
