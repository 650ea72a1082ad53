"""The lead-only design of guided work areas: the model writes words, code writes the facts."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from conftest import EXAMPLES

from drafter.drafting.chain import DraftContext, SectionRequest, draft_section
from drafter.drafting.guided_leads import (
    LeadsAnswer,
    answer_problems_of,
    assemble,
    group_items,
    measures_leads_part,
    parse_leads,
)
from drafter.drafting.prompts import PromptSet
from drafter.figures import build_slot_table
from drafter.figures.load import load_figures
from drafter.review.workflow import plan_draft
from drafter.testing import FakeChatModel

FIGURES = EXAMPLES / "figures-2025.yaml"


# --- parsing what a small model writes ---------------------------------------------------------

PARSES = [
    (  # the asked-for form
        "概括：我局聚焦企业创新主体，精准施策、梯次培育。\n1. 壮大企业梯队\n2. 优化上门服务\n成效：企业创新活力持续增强。",
        ("我局聚焦企业创新主体，精准施策、梯次培育。", ("壮大企业梯队", "优化上门服务"), "企业创新活力持续增强。"),
    ),
    (  # no labels, 、-numbered leads, no final stop
        "我局聚焦企业创新主体，精准施策\n一、壮大企业梯队\n二、优化上门服务\n企业创新活力持续增强",
        ("我局聚焦企业创新主体，精准施策。", ("壮大企业梯队", "优化上门服务"), "企业创新活力持续增强。"),
    ),
    (  # leads on one labelled line, Markdown bold
        "**概括：**我局多措并举推进成果转化。\n小标题：畅通供需对接、培育转化队伍\n",
        ("我局多措并举推进成果转化。", ("畅通供需对接", "培育转化队伍"), ""),
    ),
    (  # each lead followed by a copy of its fact: the lead is the first clause
        "概括：我局持续完善平台体系。\n1. 建强研发机构，新材料研究院获批省级新型研发机构\n2）做优孵化载体：孵化器新入孵企业X",
        ("我局持续完善平台体系。", ("建强研发机构", "做优孵化载体"), ""),
    ),
    (  # 一是/二是 leads, quoted
        "概括：我局强化项目管理。\n一是“动态储备项目”\n二是“跟踪资金拨付”。\n成效：项目质量稳步提升。",
        ("我局强化项目管理。", ("动态储备项目", "跟踪资金拨付"), "项目质量稳步提升。"),
    ),
]  # fmt: skip


@pytest.mark.parametrize(("raw", "expected"), PARSES)
def test_answers_are_read_in_the_forms_a_small_model_writes(
    raw: str, expected: tuple[str, tuple[str, ...], str]
) -> None:
    answer = parse_leads(raw)
    assert (answer.summary, answer.leads, answer.result) == expected


def test_a_summary_that_runs_on_keeps_its_first_sentence() -> None:
    raw = "概括：" + SUMMARY_TEXT + "全年" + "推进各项工作" * 15 + "。\n1. 壮大企业梯队"
    assert parse_leads(raw).summary == SUMMARY_TEXT


SUMMARY_TEXT = "我局聚焦企业创新主体，精准施策、梯次培育。"


# --- the rules of an answer ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def example_items() -> Any:
    figures = load_figures(FIGURES)
    table = build_slot_table(figures)
    facts = [s for s in table.slots_for_section("entities") if s.role == "fact"]
    return group_items(facts, table), table


SUMMARY = "我局聚焦企业创新主体，精准施策、梯次培育，推动企业提质增效。"
RULES = [
    (LeadsAnswer(SUMMARY, ("壮大企业梯队", "优化上门服务", "兑现奖补政策")), None),
    (LeadsAnswer("", ("壮大企业梯队", "优化上门服务", "兑现奖补政策")), "缺少“概括：”"),
    (LeadsAnswer(SUMMARY, ("壮大企业梯队", "优化上门服务")), "小标题应为3条"),
    (LeadsAnswer(SUMMARY, ("壮大企业梯队", "壮大企业梯队", "兑现奖补政策")), "小标题有重复"),
    (LeadsAnswer(SUMMARY, ("壮大企业梯队", "扩大服务X", "兑现奖补政策")), "含有X"),
    # a copy of the fact's start with its number masked is an echo, not a lead: no problem
    (LeadsAnswer(SUMMARY, ("壮大企业梯队", "走访企业X", "兑现奖补政策")), None),
    (LeadsAnswer(SUMMARY, ("壮大企业梯队", "优化服务", "新增企业15家")), "第3条小标题"),
    (LeadsAnswer(SUMMARY, ("创新金融产品", "优化上门服务", "兑现奖补政策")), "照抄了示例"),
    (LeadsAnswer(SUMMARY, ("强", "优化上门服务", "兑现奖补政策")), "四到八个字"),
    (LeadsAnswer("我局一是培育企业，二是服务企业，取得了较好的成效。", ("壮大企业梯队", "优化上门服务", "兑现奖补政策")), "不要写“一是二是”"),
    # the fact's own opening words as a "lead": no rule is broken, the item goes without one
    (LeadsAnswer(SUMMARY, ("壮大企业梯队", "组织科技、税务、财政等部门业务骨干走访企业", "兑现奖补政策")), None),
]  # fmt: skip


@pytest.mark.parametrize(("answer", "problem"), RULES)
def test_rules_of_an_answer(example_items: Any, answer: LeadsAnswer, problem: str | None) -> None:
    items, _ = example_items
    problems = answer_problems_of(answer, items, ["创新金融产品"])
    if problem is None:
        assert problems == []
    else:
        assert any(problem in p for p in problems), problems


def test_code_joins_each_lead_with_its_facts_verbatim(example_items: Any) -> None:
    items, _ = example_items
    answer = LeadsAnswer(
        SUMMARY,
        ("壮大企业梯队", "组织科技、税务、财政等部门业务骨干走访企业", "兑现奖补政策"),
        "企业创新活力持续增强。",
    )
    text = assemble(answer, items)
    refs = [f.ref for item in items for f in item.facts]
    assert text == (
        f"{SUMMARY}一是壮大企业梯队，{refs[0]}；二是{refs[1]}；三是兑现奖补政策，{refs[2]}。"
        "企业创新活力持续增强。"
    )


def test_a_result_sentence_that_breaks_a_rule_is_left_out(example_items: Any) -> None:
    items, _ = example_items
    answer = LeadsAnswer(
        SUMMARY, ("壮大企业梯队", "优化上门服务", "兑现奖补政策"), "新增企业15家。"
    )
    text = assemble(answer, items)
    assert text.endswith("三是兑现奖补政策，{K3}。") and "15" not in text


# --- many facts: grouped, one lead per group ----------------------------------------------------

CITY_AREA = """
bureau: 示例市科学技术局
region: 示例市
year: 2025
sections:
  - id: eco
    name: 科技体制改革与创新生态
    facts:
      - 设立科技成果转化引导基金2亿元，撬动社会资本6亿元
      - 新增科技贷款授信企业210家，授信额度38亿元
      - 发放科技创新券1500万元，服务企业420家
      - 引进高层次创新团队12个、领军人才35名
      - 新增省级博士后工作站6家，累计达到41家
      - 举办人才对接活动9场，达成合作意向120项
      - 新建省级重点实验室2家、市级工程技术研究中心11家
      - 新增省级企业研究开发中心18家
      - 建成概念验证中心3家
      - 技术合同登记1860项，成交额52亿元
      - 建成技术转移分中心5家，培训技术经纪人160名
      - 组织成果发布会4场，发布成果230项
