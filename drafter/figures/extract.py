"""Figures and targets as a summary states them: (indicator, value, unit) out of prose.

A writer comparing this year with last year needs the numbers side by side: 全县共有高新技术
企业15家 → (高新技术企业, 15, 家); 完成计划的170.2% is the completion rate of the figure
before it; 比上年增长12.5% its growth. The plan section of last year's summary holds the
targets this year is measured against (申报市级以上科技项目30项以上).

Numbers are found by :func:`drafter.text.numbers.find_numbers` (Arabic and Chinese numerals,
万/亿, ranges, qualifiers such as 以上/余); this module only names them. Naming is a
heuristic over the clause before a number (or after it, for 完成84项科技成果登记): it
strips place and time words (全县, 全年, 目前), verbs of having (共有, 达到) and keeps the
noun phrase.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from drafter.figures import FiguresFile
from drafter.figures.quantities import (
    format_number,
    format_quantity,
)
from drafter.text.numbers import Form, NumberMention
from drafter.text.scanner import find_numbers
from drafter.text.sentences import sentence_spans
from drafter.text.structural import is_structural
from drafter.text.units import parse_unit

Measure = Literal["level", "growth", "rate"]

# Clause breaks: the name of a figure never reaches across one of these.
_BREAKS = "，,；;：:。！？!?（）()【】\n"
_QUOTE_RE = re.compile(r"[“\"「『][^“”\"「」『』]{0,24}[”\"」』]")
_CJK_RE = re.compile(r"[\u4e00-\u9fff]")

# Measure words find_numbers leaves unattached ("横幅6幅"): taken as the unit when they follow.
_EXTRA_UNITS = "幅盏只头株份册张块辆笔宗"
# Not quantities a writer compares: calendar units.
_TIME_UNITS = {"年", "月", "日", "天", "周", "季度", "年度", "月份", "小时", "分钟"}
# "三大主导产业", "两新": numerals find_numbers pairs with a character that is no unit.
_NOT_UNITS = {"大", "新", "化", "型", "高", "级"}

_LEADING_FILLERS = (
    "截至目前",
    "截至年底",
    "截至",
    "目前",
    "全县",
    "全市",
    "全区",
    "全省",
    "全镇",
    "全局",
    "全年",
    "我县",
    "我市",
    "我区",
    "我局",
    "今年以来",
    "今年",
    "年内",
    "当年",
    "年底",
    "预计",
    "其中",
    "另有",
    "共计",
    "共有",
    "拥有",
    "累计",
    "先后",
    "共",
    "完成",
    "实现",
    "获得",
    "力争",
    "确保",
    "争取达到",
    "达到",
    "和",
    "及",
    "与",
    "并",
    "已",
    "了",
)
_TRAILING_FILLERS = (
    "控制在",
    "保持在",
    "稳定在",
    "累计达到",
    "分别为",
    "达到",
    "到达",
    "已达",
    "增至",
    "共计",
    "合计",
    "总计",
    "总数",
    "累计",
    "超过",
    "突破",
    "达",
    "为",
    "共",
    "约",
    "近",
    "计",
    "有",
)
_RATE_TAIL = re.compile(
    r"(?:完成|达到|占)?(?:了)?(?:年度|全年|年初|上级下达的?|市下达的?)?"
    r"(?:目标|计划|方案|任务)(?:任务)?(?:数)?的?$|完成率(?:为|达到?)?$"
)
_GAP_TAIL = re.compile(r"(?:高于|低于|超过|超出|超)(?:年度|全年)?(?:目标|计划)(?:值)?$")
_GROWTH_TAIL = re.compile(
    r"(?:同比|比上年同期|较上年同期|比上年|较上年|比去年|较去年|与上年相比|比|较)?(?:分别)?"
    r"(?:增长|下降|提高|增加|减少|降低|上升|回落|增幅为?|增速为?|增幅达|增长了|提升)了?$"
)
_AT_MOST = ("以下", "以内", "不超过", "控制在")
_NOT_COUNTED = ("方面", "层面", "环节")
_TAIL_QUALIFIERS = ("以内", "以下", "以上", "左右")

_NAME_MAX = 24


@dataclass(frozen=True)
class Figure:
    """One stated figure: its indicator, value as written, and where it was said.

    ``measure`` is ``level`` for a count or amount (54家), ``growth`` for a change
    (同比增长20.0%, 增加0.77件), ``rate`` for completion against a target (完成年度目标的
    103.8%); growth and rate carry the indicator of the figure they qualify.
    """

    indicator: str
    value: Decimal
    unit: str | None
    measure: Measure = "level"
    raw: str = ""
    qualifier: str | None = None
    sentence: str = ""
    section: str = ""
    source: Literal["text", "figures"] = "text"

    @property
    def base(self) -> tuple[Decimal, str | None]:
        """Value and unit without the 万/亿 multiplier: (4300000, 元) for 430万元."""
        factor, base_unit = parse_unit(self.unit)
        return self.value * factor, base_unit

    @property
    def display(self) -> str:
        """As written in the text (3900余人次), or value and unit for a figures-file value."""
        if self.raw:
            return self.raw
        return format_quantity(self.value, self.unit)

    def as_dict(self) -> dict[str, Any]:
        return {
            "indicator": self.indicator,
            "value": format_number(self.value),
            "unit": self.unit,
            "measure": self.measure,
            "qualifier": self.qualifier,
            "raw": self.raw,
            "sentence": self.sentence,
            "section": self.section,
            "source": self.source,
        }


@dataclass(frozen=True)
class Target:
    """A target from a plan section: 申报市级以上科技项目30项以上."""

    figure: Figure

    @property
    def indicator(self) -> str:
        return self.figure.indicator

    @property
    def at_most(self) -> bool:
        """True for a ceiling (控制在5%以内); a target is a floor otherwise."""
        f = self.figure
        if f.qualifier in _AT_MOST:
            return True
        at = f.sentence.find(f.raw)
        return at > 0 and "控制在" in f.sentence[max(0, at - 6) : at]

    def as_dict(self) -> dict[str, Any]:
        return self.figure.as_dict()


# --------------------------------------------------------------------------- naming


def normalize_indicator(name: str) -> str:
    """The key two names are compared by: NFKC, fillers and quotes dropped."""
    text = unicodedata.normalize("NFKC", name)
    text = re.sub(r"[\s“”\"'‘’「」『』《》]", "", text)
    text = _strip_fillers(text)
    text = re.sub(r"(?:数量|总数|总量|个数|数)$", "", text)
    return text


#: Every filler word, longest first (a longer one must be tried before its prefix).
_FILLERS_LONGEST_FIRST = tuple(
    sorted((*_LEADING_FILLERS, *_TRAILING_FILLERS), key=len, reverse=True)
)


def names_nothing(name: str) -> bool:
    """True for a phrase made only of fillers ("累计达到", "全年共"): the number after it is
    said of whatever the sentence named before, so it names no indicator by itself."""
    text = unicodedata.normalize("NFKC", name).strip(" 、，,；;：:和及与")
    fillers = _FILLERS_LONGEST_FIRST
    changed = True
    while changed and text:
        changed = False
        for word in fillers:
            if text.startswith(word):
                text = text[len(word) :].strip(" 、，,；;：:")
                changed = True
    return not text


def _strip_fillers(text: str) -> str:
    text = text.strip(" 、，,；;：:和及与")
    changed = True
    while changed and text:
        changed = False
        for word in _LEADING_FILLERS:
            if text.startswith(word) and len(text) > len(word):
                text = text[len(word) :].lstrip("、，, ")
                changed = True
        for word in _TRAILING_FILLERS:
            if text.endswith(word) and len(text) > len(word):
                text = text[: -len(word)]
                changed = True
    return text.strip(" 、，,；;：:")


def _clip(name: str) -> str:
    return name if len(name) <= _NAME_MAX else name[-_NAME_MAX:]


def _suffix_phrase(text: str) -> str:
    """The phrase a number modifies when it comes first: 完成84项[科技成果登记]."""
    m = re.match(r"[\u4e00-\u9fff“”]{1,16}", text)
    return m.group().strip("“”").lstrip("的").rstrip("了的") if m else ""


# --------------------------------------------------------------------------- extraction


@dataclass
class _Clause:
    sentence: str
    start: int  # where the text a number may be named from begins
    mention: NumberMention
    next_start: int  # where the next mention or break begins


def _quoted_spans(sentence: str) -> list[tuple[int, int]]:
    return [m.span() for m in _QUOTE_RE.finditer(sentence)]


def _unit_of(m: NumberMention, sentence: str) -> tuple[str | None, int]:
    if m.unit is not None:
        return m.unit, m.end
    if m.end < len(sentence) and sentence[m.end] in _EXTRA_UNITS and m.script == "arabic":
        return sentence[m.end], m.end + 1
    return None, m.end


def _quantities(sentence: str) -> list[tuple[NumberMention, str, int, int]]:
    """(mention, unit, start of its naming window, end incl. unit) for each quantity.

    The window starts after the previous quantity, year, date or enumeration marker and
    after the last clause break; numerals inside words (每万人口) do not cut it.
    """
    quoted = _quoted_spans(sentence)
    out: list[tuple[NumberMention, str, int, int]] = []
    prev_end = 0
    for m in find_numbers(sentence):
        unit, end = _unit_of(m, sentence)
        window_start = prev_end
        structural = is_structural(m, sentence)
        if any(a <= m.start and m.end <= b for a, b in quoted):
            continue  # part of a name: “3315计划”, “科技创新2025”
        if m.form is not Form.NUMBER or not structural:
            prev_end = end
        if m.form not in (Form.NUMBER, Form.PERCENT) or structural:
            continue
        if unit is None or unit in _TIME_UNITS or unit in _NOT_UNITS:
            continue
        if m.is_range or m.value > Decimal(10) ** 13:
            continue
        break_at = max(sentence.rfind(c, window_start, m.start) for c in _BREAKS)
        out.append((m, unit, max(window_start, break_at + 1), end))
    return out


def _next_stop(sentence: str, pos: int) -> int:
    stops = [i for c in _BREAKS if (i := sentence.find(c, pos)) >= 0]
    return min(stops, default=len(sentence))


def extract_figures(text: str, *, section: str = "") -> list[Figure]:
    """Every stated figure of ``text`` in order (duplicates kept; see :func:`unique`)."""
    figures: list[Figure] = []
    for a, b in sentence_spans(text):
        sentence = text[a:b]
        anchor: Figure | None = None
        quantities = _quantities(sentence)
        for index, (m, unit, start, end) in enumerate(quantities):
            prefix = sentence[start : m.start]
            limit = quantities[index + 1][0].start if index + 1 < len(quantities) else len(sentence)
            suffix = sentence[end : min(limit, _next_stop(sentence, end))]
            qualifier = m.qualifier
            tail = next((q for q in _TAIL_QUALIFIERS if suffix.startswith(q)), None)
            if tail is not None and qualifier is None:
                qualifier, end, suffix = tail, end + len(tail), suffix[len(tail) :]
            named = _name_figure(m, unit, prefix, suffix, anchor)
            if named is None:
                continue
            figure = Figure(
                indicator=named[0],
                value=m.value,
                unit=unit,
                measure=named[1],
                raw=sentence[m.start : end],
                qualifier=qualifier,
                sentence=sentence,
                section=section,
            )
            figures.append(figure)
            if figure.measure == "level":
                anchor = figure
    return figures


def _name_figure(
    m: NumberMention, unit: str, prefix: str, suffix: str, anchor: Figure | None
) -> tuple[str, Measure] | None:
    compact = prefix.strip()
    rate = _RATE_TAIL.search(compact) if unit == "%" else _GAP_TAIL.search(compact)
    if rate is None and unit in ("%", "个百分点", "百分点"):
        rate = _GAP_TAIL.search(compact)
    if rate is not None:
        if anchor is None:
            return None
        return anchor.indicator, "rate"
    growth = _GROWTH_TAIL.search(compact)
    if growth is not None:
        own = _strip_fillers(compact[: growth.start()])
        if len(own) >= 2:
            return _clip(own), "growth"
        if anchor is None:
            return None
        return anchor.indicator, "growth"
    name = _strip_fillers(compact)
    after = _suffix_phrase(suffix)
    if after.startswith(_NOT_COUNTED):
        return None  # 在五个方面着力推进: structure, not a quantity
    if after:
        # The number comes before what it counts (进入全县12个乡镇): name it by that.
        name = (name if 2 <= len(name) <= 4 else "") + after
    elif not name and anchor is not None and not compact:
        name = anchor.indicator  # 发放科技金融贷款20笔6150万元
    if len(name) < 2 or not _CJK_RE.search(name):
        return None
    return _clip(name), "level"


def unique(figures: Iterable[Figure]) -> list[Figure]:
    """The figures with repeats of the same indicator, measure and value dropped."""
    seen: set[tuple[str, str, Decimal, str | None]] = set()
    out: list[Figure] = []
    for f in figures:
        value, unit = f.base
        key = (normalize_indicator(f.indicator), f.measure, value, unit)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out


def extract_targets(text: str, *, section: str = "") -> list[Target]:
    """Targets stated in a plan section: its level and growth figures."""
    return [
        Target(f)
        for f in unique(extract_figures(text, section=section))
        if f.measure in ("level", "growth")
    ]


def figures_from_file(figures: FiguresFile) -> tuple[list[Figure], list[Figure]]:
    """(this year's, last year's) level figures as the figures file gives them."""
    this: list[Figure] = []
    last: list[Figure] = []
    for area, ind in figures.indicators():
        common: dict[str, Any] = dict(
            indicator=ind.name, unit=ind.unit or None, section=area.name, source="figures"
        )
        this.append(
            Figure(value=Decimal(ind.value), raw=format_quantity(ind.value, ind.unit), **common)
        )
        if ind.previous is not None:
            last.append(
                Figure(
                    value=Decimal(ind.previous),
                    raw=format_quantity(ind.previous, ind.unit),
                    **common,
                )
            )
    return this, last
