"""`drafter compare`: a 2025 draft (written through the loopback stub) against 2024's summary.

Expected statuses and values were worked out by hand from examples/figures-2025.yaml and
the 2024 summary's 工作打算 (the yaml's own comment: 9 of 11 targets met).
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from conftest import EXAMPLES, drafter_cli

from drafter.compare.align import (
    compare,
    document_from_file,
    document_from_session,
    find_reuse,
    heading_similarity,
)
from drafter.figures import load_figures
from drafter.review.session import Session
from drafter.testing import StubLLMServer
from drafter.testing.stub_llm import last_user_text

FIGURES = EXAMPLES / "figures-2025.yaml"
LAST = EXAMPLES / "示例县科学技术局2024年工作总结及2025年工作打算.txt"

_F_LINE = re.compile(r"^\{(F\d+)\} (\S+) \S+$", re.M)
_T_LINE = re.compile(r"^\{(T\d+)\} \d+年目标 ([^：]+)：", re.M)
_WHOLE = re.compile(r"^\{([KPR]\d+)\} ", re.M)


def named_slots_drafter(body: Mapping[str, Any]) -> str:
    """A stub model that writes "name{F1}，{F1.yoy}，{F1.rate}；" for every offered figure,
    so the rendered draft reads like a summary (indicator before each number)."""
    prompt = last_user_text(body.get("messages", []))
    offered = set(re.findall(r"\{[A-Z]+\d*(?:\.[a-z]+)?\}", prompt))
    clauses: list[str] = []
    for slot, name in _F_LINE.findall(prompt):
        clause = f"全县{name}{{{slot}}}"
        for derived in ("yoy", "rate"):
            if f"{{{slot}.{derived}}}" in offered:
                clause += f"，{{{slot}.{derived}}}"
        clauses.append(clause)
    clauses += [f"{{{slot}}}" for slot in _WHOLE.findall(prompt)]
    clauses += [f"{name}{{{slot}}}" for slot, name in _T_LINE.findall(prompt)]
    if not clauses:
        return "我们将继续围绕中心、服务大局，推动科技工作再上新台阶。"
    return "；".join(clauses) + "。"


@pytest.fixture(scope="module")
def draft_2025(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The 2025 draft of the example bureau, written through the loopback stub model."""
    root = tmp_path_factory.mktemp("compare")
    with StubLLMServer(named_slots_drafter) as server:
        drafter_cli(
            "draft",
            str(FIGURES),
            "--out",
            "d2025",
            "--store",
            "nostore",
            "--llm-base-url",
            server.base_url,
            "--llm-model",
            "stub-model",
            cwd=root,
            env={"DRAFTER_LLM_BACKOFF": "0.01"},
        )
        assert server.calls > 0
    return root / "d2025"


def copy_session(src: Path, dest: Path) -> Path:
    shutil.copytree(src, dest, ignore=shutil.ignore_patterns(".lock"))
    return dest


# --- targets and figures --------------------------------------------------------------

# Hand-checked: 2025 actual (figures-2025.yaml) against the 2025 targets of the 2024 plan.
EXPECTED_TARGETS = [
    ("有效高新技术企业", "60家", "met", "63家", "105.0"),
    ("科技型中小企业评价入库", "180家", "not_met", "172家", "95.6"),
    ("申报市级以上科技项目", "40项以上", "met", "46项", "115.0"),
    ("争取上级科技资金", "1650万元", "met", "1716万元", "104.0"),
    ("新增市级以上科技创新平台", "6个", "met", "6个", "100.0"),
    ("专利申请", "620件", "met", "648件", "104.5"),
    ("发明专利申请", "140件", "met", "152件", "108.6"),
    ("每万人口发明专利拥有量", "6.3件", "not_met", "6.21件", "98.6"),
    ("引进科技成果", "50项", "met", "55项", "110.0"),
    ("技术合同成交额", "1.6亿元", "met", "1.68亿元", "105.0"),
    ("全社会研发经费投入强度", "2.15%", "met", "2.21%", "102.8"),
]


def test_last_years_targets_are_reported_met_or_not_from_the_draft_text(draft_2025: Path) -> None:
    result = compare(document_from_session(draft_2025), document_from_file(LAST))
    got = [
        (
            t.target.indicator,
            t.target.figure.raw,
            t.status,
            t.actual.raw if t.actual else None,
            str(t.rate),
        )
        for t in result.targets
    ]
    assert got == EXPECTED_TARGETS
    assert result.summary()["targets_met"] == 9


