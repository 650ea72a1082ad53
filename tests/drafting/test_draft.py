"""Drafting: every number in the draft comes from the figures, whatever the model writes."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import EXAMPLES, drafter_cli

from drafter.drafting.chain import (
    DraftContext,
    SectionRequest,
    draft_all,
    draft_section,
    mask_numbers,
)
from drafter.drafting.prompts import PromptSet
from drafter.figures import build_slot_table
from drafter.review.session import Session
from drafter.review.workflow import open_or_create_session, plan_draft, run_draft
from drafter.testing import FakeChatModel, ScriptedDrafter, StubLLMServer, hang, status
from drafter.testing.sessions import drafted_session

FIGURES = EXAMPLES / "figures-2025.yaml"


@pytest.fixture(scope="module")
def example_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example bureau's past summaries in a real Chroma store (exemplars with numbers)."""
    root = tmp_path_factory.mktemp("store")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "drafter.cli.main",
            "ingest",
            str(EXAMPLES),
            "--store",
            str(root / "store"),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return root / "store"


def every_figure_text() -> list[str]:
    """What must appear in a complete draft: every indicator value, fact and plan target."""
    table = build_slot_table(plan_draft(FIGURES, None).figures)
    return [
        s.text for s in table if s.role in ("value", "fact", "plan_target", "problem", "priority")
    ]


# --- the done-when test: a model that breaks every rule --------------------------------


def test_a_rule_breaking_model_cannot_put_a_foreign_number_into_the_draft(
    tmp_path: Path, example_store: Path
) -> None:
    liar = ScriptedDrafter(invent_numbers=True, copy_exemplar_numbers=True, drop_slots=2)
    with StubLLMServer(liar) as server:
        drafter_cli(
            "draft",
            str(FIGURES),
            "--out",
            "d",
            "--store",
            str(example_store),
            "--llm-base-url",
            server.base_url,
            "--llm-model",
            "stub-model",
            cwd=tmp_path,
            env={"DRAFTER_LLM_BACKOFF": "0.01"},
        )
        assert server.calls > 0
        # The exemplars the model saw had their numbers masked.
        prompts = " ".join(r.prompt_text for r in server.chat_requests)
        assert "<<<范文开始>>>" in prompts
    draft_md = (tmp_path / "d" / "draft.md").read_text(encoding="utf-8")
    checked = json.loads(
        drafter_cli("check", "d/draft.md", "--figures", str(FIGURES), "--json", cwd=tmp_path).stdout
    )
    assert checked == {"flagged": []}
    for text in every_figure_text():
        assert text in draft_md, f"missing from draft: {text}"
    assert "新增高新技术企业15家" not in draft_md
    review = (tmp_path / "d" / "review.md").read_text(encoding="utf-8")
    assert review.strip()


def test_check_flags_a_number_that_matches_no_figure(tmp_path: Path) -> None:
    doc = tmp_path / "draft.md"
    doc.write_text(
        "2025年，全县有效高新技术企业达到64家，同比增长16.7%。\n一是加强培训。\n", encoding="utf-8"
    )
    result = drafter_cli(
        "check", str(doc), "--figures", str(FIGURES), "--json", cwd=tmp_path, check=False
    )
    assert result.returncode == 1
    flagged = json.loads(result.stdout)["flagged"]
    assert [f["text"] for f in flagged] == ["64家"]
    assert flagged[0]["line"] == 1


# --- the chain with a fake model ---------------------------------------------------------


def _ctx(model: FakeChatModel, **kw: Any) -> tuple[DraftContext, Any]:
    plan = plan_draft(FIGURES, None)
    ctx = DraftContext(
        figures=plan.figures,
        table=build_slot_table(plan.figures),
        prompts=PromptSet.load(),
        model=model,
        model_name="fake/fake",
        backoff=0.0,
        **kw,
    )
    return ctx, plan


def _area_task(plan: Any) -> Any:
    return next(t for t in plan.tasks if t.id == "area_entities")


