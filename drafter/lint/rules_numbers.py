"""Number usage (GB/T 15835-2011) and number signs; the number scanner is drafter.verify's."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal

from drafter.lint.base import GB_NUMBERS, GB_PUNCT, HOUSE, Finding, LintDoc, finding, rule
from drafter.text.numbers import Form, NumberMention, Script
from drafter.text.structural import is_structural
from drafter.text.units import COUNT_VERBS

R_FULLWIDTH = rule("number.fullwidth", GB_NUMBERS, "5.1.7", "全角数字或百分号")
R_LEADING_ZERO = rule("number.leading-zero", GB_NUMBERS, "5.1.2", "纯小数缺少前导0")
R_SHORT_YEAR = rule("number.short-year", GB_NUMBERS, "5.1.4", "年份简写")
R_MIXED = rule("number.arabic-with-cn-unit", GB_NUMBERS, "5.3", "阿拉伯数字后接千百十")
R_SPACE = rule("number.space-before-unit", HOUSE, "GB/T 15835-2011 5.1.7", "数字与单位间有空格")
R_RANGE_DASH = rule("number.range-dash", GB_PUNCT, "4.13.3", "范围用了短横线")
R_RANGE_UNIT = rule("number.range-unit", GB_NUMBERS, "5.1.3", "范围前一数值省略了万/亿/%")
R_SCRIPT = rule(
    "number.script", GB_NUMBERS, "4.1.1、4.3", "计量数字应用阿拉伯数字", scope="document"
)
R_CN_YEAR = rule("number.cn-year", GB_NUMBERS, "4.1", "公历年份用了汉字数字", scope="document")
R_SIGN = rule("number.sign", HOUSE, "增减表述", "增减与正负号矛盾")

_FULLWIDTH_RE = re.compile(r"[０-９％]+(?:[．.][０-９]+)?[％]?")
_FULLWIDTH_MAP = str.maketrans("０１２３４５６７８９％．", "0123456789%.")
_LEADING_DOT_RE = re.compile(r"(?<![0-9A-Za-z.．/])\.([0-9]+)")
_YEAR_AFTER = (
    r"(?=度|底|初|末|以来|上半年|下半年|全年|前三季度|[一二三四]季度|[0-9]{1,2}月|"
    r"工作|[—～\-–]|[，,]|的)"
)
_SHORT_YEAR_RE = re.compile(
    r"(?<![0-9A-Za-z.])([0-9]{2})年"
    + _YEAR_AFTER
    + r"|(?:^|(?<=[\n。；，,：:于在至到自从]))([0-9]{2})年(?![0-9])",
    re.M,
)
_SHORT_YEAR_RANGE_RE = re.compile(r"(?<![0-9])([0-9]{4}|[0-9]{2})[—～\-–]([0-9]{2})年")
_SI_UNITS = ("千米", "千克", "千瓦", "千伏", "千帕", "千焦", "千赫", "千卡", "百分点", "百分比")
_SPACE_RE = re.compile(r"[0-9%][ \t\u3000\u00a0]+(?=[\u4e00-\u9fff%])")
_RANGE_SEP_RE = re.compile(r"[ \t]?([-—–~～])[ \t]?")
# "5万-10万元": a range the scanner reads as two numbers; the low end names its 万/亿/%
_SPLIT_RANGE_RE = re.compile(
    r"(?<![A-Za-z0-9/.\-])[0-9]+(?:\.[0-9]+)?(?:万|亿|%)[ \t]?([-–~])[ \t]?(?=[0-9])"
)
_SIGN_RE = re.compile(
    r"(增长|增加|上升|提高|提升|下降|减少|降低|回落|下滑)(了|为)?[ \t]*([-－−–]|负)[ \t]*(?=[0-9])"
)
_OPPOSITE = {
    "增长": "下降",
    "增加": "减少",
    "上升": "下降",
    "提高": "降低",
    "提升": "下降",
    "下降": "增长",
    "减少": "增加",
    "降低": "提高",
    "回落": "上升",
    "下滑": "上升",
}
_CN_DIGITS = "〇一二三四五六七八九"
_LEAD_WINDOW = 12


def _plain(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text


def check_numbers(doc: LintDoc) -> Iterator[Finding]:
    text = doc.text
    for m in _FULLWIDTH_RE.finditer(text):
        fixed = m.group().translate(_FULLWIDTH_MAP)
        yield finding(
            doc,
            R_FULLWIDTH,
            m.start(),
            m.end(),
            f"“{m.group()}”是全角字符，数字和百分号应使用半角“{fixed}”。",
            fixed,
        )
    for m in _LEADING_DOT_RE.finditer(text):
        yield finding(
            doc,
            R_LEADING_ZERO,
            m.start(),
            m.end(),
            f"纯小数“{m.group()}”应写出小数点前的“0”：“0{m.group()}”。",
            "0" + m.group(),
        )
    yield from _short_years(doc)
    for m in _SPLIT_RANGE_RE.finditer(text):
        yield finding(
            doc,
            R_RANGE_DASH,
            m.start(1),
            m.end(1),
            f"“{m.group()}……”中数值范围用浪纹线“～”，不用“{m.group(1)}”。",
            "～",
        )
    yield from _signs(doc)
    for m in _SPACE_RE.finditer(text):
        a = m.start() + 1
        yield finding(
            doc, R_SPACE, a, m.end(), "中文行文中数字与单位之间不留空格，应删去空格。", ""
        )
    arabic_units: Counter[str] = Counter()
    for n in doc.numbers:
        if n.script is Script.ARABIC and n.form in (Form.NUMBER, Form.PERCENT) and n.unit:
            arabic_units[_measure(n.unit)] += 1
            arabic_units[_lead(doc.text, n.start) + _measure(n.unit)] += 1
    arabic_years = sum(1 for n in doc.numbers if n.form is Form.YEAR and n.script is Script.ARABIC)
    for n in doc.numbers:
        yield from _mention(doc, n, arabic_units, arabic_years)


def _measure(unit: str) -> str:
    return unit.lstrip("万亿千百十")[:1] or unit


def _short_years(doc: LintDoc) -> Iterator[Finding]:
    seen: set[int] = set()
    for m in _SHORT_YEAR_RANGE_RE.finditer(doc.text):
        a, b = m.start(2), m.end(2)
        century = m.group(1)[:2] if len(m.group(1)) == 4 else "20"
        seen.add(a)
        yield finding(
            doc,
            R_SHORT_YEAR,
            a,
            b,
            f"年份不应简写，“{m.group()}”中的“{m.group(2)}”应写全，如“{century}{m.group(2)}”。",
            century + m.group(2),
        )
        if len(m.group(1)) == 2:
            seen.add(m.start(1))
            yield finding(
                doc,
                R_SHORT_YEAR,
                m.start(1),
                m.end(1),
                f"年份不应简写，“{m.group()}”中的“{m.group(1)}”应写全。",
                "20" + m.group(1),
            )
    for m in _SHORT_YEAR_RE.finditer(doc.text):
        g = 1 if m.group(1) else 2
        if m.start(g) in seen:
            continue
        yy = m.group(g)
        full = ("20" if int(yy) < 50 else "19") + yy
        yield finding(
            doc,
            R_SHORT_YEAR,
            m.start(g),
            m.end(g),
            f"年份不应简写，“{yy}年”应写作“{full}年”。",
            full,
        )


def _signs(doc: LintDoc) -> Iterator[Finding]:
    for m in _SIGN_RE.finditer(doc.text):
        verb = m.group(1)
        fixed = _OPPOSITE[verb] + (m.group(2) or "")
        yield finding(
            doc,
            R_SIGN,
            m.start(),
            m.end(),
            f"“{m.group()}”自相矛盾：数值为负时应改用相反的说法，如“{fixed}”加正数。",
            fixed,
        )


def _mention(
    doc: LintDoc, n: NumberMention, arabic_units: Counter[str], arabic_years: int
) -> Iterator[Finding]:
    text = doc.text
    raw = n.raw
    if (
        n.script is Script.ARABIC
        and n.form is Form.NUMBER
        and n.unit
        and n.unit[0] in "千百十"
        and not n.unit.startswith(_SI_UNITS)
        and not n.is_range
    ):
        factor = {"千": 1000, "百": 100, "十": 10}[n.unit[0]]
        rest = n.unit[1:]
        value = n.value * factor
        fix = f"{_plain(value)}{rest}" if value == value.to_integral_value() else None
        yield finding(
            doc,
            R_MIXED,
            n.start,
            n.end,
            f"阿拉伯数字后不接“千”“百”“十”：“{raw}”" + (f"应写作“{fix}”。" if fix else "应改写。"),
            fix,
        )
    if (
        n.is_range
        and n.script is Script.ARABIC
        and n.form
        in (
            Form.NUMBER,
            Form.PERCENT,
            Form.DATE,
            Form.YEAR,
        )
    ):
        yield from _range(doc, n)
    if n.script is Script.CHINESE:
        if n.form is Form.YEAR and arabic_years and n.year and not n.is_range:
            fix = f"{n.year}年" if raw.endswith("年") else None
            yield finding(
                doc,
                R_CN_YEAR,
                n.start,
                n.end,
                f"公历年份应使用阿拉伯数字，且全文一致：“{raw}”应写作“{n.year}年”。",
                fix,
            )
        elif (
            n.form in (Form.NUMBER, Form.PERCENT)
            and _measured_cn(n, arabic_units, _lead(text, n.start))
            and not is_structural(n, text)
        ):
            yield finding(
                doc,
                R_SCRIPT,
                n.start,
                n.end,
                f"“{raw}”是计量数字，本文同类数字用阿拉伯数字，应统一写作阿拉伯数字。",
                _arabic_fix(n),
            )


def _lead(text: str, start: int) -> str:
    """The counting verb a number belongs to (新增…五家 → 新增), within its clause."""
    window = re.split(r"[，。；：,;:\n]", text[max(0, start - _LEAD_WINDOW) : start])[-1]
    if window.endswith("“"):
        return "“"
    best = max(((window.rfind(v), v) for v in COUNT_VERBS), default=(-1, ""))
    return best[1] if best[0] >= 0 else ""


def _measured_cn(n: NumberMention, arabic_units: Counter[str], lead: str) -> bool:
    """A Chinese-numeral quantity that GB/T 15835 (4.1.1, 4.3) wants in Arabic digits here:
    a percentage or a number of 10 or more where the document counts that unit in Arabic
    digits, or a small count after the same verb that elsewhere takes Arabic digits
    ("新增3家 … 新增五家"). Names and idioms (“三个XX”, 百家企业) are left alone."""
    if n.is_range or n.qualifier or not n.unit or n.unit == "成":
        return False
    if n.form is Form.PERCENT:
        return n.raw.startswith("百分之") and n.raw != "百分之百"
    # 百家/千家万户 are idioms; 两 is how 2 is said ("两名人才"); “三个XX” is a name
    if n.raw[0] in "百千万亿两" or lead.endswith("“"):
        return False
    if n.value != n.value.to_integral_value() or n.value >= 10:
        return n.value >= 10 and _measure(n.unit) in arabic_units
    return n.value >= 2 and bool(lead) and arabic_units[lead + _measure(n.unit)] >= 1


def _arabic_fix(n: NumberMention) -> str | None:
    if n.form is Form.PERCENT:
        return f"{_plain(n.value)}%"
    if n.unit and n.raw.endswith(n.unit):
        return f"{_plain(n.value)}{n.unit}"
    return None


def _range(doc: LintDoc, n: NumberMention) -> Iterator[Finding]:
    raw = n.raw
    sep = _RANGE_SEP_RE.search(raw)
    if sep is None or not raw[: sep.start()].strip():
        return
    before = doc.text[max(0, n.start - 3) : n.start].rstrip(" \t")[-1:]
    if before and (before.isascii() and (before.isalnum() or before in "/-.")):
        return  # a code or a standard's number: GB/T 15834-2011
    if re.match(r"0[0-9]", raw):
        return  # a telephone or code number: 0536-1234567
    mark = sep.group(1)
    s_a, s_b = n.start + sep.start(1), n.start + sep.end(1)
    is_time = n.form in (Form.DATE, Form.YEAR)
    if mark in "-–~":
        want = "—" if is_time else "～"
        what = "时间范围用一字线“—”（或浪纹线“～”）" if is_time else "数值范围用浪纹线“～”"
        yield finding(doc, R_RANGE_DASH, s_a, s_b, f"“{raw}”中{what}，不用“{mark}”。", want)
    if is_time or not n.unit:
        return
    low = raw[: sep.start()].rstrip()
    head = ""
    if n.form is Form.PERCENT and not low.endswith("%"):
        head = "%"
    else:
        mult = n.unit[: len(n.unit) - len(n.unit.lstrip("万亿"))]
        if mult and not low.endswith(mult):
            head = mult
    if head:
        high = raw[sep.end() :]
        yield finding(
            doc,
            R_RANGE_UNIT,
            n.start,
            n.start + len(low),
            f"“{raw}”前一数值不能省略“{head}”，应写作“{low}{head}～{high}”。",
            low + head,
        )
