"""Guided drafting for small local models: the model writes short prose, code places figures.

Measured on the bundled 1.5B model: asked for a whole section with slots, it writes its
own numbers and repeats headings, so nearly every section ends in the code's fallback.
Asked for one small, number-free piece at a time — a lead sentence, a 一是…二是…三是…
passage whose facts carry their numbers as placeholders it copies, one sentence of
elaboration per problem or priority, a closing — it writes good officialese. So each
section is split into such pieces ("parts"); each part is checked on its own, sent back
with the errors a bounded number of times, then replaced by text composed by code; code
assembles the parts with the figure sentences (slots) it writes itself. The assembled
template then goes through the same rendering and verification as any other draft.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

from drafter.drafting.claims import unsupported_claims
from drafter.drafting.compose import (
    enumerate_items,
    fallback_template,
    results_sentence,
    target_item,
)
from drafter.drafting.exemplars import example_blocks
from drafter.drafting.guards import COPY_PROBLEM_MARK, answer_problems
from drafter.drafting.guided_leads import measures_leads_part
from drafter.drafting.guided_parts import Part as Part
from drafter.drafting.guided_parts import PartResult as PartResult
from drafter.drafting.guided_parts import common_problems as common_problems
from drafter.drafting.guided_parts import examples_for as examples_for
from drafter.drafting.guided_parts import (
    instruction_line,
    make_measures_part,
    with_passages,
)
from drafter.drafting.guided_prompts import (
    GUIDED_DIR as GUIDED_DIR,
)
from drafter.drafting.guided_prompts import GuidedPrompts as GuidedPrompts
from drafter.drafting.guided_prompts import MeasuresExample as MeasuresExample
from drafter.drafting.guided_prompts import (
    load_measures_examples as load_measures_examples,
)
from drafter.drafting.guided_text import LIST_MARK_RE as LIST_MARK_RE
from drafter.drafting.guided_text import (  # re-exported: the helpers' public home was here
    ORDINAL_RE as ORDINAL_RE,
)
from drafter.drafting.guided_text import bigrams as bigrams
from drafter.drafting.guided_text import clauses_of as clauses_of
from drafter.drafting.guided_text import contained as contained
from drafter.drafting.guided_text import copied_from as copied_from
from drafter.drafting.guided_text import example_block as example_block
from drafter.drafting.guided_text import insert_results as insert_results
from drafter.drafting.guided_text import leak_problems as leak_problems
from drafter.drafting.guided_text import names_topic as names_topic
from drafter.drafting.guided_text import task_text
from drafter.drafting.guided_text import tidy as tidy
from drafter.drafting.leadership import region_suffix, with_leadership
from drafter.drafting.outline import SectionTask
from drafter.drafting.placement import placement_problems
from drafter.figures import Slot
from drafter.llm.client import TRUNCATED_PROBLEM, complete_with_retries, prompt_hash
from drafter.llm.config import LOCAL_MODEL_NAME
from drafter.llm.errors import LLMFailure
from drafter.text.markers import strip_marker
from drafter.text.slots import find_slots

if TYPE_CHECKING:
    from drafter.drafting.chain import DraftContext

DraftMode = Literal["auto", "slots", "guided"]


# --------------------------------------------------------------------------- helpers


def number_slots(slots: list[Slot], fact: Slot) -> list[Slot]:
    return [s for s in slots if s.role == "fact_number" and s.id.startswith(fact.id + ".")]


def leaders_of(region: str | None) -> str:
    """Whose leadership the closing invokes: 县委、县政府 for a county, and so on."""
    suffix = region_suffix(region)  # one rule with the leadership line's (自治州 → 州委)
    return f"{suffix}委、{suffix}政府" if suffix else "上级党委、政府"


# --------------------------------------------------------------------------- parts per section


def measures_part(
    task: SectionTask, ctx: DraftContext, instruction: str | None, exemplars: tuple[str, ...] = ()
) -> Part:
    data = ctx.table.data_texts()
    facts = [s for s in task.slots if s.role == "fact"]
    topic = strip_marker(task.heading) or task.id
    lines, expected_slots, plain_facts = [], set(), []
    for fact in facts:
        subs = number_slots(task.slots, fact)
        lines.append("- " + ctx.table.sentence_template(fact))
        expected_slots |= {s.id for s in subs}
        if not subs:
            plain_facts.append(fact.text)
    guided = ctx.guided_prompts()
    examples = examples_for(task, guided.measures_examples)
    fixed = [
        guided.example_fixed.render(
            example_topic=example.topic,
            example_facts="\n".join(f"- {f}" for f in example.facts),
            example_output=example.output,
        )
        for example in examples
    ]
    # The bureau's own passage shows its phrasing; the one-shot example, nearest the task,
    # shows the 一是/二是 form with placeholders. Measured with the bundled 1.5B model: the
    # passage alone made it copy the passage or drop the form (8 of 12 sections fell back),
    # with both it keeps the form and writes in the bureau's voice.
    passages = example_blocks(guided, exemplars)
    blocks = with_passages(passages, fixed)
    prompts = [
        guided.measures.render(
            bureau=ctx.figures.bureau,
            topic=topic,
            facts="\n".join(lines) or "（本项无具体事实，请概括写做法）",
            instruction=instruction_line(instruction),
            example=block,
        )
        for block in [*blocks, *(fixed[:1] if passages else [])]
    ]
    plain = prompts.pop() if passages else ""  # the fixed example alone (Part.plain)

    def check(text: str) -> list[str]:
        fact_chars = sum(len(f.text) for f in facts)
        problems = common_problems(
            text, expected_slots, min_len=30, max_len=200 + 3 * fact_chars, data_texts=data
        )
        problems += placement_problems(text, ctx.table)
        missing = sorted(expected_slots - set(find_slots(text)))
        if missing:
            where = "；".join(
                line[2:] for line in lines if any("{" + m + "}" in line for m in missing)
            )
            problems.append(
                "漏抄了占位符："
                + "、".join("{" + m + "}" for m in missing)
                + f"。请按原句写出，占位符留在原处：{where}。"
            )
        if len(facts) >= 2 and not ("一是" in text and "二是" in text):
            problems.append("没有用“一是……；二是……”逐条写做法。")
        for fact in plain_facts:
            if contained(fact, text) < 0.4:
                problems.append(f"漏写了这项工作事实：{fact}。")
        return problems

    return make_measures_part(
        task.id,
        topic,
        facts,
        prompts,
        check,
        exemplars=exemplars,
        examples=examples,
        own=topic + "".join(lines),
        plain=plain,
        frames=ctx.frames,
    )


def opening_part(
    task: SectionTask, ctx: DraftContext, instruction: str | None, exemplars: tuple[str, ...] = ()
) -> Part:
    data = ctx.table.data_texts()
    areas = "、".join(s.name for s in ctx.figures.sections) or "各项科技工作"
    prompts = [
        ctx.guided_prompts().opening.render(
            bureau=ctx.figures.bureau,
            areas=areas,
            instruction=instruction_line(instruction),
            example=block,
        )
        for block in with_plain(example_blocks(ctx.guided_prompts(), exemplars))
    ]

    def check(text: str) -> list[str]:
        problems = common_problems(text, set(), min_len=30, max_len=220, data_texts=data)
        if ORDINAL_RE.search(text):
            problems.append("开头段不要写“一是二是”，只写总体情况。")
        return problems

    fallback = (
        f"{ctx.figures.bureau}坚持以创新驱动发展为引领，聚焦科技创新重点任务，"
        "统筹推进各项科技工作，取得积极成效。"
    )
    own = areas + (ctx.leadership_line() or "")  # the bureau's line may be written: not a copy
    return _with_exemplars(Part("lead", prompts[0], check, fallback), prompts, exemplars, own)


def with_plain(blocks: list[str]) -> list[str]:
    """The example blocks, then "" for the question without passages (Part.plain)."""
    return [*blocks, ""] if blocks else [""]


def _with_exemplars(part: Part, prompts: list[str], exemplars: tuple[str, ...], own: str) -> Part:
    """``prompts`` as made over with_plain(blocks): with passages, the last is the plain one."""
    plain = prompts[-1] if exemplars and len(prompts) > 1 else ""
    asked = prompts[:-1] if plain else prompts
    return dataclasses.replace(
        part,
        prompt=asked[0],
        alternatives=tuple(asked[1:]),
        exemplars=exemplars,
        own=own,
        plain=plain,
    )


@dataclass(frozen=True)
class ElaborationKind:
    """How one item of a list section is elaborated, with a one-shot example."""

    what: str
    add: str
    example_item: str
    example_add: str


PROBLEM_ELABORATION = ElaborationKind(
    "存在的问题",
    "具体表现或原因",
    "基层科普设施建设相对滞后",
    "部分乡镇科普场所功能单一、更新不及时，难以满足群众日益增长的科普需求",
)
PRIORITY_ELABORATION = ElaborationKind(
    "下一年重点工作",
    "具体措施",
    "深化科技金融融合",
    "推动银行机构开发更多科技信贷产品，完善风险补偿机制，引导金融资源向科技企业集聚",
)


def extract_addition(raw: str, item: str, labels: tuple[str, ...]) -> str:
    """The new sentence in an elaboration: the small model often echoes labels and the item.

    Echoed labels ("具体措施：") and clauses copied from the item are dropped; what is
    left is the model's own addition (possibly nothing, which the check then reports).
    """
    text = raw.replace(item, "")
    for label in labels:
        text = re.sub(rf"{re.escape(label)}\s*[：:]\s*", "\n", text)
    # "ITEM：addition" leaves a bare "：" once the item is cut out: no clause starts with one.
    clauses = [
        LIST_MARK_RE.sub("", c.strip()).strip("：:，,、") for c in re.split(r"[。；;\n]+", text)
    ]
    kept = [c for c in clauses if c and contained(c, item) <= 0.6 and not re.search(r"[【】]", c)]
    return tidy("，".join(kept).strip("，"))


def elaborate_part(
    item: Slot,
    kind: ElaborationKind,
    ctx: DraftContext,
    instruction: str | None,
    exemplars: tuple[str, ...] = (),
) -> Part:
    data = ctx.table.data_texts()
    prompts = [
        ctx.guided_prompts().elaborate.render(
            bureau=ctx.figures.bureau,
            what=kind.what,
            item=item.text,
            add=kind.add,
            example_item=kind.example_item,
            example_add=kind.example_add,
            instruction=instruction_line(instruction),
            example=block,
        )
        for block in with_plain(example_blocks(ctx.guided_prompts(), exemplars))
    ]
    labels = (kind.what, kind.add, "问题", "存在的问题", "重点工作", "具体措施", "补充", "输出")

    def check(text: str) -> list[str]:
        if not text:
            return ["只重复了原句，没有写新内容。请另写一句原句没有说到的内容。"]
        problems = common_problems(text, set(), min_len=10, max_len=90, data_texts=data)
        problems += unsupported_claims(text, data)  # 严重/导致… only where the data says so
        if contained(item.text, text) > 0.6:
            problems.append("重复了原句，请写原句没有说到的新内容。")
        if ORDINAL_RE.search(text):
            problems.append("只写一句，不要写“一是二是”。")
        return problems

    part = Part(
        f"elaborate:{item.id}",
        prompts[0],
        check,
        "",
        optional=True,
        clean=lambda raw: extract_addition(raw, item.text, labels),
    )
    return _with_exemplars(part, prompts, exemplars, item.text)


def targets_lead_part(
    ctx: DraftContext, instruction: str | None, exemplars: tuple[str, ...] = ()
) -> Part:
    data = ctx.table.data_texts()
    prompts = [
        ctx.guided_prompts().targets_lead.render(
            bureau=ctx.figures.bureau, instruction=instruction_line(instruction), example=block
        )
        for block in with_plain(example_blocks(ctx.guided_prompts(), exemplars))
    ]

    def check(text: str) -> list[str]:
        return common_problems(text, set(), min_len=12, max_len=100, data_texts=data)

    def clean(raw: str) -> str:
        """The model goes on to invent targets after the lead; the real ones come from code."""
        text = tidy(raw)
        cut = text.find("目标是")
        return text[: cut + 3] + "：" if cut >= 0 else text

    part = Part(
        "lead", prompts[0], check, "我局将紧扣高质量发展要求，主要预期目标是：", clean=clean
    )
    return _with_exemplars(part, prompts, exemplars, "")


def closing_part(
    ctx: DraftContext, instruction: str | None, exemplars: tuple[str, ...] = ()
) -> Part:
    data = ctx.table.data_texts()
    # the bureau's own leadership line (drafting.leadership), else the region's level
    leaders = ctx.leadership_line() or f"在{leaders_of(ctx.figures.region)}的坚强领导下"
    prompts = [
        ctx.guided_prompts().closing.render(
            bureau=ctx.figures.bureau,
            leaders=leaders,
            instruction=instruction_line(instruction),
            example=block,
        )
        for block in with_plain(example_blocks(ctx.guided_prompts(), exemplars))
    ]

    def check(text: str) -> list[str]:
        return common_problems(text, set(), min_len=20, max_len=160, data_texts=data)

    fallback = f"新的一年，我们将{leaders}，坚定信心、真抓实干，奋力推动科技创新工作再上新台阶。"
    return _with_exemplars(
        Part("closing", prompts[0], check, fallback), prompts, exemplars, leaders
    )


# --------------------------------------------------------------------------- running parts


def run_part(
    part: Part, ctx: DraftContext, on_retry: Callable[[int, LLMFailure, float], None]
) -> PartResult:
    """Ask, check, send the problems back (bounded), then fall back to code's text."""
    system = SystemMessage(content=ctx.guided_prompts().system.render(bureau=ctx.figures.bureau))
    history: list[str] = []
    note = ""
    first_hash = ""
    last: list[str] = []
    for attempt in range(1, ctx.max_reprompts + 2):
        # A fresh question with the errors attached, not a longer conversation: measured,
        # the 1.5B model repeats its own bad answer when it is shown it again.
        prompt = part.prompt_for(attempt)
        if attempt == ctx.max_reprompts + 1 and part.plain and copied_before(history):
            # The last ask without the passages it kept copying — and without the copy
            # problems, which quote the copied words (measured: it then wrote them again).
            prompt = part.plain
            note = retry_note(ctx, [p for p in last if COPY_PROBLEM_MARK not in p])
        messages: list[BaseMessage] = [system, HumanMessage(content=with_note(prompt, note))]
        if attempt == 1:
            first_hash = prompt_hash(messages)
        answer = complete_with_retries(
            ctx.model, messages, max_retries=ctx.max_retries, backoff=ctx.backoff, on_retry=on_retry
        )
        text, problems = (
            part.parse(answer.text) if part.parse is not None else (part.clean(answer.text), [])
        )
        if not problems:  # a malformed answer is sent back for its form alone
            frame = part.frame_for(attempt)
            problems = [*leak_problems(text, prompt, frame, part.topic), *part.check(text)]
            own = part.own + task_text(prompt)
            problems += answer_problems(text, part.exemplars, own, note, ctx.store_stock())
        if not problems and part.claim is not None:
            problems = part.claim(text)  # the repetition guard, claimed only when all else passes
        if answer.truncated:  # cut off mid-sentence: never into the draft as if complete
            problems.insert(0, TRUNCATED_PROBLEM)
        if not problems:
            return PartResult(text, True, attempt, history, part.optional, first_hash)
        history.extend(f"{part.name} 第{attempt}稿：{p}" for p in problems)
        last = problems
        note = retry_note(ctx, problems)
    return PartResult(
        part.fallback, False, ctx.max_reprompts + 1, history, part.optional, first_hash
    )


