"""Guided drafting: a small model writes short number-free pieces; code places every figure."""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import EXAMPLES

from drafter.drafting.chain import DraftContext, SectionRequest, draft_section
from drafter.drafting.guided import (
    GuidedPrompts,
    examples_for,
    extract_addition,
    insert_results,
    leaders_of,
    leak_problems,
    load_measures_examples,
    resolve_mode,
    supports,
    tidy,
)
from drafter.drafting.outline import SectionTask
from drafter.drafting.prompts import PromptSet
from drafter.errors import ConfigError
from drafter.figures import build_slot_table
from drafter.figures.check import check_text
from drafter.llm.client import TRUNCATED_PROBLEM, make_chat_model
from drafter.llm.config import LOCAL_MODEL_NAME, LLMConfig
from drafter.review.workflow import open_or_create_session, plan_draft, run_draft
from drafter.testing import FakeChatModel, Reply, StubLLMServer, truncated
from drafter.testing.stub_llm import last_user_text

FIGURES = EXAMPLES / "figures-2025.yaml"
Responder = Callable[[list[dict[str, Any]]], str]


def last_user(messages: list[dict[str, Any]]) -> str:
    return str(next(m for m in messages if m["role"] == "user")["content"])


def task_block(prompt: str) -> str:
    return prompt.split("【任务】", 1)[-1]


FRAMES = [
    (
        "我局坚持统筹谋划、精准施策，持续推动这项工作。",
        "相关工作成效明显，为全县发展提供了有力支撑。",
    ),
    ("我局聚焦重点任务，强化协同联动。", "各项举措落地见效，群众获得感持续增强。"),
    ("今年以来，我局主动作为、多措并举。", "工作基础进一步夯实，发展后劲明显增强。"),
    ("我局把这项工作摆在突出位置，压实责任。", "工作质效稳步提升，服务大局的能力不断提高。"),
    ("我局紧扣年度任务，细化举措、狠抓落实。", "整体水平迈上新台阶，示范带动作用日益凸显。"),
    ("我局坚持问题导向，补短板、强弱项。", "机制更加健全，保障更加有力。"),
]


LEADS = ["明确工作重点", "强化协同配合", "完善工作机制", "加强服务保障", "狠抓任务落实"]


def frames_for(topic: str) -> tuple[str, str]:
    """The lead and closing the fake writes for an area (the first area gets the first)."""
    return FRAMES[(sum(map(ord, topic)) + FRAME_SHIFT) % len(FRAMES)]


FRAME_SHIFT = -sum(map(ord, "科技创新主体培育")) % len(FRAMES)


def small_model(messages: list[dict[str, Any]]) -> str:
    """Behaves like the measured 1.5B model on a good day: copies placeholders and echoes labels."""
    prompt = last_user(messages)
    if "小标题" in prompt and "工作事实（数字已隐去）：" in prompt:  # the lead-only design
        topic = re.search(r"【任务】“([^”]+)”", prompt).group(1)  # type: ignore[union-attr]
        count = len(re.findall(r"^\d+\. ", task_block(prompt), flags=re.M))
        lead, closing = frames_for(topic + ("再" if "句式已在" in prompt else ""))
        leads = "\n".join(f"{i}. {LEADS[i - 1]}" for i in range(1, count + 1))
        return f"概括：{lead}\n{leads}\n成效：{closing}"
    if "工作事实：" in prompt:
        facts = re.findall(r"^- (.+)$", task_block(prompt), flags=re.M)
        items = "；".join(
            f"{'一二三四五六七八九十'[i]}是扎实推进，{f}" for i, f in enumerate(facts)
        )
        topic = re.search(r"【任务】“([^”]+)”", prompt).group(1)  # type: ignore[union-attr]
        # a different frame per area: one frame may open or close at most two sections
        lead, closing = frames_for(topic + ("再" if "句式已在" in prompt else ""))
        return f"{lead}{items}。{closing}"
    if "开头的总体情况段" in prompt:
        return "我局坚持创新驱动发展战略，聚焦科技创新重点任务，统筹推进各项工作，取得了积极成效。"
    if "具体措施：" in prompt or "具体表现或原因：" in prompt:
        label = "具体措施" if "具体措施：" in prompt else "具体表现或原因"
        item = re.search(r"：(.+)\n", task_block(prompt)).group(1)  # type: ignore[union-attr]
        return f"{item}\n{label}：加强统筹协调，完善工作机制，推动各项举措落地见效"
    if "主要目标" in prompt:
        return "我局将坚持创新驱动，推动科技与经济深度融合。主要预期目标是：实现突破性进展，取得显著成效。"
    if "结尾段" in prompt:
        return "新的一年，我们将在县委、县政府的坚强领导下，坚定信心、真抓实干，推动科技工作再上新台阶。"
    return "好的。"


