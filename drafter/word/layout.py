"""GB/T 9704-2012 page layout for Word: page, grid, styles, fonts, page numbers, signature.

This module knows nothing about sessions: it lays out an :class:`OfficialDocument` (a
title, headings and paragraphs, the issuing bureau and the date) as a python-docx
``Document``. drafter.word.export builds the ``OfficialDocument`` from a session or a text.

Why the XML is touched directly in places: python-docx's ``font.name`` does not write
``w:eastAsia`` (Chinese text would silently fall back to another font), its default
template uses theme fonts that override named ones, and it has no API for the document
grid (22 lines × 28 characters) or for PAGE fields.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from io import BytesIO
from typing import Any, Literal

from docx.oxml import OxmlElement
from docx.oxml.ns import qn

__all__ = [
    "BODY_PT",
    "BOTTOM_MM",
    "CHARS_PER_LINE",
    "CHAR_SPACING",
    "FOOTER_MM",
    "LEFT_MM",
    "LINES_PER_PAGE",
    "LINE_PITCH_TWIPS",
    "PAGE_HEIGHT_MM",
    "PAGE_NUMBER_PT",
    "PAGE_WIDTH_MM",
    "RIGHT_MM",
    "TITLE_PT",
    "TOP_MM",
    "Block",
    "Fonts",
    "OfficialDocument",
    "build_document",
    "document_bytes",
    "signature_indents",
]

# --- GB/T 9704-2012 numbers -----------------------------------------------------------------

PAGE_WIDTH_MM, PAGE_HEIGHT_MM = 210, 297  # A4
TOP_MM, LEFT_MM = 37, 28  # 天头, 订口
TEXT_WIDTH_MM, TEXT_HEIGHT_MM = 156, 225  # 版心
RIGHT_MM = PAGE_WIDTH_MM - LEFT_MM - TEXT_WIDTH_MM  # 26
BOTTOM_MM = PAGE_HEIGHT_MM - TOP_MM - TEXT_HEIGHT_MM  # 35
LINES_PER_PAGE, CHARS_PER_LINE = 22, 28
BODY_PT, TITLE_PT, PAGE_NUMBER_PT = 16, 22, 14  # 3号, 2号, 4号
# The page number's dash line sits 7 mm below the text block; a 4号 line is about 6 mm
# high and Word measures the footer distance to its bottom edge.
FOOTER_MM = BOTTOM_MM - 7 - 3

_TWIPS_PER_MM = 1440 / 25.4
# 225 mm / 22 lines = 28.95 pt: the fixed line pitch that puts exactly 22 lines on a page.
LINE_PITCH_TWIPS = int(TEXT_HEIGHT_MM * _TWIPS_PER_MM / LINES_PER_PAGE)  # 579
# 28 characters of 16 pt (448 pt) are wider than the 156 mm (442.2 pt) text block, so
# each character is condensed by a quarter point (w:spacing, in twentieths of a point).
# Word's character grid (docGrid charSpace) would do the same, but LibreOffice and WPS
# render a character grid with huge gaps; the line grid alone is read the same everywhere.
CHAR_SPACING = math.floor((TEXT_WIDTH_MM * 72 / 25.4 / CHARS_PER_LINE - BODY_PT) * 20)  # -5
_CHAR_TWIPS = BODY_PT * 20  # one body character
_INDENT_CHARS = 2  # first-line indent, and the signature's right margin

_THEME_FONT_ATTRS = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")
_FONT_ATTRS = ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs")


@dataclass(frozen=True)
class Fonts:
    """Font names per role; machines without the GB fonts configure substitutes."""

    body: str = "仿宋_GB2312"
    title: str = "方正小标宋简体"
    heading1: str = "黑体"
    heading2: str = "楷体_GB2312"
    page_number: str = "宋体"

    def for_heading(self, level: int) -> str:
        """一、 黑体; （一） 楷体; 1. and （1） the body's 仿宋."""
        return {1: self.heading1, 2: self.heading2}.get(level, self.body)