def retry_note(ctx: DraftContext, problems: list[str]) -> str:
    """The problems of the last answer, as the note the next question carries."""
    if not problems:
        return ""
    return "\n\n" + ctx.guided_prompts().retry.render(
        errors="\n".join(f"{i}. {p}" for i, p in enumerate(problems, 1))
    )


def copied_before(history: list[str]) -> bool:
    return any(COPY_PROBLEM_MARK in h for h in history)


def with_note(prompt: str, note: str) -> str:
    """The retry note goes before the task block, so that the question still ends with
    "输出：": measured, a 1.5B model shown the note after it answers in the note's
    【…】 block format instead of writing the passage."""
    if not note:
        return prompt
    at = prompt.rfind("【任务】")
    if at < 0:
        at = prompt.rfind("输出：")
    if at < 0:
        return prompt + note
    return prompt[:at] + note.strip() + "\n\n" + prompt[at:]


def supports(task: SectionTask) -> bool:
    """Sections guided drafting knows how to split; others use the whole-section prompt."""
    return task.work_area is not None or task.id in {
        "opening",
        "problems",
        "plan_targets",
        "plan_priorities",
        "closing",
    }


@dataclass
class GuidedDraft:
    template: str
    parts: dict[str, PartResult]

    @property
    def fell_back(self) -> list[str]:
        """Required parts written by code (optional elaborations left out do not count)."""
        return [n for n, r in self.parts.items() if not r.from_model and not r.optional]

    @property
    def prompt_hash(self) -> str:
        """One digest over the first question of every piece, in the order they were asked."""
        joined = "\x00".join(r.prompt_hash for r in self.parts.values())
        return hashlib.sha256(joined.encode("utf-8")).hexdigest()[:16]

    @property
    def attempts(self) -> int:
        return max((r.attempts for r in self.parts.values()), default=1)

    @property
    def history(self) -> list[str]:
        return [h for r in self.parts.values() for h in r.problems]


