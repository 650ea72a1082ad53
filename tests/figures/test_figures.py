"""The figures file: validation in Chinese, derived figures, number formatting, slots,
the same figures from Excel and CSV, and the example bureau's 2025 figures."""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from drafter.errors import InputError
from drafter.figures import (
    FiguresFile,
    IndicatorKind,
    UnknownSectionError,
    UnknownSlotError,
    build_slot_table,
    change_wording,
    completion_rate,
    completion_wording,
    convert_amount,
    convert_indicator,
    delta_wording,
    format_quantity,
    load_figures,
    percent_change,
    status_wording,
)
from drafter.models import Period
from drafter.testing.documents import HEADER, INFO, ROWS

GOOD = """\
bureau: 示例县科学技术局
region: 示例县
year: 2025
period: annual
sections:
  - id: entities
    name: 科技创新主体培育
    indicators:
      - name: 高新技术企业
        value: 42
        unit: 家
        previous: 36
        target: 40
        basis: 有效期内
      - name: 研发投入强度
        value: 2.03
        unit: "%"
        previous: 1.86
        target: 2.0
      - name: 技术合同成交额
        value: 1.50
        unit: 亿元
        previous: 0.75
    facts:
      - 组织高新技术企业认定政策培训3场，覆盖企业86家
  - name: 平台建设
    indicators:
      - name: 新型研发机构
        value: 1
        unit: 个
        previous: 0
problems:
  - 全社会研发投入强度仍低于全市平均水平
plan:
  targets:
    - name: 新增高新技术企业
      value: 6
      unit: 家
      qualifier: 以上
  priorities:
    - 深入实施科技型企业梯次培育行动
"""


