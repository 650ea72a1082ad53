"""The drafting chain: one section at a time, numbers locked to the figures.

For each section: retrieve exemplars of the same kind (numbers masked) → prompt with the
slot table → chat model → check the slot template (no number outside a slot, no unknown
slot, every required slot used) → on a violation, send the errors back (bounded) → else
fall back to a paragraph composed by code. Only code renders slots into numbers.
"""

from __future__ import annotations

import dataclasses
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

from drafter.drafting.claims import section_claims
from drafter.drafting.compose import fallback_template
from drafter.drafting.exemplars import guided_exemplars
from drafter.drafting.formulas import retrieve_problems_lead
from drafter.drafting.guards import FrameRegistry
from drafter.drafting.guided import GuidedPrompts, draft_guided, supports
from drafter.drafting.leadership import retrieve_line
from drafter.drafting.outline import SectionTask
from drafter.drafting.placement import placement_problems
from drafter.drafting.prompts import PromptSet
from drafter.drafting.records import Exemplar, Verification, Version
from drafter.errors import DrafterError
from drafter.figures import FiguresFile, SlotTable, UnknownSlotError
from drafter.figures.attribution import misattributions
from drafter.figures.check import check_text
from drafter.lint.drafting import lint_problems
from drafter.llm.client import TRUNCATED_PROBLEM, ChatModel, complete_with_retries, prompt_hash
from drafter.llm.errors import LLMError, LLMFailure
from drafter.models import SearchHit
from drafter.text.markers import strip_marker
from drafter.text.scanner import find_numbers
from drafter.text.slots import SLOT_LIKE_RE, SLOT_RE, normalize_slots

if TYPE_CHECKING:
    # langchain-core's runnables pull in its tracing stack (about half a second): imported
    # only where a run drafts several sections concurrently.
    from langchain_core.runnables import RunnableLambda
from drafter.text.structural import is_structural
from drafter.text.violations import find_violations

Retriever = Callable[[str, str, int], list[SearchHit]]
RetryNotice = Callable[[SectionTask, int, LLMFailure, float], None]


# Rules a fallback note can name (see fallback_note).
RULE_NUMBERS = "数字规则"
RULE_ECHO = "不得复述提示词"
RULE_COMPLETE = "输出完整"
RULE_CLAIMS = "只写数据支持的内容"


def fallback_note(broken: set[str]) -> str:
    """Name the rules the model kept breaking, so the reviewer knows why code wrote it."""
    order = [RULE_NUMBERS, RULE_CLAIMS, RULE_ECHO, RULE_COMPLETE]
    rules = "、".join(r for r in order if r in broken) or "写作规则"
    return f"模型多次违反{rules}，本节改用程序按数据生成的段落，请人工润色。"


#: A once-per-run lookup in the store: (retriever, bureau, region) to the text found.
StoreLookup = Callable[[Retriever, str, str | None], str | None]


@dataclass
class DraftContext:
    """What every section of one run shares; the chat model is passed in, never global."""

    figures: FiguresFile
    table: SlotTable
    prompts: PromptSet
    model: ChatModel
    model_name: str  # "provider/model" for the record, never a key
    retriever: Retriever | None = None
    exemplar_k: int = 3
    max_reprompts: int = 2
    max_retries: int = 3
    backoff: float = 1.0
    on_retry: RetryNotice | None = None
    allowed_years: set[int] = field(default_factory=set)
    # "guided": small local models write short number-free pieces (drafter.drafting.guided);
    # "slots": the model writes the whole section with slots.
    mode: str = "slots"
    # guided work areas: "leads" (the model writes leads, code the facts) or "passage"
    # (the model copies each fact with its placeholders); see drafter.drafting.guided_leads
    measures_design: str = "leads"
    # lead and closing frames used so far in this run (guided drafting's repetition guard)
    frames: FrameRegistry = field(default_factory=FrameRegistry)
    # the stock phrases of the user's store (drafter.corpus.stock), asked for once
    stock_supplier: Callable[[], frozenset[str]] | None = None
    _guided: GuidedPrompts | None = field(default=None, init=False, repr=False)
    # what the run looks up once (store_stock, problems_lead, leadership_line), by name
    _once: dict[str, Any] = field(default_factory=dict, init=False, repr=False)
    _once_lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def guided_prompts(self) -> GuidedPrompts:
        if self._guided is None:
            self._guided = GuidedPrompts.load()
        return self._guided

    def _looked_up(self, name: str, compute: Callable[[], Any]) -> Any:
        """``compute()`` once per run (sections may be drafted concurrently)."""
        with self._once_lock:
            if name not in self._once:
                self._once[name] = compute()
            return self._once[name]

    def store_stock(self) -> frozenset[str]:
        """Stock phrases mined from the store (empty without one): the copy guard allows
        them, as it allows the committed ones."""
        supplier = self.stock_supplier
        if supplier is None:
            return frozenset()
        stock: frozenset[str] = self._looked_up("stock", supplier)
        return stock

    def problems_lead(self) -> str | None:
        """The bureau's own sentence introducing its problems (drafting.formulas), looked
        up once per run; None without a store or when its summaries have none."""
        return self._from_store("problems_lead", retrieve_problems_lead)

    def leadership_line(self) -> str | None:
        """The bureau's leadership line from its past summaries (drafting.leadership),
        looked up once per run; None without a store or when none is found."""
        return self._from_store("leadership", retrieve_line)

    def _from_store(self, name: str, retrieve: StoreLookup) -> str | None:
        retriever = self.retriever
        if retriever is None:
            return None
        found: str | None = self._looked_up(
            name, lambda: retrieve(retriever, self.figures.bureau, self.figures.region)
        )
        return found


