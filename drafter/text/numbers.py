"""Numbers in Chinese official prose: find them, tell structure from quantity, check them.

Design principle 1: numbers are written by code, never by the model. The model refers to
figures only through slots (``{F3}``, ``{F3.yoy}``, ``{YEAR}``, ``{T2}``, ``{K1}``); any
digit or Chinese numeral it writes outside a slot is a violation, except structural words
(一是/二是, 第一, 进一步, “十四五”, heading markers …).

Three uses:

* :func:`find_violations` — model output with slots, before rendering: every Arabic digit
  run and every Chinese-numeral quantity outside a slot, with a Chinese message that can be
  sent back to the model and shown in the review report; malformed and unknown slots too.
* :func:`check_text` — rendered text (``drafter check``): every number that matches none
  of the allowed figures, after unit conversion (430万元 = 0.043亿元) and rounding to the
  displayed decimals (16.67 → “16.7%”).
* :func:`find_numbers` / :func:`is_structural` — the scanner both are built on.

Standard library only (``re``, ``decimal``); no other drafter module is imported.

Rules of thumb the scanner follows (see :func:`is_structural` for the full list):

* An Arabic number is always a mention; headings (``1.`` ``（1）`` at a line start) and
  allow-listed codes (5G, PM2.5) are structural, years and dates carry their own form.
* A Chinese numeral is a *quantity* when it is followed by a measure word or unit
  (家 项 件 个 人 次 …, 万/亿, %, 成, 倍) or is a run of two or more numeral characters;
  a lone numeral inside a word (统一, 一体化, 三农) is not. 一 followed by an
  article-like measure word (一个/一项/一批 …) is not a quantity either, unless a count
  verb comes right before it (新增一个).
* Anything whose numerals all fall inside an allow-listed word or pattern is structural;
  the allow-list is data (:class:`Allowlist`) and can be extended or loaded from a file.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum
from functools import lru_cache
from pathlib import Path

__all__ = [
    "DEFAULT_ALLOWLIST",
    "Allowlist",
    "Flag",
    "FlagKind",
    "Form",
    "NumberMention",
    "Script",
    "Violation",
    "ViolationKind",
    "check_slot_syntax",
    "check_text",
    "find_numbers",
    "find_slots",
    "find_violations",
    "is_structural",
    "normalize_slots",
    "parse_chinese_number",
    "parse_unit",
    "sentence_spans",
    "split_sentences",
    "unknown_slots",
    "violations_feedback",
]


# --------------------------------------------------------------------------- data shapes


class Form(StrEnum):
    """What a number mention is; the caller decides what each form means for it."""

    NUMBER = "number"  # a count or amount: 15家, 1.52亿元, 十五家, 12,560
    PERCENT = "percent"  # 23.39%, 百分之二十三, 三成 (unit 成 = 10%)
    FRACTION = "fraction"  # 三分之一, 1/3 (value is the quotient)
    MULTIPLE = "multiple"  # 1.5倍, 翻一番 (value 2, unit 倍)
    YEAR = "year"  # 2025年, 2025年度, 二〇二五年, 2023-2025年
    DATE = "date"  # 2025年12月20日, 12月20日, 1-9月, 2025年以来, 一季度
    DOCNO = "docno"  # a document number: 〔2024〕5号
    ORDINAL = "ordinal"  # 第一, 第3名, 其一
    ENUMERATION = "enumeration"  # 一是, 二是, 一则
    HEADING = "heading"  # 一、 （一） 1. （1）
    CODE = "code"  # digits inside a Latin token: 5G, PM2.5, ISO9001, F1


class Script(StrEnum):
    """How the number is written."""

    ARABIC = "arabic"  # includes full-width digits (１５)
    CHINESE = "chinese"


@dataclass(frozen=True)
class NumberMention:
    """One number as written in the text.

    ``value`` is the number as displayed, with the 万/亿 multiplier kept in ``unit``
    ("430万元" → value 430, unit "万元"); :attr:`base_value` / :attr:`base_unit` give it in
    the base unit (4300000, "元"). For a range ``value`` is the low end and ``high`` the
    high end. ``decimals`` is the number of decimals displayed (for rounding tolerance).
    ``qualifier`` is an approximation word next to the number (近 约 余 多 以上 以下 …).
    ``year`` is set for years, dates that name a year and document numbers.
    """

    start: int
    end: int
    raw: str
    value: Decimal
    unit: str | None = None
    form: Form = Form.NUMBER
    script: Script = Script.ARABIC
    high: Decimal | None = None
    qualifier: str | None = None
    decimals: int = 0
    high_decimals: int = 0
    year: int | None = None

    @property
    def span(self) -> tuple[int, int]:
        return (self.start, self.end)

    @property
    def is_range(self) -> bool:
        return self.high is not None

    @property
    def multiplier(self) -> Decimal:
        """Factor from the displayed unit to the base unit (10000 for 万元, 10 for 成)."""
        return parse_unit(self.unit)[0]

    @property
    def base_unit(self) -> str | None:
        """The unit without its multiplier: 元 for 万元, % for 成; None when dimensionless."""
        return parse_unit(self.unit)[1]

    @property
    def base_value(self) -> Decimal:
        """``value`` in the base unit: 430万元 → 4300000 (元)."""
        return self.value * self.multiplier

    @property
    def base_high(self) -> Decimal | None:
        return None if self.high is None else self.high * self.multiplier


class ViolationKind(StrEnum):
    DIGITS = "digits"  # Arabic digits outside a slot
    CHINESE_NUMERAL = "chinese_numeral"  # a Chinese-numeral quantity outside a slot
    YEAR = "year"  # a year written out instead of {YEAR}
    DATE = "date"  # a date the model wrote
    SLOT_SYNTAX = "slot_syntax"  # {F1 ｛F1｝ { F1 } F1 {收入} stray braces
    UNKNOWN_SLOT = "unknown_slot"  # a well-formed slot that the section does not provide


@dataclass(frozen=True)
class Violation:
    """A number (or slot problem) in model output; ``message`` is Chinese, for the model
    and for the review report. ``sentence_no`` counts from 1 in :func:`split_sentences`
    order; ``line`` counts from 1."""

    raw: str
    start: int
    end: int
    kind: ViolationKind
    message: str
    sentence: str
    sentence_no: int
    line: int
    mention: NumberMention | None = None

    @property
    def span(self) -> tuple[int, int]:
        return (self.start, self.end)


class FlagKind(StrEnum):
    UNMATCHED = "unmatched"  # the number matches no allowed figure
    YEAR = "year"  # a year outside allowed_years
    SLOT = "slot"  # a slot left unrendered


@dataclass(frozen=True)
class Flag:
    """A number in rendered text that :func:`check_text` cannot account for."""

    raw: str
    start: int
    end: int
    line: int
    sentence: str
    reason: str
    kind: FlagKind = FlagKind.UNMATCHED
    mention: NumberMention | None = None

    @property
    def span(self) -> tuple[int, int]:
        return (self.start, self.end)


# --------------------------------------------------------------------------- allow-list

# Words in which numerals are not quantities. Only words whose numeral would otherwise be
# taken as a quantity matter (numeral + measure word, 2+ numerals, a date-like form), but
# common ones with a lone 一 are listed too so that the list documents itself.
_DEFAULT_WORDS = """
进一步 下一步 一步一个脚印 一批 一大批 一系列 一体化 一体推进 一体 统一 一线 一流 一站式
唯一 一直 一定 一些 一致 一起 一般 一把手 一揽子 万一 千方百计 一带一路 多措并举
十一五 十二五 十三五 十四五 十五五 十六五 两学一做 三农 双创 五位一体 四个全面 四个意识
四个自信 四个最严 四个不摘 两个确立 两个维护 两个毫不动摇 两个结合 两个大局 两个一百年
三个代表 三个务必 三大攻坚战 第一书记 一号文件 百姓 老百姓 万众创新 大众创业万众创新
百花齐放 百家争鸣 一方面 另一方面 一年来 一年一度 一以贯之 一张蓝图 一张网 一盘棋 一条龙
一件事 高效办成一件事 一次性 最多跑一次 一次办好 一网通办 一网统管 一窗受理 一门式 一事一议
一企一策 一村一品 一县一业 一镇一业 一岗双责 一票否决 一对一 一公开 一把尺子 三会一课
三重一大 八项规定 中央八项规定 六稳 六保 四风 三资 千万工程 百千万工程 亿万 千千万万 万万
三三两两 一五一十 一一 逐一 同一 每一 单一 划一 专一 如一 合一 归一 均一 不一 之一 一度 一道
一同 一并 一旦 一向 一贯 一律 一味 一举 一手 一边 一切 一刀切 一环 一员 一分子 一席之地
一心一意 一丝不苟 一鼓作气 一马当先 一着不让 一抓到底 一竿子插到底 新一轮 新一代 上一年
上一轮 下一轮 一二三产业 一二三产 七一 五一 八一 六一 三八 五四 万人助万企 万家 百年
两个一百年 百年未有之大变局 十分 十足 万千 千家万户 万家灯火 一把 一手抓 两手抓 一时
最后一公里 新的一年 零部件 零件 零售 零星 零距离 零容忍
一是 二是 三是 四是 五是 六是 七是 八是 九是 十是 其一 其二 其三 其四 其五 其六 其七 其八 其九 其十
第一 第二 第三 第四 第五 第六 第七 第八 第九 第十 一则 二则 三则
"""

_DEFAULT_PATTERNS = (
    r"(?:十[八九]|二十[一二三]?)[大届]",  # 党的二十大, 二十届
    r"[一二三四五六七八九]中(?=[一二三四五六七八九中、，,和及与]*全会)",  # 二中、三中全会
    r"[一二三四五六七八九十]+届[一二三四五六七八九十]+[次中]",  # 区委八届九次全会
    r"[一二三四五六七八九]期(?=工程|项目|建设|改造)",  # 二期工程
    r"每[十百千万亿]+(?=人|元|户|亩|平方|名|家)",  # 每万人口发明专利拥有量
    r"万元(?=GDP|生产总值|地区生产总值|工业增加值|产值)",  # 万元GDP能耗
    r"[一二三四五六七八九十百千万]*[百千万亿]级",  # 百亿级产业集群
    r"12345(?=政务|热线|便民|平台)",  # 12345政务服务便民热线
)

_DEFAULT_CODES = """
5G 4G 3G 6G 3D 4K 8K PM2.5 PM10 O2O B2B B2C P2P IPV4 IPV6 COVID-19 ISO9001 ISO14001
ISO45001 ISO27001 GB/T
"""


@dataclass(frozen=True)
class Allowlist:
    """Structural words, regex patterns and Latin codes; data, so it can be extended.

    ``words`` are literal phrases; a mention whose numerals all fall inside occurrences of
    words or pattern matches is structural. ``codes`` are upper-cased Latin tokens with
    digits (5G, PM2.5) that are names rather than numbers.
    """

    words: frozenset[str]
    patterns: tuple[re.Pattern[str], ...] = ()
    codes: frozenset[str] = frozenset()

    def extended(
        self,
        words: Iterable[str] = (),
        patterns: Iterable[str | re.Pattern[str]] = (),
        codes: Iterable[str] = (),
    ) -> Allowlist:
        """A copy with more words, patterns or codes."""
        return Allowlist(
            words=self.words | frozenset(_norm(w) for w in words if w),
            patterns=self.patterns + tuple(_compile(p) for p in patterns),
            codes=self.codes | frozenset(_norm(c).upper() for c in codes if c),
        )

    @classmethod
    def from_lines(cls, lines: Iterable[str], *, base: Allowlist | None = None) -> Allowlist:
        """Build from text lines: ``# comment``, ``re:PATTERN``, ``code:5G`` or a word (several
        words may share a line, separated by spaces). ``base`` (e.g. the default) is extended."""
        words: list[str] = []
        patterns: list[str] = []
        codes: list[str] = []
        for line in lines:
            item = line.strip()
            if not item or item.startswith("#"):
                continue
            if item.startswith("re:"):
                patterns.append(item[3:].strip())
            elif item.startswith("code:"):
                codes.extend(item[5:].split())
            else:
                words.extend(item.split())
        start = base if base is not None else Allowlist(words=frozenset())
        return start.extended(words=words, patterns=patterns, codes=codes)

    @classmethod
    def load(cls, path: str | Path, *, base: Allowlist | None = None) -> Allowlist:
        """Read :meth:`from_lines` format from a UTF-8 file."""
        text = Path(path).read_text(encoding="utf-8")
        return cls.from_lines(text.splitlines(), base=base)


def _compile(p: str | re.Pattern[str]) -> re.Pattern[str]:
    return p if isinstance(p, re.Pattern) else re.compile(p)


# --------------------------------------------------------------------------- characters

# Full-width ASCII (except the Chinese comma ，), ideographic space, wave dash and ﹪ map one
# character to one character, so spans in the normalised text are spans in the original.
_FW_TABLE: dict[int, int] = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F) if cp != 0xFF0C}
_FW_TABLE.update({0x3000: 0x20, 0x301C: 0x7E, 0xFE6A: 0x25})


def _norm(text: str) -> str:
    return text.translate(_FW_TABLE)


_CN_DIGITS: dict[str, int] = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_SMALL: dict[str, int] = {"十": 10, "百": 100, "千": 1000}
_CN_BIG: dict[str, int] = {"万": 10_000, "亿": 100_000_000}
_CN_NUMERALS = "零〇一二三四五六七八九两十百千万亿"
_ASCII_DIGITS = "0123456789"
_NUMERAL_CHARS = frozenset(_CN_NUMERALS + _ASCII_DIGITS)

# Measure words and units, longest first when matched. 大 counts (三大产业) except after a
# lone 一 (一大批). 点/级/线/方 are deliberately absent (重点, 一级, 一线, 三方).
_UNIT_WORDS = """
个百分点 百分点 % ‰ 成 倍 个月 平方公里 平方米 立方米 公里 千米 公顷 千瓦时 千瓦 兆瓦 千克 公斤
人次 家次 户次 场次 件次 批次 台套 台次 车次 架次 班次 课时 学时 小时 分钟 季度 周年 周岁
元 吨 亩 米 斤 度 家 项 件 个 人 次 场 名 所 篇 期 批 位 户 台 套 座 条 处 类 种 支 份 部 本 张
册 间 栋 幢 辆 株 头 只 组 队 笔 宗 例 起 轮 届 岁 年 天 日 周 门 枚 颗 块 片 盏 集 版 款 档
村 镇 乡 县 大 道 番 把 股 段 步 艘 架 根 所 首 部 堂 课 节
"""
_UNITS: tuple[str, ...] = tuple(sorted(set(_UNIT_WORDS.split()), key=len, reverse=True))
_LATIN_UNITS: tuple[str, ...] = tuple(
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
_MULTIPLIERS: tuple[tuple[str, int], ...] = (
    ("万亿", 10**12),
    ("千万", 10**7),
    ("百万", 10**6),
    ("亿", 10**8),
    ("万", 10**4),
    ("千", 10**3),
)
_SPECIAL_UNITS: dict[str, tuple[Decimal, str]] = {
    "%": (Decimal(1), "%"),
    "‰": (Decimal("0.1"), "%"),
    "成": (Decimal(10), "%"),
    "个百分点": (Decimal(1), "百分点"),
    "百分点": (Decimal(1), "百分点"),
    "公里": (Decimal(1), "千米"),
    "公斤": (Decimal(1), "千克"),
}
_PERCENT_UNITS = frozenset({"%", "‰", "成"})

# After a lone 一 these measure words read as an article (一个重要抓手, 一项重要工作).
_ARTICLE_MEASURES = frozenset("个种项次场条支道番把股段步份套位轮片批大类张部期届处门度首节堂课")
# …unless a count verb comes right before the 一 (新增一个, 获批一项).
_COUNT_VERBS: tuple[str, ...] = (
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

_PREFIX_QUALIFIERS: tuple[str, ...] = (
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
_PREFIX_EXCLUDE: dict[str, str] = {
    "约": "节制签公契预邀相条协束",
    "近": "最附临亲邻就靠贴走远",
    "超": "赶高",
}
_SUFFIX_QUALIFIERS: tuple[str, ...] = ("以上", "以下", "左右", "之多", "有余")

_SEP = r"(?:[-~—–]|至|到)"
_RANGE_SEP = re.compile(r"[ \t]?" + _SEP + r"[ \t]?")
_SP = r"[ \t\u00a0]?"
_CN_RUN_CLASS = "零〇一二三四五六七八九两十百千万亿"
_CN_INT = f"[{_CN_RUN_CLASS}]+"
_CN_DEC = f"[{_CN_RUN_CLASS}]+(?:点[零〇一二三四五六七八九]+)?"
_CN_MD = "[一二三四五六七八九十]"

_SLOTISH = re.compile(r"\{[ \t]*([A-Za-z][A-Za-z0-9_.]*)[ \t]*(\})?")
# Attributes are words ({F1.yoy}) or the number of a figure inside a fact ({K1.2}).
_SLOT_NAME = re.compile(r"[A-Z][A-Z0-9_]*(?:\.(?:[a-z][a-z0-9_]*|[0-9]+))*")
_BARE_SLOT = re.compile(r"(?:[FTK][0-9]+(?:\.(?:[a-z][a-z0-9_]*|[0-9]+))*|YEAR(?:\.[a-z][a-z0-9_]*)*)")
_BARE_SLOT_SCAN = re.compile(r"(?<![A-Za-z0-9_{.])" + _BARE_SLOT.pattern + r"(?![A-Za-z0-9_}])")
_CODE = re.compile(r"(?<![A-Za-z0-9_.])[A-Za-z0-9]+(?:[.\-/][A-Za-z0-9]+)*(?![A-Za-z0-9_])")

_DOCNO = re.compile(r"[〔\[【(]([0-9]{4})[〕\]】)]" + _SP + r"第?([0-9]+)" + _SP + "号")
_HEAD_CN = re.compile(r"(?<![^\s。;:!?])([一二三四五六七八九十]{1,3})、")
_HEAD_CN_PAREN = re.compile(r"\(([一二三四五六七八九十]{1,3})\)")
_HEAD_AR = re.compile(r"(?<![^\s。;:!?])([0-9]{1,2})[.、](?![0-9])")
_HEAD_AR_PAREN = re.compile(r"\(([0-9]{1,2})\)")
_ISO_DATE = re.compile(r"(?<![0-9.])([0-9]{4})([-./])([0-9]{1,2})\2([0-9]{1,2})(?![0-9])")
_YEAR_RANGE = re.compile(
    r"(?<![0-9.])([0-9]{4})" + _SP + "年?" + _SP + _SEP + _SP + r"([0-9]{4})" + _SP + "年(度)?"
)
_MD_AR = (
    r"(?P<m1>[0-9]{1,2})(?:" + _SP + _SEP + _SP + r"(?P<m2>[0-9]{1,2}))?" + _SP + "月(?:份)?"
    r"(?:"
    + _SP
    + r"(?P<d1>[0-9]{1,2})(?:"
    + _SP
    + _SEP
    + _SP
    + r"(?P<d2>[0-9]{1,2}))?"
    + _SP
    + "[日号])?"
)
_DATE_AR = re.compile(
    r"(?<![0-9.])(?P<y>[0-9]{4})" + _SP + "年(?P<du>度)?(?:" + _SP + _MD_AR + r")?(?P<since>以来)?"
)
_MONTH_AR = re.compile(r"(?<![0-9.])" + _MD_AR)
_MD_CN = (
    f"(?P<m1>{_CN_MD}{{1,2}})(?:{_SEP}(?P<m2>{_CN_MD}{{1,2}}))?月(?:份)?"
    f"(?:(?P<d1>{_CN_MD}{{1,3}})(?:{_SEP}(?P<d2>{_CN_MD}{{1,3}}))?[日号])?"
)
_DATE_CN = re.compile(
    f"(?<![{_CN_RUN_CLASS}])(?P<y>[〇零一二三四五六七八九]{{4}})年(?P<du>度)?(?:{_MD_CN})?(?P<since>以来)?"
)
_MONTH_CN = re.compile(f"(?<![{_CN_RUN_CLASS}第个])" + _MD_CN)
_QUARTER = re.compile(f"(?<![{_CN_RUN_CLASS}0-9])(前|第)?([一二三四1-4])" + _SP + "季度")
_PERCENT_CN = re.compile(f"百分之({_CN_DEC})(?:{_SEP}(?:百分之)?({_CN_DEC}))?")
_FRACTION_CN = re.compile(f"(?<![{_CN_RUN_CLASS}])([{_CN_RUN_CLASS}]+)分之({_CN_DEC})")
_FRACTION_AR = re.compile(r"(?<![0-9./])([0-9]+)/([0-9]+)(?![0-9/])")
_DOUBLING = re.compile(r"翻了?([一两二三四五六七八九十]+)番")
_AR_NUM = re.compile(r"(?<![0-9])(?:[0-9]{1,3}(?:,[0-9]{3})+(?![0-9])|[0-9]+)(?:\.[0-9]+)?")
_CN_RUN = re.compile(_CN_DEC)
_APPROX_CN = re.compile(r"^(.*?)([一二两三四五六七八九])([二两三四五六七八九])([十百千万亿]*)$")


# --------------------------------------------------------------------------- parsing


def _parse_cn_int(s: str) -> int | None:
    """一百二十 → 120, 二〇二五 → 2025, 一万二 → 12000; None when not a well-formed number."""
    if not s or any(c not in _CN_DIGITS and c not in _CN_SMALL and c not in _CN_BIG for c in s):
        return None
    if all(c in _CN_DIGITS for c in s):
        return int("".join(str(_CN_DIGITS[c]) for c in s))
    total = wan = section = num = 0
    pending = zero = False
    last_unit = 0
    for c in s:
        if c in _CN_DIGITS:
            d = _CN_DIGITS[c]
            if d == 0:
                zero = True
                continue
            if pending:
                return None
            num, pending = d, True
        elif c in _CN_SMALL:
            u = _CN_SMALL[c]
            section += (num if pending else 1) * u
            num, pending, zero, last_unit = 0, False, False, u
        else:
            u = _CN_BIG[c]
            part = section + num
            if u == 10_000:
                wan += (part or 1) * u
            else:
                total = ((total + wan + part) or 1) * u
                wan = 0
            section = num = 0
            pending, zero, last_unit = False, False, u
    if pending and not zero and last_unit >= 100:
        num = num * last_unit // 10  # colloquial 一百二 = 120, 三千五 = 3500
    return total + wan + section + num


def parse_chinese_number(s: str) -> Decimal | None:
    """Value of a Chinese numeral: "一百二十" → 120, "二〇二五" → 2025, "一点五" → 1.5,
    "两" → 2; None when ``s`` is not one number."""
    s = s.strip()
    whole, dot, frac = s.partition("点")
    iv = _parse_cn_int(whole)
    if iv is None:
        return None
    if not dot:
        return Decimal(iv)
    if not frac or any(c not in _CN_DIGITS for c in frac):
        return None
    return Decimal(f"{iv}.{''.join(str(_CN_DIGITS[c]) for c in frac)}")


def parse_unit(unit: str | None) -> tuple[Decimal, str | None]:
    """Split a unit into (factor to the base unit, base unit).

    "万元" → (10000, "元"); "亿元" → (100000000, "元"); "万人次" → (10000, "人次");
    "%" → (1, "%"); "成" → (10, "%"); "个百分点" → (1, "百分点"); "千米" → (1, "千米");
    "万" → (10000, None); None → (1, None). Unknown units are their own base.
    """
    if unit is None:
        return (Decimal(1), None)
    u = _norm(unit).strip()
    if not u:
        return (Decimal(1), None)
    if u in _SPECIAL_UNITS:
        return _SPECIAL_UNITS[u]
    if u in _UNITS or u in _LATIN_UNITS:
        return (Decimal(1), u)
    for name, factor in _MULTIPLIERS:
        if u.startswith(name):
            inner, base = parse_unit(u[len(name) :])
            return (Decimal(factor) * inner, base)
    return (Decimal(1), u)


def _decimals(number: str) -> int:
    _, dot, frac = number.partition(".")
    return len(frac) if dot else 0


def _cn_decimals(number: str) -> int:
    _, dot, frac = number.partition("点")
    return len(frac) if dot else 0


# --------------------------------------------------------------------------- scanner


_IntParser = Callable[[str], int | None]
_MessageBuilder = Callable[[int, str, str], str]


@dataclass
class _Tail:
    end: int
    unit: str | None
    qualifier: str | None


class _Scanner:
    """Finds mentions in priority order; each pass claims its spans."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.t = _norm(text)
        self.taken = bytearray(len(text))
        self.mentions: list[NumberMention] = []

    # -- bookkeeping
    def free(self, a: int, b: int) -> bool:
        return 0 <= a <= b <= len(self.t) and not any(self.taken[a:b])

    def take(self, a: int, b: int) -> None:
        self.taken[a:b] = b"\x01" * (b - a)

    def add(
        self,
        start: int,
        end: int,
        value: Decimal,
        *,
        form: Form = Form.NUMBER,
        unit: str | None = None,
        high: Decimal | None = None,
        qualifier: str | None = None,
        decimals: int = 0,
        high_decimals: int = 0,
        year: int | None = None,
        script: Script | None = None,
    ) -> None:
        if script is None:
            arabic = any(c in _ASCII_DIGITS for c in self.t[start:end])
            script = Script.ARABIC if arabic else Script.CHINESE
        self.mentions.append(
            NumberMention(
                start=start,
                end=end,
                raw=self.text[start:end],
                value=value,
                unit=unit or None,
                form=form,
                script=script,
                high=high,
                qualifier=qualifier,
                decimals=decimals,
                high_decimals=high_decimals,
                year=year,
            )
        )
        self.take(start, end)

    def run(self) -> list[NumberMention]:
        for step in (
            self.slots,
            self.codes,
            self.docnos,
            self.headings,
            self.iso_dates,
            self.year_ranges,
            self.arabic_dates,
            self.arabic_months,
            self.quarters,
            self.chinese_dates,
            self.chinese_months,
            self.chinese_percents,
            self.fractions,
            self.doublings,
            self.arabic_numbers,
            self.chinese_numbers,
        ):
            step()
        return sorted(self.mentions, key=lambda m: (m.start, m.end))

    # -- passes
    def slots(self) -> None:
        for m in _SLOTISH.finditer(self.t):
            self.take(m.start(), m.end())

    def codes(self) -> None:
        for m in _CODE.finditer(self.t):
            tok = m.group()
            if not (re.search("[A-Za-z]", tok) and re.search("[0-9]", tok)):
                continue
            if re.fullmatch(r"[0-9.,]+(?:" + "|".join(map(re.escape, _LATIN_UNITS)) + ")", tok):
                continue  # 15km: a number with a Latin unit
            if not self.free(m.start(), m.end()):
                continue
            digits = re.search(r"[0-9]+(?:\.[0-9]+)?", tok)
            value = Decimal(digits.group()) if digits else Decimal(0)
            self.add(m.start(), m.end(), value, form=Form.CODE, script=Script.ARABIC)

    def docnos(self) -> None:
        for m in _DOCNO.finditer(self.t):
            if self.free(m.start(), m.end()):
                self.add(
                    m.start(),
                    m.end(),
                    Decimal(m.group(2)),
                    form=Form.DOCNO,
                    unit="号",
                    year=int(m.group(1)),
                )

    def headings(self) -> None:
        for rx in (_HEAD_CN, _HEAD_CN_PAREN):
            for m in rx.finditer(self.t):
                v = _parse_cn_int(m.group(1))
                if v is not None and self.free(m.start(), m.end()):
                    self.add(m.start(), m.end(), Decimal(v), form=Form.HEADING)
        for rx in (_HEAD_AR, _HEAD_AR_PAREN):
            for m in rx.finditer(self.t):
                if self.free(m.start(), m.end()):
                    self.add(m.start(), m.end(), Decimal(m.group(1)), form=Form.HEADING)

    def iso_dates(self) -> None:
        for m in _ISO_DATE.finditer(self.t):
            y, mo, d = int(m.group(1)), int(m.group(3)), int(m.group(4))
            if _is_year(y) and 1 <= mo <= 12 and 1 <= d <= 31 and self.free(m.start(), m.end()):
                self.add(m.start(), m.end(), Decimal(y), form=Form.DATE, year=y)

    def year_ranges(self) -> None:
        for m in _YEAR_RANGE.finditer(self.t):
            y1, y2 = int(m.group(1)), int(m.group(2))
            if _is_year(y1) and _is_year(y2) and y1 < y2 and self.free(m.start(), m.end()):
                self.add(
                    m.start(),
                    m.end(),
                    Decimal(y1),
                    form=Form.YEAR,
                    unit="年",
                    high=Decimal(y2),
                    year=y1,
                )

    def _dated(self, m: re.Match[str], year: int | None, parse: _IntParser) -> None:
        """A year and/or month-day match: YEAR when it is only a year, else DATE."""
        start, end = m.start(), m.end()
        has_md = m.group("m1") is not None
        if has_md and not _valid_md(m, parse):
            if year is None:
                return
            # 2025年13月: keep only the year part
            end = self.t.index("年", start) + 1 + (1 if m.group("du") else 0)
            has_md = False
        since = "since" in m.re.groupindex and m.group("since") is not None and end == m.end()
        if not self.free(start, end):
            return
        if year is None:
            first = parse(m.group("m1"))
            if first is None:
                return
            m2 = m.group("m2")
            high = parse(m2) if m2 is not None else None
            self.add(start, end, Decimal(first), form=Form.DATE, unit="月", high=_maybe(high))
            return
        form = Form.DATE if has_md or since else Form.YEAR
        self.add(start, end, Decimal(year), form=form, unit="年", year=year)

    def arabic_dates(self) -> None:
        for m in _DATE_AR.finditer(self.t):
            y = int(m.group("y"))
            if _is_year(y):
                self._dated(m, y, _int_or_none)

    def arabic_months(self) -> None:
        for m in _MONTH_AR.finditer(self.t):
            if _valid_md(m, _int_or_none):
                self._dated(m, None, _int_or_none)

    def quarters(self) -> None:
        for m in _QUARTER.finditer(self.t):
            q = m.group(2)
            v = int(q) if q.isdigit() else _CN_DIGITS[q]
            if self.free(m.start(), m.end()):
                self.add(m.start(), m.end(), Decimal(v), form=Form.DATE, unit="季度")

    def chinese_dates(self) -> None:
        for m in _DATE_CN.finditer(self.t):
            y = _parse_cn_int(m.group("y"))
            if y is not None and _is_year(y):
                self._dated(m, y, _parse_cn_int)

    def chinese_months(self) -> None:
        for m in _MONTH_CN.finditer(self.t):
            if _valid_md(m, _parse_cn_int):
                self._dated(m, None, _parse_cn_int)

    def chinese_percents(self) -> None:
        for m in _PERCENT_CN.finditer(self.t):
            low = parse_chinese_number(m.group(1))
            if low is None or not self.free(m.start(), m.end()):
                continue
            high = parse_chinese_number(m.group(2)) if m.group(2) else None
            end = m.end() if high is not None else m.end(1)
            self.add(
                m.start(),
                end,
                low,
                form=Form.PERCENT,
                unit="%",
                high=high,
                decimals=_cn_decimals(m.group(1)),
                high_decimals=_cn_decimals(m.group(2) or ""),
            )

    def fractions(self) -> None:
        for m in _FRACTION_CN.finditer(self.t):
            den, num = parse_chinese_number(m.group(1)), parse_chinese_number(m.group(2))
            if den and num is not None and self.free(m.start(), m.end()):
                self.add(m.start(), m.end(), num / den, form=Form.FRACTION)
        for m in _FRACTION_AR.finditer(self.t):
            num_i, den_i = int(m.group(1)), int(m.group(2))
            if den_i and self.free(m.start(), m.end()):
                self.add(m.start(), m.end(), Decimal(num_i) / Decimal(den_i), form=Form.FRACTION)

    def doublings(self) -> None:
        for m in _DOUBLING.finditer(self.t):
            n = _parse_cn_int(m.group(1))
            if n is not None and 0 < n <= 10 and self.free(m.start(), m.end()):
                self.add(m.start(), m.end(), Decimal(2**n), form=Form.MULTIPLE, unit="倍")

    # -- generic numbers
    def _prefix(self, start: int) -> tuple[int, str | None]:
        """An approximation word right before ``start``: (new start, qualifier)."""
        for q in _PREFIX_QUALIFIERS:
            a = start - len(q)
            if a >= 0 and self.t.startswith(q, a) and self.free(a, start):
                before = self.t[a - 1] if a > 0 else ""
                if before and before in _PREFIX_EXCLUDE.get(q, ""):
                    continue
                if q == "超" and before == "过":
                    continue
                return a, q
        return start, None

    def _unit_at(self, p: int, *, latin: bool) -> str | None:
        t = self.t
        if latin:
            for u in _LATIN_UNITS:
                e = p + len(u)
                if t.startswith(u, p) and (e >= len(t) or not re.match(r"[A-Za-z0-9]", t[e])):
                    return u if self.free(p, e) else None
        for u in _UNITS:
            if t.startswith(u, p) and self.free(p, p + len(u)):
                return u
        return None

    def _tail(self, p: int, *, arabic: bool, mid: str) -> _Tail:
        """Approximation, multiplier and unit after a number ending at ``p``:
        300多万元, 5万余元, 30余家, 15家以上, 十几家; a space is allowed before an Arabic unit."""
        t = self.t
        names = [n for n, _ in _MULTIPLIERS] if arabic else ["万亿", "亿", "万"]

        def mult_at(i: int) -> str:
            full_unit = self._unit_at(i, latin=False)
            for name in names:
                if t.startswith(name, i) and self.free(i, i + len(name)):
                    if full_unit is not None and len(full_unit) > len(name):
                        return ""  # 千米, 千瓦: a unit, not a multiplier
                    return name
            return ""

        def mid_at(i: int, *, before_mult: bool) -> bool:
            if i >= len(t) or t[i] not in mid or not self.free(i, i + 1):
                return False
            follows = self._unit_at(i + 1, latin=arabic) is not None
            return follows or (before_mult and bool(mult_at(i + 1)))

        q = p
        if (
            arabic
            and t[q : q + 1] in (" ", "\u00a0")
            and (mult_at(q + 1) or self._unit_at(q + 1, latin=True))
        ):
            q += 1  # "15 家"
        qualifier: str | None = None
        if mid_at(q, before_mult=True):  # 300多万元
            qualifier = t[q]
            q += 1
        mult = mult_at(q)
        q += len(mult)
        if qualifier is None and mult and mid_at(q, before_mult=False):  # 5万余元
            qualifier = t[q]
            q += 1
        unit = self._unit_at(q, latin=arabic)
        q += len(unit or "")
        suffixes = _SUFFIX_QUALIFIERS if (mult or unit) else ("以上", "以下")
        for suffix in suffixes:
            if t.startswith(suffix, q) and self.free(q, q + len(suffix)):
                qualifier = suffix
                q += len(suffix)
                break
        return _Tail(end=q, unit=(mult + (unit or "")) or None, qualifier=qualifier)

    def _form_for(self, unit: str | None, ordinal: bool) -> Form:
        if ordinal:
            return Form.ORDINAL
        if unit is not None and parse_unit(unit)[1] == "%" and unit not in ("百分点", "个百分点"):
            return Form.PERCENT
        if unit == "倍":
            return Form.MULTIPLE
        return Form.NUMBER

    def arabic_numbers(self) -> None:
        t = self.t
        for m in _AR_NUM.finditer(t):
            s = m.start()
            if self.taken[s]:
                continue
            e = m.end()
            if not self.free(s, e):
                e = s
                while e < m.end() and not self.taken[e]:
                    e += 1
                while t[e - 1] in ".,":
                    e -= 1
            number = t[s:e]
            value = Decimal(number.replace(",", ""))
            tail = self._tail(e, arabic=True, mid="余多")
            end, unit, qualifier = tail.end, tail.unit, tail.qualifier
            high: Decimal | None = None
            high_dec = 0
            sep = _RANGE_SEP.match(t, end)
            if sep:
                m2 = _AR_NUM.match(t, sep.end())
                if m2 and self.free(sep.start(), m2.end()):
                    tail2 = self._tail(m2.end(), arabic=True, mid="余多")
                    if tail2.unit == unit or (unit is None and tail2.unit is not None):
                        high = Decimal(m2.group().replace(",", ""))
                        high_dec = _decimals(m2.group())
                        end, unit = tail2.end, tail2.unit
                        qualifier = tail2.qualifier or qualifier
            start, pre = self._prefix(s)
            ordinal = start == s and s > 0 and t[s - 1] == "第" and self.free(s - 1, s)
            if ordinal:
                start = s - 1
            self.add(
                start,
                end,
                value,
                form=self._form_for(unit, ordinal),
                unit=unit,
                high=high,
                qualifier=qualifier or pre,
                decimals=_decimals(number),
                high_decimals=high_dec,
                script=Script.ARABIC,
            )

    def chinese_numbers(self) -> None:
        t = self.t
        for m in _CN_RUN.finditer(t):
            # split the run where earlier passes have claimed characters
            i = m.start()
            while i < m.end():
                if self.taken[i]:
                    i += 1
                    continue
                j = i
                while j < m.end() and not self.taken[j]:
                    j += 1
                self._chinese_run(i, j)
                i = j

    def _chinese_run(self, a: int, b: int) -> None:
        t = self.t
        run = t[a:b]
        # a decimal tail that lost its digits (一点) is not part of the number
        if run.endswith("点"):
            run, b = run[:-1], b - 1
            if not run:
                return
        # an enumeration glued to a word ending in a numeral: 十四五一是 → 十四五 + 一是,
        # 划一二是 → 划一 + 二是 (only 十一是 … 二十是 are enumerations of several numerals)
        if (
            len(run) > 1
            and "点" not in run
            and b < len(t)
            and t[b] in "是则"
            and self.free(b, b + 1)
            and run[-1] in "一二三四五六七八九十"
        ):
            whole = parse_chinese_number(run)
            proper = re.fullmatch("[一二]?十[一二三四五六七八九]?", run) is not None
            if not proper or whole is None or whole > 20:
                self._chinese_run(a, b - 1)
                enum_value = parse_chinese_number(run[-1]) or Decimal(0)
                self.add(b - 1, b + 1, enum_value, form=Form.ENUMERATION, script=Script.CHINESE)
                return
        mult = ""
        if "点" not in run:
            for name in ("万亿", "亿", "万"):
                if len(run) > len(name) and run.endswith(name) and _cn_parts(run[: -len(name)]):
                    mult, run = name, run[: -len(name)]
                    break
        pieces = _cn_parts(run)
        if not pieces:
            return
        for k, (off, length, value, high) in enumerate(pieces):
            s = a + off
            e = s + length
            last = k == len(pieces) - 1
            decimals = _cn_decimals(run[off : off + length])
            unit: str | None = None
            qualifier: str | None = None
            end = e
            hi = high
            hi_dec = 0
            if last:
                end = b
                mid = "余多来几" if run[-1] in "十百千万亿" or mult else "余多"
                if mult:
                    tail = self._tail(b, arabic=False, mid=mid)
                    unit = mult + (tail.unit or "")
                    end, qualifier = tail.end, tail.qualifier
                else:
                    tail = self._tail(b, arabic=False, mid=mid)
                    unit, end, qualifier = tail.unit, tail.end, tail.qualifier
                sep = _RANGE_SEP.match(t, end)
                if hi is None and sep:
                    m2 = _CN_RUN.match(t, sep.end())
                    v2 = parse_chinese_number(m2.group()) if m2 else None
                    if m2 and v2 is not None and self.free(sep.start(), m2.end()):
                        tail2 = self._tail(m2.end(), arabic=False, mid="余多")
                        if tail2.unit == unit or (unit is None and tail2.unit is not None):
                            hi, hi_dec = v2, _cn_decimals(m2.group())
                            end, unit = tail2.end, tail2.unit
                            qualifier = tail2.qualifier or qualifier
            start = s
            form: Form | None = None
            if k == 0:
                start, pre = self._prefix(s)
                qualifier = qualifier or pre
                if start == s and s > 0 and self.free(s - 1, s):
                    before = t[s - 1]
                    if before == "第" or (before == "其" and length == 1 and unit is None):
                        start, form = s - 1, Form.ORDINAL
                    elif before in "数几上" and run[0] in "十百千万亿":
                        start, qualifier = s - 1, before
            if (
                form is None
                and len(pieces) == 1
                and unit is None
                and hi is None
                and end < len(t)
                and t[end] in "是则"
                and self.free(end, end + 1)
                and value <= 20
            ):
                form = Form.ENUMERATION
                end += 1
            if form is None:
                form = self._form_for(unit, False)
            self.add(
                start,
                end,
                value,
                form=form,
                unit=unit,
                high=hi,
                qualifier=qualifier,
                decimals=decimals,
                high_decimals=hi_dec,
                script=Script.CHINESE,
            )