def write(tmp_path: Path, text: str, name: str = "figures.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def error_of(path: Path) -> str:
    """The message a user sees; it always names the file and is never a traceback."""
    with pytest.raises(InputError) as caught:
        load_figures(path)
    message = str(caught.value)
    assert str(path) in message
    assert caught.value.path == str(path)
    assert "Traceback" not in message and "pydantic" not in message.lower()
    assert "validation error" not in message.lower()
    return message


@pytest.fixture
def figures(tmp_path: Path) -> FiguresFile:
    return load_figures(write(tmp_path, GOOD))


# ---------------------------------------------------------------------------------------
# Loading a good file
# ---------------------------------------------------------------------------------------


def test_a_good_file_loads_with_defaults_filled_in(figures: FiguresFile) -> None:
    assert figures.bureau == "示例县科学技术局"
    assert figures.period is Period.ANNUAL
    assert figures.title == "示例县科学技术局2025年工作总结及2026年工作打算"
    assert [s.id for s in figures.sections] == ["entities", "s2"]
    kinds = [i.kind for _, i in figures.indicators()]
    assert kinds == [
        IndicatorKind.COUNT,
        IndicatorKind.RATE,
        IndicatorKind.AMOUNT,
        IndicatorKind.COUNT,
    ]


def test_decimals_are_kept_as_written_and_integers_stay_integers(figures: FiguresFile) -> None:
    hightech, rd, contracts = figures.sections[0].indicators
    assert hightech.value == 42 and type(hightech.value) is int
    assert isinstance(contracts.value, Decimal) and str(contracts.value) == "1.50"
    assert str(rd.target) == "2.0"


def test_half_year_title_is_composed_for_the_half_year(tmp_path: Path) -> None:
    figures = load_figures(write(tmp_path, GOOD.replace("period: annual", "period: 上半年")))
    assert figures.period is Period.HALF_YEAR
    assert figures.title == "示例县科学技术局2025年上半年工作总结及下半年工作打算"


def test_a_given_title_is_kept(tmp_path: Path) -> None:
    text = GOOD.replace("period: annual", "period: annual\ntitle: 县科技局2025年工作总结")
    assert load_figures(write(tmp_path, text)).title == "县科技局2025年工作总结"


# ---------------------------------------------------------------------------------------
# Bad input: every message is Chinese, names the file, the field and the fix
# ---------------------------------------------------------------------------------------

Edit = Callable[[str], str]


def replace(old: str, new: str) -> Edit:
    def edit(text: str) -> str:
        assert old in text, old
        return text.replace(old, new, 1)

    return edit


BAD_INPUTS: list[tuple[str, Edit, str, list[str]]] = [
    ("missing bureau", replace("bureau: 示例县科学技术局\n", ""), "bureau",
     ["缺少必填字段", "bureau: 示例县科学技术局"]),
    ("missing year", replace("year: 2025\n", ""), "year", ["缺少必填字段", "year: 2025"]),
    ("year with 年", replace("year: 2025", "year: 2025年"), "year（第3行）",
     ["年份应为整数", "year: 2025"]),
    ("year not an integer", replace("year: 2025", "year: 2025.5"), "year",
     ["年份应为整数", "2025.5"]),
    ("year implausibly early", replace("year: 2025", "year: 1925"), "year",
     ["年份不合理", "2000"]),
    ("year implausibly late", replace("year: 2025", "year: 20251"), "year", ["年份不合理"]),
    ("unknown period", replace("period: annual", "period: 全年度"), "period",
     ["未知的总结期间", "annual", "half_year"]),
    ("value in Chinese numerals", replace("value: 42", "value: 十五"),
     "sections[0].indicators[0].value（第10行）", ["不是数字", "阿拉伯数字", "value: 15"]),
    ("value with its unit", replace("value: 42", "value: 15家"),
     "sections[0].indicators[0].value", ["不是数字", "value: 15", "unit: 家", "unit 字段"]),
    ("value with a note", replace("value: 42", "value: 预计42"),
     "sections[0].indicators[0].value", ["不是数字", "value: 42", "basis"]),
    ("value read as yes/no", replace("value: 42", "value: yes"),
     "sections[0].indicators[0].value", ["应为数字", "yes/no"]),
    ("negative count", replace("value: 42", "value: -3"), "sections[0].indicators[0].value",
     ["不能为负数", "数量"]),
    ("negative previous count", replace("previous: 36", "previous: -36"),
     "sections[0].indicators[0].previous", ["上年数不能为负数"]),
    ("missing unit", replace("        unit: 家\n        previous: 36", "        previous: 36"),
     "sections[0].indicators[0].unit", ["缺少必填字段", "unit: 家"]),
    ("empty unit", replace("unit: 家\n        previous: 36", "unit: ''\n        previous: 36"),
     "sections[0].indicators[0].unit", ["缺少单位"]),
    ("previous not a number", replace("previous: 36", "previous: 三十六"),
     "sections[0].indicators[0].previous", ["不是数字", "previous: 36"]),
    ("target not a number", replace("target: 40", "target: 40家以上"),
     "sections[0].indicators[0].target", ["不是数字"]),
    ("target zero", replace("target: 40", "target: 0"), "sections[0].indicators[0].target",
     ["目标必须大于0", "完成率"]),
    ("duplicate indicator names", replace("name: 研发投入强度", "name: 高新技术企业"),
     "sections[0].indicators[1].name", ["指标名称重复", "高新技术企业"]),
    ("empty sections list", lambda t: t.split("sections:")[0] + "sections: []\n", "sections",
     ["sections 是空的"]),
    ("sections left blank", lambda t: t.split("sections:")[0] + "sections:\n", "sections",
     ["sections 是空的"]),
    ("sections not a list", lambda t: t.split("sections:")[0] + "sections: 科技创新\n",
     "sections", ["应为列表", "- "]),
    ("typo in a key",
     replace("    indicators:\n      - name: 高新", "    indicatorz:\n      - name: 高新"),
     "sections[0].indicatorz", ["未知字段“indicatorz”", "是不是想写“indicators”"]),
    ("typo in a top-level key", replace("problems:", "problem:"), "problem",
     ["未知字段", "“problems”"]),
    ("Chinese key", replace("value: 42", "数值: 42"), "sections[0].indicators[0].数值",
     ["未知字段", "“value”"]),
    ("rate above 100", replace("value: 2.03", "value: 203"), "sections[0].indicators[1].value",
     ["0到100之间", "203"]),
    ("rate target above 100", replace("target: 2.0", "target: 200"),
     "sections[0].indicators[1].target", ["0到100之间"]),
    ("percent unit declared a count", replace("target: 2.0", "target: 2.0\n        kind: count"),
     "sections[0].indicators[1].kind", ["不能是 count"]),
    ("rate kind without percent", replace("unit: 亿元", "unit: 亿元\n        kind: rate"),
     "sections[0].indicators[2].unit", ["单位应为 %"]),
    ("unknown kind", replace("unit: 亿元", "unit: 亿元\n        kind: money"),
     "sections[0].indicators[2].kind", ["未知的指标性质"]),
    ("work area with nothing in it",
     replace("    indicators:\n      - name: 新型研发机构\n        value: 1\n        unit: 个\n"
             "        previous: 0\n", ""),
     "sections[1]", ["既没有指标也没有工作事实"]),
    ("fact read as a mapping because of an ASCII colon",
     replace("- 组织高新技术企业认定政策培训3场，覆盖企业86家", "- 组织培训: 3场"),
     "sections[0].facts[0]", ["键值对", "中文冒号"]),
    ("indicator written as a sentence",
     replace("      - name: 新型研发机构\n        value: 1\n        unit: 个\n"
             "        previous: 0\n", "      - 新型研发机构1个\n"),
     "sections[1].indicators[0]", ["应为一组“键: 值”"]),
    ("section id not ASCII", replace("id: entities", "id: 主体培育"), "sections[0].id",
     ["小写英文字母"]),
    ("section id reserved", replace("id: entities", "id: plan"), "sections[0].id", ["保留"]),
    ("section id clashing with a default", replace("id: entities", "id: s2"), "sections[0].id",
     ["默认编号冲突"]),
    ("unknown plan qualifier", replace("qualifier: 以上", "qualifier: 大约"),
     "plan.targets[0].qualifier", ["未知的限定词", "以上", "不低于"]),
    ("empty indicator name", replace("name: 高新技术企业", "name: ''"),
     "sections[0].indicators[0].name", ["是空的"]),
    ("unit containing a number", replace("unit: 个", "unit: 10个"),
     "sections[1].indicators[0].unit", ["单位里不能有数字"]),
]


@pytest.mark.parametrize(
    ("edit", "where", "words"),
    [pytest.param(edit, where, words, id=name) for name, edit, where, words in BAD_INPUTS],
)
def test_bad_input_is_explained_in_chinese(
    tmp_path: Path, edit: Edit, where: str, words: list[str]
) -> None:
    path = write(tmp_path, edit(GOOD))
    message = error_of(path)
    assert where in message
    for word in words:
        assert word in message
    assert "提示：" in message  # one problem: the fix is shown as a hint


def test_several_problems_are_listed_together_each_with_its_fix(tmp_path: Path) -> None:
    text = GOOD.replace("value: 42", "value: 15家").replace("previous: 36", "previous: 三十六")
    message = error_of(write(tmp_path, text))
    assert "有2处错误" in message
    assert "1. sections[0].indicators[0].value（第10行）：不是数字：“15家”。改法：" in message
    assert "2. sections[0].indicators[0].previous（第12行）：不是数字：“三十六”" in message


def test_malformed_yaml_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("    name: 科技创新主体培育", "    name: 科技: 创新"))
    message = error_of(path)
    assert "第7行" in message
    assert "YAML 格式错误" in message and "中文冒号" in message


