"""Slots: every figure as a placeholder a draft may use, and the text code writes for it.

Principle 1 of the design: numbers are written by code, never by the model. The model
refers to a figure only through a slot such as ``{F3}`` or ``{F3.yoy}``;
:class:`SlotTable` renders it ("15家", "同比增长25%"), and
:meth:`SlotTable.allowed_values` tells a number checker which numbers (with units) a
draft may contain. Split out of the figures model.

Slots
=====

======================  ===================================================  ===========
slot                    renders                                              when
======================  ===================================================  ===========
``{YEAR}``              2025                                                 always
``{PREV_YEAR}``         2024                                                 always
``{NEXT_YEAR}``         2026                                                 always
``{F1}``                42家 — indicators numbered globally in file order    always
``{F1.prev}``           36家                                                 previous
``{F1.yoy}``            同比增长16.7% / 比上年提高2.1个百分点 / 与上年持平    previous
``{F1.delta}``          增加6家                                              previous
``{F1.target}``         40家                                                 target
``{F1.rate}``           完成年度目标的105%                                   target
``{F1.status}``         超额完成年度目标                                     target
``{K1}``                a whole fact sentence (facts numbered globally)      always
``{K1.1}``              3场 — the n-th number inside fact K1                 always
``{T1}``                6家以上 — plan targets                               always
``{P1}`` / ``{P1.1}``   a problem sentence / a number inside it              always
``{R1}`` / ``{R1.1}``   a plan priority sentence / a number inside it        always
======================  ===================================================  ===========

:meth:`SlotTable.slots_for_section` lists a work area's slots by its id, and the pseudo
sections ``overview`` (every indicator), ``problems`` (problems and the indicators that
missed their target) and ``plan`` (targets and priorities); the year slots are in all.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from drafter.errors import DrafterError
from drafter.figures.fields import RESERVED_SECTION_IDS
from drafter.figures.model import (
    FiguresFile,
    UnknownSectionError,
    point_section_id,
)
from drafter.figures.quantities import Number, completion_rate, format_quantity, percent_change
from drafter.figures.wording import (
    NumberWithUnit,
    as_decimal,
    change_wording,
    completion_wording,
    delta_wording,
    is_percent_unit,
    last_year_name,
    status_wording,
    target_name,
)
from drafter.models import Period


class UnknownSlotError(DrafterError):
    """A text refers to slots the table does not have; ``unknown`` lists them as written."""

    def __init__(self, unknown: Sequence[str], known: Sequence[str]) -> None:
        self.unknown = tuple(unknown)
        listed = "、".join(f"{{{u}}}" for u in self.unknown)
        sample = "、".join(f"{{{k}}}" for k in known[:12])
        more = "等" if len(known) > 12 else ""
        super().__init__(
            f"文中引用了不存在的槽位：{listed}",
            hint=f"只能使用列出的槽位（如 {sample}{more}），不要自造槽位名，也不要在花括号里写文字",
        )


_FACT_UNITS = sorted(
    (
        "个百分点",
        "万人次",
        "人次",
        "家次",
        "场次",
        "户次",
        "万元",
        "亿元",
        "千元",
        "万美元",
        "亿美元",
        "元",
        "万亩",
        "亩",
        "万吨",
        "吨",
        "平方公里",
        "万平方米",
        "平方米",
        "公里",
        "千米",
        "万人",
        "个",
        "家",
        "项",
        "件",
        "场",
        "次",
        "名",
        "人",
        "户",
        "期",
        "批",
        "所",
        "座",
        "台",
        "套",
        "篇",
        "部",
        "条",
        "种",
        "类",
        "天",
        "年",
        "月",
        "日",
        "倍",
        "%",
        "％",
        "‰",
        "万",
        "亿",
    ),
    key=len,
    reverse=True,
)
_FACT_NUMBER_RE = re.compile(
    r"(?<![\d.])(\d+(?:\.\d+)?)([余多])?(" + "|".join(map(re.escape, _FACT_UNITS)) + ")?"
)
_SLOT_REF_RE = re.compile(r"[{｛]{1,2}\s*([^{}｛｝\n]{1,40}?)\s*[}｝]{1,2}")


def _number_matches(text: str) -> list[re.Match[str]]:
    return list(_FACT_NUMBER_RE.finditer(text))


def _numbers_in(text: str) -> list[tuple[str, Decimal, str | None]]:
    """Arabic numbers in a sentence: (as written, value, unit): "3900余人次" → 3900 人次."""
    found = []
    for match in _number_matches(text):
        number, _, unit = match.groups()
        found.append((match.group(), Decimal(number), (unit or None) and unit.replace("％", "%")))
    return found


def sentence_template(text: str, slot_id: str) -> str:
    """A fact (problem, priority) with its j-th number replaced by ``{slot_id.j}``, in one
    pass over the number spans: "1#、2#厂房6月份" → "{K10.1}#、{K10.2}#厂房{K10.3}份",
    never a placeholder written inside another."""
    parts: list[str] = []
    pos = 0
    for j, match in enumerate(_number_matches(text), start=1):
        parts += [text[pos : match.start()], f"{{{slot_id}.{j}}}"]
        pos = match.end()
    parts.append(text[pos:])
    return "".join(parts)


@dataclass(frozen=True)
class Slot:
    """One placeholder a draft may use, and what code writes for it.

    ``role``: value, prev, yoy, delta, target, rate, status (indicators), fact,
    fact_number, plan_target, problem, priority, year. ``numbers`` are the figures its
    text contains, with units."""

    id: str
    text: str
    label: str
    role: str
    section_id: str | None  # a work area id, "problems", "plan", or None (global)
    numbers: tuple[NumberWithUnit, ...] = ()
    # The indicator's (or plan target's) name as given, and the aliases the figures file
    # declares: a draft names the figure by one of these before its slot.
    name: str = ""
    aliases: tuple[str, ...] = ()
    # The figures file's verb for the name (获, 新增; "" none), None: chosen from the name
    verb: str | None = None

    @property
    def base_id(self) -> str:
        """The slot this one is derived from or part of: F1 for F1.yoy, K7 for K7.1."""
        return self.id.split(".", 1)[0]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(n for n in (self.name, *self.aliases) if n)

    @property
    def ref(self) -> str:
        return f"{{{self.id}}}"

    @property
    def value(self) -> Decimal | None:
        """The main number of the slot, if it has one."""
        return self.numbers[0][0] if self.numbers else None


@dataclass
class SlotTable:
    """Every figure of a :class:`FiguresFile` as a slot; built by :func:`build_slot_table`."""

    figures: FiguresFile
    slots: dict[str, Slot] = field(default_factory=dict)
    _extra: list[NumberWithUnit] = field(default_factory=list)
    _main: dict[str, str] = field(default_factory=dict)  # F id → description of the figure

    def add(self, slot: Slot) -> None:
        if slot.id in self.slots:
            raise ValueError(f"slot {slot.id} defined twice")
        self.slots[slot.id] = slot

    def __contains__(self, slot_id: object) -> bool:
        return isinstance(slot_id, str) and self._find(slot_id) is not None

    def __getitem__(self, slot_id: str) -> Slot:
        found = self._find(slot_id)
        if found is None:
            raise UnknownSlotError([slot_id], list(self.slots))
        return found

    def __iter__(self) -> Iterator[Slot]:
        return iter(self.slots.values())

    def __len__(self) -> int:
        return len(self.slots)

    def _find(self, slot_id: str) -> Slot | None:
        key = slot_id.strip()
        if key in self.slots:
            return self.slots[key]
        for candidate, slot in self.slots.items():
            if candidate.lower() == key.lower():
                return slot
        return None

    def used(self, text: str) -> list[str]:
        """The known slot ids a text refers to, in order of first use."""
        ids: list[str] = []
        for match in _SLOT_REF_RE.finditer(text):
            slot = self._find(match.group(1))
            if slot is not None and slot.id not in ids:
                ids.append(slot.id)
        return ids

    def render(self, text: str) -> str:
        """Replace every ``{F1}``, ``{F1.yoy}``, ``{YEAR}`` … by its text. Any other
        ``{…}`` raises :class:`UnknownSlotError` listing all of them."""
        unknown = [
            m.group(1) for m in _SLOT_REF_RE.finditer(text) if self._find(m.group(1)) is None
        ]
        if unknown:
            raise UnknownSlotError(list(dict.fromkeys(unknown)), list(self.slots))

        def replace(match: re.Match[str]) -> str:
            slot = self._find(match.group(1))
            assert slot is not None
            return slot.text

        return _SLOT_REF_RE.sub(replace, text)

    def slots_for_section(self, section_id: str) -> list[Slot]:
        """What a prompt for this section lists: the year slots, then a work area's
        indicator and fact slots; ``overview`` (all indicators), ``problems`` (problems and
        indicators that missed their target) or ``plan`` (targets and priorities)."""
        years = [s for s in self if s.section_id is None]
        if section_id == "overview":
            return years + [s for s in self if s.id.startswith("F")]
        if section_id == "problems":
            missed = {
                s.id.split(".")[0] for s in self if s.role == "status" and s.text.startswith("未")
            }
            missed_slots = [s for s in self if s.id.split(".")[0] in missed]
            return years + missed_slots + [s for s in self if s.section_id == "problems"]
        if section_id == "plan":
            return years + [s for s in self if s.section_id == "plan"]
        if any(area.id == section_id for area in self.figures.sections) or any(
            point_section_id(area.id, n) == section_id for area, n, _ in self.figures.points()
        ):
            return years + [s for s in self if s.section_id == section_id]
        known = [a.id for a in self.figures.sections] + list(RESERVED_SECTION_IDS)
        raise UnknownSectionError(
            f"没有编号为“{section_id}”的部分", hint=f"可用的编号：{'、'.join(known)}"
        )

    def describe(self, slot: Slot | str) -> str:
        """One line for a prompt: "{F1} 高新技术企业 42家（上年36家，目标40家）"."""
        found = slot if isinstance(slot, Slot) else self[slot]
        if found.id in self._main:
            return f"{found.ref} {self._main[found.id]}"
        return f"{found.ref} {found.label}：{found.text}"

    def allow_numbers_in_name(self, name: str, *, also_unitless: bool = False) -> None:
        """Digits and numerals inside a name ("5G", "十四五") may appear in a draft: allowed
        numbers, never slots. ``also_unitless``: an indicator's label, whose numbers a
        sentence may also quote bare."""
        for _, value, unit in _numbers_in(name):
            if also_unitless:
                self._extra.append((value, None))
            self._extra.append((value, unit))
        self._extra.extend(_spelled_numbers(name))

    def data_texts(self) -> list[str]:
        """Every text of the figures file: names, headings, facts, problems, priorities,
        targets. A number inside one of them is data: a draft may copy it verbatim."""
        figures = self.figures
        texts = [figures.bureau, figures.region or "", figures.title]
        for area in figures.sections:
            texts.append(area.name)
            for ind in area.indicators:
                texts += [ind.name, ind.label, *ind.aliases]
            texts += area.facts
            for point in area.points:
                texts += [point.name, *point.facts]
        texts += figures.problems + figures.plan.priorities
        texts += [t.name for t in figures.plan.targets]
        return [t for t in texts if t]

    def sentence_template(self, slot: Slot | str) -> str:
        """A sentence slot's text with each of its numbers as its own slot (one pass)."""
        found = slot if isinstance(slot, Slot) else self[slot]
        return sentence_template(found.text, found.id)

    def allowed_years(self) -> set[int]:
        """Years a draft may name: the report's year and the ones either side of it."""
        year = self.figures.year
        return {year - 1, year, year + 1}

    def allowed_values(self) -> list[tuple[Decimal, str | None]]:
        """Every number a draft may contain, with its unit: values, previous values,
        targets, changes (amount, %, 百分点, 倍), completion rates, fact numbers, years,
        and digits in names. Deduplicated, in slot order. A negative amount is also
        allowed without its sign, as a number checker reads "-60万元"."""
        seen: set[tuple[Decimal, str | None]] = set()
        result: list[tuple[Decimal, str | None]] = []
        candidates = [n for s in self for n in s.numbers] + self._extra
        candidates += [(-number, unit) for number, unit in candidates if number < 0]
        for number, unit in candidates:
            key = (number, unit)
            if key not in seen:
                seen.add(key)
                result.append((number, unit))
        return result