def test_violation_is_sent_back_and_a_corrected_draft_is_kept() -> None:
    good = ScriptedDrafter()
    answers = iter(["新增高新技术企业15家，工作成效明显。"])

    def responder(messages: list[dict[str, Any]]) -> str:
        return next(answers, None) or good.complete(messages)

    model = FakeChatModel(responder=responder)
    ctx, plan = _ctx(model)
    version = draft_section(SectionRequest(_area_task(plan)), ctx)
    assert version.origin == "model"
    assert version.verification is not None and version.verification.attempts == 2
    retry_prompt = model.openai_prompts[1][-1]["content"]
    assert "15家" in retry_prompt and "槽位" in retry_prompt
    assert "15家" not in version.text


def test_persistent_violations_end_in_the_code_written_fallback() -> None:
    model = FakeChatModel(responder=lambda m: "全年新增高新技术企业二十家，增长三成。")
    ctx, plan = _ctx(model, max_reprompts=2)
    task = _area_task(plan)
    version = draft_section(SectionRequest(task), ctx)
    assert model.calls == 3  # first draft + 2 re-prompts, then no more model calls
    assert version.origin == "fallback"
    assert version.verification is not None and version.verification.fallback
    for ref in task.required:
        assert ref in (version.template or "")
    assert "二十家" not in version.text
    assert version.verification.flags[0].startswith("模型多次违反数字规则，")


def test_the_fallback_note_names_the_rule_the_model_kept_breaking() -> None:
    def echo_rules(messages: list[dict[str, Any]]) -> str:
        system = next(m["content"] for m in messages if m["role"] == "system")
        return str(system).split("\n", 1)[0] + ScriptedDrafter().complete(messages)

    model = FakeChatModel(responder=echo_rules)
    ctx, plan = _ctx(model, max_reprompts=1)
    version = draft_section(SectionRequest(_area_task(plan)), ctx)
    assert version.origin == "fallback"
    note = version.verification.flags[0]  # type: ignore[union-attr]
    assert note.startswith("模型多次违反不得复述提示词，")
    assert "数字规则" not in note


def test_dropped_figures_are_treated_like_violations() -> None:
    model = FakeChatModel(responder=ScriptedDrafter(drop_slots=1).complete)
    ctx, plan = _ctx(model, max_reprompts=1)
    version = draft_section(SectionRequest(_area_task(plan)), ctx)
    assert version.origin == "fallback"
    assert any("漏掉" in v for v in version.verification.violations)  # type: ignore[union-attr]


def test_sections_are_drafted_concurrently_up_to_the_limit() -> None:
    in_flight = 0
    peak = 0
    lock = threading.Lock()
    good = ScriptedDrafter()

    def responder(messages: list[dict[str, Any]]) -> str:
        nonlocal in_flight, peak
        with lock:
            in_flight += 1
            peak = max(peak, in_flight)
        time.sleep(0.15)
        with lock:
            in_flight -= 1
        return good.complete(messages)

    ctx, plan = _ctx(FakeChatModel(responder=responder))
    requests = [SectionRequest(t) for t in plan.tasks if not t.container]
    results = draft_all(requests, ctx, concurrency=3)
    assert all(not isinstance(r, Exception) for r in results)
    assert peak == 3


def test_exemplar_numbers_are_masked() -> None:
    masked = mask_numbers("全县共有高新技术企业15家，争取资金430万元，占比23.39%，一是加强培训。")
    assert not re.search(r"\d", masked)
    assert "一是加强培训" in masked


# --- sessions: re-running never overwrites a person's decision ---------------------------


def test_redraft_keeps_accepted_and_edited_sections(tmp_path: Path) -> None:
    plan = plan_draft(FIGURES, None)
    model = FakeChatModel(responder=ScriptedDrafter().complete)
    session = open_or_create_session(tmp_path / "d", plan, "fake")
    kwargs: dict[str, Any] = dict(
        model_name="fake/fake", retriever=None, concurrency=2, max_retries=0, backoff=0.0
    )
    run_draft(session, plan, model, **kwargs)
    accepted = session.section("opening")
    session.save_section(accepted.accept())
    edited = session.section("problems")
    session.save_section(edited.edit("人工改写的问题段落。"))
    again = Session.open(tmp_path / "d")
    result = run_draft(again, plan, model, **kwargs)
    assert set(result.kept) >= {"opening", "problems"}
    final = Session.open(tmp_path / "d")
    assert final.section("opening").state == "accepted"
    assert final.section("problems").text == "人工改写的问题段落。"
    assert "人工改写的问题段落。" in (tmp_path / "d" / "draft.md").read_text(encoding="utf-8")