def test_tabs_in_yaml_are_named(tmp_path: Path) -> None:
    message = error_of(write(tmp_path, GOOD.replace("  - id: entities", "\t- id: entities")))
    assert "第6行" in message and "制表符" in message


def test_top_level_must_be_a_mapping(tmp_path: Path) -> None:
    message = error_of(write(tmp_path, "- 高新技术企业 42家\n- 专利 586件\n"))
    assert "文件顶层" in message and "一个列表" in message and "bureau" in message


def test_duplicate_keys_are_an_error_not_silently_overwritten(tmp_path: Path) -> None:
    message = error_of(write(tmp_path, GOOD.replace("year: 2025", "year: 2025\nyear: 2024")))
    assert "第4行" in message and "“year”重复出现" in message and "第3行" in message


def test_empty_file(tmp_path: Path) -> None:
    assert "文件是空的" in error_of(write(tmp_path, ""))


def test_missing_file_and_unsupported_type(tmp_path: Path) -> None:
    assert "找不到数据文件" in error_of(tmp_path / "nope.yaml")
    old_excel = tmp_path / "figures.xls"
    old_excel.write_bytes(b"\xd0\xcf\x11\xe0")
    assert "另存为 .xlsx" in error_of(old_excel)


def test_gb18030_yaml_is_read(tmp_path: Path) -> None:
    path = tmp_path / "figures.yaml"
    path.write_bytes(GOOD.encode("gb18030"))
    assert load_figures(path).bureau == "示例县科学技术局"