@dataclass
class Block:
    """One paragraph of the body.

    A "heading" block is a heading line of ``level`` 1–4. A "paragraph" may open with a
    run-in heading ``lead`` (a prefix of ``text``, e.g. "1. 省级平台实现新突破。") set in
    the font of heading ``level``. ``comments`` become Word comments in a review copy.
    """

    kind: Literal["heading", "paragraph"]
    text: str
    level: int = 0
    lead: str = ""
    comments: list[str] = field(default_factory=list)


@dataclass
class OfficialDocument:
    """A 公文 body: title, blocks, and the 落款 (issuing bureau and date)."""

    title: str
    blocks: list[Block] = field(default_factory=list)
    bureau: str = ""
    date: str = ""

    def paragraphs(self) -> list[str]:
        """Every paragraph's text in order, as a reader of the .docx sees it."""
        tail = [t for t in (self.bureau, self.date) if t]
        return [self.title, *(b.text for b in self.blocks), *tail]


# --- building ---------------------------------------------------------------------------------


def build_document(
    doc: OfficialDocument,
    fonts: Fonts,
    *,
    with_comments: bool = False,
    author: str = "drafter",
) -> Any:
    """A python-docx ``Document`` in the GB/T 9704 layout; comments only if asked."""
    import docx

    document = docx.Document()
    _setup_page(document)
    _setup_styles(document, fonts)
    _setup_page_numbers(document, fonts)

    title = document.add_paragraph(style=_TITLE_STYLE)
    _set_justification(title._p.get_or_add_pPr(), "center")
    _add_run(title, doc.title, fonts.title, TITLE_PT)
    for block in doc.blocks:
        runs = _add_block(document, block, fonts)
        if with_comments:
            for text in block.comments:
                document.add_comment(runs, text=text, author=author, initials="DR")
    if doc.bureau or doc.date:
        _add_signature(document, doc.bureau, doc.date, fonts)
    return document


def document_bytes(document: Any) -> bytes:
    """The saved .docx as bytes (for an atomic write)."""
    buffer = BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _add_block(document: Any, block: Block, fonts: Fonts) -> list[Any]:
    if block.kind == "heading":
        level = min(max(block.level, 1), 4)
        paragraph = document.add_paragraph(style=f"Heading {level}")
        return [_add_run(paragraph, block.text, fonts.for_heading(level), BODY_PT)]
    paragraph = document.add_paragraph(style="Normal")
    runs = []
    lead = block.lead if block.lead and block.text.startswith(block.lead) else ""
    if lead:
        runs.append(_add_run(paragraph, lead, fonts.for_heading(block.level), BODY_PT))
    rest = block.text[len(lead) :]
    if rest or not runs:
        runs.append(_add_run(paragraph, rest, fonts.body, BODY_PT))
    return runs


def _add_run(paragraph: Any, text: str, font: str, size_pt: float) -> Any:
    """A run with its font set for every script (eastAsia included) and its size."""
    run = paragraph.add_run(text)
    rpr = run._r.get_or_add_rPr()
    _set_fonts(rpr, font)
    _set_size(rpr, size_pt)
    if size_pt == BODY_PT:
        _set_char_spacing(rpr)
    return run


# --- signature (落款) -------------------------------------------------------------------------


def _text_width(text: str) -> float:
    """Width in body characters: ASCII (the date's Arabic numerals) is half width, and
    Word and LibreOffice put a quarter character between Chinese and Latin text."""
    width = sum(0.5 if ch.isascii() else 1.0 for ch in text)
    return width + 0.25 * sum(1 for a, b in itertools.pairwise(text) if a.isascii() != b.isascii())


