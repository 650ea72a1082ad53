"""Lint in drafting: model text breaking the conventions is sent back; code text never trips it."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import EXAMPLES

from drafter.drafting.chain import DraftContext, SectionRequest, draft_section, template_problems
from drafter.drafting.compose import fallback_template
from drafter.drafting.guided import supports
from drafter.drafting.prompts import PromptSet
from drafter.figures import build_slot_table
from drafter.lint import lint_text
from drafter.review.workflow import plan_draft
from drafter.testing import FakeChatModel

FIGURES = EXAMPLES / "figures-2025.yaml"


@pytest.fixture(scope="module")
def plan() -> Any:
    return plan_draft(FIGURES, None)


def context(plan: Any, responder: Any, mode: str) -> DraftContext:
    return DraftContext(
        figures=plan.figures,
        table=build_slot_table(plan.figures),
        prompts=PromptSet.load(),
        model=FakeChatModel(responder=responder),
        model_name="fake/small",
        mode=mode,
        max_retries=0,
        backoff=0,
        allowed_years={2024, 2025, 2026},
    )


def never_complies(messages: list[dict[str, Any]]) -> str:
    return "2025年全县新增企业99家。"  # a number: every piece falls back to code


def test_every_code_template_is_lint_clean(plan: Any) -> None:
    """compose.py fallbacks, guided's code-written parts and assembly, on the example figures."""
    ctx = context(plan, never_complies, "guided")
    texts: list[str] = []
    draft: list[str] = []  # one text per section, as a draft written wholly by code reads
    for task in plan.tasks:
        if task.container:
            draft.append(task.heading)
            continue
        fallback = ctx.table.render(fallback_template(task, plan.figures.bureau))
        texts.append(fallback)
        if supports(task):
            version = draft_section(SectionRequest(task), ctx)
            assert version.origin == "fallback"
            texts.append(version.text)
            fallback = version.text
        draft += [task.heading, fallback] if task.heading else [fallback]
    assert len(texts) >= 12
    for text in texts:
        assert [(f.rule.id, f.text) for f in lint_text(text)] == [], text
    whole = "\n".join(draft)  # as one document: frames, heading sequences, filler
    assert [(f.rule.id, f.text) for f in lint_text(whole)] == []


def test_model_text_breaking_the_conventions_is_sent_back(plan: Any) -> None:
    answers = iter(
        [
            "新的一年,我们将在县委、县政府的坚强领导下，坚定信心、真抓实干。。",
            "新的一年，我们将在县委、县政府的坚强领导下，坚定信心、真抓实干，推动科技工作再上新台阶。",
        ]
    )
    ctx = context(plan, lambda messages: next(answers), "guided")
    task = next(t for t in plan.tasks if t.id == "closing")
    version = draft_section(SectionRequest(task), ctx)
    assert version.origin == "model" and "真抓实干，推动" in version.text
    history = "\n".join(version.verification.violations)
    assert "全角逗号" in history and "重复" in history
    prompt = ctx.model.last_prompt_text  # type: ignore[attr-defined]
    assert "全角逗号" in prompt  # the reason went back to the model


def test_whole_section_templates_are_linted_too(plan: Any) -> None:
    task = next(t for t in plan.tasks if t.work_area is not None and not t.container)
    ctx = context(plan, never_complies, "slots")
    bad = "围绕工作,我们扎实推进。" + "".join(r for r in task.required)
    problems = template_problems(bad, task, ctx.table)
    assert any("全角逗号" in p for p in problems)
    good = "围绕工作，我们扎实推进。" + "".join(r for r in task.required)
    assert not any("全角" in p for p in template_problems(good, task, ctx.table))
