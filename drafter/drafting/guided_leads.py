"""Lead-only measures: the model writes only words, code writes every fact.

Measured with the bundled 1.5B model (README, "引导式起草"): nearly every fallback of a
work-area section came from the model miscopying placeholders when a fact holds two or
more numbers ({K7.1} written as {K1.1}, one dropped). Real bureaus' facts often hold
several numbers. So in this design the model writes three things it does well and that
hold no number: a summary sentence, a 4–8-character lead per item (明确培育对象) and a
result sentence. Code joins each lead with its facts verbatim ("一是明确培育对象，{K1}；"),
so a fact and its numbers can neither be miscopied nor moved to another fact.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from drafter.drafting.compose import ORDINAL_WORDS
from drafter.drafting.exemplars import example_blocks
from drafter.drafting.grouping import group_facts, join_group
from drafter.drafting.guided_parts import (
    Part,
    common_problems,
    examples_for,
    instruction_line,
    make_measures_part,
    with_passages,
)
from drafter.drafting.guided_prompts import GuidedPrompts, MeasuresExample
from drafter.drafting.guided_text import ORDINAL_RE, contained
from drafter.drafting.outline import SectionTask
from drafter.drafting.placement import placement_problems
from drafter.figures import Slot, SlotTable
from drafter.text.markers import strip_marker
from drafter.text.sentences import first_sentence
from drafter.text.slots import SLOT_RE
from drafter.text.violations import find_violations

if TYPE_CHECKING:
    from drafter.drafting.chain import DraftContext

MAX_ITEMS = 5  # 公文 lists one area's measures as at most 一是…五是
LEAD_MIN, LEAD_MAX = 3, 12  # characters; the prompt asks for 4–8
SUMMARY_MIN, SUMMARY_MAX = 12, 90
RESULT_MIN, RESULT_MAX = 6, 60

_SUMMARY_LABEL_RE = re.compile(r"^(?:概括|总体概括|总述|开头|概述)\s*[：:]\s*")
_RESULT_LABEL_RE = re.compile(r"^(?:成效|效果|成果|结尾|成效句)\s*[：:]\s*")
_LEADS_LABEL_RE = re.compile(r"^(?:小标题|标题)\s*[：:]\s*")
# "1." "1、" "（1）" "一、" "一是" at the start of a lead line, or inside one line of leads
_ITEM_MARK = r"(?:[（(]?\d{1,2}[)）.．、]|[（(]?[一二三四五六七八九十]{1,2}[)）、]|[一二三四五六七八九十]{1,2}是)"
_ITEM_MARK_RE = re.compile(rf"^\s*{_ITEM_MARK}\s*")
_INNER_MARK_RE = re.compile(rf"\s+{_ITEM_MARK}\s*|[；;]\s*(?={_ITEM_MARK})")
_LEAD_TRIM = "。；;，,、：:“”\"'「」《》 "


@dataclass(frozen=True)
class LeadsAnswer:
    """What the model wrote, parsed: the summary, one lead per item, the result sentence."""

    summary: str = ""
    leads: tuple[str, ...] = ()
    result: str = ""


@dataclass(frozen=True)
class Item:
    """One 一是…五是 item: the facts it joins (slots) and their text without numbers."""

    facts: tuple[Slot, ...]
    masked: str  # shown to the model: numbers as X

    @property
    def refs(self) -> str:
        """The facts as slot references, joined as one item (drafter.drafting.grouping)."""
        return join_group([f.ref for f in self.facts])


def _clean_line(line: str) -> str:
    return line.replace("**", "").replace("#", "").strip()


def parse_leads(raw: str) -> LeadsAnswer:
    """Read the model's three blocks, tolerating the small model's habits: missing labels,
    leads on one line, a lead followed by a copy of its fact."""
    summary, result = "", ""
    leads: list[str] = []
    for line in (_clean_line(ln) for ln in raw.splitlines()):
        if not line:
            continue
        if _SUMMARY_LABEL_RE.match(line):
            summary = _SUMMARY_LABEL_RE.sub("", line)
            continue
        if _RESULT_LABEL_RE.match(line):
            result = _RESULT_LABEL_RE.sub("", line)
            continue
        label = bool(_LEADS_LABEL_RE.match(line))
        line = _LEADS_LABEL_RE.sub("", line)
        if label or _ITEM_MARK_RE.match(line):
            pieces = _INNER_MARK_RE.split(_ITEM_MARK_RE.sub("", line))
            if label and len(pieces) == 1:
                pieces = re.split(r"[、；;]", pieces[0])
            leads += [lead for lead in (clean_lead(p) for p in pieces) if lead]
        elif not summary and not leads:
            summary = line
        elif leads and not result:
            result = line
    return LeadsAnswer(_first_sentence(_sentence(summary)), tuple(leads), _sentence(result))


def clean_lead(text: str) -> str:
    """The lead alone: its first clause, without quotes or closing punctuation."""
    first = re.split(r"[，,。；;：:]", text.strip(_LEAD_TRIM), maxsplit=1)[0]
    return first.strip(_LEAD_TRIM)


def _sentence(text: str) -> str:
    text = re.sub(r"[ \t\u3000]+", "", text).strip('“”"')
    if text and text[-1] not in "。！？":
        text = text.rstrip("；;，,、：:") + "。"
    return text


def _first_sentence(text: str) -> str:
    """A summary of several sentences keeps its first when that alone fits: the small model
    often runs on into the items; the rest is not used (the leads and facts follow)."""
    if len(text) <= SUMMARY_MAX:
        return text
    first = first_sentence(text)
    return first if first and len(first) >= SUMMARY_MIN else text


def masked_fact(table: SlotTable, fact: Slot) -> str:
    """The fact as the model sees it: every number written as X."""
    return SLOT_RE.sub("X", table.sentence_template(fact))


def group_items(facts: Sequence[Slot], table: SlotTable) -> list[Item]:
    """At most MAX_ITEMS items; more facts are grouped (drafter.drafting.grouping)."""
    groups = group_facts([f.text for f in facts], max_groups=MAX_ITEMS)
    items = []
    for group in groups:
        members = tuple(facts[i] for i in group)
        items.append(Item(members, "；".join(masked_fact(table, f) for f in members)))
    return items


def echoes_fact(lead: str, item: Item) -> bool:
    """A "lead" that is the fact's own words adds nothing: the small model often copies the
    fact's opening clause ("逐一梳理在研项目资金拨付进度"); the item then goes without one."""
    bare = lead.replace("X", "")
    return len(bare) >= LEAD_MIN and contained(bare, item.masked) >= 0.75


