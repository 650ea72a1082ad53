"""No unsupported claims: severity and cause words only where the figures file uses them."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import EXAMPLES

from drafter.drafting.chain import DraftContext, SectionRequest, draft_section
from drafter.drafting.claims import claim_words, section_claims, unsupported_claims
from drafter.drafting.prompts import PromptSet
from drafter.figures import build_slot_table
from drafter.models import SectionKind
from drafter.review.workflow import plan_draft
from drafter.testing import FakeChatModel, ScriptedDrafter

DATA = [
    "全社会研发投入强度仍低于全市平均水平",
    "高层次人才引进难、留住难",
    "部分企业创新主体意识不强，研发投入严重不足",  # the data itself says 严重
    "全面推进科技成果转化",
]

# (elaboration, data texts, the words reported)
CASES = [
    ("导致人才流失严重。", DATA, ["流失", "导致"]),  # 严重 is in the data, the rest is not
    ("部分县科技企业缺乏必要的资质。", DATA, ["缺乏"]),
    ("企业研发投入普遍偏低，造成创新能力不强。", DATA, ["普遍", "造成"]),
    ("全面落实研发费用加计扣除政策。", DATA, []),  # 全面 is in the data
    ("全面落实研发费用加计扣除政策。", DATA[:3], ["全面"]),
    ("研发投入严重不足。", DATA, []),
    ("研发投入严重不足。", DATA[:2], ["严重"]),
    ("问题并不严重。", DATA[:2], ["严重"]),  # negated: still a judgement of degree
    ("企业反映“融资难”问题较为突出，“人才缺乏”。", DATA, ["缺乏"]),  # quoting is no excuse
    ("认真落实《关于全面加强科技创新的意见》。", DATA[:2], []),  # a title is a name
    ("加强政策宣传，建立企业培育库。", [], []),  # 表现/措施 without judgement
    (
        "科研经费大幅减少，致使项目急剧下降，根本原因是短缺。",
        [],
        ["急剧", "短缺", "大幅", "根本", "致使"],
    ),
    ("", DATA, []),
]


@pytest.mark.parametrize(("text", "data", "words"), CASES)
def test_claim_words_need_the_data(text: str, data: list[str], words: list[str]) -> None:
    problems = unsupported_claims(text, data)
    assert sorted(p.split("中的“")[1].split("”")[0] for p in problems) == sorted(words)
    for problem in problems:
        assert "只写数据支持的内容" in problem


def test_the_word_list_is_package_data_with_the_brief_words() -> None:
    words = claim_words()
    for word in ("严重", "大量", "全面", "显著", "导致", "造成", "缺乏", "流失", "严峻"):
        assert word in words
    assert all(w and "\t" not in w and not w.startswith("#") for w in words)


@pytest.mark.parametrize(
    ("kind", "checked"),
    [
        (SectionKind.PROBLEMS, True),
        (SectionKind.PLAN, True),
        (SectionKind.ACHIEVEMENTS, False),
        (SectionKind.OPENING, False),
        (SectionKind.CLOSING, False),
    ],
)
def test_only_problems_and_plan_sections_are_checked(kind: SectionKind, checked: bool) -> None:
    assert bool(section_claims("人才流失严重。", kind, [])) is checked


# --------------------------------------------------------------------------- in the chain


def _problems_version(responder: Any, max_reprompts: int) -> tuple[Any, FakeChatModel]:
    plan = plan_draft(EXAMPLES / "figures-2025.yaml", None)
    model = FakeChatModel(responder=responder)
    ctx = DraftContext(
        figures=plan.figures,
        table=build_slot_table(plan.figures),
        prompts=PromptSet.load(),
        model=model,
        model_name="fake/fake",
        backoff=0.0,
        max_reprompts=max_reprompts,
    )
    task = next(t for t in plan.tasks if t.id == "problems")
    return draft_section(SectionRequest(task), ctx), model


def test_a_whole_problems_section_with_a_claim_is_sent_back() -> None:
    first: list[str] = []  # the clean answer to the first prompt, given again on the retry

    def responder(messages: list[dict[str, Any]]) -> str:
        if not first:
            first.append(ScriptedDrafter().complete(messages))
            return first[0] + "这导致人才流失。"
        return first[0]

    version, model = _problems_version(responder, max_reprompts=2)
    assert version.origin == "model"
    retry = model.openai_prompts[1][-1]["content"]
    assert "导致" in retry and "只写数据支持的内容" in retry
    assert "流失" not in version.text


def test_a_model_that_keeps_claiming_ends_in_the_fallback_naming_the_rule() -> None:
    version, _ = _problems_version(
        lambda m: ScriptedDrafter().complete(m) + "问题十分严峻。", max_reprompts=1
    )
    assert version.origin == "fallback"
    assert "严峻" not in version.text
    assert "只写数据支持的内容" in version.verification.flags[0]