# ---------------------------------------------------------------------------------------
# Derived figures and their wording
# ---------------------------------------------------------------------------------------


def test_growth_decline_and_no_change() -> None:
    assert change_wording(42, 36, "家").text == "同比增长16.7%"
    assert change_wording(1520, 1580, "万元").text == "同比下降3.8%"
    assert change_wording(5, 5, "项").text == "与上年持平"
    assert change_wording(Decimal("1.50"), Decimal("1.5"), "亿元").text == "与上年持平"


def test_half_year_compares_with_the_same_period_last_year() -> None:
    assert change_wording(5, 5, "项", Period.HALF_YEAR).text == "与上年同期持平"
    assert change_wording(Decimal("2.1"), Decimal("1.9"), "%", Period.HALF_YEAR).text == (
        "比上年同期提高0.2个百分点"
    )


def test_rates_change_in_percentage_points() -> None:
    wording = change_wording(Decimal("2.03"), Decimal("1.86"), "%")
    assert wording.text == "比上年提高0.17个百分点"
    assert wording.numbers == ((Decimal("0.17"), "个百分点"),)
    assert change_wording(Decimal("23.5"), Decimal("25.6"), "%").text == "比上年下降2.1个百分点"


def test_first_time_when_last_year_was_zero() -> None:
    assert change_wording(1, 0, "个").text == "实现零的突破"
    assert delta_wording(1, 0, "个").text == "增加1个"


def test_doubling_and_multiples_follow_the_chinese_convention() -> None:
    assert change_wording(Decimal("1.50"), Decimal("0.75"), "亿元").text == "同比翻一番"
    assert change_wording(40, 10, "家").text == "同比翻两番"
    assert change_wording(25, 10, "家").text == "同比增长1.5倍"
    assert change_wording(30, 10, "家").text == "同比增长2倍"
    assert change_wording(199, 100, "家").text == "同比增长99%"


def test_amounts_increase_or_decrease() -> None:
    assert delta_wording(42, 36, "家").text == "增加6家"
    assert delta_wording(1520, 1580, "万元").text == "减少60万元"
    assert delta_wording(Decimal("5.63"), Decimal("4.86"), "件").text == "增加0.77件"
    assert delta_wording(Decimal("2.03"), Decimal("1.86"), "%").text == "提高0.17个百分点"
    assert change_wording(-20, 50, "万元", Period.ANNUAL).text == "比上年减少70万元"


def test_completion_over_at_and_under_target() -> None:
    assert completion_wording(42, 40, "家").text == "完成年度目标的105%"
    assert status_wording(42, 40).text == "超额完成年度目标"
    assert completion_wording(6, 6, "个").text == "完成年度目标的100%"
    assert status_wording(6, 6).text == "完成年度目标"
    assert completion_wording(1520, 1600, "万元").text == "完成年度目标的95%"
    assert status_wording(1520, 1600).text == "未完成年度目标"
    assert completion_wording(Decimal("1.41"), Decimal("1.5"), "亿元").text == "完成年度目标的94%"


def test_rate_targets_are_reported_as_a_gap_in_points() -> None:
    assert completion_wording(Decimal("2.03"), Decimal("2.0"), "%").text == (
        "高于年度目标0.03个百分点"
    )
    assert completion_wording(Decimal("2.0"), Decimal("2.00"), "%").text == "达到年度目标"
    assert completion_wording(Decimal("1.9"), Decimal("2.0"), "%").text == "低于年度目标0.1个百分点"


def test_half_year_progress_against_the_full_year_target() -> None:
    assert completion_wording(21, 40, "家", Period.HALF_YEAR).text == "完成全年目标的52.5%"
    assert status_wording(21, 40, Period.HALF_YEAR).text == "完成全年目标任务过半"
    assert status_wording(12, 40, Period.HALF_YEAR).text == "完成全年目标进度低于时间进度"
    assert status_wording(41, 40, Period.HALF_YEAR).text == "提前完成全年目标"


