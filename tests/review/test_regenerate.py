"""`drafter regenerate`: one section's model calls only, history kept, crash-safe, locked."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import EXAMPLES, drafter_cli

from drafter.review.session import Session, lock_session_dir
from drafter.review.workflow import plan_draft, run_draft
from drafter.testing import FakeChatModel, ScriptedDrafter, StubLLMServer, hang
from drafter.testing.sessions import drafted_session

FIGURES = EXAMPLES / "figures-2025.yaml"
# ScriptedDrafter writes whole sections with slots: draft in that mode whatever the default.
CLI_ENV = {**os.environ, "DRAFTER_DRAFT_MODE": "slots"}


def drafter_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "drafter.cli.main", *args]


def run_cli(*args: str, cwd: Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    return drafter_cli(*args, cwd=cwd, env=CLI_ENV, check=check, timeout=120)


def flat(text: str) -> str:
    """Rich wraps long messages at the terminal width; compare without the line breaks."""
    return text.replace("\n", "")


def section_bytes(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((directory / "sections").glob("*.json"))}


def regenerate_args(server: StubLLMServer, section: str, *extra: str) -> list[str]:
    return [
        "regenerate",
        "d",
        "--section",
        section,
        "--llm-base-url",
        server.base_url,
        "--store",
        "nostore",
        *extra,
    ]


def test_only_the_chosen_section_is_redrafted_and_the_instruction_reaches_the_prompt(
    tmp_path: Path,
) -> None:
    drafted_session(tmp_path / "d", FIGURES)
    before = section_bytes(tmp_path / "d")
    with StubLLMServer(ScriptedDrafter()) as server:
        result = run_cli(
            *regenerate_args(server, "area_ip", "--instruction", "突出专利工作", "--json"),
            cwd=tmp_path,
        )
        chats = server.chat_requests
    assert chats  # that section's calls and no other:
    for chat in chats:
        assert "（四）知识产权创造保护运用" in chat.prompt_text
        assert "【本次修改要求】突出专利工作" in chat.prompt_text
        assert "科技创新主体培育" not in chat.prompt_text
    out = json.loads(result.stdout)
    assert (out["section"], out["version"], out["previous"]) == ("area_ip", 2, 1)
    after = section_bytes(tmp_path / "d")
    changed = {name for name in before if before[name] != after[name]}
    assert changed == {"area_ip.json"}
    state = Session.open(tmp_path / "d").section("area_ip")
    assert [v.instruction for v in state.versions] == [None, "突出专利工作"]
    assert state.current == 2 and state.versions[0].text  # the old version is kept
    assert state.text in (tmp_path / "d" / "draft.md").read_text(encoding="utf-8")


def test_regenerating_an_accepted_section_puts_the_new_version_in_force(tmp_path: Path) -> None:
    session = drafted_session(tmp_path / "d", FIGURES)
    session.save_section(session.section("problems").edit("人工改写的问题段落。").accept())
    with StubLLMServer(ScriptedDrafter()) as server:
        run_cli(*regenerate_args(server, "problems"), cwd=tmp_path)
    state = Session.open(tmp_path / "d").section("problems")
    assert [v.origin for v in state.versions][:2] == ["model", "edit"]
    assert len(state.versions) == 3 and state.versions[2].origin in ("model", "fallback")
    assert state.current == 3 and state.state in ("drafted", "flagged")
    assert state.versions[1].text == "人工改写的问题段落。"


def test_unknown_and_heading_only_sections_are_refused_in_chinese(tmp_path: Path) -> None:
    drafted_session(tmp_path / "d", FIGURES)
    with StubLLMServer(ScriptedDrafter()) as server:
        unknown = run_cli(*regenerate_args(server, "nope"), cwd=tmp_path, check=False)
        heading = run_cli(*regenerate_args(server, "plan"), cwd=tmp_path, check=False)
        assert server.calls == 0
    assert unknown.returncode == 2 and "没有编号为 nope 的章节" in flat(unknown.stderr)
    assert "area_ip" in flat(unknown.stderr)  # the valid ids are listed
    assert heading.returncode == 2 and "只有标题" in flat(heading.stderr)


def test_a_locked_directory_is_refused_at_once(tmp_path: Path) -> None:
    drafted_session(tmp_path / "d", FIGURES)
    with StubLLMServer(ScriptedDrafter()) as server, lock_session_dir(tmp_path / "d"):
        result = run_cli(*regenerate_args(server, "area_ip"), cwd=tmp_path, check=False)
        assert server.calls == 0
    assert result.returncode == 2
    assert "正被另一个进程使用" in flat(result.stderr)


def test_killing_a_regeneration_mid_call_leaves_the_previous_version_intact(
    tmp_path: Path,
) -> None:
    session = drafted_session(tmp_path / "d", FIGURES)
    old = session.section("area_ip").model_dump()
    before = section_bytes(tmp_path / "d")
    with StubLLMServer(ScriptedDrafter()) as server:
        server.fail_next(hang(120))
        proc = subprocess.Popen(
            drafter_cmd(*regenerate_args(server, "area_ip")),
            cwd=tmp_path,
            env=CLI_ENV,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 60
            while server.calls == 0:
                assert proc.poll() is None, "regenerate ended before calling the model"
                assert time.monotonic() < deadline, "the model was never called"
                time.sleep(0.05)
            os.kill(proc.pid, signal.SIGKILL)
            assert proc.wait(timeout=30) == -signal.SIGKILL
        finally:
            if proc.poll() is None:
                proc.kill()
        reopened = Session.open(tmp_path / "d")
        assert reopened.problems == []
        assert reopened.section("area_ip").model_dump() == old
        assert section_bytes(tmp_path / "d") == before
        # The OS lock died with the process: the next regenerate goes ahead.
        run_cli(*regenerate_args(server, "area_ip"), cwd=tmp_path)
    state = Session.open(tmp_path / "d").section("area_ip")
    assert len(state.versions) == 2 and state.current == 2


@pytest.mark.parametrize("instruction", ["更简洁", "增加一是二是三是"])
def test_run_draft_passes_the_instruction_to_the_model(tmp_path: Path, instruction: str) -> None:
    session = drafted_session(tmp_path / "d", FIGURES)
    model = FakeChatModel(responder=ScriptedDrafter().complete)
    run_draft(
        session,
        plan_draft(FIGURES, None),
        model,
        model_name="fake/fake",
        retriever=None,
        concurrency=1,
        max_retries=0,
        backoff=0.0,
        section_ids=["opening"],
        instruction=instruction,
    )
    assert model.calls == 1
    assert f"【本次修改要求】{instruction}" in model.openai_prompts[0][-1]["content"]