@pytest.fixture(scope="module")
def plan() -> Any:
    return plan_draft(FIGURES, None)


def context(plan: Any, responder: Responder, **kw: Any) -> DraftContext:
    """A guided context; these tests are of the passage design of work areas (the lead-only
    design has tests/drafting/test_guided_leads.py)."""
    kw.setdefault("measures_design", "passage")
    return DraftContext(
        figures=plan.figures,
        table=build_slot_table(plan.figures),
        prompts=PromptSet.load(),
        model=FakeChatModel(responder=responder),
        model_name="fake/small",
        mode="guided",
        max_retries=0,
        backoff=0,
        allowed_years={2024, 2025, 2026},
        **kw,
    )


def task(plan: Any, section_id: str) -> SectionTask:
    return next(t for t in plan.tasks if t.id == section_id)


def test_guided_prompts_load_and_check_placeholders() -> None:
    prompts = GuidedPrompts.load()
    assert {"bureau", "facts", "topic"} <= set(prompts.measures.variables)


def test_area_section_keeps_model_prose_and_code_places_results_before_closing(plan: Any) -> None:
    ctx = context(plan, small_model)
    version = draft_section(SectionRequest(task(plan, "area_entities")), ctx)
    assert version.origin == "model"
    assert not version.verification.fallback
    text = version.text
    assert text.startswith("我局坚持统筹谋划")
    assert "一是扎实推进，将研发活动规范、成长性较好的78家企业" in text
    assert "走访企业152家次" in text and "兑现县级科技奖补资金586万元，惠及企业71家" in text
    results = text.index("全年有效高新技术企业达到63家（有效期内），同比增长16.7%")
    assert text.index("三是") < results < text.index("相关工作成效明显")
    assert check_text(text, ctx.table.allowed_values(), allowed_years={2025}) == []


def test_model_sees_fact_numbers_only_as_placeholders(plan: Any) -> None:
    ctx = context(plan, small_model)
    draft_section(SectionRequest(task(plan, "area_entities")), ctx)
    prompt = ctx.model.last_prompt_text  # type: ignore[attr-defined]
    facts = "\n".join(re.findall(r"^- .+$", task_block(prompt), flags=re.M))
    assert "{K1.1}企业列为" in facts and "{K3.1}，惠及企业{K3.2}" in facts
    assert not re.search(r"\d", re.sub(r"\{[^}]+\}", "", facts))


def test_every_section_of_the_example_is_written_by_the_model(tmp_path: Path, plan: Any) -> None:
    session = open_or_create_session(tmp_path / "d", plan, "fake")
    model = FakeChatModel(responder=small_model)
    result = run_draft(
        session,
        plan,
        model,
        model_name="fake/small",
        retriever=None,
        concurrency=2,
        max_retries=0,
        backoff=0,
        mode="guided",
    )
    assert not result.failed
    sections = [s for s in session.sections() if s.current_version]
    assert all(s.current_version.origin == "model" for s in sections)  # type: ignore[union-attr]
    draft = session.draft_path.read_text(encoding="utf-8")
    assert len(draft) > 2000
    assert "【" not in draft and "{" not in draft
    table = build_slot_table(plan.figures)
    assert check_text(draft, table.allowed_values(), allowed_years={2024, 2025, 2026}) == []
    # problems and priorities: the writer's own items, each with the model's addition
    assert "一是科技型中小企业评价入库和每万人口发明专利拥有量两项指标未完成年度目标" in draft
    assert draft.count("加强统筹协调，完善工作机制") == 10  # 4 problems + 6 priorities
    # the targets lead is cut before the model's invented targets; code lists the real ones
    assert "实现突破性进展" not in draft
    assert "主要预期目标是：有效高新技术企业达到70家；" in draft