def test_rounding_is_half_up_and_never_hides_a_difference() -> None:
    assert percent_change(1167, 1000) == Decimal("16.7")
    assert percent_change(10005, 10000, places=2) == Decimal("0.05")  # 0.05 exactly
    assert percent_change(100125, 100000, places=2) == Decimal("0.13")  # 0.125 → half up
    assert change_wording(10004, 10000, "家").text == "同比增长0.04%"  # not "0.0%"
    assert completion_rate(9996, 10000) == Decimal("99.96")  # not "100.0" while unmet
    assert completion_rate(2, 3) == Decimal("66.7")


# ---------------------------------------------------------------------------------------
# Formatting numbers
# ---------------------------------------------------------------------------------------


def test_quantities_are_written_in_official_style() -> None:
    assert format_quantity(15, "家") == "15家"
    assert format_quantity(430, "万元") == "430万元"
    assert format_quantity(Decimal("1.52"), "亿元") == "1.52亿元"
    assert format_quantity(12560, "万元") == "12560万元"  # no separators, unit not changed
    assert format_quantity(Decimal("23.39"), "%") == "23.39%"
    assert format_quantity(Decimal("1.50"), "亿元") == "1.50亿元"
    assert format_quantity(Decimal("1E+3"), "件") == "1000件"


def test_converting_between_wan_and_yi_yuan_only_when_asked() -> None:
    assert convert_amount(12560, "万元", "亿元") == Decimal("1.256")
    assert convert_amount(12560, "万元", "亿元", places=2) == Decimal("1.26")
    assert format_quantity(convert_amount(Decimal("1.5"), "亿元", "万元"), "万元") == "15000万元"
    with pytest.raises(ValueError, match="无法换算"):
        convert_amount(1, "万元", "家")


def test_converting_an_indicator_converts_all_its_figures(figures: FiguresFile) -> None:
    contracts = figures.sections[0].indicators[2]
    in_wan = convert_indicator(contracts, "万元")
    assert (in_wan.value, in_wan.previous, in_wan.unit) == (15000, 7500, "万元")
    assert contracts.unit == "亿元"


# ---------------------------------------------------------------------------------------
# Slots
# ---------------------------------------------------------------------------------------


def test_every_sub_slot_renders(figures: FiguresFile) -> None:
    slots = build_slot_table(figures)
    text = (
        "{YEAR}年高企{F1}，上年{F1.prev}，{F1.yoy}，{F1.delta}；目标{F1.target}，{F1.rate}，"
        "{F1.status}。研发投入强度{F2}，{F2.yoy}，{F2.rate}。技术合同{F3.yoy}。"
        "新型研发机构{F4.yoy}。{K1}，其中培训{K1.1}。{NEXT_YEAR}年新增高企{T1}。{P1}；{R1}。"
    )
    assert slots.render(text) == (
        "2025年高企42家，上年36家，同比增长16.7%，增加6家；目标40家，完成年度目标的105%，"
        "超额完成年度目标。研发投入强度2.03%，比上年提高0.17个百分点，高于年度目标0.03个百分点。"
        "技术合同同比翻一番。新型研发机构实现零的突破。组织高新技术企业认定政策培训3场，"
        "覆盖企业86家，其中培训3场。2026年新增高企6家以上。全社会研发投入强度仍低于全市平均水平；"
        "深入实施科技型企业梯次培育行动。"
    )


def test_slot_ids_are_global_and_stable(figures: FiguresFile) -> None:
    ids = [s.id for s in build_slot_table(figures)]
    assert ids[:3] == ["YEAR", "PREV_YEAR", "NEXT_YEAR"]
    assert [i for i in ids if "." not in i and i.startswith("F")] == ["F1", "F2", "F3", "F4"]
    assert "F4.target" not in ids  # only the sub-slots the figures support
    assert ids == [s.id for s in build_slot_table(figures)]


def test_render_tolerates_what_models_write_around_slots(figures: FiguresFile) -> None:
    slots = build_slot_table(figures)
    rendered = slots.render("{ F1 }、{{F1.yoy}}、｛f1.RATE｝")
    assert rendered == "42家、同比增长16.7%、完成年度目标的105%"


def test_unknown_slots_are_listed_in_the_error(figures: FiguresFile) -> None:
    slots = build_slot_table(figures)
    with pytest.raises(UnknownSlotError) as caught:
        slots.render("达到{F9}，{F1.growth}，{高企数量}，{F1}")
    assert caught.value.unknown == ("F9", "F1.growth", "高企数量")
    assert "{F9}、{F1.growth}、{高企数量}" in str(caught.value)