@dataclass
class SectionRequest:
    task: SectionTask
    instruction: str | None = None


def normalise_template(text: str) -> str:
    """Tidy model output: drop Markdown, a repeated heading, and normalise slot braces."""
    lines = [ln.strip() for ln in text.strip().splitlines()]
    lines = [re.sub(r"^(#+|\*+|-|•)\s*", "", ln).replace("**", "") for ln in lines if ln]
    body = "\n".join(lines)
    return normalize_slots(body)


def strip_heading(text: str, heading: str) -> str:
    """Models often repeat the section heading as a first line; it is not body text."""
    if not heading:
        return text
    first, _, rest = text.partition("\n")
    bare = strip_marker(heading)
    if first.strip() in (heading, bare) or (
        len(first) <= len(heading) + 2 and bare and bare in first
    ):
        return rest.strip()
    return text


def template_problems(template: str, task: SectionTask, table: SlotTable) -> list[str]:
    """Every way a slot template breaks the rules, as Chinese sentences for the model."""
    problems: list[str] = [
        v.message for v in find_violations(template, data_texts=table.data_texts())
    ]
    problems += lint_problems(template)  # 公文 conventions (drafter lint) in the model's text
    used = {m.group(0) for m in SLOT_RE.finditer(template)}
    offered = {s.ref for s in task.slots}
    unknown = sorted(u for u in used if u not in offered)
    if unknown:
        problems.append(
            f"使用了本节清单中没有的槽位：{'、'.join(unknown)}，只能使用本节清单中的槽位。"
        )
    missing = [r for r in task.required if r not in used]
    if missing:
        problems.append(f"漏掉了必须使用的槽位：{'、'.join(missing)}。")
    if not template.strip():
        problems.append("没有输出正文。")
    problems += placement_problems(template, table)
    return problems


_ECHO_CHARS = 12  # shorter runs of the prompt's wording occur in ordinary officialese


def prompt_echo(template: str, prompts: PromptSet) -> str | None:
    """A run of the prompts' fixed wording found in a draft (a model printing its
    instructions, say because a corpus passage told it to), else None."""
    compact = re.sub(r"\s+", "", template)
    for prompt in (prompts.system, prompts.section, prompts.retry):
        for piece in re.split(r"\$\{?\w+\}?", prompt.body):  # not the variables' values
            for line in piece.splitlines():
                line = re.sub(r"\s+", "", SLOT_RE.sub("", line))
                for i in range(len(line) - _ECHO_CHARS + 1):
                    if line[i : i + _ECHO_CHARS] in compact:
                        return line[i : i + _ECHO_CHARS]
    return None


def mask_numbers(text: str) -> str:
    """Hide every quantity in an exemplar ("15家" → "X家") so the model cannot copy it."""
    out: list[str] = []
    last = 0
    for m in find_numbers(text):
        if m.start < last or is_structural(m, text, dates_structural=False):
            continue
        unit = m.unit or ""
        masked = "X" + (unit if m.raw.endswith(unit) else "")
        out += [text[last : m.start], masked]
        last = m.end
    out.append(text[last:])
    return "".join(out)


# Corpus text is quoted between <<<范文开始>>> and <<<范文结束>>>: runs of angle brackets
# (ASCII or full-width) could end that block early, and {F1}-like text would pass for a slot.
_FENCE_LIKE_RE = re.compile(r"[<＜﹤‹〈《]{2,}|[>＞﹥›〉》]{2,}")


def as_exemplar(text: str) -> str:
    """Corpus text as data: numbers masked, fence markers and slot syntax neutralised."""
    return SLOT_LIKE_RE.sub("X", _FENCE_LIKE_RE.sub("", mask_numbers(text)))


def exemplars_for(task: SectionTask, ctx: DraftContext) -> list[Exemplar]:
    """Same-kind passages from the store, made safe to quote (see as_exemplar)."""
    if ctx.retriever is None or not task.query:
        return []
    hits = ctx.retriever(task.query, str(task.kind), ctx.exemplar_k)
    return [Exemplar.from_hit(h, as_exemplar(h.chunk.text)) for h in hits]


