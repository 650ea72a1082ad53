"""Figures of two documents (or a document and the figures file) put side by side: which
are the same quantity, last year's targets met or not, and the year-on-year rows."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from drafter.figures.extract import Figure, Target, normalize_indicator
from drafter.figures.quantities import (
    completion_rate,
    format_number,
    percent_change,
)
from drafter.text.units import parse_unit

# --------------------------------------------------------------------------- matching

_SAME_UNITS = ({"家", "个", "所"}, {"人", "名", "人次"}, {"项", "个"})


def units_compatible(a: Figure, b: Figure) -> bool:
    """Whether two figures can be the same quantity (430万元 vs 0.043亿元: yes)."""
    ua, ub = a.base[1], b.base[1]
    if ua == ub:
        return True
    if ua is None or ub is None:
        return False
    if "百分点" in ua and "百分点" in ub:
        return True
    return any(ua in group and ub in group for group in _SAME_UNITS)


def bigrams(text: str) -> list[str]:
    """Character bigrams in order (a single character stands for itself)."""
    return [text[i : i + 2] for i in range(len(text) - 1)] or ([text] if text else [])


def dice(a: str, b: str) -> float:
    """Dice coefficient of the two texts' bigram sets; 0.0 when either is empty."""
    ga, gb = set(bigrams(a)), set(bigrams(b))
    if not ga or not gb:
        return 0.0
    return 2 * len(ga & gb) / (len(ga) + len(gb))


def indicator_similarity(a: str, b: str) -> float:
    """1.0 for the same indicator; Dice of character bigrams otherwise."""
    na, nb = normalize_indicator(a), normalize_indicator(b)
    if not na or not nb:
        return 0.0
    if na == nb:
        return 1.0
    return dice(na, nb)


MATCH_THRESHOLD = 0.8
_HEAD_MIN = 4  # characters of a shared head noun (高新技术企业, 技术合同)
# Words before a head noun that do not change what is counted (新认定 / 有效 高新技术企业);
# 发明 (专利申请) or 省级 (平台) do, so those names stay apart.
_NEUTRAL_PREFIX = re.compile(
    r"(?:新认定|认定|有效|现有|新培育|培育|入库|在库|登记|备案|评价入库|累计|各类|全部|新)*"
)


def same_head(a: str, b: str) -> bool:
    """Two names of one quantity: the same head noun (4+ characters) after words that do
    not change what is counted (新认定高新技术企业 / 有效高新技术企业 / 高新技术企业)."""
    na, nb = normalize_indicator(a), normalize_indicator(b)
    size = 0
    while size < min(len(na), len(nb)) and na[-1 - size] == nb[-1 - size]:
        size += 1
    if size < _HEAD_MIN:
        return False
    return all(_NEUTRAL_PREFIX.fullmatch(name[: len(name) - size]) for name in (na, nb))


def match_figures(
    left: Sequence[Figure], right: Sequence[Figure], *, threshold: float = MATCH_THRESHOLD
) -> list[tuple[int, int, float]]:
    """One-to-one pairs (i, j, score) of the same indicator, best pairs first."""
    scored: list[tuple[float, int, int]] = []
    for i, a in enumerate(left):
        for j, b in enumerate(right):
            if a.measure != b.measure or not units_compatible(a, b):
                continue
            score = indicator_similarity(a.indicator, b.indicator)
            if score < threshold and same_head(a.indicator, b.indicator):
                # 新认定高新技术企业 130多个 / 高新技术企业 130个: one noun, one unit
                score = threshold + (0.05 if a.base[0] == b.base[0] else 0.0)
            if score >= threshold:
                scored.append((score, i, j))
    scored.sort(key=lambda t: (-t[0], t[1], t[2]))
    used_l: set[int] = set()
    used_r: set[int] = set()
    pairs: list[tuple[int, int, float]] = []
    for score, i, j in scored:
        if i in used_l or j in used_r:
            continue
        used_l.add(i)
        used_r.add(j)
        pairs.append((i, j, score))
    return sorted(pairs)


# --------------------------------------------------------------------------- targets