def test_the_slots_a_text_used_are_recorded(figures: FiguresFile) -> None:
    slots = build_slot_table(figures)
    used = slots.used("{YEAR}年{F1}，{F1.yoy}；再次{F1}，{ k1.2 }")
    assert used == ["YEAR", "F1", "F1.yoy", "K1.2"]
    assert "F1.yoy" in slots and "F1.growth" not in slots
    assert figures.section("s2").name == "平台建设"
    with pytest.raises(UnknownSectionError):
        figures.section("nosuch")


def test_slots_for_a_section_are_what_its_prompt_lists(figures: FiguresFile) -> None:
    slots = build_slot_table(figures)
    first = [s.id for s in slots.slots_for_section("entities")]
    assert first[:3] == ["YEAR", "PREV_YEAR", "NEXT_YEAR"]
    assert {"F1", "F1.yoy", "F2.rate", "F3.delta", "K1", "K1.1", "K1.2"} <= set(first)
    assert "F4" not in first
    assert [s.id for s in slots.slots_for_section("s2")][3:] == [
        "F4", "F4.prev", "F4.yoy", "F4.delta",
    ]
    assert [s.id for s in slots.slots_for_section("plan")][3:] == ["T1", "R1"]
    assert [s.id for s in slots.slots_for_section("problems")][3:] == ["P1"]
    assert "F4" in [s.id for s in slots.slots_for_section("overview")]
    with pytest.raises(UnknownSectionError, match="nosuch"):
        slots.slots_for_section("nosuch")


def test_problems_section_sees_the_indicators_that_missed_their_target(tmp_path: Path) -> None:
    figures = load_figures(write(tmp_path, GOOD.replace("target: 40", "target: 45")))
    ids = [s.id for s in build_slot_table(figures).slots_for_section("problems")]
    assert "F1.rate" in ids and "F1.status" in ids and "F2" not in ids


def test_describe_a_slot_for_a_prompt(figures: FiguresFile) -> None:
    slots = build_slot_table(figures)
    assert slots.describe("F1") == "{F1} 高新技术企业 42家（上年36家，目标40家，口径：有效期内）"
    assert slots.describe("F4") == "{F4} 新型研发机构 1个（上年0个）"
    assert slots.describe(slots["F1.yoy"]) == "{F1.yoy} 高新技术企业（有效期内）同比：同比增长16.7%"
    assert slots.describe("T1") == "{T1} 2026年目标 新增高新技术企业：6家以上"
    assert slots.describe("K1.2") == "{K1.2} K1中的数字：86家"
    assert slots.describe("YEAR") == "{YEAR} 本年度：2025"


def test_allowed_values_cover_every_figure_a_draft_may_state(figures: FiguresFile) -> None:
    allowed = build_slot_table(figures).allowed_values()
    expected = [
        (Decimal(2025), "年"), (Decimal(2026), "年"), (Decimal(2024), "年"),
        (Decimal(42), "家"), (Decimal(36), "家"), (Decimal(40), "家"),  # value, prev, target
        (Decimal("16.7"), "%"), (Decimal(6), "家"), (Decimal("105.0"), "%"),  # yoy, delta, rate
        (Decimal("0.17"), "个百分点"), (Decimal("0.03"), "个百分点"),  # rate change, gap
        (Decimal("101.5"), "%"),  # a rate's value ÷ target, should a draft state it
        (Decimal("1.50"), "亿元"), (Decimal(1), "倍"), (Decimal("100.0"), "%"),  # 翻一番
        (Decimal(3), "场"), (Decimal(86), "家"),  # numbers inside a fact
        (Decimal(1), "个"), (Decimal(0), "个"),
    ]
    for item in expected:
        assert item in allowed
    assert len(allowed) == len(set(allowed))


# ---------------------------------------------------------------------------------------
# The same figures as a table
# ---------------------------------------------------------------------------------------

def make_workbook(path: Path, *, info_sheet: bool = False) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "主要指标"
    sheet.append(["2025年科技工作主要指标完成情况表"])
    if not info_sheet:
        for row in INFO:
            sheet.append(row)
    sheet.append([])
    sheet.append(HEADER)
    first = sheet.max_row + 1
    for values in ROWS:
        sheet.append(values)
    sheet.append(["注：数据截至2025年12月20日"])
    # Excel stores 1.50 as 1.5 and 2.0 as 2; the cell format is what shows the decimals.
    sheet.cell(row=first + 2, column=6).number_format = "0.00"
    sheet.cell(row=first + 1, column=8).number_format = "0.0"
    if info_sheet:
        info = book.create_sheet("基本信息")
        for row in INFO:
            info.append(row)
    book.save(path)
    return path


