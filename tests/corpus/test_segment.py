"""parse_document / infer_meta / split_enumeration / chunk_document on real and made-up text."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from drafter.corpus.clean import clean_text
from drafter.corpus.segment import (
    chunk_document,
    classify_heading,
    infer_meta,
    parse_document,
    split_enumeration,
)
from drafter.models import Chunk, DocMeta, ParsedDocument, Period, Section, SectionKind
from drafter.text.sentences import split_sentences_keep as split_sentences

COUNTY = "web_county_2023_sti_bureau.txt"
DISTRICT = "web_district_2020_sti_bureau.txt"
SHOUGUANG = "web_shouguang_2018h1_sti_bureau.txt"
REAL_FILES = [COUNTY, DISTRICT, SHOUGUANG]
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

OPEN, ACH, PROB, PLAN, CLOSE = (
    SectionKind.OPENING,
    SectionKind.ACHIEVEMENTS,
    SectionKind.PROBLEMS,
    SectionKind.PLAN,
    SectionKind.CLOSING,
)

CLEAN_SUMMARY = """示例县科学技术局2023年工作总结及2024年工作打算
2023年，县科技局坚持创新驱动发展战略，扎实推进各项科技工作，全县科技创新能力稳步提升。
一、2023年主要工作及成效
（一）聚焦主体培育，企业创新能力持续增强
坚持把培育科技型企业作为基础工程。一是摸清底数建库。筛选63家企业纳入培育库。二是开展精准辅导。组织政策解读会3场次。
（二）强化项目引领，争取上级支持成效明显
全年申报市级以上科技项目34项，获批立项15项。重点抓了以下几项工作：
1. 做实项目储备。建立县级科技项目储备库，征集入库项目52个。
2. 突出重点项目攻关。获得省级资金支持300万元。
（三）深化科技特派员制度
全年选派86名，实现全县12个乡镇全覆盖，举办培训班56期。
二、存在的问题和不足
研发投入总量偏小，高层次科技人才缺乏。
三、2024年工作打算
（一）主要目标
全年力争有效高新技术企业达到52家。
（二）着力壮大创新主体
完善高新技术企业培育库动态管理机制。
新的一年，县科技局将进一步解放思想、真抓实干，为建设创新型示例县作出新的贡献。
示例县科学技术局
2023年12月20日
"""


def corpus_dir() -> Path | None:
    """../shared/corpus beside the repository, or DRAFTER_SHARED_CORPUS."""
    candidates = [Path(__file__).resolve().parents[3] / "shared" / "corpus"]
    if os.environ.get("DRAFTER_SHARED_CORPUS"):
        candidates.append(Path(os.environ["DRAFTER_SHARED_CORPUS"]))
    return next((c for c in candidates if (c / COUNTY).is_file()), None)


def real_doc(name: str) -> ParsedDocument:
    folder = corpus_dir()
    if folder is None:
        pytest.skip("the shared web corpus is not present")
    return parse_document(clean_text((folder / name).read_text(encoding="utf-8")))


def kinds(doc: ParsedDocument) -> list[SectionKind | None]:
    return [s.kind for s in doc.sections]


def headings(sections: list[Section]) -> list[str]:
    return [s.heading for s in sections]


def walk(section: Section) -> Iterator[Section]:
    yield section
    for child in section.children:
        yield from walk(child)


def body_lines(section: Section) -> Iterator[str]:
    """What the chunks of a level-1 section must contain, in order."""
    for node in walk(section):
        if node.level >= 2:
            yield node.heading
        yield from node.paragraphs


def all_paragraphs(doc: ParsedDocument) -> list[str]:
    return [p for s in doc.sections for node in walk(s) for p in node.paragraphs]


def assert_chunks_cover_the_body(doc: ParsedDocument, chunks: list[Chunk]) -> None:
    """Per level-1 section, the chunks are exactly its headings and paragraphs in order."""
    for index, section in enumerate(doc.sections):
        expected = "".join(body_lines(section))
        got = "".join(c.text.replace("\n", "") for c in chunks if c.section_index == index)
        assert got == expected, section.heading


def assert_chunks_within_bounds(
    doc: ParsedDocument, chunks: list[Chunk], low: int = 150, high: int = 500
) -> None:
    for chunk in chunks:
        assert len(chunk.text) <= high, chunk.text
        alone = [c for c in chunks if c.section_index == chunk.section_index] == [chunk]
        assert len(chunk.text) >= low or alone, chunk.text


# --- the real web corpus ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [(COUNTY, [OPEN, ACH, PROB, PLAN]), (DISTRICT, [ACH, PLAN]), (SHOUGUANG, [OPEN, ACH, PLAN])],
)
def test_level_one_sections_get_their_kinds(name: str, expected: list[SectionKind]) -> None:
    assert kinds(real_doc(name)) == expected


def test_children_inherit_the_kind_of_their_level_one_section() -> None:
    for name in REAL_FILES:
        for section in real_doc(name).sections:
            assert {node.kind for node in walk(section)} == {section.kind}


def test_county_headings_found_inline_in_collapsed_text() -> None:
    doc = real_doc(COUNTY)
    assert headings(doc.sections[1:]) == [
        "一、工作开展情况",
        "二、问题及困难",
        "三、2023年工作打算",
    ]
    work = doc.sections[1]
    assert headings(work.children) == [
        "（一）扎实推进“三引一促工作，促进经济转型升级",
        "（二）全面贯彻创新普惠政策，激发企业创新主体新动能",
        "（三）打造专业科技扶贫队伍，拓展科技惠民新平台",
        "（四）加大知识产权工作力度，推动专利工作新突破",
        "（五）强化机关党的建设，全面塑造机关新风气",
    ]
    assert headings(work.children[0].children) == [
        "1.强化措施，扎实做好引技术工作",
        "2.加大招才引智工作力度，深入推进产学研协同创新",
    ]
    assert len(work.children[1].children) == 4
    assert len(work.children[4].children) == 4
    assert headings(doc.sections[3].children) == ["（一）任务目标"]


def test_county_title_and_meta() -> None:
    doc = real_doc(COUNTY)
    assert doc.meta == DocMeta(
        title="县科技局XX年工作总结及XX年工作打算",
        bureau="科技局",
        region=None,
        region_level="county",
        year=2023,
        period=Period.ANNUAL,
    )
    opening = doc.sections[0].paragraphs
    assert opening[0].startswith("今年以来，全县科技工作")
    assert "工作打算" not in opening[0][:40]


def test_district_structure_and_meta() -> None:
    doc = real_doc(DISTRICT)
    assert headings(doc.sections) == ["一、2020年工作总结", "二、2021年工作思路"]
    summary = doc.sections[0]
    assert summary.paragraphs[0].startswith("2020年以来，区科技局")
    assert summary.children[0].heading == "（一）聚焦“科技争投”主线，实施创新驱动战略"
    assert summary.children[0].paragraphs[0].startswith("围绕省、市、区科技工作任务部署")
    assert len(summary.children) == 5
    assert len(doc.sections[1].children) == 5
    assert doc.meta == DocMeta(
        title="区科技局2020年度工作总结及2021年工作思路",
        bureau="科技局",
        region=None,
        region_level="district",
        year=2020,
        period=Period.ANNUAL,
    )


def test_shouguang_title_and_issuer_leave_the_opening() -> None:
    doc = real_doc(SHOUGUANG)
    assert doc.meta == DocMeta(
        title="2018年上半年工作总结及下半年工作打算",
        bureau="科技局",
        region="寿光市",
        region_level="city",
        year=2018,
        period=Period.HALF_YEAR,
    )
    assert doc.sections[0].paragraphs[0].startswith("今年以来，寿光市科技局认真落实")
    assert headings(doc.sections[1:]) == ["一、工作总结", "二、下步工作打算"]
    assert headings(doc.sections[1].children) == [
        "（一）实施科技平台支撑工程，科技创新能力进一步增强",
        "（二）实施科技项目扶持工程，产业升级能力进一步提高",
        "（三）实施科技开放合作工程，高端创新资源进一步聚集",
        "（四）实施创新主体壮大工程，企业创新能力进一步提升",
    ]
    plan = doc.sections[2]
    assert plan.paragraphs[0].startswith("下半年，科技局将继续围绕")
    assert headings(plan.children) == ["（一）扎实做好一区一园三中心建设"]


def test_no_false_headings_from_numbers_in_real_text() -> None:
    for name in REAL_FILES:
        for section in real_doc(name).sections:
            for node in walk(section):
                assert not re.match(r"[-—~年月日等是号]|\d*[-—]\d+月", node.title), node.heading


@pytest.mark.parametrize("name", REAL_FILES)
def test_real_chunks_are_sized_and_lose_nothing(name: str) -> None:
    doc = real_doc(name)
    chunks = chunk_document(doc)
    assert [c.position for c in chunks] == list(range(len(chunks)))
    assert_chunks_within_bounds(doc, chunks)
    assert_chunks_cover_the_body(doc, chunks)


@pytest.mark.parametrize("name", REAL_FILES)
def test_every_real_sentence_is_in_exactly_one_chunk(name: str) -> None:
    doc = real_doc(name)
    chunks = chunk_document(doc)
    for paragraph in all_paragraphs(doc):
        for sentence in split_sentences(paragraph):
            if len(sentence) >= 10:
                assert sum(sentence in c.text for c in chunks) == 1, sentence


def test_real_chunks_carry_heading_path_and_kind() -> None:
    doc = real_doc(COUNTY)
    chunks = chunk_document(doc)
    problems = [c for c in chunks if c.kind == SectionKind.PROBLEMS]
    assert len(problems) == 1  # a short section is one chunk
    assert problems[0].heading_path == ["二、问题及困难"]
    assert problems[0].text.startswith("工作虽然取得了一定成绩")
    for chunk in chunks:
        top = doc.sections[chunk.section_index]
        assert chunk.kind == top.kind
        if top.level == 1:
            assert chunk.heading_path[0] == top.heading
    patents = next(c for c in chunks if "预计年底完成专利申请500件" in c.text)
    assert patents.heading_path == [
        "一、工作开展情况",
        "（四）加大知识产权工作力度，推动专利工作新突破",
    ]
    assert patents.text.startswith("（四）加大知识产权工作力度，推动专利工作新突破\n")


# --- the example bureau (a clean, well-formatted file) -------------------------------------


def test_example_summaries_parse_into_the_expected_outline() -> None:
    files = sorted(EXAMPLES.glob("*.txt"))
    if not files:
        pytest.skip("no example summaries")
    for path in files:
        doc = parse_document(clean_text(path.read_text(encoding="utf-8")), source_name=path.name)
        assert kinds(doc) == [OPEN, ACH, PROB, PLAN, CLOSE], path.name
        assert doc.meta.bureau == "科学技术局"
        assert doc.meta.region == "示例县"
        assert doc.meta.title == path.stem
        chunks = chunk_document(doc)
        assert_chunks_within_bounds(doc, chunks)
        assert_chunks_cover_the_body(doc, chunks)


# --- synthetic documents --------------------------------------------------------------------


def test_clean_summary_with_headings_on_their_own_lines() -> None:
    doc = parse_document(CLEAN_SUMMARY)
    assert doc.meta.title == "示例县科学技术局2023年工作总结及2024年工作打算"
    assert kinds(doc) == [OPEN, ACH, PROB, PLAN, CLOSE]
    assert doc.sections[0].paragraphs == [
        "2023年，县科技局坚持创新驱动发展战略，扎实推进各项科技工作，全县科技创新能力稳步提升。"
    ]
    work = doc.sections[1]
    assert headings(work.children) == [
        "（一）聚焦主体培育，企业创新能力持续增强",
        "（二）强化项目引领，争取上级支持成效明显",
        "（三）深化科技特派员制度",
    ]
    assert headings(work.children[1].children) == ["1.做实项目储备", "2.突出重点项目攻关"]
    assert work.children[1].children[0].paragraphs == ["建立县级科技项目储备库，征集入库项目52个。"]
    assert doc.sections[-1].paragraphs == [
        "新的一年，县科技局将进一步解放思想、真抓实干，为建设创新型示例县作出新的贡献。"
    ]
    body = "".join(all_paragraphs(doc))
    assert "2023年12月20日" not in body  # the signature goes, not into the body
    assert "示例县科学技术局" not in body


def test_ascii_parentheses_and_both_number_styles_are_normalised() -> None:
    doc = parse_document(
        "一、主要工作\n(一)强化企业培育\n1、开展培训。组织培训3场次。\n2.落实政策。兑现资金。\n"
        "3．优化服务。走访企业。\n(1)上门走访。\n(2)电话回访。\n(二)推进平台建设\n新增平台5个。"
    )
    work = doc.sections[0]
    assert headings(work.children) == ["（一）强化企业培育", "（二）推进平台建设"]
    assert headings(work.children[0].children) == ["1.开展培训", "2.落实政策", "3.优化服务"]
    assert headings(work.children[0].children[2].children) == ["（1）上门走访", "（2）电话回访"]
    assert work.children[0].children[0].paragraphs == ["组织培训3场次。"]


def test_number_words_inside_sentences_are_not_headings() -> None:
    text = (
        "今年以来，我局扎实推进各项工作。1-9月份完成专利申请87件。一、二、三等奖各获1项。"
        "一是加强培训，二是强化考核。第一批项目已验收。 一、工作总结 (一)强化培育。"
        "获二等奖2项，1.5亿元资金到位。二是另有说明。2023年新增企业9家。"
        " 二、工作打算 (一)继续推进。力争完成2项。"
    )
    doc = parse_document(text)
    assert headings(doc.sections[1:]) == ["一、工作总结", "二、工作打算"]
    assert headings(doc.sections[1].children) == ["（一）强化培育"]
    opening = "".join(doc.sections[0].paragraphs)
    assert "一、二、三等奖各获1项" in opening
    assert "1-9月份完成专利申请87件" in opening
    achievements = "".join(doc.sections[1].children[0].paragraphs)
    assert achievements == "获二等奖2项，1.5亿元资金到位。二是另有说明。2023年新增企业9家。"


def test_inline_headings_need_their_numbering_in_sequence() -> None:
    doc = parse_document(
        "一、工作总结 (一)强化培育。全年新增企业9家。三、不是标题的说明。 (二)推进平台。"
        "新增平台5个。 二、存在问题 企业研发投入不足。"
    )
    assert headings(doc.sections) == ["一、工作总结", "二、存在问题"]
    assert headings(doc.sections[0].children) == ["（一）强化培育", "（二）推进平台"]
    assert doc.sections[0].children[0].paragraphs == ["全年新增企业9家。三、不是标题的说明。"]


def test_inline_level_one_title_stops_at_the_part_name() -> None:
    doc = parse_document(
        "今年以来，我局认真落实各项部署。一、工作总结(一)实施平台工程，能力进一步增强。一是建设平台。"
        "二、下步工作打算下半年，我局将继续围绕中心工作。"
    )
    assert headings(doc.sections[1:]) == ["一、工作总结", "二、下步工作打算"]
    assert doc.sections[2].paragraphs == ["下半年，我局将继续围绕中心工作。"]
    assert kinds(doc) == [OPEN, ACH, PLAN]


def test_thematic_level_one_sections_are_achievements_until_problems() -> None:
    doc = parse_document(
        "一、聚焦创新主体培育，企业创新能力持续增强\n新增企业9家。\n"
        "二、实施科技计划项目，争取资金再创新高\n争取资金1580万元。\n"
        "三、存在的问题\n投入不足。\n"
        "四、强化企业主体地位，提升创新能力\n力争新增企业10家。"
    )
    assert kinds(doc) == [ACH, ACH, PROB, PLAN]


@pytest.mark.parametrize(
    ("title", "kind"),
    [
        ("工作开展情况", ACH),
        ("2020年工作总结", ACH),
        ("主要工作及成效", ACH),
        ("主要做法", ACH),
        ("问题及困难", PROB),
        ("存在的问题和不足", PROB),
        ("工作打算", PLAN),
        ("2021年工作思路", PLAN),
        ("下步工作打算", PLAN),
        ("2024年工作计划", PLAN),
        ("聚焦创新主体培育，企业创新能力持续增强", None),
        ("实施科技计划项目，争取资金再创新高", None),
    ],
)
def test_level_one_titles_name_their_kind(title: str, kind: SectionKind | None) -> None:
    assert classify_heading(title) == kind


def test_placeholders_stay_in_title_and_body() -> None:
    doc = parse_document(
        "xx县科技局XX年工作总结\nXX年，我局围绕***中心工作，全年新增企业xx家。\n一、工作总结\n完成XX项任务。"
    )
    assert doc.meta.title == "xx县科技局XX年工作总结"
    assert doc.meta.region is None  # a placeholder names no region
    assert doc.meta.region_level == "county"
    assert doc.sections[0].paragraphs == ["XX年，我局围绕***中心工作，全年新增企业xx家。"]
    assert doc.sections[1].paragraphs == ["完成XX项任务。"]


def test_hints_override_inference() -> None:
    hints = DocMeta(bureau="科学技术局", region="示例县", year=2022, period=Period.HALF_YEAR)
    doc = parse_document(
        CLEAN_SUMMARY.replace("示例县科学技术局2023", "某某区科技局2023"), hints=hints
    )
    assert doc.meta.bureau == "科学技术局"
    assert doc.meta.region == "示例县"
    assert doc.meta.year == 2022
    assert doc.meta.period == Period.HALF_YEAR
    assert doc.meta.title == "某某区科技局2023年工作总结及2024年工作打算"  # not hinted: inferred


def test_infer_meta_reads_title_then_text() -> None:
    meta = infer_meta("区科技局2020年度工作总结及2021年工作思路", "")
    assert (meta.year, meta.region_level, meta.bureau) == (2020, "district", "科技局")
    meta = infer_meta("寿光市科技局2018年上半年工作总结", "")
    assert (meta.region, meta.region_level, meta.period) == ("寿光市", "city", Period.HALF_YEAR)
    meta = infer_meta("某某省科学技术厅半年工作总结", "")
    assert meta.period == Period.HALF_YEAR
    meta = infer_meta("示例旗科技局工作总结", "")
    assert (meta.region, meta.region_level) == ("示例旗", "county")
    meta = infer_meta("县科技局XX年工作总结", "2022年完成…2023年新增…2023年累计…2024年力争…")
    assert meta.year == 2023
    meta = infer_meta(None, "寿光市市场监督管理局\n今年上半年，我局……")
    assert (meta.bureau, meta.region, meta.period) == ("市场监督管理局", "寿光市", Period.HALF_YEAR)
    assert infer_meta(None, "").period == Period.ANNUAL


def test_title_can_come_from_the_file_name() -> None:
    doc = parse_document("一、工作总结\n完成任务。", source_name="某某县科技局2021年工作总结.docx")
    assert doc.meta.title == "某某县科技局2021年工作总结"
    assert doc.meta.year == 2021


def test_split_enumeration_keeps_the_lead_in_and_every_item() -> None:
    text = "坚持以项目为抓手。一是加强培训；二是强化考核；三是狠抓落实。"
    assert split_enumeration(text) == [
        "坚持以项目为抓手。",
        "一是加强培训；",
        "二是强化考核；",
        "三是狠抓落实。",
    ]
    assert split_enumeration("首先，加强领导；其次，完善机制；最后，强化考核。") == [
        "首先，加强领导；",
        "其次，完善机制；",
        "最后，强化考核。",
    ]


def test_split_enumeration_without_items_returns_the_paragraph() -> None:
    for text in [
        "全年新增企业9家。",
        "这二是不对的说法。",
        "一是加强培训。",
        "统一是关键，二是偶然。",
    ]:
        assert split_enumeration(text) == [text]


def test_split_sentences_keeps_closing_quotes_with_their_sentence() -> None:
    assert split_sentences("打通“最后一公里。”下一步；继续推进！没有结尾") == [
        "打通“最后一公里。”",
        "下一步；",
        "继续推进！",
        "没有结尾",
    ]


def test_chunks_never_span_level_one_sections() -> None:
    long_para = "围绕主导产业开展技术攻关，推动企业建设研发机构，提升孵化载体服务能力。" * 8
    text = f"一、工作总结\n{long_para}\n二、存在问题\n投入不足。\n三、工作打算\n{long_para}"
    doc = parse_document(text)
    chunks = chunk_document(doc)
    assert {c.section_index for c in chunks} == {0, 1, 2}
    for chunk in chunks:
        assert chunk.heading_path[0] == doc.sections[chunk.section_index].heading
    assert [c.text for c in chunks if c.section_index == 1] == ["投入不足。"]
    assert_chunks_within_bounds(doc, chunks)
    assert_chunks_cover_the_body(doc, chunks)


def test_a_short_trailing_piece_joins_its_neighbour() -> None:
    para = "围绕主导产业开展技术攻关，推动企业建设研发机构。" * 12  # 288 characters
    doc = parse_document(f"一、工作总结\n{para}\n{para}\n全年完成任务。")
    chunks = chunk_document(doc)
    assert len(chunks) == 2
    assert chunks[-1].text.endswith(f"{para}\n全年完成任务。")
    assert_chunks_within_bounds(doc, chunks)


def test_a_sentence_longer_than_a_chunk_is_cut_at_commas_then_hard() -> None:
    commas = "，".join(["推动企业建设研发机构"] * 80) + "。"
    solid = "创" * 1200
    doc = parse_document(f"一、工作总结\n{commas}\n{solid}")
    chunks = chunk_document(doc)
    assert_chunks_within_bounds(doc, chunks)
    assert_chunks_cover_the_body(doc, chunks)
    assert all(
        c.text.endswith(("，", "。")) for c in chunks if "推动" in c.text and "创" not in c.text
    )


def test_chunks_prefer_enumeration_items_and_paragraphs() -> None:
    item = "组织高新技术企业认定政策解读会，邀请专业服务机构深入企业开展指导。"  # 33
    numbers = [*"一二三四五六七八九十", "十一", "十二", "十三", "十四"]
    para = "坚持培育科技型企业。" + "".join(f"{n}是{item}" for n in numbers)  # 517
    doc = parse_document(f"一、工作总结\n{para}")
    chunks = chunk_document(doc)
    assert len(chunks) == 2
    assert re.match("[一二三四五六七八九十]+是", chunks[1].text)


def test_a_heading_word_is_searchable_in_the_chunk_text() -> None:
    doc = parse_document(CLEAN_SUMMARY)
    chunks = chunk_document(doc)
    hits = [c for c in chunks if "科技特派员" in c.text]
    assert len(hits) == 1
    assert "\n（三）深化科技特派员制度\n全年选派86名" in hits[0].text
    assert hits[0].heading_path[0] == "一、2023年主要工作及成效"
    assert not any(c.text.startswith("一、") for c in chunks)  # level-1 headings stay in the path


def test_chunk_sizes_must_make_sense() -> None:
    with pytest.raises(ValueError):
        chunk_document(parse_document("一、工作总结\n完成任务。"), min_chars=500, max_chars=100)


def test_empty_text_gives_an_empty_document() -> None:
    doc = parse_document("")
    assert doc.sections == []
    assert chunk_document(doc) == []