def _spelled_numbers(text: str) -> list[NumberWithUnit]:
    """Every quantity a text of the user's states, however written ("两项", "三成",
    "3至5家", "1,000"): a draft quoting the text contains them."""
    from drafter.text.scanner import find_numbers
    from drafter.text.structural import is_structural

    found: list[NumberWithUnit] = []
    for mention in find_numbers(text):
        if not is_structural(mention, text):
            found.append((mention.value, mention.unit))
            if mention.high is not None:
                found.append((mention.high, mention.unit))
    return found


def _quantity_numbers(value: Number, unit: str | None) -> tuple[NumberWithUnit, ...]:
    return ((as_decimal(value), unit),)


def build_slot_table(figures: FiguresFile) -> SlotTable:
    """Number every figure: indicators F1…, facts K1…, plan targets T1…, problems P1…,
    priorities R1…, and the year slots; derived figures are computed here."""
    table = SlotTable(figures=figures)
    year, period = figures.year, figures.period
    last = last_year_name(period)
    goal = target_name(period)
    for slot_id, label, number in (
        ("YEAR", "本年度", year),
        ("PREV_YEAR", "上一年度", year - 1),
        ("NEXT_YEAR", "下一年度", year + 1),
    ):
        table.add(Slot(slot_id, str(number), label, "year", None, ((Decimal(number), "年"),)))

    def sentence_slots(
        prefix: str, index: int, text: str, label: str, role: str, section: str
    ) -> None:
        slot_id = f"{prefix}{index}"
        found = _numbers_in(text)
        numbers = tuple((value, unit) for _, value, unit in found)
        table.add(Slot(slot_id, text, label, role, section, numbers))
        table._extra.extend(_spelled_numbers(text))
        for j, (written, value, unit) in enumerate(found, start=1):
            table.add(
                Slot(
                    f"{slot_id}.{j}",
                    written,
                    f"{slot_id}中的数字",
                    f"{role}_number",
                    section,
                    ((value, unit),),
                )
            )

    f = k = 0
    for area in figures.sections:
        table.allow_numbers_in_name(area.name)
        for ind in area.indicators:
            f += 1
            fid = f"F{f}"
            table.allow_numbers_in_name(ind.label, also_unitless=True)
            sid = area.id
            main = ind.text  # with its qualifier: 130多个
            aliases = tuple(ind.aliases)

            def add_indicator_slot(
                ref: str,
                text: str,
                label: str,
                role: str,
                numbers: tuple[NumberWithUnit, ...] = (),
                *,
                name: str = ind.name,
                sid: str = sid,
                aliases: tuple[str, ...] = aliases,
                verb: str | None = None,
            ) -> None:
                """One of the indicator's slots, named so placement can check its clause."""
                table.add(
                    Slot(
                        ref, text, label, role, sid, numbers, name=name, aliases=aliases, verb=verb
                    )
                )

            add_indicator_slot(
                fid, main, ind.label, "value", _quantity_numbers(ind.value, ind.unit), verb=ind.verb
            )
            notes = []
            if ind.previous is not None:
                notes.append(f"{last}{format_quantity(ind.previous, ind.unit)}")
            if ind.target is not None:
                notes.append(f"目标{format_quantity(ind.target, ind.unit)}")
            if ind.basis:
                notes.append(f"口径：{ind.basis}")
            table._main[fid] = f"{ind.name} {main}" + (f"（{'，'.join(notes)}）" if notes else "")
            if ind.previous is not None:
                add_indicator_slot(
                    f"{fid}.prev",
                    format_quantity(ind.previous, ind.unit),
                    f"{ind.label}{last}数",
                    "prev",
                    _quantity_numbers(ind.previous, ind.unit),
                )
                yoy = change_wording(ind.value, ind.previous, ind.unit, period)
                add_indicator_slot(f"{fid}.yoy", yoy.text, f"{ind.label}同比", "yoy", yoy.numbers)
                delta = delta_wording(ind.value, ind.previous, ind.unit, period)
                add_indicator_slot(
                    f"{fid}.delta", delta.text, f"{ind.label}比{last}增减", "delta", delta.numbers
                )
                if ind.previous > 0 and ind.value >= 0 and not is_percent_unit(ind.unit):
                    # the same change stated as a percentage (e.g. beside 翻一番 or 增长X倍)
                    table._extra.append((abs(percent_change(ind.value, ind.previous)), "%"))
            if ind.target is not None:
                add_indicator_slot(
                    f"{fid}.target",
                    format_quantity(ind.target, ind.unit),
                    f"{ind.label}{goal}",
                    "target",
                    _quantity_numbers(ind.target, ind.unit),
                )
                rate = completion_wording(ind.value, ind.target, ind.unit, period)
                add_indicator_slot(
                    f"{fid}.rate", rate.text, f"{ind.label}目标完成情况", "rate", rate.numbers
                )
                status = status_wording(ind.value, ind.target, period)
                add_indicator_slot(
                    f"{fid}.status", status.text, f"{ind.label}是否完成目标", "status"
                )
                if is_percent_unit(ind.unit) and ind.target > 0:
                    table._extra.append((completion_rate(ind.value, ind.target), "%"))
        for fact in area.facts:
            k += 1
            sentence_slots("K", k, fact, "工作事实（整句）", "fact", area.id)
        for n, point in enumerate(area.points, start=1):
            table.allow_numbers_in_name(point.name)
            for fact in point.facts:
                k += 1
                sentence_slots(
                    "K", k, fact, "工作事实（整句）", "fact", point_section_id(area.id, n)
                )
    plan_label = "下半年目标" if period is Period.HALF_YEAR else f"{year + 1}年目标"
    for t, target in enumerate(figures.plan.targets, start=1):
        table.allow_numbers_in_name(target.name)
        table.add(
            Slot(
                f"T{t}",
                target.text,
                f"{plan_label} {target.name}",
                "plan_target",
                "plan",
                _quantity_numbers(target.value, target.unit),
                name=target.name,
                verb=target.verb,
            )
        )
    for p, problem in enumerate(figures.problems, start=1):
        sentence_slots("P", p, problem, "存在的问题（整句）", "problem", "problems")
    for r, priority in enumerate(figures.plan.priorities, start=1):
        sentence_slots("R", r, priority, "工作重点（整句）", "priority", "plan")
    for text in (figures.bureau, figures.region or "", figures.title):
        table.allow_numbers_in_name(text)
    return table
