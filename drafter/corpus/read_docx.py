"""Read a Word (.docx) file: refuse a container python-docx should not open, then turn
paragraphs (with Word's numbering and heading styles) and tables into lines of text.

Split from ``read`` because the .docx walk is its own body of WordprocessingML rules;
``read.read_document`` dispatches here.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Any

from drafter.corpus.docx_numbering import DocxStructure
from drafter.corpus.read_errors import (
    MAGIC_OLE,
    MAGIC_PDF,
    OLE_HINT,
    WORD_SAVE_AS,
    format_mb,
    refuse,
)
from drafter.text.genre import TITLE_WORDS_RE as _TITLE_WORDS
from drafter.text.markers import has_marker, heading_marker, join_marker

_MAX_ZIP_MEMBERS = 10_000
# Deflated XML rarely exceeds ~30:1; a long run of zeros reaches ~1000:1.
_MAX_COMPRESSION_RATIO = 100
_RATIO_CHECK_MIN_BYTES = 1024 * 1024  # small members may legitimately compress very well

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
_W_P, _W_TBL, _W_TR, _W_TC = f"{_W}p", f"{_W}tbl", f"{_W}tr", f"{_W}tc"
_W_SDT, _W_SDT_CONTENT, _W_CUSTOM_XML = f"{_W}sdt", f"{_W}sdtContent", f"{_W}customXml"
_W_T, _W_TAB, _W_PTAB, _W_BR, _W_CR = f"{_W}t", f"{_W}tab", f"{_W}ptab", f"{_W}br", f"{_W}cr"
_W_NO_BREAK_HYPHEN = f"{_W}noBreakHyphen"
_W_PPR, _W_PSTYLE, _W_NUMPR = f"{_W}pPr", f"{_W}pStyle", f"{_W}numPr"
_W_NUMID, _W_ILVL, _W_OUTLINE, _W_VAL = f"{_W}numId", f"{_W}ilvl", f"{_W}outlineLvl", f"{_W}val"
_MC_ALTERNATE, _MC_CHOICE = f"{_MC}AlternateContent", f"{_MC}Choice"
# Inside a paragraph: properties, deleted/moved-away revisions, drawings and text boxes
# (their text would otherwise appear in the middle of the paragraph, or twice via VML).
_W_SKIP = frozenset(
    f"{_W}{name}"
    for name in ("pPr", "rPr", "sdtPr", "sdtEndPr", "del", "moveFrom", "drawing", "pict", "object")
)

_DOCX_INVALID = (
    "不是有效的 Word（.docx）文件（文件已损坏，或是其他格式改了扩展名）。"
    "请用 Word/WPS 打开后另存为 .docx 再导入"
)


def docx_text(path: Path, data: bytes, *, max_unzipped_bytes: int) -> str:
    """The text of a .docx, one line per paragraph or table row; raises ``InputError``."""
    _check_docx_container(path, data, max_unzipped_bytes)

    import docx

    try:
        document = docx.Document(BytesIO(data))
        structure = DocxStructure.of(document)
        lines: list[_DocxLine] = []
        _collect_blocks(document.element.body, lines, structure)
    except Exception as exc:  # python-docx/lxml/zipfile raise many types for a bad file
        raise refuse(
            path,
            f"{path}：Word 文档已损坏或格式不正确，无法读取。"
            "请用 Word/WPS 打开后另存为 .docx 再导入。",
        ) from exc
    return "\n".join(_number_style_headings(lines))


@dataclass
class _DocxLine:
    """One line of text; ``outline`` is set for a heading by style that shows no number."""

    text: str
    outline: int | None = None
    title: bool = False




def _number_style_headings(lines: list[_DocxLine]) -> list[str]:
    """Give headings marked only by style (Heading 1–4) the 公文 number of their level.

    The shallowest outline level in use becomes 一、, the next （一）, then 1. and （1）,
    so the segmenter sees the same heading tree the reader saw in Word's navigation pane.
    A title-like heading standing first is the document's title, not a heading.
    """
    headings = [
        i
        for i, line in enumerate(lines)
        if line.outline is not None
        and not line.title
        and not (i == 0 and _TITLE_WORDS.search(line.text))
    ]
    if not headings:
        return [line.text for line in lines]
    base = min(lines[i].outline or 0 for i in headings)
    counters = [0] * 5
    out = [line.text for line in lines]
    for i in headings:
        level = (lines[i].outline or 0) - base + 1
        if level > 4:
            continue
        counters[level] += 1
        for deeper in range(level + 1, 5):
            counters[deeper] = 0
        out[i] = join_marker(heading_marker(level, counters[level]), lines[i].text)
    return out


def _check_docx_container(path: Path, data: bytes, max_unzipped_bytes: int) -> None:
    """Refuse what python-docx should never open: non-zip, encrypted, zip bombs, non-Word."""
    if data.startswith(MAGIC_OLE):
        # An Office file with an open password is an OLE container holding "EncryptedPackage".
        if "EncryptedPackage".encode("utf-16-le") in data:
            message = (
                f"{path}：Word 文档设置了打开密码（已加密），无法读取。"
                "请在 Word/WPS 中取消密码后另存为 .docx 再导入。"
            )
        else:
            message = f"{path}：{OLE_HINT}，只是扩展名写成了 .docx。{WORD_SAVE_AS}。"
        raise refuse(path, message)
    if data.startswith(MAGIC_PDF):
        raise refuse(path, f"{path}：这实际上是 PDF 文件。请把扩展名改为 .pdf 后再导入。")

    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError) as exc:
        raise refuse(path, f"{path}：{_DOCX_INVALID}。") from exc

    declared = sum(member.file_size for member in members)
    too_compressed = any(
        member.file_size > _RATIO_CHECK_MIN_BYTES
        and member.file_size > _MAX_COMPRESSION_RATIO * max(member.compress_size, 1)
        for member in members
    )
    if len(members) > _MAX_ZIP_MEMBERS:
        raise refuse(
            path,
            f"{path}：文件内部有 {len(members)} 个部件（上限 {_MAX_ZIP_MEMBERS}），"
            "不像是正常的 Word 文档，可能已损坏或是恶意构造的文件，已拒绝读取。"
            "如果这是正常文档，请在 Word/WPS 中另存为 .docx 再导入。",
        )
    if declared > max_unzipped_bytes or too_compressed:
        unpacked, limit = format_mb(declared, max_unzipped_bytes)
        raise refuse(
            path,
            f"{path}：文件解压后异常庞大（约 {unpacked}，上限 {limit}）或压缩比异常，"
            "可能已损坏或是恶意构造的文件，已拒绝读取。"
            "如果这是正常文档，请在 Word/WPS 中删除大图片或拆分后另存为 .docx 再导入。",
        )

    names = {member.filename for member in members}
    if "xl/workbook.xml" in names:
        raise refuse(
            path,
            f"{path}：这是 Excel 表格文件，不是 Word 文档。"
            "请提供工作总结正文的 Word（.docx）、PDF 或文本版本。",
        )
    if "ppt/presentation.xml" in names:
        raise refuse(
            path,
            f"{path}：这是 PowerPoint 演示文稿，不是 Word 文档。"
            "请把文字复制到 Word 或文本文件后再导入。",
        )
    if "[Content_Types].xml" not in names:
        raise refuse(path, f"{path}：{_DOCX_INVALID}。")


def _collect_blocks(container: Any, lines: list[_DocxLine], structure: DocxStructure) -> None:
    """Body-level content in document order: paragraphs one per line, table rows one per line.

    A paragraph numbered by Word (numbering.xml) gets its number as Word shows it.
    """
    for child in container:
        tag = child.tag
        if tag == _W_P:
            line = _paragraph_line(child, structure)
            if line.text.strip():
                lines.append(line)
        elif tag == _W_TBL:
            for cells in _table_rows(child, structure):
                if any(cell.strip() for cell in cells):
                    lines.append(_DocxLine("\t".join(cells)))
        elif tag == _W_SDT:
            content = child.find(_W_SDT_CONTENT)
            if content is not None:
                _collect_blocks(content, lines, structure)
        elif tag == _W_CUSTOM_XML:
            _collect_blocks(child, lines, structure)


def _paragraph_line(paragraph: Any, structure: DocxStructure) -> _DocxLine:
    text = _paragraph_text(paragraph)
    ppr = paragraph.find(_W_PPR)
    style_id = num_id = None
    ilvl = outline = None
    if ppr is not None:
        style = ppr.find(_W_PSTYLE)
        style_id = style.get(_W_VAL) if style is not None else None
        num_pr = ppr.find(_W_NUMPR)
        if num_pr is not None:
            num = num_pr.find(_W_NUMID)
            level = num_pr.find(_W_ILVL)
            num_id = num.get(_W_VAL) if num is not None else None
            ilvl = _int_or_none(level.get(_W_VAL)) if level is not None else None
        outline_el = ppr.find(_W_OUTLINE)
        if outline_el is not None:
            outline = _int_or_none(outline_el.get(_W_VAL))
    marker, suffix = structure.marker(style_id, num_id, ilvl)
    if marker:
        return _DocxLine(join_marker(marker, text, suffix=suffix))
    level_of = structure.outline_level(style_id, outline)
    numbered = level_of is not None and not has_marker(text)
    return _DocxLine(
        text, outline=level_of if numbered else None, title=structure.is_title(style_id)
    )


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _table_rows(table: Any, structure: DocxStructure) -> Iterator[list[str]]:
    for row in _children(table, _W_TR):
        # Each w:tc once: a horizontally merged cell is one w:tc; the continuation of a
        # vertically merged cell is an empty w:tc.
        yield [_cell_text(cell, structure) for cell in _children(row, _W_TC)]


def _children(element: Any, tag: str) -> Iterator[Any]:
    """Children with ``tag``, looking through content controls and custom XML wrappers."""
    for child in element:
        if child.tag == tag:
            yield child
        elif child.tag == _W_SDT:
            content = child.find(_W_SDT_CONTENT)
            if content is not None:
                yield from _children(content, tag)
        elif child.tag == _W_CUSTOM_XML:
            yield from _children(child, tag)


def _cell_text(cell: Any, structure: DocxStructure) -> str:
    """A cell on one line: its paragraphs (and nested tables) joined by spaces."""
    lines: list[_DocxLine] = []
    _collect_blocks(cell, lines, structure)
    return " ".join(" ".join(line.text.split()) for line in lines)


def _paragraph_text(paragraph: Any) -> str:
    parts: list[str] = []
    _collect_run_text(paragraph, parts)
    return "".join(parts)


def _collect_run_text(element: Any, parts: list[str]) -> None:
    for child in element:
        tag = child.tag
        if not isinstance(tag, str) or tag in _W_SKIP:
            continue  # comments / processing instructions have non-str tags
        if tag == _W_T:
            parts.append(child.text or "")
        elif tag in (_W_TAB, _W_PTAB):
            parts.append("\t")
        elif tag == _W_BR:
            if child.get(f"{_W}type") in (None, "textWrapping"):
                parts.append("\n")
        elif tag == _W_CR:
            parts.append("\n")
        elif tag == _W_NO_BREAK_HYPHEN:
            parts.append("-")
        elif tag == _MC_ALTERNATE:
            choice = child.find(_MC_CHOICE)
            if choice is not None:
                _collect_run_text(choice, parts)
        else:
            # w:r, w:hyperlink, w:ins, w:moveTo, w:smartTag, w:fldSimple, inline w:sdt, ...
            _collect_run_text(child, parts)