def _int_or_none(s: str) -> int | None:
    return int(s) if s.isdigit() else None


def _maybe(v: int | None) -> Decimal | None:
    return None if v is None else Decimal(v)


def _is_year(y: int) -> bool:
    return 1900 <= y <= 2100


def _valid_md(m: re.Match[str], parse: _IntParser) -> bool:
    """Month 1–12 and day 1–31 for every month/day group present."""
    for group, top in (("m1", 12), ("m2", 12), ("d1", 31), ("d2", 31)):
        raw = m.group(group)
        if raw is None:
            continue
        v = parse(raw)
        if v is None or not 1 <= v <= top:
            return False
    return True


def _cn_parts(run: str) -> list[tuple[int, int, Decimal, Decimal | None]]:
    """Split a run of Chinese numerals into numbers: (offset, length, value, high).

    One number when it parses (一百二十); an approximation 三四/三五/二三十 as a range;
    otherwise the longest parseable prefixes one after another (十四五 → 十四, 五).
    """
    if not run:
        return []
    whole = parse_chinese_number(run)
    digits_only = all(c in _CN_DIGITS for c in run)
    if "点" not in run and (len(run) == 2 or not digits_only):
        approx = _APPROX_CN.match(run)
        if approx:
            pre, d1, d2, units = approx.groups()
            v1, v2 = _CN_DIGITS[d1], _CN_DIGITS[d2]
            if v2 == v1 + 1 or (v1, v2) == (3, 5):
                low = parse_chinese_number(pre + d1 + units)
                high = parse_chinese_number(pre + d2 + units)
                if low is not None and high is not None:
                    return [(0, len(run), low, high)]
    if whole is not None:
        return [(0, len(run), whole, None)]
    out: list[tuple[int, int, Decimal, Decimal | None]] = []
    i = 0
    while i < len(run):
        for j in range(len(run), i, -1):
            v = parse_chinese_number(run[i:j])
            if v is not None:
                out.append((i, j - i, v, None))
                i = j
                break
        else:
            i += 1
    return out


