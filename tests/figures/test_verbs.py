"""The verb code writes with an indicator's name: chosen from the name, or the file's own."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from drafter.errors import InputError
from drafter.figures import FiguresFile, build_slot_table, load_figures
from drafter.figures.verbs import choose_verb, indicator_verb, parse_verb, with_verb

# (name, unit, what code writes before the value) — names from many kinds of bureau
NAMED = [
    # 科技局: stocks and levels
    ("有效高新技术企业", "家", "有效高新技术企业达到"),
    ("全社会研发经费投入强度（预计）", "%", "全社会研发经费投入强度（预计）达到"),
    ("每万人口发明专利拥有量", "件", "每万人口发明专利拥有量达到"),
    ("市级以上科技创新平台（累计）", "个", "市级以上科技创新平台（累计）达到"),
    ("科技型中小企业评价入库", "家", "科技型中小企业评价入库"),
    ("新型研发机构", "家", "新型研发机构达到"),
    # flows: the name holds the verb
    ("新认定高新技术企业", "家", "新认定高新技术企业"),
    ("新增市级以上科技创新平台", "个", "新增市级以上科技创新平台"),
    ("新培育专精特新中小企业", "家", "新培育专精特新中小企业"),
    ("全县新增规上工业企业", "家", "全县新增规上工业企业"),
    ("引进科技成果", "项", "引进科技成果"),
    ("选派科技特派员", "名", "选派科技特派员"),
    ("出资参股组建浙江科技金融服务公司", "万元", "出资参股组建浙江科技金融服务公司"),
    ("争取上级科技资金", "万元", "争取上级科技资金"),
    ("兑现科技奖补资金", "万元", "兑现科技奖补资金"),
    # participles at the end
    ("市级以上科技项目立项", "项", "市级以上科技项目立项"),
    ("其中：省级项目立项", "项", "其中：省级项目立项"),
    ("发明专利授权", "件", "发明专利授权"),
    ("专利申请", "件", "专利申请"),
    ("研发费用加计扣除", "亿元", "研发费用加计扣除"),
    # amounts
    ("上级科技项目资金", "万元", "争取上级科技项目资金"),
    ("技术合同成交额", "亿元", "技术合同成交额实现"),
    ("全市外贸进出口总额", "亿元", "全市外贸进出口总额实现"),
    ("农业总产值", "亿元", "农业总产值实现"),
    ("社会消费品零售总额", "亿元", "社会消费品零售总额达到"),
    ("农村居民人均可支配收入", "元", "农村居民人均可支配收入实现"),
    # honours, activities, events
    ("省级科学技术奖", "项", "获省级科学技术奖"),
    ("国家级荣誉称号", "个", "获国家级荣誉称号"),
    ("科普活动", "场次", "开展科普活动"),
    ("安全生产培训", "期", "开展安全生产培训"),
    ("农产品产销对接会", "场", "举办农产品产销对接会"),
    ("创新创业大赛", "届", "举办创新创业大赛"),
    # 农业农村局, 商务局, other bureaus
    ("粮食播种面积", "万亩", "粮食播种面积达到"),
    ("建成高标准农田", "万亩", "建成高标准农田"),
    ("土地流转面积", "万亩", "土地流转面积达到"),
    ("招引亿元以上项目", "个", "招引亿元以上项目"),
    ("实际利用外资", "万美元", "实际利用外资达到"),
    ("森林覆盖率", "%", "森林覆盖率达到"),
    ("办理政务服务事项", "件", "办理政务服务事项"),
    ("排查整治安全隐患", "处", "排查整治安全隐患"),
    ("城镇新增就业", "人", "城镇新增就业达到"),
]


@pytest.mark.parametrize(("name", "unit", "written"), NAMED)
def test_the_verb_fits_the_indicator(name: str, unit: str, written: str) -> None:
    assert with_verb(name, indicator_verb(name, unit, None)) == written


def test_no_name_holding_an_action_gets_a_level_verb() -> None:
    for name, unit, written in NAMED:
        if choose_verb(name, unit) == "":
            assert written == name
    assert len(NAMED) >= 30


@pytest.mark.parametrize(
    ("name", "given", "value_text", "written"),
    [
        ("高新技术企业", "新认定", "14家", "新认定高新技术企业"),  # a leading verb
        ("研发投入强度", "达", "2.21%", "研发投入强度达"),  # a level verb follows
        ("省级科学技术奖", "", "3项", "省级科学技术奖"),  # "" is no verb
        ("技术合同成交额", "突破", "突破2.5亿元", "技术合同成交额"),  # not doubled
        ("科普受益人数", None, "约3000人", "科普受益人数"),  # 约 replaces 达到
        ("技术合同成交额", None, "不低于2.5亿元", "技术合同成交额"),  # so does 不低于
        ("省级科学技术奖", None, "近3项", "获省级科学技术奖"),  # an action verb stays
    ],
)
def test_given_verbs_and_qualified_values(
    name: str, given: str | None, value_text: str, written: str
) -> None:
    assert with_verb(name, indicator_verb(name, None, given, value_text)) == written


@pytest.mark.parametrize(
    ("raw", "parsed"), [(None, None), ("", ""), (" 新增 ", "新增"), ("获", "获")]
)
def test_parse_verb_accepts_short_verbs(raw: Any, parsed: str | None) -> None:
    assert parse_verb(raw) == parsed


@pytest.mark.parametrize("raw", ["新增3", "达到两", "累计新增认定", "达到!", 5, "add"])
def test_parse_verb_refuses_numbers_long_or_non_chinese(raw: Any) -> None:
    with pytest.raises(Exception, match="谓语"):
        parse_verb(raw)


def _write(tmp_path: Path, data: dict[str, Any]) -> Path:
    path = tmp_path / "figures.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _data(**indicator: Any) -> dict[str, Any]:
    return {
        "bureau": "测试市商务局",
        "year": 2025,
        "sections": [
            {"name": "外贸稳增长", "indicators": [{"name": "外贸企业", "unit": "家", **indicator}]}
        ],
        "plan": {"targets": [{"name": "外贸企业", "value": 300, "unit": "家", "verb": "新增"}]},
    }


def test_the_figures_file_verb_reaches_the_slots(tmp_path: Path) -> None:
    figures = load_figures(_write(tmp_path, _data(value=280, verb="新备案")))
    assert isinstance(figures, FiguresFile)
    assert figures.sections[0].indicators[0].verb == "新备案"
    table = build_slot_table(figures)
    assert table["F1"].verb == "新备案"
    assert table["T1"].verb == "新增"
    no_verb = load_figures(_write(tmp_path, _data(value=280, verb="")))
    assert build_slot_table(no_verb)["F1"].verb == ""
    unset = load_figures(_write(tmp_path, _data(value=280)))
    assert build_slot_table(unset)["F1"].verb is None


def test_a_bad_verb_is_reported_with_its_place(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        load_figures(_write(tmp_path, _data(value=280, verb="新增280")))
    message = str(caught.value) + str(getattr(caught.value, "hint", ""))
    assert "verb" in message and "数字" in message


def test_the_verb_column_of_a_table(tmp_path: Path) -> None:
    path = tmp_path / "figures.csv"
    path.write_text(
        "单位名称,测试县农业农村局\n年份,2025\n\n"
        "工作领域,指标,数值,单位,谓语\n"
        "农业生产,高标准农田,2.5,万亩,建成\n"
        "农业生产,粮食产量,30.2,万吨,无\n"
        "农业生产,家庭农场,120,家,\n",
        encoding="utf-8",
    )
    figures = load_figures(path)
    verbs = [i.verb for i in figures.sections[0].indicators]
    assert verbs == ["建成", "", None]