def test_figures_are_paired_year_on_year(draft_2025: Path) -> None:
    result = compare(document_from_session(draft_2025), document_from_file(LAST))
    rows = {r.indicator: r for r in result.rows if r.last and r.this}
    # Hand-checked against the 2024 summary (last) and figures-2025.yaml (this).
    expected = {
        "有效高新技术企业": ("54家", "63家", "增长16.7%"),
        "新认定高新技术企业": ("11家", "14家", "增长27.3%"),
        "申报市级以上科技项目": ("41项", "46项", "增长12.2%"),
        "争取上级科技资金": ("1520万元", "1716万元", "增长12.9%"),
        "专利申请": ("586件", "648件", "增长10.6%"),
        "技术合同成交额": ("1.41亿元", "1.68亿元", "增长19.1%"),
        "全社会研发经费投入强度": ("2.03%", "2.21%", "提高0.18个百分点"),
        "选派科技特派员": ("92名", "98名", "增长6.5%"),
        "新增市级以上科技创新平台": ("7个", "6个", "下降14.3%"),
    }
    for name, (last, this, change) in expected.items():
        row = rows[name]
        assert row.last is not None and row.this is not None
        assert (row.last.raw, row.this.raw, row.change) == (last, this, change)


def test_values_from_the_figures_file_win(draft_2025: Path, tmp_path: Path) -> None:
    changed = tmp_path / "figures.yaml"
    text = FIGURES.read_text(encoding="utf-8")
    text = text.replace("value: 648\n", "value: 650\n", 1)
    changed.write_text(text, encoding="utf-8")
    result = compare(
        document_from_session(draft_2025), document_from_file(LAST), figures=load_figures(changed)
    )
    row = next(r for r in result.rows if r.indicator == "专利申请" and r.this)
    assert row.this is not None and row.this.value == Decimal("650")
    assert row.this.source == "figures"
    patents = next(t for t in result.targets if t.target.indicator == "专利申请")
    assert patents.actual is not None and patents.actual.value == Decimal("650")


# --- reuse ----------------------------------------------------------------------------

COPIED = [
    "在工作中，注重引导企业开展专利导航和高价值专利布局，组织知识产权专题培训4期；",
    "推动银行机构创新知识产权金融产品，全年实现专利权质押融资3100万元；",
    "聚焦企业技术需求，推动高校院所创新资源与县域产业精准对接。",
]
# A few characters changed in each (verb swapped, a word added, a number changed).
NEAR = [
    (
        "配合有关部门开展知识产权执法检查，营造了良好的创新保护环境。",
        "配合相关部门开展知识产权执法检查，营造了良好的创新保护氛围。",
    ),
    (
        "县科技馆流动展览进入全县12个乡镇，新认定县级科普教育基地2个，青少年科技创新大赛参赛作品数量创历年新高。",
        "县科技馆流动展览进入全县14个乡镇，新认定县级科普教育基地3个，青少年科技创新大赛参赛作品数量再创新高。",
    ),
]
NEW = "今年我们首次组织开展了科技成果路演季活动，吸引了一批投资机构参与对接。"


def test_every_copied_and_nearly_copied_sentence_is_flagged(
    draft_2025: Path, tmp_path: Path
) -> None:
    d = copy_session(draft_2025, tmp_path / "d")
    session = Session.open(d)
    ip = session.section("area_ip")
    text = "".join([*COPIED[:2], NEW, ip.text, NEAR[0][1]])
    session.save_section(ip.edit(text))
    grass = session.section("area_grassroots")
    session.save_section(grass.edit(grass.text + "\n" + COPIED[2] + NEAR[1][1]))

    reused = find_reuse(document_from_session(d), document_from_file(LAST))
    flagged = {r.this_text: r for r in reused}
    for sentence in COPIED:
        assert flagged[sentence].kind == "verbatim", sentence
    for original, changed in NEAR:
        assert flagged[changed].kind == "near", changed
        assert flagged[changed].last_text == original
    assert NEW not in flagged


def test_a_sentence_embedded_in_a_longer_one_is_flagged() -> None:
    this = document_from_file(LAST)
    sentence = "推动银行机构创新知识产权金融产品，全年实现专利权质押融资3100万元；"
    this.parts[1].text = "为破解融资难题，我局多方协调，" + sentence.rstrip("；") + "，成效明显。"
    reused = find_reuse(this, document_from_file(LAST))
    assert any(r.kind == "partial" and r.last_text == sentence for r in reused)


def test_a_fresh_draft_reuses_verbatim_only_what_the_figures_file_carried_over(
    draft_2025: Path,
) -> None:
    this = document_from_session(draft_2025)
    result = compare(this, document_from_file(LAST))
    verbatim = [r for r in result.reused if r.kind == "verbatim"]
    # Only plan sentences the writer carried over in the figures file are the same as last
    # year's: the target of six new platforms and one unchanged priority.
    assert sorted((this.part(r.this_part).kind, r.this_text) for r in verbatim) == [
        ("plan", "加强高价值专利培育和运营，拓宽知识产权质押融资渠道；"),
        ("plan", "新增市级以上科技创新平台6个；"),
    ]


# --- sections and topics ----------------------------------------------------------------


