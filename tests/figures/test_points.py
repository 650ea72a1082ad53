"""Work-area points: a work area's facts under its own sub-headings (（一）（二） below a 一、
area, 1. 2. below a （一） area) — validated, slotted, planned and rendered."""

from __future__ import annotations

from pathlib import Path

import pytest

from drafter.drafting.outline import load_outline, outline_path_for, plan_sections
from drafter.errors import InputError
from drafter.figures import build_slot_table, load_figures, point_section_id
from drafter.models import Period

HEAD = """bureau: 示例市科学技术局
region: 示例市
year: 2025
"""

GOOD = (
    HEAD
    + """sections:
  - id: firms
    name: 强化企业培育
    indicators:
      - {name: 高新技术企业, value: 570, unit: 家, previous: 520}
    facts:
      - 出台企业培育政策2项
    points:
      - name: 实施企业梯次培育
        facts:
          - 新认定科技型中小企业320家
          - 组织政策培训8场
      - name: 加大研发投入激励
        facts: [兑现研发费用补助资金2100万元，惠及企业190家]
  - id: transfer
    name: 深化成果转化
    points:
      - name: 建设技术交易市场
        facts: [新建技术转移机构4家]
problems: [高端创新人才不足]
"""
)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "figures.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_points_get_their_own_fact_slots_and_the_area_keeps_its_indicators(
    tmp_path: Path,
) -> None:
    figures = load_figures(write(tmp_path, GOOD))
    table = build_slot_table(figures)
    area = [s.id for s in table.slots_for_section("firms") if s.role in ("value", "fact")]
    first = [
        s.id for s in table.slots_for_section(point_section_id("firms", 1)) if s.role == "fact"
    ]
    second = [
        s.id for s in table.slots_for_section(point_section_id("firms", 2)) if s.role == "fact"
    ]
    assert area == ["F1", "K1"]
    assert first == ["K2", "K3"] and second == ["K4"]
    assert table["K4.1"].text == "2100万元" and table["K4.2"].text == "190家"
    assert "实施企业梯次培育" in table.data_texts()
    assert [(a.id, n, p.name) for a, n, p in figures.points()] == [
        ("firms", 1, "实施企业梯次培育"),
        ("firms", 2, "加大研发投入激励"),
        ("transfer", 1, "建设技术交易市场"),
    ]


@pytest.mark.parametrize(
    ("period", "expected"),
    [
        (
            Period.ANNUAL,
            [
                (1, "achievements", "一、2025年主要工作及成效", True),
                (2, "area_firms", "（一）强化企业培育", False),
                (3, "point_firms_1", "1.实施企业梯次培育", False),
                (3, "point_firms_2", "2.加大研发投入激励", False),
                (2, "area_transfer", "（二）深化成果转化", True),  # points only: heading-only
                (3, "point_transfer_1", "1.建设技术交易市场", False),
            ],
        ),
    ],
)
def test_points_are_sections_one_level_below_their_area(
    tmp_path: Path, period: Period, expected: list[tuple[int, str, str, bool]]
) -> None:
    figures = load_figures(write(tmp_path, GOOD))
    tasks = plan_sections(
        load_outline(outline_path_for(period)), figures, build_slot_table(figures)
    )
    got = [(t.level, t.id, t.heading, t.container) for t in tasks if t.kind == "achievements"]
    assert got == expected
    by_id = {t.id: t for t in tasks}
    assert by_id["area_firms"].required == ["{F1}", "{K1}"]
    assert by_id["point_firms_1"].required == ["{K2}", "{K3}"]
    assert by_id["point_firms_1"].work_area == "firms"


@pytest.mark.parametrize(
    ("edit", "place", "words"),
    [
        (
            lambda t: t.replace("        facts: [新建技术转移机构4家]\n", ""),
            "sections[1].points[0].facts",
            ["要点", "建设技术交易市场", "没有工作事实"],
        ),
        (
            lambda t: t.replace("name: 加大研发投入激励", "name: 实施企业梯次培育"),
            "sections[0].points[1].name",
            ["要点名称重复", "实施企业梯次培育"],
        ),
        (
            lambda t: t.replace(
                "      - name: 建设技术交易市场", "      - title: 建设技术交易市场"
            ),
            "sections[1].points[0]",
            ["未知字段", "name"],
        ),
        (
            lambda t: t.replace(
                "    points:\n      - name: 建设技术交易市场\n        facts: [新建技术转移机构4家]\n",
                "    points: []\n",
            ),
            "sections[1]",
            ["既没有指标也没有工作事实", "points"],
        ),
        (
            lambda t: t.replace("facts: [新建技术转移机构4家]", "facts: 新建技术转移机构4家"),
            "sections[1].points[0].facts",
            ["应为列表"],
        ),
    ],
    ids=["point-without-facts", "duplicate-point", "unknown-key", "area-empty", "facts-not-list"],
)
def test_bad_points_are_explained_in_chinese_naming_the_field(
    tmp_path: Path, edit: object, place: str, words: list[str]
) -> None:
    with pytest.raises(InputError) as caught:
        load_figures(write(tmp_path, edit(GOOD)))  # type: ignore[operator]
    message = str(caught.value) + (caught.value.hint or "")
    assert place in message, message
    for word in words:
        assert word in message, message
