"""The pieces guided drafting is made of: a part (one small model task with its check and
code fallback), its result, and the rules every part shares.

Split out of :mod:`drafter.drafting.guided` so that the part designs (the lead-only
measures in :mod:`drafter.drafting.guided_leads`) live in modules of their own.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from drafter.drafting.compose import enumerate_slots
from drafter.drafting.guards import FrameRegistry
from drafter.drafting.guided_prompts import MeasuresExample
from drafter.drafting.guided_text import names_topic, tidy
from drafter.drafting.outline import SectionTask
from drafter.figures import Slot
from drafter.lint.drafting import lint_problems
from drafter.text.violations import find_violations


@dataclass
class Part:
    """One small model task within a section, with its own check and code fallback."""

    name: str
    prompt: str  # the rendered human message
    check: Callable[[str], list[str]]
    fallback: str  # slot template composed by code, used when the model keeps failing
    optional: bool = False  # an elaboration that may simply be left out
    clean: Callable[[str], str] = field(default=lambda raw: tidy(raw))
    # Other renderings (another one-shot example) used in turn when the model is re-asked:
    # measured, a fresh example breaks the small model's habit of copying the last one.
    alternatives: tuple[str, ...] = ()
    topic: str = ""  # the part's own topic: naming it in a borrowed frame is not copying
    # Per prompt (first, then alternatives): the example's generic lead and closing
    # sentences, which may be borrowed; its facts and topic may not.
    frames: tuple[str, ...] = ()
    # Retrieved passages shown (drafter.drafting.exemplars): no run of them may be copied.
    exemplars: tuple[str, ...] = ()
    own: str = ""  # what the task itself gives (facts, topic): writing it is not copying
    # The question without retrieved passages (the fixed example only), asked last when
    # the model kept copying the passages: measured, a 1.5B model shown the bureau's own
    # opening copies it on every ask. Empty: no such question.
    plain: str = ""
    # Called once the answer passes every check; its problems send the answer back
    # (the repetition guard: a lead or closing frame used up by other sections).
    claim: Callable[[str], list[str]] | None = None
    # Reads the raw answer into the text to check and the problems of its form (the
    # lead-only measures: drafter.drafting.guided_leads); None: ``clean`` and no such problems.
    parse: Callable[[str], tuple[str, list[str]]] | None = None

    def _index(self, attempt: int) -> int:
        return (attempt - 1) % (1 + len(self.alternatives))

    def prompt_for(self, attempt: int) -> str:
        return (self.prompt, *self.alternatives)[self._index(attempt)]

    def frame_for(self, attempt: int) -> str:
        index = self._index(attempt)
        return self.frames[index] if index < len(self.frames) else ""


@dataclass
class PartResult:
    text: str
    from_model: bool
    attempts: int
    problems: list[str] = field(default_factory=list)
    optional: bool = False  # from Part.optional: left out, not written by code, on failure
    prompt_hash: str = ""  # of the first question asked (see llm.prompt_hash)


def common_problems(
    text: str,
    allowed_slots: set[str],
    *,
    min_len: int,
    max_len: int,
    data_texts: Sequence[str] = (),
) -> list[str]:
    """Numbers outside placeholders, unknown placeholders, length: the rules of every part.
    A number copied verbatim from the figures file's own texts (``data_texts``) is data."""
    problems = [
        v.message for v in find_violations(text, known_slots=allowed_slots, data_texts=data_texts)
    ]
    problems += lint_problems(text)  # 公文 conventions (drafter lint) in the model's text
    if len(text) < min_len:
        problems.append(f"内容太短（{len(text)}字），请写完整（至少{min_len}字）。")
    if len(text) > max_len:
        problems.append(f"内容太长（{len(text)}字），请压缩到{max_len}字以内。")
    return problems


def instruction_line(instruction: str | None) -> str:
    return f"【本次修改要求】{instruction}\n" if instruction else ""


def examples_for(task: SectionTask, pool: tuple[MeasuresExample, ...]) -> list[MeasuresExample]:
    """The example pool in the order a section uses it: neighbours start on different ones.

    Examples on this section's own topic — named in its heading or in its facts (a city's
    reform area holds 科技金融 facts) — are left out: their facts would look like the
    section's, and copying them could not be told apart from writing the task.
    """
    facts = "".join(s.text for s in task.slots if s.role == "fact")
    usable = [
        e
        for e in pool
        if not names_topic(task.heading, e.topic) and not (facts and e.topic in facts)
    ] or list(pool)
    start = task.order % len(usable)
    return usable[start:] + usable[:start]


def measures_fallback(topic: str, facts: Sequence[Slot]) -> str:
    """A work area's measures written by code: its facts grouped by theme (≤ 5 items)."""
    return f"围绕{topic}，我们认真谋划、扎实推进。" + (
        "主要做法：" + enumerate_slots(facts) if facts else ""
    )


def measures_frames(
    exemplars: Sequence[str], examples: Sequence[MeasuresExample]
) -> tuple[str, ...]:
    """Per prompt, what may be borrowed: the fixed example's lead and closing; the retrieved
    passages are guarded by the copy guard (drafter.drafting.guards) and count as frame too."""
    return tuple(
        (exemplars[i] + "。" if i < len(exemplars) else "") + examples[i % len(examples)].frame
        for i in range(max(len(exemplars), len(examples)))
    )


def make_measures_part(
    section_id: str,
    topic: str,
    facts: Sequence[Slot],
    prompts: Sequence[str],
    check: Callable[[str], list[str]],
    *,
    exemplars: tuple[str, ...],
    examples: Sequence[MeasuresExample],
    own: str,
    plain: str,
    frames: FrameRegistry,
    parse: Callable[[str], tuple[str, list[str]]] | None = None,
) -> Part:
    """A work area's measures part, whichever design wrote its prompts and check (the
    passage design in drafter.drafting.guided, lead-only in drafter.drafting.guided_leads):
    the same code fallback, borrowable frames and repetition claim for both."""
    return Part(
        "measures",
        prompts[0],
        check,
        measures_fallback(topic, facts),
        alternatives=tuple(prompts[1:]),
        topic=topic,
        frames=measures_frames(exemplars, examples),
        exemplars=exemplars,
        own=own,
        plain=plain,
        claim=lambda text: frames.claim(section_id, text, own),
        parse=parse,
    )


def with_passages(passages: Sequence[str], fixed: Sequence[str]) -> list[str]:
    """The example blocks of the work-area prompts: each retrieved passage (the bureau's
    voice) followed by a fixed one-shot example (the form), or the fixed ones alone."""
    if not passages:
        return list(fixed)
    return [f"{passage}\n{fixed[i % len(fixed)]}" for i, passage in enumerate(passages)]
