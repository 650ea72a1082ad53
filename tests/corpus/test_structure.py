"""Issue 18: the genre's parts, restarted numbering, and compare pairing across structures."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from conftest import shared_corpus_dir

from drafter.compare.align import compare, document_from_text, topics_of
from drafter.corpus.clean import clean_text
from drafter.corpus.parts import SEGMENTER_VERSION, part_line, problems_opening
from drafter.corpus.segment import chunk_document, parse_document
from drafter.corpus.store_records import same_document
from drafter.figures.extract import extract_figures
from drafter.figures.matching import figure_rows
from drafter.models import Section
from drafter.testing.variants import STYLES, kind_accuracy, model_of, render

GENRE = Path(__file__).resolve().parents[1] / "data" / "genre"
CITY = (GENRE / "city_2020_sti_bureau.txt").read_text(encoding="utf-8")
REPO = Path(__file__).resolve().parents[2]


def tops(text: str) -> list[tuple[str, str, int]]:
    doc = parse_document(text, source_name="x.txt")
    return [(s.heading, str(s.kind), len(s.children)) for s in doc.sections]


@pytest.mark.parametrize(
    "line",
    [
        "2021年工作思路",
        "xxxx年工作思路",
        "工作计划",
        "工作打算",
        "下一步工作",
        "明年工作安排",
        "存在的问题",
        "困难和问题",
        "不足",
        "【下一步工作打算】",
        "第二部分 2021年工作思路：",
    ],
)
def test_part_lines(line: str) -> None:
    assert part_line(line) is not None


@pytest.mark.parametrize(
    "line", ["强化创新引领", "人才引进", "今年以来，我局将继续努力。", "一是加强"]
)
def test_not_part_lines(line: str) -> None:
    assert part_line(line) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("但也要看到，我县科技工作仍存在一些短板。", True),
        ("同时也清醒地看到，企业创新能力不强。", True),
        ("存在的问题主要是：研发投入偏低。", True),
        ("工作虽然取得了一定成绩，但也存在一些问题。", True),
        ("同时，我们组织开展了科技活动周。", False),
    ],
)
def test_problem_formulas(text: str, expected: bool) -> None:
    assert problems_opening(text) is expected


def test_unnumbered_plan_line_and_restart_make_a_new_part() -> None:
    parts = tops(CITY)
    assert [k for _, k, _ in parts] == [
        "opening",
        *["achievements"] * 6,
        "problems",
        "plan",
    ]
    assert parts[-1] == ("2021年工作思路", "plan", 4)  # 一、…四、 under the part line
    assert parts[-2][0] == ""  # the 但也要看到 paragraph: an unmarked problems part
    doc = parse_document(CITY)
    plan = doc.sections[-1]
    assert plan.children[0].heading == "一、强化企业创新主体地位"
    assert all(c.level == 2 and c.kind == "plan" for c in plan.children)
    chunks = chunk_document(doc)
    plan_chunks = [c for c in chunks if "150家以上" in c.text]
    assert plan_chunks and plan_chunks[0].kind == "plan"
    assert plan_chunks[0].heading_path[0] == "2021年工作思路"


def test_collapsed_copy_finds_the_part_name_before_the_restart() -> None:
    lines = CITY.split("\n")
    collapsed = lines[0] + "\n" + "".join(lines[1:])
    parts = tops(collapsed)
    assert parts[-1] == ("2021年工作思路", "plan", 4)
    assert "problems" in [k for _, k, _ in parts]


def test_numbered_part_title_with_restarted_numbering() -> None:
    text = (
        "一、主要工作\n（一）抓创新\n全年新增企业5家。\n（二）抓项目\n实施项目8项。\n"
        "二、存在的问题\n研发投入不足。\n三、2024年工作打算\n一、抓主体\n力争新增企业8家。\n"
        "二、抓平台\n新建平台3家。\n"
    )
    parts = tops(text)
    assert parts[-1] == ("三、2024年工作打算", "plan", 2)


def test_documents_record_the_segmenter_version() -> None:
    from drafter.corpus.ingest import prepare_document
    from drafter.models import DocMeta, SourceText
    from drafter.settings import Settings

    source = SourceText(path=GENRE / "city_2020_sti_bureau.txt", text=CITY, format="txt")
    prepared = prepare_document(source, DocMeta(), Settings())
    assert prepared.info.segmenter == SEGMENTER_VERSION
    old = type(prepared.info)(**{**prepared.info.__dict__, "segmenter": None})
    assert not same_document(old, prepared.info)  # an older store is re-chunked on ingest


# --- compare ------------------------------------------------------------------------------


DRAFT = """某市科学技术局2021年工作总结
2021年，市科技局深入实施创新驱动发展战略，科技工作取得新进展。
一、主要工作及成效
（一）企业创新主体培育
全市认定高新技术企业130个，入库科技型中小企业1800家，企业创新主体地位不断巩固。
（二）创新平台建设
推进“四位一体”成果转化体系，某某技术研究院三期建设加快，新增省级重点实验室4家。
（三）科技成果转化
技术合同成交额65.2亿元，技术市场更加活跃。
（四）科技人才引育
引进高层次人才团队30个，科技特派员服务基层。
二、存在的问题
企业研发投入仍然不足，高端创新平台偏少。
三、2022年工作打算
（一）强化企业创新主体
力争新认定高新技术企业160家。
（二）加快成果转化
技术合同成交额突破70亿元。
"""


def test_a_draft_area_pairs_with_a_whole_part_of_last_year() -> None:
    result = compare(document_from_text(DRAFT, name="d"), document_from_text(CITY, name="c"))
    pairs = {(p.this.label, p.last.label) for p in result.pairs if p.this and p.last}
    assert ("（一）企业创新主体培育", "一、聚焦创新主体培育，企业创新能力持续增强") in pairs
    assert ("（二）创新平台建设", "二、聚焦创新平台建设，创新载体能级不断提升") in pairs
    whole = next(
        p.last for p in result.pairs if p.this and p.this.label == "（一）企业创新主体培育"
    )
    assert whole is not None and "（二）科技型中小企业加快成长" in whole.text  # subtree text
    kinds = {(p.this.kind, p.last.kind) for p in result.pairs if p.this and p.last}
    assert ("plan", "plan") in kinds and ("problems", "problems") in kinds
    assert all(a == b for a, b in kinds)
    # Last year's sub-sections under a paired area are not reported as dropped.
    dropped = [p.last.label for p in result.pairs if p.this is None and p.last]
    assert not any(label.startswith("（") for label in dropped)
    data = result.as_dict()
    assert all("score" in s for s in data["sections"])


def test_idioms_ordinals_anniversaries_are_not_figures() -> None:
    text = "构建四位一体工作格局，完善三位一体服务体系。某某技术研究院二期、三期工程顺利推进。第三批科技特派员到岗。举办建党90周年座谈会。"
    assert extract_figures(text) == []


def test_figures_pair_across_qualifiers_and_name_variants() -> None:
    last = extract_figures("全市新认定高新技术企业130多个。")
    this = extract_figures("全年认定高新技术企业130个。")
    rows = [r for r in figure_rows(last, this) if r.last and r.this]
    assert len(rows) == 1 and rows[0].last is not None
    assert rows[0].last.qualifier == "多" and "多" in rows[0].last.display


def test_topics_are_noun_phrases() -> None:
    topics = topics_of("五是某某技术研究院挂牌运行。开展大学生创新创业大赛。与北岭大学签订协议。")
    assert "某某技术研究院" in topics and "北岭大学" in topics
    assert not any(re.match(r"[一二三四五六七八九十]是|开展", t) for t in topics)


# --- variants of real and synthetic documents ---------------------------------------------


def _documents() -> list[Path]:
    shared = shared_corpus_dir()
    return (sorted(shared.glob("*.txt")) if shared else []) + sorted(GENRE.glob("*.txt"))


@pytest.mark.parametrize("path", _documents(), ids=lambda p: p.name)
@pytest.mark.parametrize("style", STYLES)
def test_variants_keep_kinds(path: Path, style: str) -> None:
    parsed = parse_document(clean_text(path.read_text(encoding="utf-8")), source_name=path.name)
    parts, title = model_of(parsed)
    right, total = kind_accuracy(render(parts, title, style), path.name)
    assert right == total


def test_real_corpus_variants_pair_precisely(real_corpus: Path) -> None:
    sys.path.insert(0, str(REPO / "bench"))
    from bench_structure import pairing

    for path in sorted(real_corpus.glob("*.txt")):
        original = clean_text(path.read_text(encoding="utf-8"))
        parts, title = model_of(parse_document(original, source_name=path.name))
        last = document_from_text(original, name=path.name)
        for style in STYLES:
            thin = render(parts, title, style, thin=True)
            scores = pairing(document_from_text(thin.text, name="v"), last, thin.ids)
            assert scores["right"] == scores["pairs"], (path.name, style)
            assert scores["recalled"] >= 0.8 * scores["paragraphs"], (path.name, style)


def test_section_levels_are_tree_depths() -> None:
    def depths(sections: list[Section], depth: int) -> bool:
        return all(s.level == depth and depths(s.children, depth + 1) for s in sections)

    doc = parse_document(CITY)
    assert depths([s for s in doc.sections if s.level], 1)
