"""Guided drafting with retrieved exemplars, and its guards (copy, repetition, echo, labels)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import EXAMPLES
from test_guided import FIGURES, context, small_model, task, task_block

from drafter.drafting.chain import DraftContext, SectionRequest, draft_section
from drafter.drafting.exemplars import BUREAU_BOOST, cut_passage, rank_hits
from drafter.drafting.guards import (
    FrameRegistry,
    copied_run,
    echoed_feedback,
    mine_stock_phrases,
    sentence_frame,
    stock_phrases,
)
from drafter.drafting.records import ORIGIN_LABELS
from drafter.models import SearchHit, StoredChunk
from drafter.review.workflow import make_retriever, open_or_create_session, plan_draft, run_draft
from drafter.settings import Settings
from drafter.testing import FakeChatModel
from drafter.word.export import exemplar_lines

FENCED_RE = re.compile(r"<<<范文开始>>>\n(.*?)\n<<<范文结束>>>", re.S)


@pytest.fixture(scope="module")
def plan() -> Any:
    return plan_draft(FIGURES, None)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The example bureau's two past summaries in a real Chroma store (local e5)."""
    from drafter.corpus.store import CorpusStore

    root = tmp_path_factory.mktemp("store")
    subprocess.run(
        [sys.executable, "-m", "drafter.cli.main", "ingest", str(EXAMPLES), "--store", str(root)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return CorpusStore.open(Settings(store=root, cache_dir=root / "cache"))


def hit(bureau: str | None, region: str | None, score: float, name: str) -> SearchHit:
    chunk = StoredChunk(
        id=name, text="正文。", doc_id=name, source=name, heading_path="", kind="achievements",
        position=0, bureau=bureau, region=region,
    )  # fmt: skip
    return SearchHit(chunk=chunk, score=score)


def test_the_same_bureau_and_then_region_are_preferred() -> None:
    hits = [
        hit("别的局", "别的县", 0.030, "other"),
        hit("别的局", "示例县", 0.025, "region"),
        hit("示例县科学技术局", "示例县", 0.021, "own"),
    ]
    ranked = rank_hits(hits, "示例县科学技术局", "示例县")
    assert [h.chunk.id for h in ranked] == ["own", "region", "other"]
    assert 0.021 * BUREAU_BOOST > 0.030
    # the last of 8 fused candidates (only in one list) still outranks a peer's first one
    assert 1 / 68 * BUREAU_BOOST > 2 / 61


def test_a_passage_is_cut_at_a_sentence_end() -> None:
    text = "甲" * 100 + "。" + "乙" * 100 + "。" + "丙" * 100 + "。"
    assert cut_passage(text, 250) == "甲" * 100 + "。" + "乙" * 100 + "。"


# --- exemplars from a real store -------------------------------------------------------------


def test_every_guided_section_is_shown_the_bureaus_own_passages_with_numbers_masked(
    tmp_path: Path, plan: Any, store: Any
) -> None:
    session = open_or_create_session(tmp_path / "d", plan, "fake")
    model = FakeChatModel(responder=small_model)
    run_draft(
        session,
        plan,
        model,
        model_name="fake/small",
        retriever=make_retriever(store),
        concurrency=1,
        max_retries=0,
        backoff=0,
        mode="guided",
    )
    prompts = [str(call[-1].content) for call in model.prompts]
    passages = [p for prompt in prompts for p in FENCED_RE.findall(prompt)]
    assert len(passages) >= len(prompts) // 2
    for passage in passages:  # numbers masked, as in whole-section drafting (list markers kept)
        assert not re.search(r"[0-9]+(?![.．、])", passage), passage
    measures = next(p for p in prompts if "工作事实" in p)
    # the bureau's passage for the voice, then the one-shot example for the 一是/二是 form
    assert "【范文】" in measures and "另一个单位的" in measures
    assert measures.index("【范文】") < measures.index("另一个单位的") < measures.index("【任务】")
    for state in session.sections():
        version = state.current_version
        if version is None or version.origin == "code":
            continue
        assert version.exemplars, state.id
        assert all("示例县科学技术局" in e.source for e in version.exemplars)
        assert not re.search(r"[0-9]+(?![.．、])", "".join(e.text for e in version.exemplars))
        # shown in the Word review comments
        assert exemplar_lines(state)
    report = session.review_path.read_text(encoding="utf-8")
    assert "参考范文：无" not in report
    assert report.count("示例县科学技术局2024年工作总结及2025年工作打算") >= 5


def test_without_a_store_the_fixed_examples_remain(plan: Any) -> None:
    ctx = context(plan, small_model)
    version = draft_section(SectionRequest(task(plan, "area_entities")), ctx)
    prompt = ctx.model.last_prompt_text  # type: ignore[attr-defined]
    assert "另一个单位的" in prompt and "<<<范文开始>>>" not in prompt
    assert version.exemplars == []


# --- copy guard ------------------------------------------------------------------------------


PASSAGE = "我局坚持把高新技术企业培育作为推动产业升级的关键一招，建立梯次培育库。"


def test_a_run_of_twelve_characters_from_the_exemplar_is_a_copy() -> None:
    assert copied_run(
        "我局坚持把高新技术企业培育作为推动产业升级的重要抓手。", PASSAGE, stock=frozenset()
    )
    assert not copied_run("我局坚持把企业培育摆在突出位置。", PASSAGE, stock=frozenset())


def test_stock_phrases_and_the_tasks_own_words_are_not_copies() -> None:
    text = "我局坚持把高新技术企业培育作为推动产业升级的重要抓手。"
    run = copied_run(text, PASSAGE, stock=frozenset())
    windows = {run[i : i + 12] for i in range(len(run) - 11)}
    assert not copied_run(text, PASSAGE, stock=frozenset(windows))
    assert not copied_run(
        text, PASSAGE, own="我局坚持把高新技术企业培育作为推动产业升级的", stock=frozenset()
    )


def test_stock_phrases_are_mined_from_three_documents() -> None:
    shared = "在县委、县政府的坚强领导下，我局"
    docs = [f"{shared}开展工作甲。", f"今年，{shared}推进乙。", f"{shared}做好丙。", "无关。"]
    mined = mine_stock_phrases(docs)
    assert shared[:12] in mined and mined[shared[:12]] == 3
    assert not mine_stock_phrases(docs[:2])  # two documents are not enough
    assert not mine_stock_phrases([docs[0], docs[0], docs[0]])  # one document thrice
    assert isinstance(stock_phrases(), frozenset)  # the committed file loads


def exemplar_retriever(text: str) -> Any:
    def retrieve(query: str, kind: str, k: int) -> list[SearchHit]:
        chunk = StoredChunk(
            id="c1", text=text, doc_id="d1", source="示例县科学技术局2024年总结.txt",
            heading_path="一、", kind=kind, position=0, year=2024, bureau="示例县科学技术局",
        )  # fmt: skip
        return [SearchHit(chunk=chunk, score=0.03)]

    return retrieve


def test_copying_the_retrieved_passage_is_sent_back_then_code_writes_it(plan: Any) -> None:
    def copier(messages: list[dict[str, Any]]) -> str:
        prompt = str(messages[-1]["content"])
        return FENCED_RE.findall(prompt)[0] if "<<<范文开始>>>" in prompt else "好的。"

    passage = "我局始终把科技创新摆在全局工作的核心位置，一是强化统筹协调，二是狠抓工作落实，推动各项任务落地见效。"
    ctx = context(plan, copier, retriever=exemplar_retriever(passage))
    version = draft_section(SectionRequest(task(plan, "closing")), ctx)
    assert version.origin == "fallback"
    assert any("照抄了范文中的原句" in v for v in version.verification.violations)
    assert version.exemplars and version.exemplars[0].source.startswith("示例县")


# --- repetition guard ------------------------------------------------------------------------


def test_a_frame_opens_at_most_two_sections() -> None:
    registry = FrameRegistry()
    text = "通过这些措施，{topic}工作扎实推进。一是甲；二是乙。为推动全县高质量发展提供了有力支撑。"
    for i, topic in enumerate(["知识产权", "科技金融", "科学普及"]):
        problems = registry.claim(f"s{i}", text.format(topic=topic), topic)
        assert bool(problems) == (i == 2)
    assert "已在其他2节开头用过" in problems[0] and "结尾" in problems[1]
    assert registry.claim("s0", text.format(topic="知识产权"), "知识产权") == []  # a redraft


def test_topic_words_are_removed_from_a_frame() -> None:
    a = sentence_frame("围绕知识产权保护，我局持续发力", "知识产权保护 专利")
    b = sentence_frame("围绕科技金融服务，我局持续发力", "科技金融服务 贷款")
    assert a == b == "围绕我局持续发力"


def test_a_repeated_frame_is_asked_again(plan: Any) -> None:
    seen: list[str] = []

    def one_frame(messages: list[dict[str, Any]]) -> str:
        prompt = str(messages[-1]["content"])
        seen.append(prompt)
        facts = re.findall(r"^- (.+)$", task_block(prompt), flags=re.M)
        items = "；".join(
            f"{'一二三四五六七八九十'[i]}是扎实推进，{f}" for i, f in enumerate(facts)
        )
        if "句式已在" in prompt:
            return f"今年以来，我局主动作为、多措并举。{items}。工作基础进一步夯实。"
        return f"我局坚持统筹谋划、精准施策。{items}。相关工作成效明显。"

    ctx: DraftContext = context(plan, one_frame)
    areas = [t for t in plan.tasks if t.work_area is not None][:3]
    versions = [draft_section(SectionRequest(t), ctx) for t in areas]
    assert all(v.origin == "model" for v in versions)
    assert [v.text.startswith("我局坚持统筹谋划") for v in versions] == [True, True, False]
    assert versions[2].text.startswith("今年以来")


# --- echoed feedback, labels -----------------------------------------------------------------


def test_the_retry_error_text_can_never_reach_the_draft(plan: Any) -> None:
    def echoes(messages: list[dict[str, Any]]) -> str:
        prompt = str(messages[-1]["content"])
        if "结尾段" not in prompt:
            return small_model(messages)
        if "内容太长" in prompt:
            return "1.内容太长（229字）新的一年，我们将在县委、县政府的坚强领导下，真抓实干。"
        return (
            "新的一年，" + "我们将坚定信心、真抓实干、奋力推动科技创新工作再上新台阶，" * 6 + "。"
        )

    ctx = context(plan, echoes)
    version = draft_section(SectionRequest(task(plan, "closing")), ctx)
    assert "内容太长" not in version.text
    assert any("混入了上一稿的问题说明" in v for v in version.verification.violations)
    assert echoed_feedback(
        "内容太长（229字）新的一年", ["1. 内容太长（300字），请压缩到160字以内。"]
    )
    assert not echoed_feedback("新的一年，我们将真抓实干。", ["1. 内容太长（300字），请压缩。"])


def test_a_section_that_needs_no_model_call_is_labelled_code(plan: Any) -> None:
    import dataclasses

    targets = task(plan, "plan_targets")
    slots = [s for s in targets.slots if s.role != "plan_target"]
    empty = dataclasses.replace(targets, slots=slots, required=[])  # as planned without targets
    ctx = context(plan, small_model)
    version = draft_section(SectionRequest(empty), ctx)
    assert version.origin == "code"
    assert not version.verification.fallback and not version.verification.flags
    assert "模型多次违反" not in "".join(version.verification.flags)
    assert ctx.model.calls == 0  # type: ignore[attr-defined]
    assert ORIGIN_LABELS["code"] == "程序按数据生成（本节无需模型）"


def test_the_bureau_boost_applies_to_the_store_s_split_names() -> None:
    """The store keeps 科学技术局 and 示例县 apart; the figures file says 示例县科学技术局."""
    hits = [
        hit("科学技术局", "别的县", 0.030, "other"),
        hit("科技局", "示例县", 0.021, "own"),
    ]
    ranked = rank_hits(hits, "示例县科学技术局", "示例县")
    assert [h.chunk.id for h in ranked] == ["own", "other"]