def write_csv(path: Path, encoding: str) -> Path:
    def cell(value: object) -> str:
        if value is None:
            return ""
        if isinstance(value, float):  # as a bureau's CSV export writes them
            return {1.5: "1.50", 2.0: "2.0"}.get(value, str(value))
        return str(value)

    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        for row in INFO:
            writer.writerow(row)
        writer.writerow(HEADER)
        for values in ROWS:
            writer.writerow([cell(v) for v in values])
    return path


def assert_same_figures(a: FiguresFile, b: FiguresFile) -> None:
    assert a == b
    assert a.model_dump() == b.model_dump()
    # Equal Decimals may differ in decimals shown; the rendered text must not.
    assert [s.text for s in build_slot_table(a)] == [s.text for s in build_slot_table(b)]


def test_xlsx_loads_equal_to_the_yaml(tmp_path: Path, figures: FiguresFile) -> None:
    assert_same_figures(load_figures(make_workbook(tmp_path / "figures.xlsx")), figures)


def test_xlsx_with_a_basic_information_sheet(tmp_path: Path, figures: FiguresFile) -> None:
    path = make_workbook(tmp_path / "figures.xlsx", info_sheet=True)
    assert_same_figures(load_figures(path), figures)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_loads_equal_to_the_yaml(tmp_path: Path, figures: FiguresFile, encoding: str) -> None:
    assert_same_figures(load_figures(write_csv(tmp_path / "figures.csv", encoding)), figures)


def test_percentage_cells_and_heading_rows(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["年度", 2025])
    sheet.append(["单位", "示例县科学技术局"])
    sheet.append(["指标", "本年", "上年", "单位"])
    sheet.append(["一、科技创新主体培育"])
    sheet.append(["研发投入强度", 0.0203, 0.0186])
    sheet.append(["（二）知识产权"])
    sheet.append(["专利申请", 586, 521, "件"])
    for row in (5,):
        for column in (2, 3):
            sheet.cell(row=row, column=column).number_format = "0.00%"
    path = tmp_path / "plain.xlsx"
    book.save(path)
    figures = load_figures(path)
    assert [s.name for s in figures.sections] == ["科技创新主体培育", "知识产权"]
    rd = figures.sections[0].indicators[0]
    assert (str(rd.value), str(rd.previous), rd.unit, rd.kind) == ("2.03", "1.86", "%", "rate")


def test_table_errors_name_the_row_and_column(tmp_path: Path) -> None:
    path = make_workbook(tmp_path / "figures.xlsx")
    book = openpyxl.load_workbook(path)
    sheet = book["主要指标"]
    assert sheet["F7"].value == "2025年"  # the header row; data starts on row 8
    sheet["F8"] = "15家"
    sheet["E9"] = None
    book.save(path)
    message = error_of(path)
    assert "有2处错误" in message
    assert "第8行“2025年”列（sections[0].indicators[0].value）：不是数字：“15家”" in message
    assert "第9行“单位”列（sections[0].indicators[1].unit）：缺少必填字段“unit”" in message


def test_table_without_a_year_says_where_to_put_it(tmp_path: Path) -> None:
    path = tmp_path / "figures.csv"
    path.write_text(
        "单位名称,示例县科学技术局\n工作领域,指标,数值,单位\n知识产权,专利申请,586,件\n",
        encoding="utf-8",
    )
    message = error_of(path)
    assert "year：缺少必填字段“year”" in message and "年度 | 2025" in message


def test_table_row_without_a_work_area(tmp_path: Path) -> None:
    path = tmp_path / "figures.csv"
    path.write_text(
        "年度,2025\n单位名称,县科技局\n指标,数值,单位\n专利申请,586,件\n", encoding="utf-8"
    )
    message = error_of(path)
    assert "第4行" in message and "没有工作领域" in message