def signature_indents(bureau: str, date: str) -> tuple[float, float]:
    """Right indents (in characters) of the bureau line and the date line.

    GB/T 9704 (no seal): the bureau sits 2 characters from the right; the date starts
    2 characters right of the bureau's first character, and when that would bring it
    closer than 2 characters to the right edge, both move left so the date keeps 2.
    """
    w_bureau, w_date = _text_width(bureau), _text_width(date)
    if not bureau:
        return 0.0, float(_INDENT_CHARS)
    if not date:
        return float(_INDENT_CHARS), 0.0
    date_right = max(float(_INDENT_CHARS), w_bureau - w_date)
    bureau_right = date_right + w_date + _INDENT_CHARS - w_bureau
    return bureau_right, date_right


def _add_signature(document: Any, bureau: str, date: str, fonts: Fonts) -> None:
    bureau_right, date_right = signature_indents(bureau, date)
    first = True
    for text, right in ((bureau, bureau_right), (date, date_right)):
        if not text:
            continue
        paragraph = document.add_paragraph(style=_SIGNATURE_STYLE)
        ppr = paragraph._p.get_or_add_pPr()
        _set_justification(ppr, "right")
        _set_indent(ppr, right=round(right * _CHAR_TWIPS))
        if first:  # "正文下空一行": one blank line above the signature
            _set_spacing(ppr, before=LINE_PITCH_TWIPS)
            first = False
        _add_run(paragraph, text, fonts.body, BODY_PT)


# --- page, grid, page numbers -----------------------------------------------------------------


def _setup_page(document: Any) -> None:
    from docx.shared import Mm

    section = document.sections[0]
    section.page_width, section.page_height = Mm(PAGE_WIDTH_MM), Mm(PAGE_HEIGHT_MM)
    section.top_margin, section.bottom_margin = Mm(TOP_MM), Mm(BOTTOM_MM)
    section.left_margin, section.right_margin = Mm(LEFT_MM), Mm(RIGHT_MM)
    section.gutter = Mm(0)
    section.header_distance = Mm(15)
    section.footer_distance = Mm(FOOTER_MM)
    grid = section._sectPr.find(qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        section._sectPr.append(grid)
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), str(LINE_PITCH_TWIPS))
    grid.attrib.pop(qn("w:charSpace"), None)


def _setup_page_numbers(document: Any, fonts: Fonts) -> None:
    """ "— N —" in 4号 宋体: odd pages right, even pages left, one character from the edge."""
    document.settings.odd_and_even_pages_header_footer = True
    section = document.sections[0]
    section.different_first_page_header_footer = False
    edge = PAGE_NUMBER_PT * 20  # one 4号 character, in twips
    for footer, side in ((section.footer, "right"), (section.even_page_footer, "left")):
        footer.is_linked_to_previous = False
        paragraph = footer.paragraphs[0] if footer.paragraphs else footer.add_paragraph()
        ppr = paragraph._p.get_or_add_pPr()
        _set_justification(ppr, side)
        _set_indent(ppr, **{side: edge}, first_line=0, first_line_chars=0)
        _set_spacing(ppr, before=0, after=0, line=240, rule="auto")
        _add_run(paragraph, "— ", fonts.page_number, PAGE_NUMBER_PT)
        _add_page_field(paragraph, fonts)
        _add_run(paragraph, " —", fonts.page_number, PAGE_NUMBER_PT)


def _add_page_field(paragraph: Any, fonts: Fonts) -> None:
    """A complex PAGE field (begin, instruction, separate, shown value, end)."""

    def field_run(
        kind: str | None = None, instr: str | None = None, text: str | None = None
    ) -> None:
        run = _add_run(paragraph, "", fonts.page_number, PAGE_NUMBER_PT)
        if kind is not None:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run._r.append(char)
        if instr is not None:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = instr
            run._r.append(element)
        if text is not None:
            run.text = text

    field_run(kind="begin")
    field_run(instr=" PAGE ")
    field_run(kind="separate")
    field_run(text="1")
    field_run(kind="end")