def find_numbers(text: str) -> list[NumberMention]:
    """Every number mention in ``text``, in order, with span, raw text, value and form.

    Covers Arabic (15家, 1.52亿元, 23.39%, 12,560, 30项以上, full-width １５), Chinese numerals
    (十五家, 一百二十项, 两家, 三成, 百分之二十三, 二〇二五年), 万/亿 multipliers (430万元 →
    430 万元), ranges (3-5家, 3至5家, 20～30项, 三四家), fractions (三分之一, 1/3), multiples
    (1.5倍, 翻一番), years and dates, headings, ordinals, enumerations and Latin codes (5G).
    Structural mentions are returned too; :func:`is_structural` tells them apart. Text
    inside slot syntax (``{F1}``, ``{F1``, ``｛F1｝``) is not scanned.
    """
    return _Scanner(text).run()


# --------------------------------------------------------------------------- structure


@lru_cache(maxsize=64)
def _word_regex(words: frozenset[str]) -> re.Pattern[str] | None:
    if not words:
        return None
    alternation = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(f"(?=({alternation}))")


_QUOTED = re.compile(r"“([^“”\n]{2,8})”|「([^「」\n]{2,8})」|『([^『』\n]{2,8})』|‘([^‘’\n]{2,8})’")
_CJK_ONLY = re.compile(r"[\u4e00-\u9fff〇]+")
_NON_MEASURE_CJK = f"[^\\W\\d_{_CN_RUN_CLASS}{''.join(u for u in _UNITS if len(u) == 1)}]"
_SLOGAN_4 = re.compile(
    f"(?<![{_CN_RUN_CLASS}])[{_CN_RUN_CLASS}]{_NON_MEASURE_CJK}[{_CN_RUN_CLASS}]{_NON_MEASURE_CJK}"
)


