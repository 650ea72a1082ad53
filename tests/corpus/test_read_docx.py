"""Reading Word summaries: numbers Word draws (auto-numbering) and headings by style survive."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import docx
import pytest
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls

from drafter.corpus.clean import clean_text
from drafter.corpus.docx_numbering import format_number
from drafter.corpus.read import read_document
from drafter.corpus.segment import parse_document

TITLE = "示例县科学技术局2024年工作总结及2025年工作打算"


def add_list(document: Any, abstract_id: int, levels: list[tuple[str, str]]) -> None:
    """An abstract numbering definition: one (numFmt, lvlText) per level."""
    lvls = "".join(
        f'<w:lvl w:ilvl="{i}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/>'
        f'<w:lvlText w:val="{text}"/><w:suff w:val="nothing"/></w:lvl>'
        for i, (fmt, text) in enumerate(levels)
    )
    numbering = document.part.numbering_part.element
    abstract = parse_xml(
        f'<w:abstractNum {nsdecls("w")} w:abstractNumId="{abstract_id}">{lvls}</w:abstractNum>'
    )
    first_num = numbering.find(f"{{{numbering.nsmap['w']}}}num")
    if first_num is not None:
        first_num.addprevious(abstract)
    else:
        numbering.append(abstract)


def add_num(document: Any, num_id: int, abstract_id: int, restart: bool = False) -> None:
    override = (
        '<w:lvlOverride w:ilvl="0"><w:startOverride w:val="1"/></w:lvlOverride>' if restart else ""
    )
    document.part.numbering_part.element.append(
        parse_xml(
            f'<w:num {nsdecls("w")} w:numId="{num_id}">'
            f'<w:abstractNumId w:val="{abstract_id}"/>{override}</w:num>'
        )
    )


def numbered(document: Any, text: str, num_id: int, ilvl: int, style: str | None = None) -> None:
    paragraph = document.add_paragraph(text, style=style)
    paragraph._p.get_or_add_pPr().append(
        parse_xml(
            f'<w:numPr {nsdecls("w")}><w:ilvl w:val="{ilvl}"/><w:numId w:val="{num_id}"/></w:numPr>'
        )
    )


GB_LEVELS = [
    ("chineseCounting", "%1、"),
    ("chineseCounting", "（%2）"),
    ("decimal", "%3."),
    ("decimal", "（%4）"),
]

BODY = "全年新认定高新技术企业11家，比上年增长20.0%。"


def save(document: Any, tmp_path: Path, name: str = "summary.docx") -> Path:
    path = tmp_path / name
    document.save(str(path))
    return path


def tree(text: str) -> list[tuple[int, str, list[str]]]:
    """(level, heading, paragraphs) of every section, depth first."""
    out: list[tuple[int, str, list[str]]] = []

    def walk(sections: list[Any]) -> None:
        for s in sections:
            out.append((s.level, s.heading, list(s.paragraphs)))
            walk(s.children)

    walk(parse_document(clean_text(text)).sections)
    return out


# ------------------------------------------------------------------ auto-numbering


def test_auto_numbered_headings_get_their_numbers_back(tmp_path: Path) -> None:
    document = docx.Document()
    add_list(document, 90, GB_LEVELS)
    add_num(document, 90, 90)
    document.add_paragraph(TITLE)
    document.add_paragraph("2024年，县科技局坚持创新驱动。")
    numbered(document, "2024年主要工作及成效", 90, 0)
    numbered(document, "实施梯次培育，创新主体队伍不断壮大", 90, 1)
    document.add_paragraph(BODY)
    numbered(document, "省级平台实现新突破", 90, 2)
    numbered(document, "工程技术研究中心", 90, 3)
    numbered(document, "市级平台数量稳步增加", 90, 2)
    numbered(document, "突出项目带动", 90, 1)
    numbered(document, "存在的问题和不足", 90, 0)
    numbered(document, "企业创新投入不均衡", 90, 1)

    text = read_document(save(document, tmp_path)).text

    assert text.splitlines() == [
        TITLE,
        "2024年，县科技局坚持创新驱动。",
        "一、2024年主要工作及成效",
        "（一）实施梯次培育，创新主体队伍不断壮大",
        BODY,
        "1.省级平台实现新突破",
        "（1）工程技术研究中心",
        "2.市级平台数量稳步增加",
        "（二）突出项目带动",
        "二、存在的问题和不足",
        "（一）企业创新投入不均衡",
    ]
    assert [(level, heading) for level, heading, _ in tree(text)] == [
        (0, ""),
        (1, "一、2024年主要工作及成效"),
        (2, "（一）实施梯次培育，创新主体队伍不断壮大"),
        (3, "1.省级平台实现新突破"),
        (4, "（1）工程技术研究中心"),
        (3, "2.市级平台数量稳步增加"),
        (2, "（二）突出项目带动"),
        (1, "二、存在的问题和不足"),
        (2, "（一）企业创新投入不均衡"),
    ]


def test_numbering_inherited_from_a_heading_style_is_rendered(tmp_path: Path) -> None:
    document = docx.Document()
    add_list(document, 91, GB_LEVELS)
    add_num(document, 91, 91)
    for level in (1, 2):
        ppr = document.styles[f"Heading {level}"].element.get_or_add_pPr()
        ppr.append(
            parse_xml(
                f'<w:numPr {nsdecls("w")}><w:ilvl w:val="{level - 1}"/>'
                '<w:numId w:val="91"/></w:numPr>'
            )
        )
    document.add_paragraph(TITLE, style="Title")
    document.add_paragraph("主要工作", style="Heading 1")
    document.add_paragraph("企业培育", style="Heading 2")
    document.add_paragraph(BODY)
    document.add_paragraph("工作打算", style="Heading 1")

    lines = read_document(save(document, tmp_path)).text.splitlines()

    assert lines == [TITLE, "一、主要工作", "（一）企业培育", BODY, "二、工作打算"]


def test_a_second_list_on_the_same_definition_continues_unless_restarted(tmp_path: Path) -> None:
    document = docx.Document()
    add_list(document, 92, GB_LEVELS)
    add_num(document, 92, 92)
    add_num(document, 93, 92)  # same definition: numbering continues
    add_num(document, 94, 92, restart=True)  # "restart numbering"
    numbered(document, "甲", 92, 0)
    numbered(document, "乙", 93, 0)
    numbered(document, "丙", 94, 0)

    lines = read_document(save(document, tmp_path)).text.splitlines()

    assert lines == ["一、甲", "二、乙", "一、丙"]


def test_bullets_add_no_marker(tmp_path: Path) -> None:
    document = docx.Document()
    add_list(document, 95, [("bullet", "\uf0b7")])
    add_num(document, 95, 95)
    numbered(document, "加强科普阵地建设。", 95, 0)

    assert read_document(save(document, tmp_path)).text == "加强科普阵地建设。"


@pytest.mark.parametrize(
    ("n", "fmt", "shown"),
    [
        (1, "chineseCounting", "一"),
        (10, "chineseCounting", "十"),
        (12, "chineseCounting", "十二"),
        (20, "chineseCounting", "二十"),
        (21, "chineseCountingThousand", "二十一"),
        (105, "chineseCounting", "一百零五"),
        (3, "chineseLegalSimplified", "叁"),
        (3, "ideographTraditional", "丙"),
        (2, "decimalEnclosedCircle", "②"),
        (12, "decimal", "12"),
        (4, "decimalFullWidth", "４"),
        (4, "lowerRoman", "iv"),
        (28, "upperLetter", "BB"),
    ],
)
def test_word_number_formats(n: int, fmt: str, shown: str) -> None:
    assert format_number(n, fmt) == shown


# ------------------------------------------------------------------ headings by style only


def test_headings_marked_only_by_style_get_gb_numbers_by_level(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph(TITLE, style="Heading 1")  # a title set as 标题 1 stays the title
    document.add_paragraph("2024年，县科技局坚持创新驱动。")
    document.add_paragraph("主要工作及成效", style="Heading 1")
    document.add_paragraph("企业培育", style="Heading 2")
    document.add_paragraph(BODY)
    document.add_paragraph("平台建设", style="Heading 2")
    document.add_paragraph("省级平台", style="Heading 3")
    document.add_paragraph("存在问题", style="Heading 1")
    document.add_paragraph("三、已有编号的标题不再加号", style="Heading 1")

    lines = read_document(save(document, tmp_path)).text.splitlines()

    assert lines == [
        TITLE,
        "2024年，县科技局坚持创新驱动。",
        "一、主要工作及成效",
        "（一）企业培育",
        BODY,
        "（二）平台建设",
        "1. 省级平台",
        "二、存在问题",
        "三、已有编号的标题不再加号",
    ]


def test_tables_are_kept_as_text_rows(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph(TITLE)
    table = document.add_table(rows=2, cols=3)
    for row, values in zip(
        table.rows, (("指标", "2024年", "同比"), ("专利申请", "586件", "12.5%")), strict=True
    ):
        for cell, value in zip(row.cells, values, strict=True):
            cell.text = value

    lines = read_document(save(document, tmp_path)).text.splitlines()

    assert lines == [TITLE, "指标\t2024年\t同比", "专利申请\t586件\t12.5%"]
