"""Word export: GB/T 9704 layout, the same text as draft.md, review comments, round trip."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import docx
import pytest
from conftest import EXAMPLES, drafter_cli
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from drafter.corpus.clean import clean_text
from drafter.corpus.ingest import prepare_document
from drafter.corpus.read import read_document
from drafter.corpus.segment import parse_document
from drafter.drafting.records import Exemplar, Verification, Version
from drafter.models import DocMeta
from drafter.review.render import render_markdown
from drafter.review.session import SectionState, Session, SessionMeta
from drafter.settings import Settings
from drafter.word.export import (
    export_session,
    session_document,
    text_document,
    write_docx,
    write_outputs,
)
from drafter.word.layout import CHAR_SPACING, LINE_PITCH_TWIPS, Fonts

DATE = "2026年11月23日"
UNMATCHED = "“64家”在数据表中找不到对应数字（已考虑单位换算和四舍五入）"
FALLBACK_FLAG = "模型多次违反数字规则，本节改用程序按数据生成的段落，请人工润色。"


def meta() -> SessionMeta:
    return SessionMeta(
        title="示例县科学技术局2025年工作总结及2026年工作打算",
        bureau="示例县科学技术局",
        year=2025,
        figures_path="examples/figures-2025.yaml",
        figures_sha256="ab" * 32,
        outline="annual",
    )


def exemplar(source: str, heading_path: str) -> Exemplar:
    return Exemplar(
        chunk_id="c1",
        doc_id="d1",
        source=f"/data/范文/{source}",
        heading_path=heading_path,
        kind="achievements",
        year=2024,
        score=0.03,
        text="全年新增高新技术企业X家。",
    )


def version(text: str, *, origin: str = "model", **verification: Any) -> Version:
    return Version(
        text=text,
        origin=origin,  # type: ignore[arg-type]
        exemplars=[exemplar("2024年工作总结.txt", "一、主要工作 > （一）企业培育")],
        verification=Verification.model_validate({"ok": True, "attempts": 1, **verification}),
    )


def sections() -> list[SectionState]:
    opening = SectionState(id="opening", level=0, kind="opening", order=0)
    opening.add_version(version("2025年，县科技局坚持创新驱动，各项工作取得新进展。"))
    container = SectionState(
        id="achievements", heading="一、2025年主要工作及成效", level=1, kind="achievements"
    )
    area = SectionState(
        id="area_enterprise",
        heading="（一）实施梯次培育，创新主体队伍不断壮大",
        level=2,
        kind="achievements",
    )
    area.add_version(
        version(
            "一是实行清单化培育，有效高新技术企业达到63家。\n"
            "1. 省级平台实现新突破。恒川精工机械有限公司获批省级工程技术研究中心64家。\n"
            "三是推动政策直达快享。",
            ok=False,
            flags=[UNMATCHED],
        )
    )
    platforms = SectionState(
        id="area_platform", heading="（二）推进平台提质", level=2, kind="achievements"
    )
    platforms.add_version(
        version(
            "全年新增市级以上科技创新平台6个。",
            origin="fallback",
            fallback=True,
            missing_slots=["F7"],
            flags=[FALLBACK_FLAG],
        )
    )
    pending = SectionState(id="area_ip", heading="（三）知识产权", level=2, kind="achievements")
    problems = SectionState(id="problems", heading="二、存在的问题和不足", level=1, kind="problems")
    problems.edit("一是部分指标完成不理想。二是企业创新投入不均衡。")
    return [opening, container, area, platforms, pending, problems]


@pytest.fixture
def session(tmp_path: Path) -> Session:
    return Session.create(tmp_path / "draft", meta(), sections())


@pytest.fixture
def exported(session: Session) -> tuple[Path, Path]:
    result = export_session(session, review=True, date=DATE)
    assert result.review is not None
    return result.path, result.review


# ------------------------------------------------------------------ helpers


def mm(length: Any) -> float:
    return float(length) / Mm(1)


def rfonts(run: Any) -> dict[str, str]:
    element = run._r.rPr.find(qn("w:rFonts"))
    return {k.split("}")[1]: v for k, v in element.attrib.items()}


def heading_runs(document: Any, style: str) -> list[Any]:
    return [r for p in document.paragraphs if p.style.name == style for r in p.runs if r.text]


def comment_count(path: Path) -> int:
    document = docx.Document(str(path))
    return len(list(document.comments))


def md_lines(markdown: str) -> list[str]:
    return [line.lstrip("#").strip() for line in markdown.splitlines() if line.strip()]


# ------------------------------------------------------------------ page layout


def test_the_page_is_a4_with_the_gb_margins_and_a_156_by_225_mm_text_block(
    exported: tuple[Path, Path],
) -> None:
    section = docx.Document(str(exported[0])).sections[0]
    assert mm(section.page_width) == pytest.approx(210, abs=0.1)
    assert mm(section.page_height) == pytest.approx(297, abs=0.1)
    assert mm(section.top_margin) == pytest.approx(37, abs=0.1)
    assert mm(section.left_margin) == pytest.approx(28, abs=0.1)
    text_width = section.page_width - section.left_margin - section.right_margin
    text_height = section.page_height - section.top_margin - section.bottom_margin
    assert mm(text_width) == pytest.approx(156, abs=0.1)
    assert mm(text_height) == pytest.approx(225, abs=0.1)


def test_22_lines_of_28_characters_at_a_fixed_line_pitch(exported: tuple[Path, Path]) -> None:
    document = docx.Document(str(exported[0]))
    section = document.sections[0]
    grid = section._sectPr.find(qn("w:docGrid"))
    assert grid.get(qn("w:type")) == "lines"
    assert int(grid.get(qn("w:linePitch"))) == LINE_PITCH_TWIPS
    body = document.styles["Normal"].paragraph_format
    assert body.line_spacing_rule == WD_LINE_SPACING.EXACTLY
    pitch = body.line_spacing
    assert pitch == Pt(LINE_PITCH_TWIPS / 20)
    height = section.page_height - section.top_margin - section.bottom_margin
    assert 22 * pitch <= height < 23 * pitch
    # Each 16 pt character is condensed (w:spacing) so that 28 fit the 156 mm line.
    char = Pt(16 + CHAR_SPACING / 20)
    width = section.page_width - section.left_margin - section.right_margin
    assert 28 * char <= width < 29 * char
    spacing = document.styles["Normal"].element.rPr.find(qn("w:spacing"))
    assert int(spacing.get(qn("w:val"))) == CHAR_SPACING


# ------------------------------------------------------------------ fonts


def test_body_is_3hao_fangsong_with_the_east_asian_font_written(
    exported: tuple[Path, Path],
) -> None:
    document = docx.Document(str(exported[0]))
    body = [p for p in document.paragraphs if p.style.name == "Normal"]
    assert body
    for paragraph in body:
        for run in paragraph.runs:
            if run.text and not run.text[:1].isdigit():
                assert rfonts(run)["eastAsia"] in ("仿宋_GB2312",), run.text
            assert run.font.size == Pt(16)
    normal = document.styles["Normal"]
    assert normal.element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "仿宋_GB2312"
    assert normal.font.size == Pt(16)
    # No theme font is left anywhere to override the named ones.
    for part in (document.styles.element, document.element):
        for element in part.iter(qn("w:rFonts")):
            assert not any("Theme" in key or "theme" in key for key in element.attrib), (
                element.attrib
            )


def test_title_is_2hao_xiaobiaosong_centred(exported: tuple[Path, Path]) -> None:
    document = docx.Document(str(exported[0]))
    title = document.paragraphs[0]
    assert title.text == meta().title
    assert title.style.name == "GB Title"
    assert title.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert title.style.paragraph_format.alignment == WD_ALIGN_PARAGRAPH.CENTER
    (run,) = title.runs
    assert run.font.size == Pt(22)
    assert rfonts(run)["eastAsia"] == "方正小标宋简体"


def test_headings_use_heiti_kaiti_and_fangsong_by_level(exported: tuple[Path, Path]) -> None:
    document = docx.Document(str(exported[0]))
    level1 = heading_runs(document, "Heading 1")
    level2 = heading_runs(document, "Heading 2")
    assert [r.text for r in level1] == ["一、2025年主要工作及成效", "二、存在的问题和不足"]
    assert {rfonts(r)["eastAsia"] for r in level1} == {"黑体"}
    assert len(level2) == 3
    assert {rfonts(r)["eastAsia"] for r in level2} == {"楷体_GB2312"}
    assert {r.font.size for r in level1 + level2} == {Pt(16)}
    assert not any(r.bold for r in level1 + level2)
    # A run-in "1." heading keeps the body's 仿宋.
    lead = next(r for p in document.paragraphs for r in p.runs if r.text.startswith("1. "))
    assert lead.text == "1. 省级平台实现新突破。"
    assert rfonts(lead)["eastAsia"] == "仿宋_GB2312"
    for style in (document.styles[f"Heading {n}"] for n in (1, 2, 3, 4)):
        assert style.element.rPr.find(qn("w:color")) is None
        assert style.font.size == Pt(16)


def test_body_paragraphs_are_indented_two_characters(exported: tuple[Path, Path]) -> None:
    document = docx.Document(str(exported[0]))
    ind = document.styles["Normal"].element.pPr.find(qn("w:ind"))
    assert ind.get(qn("w:firstLineChars")) == "200"
    assert document.styles["Normal"].paragraph_format.first_line_indent == Pt(32)
    for paragraph in document.paragraphs:
        if paragraph.style.name in ("Normal", "Heading 1", "Heading 2"):
            assert paragraph.paragraph_format.first_line_indent is None  # inherits 2 chars


def test_configured_fonts_replace_the_gb_fonts(session: Session, tmp_path: Path) -> None:
    fonts = Fonts(body="FangSong", title="SimSun", heading1="SimHei", heading2="KaiTi")
    path = export_session(session, out=tmp_path / "x.docx", date=DATE, fonts=fonts).path
    document = docx.Document(str(path))
    assert rfonts(document.paragraphs[0].runs[0])["eastAsia"] == "SimSun"
    assert {rfonts(r)["eastAsia"] for r in heading_runs(document, "Heading 1")} == {"SimHei"}
    assert {rfonts(r)["eastAsia"] for r in heading_runs(document, "Heading 2")} == {"KaiTi"}
    assert rfonts(document.paragraphs[1].runs[0])["eastAsia"] == "FangSong"


def test_font_settings_come_from_drafter_environment_variables(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DRAFTER_DOCX_FONT_BODY", "仿宋")
    monkeypatch.setenv("DRAFTER_DOCX_FONT_HEADING2", "楷体")
    settings = Settings()
    assert settings.docx_font_body == "仿宋"
    assert settings.docx_font_heading2 == "楷体"
    assert settings.docx_font_title == "方正小标宋简体"
    assert "GB" in (Settings.model_fields["docx_font_body"].description or "")


# ------------------------------------------------------------------ page numbers and signature


def test_page_numbers_are_page_fields_odd_right_even_left(exported: tuple[Path, Path]) -> None:
    document = docx.Document(str(exported[0]))
    assert document.settings.odd_and_even_pages_header_footer
    assert document.settings.element.find(qn("w:evenAndOddHeaders")) is not None
    section = document.sections[0]
    for footer, side in (
        (section.footer, WD_ALIGN_PARAGRAPH.RIGHT),
        (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT),
    ):
        (paragraph,) = footer.paragraphs
        assert paragraph.alignment == side
        instructions = [e.text for e in paragraph._p.iter(qn("w:instrText"))]
        assert [i.strip() for i in instructions] == ["PAGE"]
        kinds = [e.get(qn("w:fldCharType")) for e in paragraph._p.iter(qn("w:fldChar"))]
        assert kinds == ["begin", "separate", "end"]
        assert paragraph.text == "— 1 —"
        for run in paragraph.runs:
            assert run.font.size == Pt(14)
            assert rfonts(run)["eastAsia"] == "宋体"
    assert section.footer.paragraphs[0].paragraph_format.right_indent == Pt(14)
    assert section.even_page_footer.paragraphs[0].paragraph_format.left_indent == Pt(14)


def test_the_issuing_bureau_and_date_close_the_document(exported: tuple[Path, Path]) -> None:
    paragraphs = docx.Document(str(exported[0])).paragraphs
    bureau, date = paragraphs[-2], paragraphs[-1]
    assert (bureau.text, date.text) == ("示例县科学技术局", DATE)
    for p in (bureau, date):
        assert p.style.paragraph_format.alignment == WD_ALIGN_PARAGRAPH.RIGHT
    # The date starts two characters right of the bureau and keeps 2 characters to the edge.
    assert date.paragraph_format.right_indent >= Pt(32)
    assert bureau.paragraph_format.right_indent > date.paragraph_format.right_indent


# ------------------------------------------------------------------ text and comments


def test_the_word_text_is_exactly_draft_md_plus_the_signature(exported: tuple[Path, Path]) -> None:
    session = Session.open(exported[0].parent)
    markdown = render_markdown(session.meta, session.sections())
    for path in exported:
        paragraphs = [p.text for p in docx.Document(str(path)).paragraphs]
        assert paragraphs == [*md_lines(markdown), "示例县科学技术局", DATE]


def test_only_the_review_copy_has_comments(exported: tuple[Path, Path]) -> None:
    clean, review = exported
    assert review.name == "draft-review.docx"
    assert comment_count(clean) == 0
    assert b"commentReference" not in _document_xml(clean)
    assert comment_count(review) > 0


def test_review_comments_sit_on_the_flagged_paragraph_and_name_the_exemplars(
    exported: tuple[Path, Path],
) -> None:
    document = docx.Document(str(exported[1]))
    comments = {c.comment_id: c.text for c in document.comments}
    anchored: dict[str, list[str]] = {}
    for paragraph in document.paragraphs:
        for ref in paragraph._p.iter(qn("w:commentRangeStart")):
            anchored.setdefault(paragraph.text, []).append(comments[int(ref.get(qn("w:id")))])

    flagged = next(t for t in anchored if "64家" in t)
    assert any(UNMATCHED in c for c in anchored[flagged])
    # The first paragraph of that section has no number flag of its own.
    assert not any(UNMATCHED in c for t, cs in anchored.items() if t.startswith("一是") for c in cs)
    heading = anchored["（一）实施梯次培育，创新主体队伍不断壮大"]
    assert any("2024年工作总结.txt" in c and "（一）企业培育" in c for c in heading)
    fallback = anchored["全年新增市级以上科技创新平台6个。"]
    assert any(FALLBACK_FLAG in c and "缺少数据：F7" in c for c in fallback)
    assert any("尚未起草" in c for c in anchored["（本节尚未起草）"])
    # The edited section has no verification and no exemplars: no comment.
    assert "一是部分指标完成不理想。二是企业创新投入不均衡。" not in anchored
    # The untitled opening gets its exemplar comment on its paragraph.
    assert any("范文" in c for c in anchored["2025年，县科技局坚持创新驱动，各项工作取得新进展。"])


def _document_xml(path: Path) -> bytes:
    import zipfile

    with zipfile.ZipFile(path) as archive:
        return archive.read("word/document.xml")


# ------------------------------------------------------------------ round trips


def heading_tree(text: str) -> tuple[str | None, list[tuple[int, str, list[str]]]]:
    """The title and every section (level, heading, paragraphs) as the corpus parses them."""
    out: list[tuple[int, str, list[str]]] = []

    def walk(nodes: list[Any]) -> None:
        for s in nodes:
            out.append((s.level, s.heading, list(s.paragraphs)))
            walk(s.children)

    parsed = parse_document(clean_text(text))
    walk(parsed.sections)
    return parsed.meta.title, out


def test_an_exported_summary_reads_back_to_the_same_heading_tree_and_text(
    exported: tuple[Path, Path],
) -> None:
    session = Session.open(exported[0].parent)
    markdown = "\n".join(md_lines(render_markdown(session.meta, session.sections())))
    from_word = read_document(exported[0]).text

    title, expected = heading_tree(markdown)
    assert title == meta().title
    assert heading_tree(from_word) == (title, expected)
    assert [h for _, h, _ in expected][:4] == [
        "",
        "一、2025年主要工作及成效",
        "（一）实施梯次培育，创新主体队伍不断壮大",
        "1.省级平台实现新突破",
    ]


def test_real_web_summaries_round_trip_through_word(real_corpus: Path, tmp_path: Path) -> None:
    """Not only our own example: each noisy web copy, cleaned, laid out in Word and read
    back, gives the same title, heading tree and paragraphs."""
    sources = sorted(real_corpus.glob("*.txt"))
    assert sources
    for source in sources:
        cleaned = clean_text(read_document(source).text)
        word = tmp_path / f"{source.stem}.docx"
        write_docx(text_document(cleaned), word, fonts=Fonts())
        title, tree = heading_tree(cleaned)
        assert len(tree) >= 5, source.name
        assert heading_tree(read_document(word).text) == (title, tree), source.name


def test_the_example_word_copies_hold_exactly_the_text_of_the_txt_files() -> None:
    copies = sorted(EXAMPLES.glob("*（Word版）.docx"))
    assert len(copies) == 2
    settings = Settings()
    for copy in copies:
        source = copy.with_name(copy.name.replace("（Word版）.docx", ".txt"))
        txt, word = read_document(source), read_document(copy)
        assert clean_text(word.text) == clean_text(txt.text)
        # Same content hash: the store keeps one document and reports the copy as 重复.
        a = prepare_document(txt, DocMeta(), settings).info.content_hash
        b = prepare_document(word, DocMeta(), settings).info.content_hash
        assert a == b


def test_the_example_word_copies_are_what_the_builder_makes(tmp_path: Path) -> None:
    for copy in sorted(EXAMPLES.glob("*（Word版）.docx")):
        source = copy.with_name(copy.name.replace("（Word版）.docx", ".txt"))
        rebuilt = tmp_path / copy.name
        write_docx(text_document(source.read_text("utf-8")), rebuilt, fonts=Fonts())
        assert [p.text for p in docx.Document(str(rebuilt)).paragraphs] == [
            p.text for p in docx.Document(str(copy)).paragraphs
        ]


def test_session_document_text_matches_draft_md_for_any_section_mix() -> None:
    states = sections()
    doc = session_document(meta(), states, date=DATE)
    assert doc.paragraphs()[:-2] == md_lines(render_markdown(meta(), states))


# ------------------------------------------------------------------ CLI and draft wiring


def test_export_command_writes_the_clean_and_the_review_copy(session: Session) -> None:
    result = drafter_cli(
        "export", "draft", "--review", "--date", "2026-11-23", cwd=session.dir.parent
    )
    clean, review = session.dir / "draft.docx", session.dir / "draft-review.docx"
    assert str(clean) in result.stdout.replace("\n", "") or "draft.docx" in result.stdout
    assert "审阅稿" in result.stdout
    assert docx.Document(str(clean)).paragraphs[-1].text == DATE
    assert comment_count(review) > 0
    assert comment_count(clean) == 0


def test_export_command_writes_markdown_and_the_review_report(session: Session) -> None:
    out = session.dir.parent / "out.md"
    drafter_cli("export", "draft", "--format", "md", "--review", "--out", str(out), cwd=out.parent)
    assert out.read_text("utf-8") == render_markdown(session.meta, session.sections())
    assert (out.parent / "out-review.md").read_text("utf-8").startswith("# 审阅报告")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "pdf"], "--format"),
        (["--date", "2026-13-01"], "--date"),
        (["--out", "nowhere/x.docx"], "不存在"),
    ],
)
def test_bad_export_options_are_named_in_chinese(
    session: Session, args: list[str], message: str
) -> None:
    result = drafter_cli("export", "draft", *args, cwd=session.dir.parent, check=False)
    assert result.returncode == 2
    assert message in result.stderr


def test_write_outputs_also_writes_draft_docx(session: Session) -> None:
    draft_md, _ = write_outputs(session)
    word = session.dir / "draft.docx"
    paragraphs = [p.text for p in docx.Document(str(word)).paragraphs]
    assert paragraphs[:-2] == md_lines(draft_md.read_text("utf-8"))
    assert paragraphs[-2] == "示例县科学技术局"
    assert paragraphs[-1].endswith("日")
    assert comment_count(word) == 0


# ------------------------------------------------------------------ rendering (LibreOffice)


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) not installed")
def test_libreoffice_renders_a4_pages_of_22_lines(tmp_path: Path) -> None:
    from pypdf import PdfReader

    source = EXAMPLES / "示例县科学技术局2024年工作总结及2025年工作打算.txt"
    word = tmp_path / "summary.docx"
    write_docx(text_document(source.read_text("utf-8")), word, fonts=Fonts())
    profile = tmp_path / "lo-profile"
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(word),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    reader = PdfReader(str(tmp_path / "summary.pdf"))
    # ≈3,900 characters at 22 × 28 per page, plus headings and the title: 7–8 pages.
    assert 6 <= len(reader.pages) <= 9
    for page in reader.pages:
        box = page.mediabox
        assert float(box.width) == pytest.approx(595.3, abs=1)
        assert float(box.height) == pytest.approx(841.9, abs=1)
    first = reader.pages[0].extract_text()
    assert "示例县科学技术局" in first
    lines = [line for line in reader.pages[1].extract_text().splitlines() if line.strip()]
    body = [line for line in lines if "—" not in line]
    assert len(body) == 22
    # Lines of Chinese text only (digits are narrower): 28 characters at most, and full
    # lines hold exactly 28.
    chinese = [line.replace(" ", "") for line in body]
    chinese = [line for line in chinese if not any(ch.isascii() for ch in line)]
    assert chinese
    assert max(len(line) for line in chinese) == 28