@lru_cache(maxsize=64)
def _structural_mask(allowlist: Allowlist, t: str) -> bytes:
    """1 for every character of ``t`` inside an allow-listed word, pattern or slogan."""
    mask = bytearray(len(t))

    def mark(a: int, b: int) -> None:
        mask[a:b] = b"\x01" * (b - a)

    rx = _word_regex(allowlist.words)
    if rx is not None:
        for m in rx.finditer(t):
            mark(m.start(), m.start() + len(m.group(1)))
    for p in allowlist.patterns:
        for m in p.finditer(t):
            mark(m.start(), m.end())
    # a short quoted slogan of single numerals and words: “三引一促” “四个全面” “一次办好”
    for m in _QUOTED.finditer(t):
        a, content = next((m.start(g), m.group(g)) for g in range(1, 5) if m.group(g))
        if not _CJK_ONLY.fullmatch(content):
            continue
        runs = re.findall(f"[{_CN_RUN_CLASS}]+", content)
        others = sum(1 for c in content if c not in _CN_RUN_CLASS)
        single = bool(runs) and all(len(r) == 1 for r in runs)
        if single and others >= 2 and (content[0] in _CN_RUN_CLASS or len(runs) >= 2):
            mark(a, a + len(content))
    # an unquoted four-character slogan: 两学一做, 三引一促, 三会一课, 一企一策
    for m in _SLOGAN_4.finditer(t):
        mark(m.start(), m.end())
    return bytes(mask)


