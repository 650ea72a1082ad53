"""Structural numbers (一是, 第一, “十四五”, heading markers, codes such as 5G): numerals
that are not quantities, and the allow-list that says so."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from drafter.text.chars import narrow
from drafter.text.numbers import Form, NumberMention, Script
from drafter.text.numerals import (
    CN_RUN_CLASS,
    NUMERAL_CHARS,
)
from drafter.text.units import (
    ARTICLE_MEASURES,
    COUNT_VERBS,
    UNITS,
)

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
            words=self.words | frozenset(narrow(w) for w in words if w),
            patterns=self.patterns + tuple(_compile(p) for p in patterns),
            codes=self.codes | frozenset(narrow(c).upper() for c in codes if c),
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

# --------------------------------------------------------------------------- structure


@lru_cache(maxsize=64)
def _word_regex(words: frozenset[str]) -> re.Pattern[str] | None:
    if not words:
        return None
    alternation = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(f"(?=({alternation}))")


_QUOTED = re.compile(r"“([^“”\n]{2,8})”|「([^「」\n]{2,8})」|『([^『』\n]{2,8})』|‘([^‘’\n]{2,8})’")
_CJK_ONLY = re.compile(r"[\u4e00-\u9fff〇]+")
_NON_MEASURE_CJK = f"[^\\W\\d_{CN_RUN_CLASS}{''.join(u for u in UNITS if len(u) == 1)}]"
_SLOGAN_4 = re.compile(
    f"(?<![{CN_RUN_CLASS}])[{CN_RUN_CLASS}]{_NON_MEASURE_CJK}[{CN_RUN_CLASS}]{_NON_MEASURE_CJK}"
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
        runs = re.findall(f"[{CN_RUN_CLASS}]+", content)
        others = sum(1 for c in content if c not in CN_RUN_CLASS)
        single = bool(runs) and all(len(r) == 1 for r in runs)
        if single and others >= 2 and (content[0] in CN_RUN_CLASS or len(runs) >= 2):
            mark(a, a + len(content))
    # an unquoted four-character slogan: 两学一做, 三引一促, 三会一课, 一企一策
    for m in _SLOGAN_4.finditer(t):
        mark(m.start(), m.end())
    return bytes(mask)


def is_covered(mention: NumberMention, t: str, allowlist: Allowlist) -> bool:
    mask = _structural_mask(allowlist, t)
    numerals = [i for i in range(mention.start, mention.end) if t[i] in NUMERAL_CHARS]
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
    t = narrow(text)
    if mention.form in (Form.HEADING, Form.ENUMERATION):
        return True
    if is_covered(mention, t, allow):
        return True
    if mention.form is Form.ORDINAL:
        return mention.script is Script.CHINESE
    if mention.form in (Form.YEAR, Form.DATE, Form.DOCNO):
        return dates_structural
    if mention.form is Form.CODE:
        return narrow(mention.raw).upper() in allow.codes
    if mention.script is Script.CHINESE and mention.form is Form.NUMBER and not mention.is_range:
        numerals = [c for c in t[mention.start : mention.end] if c in NUMERAL_CHARS]
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
            and mention.unit in ARTICLE_MEASURES
        ):
            before = t[max(0, mention.start - 4) : mention.start].removesuffix("了")
            return not before.endswith(COUNT_VERBS)
    return False

DEFAULT_ALLOWLIST = Allowlist(
    words=frozenset(_DEFAULT_WORDS.split()),
    patterns=tuple(re.compile(p) for p in _DEFAULT_PATTERNS),
    codes=frozenset(c.upper() for c in _DEFAULT_CODES.split()),
)