# --- styles ------------------------------------------------------------------------------------

_TITLE_STYLE = "GB Title"
_SIGNATURE_STYLE = "GB Signature"


def _setup_styles(document: Any, fonts: Fonts) -> None:
    """Body defaults, headings per level, title and signature styles; no theme fonts left."""
    from docx.enum.style import WD_STYLE_TYPE

    styles = document.styles
    root = styles.element
    for rfonts in root.iter(qn("w:rFonts")):  # theme fonts override named ones: drop them
        for attr in _THEME_FONT_ATTRS:
            rfonts.attrib.pop(qn(attr), None)
    _set_doc_defaults(root, fonts)
    _set_theme_language(document)

    normal = styles["Normal"].element
    ppr = normal.get_or_add_pPr()
    _set_justification(ppr, "both")
    # Word's default, written out because LibreOffice 7.4 reads this flag inverted: without
    # it LibreOffice hangs a line-end comma in the margin and the PDF loses it.
    _child(ppr, "overflowPunct", _PPR_ORDER).set(qn("w:val"), "1")
    _set_spacing(ppr, before=0, after=0, line=LINE_PITCH_TWIPS, rule="exact")
    _set_indent(ppr, first_line=_INDENT_CHARS * _CHAR_TWIPS, first_line_chars=_INDENT_CHARS * 100)
    _style_fonts(normal, fonts.body, BODY_PT)

    for level in (1, 2, 3, 4):
        style = styles[f"Heading {level}"].element
        _style_fonts(style, fonts.for_heading(level), BODY_PT, plain=True)
        hppr = style.get_or_add_pPr()
        _set_spacing(hppr, before=0, after=0, line=LINE_PITCH_TWIPS, rule="exact")

    title = styles.add_style(_TITLE_STYLE, WD_STYLE_TYPE.PARAGRAPH)
    title.base_style = styles["Normal"]
    title.element.get_or_add_pPr()
    tppr = title.element.pPr
    _set_justification(tppr, "center")
    # "标题下空一行": one grid line after the title instead of an empty paragraph.
    _set_spacing(tppr, before=0, after=LINE_PITCH_TWIPS, line=LINE_PITCH_TWIPS, rule="exact")
    _set_indent(tppr, first_line=0, first_line_chars=0)
    _style_fonts(title.element, fonts.title, TITLE_PT)

    signature = styles.add_style(_SIGNATURE_STYLE, WD_STYLE_TYPE.PARAGRAPH)
    signature.base_style = styles["Normal"]
    sppr = signature.element.get_or_add_pPr()
    _set_justification(sppr, "right")
    _set_indent(sppr, first_line=0, first_line_chars=0)
    _style_fonts(signature.element, fonts.body, BODY_PT)

    footer = styles["Footer"].element
    _style_fonts(footer, fonts.page_number, PAGE_NUMBER_PT)


def _set_doc_defaults(styles_root: Any, fonts: Fonts) -> None:
    defaults = styles_root.find(qn("w:docDefaults"))
    rpr = defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}")
    _set_fonts(rpr, fonts.body)
    _set_size(rpr, BODY_PT)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")
    ppr = defaults.find(f"{qn('w:pPrDefault')}/{qn('w:pPr')}")
    _set_spacing(ppr, before=0, after=0, line=LINE_PITCH_TWIPS, rule="exact")


def _set_theme_language(document: Any) -> None:
    lang = document.settings.element.find(qn("w:themeFontLang"))
    if lang is not None:
        lang.set(qn("w:eastAsia"), "zh-CN")


def _style_fonts(style: Any, font: str, size_pt: float, *, plain: bool = False) -> None:
    """A style's fonts and size; ``plain`` removes the template's bold, italic and colour."""
    rpr = style.get_or_add_rPr()
    _set_fonts(rpr, font)
    _set_size(rpr, size_pt)
    if size_pt == BODY_PT:
        _set_char_spacing(rpr)
    if plain:
        for tag in ("w:b", "w:bCs", "w:i", "w:iCs", "w:color"):
            for found in rpr.findall(qn(tag)):
                rpr.remove(found)


