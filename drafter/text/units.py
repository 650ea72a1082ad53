"""Measure words, units, qualifiers and unit conversion for number scanning."""

from __future__ import annotations

from decimal import Decimal

from drafter.text.chars import narrow

# Measure words and units, longest first when matched. 大 counts (三大产业) except after a
# lone 一 (一大批). 点/级/线/方 are deliberately absent (重点, 一级, 一线, 三方).
_UNIT_WORDS = """
个百分点 百分点 % ‰ 成 倍 个月 平方公里 平方米 立方米 公里 千米 公顷 千瓦时 千瓦 兆瓦 千克 公斤
人次 家次 户次 场次 件次 批次 台套 台次 车次 架次 班次 课时 学时 小时 分钟 季度 周年 周岁
元 吨 亩 米 斤 度 家 项 件 个 人 次 场 名 所 篇 期 批 位 户 台 套 座 条 处 类 种 支 份 部 本 张
册 间 栋 幢 辆 株 头 只 组 队 笔 宗 例 起 轮 届 岁 年 天 日 周 门 枚 颗 块 片 盏 集 版 款 档
村 镇 乡 县 大 道 番 把 股 段 步 艘 架 根 所 首 部 堂 课 节
"""
UNITS: tuple[str, ...] = tuple(sorted(set(_UNIT_WORDS.split()), key=len, reverse=True))
LATIN_UNITS: tuple[str, ...] = tuple(
    sorted(
        (
            "kWh",
            "MWh",
            "GWh",
            "km",
            "kg",
            "kW",
            "MW",
            "GW",
            "GB",
            "TB",
            "PB",
            "ha",
            "mm",
            "cm",
            "m²",
            "m³",
            "m",
            "t",
        ),
        key=len,
        reverse=True,
    )
)
MULTIPLIERS: tuple[tuple[str, int], ...] = (
    ("万亿", 10**12),
    ("千万", 10**7),
    ("百万", 10**6),
    ("亿", 10**8),
    ("万", 10**4),
    ("千", 10**3),
)
SPECIAL_UNITS: dict[str, tuple[Decimal, str]] = {
    "%": (Decimal(1), "%"),
    "‰": (Decimal("0.1"), "%"),
    "成": (Decimal(10), "%"),
    "个百分点": (Decimal(1), "百分点"),
    "百分点": (Decimal(1), "百分点"),
    "公里": (Decimal(1), "千米"),
    "公斤": (Decimal(1), "千克"),
}
PERCENT_UNITS = frozenset({"%", "‰", "成"})

# After a lone 一 these measure words read as an article (一个重要抓手, 一项重要工作).
ARTICLE_MEASURES = frozenset("个种项次场条支道番把股段步份套位轮片批大类张部期届处门度首节堂课")
# …unless a count verb comes right before the 一 (新增一个, 获批一项).
COUNT_VERBS: tuple[str, ...] = (
    "新增",
    "增加",
    "新建",
    "建成",
    "获批",
    "获得",
    "认定",
    "达到",
    "累计",
    "共计",
    "合计",
    "共有",
    "仅有",
    "只有",
    "新设",
    "设立",
    "成立",
    "引进",
    "立项",
    "培育",
    "争取",
)

PREFIX_QUALIFIERS: tuple[str, ...] = (
    "超过",
    "不足",
    "不到",
    "将近",
    "接近",
    "近",
    "约",
    "逾",
    "超",
)
# Characters before the qualifier that make it part of another word (节约, 最近, 赶超).
PREFIX_EXCLUDE: dict[str, str] = {
    "约": "节制签公契预邀相条协束",
    "近": "最附临亲邻就靠贴走远",
    "超": "赶高",
}
SUFFIX_QUALIFIERS: tuple[str, ...] = ("以上", "以下", "左右", "之多", "有余")
def parse_unit(unit: str | None) -> tuple[Decimal, str | None]:
    """Split a unit into (factor to the base unit, base unit).

    "万元" → (10000, "元"); "亿元" → (100000000, "元"); "万人次" → (10000, "人次");
    "%" → (1, "%"); "成" → (10, "%"); "个百分点" → (1, "百分点"); "千米" → (1, "千米");
    "万" → (10000, None); None → (1, None). Unknown units are their own base.
    """
    if unit is None:
        return (Decimal(1), None)
    u = narrow(unit).strip()
    if not u:
        return (Decimal(1), None)
    if u in SPECIAL_UNITS:
        return SPECIAL_UNITS[u]
    if u in UNITS or u in LATIN_UNITS:
        return (Decimal(1), u)
    for name, factor in MULTIPLIERS:
        if u.startswith(name):
            inner, base = parse_unit(u[len(name) :])
            return (Decimal(factor) * inner, base)
    return (Decimal(1), u)


def decimals_of(number: str) -> int:
    _, dot, frac = number.partition(".")
    return len(frac) if dot else 0