def test_numbers_written_by_the_model_are_sent_back_then_code_writes_the_part(plan: Any) -> None:
    seen: list[str] = []

    def invents(messages: list[dict[str, Any]]) -> str:
        seen.append(str(messages[-1]["content"]))
        return "我局全年新增高新技术企业15家，一是强化培育；二是优化服务。成效明显。"

    ctx = context(plan, invents)
    version = draft_section(SectionRequest(task(plan, "area_entities")), ctx)
    assert len(seen) == ctx.max_reprompts + 1
    assert "15家" in seen[1] and "上一稿有以下问题" in seen[1]
    assert version.origin == "fallback" and version.verification.fallback
    assert "15家" not in version.text
    assert "将研发活动规范、成长性较好的78家企业" in version.text  # the fact, written by code
    assert any("15家" in v for v in version.verification.violations)


def test_the_prompt_hash_records_the_questions_actually_asked(plan: Any) -> None:
    asked: list[list[dict[str, Any]]] = []

    def recording(messages: list[dict[str, Any]]) -> str:
        asked.append(messages)
        return small_model(messages)

    version = draft_section(SectionRequest(task(plan, "area_entities")), context(plan, recording))
    assert version.origin == "model" and version.verification.attempts == 1

    def digest(texts: list[str]) -> str:
        return hashlib.sha256("\x00".join(texts).encode("utf-8")).hexdigest()[:16]

    per_piece = [digest([str(m["content"]) for m in messages]) for messages in asked]
    assert version.prompt_hash == digest(per_piece)


def test_a_piece_cut_off_at_the_token_limit_is_asked_again(plan: Any) -> None:
    def answers(body: dict[str, Any]) -> Reply:
        return Reply(content=small_model(body["messages"]))

    with StubLLMServer(answers) as server:
        server.fail_next(truncated("length", keep=0.5))  # the first piece: lead and measures
        cfg = LLMConfig(provider="custom", base_url=server.base_url, model="stub-model")
        ctx = dataclasses.replace(context(plan, small_model), model=make_chat_model(cfg))
        version = draft_section(SectionRequest(task(plan, "area_entities")), ctx)
        cut = last_user_text(server.chat_requests[0].body["messages"])
        retry = last_user_text(server.chat_requests[1].body["messages"])
    assert version.origin == "model"
    assert any(TRUNCATED_PROBLEM in v for v in version.verification.violations)
    assert TRUNCATED_PROBLEM in retry and TRUNCATED_PROBLEM not in cut
    assert "相关工作成效明显" in version.text  # the whole answer of the second attempt


def test_copying_the_prompt_example_is_refused(plan: Any) -> None:
    def copies_example(messages: list[dict[str, Any]]) -> str:
        return (
            "我局坚持把科技金融作为服务企业创新的重要抓手，推动金融资源向科技企业集聚。"
            "一是创新金融产品，联合银行推出科技贷款产品{A1.1}；二是精准对接需求。"
        )

    ctx = context(plan, copies_example)
    version = draft_section(SectionRequest(task(plan, "area_projects")), ctx)
    assert version.origin == "fallback"
    assert any("照抄了示例" in v for v in version.verification.violations)


def shown_example(prompt: str) -> tuple[str, str]:
    """The topic and output of the one-shot example a measures prompt shows."""
    block = prompt.split("【示例】", 1)[1].split("【任务】", 1)[0].split("【注意】", 1)[0]
    topic = re.search(r"“([^”]+)”部分", block).group(1)  # type: ignore[union-attr]
    return topic, block.split("输出：\n", 1)[1].strip()