def slot_table_text(task: SectionTask, table: SlotTable) -> str:
    return "\n".join(table.describe(s) for s in task.slots) or "（无）"


def build_messages(
    task: SectionTask, ctx: DraftContext, exemplars: list[Exemplar], instruction: str | None
) -> list[BaseMessage]:
    exemplar_text = (
        "\n\n".join(
            f"【范文{i}】{as_exemplar(e.heading_path)}\n{as_exemplar(e.text)}"
            for i, e in enumerate(exemplars, 1)
        )
        or "（暂无范文）"
    )
    extra = f"【本次修改要求】{instruction}\n" if instruction else ""
    human = ctx.prompts.section.render(
        heading=task.label,
        guidance=task.guidance or "按公文规范写作。",
        slot_table=slot_table_text(task, ctx.table),
        required_slots="、".join(task.required) or "（无）",
        exemplars=exemplar_text,
        instruction=extra,
    )
    system = ctx.prompts.system.render(bureau=ctx.figures.bureau)
    return [SystemMessage(content=system), HumanMessage(content=human)]


def _used_slots(template: str) -> list[str]:
    seen: list[str] = []
    for m in SLOT_RE.finditer(template):
        if m.group(1) not in seen:
            seen.append(m.group(1))
    return seen


def _render_checked(template: str, ctx: DraftContext) -> tuple[str, list[str]]:
    """Render slots, then check the final text's numbers against the figures (belt and braces)."""
    text = ctx.table.render(template)
    flags = check_text(text, ctx.table.allowed_values(), allowed_years=ctx.allowed_years or None)
    wrong = [m.reason for m in misattributions(text, ctx.figures)]
    return text, [f.reason for f in flags] + wrong


def draft_section(request: SectionRequest, ctx: DraftContext) -> Version:
    """Draft one section; always returns a version whose numbers all come from the figures."""
    task = request.task
    now = datetime.now(UTC).isoformat(timespec="seconds")
    if task.container:
        raise ValueError(f"section {task.id} is heading-only and is never drafted")
    guided = ctx.mode == "guided" and supports(task)
    # Guided pieces get short passages, preferring the bureau's own (drafting.exemplars).
    exemplars = guided_exemplars(task, ctx) if guided else exemplars_for(task, ctx)
    history: list[str] = []

    def make_version(
        text: str,
        template: str,
        origin: Literal["model", "fallback", "code"],
        check: Verification,
        sent: str,
    ) -> Version:
        """The same provenance (prompt sent, exemplars, instruction) for either outcome."""
        return Version(
            text=text,
            template=template,
            origin=origin,
            created_at=now,
            model=ctx.model_name,
            prompt_hash=sent,
            instruction=request.instruction,
            exemplars=exemplars if origin != "code" else [],
            figures_used=_used_slots(template),
            verification=check,
        )

    def notice(attempt: int, failure: LLMFailure, delay: float) -> None:
        if ctx.on_retry:
            ctx.on_retry(task, attempt, failure, delay)

    if guided:
        shown = tuple(e.text for e in exemplars)
        return _guided_version(task, ctx, request.instruction, notice, make_version, shown)

    messages = build_messages(task, ctx, exemplars, request.instruction)
    first_hash = prompt_hash(messages)

    broken: set[str] = set()  # which rules the model kept breaking, for the fallback note
    for attempt in range(1, ctx.max_reprompts + 2):
        answer = complete_with_retries(
            ctx.model, messages, max_retries=ctx.max_retries, backoff=ctx.backoff, on_retry=notice
        )
        raw = answer.text
        template = strip_heading(normalise_template(raw), task.heading)
        problems = template_problems(template, task, ctx.table)
        if problems:
            broken.add(RULE_NUMBERS)
        claims = section_claims(template, task.kind, ctx.table.data_texts())
        if claims:  # 严重/导致… the figures file never said (drafting.claims)
            broken.add(RULE_CLAIMS)
            problems += claims
        echoed = prompt_echo(template, ctx.prompts)
        if echoed:
            broken.add(RULE_ECHO)
            problems.append(f"输出了提示词中的说明文字（“{echoed}……”），只输出本节正文。")
        if answer.truncated:  # cut off mid-sentence: never into the draft as if complete
            broken.add(RULE_COMPLETE)
            problems.insert(0, TRUNCATED_PROBLEM)
        if not problems:
            try:
                text, flags = _render_checked(template, ctx)
            except UnknownSlotError as exc:
                flags = [f"未知槽位：{exc}"]
                text = ""
            if not flags:
                return make_version(
                    text,
                    template,
                    "model",
                    Verification(ok=True, attempts=attempt, fallback=False),
                    first_hash,
                )
            broken.add(RULE_NUMBERS)
            problems = flags
        history.extend(f"第{attempt}稿：{p}" for p in problems)
        messages = [
            *messages,
            AIMessage(content=raw),
            HumanMessage(
                content=ctx.prompts.retry.render(
                    errors="\n".join(f"{i}. {p}" for i, p in enumerate(problems, 1)),
                    required_slots="、".join(task.required) or "（无）",
                )
            ),
        ]

    template = fallback_template(task, ctx.figures.bureau)
    text, flags = _render_checked(template, ctx)
    return make_version(
        text,
        template,
        "fallback",
        Verification(
            ok=not flags,
            violations=history,
            attempts=ctx.max_reprompts + 1,
            fallback=True,
            flags=[fallback_note(broken), *flags],
        ),
        first_hash,
    )