"""


def test_more_than_five_facts_get_at_most_five_leads(tmp_path: Path) -> None:
    path = tmp_path / "city.yaml"
    path.write_text(CITY_AREA, encoding="utf-8")
    figures = load_figures(path)
    table = build_slot_table(figures)
    facts = [s for s in table.slots_for_section("eco") if s.role == "fact"]
    items = group_items(facts, table)
    assert 2 <= len(items) <= 5
    assert sorted(f.id for item in items for f in item.facts) == sorted(f.id for f in facts)
    assert all("X" in item.masked and not re.search(r"\d", item.masked) for item in items)
    leads = ("强化金融支撑", "集聚创新人才", "建强创新平台", "加快成果转化", "优化创新服务")
    answer = LeadsAnswer(SUMMARY, leads[: len(items)])
    text = assemble(answer, items)
    assert "六是" not in text and "同时" not in text
    assert text.count("。") == len(items) + 1  # the summary, then one sentence per item
    for fact in facts:
        assert text.count(fact.ref) == 1


# --- in a draft ---------------------------------------------------------------------------------


def test_a_model_that_writes_leads_drafts_the_area_and_never_types_a_number() -> None:
    plan = plan_draft(FIGURES, None)
    task = next(t for t in plan.tasks if t.id == "area_entities")
    seen: list[str] = []

    def leads_model(messages: list[dict[str, Any]]) -> str:
        seen.append(str(messages[-1]["content"]))
        return "概括：我局聚焦企业创新主体，精准施策、梯次培育。\n1. 壮大企业梯队\n2. 优化上门服务\n3. 兑现奖补政策\n成效：企业创新活力持续增强。"

    ctx = DraftContext(
        figures=plan.figures,
        table=build_slot_table(plan.figures),
        prompts=PromptSet.load(),
        model=FakeChatModel(responder=leads_model),
        model_name="fake/small",
        mode="guided",
        max_retries=0,
        backoff=0,
        allowed_years={2024, 2025, 2026},
    )
    version = draft_section(SectionRequest(task), ctx)
    assert version.origin == "model" and len(seen) == 1
    # the model is shown the facts with every number masked
    task_block = seen[0].split("【任务】", 1)[1]
    assert "78" not in task_block and "X" in task_block
    assert (
        "一是壮大企业梯队，将研发活动规范、成长性较好的78家企业列为高新技术企业重点培育对象"
        in version.text
    )
    assert "三是兑现奖补政策，兑现县级科技奖补资金586万元，惠及企业71家。" in version.text


def test_a_model_that_never_keeps_the_form_falls_back_to_code() -> None:
    plan = plan_draft(FIGURES, None)
    task = next(t for t in plan.tasks if t.id == "area_entities")
    ctx = DraftContext(
        figures=plan.figures,
        table=build_slot_table(plan.figures),
        prompts=PromptSet.load(),
        model=FakeChatModel(responder=lambda m: "好的，我来写。"),
        model_name="fake/small",
        mode="guided",
        max_retries=0,
        backoff=0,
        allowed_years={2024, 2025, 2026},
    )
    part = measures_leads_part(task, ctx, None)
    assert part.parse is not None
    _, problems = part.parse("好的，我来写。")
    assert problems and "小标题应为3条" in "".join(problems)
    version = draft_section(SectionRequest(task), ctx)
    assert version.origin == "fallback"
    assert "兑现县级科技奖补资金586万元" in version.text


def test_the_last_ask_drops_the_passages_the_model_kept_copying() -> None:
    plan = plan_draft(FIGURES, None)
    passage = "新的一年，县科技局将进一步解放思想、真抓实干，以更加务实的作风推动各项科技工作迈上新台阶。"
    asked: list[str] = []

    def copier(messages: list[dict[str, Any]]) -> str:
        prompt = str(messages[-1]["content"])
        asked.append(prompt)
        if "<<<范文开始>>>" in prompt:
            return passage  # copies the bureau's passage every time it is shown
        return "新的一年，我们将在县委、县政府的坚强领导下，凝心聚力、开拓进取，推动科技创新再上台阶。"

    ctx = DraftContext(
        figures=plan.figures,
        table=build_slot_table(plan.figures),
        prompts=PromptSet.load(),
        model=FakeChatModel(responder=copier),
        model_name="fake/small",
        mode="guided",
        max_retries=0,
        backoff=0,
        allowed_years={2024, 2025, 2026},
    )
    from drafter.drafting.guided import closing_part, run_part

    part = closing_part(ctx, None, (passage,))
    assert part.plain and "<<<范文开始>>>" not in part.plain
    result = run_part(part, ctx, lambda *a: None)
    assert result.from_model and len(asked) == ctx.max_reprompts + 1
    assert "<<<范文开始>>>" in asked[0] and "<<<范文开始>>>" not in asked[-1]
    # nor the copy problems, which quote the copied words
    assert "照抄了范文中的原句" in asked[1] and "照抄了范文中的原句" not in asked[-1]
    assert "以更加务实的作风" not in asked[-1]


def test_what_the_question_itself_asks_for_is_no_copy() -> None:
    from drafter.drafting.guided_text import task_text

    prompt = (
        "以“新的一年，”开头，表达决心，推动科技创新工作再上新台阶。\n"
        "【范文】<<<范文开始>>>\n新的一年，推动全区科技创新工作再上新台阶。\n<<<范文结束>>>\n输出："
    )
    own = task_text(prompt)
    assert "推动科技创新工作再上新台阶" in own and "全区" not in own


@pytest.mark.parametrize(
    ("heading", "topic"),
    [
        ("（一）科技创新主体培育", "科技创新主体培育"),
        ("（二）科技创新、平台建设", "科技创新、平台建设"),  # 、 inside the title stays
        ("三、成果转化", "成果转化"),
        ("1.基层科技服务", "基层科技服务"),
    ],
)
def test_both_designs_name_the_topic_as_the_heading_without_its_marker(
    heading: str, topic: str
) -> None:
    from dataclasses import replace

    from drafter.drafting.guided import measures_part

    plan = plan_draft(FIGURES, None)
    task = replace(next(t for t in plan.tasks if t.id == "area_entities"), heading=heading)
    ctx = DraftContext(
        figures=plan.figures,
        table=build_slot_table(plan.figures),
        prompts=PromptSet.load(),
        model=FakeChatModel(responder=lambda m: ""),
        model_name="fake/small",
        mode="guided",
        max_retries=0,
        backoff=0,
        allowed_years={2024, 2025, 2026},
    )
    assert measures_leads_part(task, ctx, None).topic == topic
    assert measures_part(task, ctx, None).topic == topic