def test_copying_the_facts_of_whichever_example_is_shown_is_refused(plan: Any) -> None:
    def copies_shown_example(messages: list[dict[str, Any]]) -> str:
        return shown_example(last_user(messages))[1]

    ctx = context(plan, copies_shown_example)
    version = draft_section(SectionRequest(task(plan, "area_projects")), ctx)
    assert version.origin == "fallback"
    copies = [v for v in version.verification.violations if "照抄了示例" in v]
    assert len(copies) == ctx.max_reprompts + 1  # every attempt, whatever the example


def test_borrowing_the_example_frame_for_the_own_topic_is_accepted(plan: Any) -> None:
    """The lead and closing of the example are generic officialese: that is their purpose."""

    def borrows_frame(messages: list[dict[str, Any]]) -> str:
        prompt = last_user(messages)
        topic, output = shown_example(prompt)
        sentences = [s for s in output.split("。") if s]
        lead, closing = sentences[0], sentences[-1]
        own = task_block(prompt).split("”", 1)[0].lstrip("“")
        facts = re.findall(r"^- (.+)$", task_block(prompt), flags=re.M)
        items = "；".join(f"{'一二三四'[i]}是狠抓落实，{f}" for i, f in enumerate(facts))
        return f"{lead.replace(topic, own)}。{items}。{closing.replace(topic, own)}。"

    ctx = context(plan, borrows_frame)
    for section in ("area_entities", "area_projects", "area_platforms", "area_ip"):
        version = draft_section(SectionRequest(task(plan, section)), ctx)
        assert version.origin == "model", version.verification.violations


def test_each_reask_shows_another_example_and_neighbours_start_apart(plan: Any) -> None:
    shown: list[str] = []

    def always_invents(messages: list[dict[str, Any]]) -> str:
        shown.append(shown_example(last_user(messages))[0])
        return "我局新增企业15家。"

    ctx = context(plan, always_invents)
    draft_section(SectionRequest(task(plan, "area_ip")), ctx)
    assert len(set(shown)) == len(shown) == ctx.max_reprompts + 1
    pool = GuidedPrompts.load().measures_examples
    firsts = {
        examples_for(task(plan, s), pool)[0].topic for s in ("area_entities", "area_projects")
    }
    assert len(firsts) == 2


def test_an_example_on_the_sections_own_topic_is_not_shown(plan: Any) -> None:
    pool = GuidedPrompts.load().measures_examples
    finance = task(plan, "area_ip")
    finance = SectionTask(**{**finance.__dict__, "heading": "（八）科技金融服务"})
    assert "科技金融" not in [e.topic for e in examples_for(finance, pool)]