def _guided_version(
    task: SectionTask,
    ctx: DraftContext,
    instruction: str | None,
    notice: Callable[[int, LLMFailure, float], None],
    make_version: Callable[
        [str, str, Literal["model", "fallback", "code"], Verification, str], Version
    ],
    exemplars: tuple[str, ...] = (),
) -> Version:
    """Draft piece by piece (drafter.drafting.guided); the assembled template is checked like any other."""
    guided = draft_guided(task, ctx, instruction, notice, exemplars)
    facts = {s.ref for s in task.slots if s.role == "fact"}
    check_task = dataclasses.replace(task, required=[r for r in task.required if r not in facts])
    problems = template_problems(guided.template, check_task, ctx.table)
    template = guided.template
    if problems:  # code assembled it, so this is a bug; never let it through unchecked
        template = fallback_template(task, ctx.figures.bureau)
    text, flags = _render_checked(template, ctx)
    from_model = [n for n, r in guided.parts.items() if r.from_model]
    fell_back = guided.fell_back
    notes: list[str] = []
    if fell_back and from_model:
        notes.append("本节部分文字由程序按数据生成（模型多次未达要求），请人工润色。")
    origin: Literal["model", "fallback", "code"] = (
        "model" if from_model and not problems else "fallback"
    )
    if not guided.parts and not problems:
        origin = "code"  # nothing for the model to write (e.g. no targets): no model failure
    if origin == "fallback":
        notes.append("模型多次违反规则，本节改用程序按数据生成的段落，请人工润色。")
    return make_version(
        text,
        template,
        origin,
        Verification(
            ok=not flags,
            violations=[*guided.history, *problems],
            attempts=guided.attempts,
            fallback=origin == "fallback" or bool(fell_back),
            flags=[*notes, *flags],
        ),
        guided.prompt_hash,
    )


def section_chain(ctx: DraftContext) -> RunnableLambda[SectionRequest, Version]:
    """The per-section chain as a runnable, so runs can use .batch(max_concurrency=…)."""
    from langchain_core.runnables import RunnableLambda

    return RunnableLambda(lambda req: draft_section(req, ctx), name="draft_section")


class SectionSkipped(DrafterError):
    """A section not started because an earlier one found the model endpoint unusable."""


def draft_all(
    requests: list[SectionRequest],
    ctx: DraftContext,
    *,
    concurrency: int,
    on_done: Callable[[SectionRequest, Version], None] | None = None,
) -> list[Version | Exception]:
    """Draft sections concurrently; each finished section is reported at once (and saved).

    After a failure that every other call would share (bad key, missing model, server
    gone; see LLMFailure.endpoint_wide) no further section is started: the rest come back
    as SectionSkipped at once instead of each retrying against a dead endpoint.
    """
    halted = threading.Event()

    def run_one(req: SectionRequest) -> Version:
        if halted.is_set():
            raise SectionSkipped(f"章节 {req.task.id} 未起草：模型服务不可用，已停止起草其余章节。")
        try:
            version = draft_section(req, ctx)
        except LLMError as exc:
            if exc.failure.endpoint_wide:
                halted.set()
            raise
        if on_done:
            on_done(req, version)
        return version

    if concurrency <= 1:
        # In the calling thread: Ctrl-C (or SIGTERM, see drafter.cli.main) interrupts the
        # model call at once, so whoever started the local server can stop it promptly.
        sequential: list[Version | Exception] = []
        for req in requests:
            try:
                sequential.append(run_one(req))
            except Exception as exc:  # reported per section, like batch(return_exceptions)
                sequential.append(exc)
        return sequential
    from langchain_core.runnables import RunnableConfig, RunnableLambda

    runnable = RunnableLambda(run_one, name="draft_section")
    config = RunnableConfig(max_concurrency=max(1, concurrency))
    results: list[Version | Exception] = list(
        runnable.batch(requests, config=config, return_exceptions=True)
    )
    return results