def answer_problems_of(
    answer: LeadsAnswer, items: Sequence[Item], taken: Sequence[str]
) -> list[str]:
    """Rule breaks in a parsed answer, as sentences the model can act on.

    ``taken``: leads of the one-shot example, which must not be reused.
    """
    count = len(items)
    problems: list[str] = []
    if not answer.summary:
        problems.append("缺少“概括：”一句，请先写一句总体概括。")
    elif not SUMMARY_MIN <= len(answer.summary) <= SUMMARY_MAX:
        problems.append(
            f"概括句长度{len(answer.summary)}字，应在{SUMMARY_MIN}到{SUMMARY_MAX}字之间。"
        )
    elif ORDINAL_RE.search(answer.summary):
        problems.append("概括句不要写“一是二是”，只写总体思路。")
    problems += [v.message for v in find_violations(answer.summary, known_slots=set())]
    if len(answer.leads) != count:
        problems.append(
            f"小标题应为{count}条（每条工作事实一个），实际{len(answer.leads)}条；"
            "请按编号逐行只写小标题。"
        )
    for index, lead in enumerate(answer.leads, start=1):
        if index <= len(items) and echoes_fact(lead, items[index - 1]):
            continue  # the fact's own opening words: the item is written without a lead
        if "X" in lead or "x" in lead:
            problems.append(f"第{index}条小标题“{lead}”含有X：小标题只概括做法，不写数量。")
        elif not LEAD_MIN <= len(lead) <= LEAD_MAX:
            problems.append(f"第{index}条小标题“{lead}”应为四到八个字。")
        problems += [
            f"第{index}条小标题：{v.message}" for v in find_violations(lead, known_slots=set())
        ]
        if lead in taken:
            problems.append(f"第{index}条小标题“{lead}”照抄了示例，要概括本单位这一条事实。")
    if len(set(answer.leads)) < len(answer.leads):
        problems.append("小标题有重复，每条要概括各自的事实。")
    return problems


