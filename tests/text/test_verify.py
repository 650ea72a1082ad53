"""Behaviour of drafter.text.numbers: numbers in officialese, structural words, violations, checks.

Design principle 1: the model may refer to figures only through slots; anything numeric it
writes itself is a violation, and rendered text is checked against the allowed figures.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drafter.figures.check import FlagKind, check_text
from drafter.text.numbers import Form, NumberMention, Script
from drafter.text.numerals import parse_chinese_number
from drafter.text.scanner import find_numbers
from drafter.text.sentences import sentence_spans, split_sentences
from drafter.text.slots import find_slots, normalize_slots, unknown_slots
from drafter.text.structural import DEFAULT_ALLOWLIST, Allowlist, is_structural
from drafter.text.units import parse_unit
from drafter.text.violations import (
    ViolationKind,
    check_slot_syntax,
    find_violations,
    violations_feedback,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
D = Decimal


def only(text: str) -> NumberMention:
    """The single non-structural mention in ``text`` (fails if there are more or fewer)."""
    found = [m for m in find_numbers(text) if not is_structural(m, text, dates_structural=False)]
    assert len(found) == 1, [m.raw for m in found]
    return found[0]


def violation_raws(text: str) -> list[str]:
    return [v.raw for v in find_violations(text)]


# --------------------------------------------------------------------------- parsing

# (text, raw, value, unit, form, high, qualifier)
ARABIC_CASES = [
    ("新增高新技术企业15家", "15家", "15", "家", Form.NUMBER, None, None),
    ("技术合同成交额1.52亿元", "1.52亿元", "1.52", "亿元", Form.NUMBER, None, None),
    ("占规模以上工业产值比重23.39%", "23.39%", "23.39", "%", Form.PERCENT, None, None),
    ("全年受理12,560件", "12,560件", "12560", "件", Form.NUMBER, None, None),
    ("产值12,560", "12,560", "12560", None, Form.NUMBER, None, None),
    ("申报项目30项以上", "30项以上", "30", "项", Form.NUMBER, None, "以上"),
    ("争取资金430万元", "430万元", "430", "万元", Form.NUMBER, None, None),
    ("受益群众3.6万人次", "3.6万人次", "3.6", "万人次", Form.NUMBER, None, None),
    ("提高0.17个百分点", "0.17个百分点", "0.17", "个百分点", Form.NUMBER, None, None),
    ("增长1.5倍", "1.5倍", "1.5", "倍", Form.MULTIPLE, None, None),
    ("培育3-5家", "3-5家", "3", "家", Form.NUMBER, "5", None),
    ("培育3至5家", "3至5家", "3", "家", Form.NUMBER, "5", None),
    ("新增20～30项", "20～30项", "20", "项", Form.NUMBER, "30", None),
    ("占比20%-30%", "20%-30%", "20", "%", Form.PERCENT, "30", None),
    ("新增１５家", "１５家", "15", "家", Form.NUMBER, None, None),
    ("比重２３．３９％", "２３．３９％", "23.39", "%", Form.PERCENT, None, None),
    ("走访企业近30家", "近30家", "30", "家", Form.NUMBER, None, "近"),
    ("兑现资金5万余元", "5万余元", "5", "万元", Form.NUMBER, None, "余"),
    ("争取资金300多万元", "300多万元", "300", "万元", Form.NUMBER, None, "多"),
    ("发放资料2500多份", "2500多份", "2500", "份", Form.NUMBER, None, "多"),
    ("补助1500元左右", "1500元左右", "1500", "元", Form.NUMBER, None, "左右"),
    ("建成道路15km", "15km", "15", "km", Form.NUMBER, None, None),
    ("全省第3名", "第3名", "3", "名", Form.ORDINAL, None, None),
    ("占三分之一，即1/3", "1/3", "0.3333333333333333333333333333", None, Form.FRACTION, None, None),
]


@pytest.mark.parametrize(
    ("text", "raw", "value", "unit", "form", "high", "qualifier"),
    ARABIC_CASES,
    ids=[c[1] for c in ARABIC_CASES],
)
def test_arabic_numbers_are_found_with_value_unit_and_form(
    text: str,
    raw: str,
    value: str,
    unit: str | None,
    form: Form,
    high: str | None,
    qualifier: str | None,
) -> None:
    m = next(m for m in find_numbers(text) if m.raw == raw)
    assert m.script is Script.ARABIC
    assert m.value == D(value)
    assert m.unit == unit
    assert m.form is form
    assert m.high == (D(high) if high else None)
    assert m.qualifier == qualifier
    assert text[m.start : m.end] == raw


CHINESE_CASES = [
    ("新增十五家", "十五家", "15", "家", Form.NUMBER, None),
    ("完成一百二十项", "一百二十项", "120", "项", Form.NUMBER, None),
    ("新增两家", "两家", "2", "家", Form.NUMBER, None),
    ("增长三成", "三成", "3", "成", Form.PERCENT, None),
    ("提高百分之二十三", "百分之二十三", "23", "%", Form.PERCENT, None),
    ("达到百分之二十三点三九", "百分之二十三点三九", "23.39", "%", Form.PERCENT, None),
    ("约占三分之一", "三分之一", str(D(1) / D(3)), None, Form.FRACTION, None),
    ("产值翻一番", "翻一番", "2", "倍", Form.MULTIPLE, None),
    ("收入翻两番", "翻两番", "4", "倍", Form.MULTIPLE, None),
    ("增长一点五倍", "一点五倍", "1.5", "倍", Form.MULTIPLE, None),
    ("受益十二万人次", "十二万人次", "12", "万人次", Form.NUMBER, None),
    ("投入一万二千元", "一万二千元", "12000", "元", Form.NUMBER, None),
    ("培育三至五家", "三至五家", "3", "家", Form.NUMBER, "5"),
    ("新增三四家", "三四家", "3", "家", Form.NUMBER, "4"),
    ("引进二三十家", "二三十家", "20", "家", Form.NUMBER, "30"),
    ("建成三个平台", "三个", "3", "个", Form.NUMBER, None),
    ("争取三百多万元", "三百多万元", "300", "万元", Form.NUMBER, None),
]


@pytest.mark.parametrize(
    ("text", "raw", "value", "unit", "form", "high"),
    CHINESE_CASES,
    ids=[c[1] for c in CHINESE_CASES],
)
def test_chinese_numerals_are_found_with_value_unit_and_form(
    text: str, raw: str, value: str, unit: str | None, form: Form, high: str | None
) -> None:
    m = only(text)
    assert m.raw == raw
    assert m.script is Script.CHINESE
    assert m.value == D(value)
    assert m.unit == unit
    assert m.form is form
    assert m.high == (D(high) if high else None)


@pytest.mark.parametrize(
    ("numeral", "value"),
    [
        ("十五", "15"),
        ("一百二十", "120"),
        ("两", "2"),
        ("二〇二五", "2025"),
        ("二零二五", "2025"),
        ("一百零五", "105"),
        ("三千五", "3500"),
        ("一万二千三百四十五", "12345"),
        ("三亿五千万", "350000000"),
        ("一万亿", "1000000000000"),
        ("二十三点三九", "23.39"),
        ("十", "10"),
    ],
)
def test_parse_chinese_number(numeral: str, value: str) -> None:
    assert parse_chinese_number(numeral) == D(value)


@pytest.mark.parametrize("bad", ["", "点五", "家", "一点"])
def test_parse_chinese_number_rejects_non_numbers(bad: str) -> None:
    assert parse_chinese_number(bad) is None


@pytest.mark.parametrize(
    ("unit", "factor", "base"),
    [
        ("万元", "10000", "元"),
        ("亿元", "100000000", "元"),
        ("元", "1", "元"),
        ("万人次", "10000", "人次"),
        ("%", "1", "%"),
        ("％", "1", "%"),
        ("成", "10", "%"),
        ("个百分点", "1", "百分点"),
        ("千米", "1", "千米"),
        ("公里", "1", "千米"),
        ("万千瓦", "10000", "千瓦"),
        ("万", "10000", None),
        (None, "1", None),
        ("家", "1", "家"),
    ],
)
def test_parse_unit_splits_multiplier_and_base(
    unit: str | None, factor: str, base: str | None
) -> None:
    assert parse_unit(unit) == (D(factor), base)


def test_wan_and_yi_amounts_are_also_given_in_yuan() -> None:
    m = only("争取资金430万元")
    assert (m.value, m.unit) == (D(430), "万元")
    assert (m.base_value, m.base_unit) == (D(4300000), "元")
    y = only("成交额1.52亿元")
    assert y.base_value == D(152000000)
    r = only("新增20～30万元")
    assert (r.base_value, r.base_high) == (D(200000), D(300000))


@pytest.mark.parametrize(
    ("text", "form", "year"),
    [
        ("2025年", Form.YEAR, 2025),
        ("2025年度", Form.YEAR, 2025),
        ("二〇二五年", Form.YEAR, 2025),
        ("2023-2025年", Form.YEAR, 2023),
        ("2025年以来", Form.DATE, 2025),
        ("2025年12月20日", Form.DATE, 2025),
        ("2024年1-9月", Form.DATE, 2024),
        ("12月20日", Form.DATE, None),
        ("1-9月", Form.DATE, None),
        ("十二月", Form.DATE, None),
        ("前三季度", Form.DATE, None),
        ("2024-12-20", Form.DATE, 2024),
        ("〔2024〕5号", Form.DOCNO, 2024),
    ],
)
def test_years_and_dates_carry_their_own_form(text: str, form: Form, year: int | None) -> None:
    (m,) = find_numbers(text)
    assert (m.raw, m.form, m.year) == (text, form, year)


@pytest.mark.parametrize(
    ("text", "form"),
    [
        ("一、总体情况", Form.HEADING),
        ("（一）实施梯次培育", Form.HEADING),
        ("1. 省级平台实现新突破", Form.HEADING),
        ("（1）市级平台", Form.HEADING),
        ("作用。 2、强化措施", Form.HEADING),
        ("一是实行清单化培育", Form.ENUMERATION),
        ("十是强化保障", Form.ENUMERATION),
        ("第一书记", Form.ORDINAL),
        ("其二", Form.ORDINAL),
        ("建设5G基站", Form.CODE),
    ],
)
def test_structural_forms(text: str, form: Form) -> None:
    (m,) = find_numbers(text)
    assert m.form is form
    assert is_structural(m, text)


def test_numbers_inside_slots_are_not_mentions() -> None:
    assert find_numbers("新增高新技术企业{F1}，{F1.yoy}，｛F2｝，{ F3 }，{F4") == []


# --------------------------------------------------------------------------- structure

OFFICIALESE = (
    "{YEAR}年，县科技局坚持以习近平新时代中国特色社会主义思想为指导，深入学习贯彻党的二十大和"
    "二十届二中、三中全会精神，锚定“十四五”规划目标，谋划“十五五”发展思路，进一步壮大创新主体。\n"
    "（一）实施梯次培育，创新主体队伍不断壮大\n"
    "一是实行清单化培育，将一批成长性较好的企业列为重点培育对象，全年新认定高新技术企业{F1}，"
    "比上年增长{F1.yoy}。二是开展上门式服务，组建一支服务小分队，推行“一站式”服务和“最多跑一次”改革，"
    "打通服务群众“最后一公里”。三是推动政策直达快享，实行“免申即享”，形成一系列可复制的经验。\n"
    "一方面持续深化“两学一做”学习教育常态化制度化，另一方面扎实推进“三会一课”，严格落实中央八项规定精神。"
    "选派第一书记和科技特派员深入农村一线，助力“三农”工作，推动大众创业万众创新，千方百计稳定创新主体，"
    "以一体化思路统一部署，一以贯之抓好一把手工程，坚持“五位一体”总体布局和“四个全面”战略布局。"
    "其一，唯一的办法是一直坚持；其二，要一体推进、一致行动，做到一张蓝图绘到底。\n"
    "1. 省级平台实现新突破。坚持“三引一促”工作为总抓手，发扬一流作风，新的一年一定取得更大成效。"
)


def test_a_paragraph_of_officialese_has_no_violations() -> None:
    assert find_violations(OFFICIALESE) == []


@pytest.mark.parametrize(
    "phrase",
    [
        "进一步", "一批", "一系列", "一体化", "统一", "一线", "一流", "一站式", "唯一", "一直",
        "一定", "一些", "一致", "一起", "一般", "一把手", "万一", "千方百计", "一带一路",
        "“十四五”", "十四五", "十五五", "两学一做", "三农", "双创", "五位一体", "四个全面",
        "第一书记", "一号文件", "三引一促", "百姓", "万众创新", "百花齐放", "一揽子", "一体推进",
        "多措并举", "一是", "二是", "三是", "第一", "第二", "其一", "首先", "一方面", "另一方面",
        "二十大", "二十届三中全会", "八届九次全会", "一次性", "最多跑一次", "三会一课", "每万人口",
        "零部件", "打造一个平台", "开展一项活动", "百亿级", "万元以上", "新一轮", "“一网通办”",
    ],
)  # fmt: skip
def test_structural_words_are_not_violations(phrase: str) -> None:
    assert find_violations(f"我们要{phrase}推动工作。") == []


@pytest.mark.parametrize(
    ("phrase", "raw"),
    [
        ("新增一家企业", "一家"),
        ("新增一个平台", "一个"),
        ("获批一项省级项目", "一项"),
        ("完成三十项", "三十项"),
        ("建成三个平台", "三个"),
        ("增长二成", "二成"),
        ("达到十五家以上", "十五家以上"),
        ("提高百分之二十", "百分之二十"),
        ("占三分之一", "三分之一"),
        ("产值翻一番", "翻一番"),
        ("十几家企业", "十几家"),
        ("培育三四家", "三四家"),
        ("“十五家”", "十五家"),
    ],
)
def test_chinese_numeral_quantities_are_violations(phrase: str, raw: str) -> None:
    violations = find_violations(phrase)
    assert [v.raw for v in violations] == [raw]
    assert violations[0].kind is ViolationKind.CHINESE_NUMERAL


def test_a_paragraph_with_invented_numbers_yields_exactly_those_violations() -> None:
    text = (
        "{YEAR}年，全县科技工作稳中有进。新增高新技术企业15家，技术合同成交额增长二成。"
        "全年完成三十项科技攻关任务，2025年将进一步加大投入。"
    )
    violations = find_violations(text)
    assert [(v.raw, v.kind) for v in violations] == [
        ("15家", ViolationKind.DIGITS),
        ("二成", ViolationKind.CHINESE_NUMERAL),
        ("三十项", ViolationKind.CHINESE_NUMERAL),
        ("2025年", ViolationKind.YEAR),
    ]
    first = violations[0]
    assert first.message == (
        "第2句“新增高新技术企业15家”中的“15家”是模型自写的数字，必须改用槽位，如 {F1}。"
    )
    assert first.sentence_no == 2
    assert first.sentence == "新增高新技术企业15家，技术合同成交额增长二成。"
    assert "{YEAR}" in violations[3].message
    assert text[first.start : first.end] == "15家"


def test_dates_and_headings_in_model_output() -> None:
    text = "1. 加强培训。12月20日召开大会，2024-12-20发布通知。"
    assert [(v.raw, v.kind) for v in find_violations(text)] == [
        ("12月20日", ViolationKind.DATE),
        ("2024-12-20", ViolationKind.DATE),
    ]


def test_is_structural_lets_the_caller_decide_about_dates() -> None:
    text = "2025年以来，截至12月20日"
    mentions = find_numbers(text)
    assert [m.form for m in mentions] == [Form.DATE, Form.DATE]
    assert all(is_structural(m, text) for m in mentions)
    assert not any(is_structural(m, text, dates_structural=False) for m in mentions)


def test_arabic_ordinals_are_rankings_but_chinese_ordinals_are_structural() -> None:
    assert violation_raws("全省第3名") == ["第3名"]
    assert violation_raws("全省第三名") == []


def test_example_slot_and_known_codes() -> None:
    (v,) = find_violations("建成5G基站3座", example_slot="{F7}")
    assert v.raw == "3座"
    assert v.message.endswith("如 {F7}。")
    assert violation_raws("推广ISO9999认证") == ["ISO9999"]


def test_the_allowlist_is_data_and_can_be_extended(tmp_path: Path) -> None:
    text = "深化三项制度改革，实施十大行动，推广X9技术。"
    assert violation_raws(text) == ["三项", "十大", "X9"]
    path = tmp_path / "allow.txt"
    path.write_text(
        "# 本地提法\n三项制度改革 一中心\nre:[一二三四五六七八九十]+大行动\ncode:X9\n",
        encoding="utf-8",
    )
    allow = Allowlist.load(path, base=DEFAULT_ALLOWLIST)
    assert find_violations(text, allowlist=allow) == []
    assert "一批" in allow.words and "X9" in allow.codes
    assert violation_raws("深化三项制度改革") == ["三项"]  # the default is unchanged
    more = DEFAULT_ALLOWLIST.extended(words=["三项制度改革"])
    assert find_violations("深化三项制度改革", allowlist=more) == []


# --------------------------------------------------------------------------- slots


def test_slots_are_ignored() -> None:
    assert find_violations("新增高新技术企业{F1}，{F1.yoy}") == []
    assert find_violations("{YEAR}年全县{T2}的{K1}达到{F3}，完成率{F3.rate}。") == []


def test_find_slots_normalises_recoverable_syntax() -> None:
    text = "a{F1}b｛F2｝{ F3 }{{F4}}{f5.YOY}{F6"
    assert find_slots(text) == ["F1", "F2", "F3", "F4", "F5.yoy"]
    assert normalize_slots(text) == "a{F1}b{F2}{F3}{F4}{F5.yoy}{F6"
    assert find_violations(text) != []  # {F6 is unclosed
    assert [v.raw for v in check_slot_syntax(text)] == ["{F6"]


@pytest.mark.parametrize(
    ("text", "raw", "fragment"),
    [
        ("新增企业{F1，增长", "{F1", "缺少右花括号"),
        ("新增企业{收入}", "{收入}", "不是合法的槽位"),
        ("新增企业F1家", "F1", "缺少花括号，应写成 {F1}"),
        ("新增企业F1}家", "}", "多余的花括号"),
    ],
)
def test_malformed_slots_are_flagged(text: str, raw: str, fragment: str) -> None:
    (v,) = find_violations(text)
    assert (v.raw, v.kind) == (raw, ViolationKind.SLOT_SYNTAX)
    assert fragment in v.message


def test_strict_slots_flag_recoverable_forms_too() -> None:
    text = "新增企业｛F1｝，增长{ F1.yoy }"
    assert find_violations(text) == []
    assert [v.raw for v in find_violations(text, strict_slots=True)] == ["｛F1｝", "{ F1.yoy }"]


def test_unknown_slots() -> None:
    text = "{F1}{F1.yoy}{F2.rate}{F9}{YEAR}{F9}"
    assert unknown_slots(text, {"F1", "F2", "F2.yoy", "YEAR"}) == ["F2.rate", "F9"]
    violations = find_violations(text, known_slots={"F1", "F2", "F2.yoy", "YEAR"})
    assert [v.raw for v in violations] == ["{F2.rate}", "{F9}", "{F9}"]
    assert all(v.kind is ViolationKind.UNKNOWN_SLOT for v in violations)
    assert "{F1}、{F2}" in violations[0].message


def test_violations_feedback_is_a_numbered_list() -> None:
    feedback = violations_feedback(find_violations("新增15家。增长二成。"))
    assert feedback.splitlines()[1].startswith("1. 第1句")
    assert feedback.splitlines()[2].startswith("2. 第2句")
    assert violations_feedback([]) == ""


# --------------------------------------------------------------------------- sentences


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        ("一是加强。二是提升！三是落实？", ["一是加强。", "二是提升！", "三是落实？"]),
        ("他说：“要加强。”然后落实；最后总结", ["他说：“要加强。”", "然后落实；", "最后总结"]),
        ("一、标题\n正文第一句。正文第二句。", ["一、标题", "正文第一句。", "正文第二句。"]),
        ("增长1.5倍。  \n\n  下降3.8%。", ["增长1.5倍。", "下降3.8%。"]),
        ("", []),
    ],
)
def test_split_sentences(text: str, sentences: list[str]) -> None:
    assert split_sentences(text) == sentences
    assert [text[a:b] for a, b in sentence_spans(text)] == sentences


# --------------------------------------------------------------------------- check_text

ALLOWED = [
    (D(15), "家"),
    (D("23.39"), "%"),
    (D(430), "万元"),
    (D("16.67"), "%"),
    (D("1.41"), "亿元"),
    (D(3), "家"),
    (D(5), "家"),
    (D(30), "%"),
    (D("0.17"), "个百分点"),
    (D("1.5"), "倍"),
    (D(34), "家"),
    (D(12560), "件"),
    (D("33.3"), "%"),
]


@pytest.mark.parametrize(
    "text",
    [
        "新增15家",
        "新增十五家",
        "比重23.39%",
        "比重百分之二十三点三九",
        "争取资金430万元",
        "争取资金0.043亿元",
        "争取资金4300000元",
        "争取资金四百三十万元",
        "增长16.7%",
        "增长17%",
        "成交额1.41亿元",
        "成交额14100万元",
        "成交额1.4亿元",
        "培育3-5家",
        "培育三至五家",
        "增长三成",
        "提高0.17个百分点",
        "增长1.5倍",
        "新增30余家",
        "新增近35家",
        "争取资金400多万元",
        "新增三十多家",
        "约占三分之一",
        "受理12,560件",
        "受理12560",
    ],
)
def test_check_text_accepts_allowed_values_with_conversions_and_rounding(text: str) -> None:
    assert check_text(text, ALLOWED) == []


@pytest.mark.parametrize(
    ("text", "raw"),
    [
        ("新增16家", "16家"),
        ("新增15个", "15个"),  # 个 is not 家
        ("增长16.67%", None),  # allowed value itself
        ("增长16.6%", "16.6%"),
        ("增长16.670%", None),  # the same number with a trailing zero
        ("比重23.4个百分点", "23.4个百分点"),  # % is not 百分点
        ("争取资金431万元", "431万元"),
        ("培育3-6家", "3-6家"),
        ("新增二十家", "二十家"),
        ("约占四分之一", "四分之一"),
        ("增长3倍", "3倍"),
        ("新增40余家", "40余家"),  # 34 is not "40-odd"
        ("争取资金500多万元", "500多万元"),
    ],
)
def test_check_text_flags_values_that_are_not_allowed(text: str, raw: str | None) -> None:
    flags = check_text(text, ALLOWED)
    assert [f.raw for f in flags] == ([raw] if raw else [])


def test_check_text_reports_line_numbers_sentences_and_reasons() -> None:
    text = "一、总体情况\n全年新增高新技术企业15家，增长23.39%。\n争取资金520万元，培育3-6家。"
    flags = check_text(text, ALLOWED)
    assert [(f.raw, f.line) for f in flags] == [("520万元", 3), ("3-6家", 3)]
    assert flags[0].sentence == "争取资金520万元，培育3-6家。"
    assert "找不到对应数字" in flags[0].reason
    assert "430万元" in flags[0].reason  # nearest figures of the same unit
    assert "上限6家" in flags[1].reason
    assert text[flags[0].start : flags[0].end] == "520万元"


def test_check_text_skips_structure_dates_and_by_default_years() -> None:
    text = (
        "2025年以来，截至12月20日，党的二十大精神得到贯彻。一是进一步加强，二是统一部署。"
        "（一）做好1-9月工作\n2025年新增15家"
    )
    assert check_text(text, ALLOWED) == []


def test_check_text_checks_years_when_told_to() -> None:
    text = "2025年新增15家，2026年继续，2025年以来成效明显，2023-2025年累计培育。"
    flags = check_text(text, ALLOWED, allowed_years={2024, 2025})
    assert [(f.raw, f.kind) for f in flags] == [
        ("2026年", FlagKind.YEAR),
        ("2023-2025年", FlagKind.YEAR),
    ]
    assert "2024、2025" in flags[0].reason


def test_check_text_flags_unrendered_slots() -> None:
    flags = check_text("新增高新技术企业{F1}，增长F1.yoy", ALLOWED)
    assert [(f.raw, f.kind) for f in flags] == [("{F1}", FlagKind.SLOT), ("F1.yoy", FlagKind.SLOT)]


def test_check_text_on_the_example_summary_accepts_every_indicator() -> None:
    """Each figure of the example bureau's indicator table is accepted in its own summary;
    what remains flagged are the auxiliary numbers the README says are not indicators."""
    name = "示例县科学技术局2024年工作总结及2025年工作打算.txt"
    text = (EXAMPLES / name).read_text(encoding="utf-8")
    allowed: list[tuple[Decimal, str | None]] = []
    for line in (EXAMPLES / "README.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 10 or not re.fullmatch(r"[家项万元个件亿%名场次人]+", cells[1]):
            continue
        for cell in cells[2:]:
            for number in re.findall(r"\d+(?:\.\d+)?", cell):
                if "百分点" in cell:
                    unit = "个百分点"
                elif "%" in cell:
                    unit = "%"
                else:
                    unit = cells[1]
                allowed.append((D(number), unit))
    flags = check_text(text, allowed, allowed_years={2024, 2025})
    flagged = {f.raw for f in flags}
    for indicator in ["54家", "163家", "103.8%", "20.0%", "1520万元", "2.03%", "0.17个百分点",
                      "586件", "140.0%", "1.41亿元", "95.0%", "44个"]:  # fmt: skip
        assert indicator in text
        assert indicator not in flagged
    assert {"71家", "532万元", "136家次"} <= flagged
    assert all(f.kind is FlagKind.UNMATCHED for f in flags)


# --------------------------------------------------------------------------- properties

SLOTS = ["{F1}", "{F3}", "{F3.yoy}", "{YEAR}", "{T2}", "{K1}", "{F12.rate}"]
STRUCTURAL = ["一是", "二是", "三是", "第一", "第二", "其一", "首先", "一方面", "另一方面"]
WORDS = sorted(w for w in DEFAULT_ALLOWLIST.words if not re.search("[0-9]", w)) + STRUCTURAL
# CJK characters that are not numerals, measure words and other characters the scanner
# looks at (第 其 是 成 倍 分 之 点 年 月 日 号 季度 以上 余 多 近 约 翻 番) among ordinary ones.
FILLER = (
    "的了在和与为对将把被从到以及其之第个家项件人次场名批年月日号成倍分点季度以上下来余多近约翻番元"
    "企业科技创新工作推进加强落实服务平台，。；"
)
assert not set(FILLER) & set("零〇一二三四五六七八九两十百千万亿")

pieces = st.one_of(
    st.sampled_from(SLOTS),
    st.sampled_from(WORDS),
    st.text(alphabet=FILLER, min_size=1, max_size=3),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(pieces, min_size=1, max_size=12))
def test_slots_structural_words_and_plain_characters_never_violate(parts: list[str]) -> None:
    text = "".join(parts)
    assert find_violations(text) == [], text


FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
numbers = st.one_of(
    st.integers(min_value=0, max_value=10**9).map(str),
    st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False).map(str),
    st.integers(min_value=0, max_value=99999).map(lambda n: str(n).translate(FULL_WIDTH)),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(pieces, min_size=1, max_size=10), st.data())
def test_an_inserted_arabic_number_is_always_found(parts: list[str], data: st.DataObject) -> None:
    at = data.draw(st.integers(min_value=0, max_value=len(parts)))
    number = data.draw(numbers)
    before = "".join(parts[:at])
    text = before + number + "".join(parts[at:])
    start, end = len(before), len(before) + len(number)
    violations = find_violations(text)
    assert any(v.start <= start and end <= v.end for v in violations), (text, violations)
    assert any(m.start <= start < m.end for m in find_numbers(text))
