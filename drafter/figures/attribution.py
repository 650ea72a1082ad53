"""Is each number said of the right thing? (数字与所述事项不符)

:func:`drafter.figures.check.check_text` asks whether a number exists in the figures; a
draft can pass it and still be false: "省级新型研发机构9家" when the figures say 1个 (9 is
the incubator's new tenants). Here each number is paired with the phrase it quantifies —
the same indicator–value extraction :mod:`drafter.figures.extract` does for
``drafter compare``, which reads the genre's structure (clause breaks, measure words and
units, the head noun before or after a number) rather than any bureau's wording — and the
phrase is matched against what the figures file states:

* each indicator by its name and declared aliases, with its value, last year's value and
  its target;
* each number inside a fact (problem, priority), named the same way from the fact's own
  sentence;
* each next-year target by its name.

When the phrase names one of these (the best match is close enough, and the units can be
the same quantity) but none of the best-matching entries has the number, the number is
flagged with the value the figures give. Phrases that name nothing in the figures are not
judged: the check speaks only about things the figures file states.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from drafter.figures.check import value_matches
from drafter.figures.extract import Figure, extract_figures, names_nothing, normalize_indicator
from drafter.figures.matching import indicator_similarity, units_compatible
from drafter.figures.model import FiguresFile
from drafter.figures.quantities import format_quantity
from drafter.text.sentences import line_of, sentence_spans

#: How alike a phrase and a name must be (Dice of character bigrams after dropping place
#: and time words and verbs of having; 1.0 = the same name).
ATTRIBUTION_THRESHOLD = 0.8
#: A name the phrase ends with names its head noun ("…新材料研究院获批省级新型研发机构"
#: names 省级新型研发机构) when it is at least this long.
HEAD_MIN_CHARS = 4
_BRACKETS_RE = re.compile(r"[（(][^（）()]*[）)]")


def phrase_score(phrase: str, name: str) -> float:
    """1.0 for the same name; just below for a name the phrase ends with (its head noun;
    longer names score higher); otherwise the Dice similarity of the two."""
    p, n = normalize_indicator(phrase), normalize_indicator(name)
    if not p or not n:
        return 0.0
    if p == n:
        return 1.0
    if len(n) >= HEAD_MIN_CHARS and p.endswith(n):
        return 0.9 + min(len(n), 50) / 1000
    return indicator_similarity(p, n)


@dataclass(frozen=True)
class Reference:
    """Something the figures file states, the number(s) it may be given, and how it is
    shown as the expected value."""

    phrase: str
    unit: str | None
    values: tuple[Decimal, ...]
    expected: str
    source: str  # indicator | fact | target

    def as_figure(self) -> Figure:
        return Figure(indicator=self.phrase, value=self.values[0], unit=self.unit)


@dataclass(frozen=True)
class Misattribution:
    """A number whose phrase names a figure with a different value."""

    raw: str
    start: int
    end: int
    line: int
    sentence: str
    phrase: str  # the phrase as read from the text
    found: str  # the number as written
    expected: str  # what the figures give for that phrase
    reference: str  # the figures' own name for it

    @property
    def reason(self) -> str:
        return (
            f"数字与所述事项不符：“{self.phrase}”写的是{self.found}，"
            f"数据中“{self.reference}”为{self.expected}"
        )


def references(figures: FiguresFile) -> list[Reference]:
    """Everything in the figures file a number in a text may be said of."""
    refs: list[Reference] = []
    for _, ind in figures.indicators():
        values = tuple(Decimal(v) for v in (ind.value, ind.previous, ind.target) if v is not None)
        names = (ind.name, _BRACKETS_RE.sub("", ind.name), *ind.aliases)
        for name in dict.fromkeys(n for n in names if n):
            refs.append(Reference(name, ind.unit, values, ind.text, "indicator"))
    sentences = [f for area in figures.sections for f in area.facts]
    sentences += [f for _, _, point in figures.points() for f in point.facts]
    sentences += figures.problems + figures.plan.priorities
    for sentence in sentences:
        for fig in extract_figures(sentence):
            if fig.measure == "level" and not names_nothing(fig.indicator):
                refs.append(Reference(fig.indicator, fig.unit, (fig.value,), fig.display, "fact"))
    for target in figures.plan.targets:
        refs.append(
            Reference(
                target.name,
                target.unit,
                (Decimal(target.value),),
                format_quantity(target.value, target.unit),
                "target",
            )
        )
    return refs


def _decimals(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def _accepts(ref: Reference, fig: Figure) -> bool:
    allowed = [(v, ref.unit) for v in ref.values]
    return value_matches(fig.value, _decimals(fig.value), fig.unit, fig.qualifier, allowed)


@dataclass(frozen=True)
class Judged:
    """One number of the text as the check read it: its figure, and the best-matching
    references (empty when the phrase names nothing in the figures)."""

    figure: Figure
    start: int
    matches: tuple[Reference, ...]

    @property
    def ok(self) -> bool:
        return not self.matches or any(_accepts(r, self.figure) for r in self.matches)


def judge(text: str, refs: Sequence[Reference]) -> list[Judged]:
    """Every stated level figure of ``text`` with the references its phrase names."""
    judged: list[Judged] = []
    for a, b in sentence_spans(text):
        sentence = text[a:b]
        cursor = 0
        for fig in extract_figures(sentence):
            at = sentence.find(fig.raw, cursor)
            if at < 0:
                continue
            cursor = at + len(fig.raw)
            if fig.measure != "level" or names_nothing(fig.indicator):
                continue
            judged.append(Judged(fig, a + at, _best(fig, refs)))
    return judged


def _best(fig: Figure, refs: Iterable[Reference]) -> tuple[Reference, ...]:
    scored: list[tuple[float, Reference]] = []
    for ref in refs:
        if not units_compatible(fig, ref.as_figure()):
            continue
        score = phrase_score(fig.indicator, ref.phrase)
        if score >= ATTRIBUTION_THRESHOLD:
            scored.append((score, ref))
    if not scored:
        return ()
    top = max(score for score, _ in scored)
    return tuple(ref for score, ref in scored if score >= top - 1e-9)


def misattributions(text: str, figures: FiguresFile) -> list[Misattribution]:
    """Numbers said of something the figures give a different number for."""
    out: list[Misattribution] = []
    for j in judge(text, references(figures)):
        if j.ok:
            continue
        ref = j.matches[0]
        said = j.figure.indicator
        if normalize_indicator(said).endswith(normalize_indicator(ref.phrase)):
            said = ref.phrase  # the head noun the number is said of
        spans = sentence_spans(text)
        sentence = next((text[a:b] for a, b in spans if a <= j.start < b), j.figure.sentence)
        out.append(
            Misattribution(
                raw=j.figure.raw,
                start=j.start,
                end=j.start + len(j.figure.raw),
                line=line_of(text, j.start),
                sentence=sentence,
                phrase=said,
                found=j.figure.raw,
                expected=ref.expected,
                reference=ref.phrase,
            )
        )
    return out