def _covered(mention: NumberMention, t: str, allowlist: Allowlist) -> bool:
    mask = _structural_mask(allowlist, t)
    numerals = [i for i in range(mention.start, mention.end) if t[i] in _NUMERAL_CHARS]
    return bool(numerals) and all(mask[i] for i in numerals)


def is_structural(
    mention: NumberMention,
    text: str,
    *,
    dates_structural: bool = True,
    allowlist: Allowlist | None = None,
) -> bool:
    """True when ``mention`` is not a quantity.

    Structural: headings (一、 （一） 1. （1）), enumerations (一是 二是 一则), Chinese
    ordinals (第一 其一; Arabic 第3名 is a ranking, not structural), anything whose numerals
    all fall inside allow-listed words, patterns, short quoted slogans (“三引一促”) or a
    four-character numeral slogan (两学一做), allow-listed codes (5G), a lone Chinese numeral
    with no unit (统一, 一体化, 三农), and 一 followed by an article-like measure word
    (一个/一项/一批…) unless a count verb precedes it (新增一个). Years, dates and document
    numbers are structural when ``dates_structural`` (the default); pass False to treat
    them as figures (as :func:`find_violations` does).
    """
    allow = allowlist if allowlist is not None else DEFAULT_ALLOWLIST
    t = _norm(text)
    if mention.form in (Form.HEADING, Form.ENUMERATION):
        return True
    if _covered(mention, t, allow):
        return True
    if mention.form is Form.ORDINAL:
        return mention.script is Script.CHINESE
    if mention.form in (Form.YEAR, Form.DATE, Form.DOCNO):
        return dates_structural
    if mention.form is Form.CODE:
        return _norm(mention.raw).upper() in allow.codes
    if mention.script is Script.CHINESE and mention.form is Form.NUMBER and not mention.is_range:
        numerals = [c for c in t[mention.start : mention.end] if c in _NUMERAL_CHARS]
        if mention.qualifier in (None, "以上", "以下") and set(numerals) <= set("万亿零〇"):
            return True  # 万元/亿元 as unit words, 零 as a word (零部件, 零的突破)
        n = len(numerals)
        if mention.unit is None and n == 1 and mention.qualifier is None:
            return True
        if (
            n == 1
            and mention.value == 1
            and mention.qualifier is None
            and t[mention.start] == "一"
            and mention.unit in _ARTICLE_MEASURES
        ):
            before = t[max(0, mention.start - 4) : mention.start].removesuffix("了")
            return not before.endswith(_COUNT_VERBS)
    return False