def test_a_broken_example_file_names_the_file_and_entry(tmp_path: Path) -> None:
    path = tmp_path / "measures_examples.yaml"
    path.write_text("- topic: 科技金融\n  facts: []\n  output: 太短\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"measures_examples\.yaml 的 0\.facts"):
        load_measures_examples(path)


def test_a_dropped_placeholder_is_reported_by_name(plan: Any) -> None:
    replies = iter(
        [
            "我局扎实推进项目工作。一是动态更新科技项目储备库；二是逐一梳理在研项目资金拨付进度，推动上年分年度拨付的省级项目资金全部到位。成效明显。",
        ]
    )

    def drops_then_obeys(messages: list[dict[str, Any]]) -> str:
        return next(replies, None) or small_model(messages)

    ctx = context(plan, drops_then_obeys)
    version = draft_section(SectionRequest(task(plan, "area_projects")), ctx)
    assert version.origin == "model"
    assert any("漏抄了占位符：{K4.1}、{K4.2}" in v for v in version.verification.violations)
    assert "入库项目63项" in version.text


def test_instruction_reaches_every_guided_prompt(plan: Any) -> None:
    ctx = context(plan, small_model)
    draft_section(SectionRequest(task(plan, "closing"), instruction="更简洁"), ctx)
    assert "【本次修改要求】更简洁" in ctx.model.last_prompt_text  # type: ignore[attr-defined]


def test_extract_addition_drops_echoed_labels_and_the_item() -> None:
    item = "支持龙头企业联合高校院所建设高能级创新平台，推动新型研发机构提质发展"
    raw = f"下一年重点工作：{item}\n具体措施：鼓励企业与高校共建研发中心，加快成果转化"
    assert extract_addition(raw, item, ("下一年重点工作", "具体措施")) == (
        "鼓励企业与高校共建研发中心，加快成果转化"
    )
    assert extract_addition(f"存在的问题：{item}", item, ("存在的问题",)) == ""
    # The item followed by a colon: the addition must not start with "："
    assert extract_addition(f"{item}：加强与高校合作，提供精准服务。", item, ()) == (
        "加强与高校合作，提供精准服务"
    )


def test_leaks_of_prompt_furniture_are_problems() -> None:
    prompt = "【示例】\n输出：一是创新金融产品，联合银行推出科技贷款产品\n【任务】“平台”"
    assert leak_problems("一是加强平台建设，【任务】", prompt)
    assert leak_problems("一是创新金融产品，联合银行推出科技贷款产品", prompt)
    assert leak_problems("一是加强平台建设，提升服务能力", prompt) == []


def test_insert_results_goes_after_the_last_enumerated_item() -> None:
    measures = "总起。一是甲；二是乙。三是丙。收尾成效显著。"
    assert (
        insert_results(measures, "全年{F1}。")
        == "总起。一是甲；二是乙。三是丙。全年{F1}。收尾成效显著。"
    )
    assert insert_results("只有一句。", "全年{F1}。") == "只有一句。全年{F1}。"


def test_tidy_joins_lines_into_one_paragraph() -> None:
    assert tidy("## 标题\n一是甲\n二是乙") == "标题；一是甲；二是乙"
    assert tidy("输出：我局坚持创新。") == "我局坚持创新。"


def test_tidy_separates_list_items_with_semicolons() -> None:
    assert tidy("一是抓培育。二是促转化，三是强人才。") == "一是抓培育；二是促转化；三是强人才。"
    assert tidy("我局统一是非标准。") == "我局统一是非标准。"  # not an item: no stop before it


def test_leaders_follow_the_region_level() -> None:
    assert leaders_of("示例县") == "县委、县政府"
    assert leaders_of("某某市") == "市委、市政府"
    assert leaders_of(None) == "上级党委、政府"
    assert leaders_of("某某自治州") == "州委、州政府"


def test_mode_auto_is_guided_only_for_the_bundled_model() -> None:
    assert resolve_mode("auto", LOCAL_MODEL_NAME) == "guided"
    assert resolve_mode("auto", "deepseek-chat") == "slots"
    assert resolve_mode("auto", "stub-model") == "slots"
    assert resolve_mode("guided", "gpt-4o") == "guided"
    assert resolve_mode("slots", LOCAL_MODEL_NAME) == "slots"


def test_every_section_of_both_outlines_is_supported(plan: Any) -> None:
    for t in plan.tasks:
        assert t.container or supports(t), t.id


@pytest.mark.parametrize(
    ("prompt", "expected"),
    [
        ("写法。\n【任务】“甲”\n输出：\n", "写法。\n【注意】改正。\n\n【任务】“甲”\n输出：\n"),
        ("写一段话。\n输出：\n", "写一段话。\n【注意】改正。\n\n输出：\n"),
        ("写一段话。", "写一段话。\n\n【注意】改正。"),
    ],
)
def test_the_retry_note_comes_before_the_task_so_the_question_ends_with_its_output_line(
    prompt: str, expected: str
) -> None:
    from drafter.drafting.guided import with_note

    assert with_note(prompt, "\n\n【注意】改正。") == expected
    assert with_note(prompt, "") == prompt