# --- XML helpers ---------------------------------------------------------------------------------


def _names(text: str) -> list[str]:
    return text.split()


# Children of w:rPr / w:pPr must appear in schema order; Word rejects files otherwise.
_RPR_ORDER = _names(
    "rStyle rFonts b bCs i iCs caps smallCaps strike dstrike outline shadow emboss imprint "
    "noProof snapToGrid vanish webHidden color spacing w kern position sz szCs highlight u "
    "effect bdr shd fitText vertAlign rtl cs em lang eastAsianLayout specVanish oMath"
)
_PPR_ORDER = _names(
    "pStyle keepNext keepLines pageBreakBefore framePr widowControl numPr suppressLineNumbers "
    "pBdr shd tabs suppressAutoHyphens kinsoku wordWrap overflowPunct topLinePunct autoSpaceDE "
    "autoSpaceDN bidi adjustRightInd snapToGrid spacing ind contextualSpacing mirrorIndents "
    "suppressOverlap jc textDirection textAlignment textboxTightWrap outlineLvl divId cnfStyle "
    "rPr sectPr pPrChange"
)


def _child(parent: Any, tag: str, order: list[str]) -> Any:
    """The ``w:tag`` child of ``parent``, created at its schema position if missing."""
    found = parent.find(qn(f"w:{tag}"))
    if found is not None:
        return found
    element = OxmlElement(f"w:{tag}")
    rank = order.index(tag)
    for i, existing in enumerate(parent):
        name = existing.tag.rsplit("}", 1)[-1]
        if name in order and order.index(name) > rank:
            parent.insert(i, element)
            return element
    parent.append(element)
    return element


def _set_fonts(rpr: Any, font: str) -> None:
    rfonts = _child(rpr, "rFonts", _RPR_ORDER)
    for attr in _THEME_FONT_ATTRS:
        rfonts.attrib.pop(qn(attr), None)
    for attr in _FONT_ATTRS:
        rfonts.set(qn(attr), font)
    rfonts.set(qn("w:hint"), "eastAsia")


def _set_size(rpr: Any, size_pt: float) -> None:
    half_points = str(round(size_pt * 2))
    _child(rpr, "sz", _RPR_ORDER).set(qn("w:val"), half_points)
    _child(rpr, "szCs", _RPR_ORDER).set(qn("w:val"), half_points)


def _set_char_spacing(rpr: Any) -> None:
    """Condense each character so that 28 body characters fit one line."""
    _child(rpr, "spacing", _RPR_ORDER).set(qn("w:val"), str(CHAR_SPACING))


def _set_justification(ppr: Any, value: str) -> None:
    _child(ppr, "jc", _PPR_ORDER).set(qn("w:val"), value)


def _set_spacing(
    ppr: Any,
    *,
    before: int | None = None,
    after: int | None = None,
    line: int | None = None,
    rule: str | None = None,
) -> None:
    spacing = _child(ppr, "spacing", _PPR_ORDER)
    for attr, value in (("before", before), ("after", after), ("line", line), ("lineRule", rule)):
        if value is not None:
            spacing.set(qn(f"w:{attr}"), str(value))


def _set_indent(
    ppr: Any,
    *,
    left: int | None = None,
    right: int | None = None,
    first_line: int | None = None,
    first_line_chars: int | None = None,
) -> None:
    ind = _child(ppr, "ind", _PPR_ORDER)
    for attr, value in (
        ("left", left),
        ("right", right),
        ("firstLine", first_line),
        ("firstLineChars", first_line_chars),
    ):
        if value is not None:
            ind.set(qn(f"w:{attr}"), str(value))
