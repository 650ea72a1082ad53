"""Fallback text composed by code when the model cannot keep to the rules.

Templates use the same slots as the model does, so the fallback goes through the same
rendering and verification: it contains every required figure and no other number.
"""

from __future__ import annotations

from collections.abc import Sequence

from drafter.drafting.grouping import MAX_GROUPS, ORDINALS, enumerate_grouped, group_facts
from drafter.drafting.outline import SectionTask
from drafter.figures import Slot
from drafter.figures.verbs import indicator_verb, with_verb
from drafter.text.markers import strip_marker

ORDINAL_WORDS = list(ORDINALS)


def enumerate_items(items: Sequence[str], texts: Sequence[str] | None = None) -> str:
    """“一是A；二是B。” — structural words only, so the checker accepts them.

    More than five items are grouped by theme (drafter.drafting.grouping) into at most five,
    “一是A；B。二是C。”, never 六是 or a run of 同时. ``texts`` are what the items say
    (a slot's sentence for its ``{K3}``), compared to find the themes; default the items.
    """
    if not items:
        return ""
    if len(items) == 1:
        return items[0].rstrip("。；") + "。"
    if len(items) > MAX_GROUPS:
        groups = group_facts(list(texts if texts is not None else items), MAX_GROUPS)
        return enumerate_grouped(items, groups)
    return "；".join(ORDINAL_WORDS[i] + item.rstrip("。；") for i, item in enumerate(items)) + "。"


def enumerate_slots(slots: Sequence[Slot]) -> str:
    """Sentence slots ({K1}, {P2}, {R3}) enumerated, grouped by what their sentences say."""
    return enumerate_items([s.ref for s in slots], [s.text for s in slots])


def _by_role(slots: list[Slot], role: str) -> list[Slot]:
    return [s for s in slots if s.role == role]


def _sub(slots: list[Slot], parent: Slot, role: str) -> Slot | None:
    for s in slots:
        if s.role == role and s.id.startswith(parent.id + "."):
            return s
    return None


def _unit(slot: Slot) -> str | None:
    return slot.numbers[0][1] if slot.numbers else None


def named_with_verb(name: str, slot: Slot) -> str:
    """The name with the verb that fits it (drafter.figures.verbs): the figures file's own,
    else chosen from the name — 达到 for stocks and levels, none for 新认定…/争取…/…立项,
    获 for honours. A name ending in a digit or Latin letter (“新建5G”) would run into
    the rendered value (“新建5G120个”), so it always gets a verb."""
    named = with_verb(name, indicator_verb(name, _unit(slot), slot.verb, slot.text))
    if named[-1:].isascii() and named[-1:].isalnum():
        named += "达到"
    return named


def indicator_clause(slots: list[Slot], value: Slot) -> str:
    """“有效高新技术企业达到{F1}（有效期内），{F1.yoy}”: the indicator's full name as
    given with its verb, its value slot (the value keeps its qualifier: 130多个), the 口径
    note after it, then its derived slots."""
    name = value.name or _plain_label(value.label)
    basis = value.label[len(name) :] if value.label.startswith(name) else ""
    clause = f"{named_with_verb(name, value)}{value.ref}{basis}"
    for role in ("yoy", "rate"):
        extra = _sub(slots, value, role)
        if extra is not None:
            clause += f"，{extra.ref}"
    return clause


def results_sentence(slots: list[Slot], lead: str = "全年") -> str:
    """The figures of a section as one sentence of slots: only code writes numbers."""
    values = _by_role(slots, "value")
    if not values:
        return ""
    return lead + "；".join(indicator_clause(slots, v) for v in values) + "。"


def _plain_label(label: str) -> str:
    """Drop the 口径 note in brackets from a label for use inside a sentence."""
    return label.split("（")[0] if "（" in label and not label.startswith("（") else label


def target_item(target: Slot) -> str:
    """“申报市级以上科技项目{T3}”, “技术合同成交额实现{T4}” — a plan target as a list
    item with its verb (see named_with_verb) and value slot."""
    name = target.name or _plain_label(target.label.split(" ", 1)[-1])
    return f"{named_with_verb(name, target)}{target.ref}"


def fallback_template(task: SectionTask, bureau: str) -> str:
    """A factual paragraph with slots for every required figure of the section."""
    slots = task.slots
    if task.container:
        return ""
    if task.work_area is not None:
        facts = _by_role(slots, "fact")
        name = strip_marker(task.heading)
        text = f"围绕{name}，我们认真谋划、扎实推进，各项工作取得积极成效。"
        text += results_sentence(slots)
        if facts:
            text += "主要做法：" + enumerate_slots(facts)
        return text
    kind = task.id
    if kind == "opening":
        return (
            f"{{YEAR}}年，{bureau}坚持以创新驱动发展为引领，聚焦科技创新重点任务，"
            "统筹推进各项科技工作，取得积极成效。"
        ) + results_sentence(slots)
    if kind == "problems":
        problems = _by_role(slots, "problem")
        if not problems:
            return "对照高质量发展的要求，科技创新工作仍存在一些差距和不足，需要在今后工作中认真加以解决。"
        return "在肯定成绩的同时，我们也清醒地看到，工作中还存在一些问题和不足：" + enumerate_slots(
            problems
        )
    if kind == "plan_targets":
        targets = _by_role(slots, "plan_target")
        if not targets:
            return "{NEXT_YEAR}年，我们将紧扣年度目标任务，确保各项指标稳中有进。"
        items = [target_item(t) for t in targets]
        return "{NEXT_YEAR}年主要目标是：" + "；".join(items) + "。"
    if kind == "plan_priorities":
        priorities = _by_role(slots, "priority")
        if not priorities:
            return "围绕年度目标，我们将进一步细化措施、压实责任，推动各项工作落地见效。"
        return "重点抓好以下工作：" + enumerate_slots(priorities)
    if kind == "closing":
        return (
            "新的一年，我们将在上级党委、政府的坚强领导下，坚定信心、真抓实干，"
            "奋力推动科技工作再上新台阶。"
        )
    return "本部分工作正在整理中。"
