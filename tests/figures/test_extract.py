"""Figures and targets read out of summaries, checked against lists written by hand.

Every expected list below was written by reading the document, not by running the code.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from conftest import EXAMPLES

from drafter.compare.align import document_from_file, plan_targets, stated_figures
from drafter.figures.extract import Figure, Target, extract_figures, extract_targets
from drafter.figures.matching import evaluate_targets, indicator_similarity, match_figures

LAST_2024 = EXAMPLES / "示例县科学技术局2024年工作总结及2025年工作打算.txt"


def triples(figures: list[Figure], measure: str = "level") -> list[tuple[str, str]]:
    return [(f.indicator, f.raw) for f in figures if f.measure == measure]


def target_list(targets: list[Target]) -> list[tuple[str, str]]:
    return [(t.indicator, t.figure.raw) for t in targets]


# --- the shapes named in the issue ---------------------------------------------------


def test_the_issue_examples_become_indicator_value_unit() -> None:
    text = "全县共有高新技术企业15家，专利申请87件，争取资金430万元，占比达到23.39%，完成计划的170.2%。"
    figures = extract_figures(text)
    got = [(f.indicator, f.value, f.unit, f.measure) for f in figures]
    assert got == [
        ("高新技术企业", Decimal("15"), "家", "level"),
        ("专利申请", Decimal("87"), "件", "level"),
        ("争取资金", Decimal("430"), "万元", "level"),
        ("占比", Decimal("23.39"), "%", "level"),
        ("占比", Decimal("170.2"), "%", "rate"),
    ]


def test_growth_and_rate_belong_to_the_figure_before_them() -> None:
    text = "全年完成专利申请586件，完成年度目标的106.5%，比上年增长12.5%，其中发明专利申请131件。"
    figures = extract_figures(text)
    assert [(f.indicator, f.raw, f.measure) for f in figures] == [
        ("专利申请", "586件", "level"),
        ("专利申请", "106.5%", "rate"),
        ("专利申请", "12.5%", "growth"),
        ("发明专利申请", "131件", "level"),
    ]


def test_a_number_before_its_noun_is_named_by_the_noun() -> None:
    figures = extract_figures("完成84项科技成果登记；县科技馆流动展览进入全县12个乡镇。")
    assert triples(figures) == [("完成科技成果登记", "84项"), ("乡镇", "12个")]


def test_numbers_inside_names_years_and_enumerations_are_not_figures() -> None:
    text = "一是落实“12条政策”，市“3315计划”3个，2025年是“十四五”规划收官之年，一体化推进。"
    assert triples(extract_figures(text)) == [("市“3315计划”", "3个")]


def test_qualifiers_are_kept() -> None:
    figures = extract_figures("申报市级以上科技项目30项以上，培训农民3900余人次。")
    assert [(f.indicator, f.value, f.qualifier) for f in figures] == [
        ("申报市级以上科技项目", Decimal("30"), "以上"),
        ("培训农民", Decimal("3900"), "余"),
    ]


# --- the example bureau ---------------------------------------------------------------


def test_example_bureau_figures_of_the_ip_section() -> None:
    doc = document_from_file(LAST_2024)
    ip = next(p for p in doc.parts if p.heading.startswith("（四）提升知识产权质量"))
    figures = extract_figures(ip.text)
    assert triples(figures) == [
        ("专利申请", "586件"),
        ("发明专利申请", "131件"),
        ("专利授权", "347件"),
        ("发明专利授权", "46件"),
        ("每万人口发明专利拥有量", "5.63件"),
        ("组织知识产权专题培训", "4期"),
        ("专利权质押融资", "3100万元"),
    ]
    assert triples(figures, "growth") == [
        ("专利申请", "12.5%"),
        ("发明专利申请", "17.0%"),
        ("专利授权", "9.1%"),
        ("发明专利授权", "21.1%"),
        ("每万人口发明专利拥有量", "0.77件"),
    ]
    assert triples(figures, "rate") == [
        ("专利申请", "106.5%"),
        ("发明专利申请", "109.2%"),
        ("每万人口发明专利拥有量", "102.4%"),
    ]


def test_example_bureau_stated_figures_include_the_key_indicators() -> None:
    figures = triples(stated_figures(document_from_file(LAST_2024)))
    for expected in [
        ("有效高新技术企业", "54家"),
        ("科技型中小企业评价入库", "163家"),
        ("专利申请", "586件"),
        ("新增市级以上科技创新平台", "7个"),
        ("全社会研发经费投入强度", "2.03%"),
        ("申报市级以上科技项目", "41项"),
        ("争取上级科技资金", "1520万元"),
        ("市级以上科技创新平台", "44个"),
        ("引进科技成果", "48项"),
        ("技术合同成交额", "1.41亿元"),
        ("选派科技特派员", "92名"),
        ("开展科普活动", "142场次"),
        ("受益群众", "3.6万人次"),
        ("办结企业反映问题", "31件"),
    ]:
        assert expected in figures
    # The 2025 targets live in the plan section and are not this year's figures.
    assert ("专利申请", "620件") not in figures
    # Each figure once, although the opening repeats the body.
    assert figures.count(("有效高新技术企业", "54家")) == 1


def test_example_bureau_targets_for_2025() -> None:
    targets = plan_targets(document_from_file(LAST_2024))
    assert target_list(targets) == [
        ("有效高新技术企业", "60家"),
        ("科技型中小企业评价入库", "180家"),
        ("申报市级以上科技项目", "40项以上"),
        ("争取上级科技资金", "1650万元"),
        ("新增市级以上科技创新平台", "6个"),
        ("专利申请", "620件"),
        ("发明专利申请", "140件"),
        ("每万人口发明专利拥有量", "6.3件"),
        ("引进科技成果", "50项"),
        ("技术合同成交额", "1.6亿元"),
        ("全社会研发经费投入强度", "2.15%"),
    ]


# --- targets against actuals ----------------------------------------------------------


def test_a_target_is_met_across_units_and_its_rate_computed() -> None:
    (target,) = extract_targets("技术合同成交额达到1.6亿元。")
    actual = extract_figures("全年技术合同成交额16800万元。")
    (result,) = evaluate_targets([target], actual)
    assert result.status == "met"
    assert result.rate == Decimal("105.0")


def test_a_target_is_missed_or_not_reported() -> None:
    targets = extract_targets("完成专利申请550件，引进科技成果50项。")
    actual = extract_figures("全年专利申请520件。")
    missed, unreported = evaluate_targets(targets, actual)
    assert (missed.status, missed.rate) == ("not_met", Decimal("94.5"))
    assert unreported.status == "not_reported" and unreported.actual is None


def test_a_ceiling_target_is_met_by_staying_below_it() -> None:
    (target,) = extract_targets("安全事故起数控制在3起以内。")
    assert target.at_most
    (result,) = evaluate_targets([target], extract_figures("全年安全事故起数2起。"))
    assert result.status == "met"


def test_indicator_names_match_without_their_verbs_but_not_a_narrower_indicator() -> None:
    assert indicator_similarity("完成专利申请", "专利申请") == 1.0
    broad, narrow = extract_figures("专利申请550件。"), extract_figures("发明专利申请120件。")
    assert match_figures(broad, narrow) == []


# --- the real web copies ------------------------------------------------------------


def test_real_county_2023_figures_and_targets(real_corpus: Path) -> None:
    doc = document_from_file(real_corpus / "web_county_2023_sti_bureau.txt")
    figures = stated_figures(doc)
    levels = triples(figures)
    # The opening paragraph, read by hand.
    for expected in [
        ("高新技术企业", "15家"),
        ("引进先进科技成果", "126项"),
        ("新增产学研合作企业", "120家"),
        ("创立省级以上科技创新平台", "8家"),
        ("申报市级以上科技工程", "31项"),
        ("争取资金", "430万元"),
        ("创造专利申请", "87件"),
        ("授权创造专利", "17件"),
        ("高新技术产业产值占规模以上工业产值比重", "23.39%"),
        ("申报市级以上科技创新平台", "15家"),
        ("省级众创空间企业", "3家"),
        ("组织集中学习", "28次"),
        ("确定联系户", "564户"),
        ("发放宣传资料", "2500多份"),
    ]:
        assert expected in levels
    assert ("引进先进科技成果", "170.2%") in triples(figures, "rate")
    assert target_list(plan_targets(doc)) == [
        ("申报市级以上科技工程", "30项以上"),
        ("申报高新技术企业", "6家"),
        ("高新技术产业产值占规模以上工业总产值的比重", "24%以上"),
        ("专利申请", "550件"),
        ("创造专利申请", "120件"),
    ]


def test_real_district_2020_figures_and_targets(real_corpus: Path) -> None:
    doc = document_from_file(real_corpus / "web_district_2020_sti_bureau.txt")
    levels = triples(stated_figures(doc))
    for expected in [
        ("发放科技金融贷款", "20笔"),
        ("发放科技金融贷款", "6150万元"),
        ("新增国家科技型中小企业", "228家"),
        ("市科技型中小企业", "449家"),
        ("组织申报各类科技项目", "200多项"),
        ("引进科技成果", "45项"),
        ("对接海外工程师", "383名"),
        ("新引进注册人才创业项目", "52个"),
        ("组建成立科技志愿服务队", "11支"),
    ]:
        assert expected in levels
    # Quoted programme names (“3315计划”) and the “十四五” are not counted.
    assert not any(raw in ("3315", "十四五") for _, raw in levels)
    targets = plan_targets(doc)
    assert [(t.indicator[-8:], t.figure.raw) for t in targets] == [
        ("科技创新创业团队", "1个"),
        ("建技术创新平台", "1家"),
    ]


def test_real_shouguang_half_year_figures_and_no_targets(real_corpus: Path) -> None:
    doc = document_from_file(real_corpus / "web_shouguang_2018h1_sti_bureau.txt")
    levels = triples(stated_figures(doc))
    for expected in [
        ("推荐省级工程技术研究中心", "4家"),
        ("推荐潍坊市科技发展计划项目", "20项"),
        ("完成科技成果登记", "84项"),
        ("推荐省优秀科技特派员", "6名"),
        ("高新技术企业", "66家"),
        ("科技型中小企业入库企业", "28家"),
    ]:
        assert expected in levels
    # The copy breaks off at the start of the plan: no targets to report against.
    assert plan_targets(doc) == []


@pytest.mark.parametrize(
    "text",
    ["", "一是加强培训。", "2025年是“十四五”规划收官之年。"],
)
def test_text_without_quantities_has_no_figures(text: str) -> None:
    assert extract_figures(text) == []