def _enumerated_with_elaborations(items: list[Slot], elaborations: dict[str, PartResult]) -> str:
    pieces = []
    for item in items:
        extra = elaborations.get(item.id)
        text = item.ref
        if extra is not None and extra.from_model:
            text += "，" + extra.text.rstrip("。；")
        pieces.append(text)
    return enumerate_items(pieces)


def draft_guided(
    task: SectionTask,
    ctx: DraftContext,
    instruction: str | None,
    on_retry: Callable[[int, LLMFailure, float], None],
    exemplars: tuple[str, ...] = (),
) -> GuidedDraft:
    """Run the section's parts in order and assemble the slot template.

    ``exemplars`` are the retrieved passages (numbers masked) shown as the example for
    structure and phrasing (drafter.drafting.exemplars); without them the fixed examples.
    """
    results: dict[str, PartResult] = {}

    def run(part: Part) -> PartResult:
        results[part.name] = run_part(part, ctx, on_retry)
        return results[part.name]

    if task.work_area is not None:
        has_facts = any(s.role == "fact" for s in task.slots)
        # nothing to lead without facts: the passage design's one paragraph is the task
        leads = ctx.measures_design == "leads" and has_facts
        design = measures_leads_part if leads else measures_part
        measures = run(design(task, ctx, instruction, exemplars)).text
        return GuidedDraft(insert_results(measures, results_sentence(task.slots)), results)
    if task.id == "opening":
        lead = run(opening_part(task, ctx, instruction, exemplars)).text
        lead = re.sub(r"^(\{YEAR\}年|今年|本年度|全年)[，,]?", "", lead)
        lead = with_leadership(lead, ctx.leadership_line())
        return GuidedDraft("{YEAR}年，" + lead + results_sentence(task.slots), results)
    if task.id in ("problems", "plan_priorities"):
        role = "problem" if task.id == "problems" else "priority"
        items = [s for s in task.slots if s.role == role]
        if role == "problem":
            kind = PROBLEM_ELABORATION
            lead = (  # the bureau's own formula when its summaries give one
                ctx.problems_lead()
                or "在肯定成绩的同时，我们也清醒地看到，工作中还存在一些问题和不足："
            )
        else:
            kind = PRIORITY_ELABORATION
            lead = "围绕上述目标，重点抓好以下工作："
        if not items:
            return GuidedDraft(fallback_template(task, ctx.figures.bureau), results)
        elaborations = {
            item.id: run(elaborate_part(item, kind, ctx, instruction, exemplars)) for item in items
        }
        return GuidedDraft(lead + _enumerated_with_elaborations(items, elaborations), results)
    if task.id == "plan_targets":
        targets = [s for s in task.slots if s.role == "plan_target"]
        if not targets:
            return GuidedDraft(fallback_template(task, ctx.figures.bureau), results)
        lead = run(targets_lead_part(ctx, instruction, exemplars)).text.rstrip("。；，")
        if not lead.endswith(("：", ":")):
            lead += "，主要预期目标是："
        listed = [target_item(t) for t in targets]
        return GuidedDraft("{NEXT_YEAR}年，" + lead + "；".join(listed) + "。", results)
    if task.id == "closing":
        return GuidedDraft(run(closing_part(ctx, instruction, exemplars)).text, results)
    raise ValueError(f"guided drafting does not handle section {task.id}")


def resolve_mode(setting: str, model: str) -> Literal["slots", "guided"]:
    """'auto' means guided for the bundled small model (however it is reached), slots otherwise."""
    if setting == "guided" or (setting == "auto" and model == LOCAL_MODEL_NAME):
        return "guided"
    return "slots"