# --------------------------------------------------------------------------- sentences

_ENDERS = "。！？；!?;"
_CLOSERS = "”’」』）)》〕】"
_CLAUSE_BREAKS = "，,；;。！？!?：:\n"


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every sentence: split after 。！？； (and ASCII !?;) together with
    the closing quotes and brackets that follow, and at line breaks; whitespace trimmed,
    empty sentences dropped."""
    spans: list[tuple[int, int]] = []

    def add(a: int, b: int) -> None:
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if a < b:
            spans.append((a, b))

    start = i = 0
    n = len(text)
    while i < n:
        c = text[i]
        if c == "\n":
            add(start, i)
            start = i = i + 1
            continue
        if c in _ENDERS:
            j = i + 1
            while j < n and (text[j] in _ENDERS or text[j] in _CLOSERS):
                j += 1
            add(start, j)
            start = i = j
            continue
        i += 1
    add(start, n)
    return spans


def split_sentences(text: str) -> list[str]:
    """The sentences of ``text`` (see :func:`sentence_spans`)."""
    return [text[a:b] for a, b in sentence_spans(text)]


def _sentence_of(spans: Sequence[tuple[int, int]], pos: int) -> tuple[int, tuple[int, int]]:
    """1-based index and span of the sentence holding ``pos`` (or the next one)."""
    for k, (a, b) in enumerate(spans):
        if pos < b:
            return k + 1, (a, b)
    if spans:
        return len(spans), spans[-1]
    return 1, (0, 0)


def _clause(text: str, start: int, end: int, sent: tuple[int, int]) -> str:
    s0, s1 = sent
    a, b = start, end
    while a > s0 and text[a - 1] not in _CLAUSE_BREAKS:
        a -= 1
    while b < s1 and text[b] not in _CLAUSE_BREAKS:
        b += 1
    clause = text[a:b].strip()
    if len(clause) > 40:
        left = max(a, start - 15)
        right = min(b, end + 15)
        clause = ("…" if left > a else "") + text[left:right].strip() + ("…" if right < b else "")
    return clause or text[start:end]


def _line_of(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


# --------------------------------------------------------------------------- slots


@dataclass(frozen=True)
class _SlotMatch:
    start: int
    end: int
    name: str  # canonical name, "" when it cannot be made valid
    closed: bool
    canonical: bool  # written exactly as "{NAME}"


def _canonical_name(name: str) -> str:
    base, *attrs = name.split(".")
    fixed = ".".join([base.upper(), *(a.lower() for a in attrs)])
    return fixed if _SLOT_NAME.fullmatch(fixed) else ""


def _slot_matches(text: str) -> list[_SlotMatch]:
    t = _norm(text)
    out: list[_SlotMatch] = []
    for m in _SLOTISH.finditer(t):
        a, b = m.start(), m.end()
        closed = m.group(2) is not None
        if closed and a > 0 and t[a - 1] == "{" and b < len(t) and t[b] == "}":
            a, b = a - 1, b + 1  # {{F1}}
        name = _canonical_name(m.group(1))
        canonical = closed and bool(name) and text[a:b] == "{" + name + "}"
        out.append(_SlotMatch(a, b, name, closed, canonical))
    return out


def find_slots(text: str) -> list[str]:
    """Slot names in order of appearance (duplicates kept), after normalisation: ``{F1}``,
    ``｛F1｝``, ``{ F1 }`` and ``{{F1}}`` all give "F1"; unclosed ``{F1`` gives nothing."""
    return [s.name for s in _slot_matches(text) if s.closed and s.name]


def normalize_slots(text: str) -> str:
    """Rewrite recoverable slot syntax to ``{NAME}``: full-width braces and letters, spaces
    inside the braces, doubled braces, lower-case base names (``{f1.YOY}`` → ``{F1.yoy}``).
    Unclosed or invalid slots are left alone (:func:`check_slot_syntax` reports them)."""
    parts: list[str] = []
    pos = 0
    for s in _slot_matches(text):
        if s.closed and s.name and not s.canonical:
            parts.append(text[pos : s.start])
            parts.append("{" + s.name + "}")
            pos = s.end
    parts.append(text[pos:])
    return "".join(parts)


def _is_known(name: str, known: Collection[str]) -> bool:
    if name in known:
        return True
    base, dot, _ = name.partition(".")
    if not dot or base not in known:
        return False
    # "F3.yoy" is known through "F3" unless the caller listed F3's attributes explicitly
    return not any(k.startswith(base + ".") for k in known)


def unknown_slots(text: str, known: Collection[str]) -> list[str]:
    """Slot names in ``text`` that ``known`` does not provide, unique, in order.

    A dotted name ("F3.yoy") is known when listed, or when its base ("F3") is listed and
    no attribute of that base is (listing "F3.yoy" makes the attribute list exhaustive).
    """
    seen: list[str] = []
    for name in find_slots(text):
        if not _is_known(name, known) and name not in seen:
            seen.append(name)
    return seen


def _violation(
    text: str,
    spans: Sequence[tuple[int, int]],
    start: int,
    end: int,
    kind: ViolationKind,
    build: _MessageBuilder,
    mention: NumberMention | None = None,
) -> Violation:
    no, sent = _sentence_of(spans, start)
    clause = _clause(text, start, end, sent)
    raw = text[start:end]
    return Violation(
        raw=raw,
        start=start,
        end=end,
        kind=kind,
        message=build(no, clause, raw),
        sentence=text[sent[0] : sent[1]],
        sentence_no=no,
        line=_line_of(text, start),
        mention=mention,
    )


def _msg(template: str) -> _MessageBuilder:
    def build(no: int, clause: str, raw: str) -> str:
        return template.format(no=no, clause=clause, raw=raw)

    return build


_M_UNCLOSED = "第{no}句“{clause}”中的“{raw}”槽位缺少右花括号，应写成 {fix} 这样的完整槽位。"
_M_BAD_NAME = "第{no}句“{clause}”中的“{raw}”槽位名不合法，只能使用提供的槽位，如 {{F1}}。"
_M_NOT_CANON = (
    "第{no}句“{clause}”中的“{raw}”槽位格式不规范，应写成 {fix}（半角花括号，括号内不留空格）。"
)
_M_NOT_SLOT = "第{no}句“{clause}”中的“{raw}”不是合法的槽位，只能使用提供的槽位，如 {{F1}}。"
_M_STRAY = "第{no}句“{clause}”中有多余的花括号“{raw}”，槽位必须成对写成 {{F1}} 的形式。"
_M_BARE = "第{no}句“{clause}”中的“{raw}”缺少花括号，应写成 {fix}。"
_M_UNKNOWN = "第{no}句“{clause}”中的槽位“{raw}”不存在，只能使用提供的槽位：{fix}。"
_M_YEAR = "第{no}句“{clause}”中的“{raw}”是模型自写的年份，必须改用槽位 {{YEAR}}。"
_M_DATE = (
    "第{no}句“{clause}”中的“{raw}”是模型自写的日期或文号，不得自行编写，请删去或改用提供的槽位。"
)
_M_DIGITS = "第{no}句“{clause}”中的“{raw}”是模型自写的数字，必须改用槽位，如 {fix}。"
_M_CHINESE = (
    "第{no}句“{clause}”中的“{raw}”是模型自写的数字（汉字数字也算），必须改用槽位，如 {fix}；"
    "如果不是具体数量，请改用不含数字的说法。"
)


def check_slot_syntax(text: str, *, strict: bool = False) -> list[Violation]:
    """Malformed slots: unclosed ``{F1``, invalid names ``{收入}``, stray braces, slot names
    without braces (``F1``). With ``strict``, recoverable forms (``｛F1｝``, ``{ F1 }``,
    ``{{F1}}``, ``{f1}``) are reported too; otherwise :func:`normalize_slots` fixes them."""
    t = _norm(text)
    spans = sentence_spans(text)
    out: list[Violation] = []
    claimed = bytearray(len(t))

    def report(a: int, b: int, template: str, fix: str = "") -> None:
        claimed[a:b] = b"\x01" * (b - a)
        build = _msg(template.replace("{fix}", _esc(fix)))
        out.append(_violation(text, spans, a, b, ViolationKind.SLOT_SYNTAX, build))

    for s in _slot_matches(text):
        claimed[s.start : s.end] = b"\x01" * (s.end - s.start)
        if not s.closed:
            report(s.start, s.end, _M_UNCLOSED, "{" + (s.name or "F1") + "}")
        elif not s.name:
            report(s.start, s.end, _M_BAD_NAME)
        elif strict and not s.canonical:
            report(s.start, s.end, _M_NOT_CANON, "{" + s.name + "}")
    for m in re.finditer(r"\{([^{}\n]{0,12})\}", t):
        if not any(claimed[m.start() : m.end()]):
            report(m.start(), m.end(), _M_NOT_SLOT)
    for m in re.finditer(r"[{}]", t):
        if not claimed[m.start()]:
            report(m.start(), m.end(), _M_STRAY)
    for m in _BARE_SLOT_SCAN.finditer(t):
        if not any(claimed[m.start() : m.end()]):
            report(m.start(), m.end(), _M_BARE, "{" + m.group() + "}")
    return sorted(out, key=lambda v: v.start)


def _esc(s: str) -> str:
    """Escape braces for str.format."""
    return s.replace("{", "{{").replace("}", "}}")


# --------------------------------------------------------------------------- violations


def find_violations(
    text_with_slots: str,
    *,
    known_slots: Collection[str] | None = None,
    strict_slots: bool = False,
    allowlist: Allowlist | None = None,
    example_slot: str = "{F1}",
) -> list[Violation]:
    """Numbers the model wrote itself, and slot problems, in order of position.

    Every Arabic digit run outside a slot (years such as "2025年" included: the model must
    write ``{YEAR}``), every Chinese-numeral quantity, year or date; structural words
    (:func:`is_structural`) are not violations. Malformed slots are reported
    (:func:`check_slot_syntax`); with ``known_slots`` so are slots the section does not
    provide. Each :class:`Violation` carries a Chinese message such as
    第2句“新增高新技术企业15家”中的“15家”是模型自写的数字，必须改用槽位，如 {F1}。
    """
    text = text_with_slots
    allow = allowlist if allowlist is not None else DEFAULT_ALLOWLIST
    t = _norm(text)
    spans = sentence_spans(text)
    out = check_slot_syntax(text, strict=strict_slots)
    slots = _slot_matches(text)
    if known_slots is not None:
        names = sorted(known_slots)
        listing = "、".join("{" + n + "}" for n in names[:12]) + ("等" if len(names) > 12 else "")
        bad = set(unknown_slots(text, known_slots))
        build = _msg(_M_UNKNOWN.replace("{fix}", _esc(listing or "（无）")))
        for s in slots:
            if s.closed and s.name in bad:
                out.append(
                    _violation(text, spans, s.start, s.end, ViolationKind.UNKNOWN_SLOT, build)
                )
    example = _esc(example_slot)
    covered = bytearray(len(t))
    for s in slots:
        covered[s.start : s.end] = b"\x01" * (s.end - s.start)
    templates = {
        ViolationKind.YEAR: _M_YEAR,
        ViolationKind.DATE: _M_DATE,
        ViolationKind.DIGITS: _M_DIGITS.replace("{fix}", example),
        ViolationKind.CHINESE_NUMERAL: _M_CHINESE.replace("{fix}", example),
    }
    for m in find_numbers(text):
        covered[m.start : m.end] = b"\x01" * (m.end - m.start)
        if m.form is Form.CODE and _BARE_SLOT.fullmatch(_norm(m.raw)):
            continue  # reported by check_slot_syntax
        if is_structural(m, text, dates_structural=False, allowlist=allow):
            continue
        if m.form is Form.YEAR:
            kind = ViolationKind.YEAR
        elif m.form in (Form.DATE, Form.DOCNO):
            kind = ViolationKind.DATE
        elif m.script is Script.ARABIC:
            kind = ViolationKind.DIGITS
        else:
            kind = ViolationKind.CHINESE_NUMERAL
        out.append(_violation(text, spans, m.start, m.end, kind, _msg(templates[kind]), m))
    # safety net: a digit that no mention covers is still a violation
    for dm in re.finditer("[0-9]+", t):
        if not any(covered[dm.start() : dm.end()]):
            build = _msg(templates[ViolationKind.DIGITS])
            out.append(_violation(text, spans, dm.start(), dm.end(), ViolationKind.DIGITS, build))
    return sorted(out, key=lambda v: (v.start, v.end))


def violations_feedback(violations: Sequence[Violation]) -> str:
    """The messages as a numbered Chinese list, ready to send back to the model."""
    if not violations:
        return ""
    lines = ["上一稿存在以下问题，请逐条改正后重写（数字只能通过槽位给出）："]
    lines += [f"{i}. {v.message}" for i, v in enumerate(violations, 1)]
    return "\n".join(lines)


# --------------------------------------------------------------------------- check_text


def _fmt(value: Decimal) -> str:
    return format(value.normalize(), "f") if value == value.to_integral() else format(value, "f")


def _step(value: Decimal, decimals: int) -> Decimal:
    """The granularity an approximate figure is stated in: 30 → 10, 1500 → 100, 1.5 → 0.1."""
    if decimals > 0:
        return Decimal(1).scaleb(-decimals)
    n = int(value)
    zeros = 0
    while n and n % 10 == 0:
        n //= 10
        zeros += 1
    return Decimal(10) ** zeros


def _displays_as(target: Decimal, shown: Decimal, decimals: int) -> bool:
    try:
        quantum = Decimal(1).scaleb(-decimals)
        return any(
            target.quantize(quantum, rounding=r) == shown for r in (ROUND_HALF_UP, ROUND_HALF_EVEN)
        )
    except InvalidOperation:
        return target == shown


def _approx_ok(target: Decimal, shown: Decimal, decimals: int, qualifier: str | None) -> bool:
    if _displays_as(target, shown, decimals):
        return True
    if qualifier is None:
        return False
    step = _step(shown, decimals)
    if qualifier in ("余", "多", "超", "超过", "逾", "有余", "之多"):
        return shown < target < shown + step
    if qualifier in ("以上", "上"):
        return shown <= target < shown + step
    if qualifier in ("以下", "不足", "不到"):
        return shown - step < target <= shown
    if qualifier in ("近", "将近", "接近"):
        return shown - step <= target <= shown
    if qualifier in ("约", "左右", "来"):
        return abs(target - shown) <= step / 2
    if qualifier in ("数",):
        return 2 * shown <= target < 10 * shown
    if qualifier == "几":  # 几十 (prefix) or 十几 (suffix): accept either reading
        return shown < target < 10 * shown
    return False


_Allowed = tuple[Decimal, Decimal, str | None]  # (value, factor, base unit)


def _one_matches(
    value: Decimal,
    decimals: int,
    unit: str | None,
    qualifier: str | None,
    allowed: Sequence[_Allowed],
) -> bool:
    m_factor, m_base = parse_unit(unit)
    for av, a_factor, a_base in allowed:
        if m_base is not None and a_base is not None:
            if m_base != a_base:
                continue
            if _approx_ok(av * a_factor / m_factor, value, decimals, qualifier):
                return True
        else:
            # at least one side without a unit: compare the numbers as written or in base units
            for target in {av, av * a_factor / m_factor}:
                if _approx_ok(target, value, decimals, qualifier):
                    return True
    return False


def _fraction_matches(value: Decimal, allowed: Sequence[_Allowed]) -> bool:
    for av, a_factor, a_base in allowed:
        if a_base == "%" and abs(av * a_factor - value * 100) <= Decimal("0.5"):
            return True
        if a_base is None and abs(av * a_factor - value) <= Decimal("0.005"):
            return True
    return False


def _nearby(value: Decimal, unit: str | None, allowed: Sequence[tuple[Decimal, str | None]]) -> str:
    m_factor, m_base = parse_unit(unit)
    if m_base is None:
        return ""
    same: list[tuple[Decimal, str]] = []
    base_value = value * m_factor
    for av, au in allowed:
        a_factor, a_base = parse_unit(au)
        if a_base == m_base:
            diff = abs(av * a_factor - base_value) / max(abs(base_value), Decimal(1))
            same.append((diff, _fmt(av) + (au or "")))
    if not same:
        return f"数据表中没有以“{m_base}”为单位的数据"
    best: list[str] = []
    for _, label in sorted(same):
        if label not in best:
            best.append(label)
    best = best[:3]
    return "同单位的数据有：" + "、".join(best)


def check_text(
    text: str,
    allowed: Sequence[tuple[Decimal, str | None]],
    *,
    allowed_years: set[int] | None = None,
    allowlist: Allowlist | None = None,
) -> list[Flag]:
    """Numbers in rendered ``text`` that match no allowed figure (for ``drafter check``).

    ``allowed`` holds (value, unit) pairs. A mention matches when its base units agree
    (430万元 = 0.043亿元 = 4300000元; 三成 = 30%; 公里 = 千米) and the allowed value,
    converted to the mention's unit and rounded to the decimals shown, equals the shown
    value (16.67 → "16.7%"); approximations (30余家, 近30家, 约30家, 30家以上) accept values
    within the stated granularity; when either side has no unit the numbers are compared
    directly. Both ends of a range must match. Fractions match a percentage within half a
    point. Structural mentions, dates (12月20日, 2025年以来), headings and codes are skipped;
    years are skipped when ``allowed_years`` is None, otherwise must be in it. Unrendered
    slots are flagged too. Each :class:`Flag` has a Chinese reason and a line number.
    """
    allow = allowlist if allowlist is not None else DEFAULT_ALLOWLIST
    t = _norm(text)
    spans = sentence_spans(text)
    parsed: list[_Allowed] = []
    for av, au in allowed:
        factor, base = parse_unit(au)
        parsed.append((Decimal(str(av)), factor, base))
    flags: list[Flag] = []

    def flag(start: int, end: int, reason: str, kind: FlagKind, m: NumberMention | None) -> None:
        _, sent = _sentence_of(spans, start)
        flags.append(
            Flag(
                raw=text[start:end],
                start=start,
                end=end,
                line=_line_of(text, start),
                sentence=text[sent[0] : sent[1]],
                reason=reason,
                kind=kind,
                mention=m,
            )
        )

    for s in _slot_matches(text):
        flag(s.start, s.end, f"“{text[s.start : s.end]}”是未替换的槽位", FlagKind.SLOT, None)
    for m in find_numbers(text):
        if m.form is Form.CODE:
            if _BARE_SLOT.fullmatch(_norm(m.raw)):
                flag(m.start, m.end, f"“{m.raw}”疑似缺少花括号的未替换槽位", FlagKind.SLOT, m)
            continue
        if m.form is Form.YEAR:
            if allowed_years is None or _covered(m, t, allow) or m.year is None:
                continue
            years = [m.year] + ([int(m.high)] if m.high is not None else [])
            bad = [y for y in years if y not in allowed_years]
            if bad:
                listing = "、".join(str(y) for y in sorted(allowed_years)) or "无"
                flag(
                    m.start,
                    m.end,
                    f"年份“{m.raw}”不在允许的年份（{listing}）之内",
                    FlagKind.YEAR,
                    m,
                )
            continue
        if is_structural(m, text, dates_structural=True, allowlist=allow):
            continue
        if m.form is Form.FRACTION:
            if not _fraction_matches(m.value, parsed):
                flag(
                    m.start,
                    m.end,
                    f"分数“{m.raw}”与数据表中的任何比例都对不上",
                    FlagKind.UNMATCHED,
                    m,
                )
            continue
        ends = [("", m.value, m.decimals)]
        if m.high is not None:
            ends = [("下限", m.value, m.decimals), ("上限", m.high, m.high_decimals)]
        for label, value, decimals in ends:
            if _one_matches(value, decimals, m.unit, m.qualifier, parsed):
                continue
            hint = _nearby(value, m.unit, allowed)
            shown = _fmt(value) + (m.unit or "")
            if label:
                reason = f"范围“{m.raw}”的{label}{shown}在数据表中找不到对应数字"
            else:
                reason = f"“{m.raw}”在数据表中找不到对应数字（已考虑单位换算和四舍五入）"
            flag(m.start, m.end, reason + (f"；{hint}" if hint else ""), FlagKind.UNMATCHED, m)
            break
    return sorted(flags, key=lambda f: (f.start, f.end))


DEFAULT_ALLOWLIST = Allowlist(
    words=frozenset(_DEFAULT_WORDS.split()),
    patterns=tuple(re.compile(p) for p in _DEFAULT_PATTERNS),
    codes=frozenset(c.upper() for c in _DEFAULT_CODES.split()),
)