def usable_result(answer: LeadsAnswer) -> str:
    """The result sentence if it keeps the rules; else none (it is optional: code leaves
    it out rather than write one)."""
    text = answer.result
    if not RESULT_MIN <= len(text) <= RESULT_MAX or ORDINAL_RE.search(text):
        return ""
    if find_violations(text, known_slots=set()):
        return ""
    return text


def assemble(answer: LeadsAnswer, items: Sequence[Item]) -> str:
    """summary + 一是{lead}，{facts}；二是… + result: the facts verbatim, as slots."""
    parts = []
    for index, (lead, item) in enumerate(zip(answer.leads, items, strict=True)):
        ordinal = ORDINAL_WORDS[index] if len(items) > 1 else ""
        head = "" if echoes_fact(lead, item) else f"{lead}，"
        parts.append(f"{ordinal}{head}{item.refs.rstrip('。；')}")
    # an item of several facts already holds "；": items are then sentences of their own
    grouped = any(len(item.facts) > 1 for item in items)
    body = "。".join(parts) + "。" if grouped else "；".join(parts) + "。"
    return answer.summary + body + usable_result(answer)


def example_block(prompts: GuidedPrompts, example: MeasuresExample) -> str:
    """A fixed example rendered in the leads format (facts masked, leads cut from its items)."""
    facts = "\n".join(
        f"{i}. {SLOT_RE.sub('X', fact)}" for i, fact in enumerate(example.facts, start=1)
    )
    sentences = example.frame_sentences
    output = "\n".join(
        [
            f"概括：{sentences[0]}。" if sentences else "概括：",
            *(f"{i}. {lead}" for i, lead in enumerate(example.leads, start=1)),
            f"成效：{sentences[-1]}。" if len(sentences) > 1 else "",
        ]
    ).strip()
    return prompts.example_leads.render(
        example_topic=example.topic, example_facts=facts, example_output=output
    )


def leads_prompts(
    ctx: DraftContext,
    items: Sequence[Item],
    topic: str,
    instruction_line: str,
    examples: Sequence[MeasuresExample],
    exemplars: tuple[str, ...],
) -> list[str]:
    """One prompt per attempt: the bureau's passage (its voice) then the fixed example
    (the format), as the passage design does."""
    guided = ctx.guided_prompts()
    fixed = [example_block(guided, e) for e in examples]
    passages = example_blocks(guided, exemplars)
    blocks = with_passages(passages, fixed)
    facts = "\n".join(f"{i}. {item.masked}" for i, item in enumerate(items, start=1))
    return [
        guided.measures_leads.render(
            bureau=ctx.figures.bureau,
            topic=topic,
            facts=facts,
            count=str(len(items)),
            instruction=instruction_line,
            example=block,
        )
        for block in blocks
    ]


def measures_leads_part(
    task: SectionTask, ctx: DraftContext, instruction: str | None, exemplars: tuple[str, ...] = ()
) -> Part:
    """The work area's measures in the lead-only design (see the module docstring)."""
    facts = [s for s in task.slots if s.role == "fact"]
    topic = strip_marker(task.heading) or task.id
    items = group_items(facts, ctx.table)
    examples = examples_for(task, ctx.guided_prompts().measures_examples)
    prompts = leads_prompts(ctx, items, topic, instruction_line(instruction), examples, exemplars)
    plain = (
        leads_prompts(ctx, items, topic, instruction_line(instruction), examples, ())[0]
        if exemplars
        else ""
    )
    taken = {lead for e in examples for lead in e.leads}
    data = ctx.table.data_texts()
    own = topic + "".join(item.masked for item in items)

    def parse(raw: str) -> tuple[str, list[str]]:
        answer = parse_leads(raw)
        problems = answer_problems_of(answer, items, sorted(taken))
        return (assemble(answer, items) if not problems else raw.strip()), problems

    def check(text: str) -> list[str]:
        slots = {f.id for f in facts}
        problems = common_problems(text, slots, min_len=20, max_len=100_000, data_texts=data)
        return problems + placement_problems(text, ctx.table)

    return make_measures_part(
        task.id,
        topic,
        facts,
        prompts,
        check,
        exemplars=exemplars,
        examples=examples,
        own=own,
        plain=plain,
        frames=ctx.frames,
        parse=parse,
    )