def test_sections_are_aligned_by_kind_and_heading(draft_2025: Path) -> None:
    result = compare(document_from_session(draft_2025), document_from_file(LAST))
    pairs = {p.this.heading: p.last.heading for p in result.pairs if p.this is not None and p.last}
    assert pairs["二、存在的问题和不足"] == "二、存在的问题和不足"
    assert pairs["（一）主要目标"] == "（一）主要目标"
    assert pairs["（四）知识产权创造保护运用"] == "（四）提升知识产权质量，创造保护运用协同推进"
    assert pairs["（一）科技创新主体培育"] == "（一）实施梯次培育，创新主体队伍不断壮大"
    for p in result.pairs:
        if p.this is not None and p.last is not None:
            assert p.this.kind == p.last.kind


def test_topics_dropped_and_new(draft_2025: Path) -> None:
    result = compare(document_from_session(draft_2025), document_from_file(LAST))
    # Named in 2024 only; the 2025 figures file never mentions them.
    for topic in ("免申即享", "科技服务进万企", "恒川精工机械有限公司", "北岭大学"):
        assert topic in result.missing_topics
    # New in 2025 (figures-2025.yaml facts).
    assert "新材料研究院" not in result.missing_topics
    assert "新型研发机构" not in result.new_topics  # 2024 names it in its problems
    assert "警示教育" not in result.missing_topics
    assert "科技特派员" not in result.missing_topics


# --- the command ----------------------------------------------------------------------


def test_cli_json_has_figures_targets_and_reused(draft_2025: Path, tmp_path: Path) -> None:
    out = drafter_cli("compare", str(draft_2025), str(LAST), "--json", cwd=tmp_path).stdout
    data = json.loads(out)
    assert {"reused", "targets", "figures", "sections", "topics", "summary"} <= set(data)
    statuses = [(t["indicator"], t["status"], t["rate"]) for t in data["targets"]]
    assert [(n, s, r) for n, _, s, _, r in EXPECTED_TARGETS] == statuses
    assert any(
        f["indicator"] == "专利申请" and f["value"] == "648" for f in data["figures"]["this"]
    )


def test_cli_terminal_report(draft_2025: Path, tmp_path: Path) -> None:
    result = drafter_cli("compare", str(draft_2025), str(LAST), cwd=tmp_path)
    assert "上年目标完成情况" in result.stdout
    assert "未完成" in result.stdout and "科技型中小企业评价入库" in result.stdout


def test_cli_last_year_from_the_corpus_by_file_name(draft_2025: Path, tmp_path: Path) -> None:
    drafter_cli("ingest", str(LAST), "--store", "store", cwd=tmp_path)
    out = drafter_cli(
        "compare", str(draft_2025), LAST.name, "--store", "store", "--json", cwd=tmp_path
    ).stdout
    data = json.loads(out)
    assert data["last"]["origin"] == "corpus"
    statuses = [(t["indicator"], t["status"]) for t in data["targets"]]
    assert statuses == [(n, s) for n, _, s, _, _ in EXPECTED_TARGETS]


@pytest.mark.parametrize(
    ("this", "last", "needle"),
    [
        ("missing-dir", str(LAST), "找不到本年草稿"),
        ("{draft}", "无此文档.txt", "找不到上年总结"),
    ],
)
def test_cli_bad_input_is_one_chinese_message(
    draft_2025: Path, tmp_path: Path, this: str, last: str, needle: str
) -> None:
    this = this.replace("{draft}", str(draft_2025))
    result = drafter_cli("compare", this, last, cwd=tmp_path, check=False)
    assert result.returncode == 2
    assert needle in result.stderr


def test_real_corpus_documents_compare_end_to_end(real_corpus: Path) -> None:
    this = document_from_file(real_corpus / "web_district_2020_sti_bureau.txt")
    last = document_from_file(real_corpus / "web_county_2023_sti_bureau.txt")
    result = compare(this, last)
    # Two different bureaus: nothing copied, and last year's five targets are judged.
    assert [r for r in result.reused if r.kind == "verbatim"] == []
    assert [t.target.figure.raw for t in result.targets] == [
        "30项以上",
        "6家",
        "24%以上",
        "550件",
        "120件",
    ]
    # The district summary has no problems section: the county's is reported as unmatched.
    assert any(p.this is None and p.last and p.last.kind == "problems" for p in result.pairs)
    assert all(p.this.kind == p.last.kind for p in result.pairs if p.this and p.last)


def test_heading_similarity_ignores_numbering_and_years_but_not_words() -> None:
    assert heading_similarity("一、2024年主要工作", "一、2025年主要工作") == 1.0
    assert heading_similarity("（一）科技创新主体培育", "2.科技创新主体培育") == 1.0
    # 一流 is a word, not a number: it must survive on both sides.
    assert heading_similarity("一流营商环境建设", "（三）一流营商环境建设") == 1.0
    assert heading_similarity("科技项目", "知识产权") == 0.0
