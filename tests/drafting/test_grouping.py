"""A work area's many facts grouped by theme into at most five 一是…五是 items."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from drafter.drafting.compose import enumerate_items, fallback_template
from drafter.drafting.grouping import enumerate_grouped, group_facts, join_group
from drafter.drafting.outline import load_outline, outline_path_for, plan_sections
from drafter.figures import build_slot_table, load_figures
from drafter.figures.check import check_text
from drafter.lint.drafting import lint_problems

# A city 科技局's area of 16 facts, themes mixed as bureaus list them
FINANCE, TALENT, PLATFORM, TRANSFER = "金融", "人才", "平台", "转化"
CITY_FACTS = [
    (FINANCE, "联合3家银行推出“科技贷”产品，为86家科技型中小企业发放贷款4.6亿元"),
    (FINANCE, "设立规模2亿元的天使投资基金，完成投资项目12个"),
    (TALENT, "引进高层次创新创业团队8个，新增博士后工作站3家"),
    (PLATFORM, "建成省级重点实验室2家，新增市级工程技术研究中心11家"),
    (TRANSFER, "举办科技成果对接会6场，促成校地合作项目42项"),
    (FINANCE, "出资参股组建科技金融服务公司，注册资本1000万元"),
    (FINANCE, "为科技型企业提供知识产权质押融资2.3亿元，新增科技保险保额5亿元"),
    (TALENT, "选派科技特派员126名，开展技术服务1800余人次"),
    (PLATFORM, "新增国家级科技企业孵化器1家，众创空间在孵企业达到320家"),
    (TRANSFER, "登记技术合同1265项，技术合同成交额达到38.6亿元"),
    (TALENT, "开展“人才新政”宣讲20场，兑现人才奖补资金2860万元"),
    (PLATFORM, "与浙江大学共建产业技术研究院，新增新型研发机构4家"),
    (TRANSFER, "组织科技成果拍卖会2场，成交金额1.2亿元"),
    (TALENT, "实施青年科技人才托举计划，资助青年科技人才56名"),
    (FINANCE, "推动科技担保机构为42家企业提供担保3.1亿元"),
    (TRANSFER, "建设中试基地3个，推动42项成果在本地转化落地"),
]
# A county 农业农村局's area: production, farmland, rural works, market
FARM_FACTS = [
    ("粮食", "全县粮食播种面积稳定在45.6万亩，总产量达到18.2万吨"),
    ("农田", "新建高标准农田3.2万亩，完成农田水利设施改造46处"),
    ("市场", "组织农产品产销对接会5场，签约金额1.8亿元"),
    ("粮食", "推广水稻绿色高产技术，示范面积2.1万亩"),
    ("乡村", "实施农村人居环境整治，完成农村户厕改造1260户"),
    ("市场", "培育农产品电商企业23家，网络销售额达到3.5亿元"),
    ("农田", "建成高标准农田示范区2个，配套灌溉渠道38公里"),
    ("乡村", "新建乡村道路56公里，实施乡村振兴示范村建设12个"),
]


def _themes(facts: list[tuple[str, str]], groups: list[list[int]]) -> list[set[str]]:
    return [{facts[i][0] for i in group} for group in groups]


def _check_partition(groups: list[list[int]], n: int, max_groups: int = 5) -> None:
    assert len(groups) <= max_groups
    assert sorted(i for g in groups for i in g) == list(range(n))  # every fact exactly once
    assert all(g == sorted(g) for g in groups)  # original order within a group
    assert [g[0] for g in groups] == sorted(g[0] for g in groups)  # ordered by first fact


@pytest.mark.parametrize("facts", [CITY_FACTS, FARM_FACTS], ids=["city-keji", "county-nongye"])
def test_facts_are_grouped_by_theme(facts: list[tuple[str, str]]) -> None:
    texts = [t for _, t in facts]
    groups = group_facts(texts, 5 if len(facts) > 10 else 4)
    _check_partition(groups, len(texts), 5 if len(facts) > 10 else 4)
    assert all(len(themes) == 1 for themes in _themes(facts, groups)), groups
    assert len({frozenset(t) for t in _themes(facts, groups)}) == len(groups)


def test_grouping_is_deterministic_and_independent_of_call_order() -> None:
    texts = [t for _, t in CITY_FACTS]
    first = group_facts(texts)
    for _ in range(3):
        assert group_facts(list(texts)) == first


@pytest.mark.parametrize("n", [0, 1, 3, 5])
def test_five_facts_or_fewer_are_left_alone(n: int) -> None:
    texts = [t for _, t in CITY_FACTS[:n]]
    assert group_facts(texts) == [[i] for i in range(n)]


@pytest.mark.parametrize("n", [6, 7, 11, 16, 23])
def test_facts_without_words_are_grouped_with_their_neighbours(n: int) -> None:
    refs = [f"{{K{i + 1}}}" for i in range(n)]
    groups = group_facts(refs)
    _check_partition(groups, n)
    assert all(g == list(range(g[0], g[-1] + 1)) for g in groups)  # contiguous runs
    assert max(map(len, groups)) - min(map(len, groups)) <= 1  # and balanced


def test_a_group_is_one_item_of_sentences() -> None:
    assert join_group(["抓创新。", "促转化；", "强人才"]) == "抓创新；促转化；强人才"
    text = enumerate_grouped(["A", "B", "C"], [[0, 2], [1]])
    assert text == "一是A；C。二是B。"
    with pytest.raises(ValueError):
        enumerate_grouped(["A"] * 6, [[i] for i in range(6)])


def test_enumerate_items_never_writes_a_sixth_item_or_tongshi() -> None:
    texts = [t for _, t in CITY_FACTS]
    written = enumerate_items(texts)
    assert "六是" not in written and "同时" not in written
    assert written.startswith("一是") and "四是" in written  # four themes: four items
    for _, fact in CITY_FACTS:
        assert fact in written  # every fact, numbers verbatim
    assert lint_problems(written) == []
    assert enumerate_items(["甲", "乙"]) == "一是甲；二是乙。"  # ≤ 5: unchanged


def _area_figures(tmp_path: Path, facts: list[str]) -> Path:
    data: dict[str, Any] = {
        "bureau": "测试市科学技术局",
        "year": 2025,
        "sections": [
            {
                "id": "finance",
                "name": "科技金融与成果转化",
                "indicators": [
                    {"name": "技术合同成交额", "value": 38.6, "unit": "亿元", "previous": 30.1},
                    {"name": "新认定高新技术企业", "value": 14, "unit": "家"},
                    {"name": "省级科学技术奖", "value": 3, "unit": "项"},
                ],
                "facts": facts,
            }
        ],
        "problems": ["企业研发投入不足"],
        "plan": {"priorities": ["深化科技金融改革"]},
    }
    path = tmp_path / "figures.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_the_fallback_of_a_16_fact_area_reads_as_five_items_at_most(tmp_path: Path) -> None:
    facts = [t for _, t in CITY_FACTS]
    figures = load_figures(_area_figures(tmp_path, facts))
    table = build_slot_table(figures)
    outline = load_outline(outline_path_for(figures.period))
    task = next(t for t in plan_sections(outline, figures, table) if t.id == "area_finance")
    text = table.render(fallback_template(task, figures.bureau))
    assert check_text(text, table.allowed_values()) == []
    assert lint_problems(text) == []
    assert "六是" not in text and "同时" not in text and "四是" in text
    for fact in facts:
        assert fact in text
    # the verbs fit: a flow holds its verb, an honour is 获, a turnover 实现
    assert "新认定高新技术企业14家" in text
    assert "获省级科学技术奖3项" in text
    assert "技术合同成交额实现38.6亿元" in text
    assert "达到14家" not in text