Status = Literal["met", "not_met", "not_reported"]
STATUS_LABELS: dict[str, str] = {
    "met": "已完成",
    "not_met": "未完成",
    "not_reported": "本年未报告",
}


@dataclass
class TargetResult:
    """Last year's target against this year's reported figure."""

    target: Target
    actual: Figure | None = None
    status: Status = "not_reported"
    rate: Decimal | None = None  # 完成率, percent
    gap: Decimal | None = None  # actual − target, in the target's unit
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "indicator": self.target.indicator,
            "target": self.target.as_dict(),
            "actual": None if self.actual is None else self.actual.as_dict(),
            "status": self.status,
            "status_label": STATUS_LABELS[self.status],
            "rate": None if self.rate is None else format_number(self.rate),
            "gap": None if self.gap is None else format_number(self.gap),
        }


def evaluate_targets(targets: Sequence[Target], actuals: Sequence[Figure]) -> list[TargetResult]:
    """Each target as met / not met / not reported, with 完成率 where it can be computed."""
    pairs = match_figures([t.figure for t in targets], actuals)
    by_target = {i: actuals[j] for i, j, _ in pairs}
    return [_evaluate(t, by_target.get(i)) for i, t in enumerate(targets)]


def _evaluate(target: Target, actual: Figure | None) -> TargetResult:
    result = TargetResult(target=target, actual=actual)
    if actual is None:
        return result
    goal, _ = target.figure.base
    value, _ = actual.base
    factor = parse_unit(target.figure.unit)[0]
    result.gap = (value - goal) / factor
    met = value <= goal if target.at_most else value >= goal
    result.status = "met" if met else "not_met"
    if goal > 0 and not target.at_most:
        result.rate = completion_rate(value, goal)
    return result


# --------------------------------------------------------------------------- year on year


@dataclass
class FigureRow:
    """One indicator across the two years."""

    indicator: str
    last: Figure | None
    this: Figure | None

    @property
    def change(self) -> str:
        if self.last is None or self.this is None:
            return ""
        (lv, lu), (tv, tu) = self.last.base, self.this.base
        if lu == "%" and tu == "%":
            diff = tv - lv
            word = "提高" if diff > 0 else "下降" if diff < 0 else "持平"
            return f"{word}{format_number(abs(diff))}个百分点" if diff else "持平"
        if lv == 0:
            return "上年为0" if tv else "持平"
        pct = percent_change(tv, lv)
        if pct == 0:
            return "持平"
        return f"{'增长' if pct > 0 else '下降'}{format_number(abs(pct))}%"

    def as_dict(self) -> dict[str, Any]:
        return {
            "indicator": self.indicator,
            "last": None if self.last is None else self.last.as_dict(),
            "this": None if self.this is None else self.this.as_dict(),
            "change": self.change,
        }


def overlay(text_figures: list[Figure], file_figures: list[Figure]) -> list[Figure]:
    """Figures from the text with the figures file's values put in (file wins)."""
    merged = list(text_figures)
    matched: set[int] = set()
    for i, j, _ in match_figures(file_figures, text_figures):
        merged[j] = file_figures[i]
        matched.add(i)
    merged.extend(f for i, f in enumerate(file_figures) if i not in matched)
    return merged


def figure_rows(last: Sequence[Figure], this: Sequence[Figure]) -> list[FigureRow]:
    """Year-on-year rows of level figures: paired first, then last-only, then this-only."""
    last_levels = [f for f in last if f.measure == "level"]
    this_levels = [f for f in this if f.measure == "level"]
    pairs = match_figures(last_levels, this_levels)
    rows = [
        FigureRow(this_levels[j].indicator, last_levels[i], this_levels[j]) for i, j, _ in pairs
    ]
    used_l = {i for i, _, _ in pairs}
    used_t = {j for _, j, _ in pairs}
    rows += [FigureRow(f.indicator, f, None) for i, f in enumerate(last_levels) if i not in used_l]
    rows += [FigureRow(f.indicator, None, f) for j, f in enumerate(this_levels) if j not in used_t]
    return rows
