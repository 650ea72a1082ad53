"""Slot placement: every number stands with its own fact.

A template can use only real slots and still say something false: "省级新型研发机构{K7.1}"
puts fact 7's 新入孵企业9家 on another fact; "有效高新技术企业{F5}" puts 申报项目46项 on
the wrong indicator. Checking the numbers of the rendered text cannot see this: every
number is a real figure. These rules look at where each slot stands:

* a sentence slot ({K7}, {P2}, {R1}) and each number inside one ({K7.1}) is used once;
* a number inside a fact ({K7.1}) stands in a clause that carries its own fact's words,
  in its own position within that fact (the words around it are those around the j-th
  number of the fact, and the fact's numbers keep their order);
* an indicator slot ({F3}) is preceded within its clause by the indicator's name or an
  alias declared in the figures file — and by no other indicator's name closer to it;
* a derived slot ({F3.yoy}, {F3.rate}, {F3.delta}, {F3.status}) follows its own base
  slot in the same sentence, with no other indicator's slot in between; {F3.prev} and
  {F3.target} follow their base slot or the indicator's name.

Each broken rule is a Chinese sentence for the model (and the review report), handled like
any other rule violation: sent back, then the code's fallback.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from drafter.figures import Slot, SlotTable
from drafter.figures.slots import sentence_template
from drafter.text.sentences import CLAUSE_BREAKS, sentence_spans
from drafter.text.slots import slot_matches

SENTENCE_ROLES = ("fact", "problem", "priority")
NUMBER_ROLES = tuple(f"{r}_number" for r in SENTENCE_ROLES)
DERIVED_ROLES = ("yoy", "delta", "rate", "status")
ANCHORED_ROLES = ("prev", "target")  # follow the base slot, or stand after the name
# Slots that state a quantity: a name before one of them belongs to it, not to the next.
_QUANTITY_ROLES = ("value", "prev", "target", "plan_target", *NUMBER_ROLES)
_LEFT_CHARS = 6
_RIGHT_CHARS = 4
_BRACKETS_RE = re.compile(r"[（(][^（）()]*[）)]")


@dataclass(frozen=True)
class _Placed:
    start: int
    end: int
    slot: Slot


def _placed(template: str, table: SlotTable) -> list[_Placed]:
    out = []
    for m in slot_matches(template):
        if m.closed and m.name and m.name in table:
            out.append(_Placed(m.start, m.end, table[m.name]))
    return out


def _clause_start(text: str, pos: int) -> int:
    return max((text.rfind(c, 0, pos) for c in CLAUSE_BREAKS), default=-1) + 1


def _clause_end(text: str, pos: int) -> int:
    ends = [i for c in CLAUSE_BREAKS if (i := text.find(c, pos)) >= 0]
    return min(ends, default=len(text))


def _sentence_start(spans: Sequence[tuple[int, int]], pos: int) -> int:
    for a, b in spans:
        if a <= pos < b:
            return a
    return 0


def _pairs(text: str) -> set[str]:
    chars = [c for c in text if not c.isspace()]
    return {a + b for a, b in itertools.pairwise(chars)}


def name_forms(slot: Slot) -> list[str]:
    """The ways a draft may name an indicator: its name, the name without a bracketed
    口径 note, and each declared alias (with and without brackets)."""
    forms: list[str] = []
    for name in slot.names:
        for form in (name, _BRACKETS_RE.sub("", name)):
            if len(form) >= 2 and form not in forms:
                forms.append(form)
    return forms


def _nearest_name(window: str, named: Iterable[Slot]) -> tuple[str, set[str]] | None:
    """The name standing closest before the end of ``window`` (longest on a tie), and the
    indicators (base ids) it names."""
    best: tuple[int, int, str] | None = None
    owners: dict[str, set[str]] = {}
    for slot in named:
        for form in name_forms(slot):
            at = window.rfind(form)
            if at < 0:
                continue
            owners.setdefault(form, set()).add(slot.base_id)
            key = (at + len(form), len(form), form)
            if best is None or key[:2] > best[:2]:
                best = key
    if best is None:
        return None
    return best[2], owners[best[2]]


def _number_contexts(text: str, spans: Sequence[tuple[int, int]]) -> list[tuple[str, str]]:
    """(words before, words after) each number of a sentence, within its clause and
    between its neighbours."""
    out = []
    for i, (a, b) in enumerate(spans):
        left_from = max(_clause_start(text, a), spans[i - 1][1] if i else 0)
        right_to = min(_clause_end(text, b), spans[i + 1][0] if i + 1 < len(spans) else len(text))
        out.append((text[left_from:a][-_LEFT_CHARS:], text[b:right_to][:_RIGHT_CHARS]))
    return out


def placement_problems(template: str, table: SlotTable) -> list[str]:
    """Every placement rule ``template`` breaks, as Chinese sentences for the model."""
    placed = _placed(template, table)
    spans = sentence_spans(template)
    named = [s for s in table if s.role == "value"]
    problems: list[str] = []
    seen: dict[str, int] = {}
    for p in placed:
        if p.slot.role in SENTENCE_ROLES or p.slot.role in NUMBER_ROLES:
            seen[p.slot.id] = seen.get(p.slot.id, 0) + 1
    for slot_id, count in seen.items():
        if count > 1:
            problems.append(
                f"槽位{{{slot_id}}}用了{count}次。每个事实及其中的数字只能写一次，"
                "写在它自己那件事的句子里。"
            )
    problems += _fact_number_problems(template, placed, table)
    for index, p in enumerate(placed):
        role = p.slot.role
        if role == "value":
            problem = _name_problem(template, placed, index, named)
        elif role in DERIVED_ROLES:
            problem = _derived_problem(template, spans, placed, index)
        elif role in ANCHORED_ROLES:
            problem = _derived_problem(template, spans, placed, index)
            if problem and _name_problem(template, placed, index, named) is None:
                problem = None
        else:
            continue
        if problem:
            problems.append(problem)
    return problems


def _window_start(template: str, placed: Sequence[_Placed], index: int) -> int:
    """Where the words naming slot ``index`` may begin: its clause, after any earlier
    slot in that clause that states a quantity of another figure."""
    p = placed[index]
    start = _clause_start(template, p.start)
    for q in placed[:index]:
        own = q.slot.base_id == p.slot.base_id  # 由上年的{F1.prev}增加到{F1}
        if q.end <= p.start and q.end > start and q.slot.role in _QUANTITY_ROLES and not own:
            start = q.end
    return start


def _name_problem(
    template: str, placed: Sequence[_Placed], index: int, named: Sequence[Slot]
) -> str | None:
    p = placed[index]
    window = template[_window_start(template, placed, index) : p.start]
    own = "、".join(f"“{n}”" for n in name_forms(p.slot)) or "指标名称"
    found = _nearest_name(window, named)
    if found is None:
        return (
            f"槽位{p.slot.ref}前面（同一分句内）没有写明它是哪项指标：{p.slot.ref}是{own}的数值，"
            f"请写成“{(name_forms(p.slot) or ['指标名称'])[0]}{p.slot.ref}”这样，名称紧挨在槽位之前。"
        )
    form, owners = found
    if p.slot.base_id in owners:
        return None
    return (
        f"槽位{p.slot.ref}写在了“{form}”之后，但{p.slot.ref}是{own}的数值，"
        f"不是“{form}”的。每个指标槽位只能跟在它自己的指标名称后面。"
    )


def _derived_problem(
    template: str, spans: Sequence[tuple[int, int]], placed: Sequence[_Placed], index: int
) -> str | None:
    p = placed[index]
    base = p.slot.base_id
    start = _sentence_start(spans, p.start)
    before = [q for q in placed[:index] if q.start >= start and q.slot.id.startswith("F")]
    if before and before[-1].slot.base_id == base and any(q.slot.id == base for q in before):
        return None
    return (
        f"槽位{p.slot.ref}（{p.slot.label}）必须紧跟在它自己的指标槽位{{{base}}}之后"
        f"（同一句内，中间不插入其他指标），例如“…{{{base}}}，{p.slot.ref}”。"
    )


def _fact_number_problems(template: str, placed: Sequence[_Placed], table: SlotTable) -> list[str]:
    problems: list[str] = []
    by_parent: dict[str, list[tuple[int, _Placed]]] = {}
    for index, p in enumerate(placed):
        if p.slot.role in NUMBER_ROLES:
            by_parent.setdefault(p.slot.base_id, []).append((index, p))
    for parent, items in by_parent.items():
        order = [int(p.slot.id.rsplit(".", 1)[1]) for _, p in items]
        if order != sorted(order):
            listed = "、".join(p.slot.ref for _, p in items)
            problems.append(
                f"事实{{{parent}}}中的数字占位符顺序被打乱了（{listed}）。"
                "请按原句抄写，每个占位符留在原句中它自己的位置。"
            )
        for _, p in items:
            problem = _own_fact_problem(template, placed, p, table[parent].text)
            if problem:
                problems.append(problem)
    return problems


def _fact_numbers(fact: str) -> tuple[str, list[tuple[int, int]]]:
    """The fact with its numbers as placeholders, and their spans (found like its slots)."""
    text = sentence_template(fact, "N")
    spans = [m.span() for m in re.finditer(r"\{N\.\d+\}", text)]
    return text, spans


def _own_fact_problem(
    template: str, placed: Sequence[_Placed], p: _Placed, parent_text: str
) -> str | None:
    fact_text, spans = _fact_numbers(parent_text)
    clause_a, clause_b = _clause_start(template, p.start), _clause_end(template, p.end)
    neighbours = [q for q in placed if q is not p]
    left_from = max([clause_a, *(q.end for q in neighbours if clause_a <= q.end <= p.start)])
    right_to = min([clause_b, *(q.start for q in neighbours if p.end <= q.start <= clause_b)])
    clause = _strip_slots(template[clause_a:clause_b])
    plain_fact = _strip_slots(fact_text)
    what = f"{p.slot.ref}（{p.slot.text}）"
    if not _pairs(clause) & _pairs(plain_fact):
        return (
            f"{what}是这件事中的数字：“{parent_text}”，却写进了不相干的句子"
            f"“{clause}”。每个数字只能写在它自己那件事的句子里。"
        )
    j = int(p.slot.id.rsplit(".", 1)[1]) - 1
    if not 0 <= j < len(spans):
        return None
    left, right = template[left_from : p.start][-_LEFT_CHARS:], template[p.end : right_to]
    right = right[:_RIGHT_CHARS]
    contexts = _number_contexts(fact_text, spans)

    def score(i: int) -> int:
        lf, rf = contexts[i]
        return len(_pairs(left) & _pairs(lf)) + len(_pairs(right) & _pairs(rf))

    best = max(range(len(spans)), key=lambda i: (score(i), i == j))
    if best != j and score(best) > score(j):
        wrong = fact_text[spans[best][0] : spans[best][1]]
        return (
            f"{what}放在了原句中另一个数字（{wrong}）的位置。"
            f"请按原句“{parent_text}”抄写，每个占位符留在它自己的位置。"
        )
    return None


def _strip_slots(text: str) -> str:
    return re.sub(r"\{[^{}]*\}", "", text)