def test_table_unknown_row_type_and_missing_header(tmp_path: Path) -> None:
    bad_type = tmp_path / "type.csv"
    bad_type.write_text(
        "年度,2025\n单位名称,县科技局\n工作领域,指标,数值,单位,类型\n主体,专利申请,586,件,统计\n",
        encoding="utf-8",
    )
    assert "第4行“类型”列：未知的类型“统计”" in error_of(bad_type)
    no_header = tmp_path / "header.csv"
    no_header.write_text("年度,2025\n专利申请,586,件\n", encoding="utf-8")
    assert "没有找到表头行" in error_of(no_header)


def test_uncached_formula_cells_are_explained(tmp_path: Path) -> None:
    path = make_workbook(tmp_path / "figures.xlsx")
    book = openpyxl.load_workbook(path)
    book["主要指标"]["F8"] = "=40+2"  # openpyxl saves no computed value
    book.save(path)
    message = error_of(path)
    assert "F8" in message and "公式" in message


# ---------------------------------------------------------------------------------------
# The example bureau: 2025 figures agree with the 2024 summary and its plan
# ---------------------------------------------------------------------------------------

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SUMMARY_2024 = EXAMPLES / "示例县科学技术局2024年工作总结及2025年工作打算.txt"
# README names → names in figures-2025.yaml where they differ
RENAMED = {
    "其中：省级项目立项": "省级科技项目立项",
    "全社会研发经费投入强度（预计）": "全社会研发经费投入强度",
}


def readme_indicators() -> dict[str, tuple[str, Decimal | None, Decimal | None]]:
    """指标一览 of examples/README.md: name → (unit, 2024 value, 2025 target)."""
    lines = (EXAMPLES / "README.md").read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("| 指标 |"))
    header = [c.strip() for c in lines[start].strip("|").split("|")]

    def number(cell: str) -> Decimal | None:
        found = re.match(r"\d+(?:\.\d+)?", cell)
        return Decimal(found.group()) if found else None

    table = {}
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        row = [c.strip() for c in line.strip().strip("|").split("|")]
        cells = dict(zip(header, row, strict=True))
        table[cells["指标"]] = (cells["单位"], number(cells["2024年"]), number(cells["2025年目标"]))
    return table


def test_example_figures_load(examples_dir: Path) -> None:
    figures = load_figures(examples_dir / "figures-2025.yaml")
    assert figures.title == "示例县科学技术局2025年工作总结及2026年工作打算"
    assert 5 <= len(figures.sections) <= 7
    for area in figures.sections:
        assert 2 <= len(area.indicators) <= 4, area.name
        assert 2 <= len(area.facts) <= 4, area.name
    assert figures.problems and figures.plan.targets and figures.plan.priorities


def test_example_previous_and_targets_agree_with_the_2024_summary(examples_dir: Path) -> None:
    figures = load_figures(examples_dir / "figures-2025.yaml")
    ours = {ind.name: ind for _, ind in figures.indicators()}
    readme = readme_indicators()
    compared = 0
    for name, (unit, value_2024, target_2025) in readme.items():
        indicator = ours.get(RENAMED.get(name, name))
        if indicator is None:
            assert target_2025 is None, f"{name} has a 2025 target but is not in the figures"
            continue
        compared += 1
        assert indicator.unit == unit, name
        assert indicator.previous == value_2024, name
        assert indicator.target == target_2025, name
    assert compared >= 15
    with_targets = [i for i in ours.values() if i.target is not None]
    assert len(with_targets) == sum(1 for _, _, t in readme.values() if t is not None) == 11

    # and with the text itself: the 2025 targets as the plan states them, 2024 values as reported
    text = SUMMARY_2024.read_text(encoding="utf-8")
    plan = text.split("（一）主要目标", 1)[1].split("（二）", 1)[0]
    for indicator in with_targets:
        assert indicator.target is not None
        assert format_quantity(indicator.target, indicator.unit) in plan, indicator.name
    for indicator in ours.values():
        if indicator.previous:
            assert format_quantity(indicator.previous, indicator.unit) in text, indicator.name


def test_example_2025_meets_most_targets_but_not_all(examples_dir: Path) -> None:
    slots = build_slot_table(load_figures(examples_dir / "figures-2025.yaml"))
    statuses = [s.text for s in slots if s.role == "status"]
    missed = [s for s in statuses if s.startswith("未完成")]
    assert len(statuses) == 11 and 1 <= len(missed) <= 2