def test_status_json_lists_sections_with_ids(tmp_path: Path) -> None:
    drafted_session(tmp_path / "d", FIGURES)
    out = json.loads(drafter_cli("status", "d", "--json", cwd=tmp_path).stdout)
    ids = [s["id"] for s in out["sections"]]
    assert ids[0] == "opening" and "area_entities" in ids and "plan_targets" in ids
    row = next(s for s in out["sections"] if s["id"] == "area_entities")
    assert row["state"] == "drafted" and row["version"] == 1 and "63家" in row["text"]


def test_status_table_shows_heading_only_sections_as_headings_not_pending(tmp_path: Path) -> None:
    drafted_session(tmp_path / "d", FIGURES)
    table = drafter_cli("status", "d", cwd=tmp_path, env={"COLUMNS": "200"}).stdout
    achievements = next(line for line in table.splitlines() if "achievements" in line)
    assert "（标题）" in achievements
    assert "待起草" not in table  # every section with text was drafted


# --- endpoint faults through the real CLI ------------------------------------------------


@pytest.fixture
def good_server() -> Iterator[StubLLMServer]:
    with StubLLMServer(ScriptedDrafter()) as server:
        yield server


def test_rate_limits_are_retried_with_a_notice(tmp_path: Path, good_server: StubLLMServer) -> None:
    good_server.fail_next(status(429, retry_after=0), n=2)
    result = drafter_cli(
        "draft",
        str(FIGURES),
        "--out",
        "d",
        "--llm-base-url",
        good_server.base_url,
        "--store",
        "nostore",
        cwd=tmp_path,
        env={"DRAFTER_LLM_BACKOFF": "0.01", "DRAFTER_LLM_CONCURRENCY": "1"},
    )
    assert "重试" in result.stderr


def test_a_hanging_call_times_out_and_is_retried(
    tmp_path: Path, good_server: StubLLMServer
) -> None:
    good_server.fail_next(hang(30), n=1)
    started = time.monotonic()
    result = drafter_cli(
        "draft",
        str(FIGURES),
        "--out",
        "d",
        "--llm-base-url",
        good_server.base_url,
        "--store",
        "nostore",
        cwd=tmp_path,
        env={"DRAFTER_LLM_TIMEOUT": "1", "DRAFTER_LLM_BACKOFF": "0.01"},
    )
    assert time.monotonic() - started < 60
    assert "重试" in result.stderr


def test_a_bad_key_stops_at_once_with_a_clear_message(
    tmp_path: Path, good_server: StubLLMServer
) -> None:
    good_server.fail_when(lambda body: True, status(401))
    result = drafter_cli(
        "draft",
        str(FIGURES),
        "--out",
        "d",
        "--llm-base-url",
        good_server.base_url,
        "--store",
        "nostore",
        cwd=tmp_path,
        check=False,
        env={"DRAFTER_LLM_API_KEY": "sk-never-shown", "DRAFTER_LLM_CONCURRENCY": "1"},
    )
    assert result.returncode != 0
    assert "错误" in result.stderr
    assert "sk-never-shown" not in result.stderr + result.stdout
    sections = len([t for t in plan_draft(FIGURES, None).tasks if not t.container])
    assert good_server.calls <= sections  # no retries of an auth failure
    for f in (tmp_path / "d").rglob("*"):
        if f.is_file():
            assert "sk-never-shown" not in f.read_text(encoding="utf-8", errors="ignore")


@pytest.mark.parametrize(
    ("text", "heading", "kept"),
    [
        ("（一）科技创新主体培育\n正文。", "（一）科技创新主体培育", "正文。"),
        ("科技创新主体培育\n正文。", "（一）科技创新主体培育", "正文。"),
        ("科技金融\n正文。", "1.科技金融", "正文。"),
        # a short first line naming only the part after an inner 、 is body text
        ("成果转化成效明显\n正文。", "（二）科技创新、成果转化", "成果转化成效明显\n正文。"),
        ("科技创新、成果转化\n正文。", "（二）科技创新、成果转化", "正文。"),
    ],
)
def test_a_repeated_heading_is_dropped_from_the_answer(text: str, heading: str, kept: str) -> None:
    from drafter.drafting.chain import strip_heading

    assert strip_heading(text, heading) == kept
