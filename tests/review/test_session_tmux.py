"""The real interactive session, driven in a terminal (tmux) as a writer would use it.

Needs the tmux system package (apt: tmux); skipped cleanly without it. Every step waits
for the text it expects on the screen (polling capture-pane), never on a fixed sleep.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from conftest import EXAMPLES

from drafter.review.session import Session, lock_session_dir
from drafter.testing import Reply, ScriptedDrafter, StubLLMServer, hang
from drafter.testing.sessions import drafted_session

FIGURES = EXAMPLES / "figures-2025.yaml"
TMUX = shutil.which("tmux")
pytestmark = pytest.mark.skipif(TMUX is None, reason="tmux not installed (apt: tmux)")

EDITOR_SCRIPT = """\
import sys
from pathlib import Path

Path(sys.argv[1]).write_text("一是人工改写的段落，新增高新技术企业99家。\\n", encoding="utf-8")
"""


class Terminal:
    """A private tmux server (own socket) with one fixed-size window per started command."""

    def __init__(self, cwd: Path) -> None:
        self.socket = f"drafter-test-{uuid.uuid4().hex[:10]}"
        self.cwd = cwd
        self.name = ""

    def tmux(self, *args: str) -> str:
        assert TMUX is not None
        out = subprocess.run(
            [TMUX, "-u", "-L", self.socket, *args],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        )
        return out.stdout

    def start(self, name: str, argv: list[str], env: Mapping[str, str]) -> None:
        """Run ``argv`` in a new 200×50 window; the pane stays after exit and shows the code."""
        self.name = name
        assignments = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
        command = (
            f"cd {shlex.quote(str(self.cwd))} && env {assignments} "
            f"{shlex.join(argv)}; echo EXIT=$?; sleep 600"
        )
        self.tmux("new-session", "-d", "-s", name, "-x", "200", "-y", "50", command)
        self.tmux("set-option", "-t", name, "history-limit", "20000")

    def screen(self, *, escapes: bool = False) -> str:
        flags = ["-p", "-J", "-S", "-20000"] + (["-e"] if escapes else [])
        return self.tmux("capture-pane", "-t", self.name, *flags)

    def wait_for(self, text: str, *, after: int = 0, timeout: float = 60.0) -> str:
        """Poll until ``text`` appears more than ``after`` times on the screen (+history)."""
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if screen.count(text) > after:
                return screen
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for {text!r}; screen:\n{screen[-4000:]}")

    def send(self, line: str, expect: str, *, timeout: float = 60.0) -> str:
        """Type a line + Enter and wait for ``expect`` to show up anew."""
        seen = self.screen().count(expect)
        self.tmux("send-keys", "-t", self.name, "-l", line)
        self.tmux("send-keys", "-t", self.name, "Enter")
        return self.wait_for(expect, after=seen, timeout=timeout)

    def key(self, key: str, expect: str, *, timeout: float = 60.0) -> str:
        seen = self.screen().count(expect)
        self.tmux("send-keys", "-t", self.name, key)
        return self.wait_for(expect, after=seen, timeout=timeout)

    def close(self) -> None:
        subprocess.run(
            [TMUX or "tmux", "-L", self.socket, "kill-server"], capture_output=True, timeout=30
        )


def concise_aware(drafter: ScriptedDrafter) -> Any:
    """A well-behaved model whose paragraph visibly changes when asked to be concise."""

    def respond(body: dict[str, Any]) -> Reply:
        reply = drafter(body)
        prompt = json.dumps(body, ensure_ascii=False)
        if "【本次修改要求】更简洁" in prompt:
            return Reply(content="简洁稿：" + (reply.content or ""))
        return reply

    return respond


def section(directory: Path, sid: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        (directory / "sections" / f"{sid}.json").read_text(encoding="utf-8")
    )
    return data


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[Terminal]:
    term = Terminal(tmp_path)
    try:
        yield term
    finally:
        term.close()


def test_a_writer_drafts_regenerates_edits_accepts_undoes_exports_and_resumes(
    tmp_path: Path, terminal: Terminal
) -> None:
    editor = tmp_path / "editor.py"
    editor.write_text(EDITOR_SCRIPT, encoding="utf-8")
    env = {
        "EDITOR": f"{sys.executable} {editor}",
        "DRAFTER_CONFIG": os.environ["DRAFTER_CONFIG"],
        "DRAFTER_CACHE_DIR": os.environ["DRAFTER_CACHE_DIR"],
        "DRAFTER_LLM_TIMEOUT": "120",
        "DRAFTER_DRAFT_MODE": "slots",  # ScriptedDrafter writes whole sections with slots
        "ANONYMIZED_TELEMETRY": "False",
        "LANG": "C.UTF-8",
        "PYTHONIOENCODING": "utf-8",
    }
    d = tmp_path / "d"
    with StubLLMServer(concise_aware(ScriptedDrafter())) as server:
        argv = [sys.executable, "-m", "drafter.cli.main", "session"]
        opts = ["--store", "nostore", "--llm-base-url", server.base_url]
        terminal.start("first", [*argv, str(FIGURES), "--out", "d", *opts], env)

        # Given FIGURES: the session dir is made and drafting all sections is offered.
        terminal.wait_for("有 12 节待起草，现在起草吗？")
        assert server.calls == 0  # the model is started lazily
        terminal.send("", "起草完成：12 节")
        terminal.wait_for("drafter[-]>")
        assert len(server.chat_requests) >= 12
        assert all(section(d, s.stem)["versions"] for s in (d / "sections").glob("area_*.json"))

        # Open a section: text with the code-written figures highlighted.
        screen = terminal.send("open area_entities", "drafter[area_entities]>")
        assert "（一）科技创新主体培育" in screen and "63家" in screen
        colours = terminal.screen(escapes=True)
        assert re.search(r"(\x1b\[[0-9;]*m)*\x1b\[[0-9;]*36[0-9;]*m(\x1b\[[0-9;]*m)*63家", colours)

        # Regenerate with an instruction: one model call for this section only.
        others = {p.name: p.read_bytes() for p in (d / "sections").glob("*.json")}
        calls = len(server.chat_requests)
        screen = terminal.send("regen 更简洁", "已生成第 2 版")
        terminal.wait_for("简洁稿：一是")
        new_calls = server.chat_requests[calls:]
        assert new_calls
        for call in new_calls:  # this section's calls only
            assert "（一）科技创新主体培育" in call.prompt_text
            assert "【本次修改要求】更简洁" in call.prompt_text
            assert "知识产权创造保护运用" not in call.prompt_text
        changed = {
            p.name for p in (d / "sections").glob("*.json") if p.read_bytes() != others[p.name]
        }
        assert changed == {"area_entities.json"}
        state = section(d, "area_entities")
        assert state["current"] == 2 and state["versions"][1]["instruction"] == "更简洁"

        # Edit in $EDITOR: the new text is checked for numbers at once.
        screen = terminal.send("edit", "数字核对：1 处与数据对不上")
        terminal.wait_for("找不到对应数字")
        state = section(d, "area_entities")
        assert state["current"] == 3 and state["versions"][2]["origin"] == "edit"
        assert any("99家" in f for f in state["versions"][2]["verification"]["flags"])

        terminal.send("accept", "已采纳")
        assert section(d, "area_entities")["state"] == "accepted"

        terminal.send("diff", "+++ 第3版")
        # rich may paint the diff in more than one write: wait for its last line too
        terminal.wait_for("+一是人工改写的段落，新增高新技术企业99家。")

        terminal.send("undo 2", "已回到第 2 版")
        state = section(d, "area_entities")
        assert state["current"] == 2 and len(state["versions"]) == 3

        # Ctrl-C at the prompt cancels the input, not the session.
        terminal.key("C-c", "已取消输入")

        # Ctrl-C while the model hangs cancels the regeneration; nothing is saved.
        server.fail_next(hang(60))
        terminal.send("regen", "正在重新起草")
        terminal.key("C-c", "已取消，本次操作没有保存任何改动")
        state = section(d, "area_entities")
        assert state["current"] == 2 and len(state["versions"]) == 3

        # A second session on the same directory is refused in Chinese.
        second = subprocess.run(
            [*argv, "d", "--store", "nostore"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, "COLUMNS": "200"},
        )
        assert second.returncode == 2
        assert "正被另一个进程使用" in second.stderr and "Traceback" not in second.stderr

        terminal.send("export", "已写出")
        screen = terminal.wait_for("review.md")
        assert "draft.md" in screen
        draft_md = (d / "draft.md").read_text(encoding="utf-8")
        assert "简洁稿：一是" in draft_md and "99家" not in draft_md

        terminal.send("quit", "EXIT=0")
        history = (d / ".drafter_history").read_text(encoding="utf-8")
        assert "regen 更简洁" in history and "undo 2" in history

        # Resume from DIR: the state is as left; no model is started just to read.
        calls = server.calls
        terminal.start("second", [*argv, "d", *opts], env)
        screen = terminal.wait_for("drafter[-]>")
        assert "area_entities" in screen and "2/3" in screen
        screen = terminal.send("open 3", "drafter[area_entities]>")
        assert "第 2 版/共 3 版" in screen and "简洁稿：一是" in screen
        terminal.key("C-d", "EXIT=0")
        assert server.calls == calls


@pytest.mark.parametrize(
    ("sig", "code"),
    [(signal.SIGKILL, 137), (signal.SIGTERM, 143), (signal.SIGHUP, 129)],
    ids=["SIGKILL", "SIGTERM", "SIGHUP"],
)
def test_killing_the_session_mid_regeneration_loses_nothing(
    tmp_path: Path, terminal: Terminal, sig: signal.Signals, code: int
) -> None:
    """SIGKILL leaves the last saved state; SIGTERM and SIGHUP (a closed terminal) end the
    session too, never read as "cancel this command" — and release the directory."""
    session = drafted_session(tmp_path / "d", FIGURES)
    session.save_section(session.section("area_ip").accept())
    before = {p.name: p.read_bytes() for p in (tmp_path / "d" / "sections").glob("*.json")}
    env = {
        "DRAFTER_CONFIG": os.environ["DRAFTER_CONFIG"],
        "DRAFTER_CACHE_DIR": os.environ["DRAFTER_CACHE_DIR"],
        "LANG": "C.UTF-8",
    }
    with StubLLMServer(ScriptedDrafter()) as server:
        server.fail_next(hang(120))
        argv = [sys.executable, "-m", "drafter.cli.main", "session", "d"]
        terminal.start(
            "killed", [*argv, "--store", "nostore", "--llm-base-url", server.base_url], env
        )
        terminal.wait_for("drafter[-]>")
        terminal.send("open area_ip", "drafter[area_ip]>")
        terminal.send("regen 更简洁", "正在重新起草")
        deadline = time.monotonic() + 60
        while server.calls == 0:
            assert time.monotonic() < deadline, "the model was never called"
            time.sleep(0.05)
        pane = terminal.tmux("display-message", "-p", "-t", "killed", "#{pane_pid}").strip()
        children = subprocess.run(
            ["pgrep", "-P", pane], capture_output=True, text=True, check=True
        ).stdout.split()
        assert len(children) == 1
        os.kill(int(children[0]), sig)
        terminal.wait_for(f"EXIT={code}")

    reopened = Session.open(tmp_path / "d")
    assert reopened.problems == []
    after = {p.name: p.read_bytes() for p in (tmp_path / "d" / "sections").glob("*.json")}
    assert after == before
    state = reopened.section("area_ip")
    assert state.state == "accepted" and state.current == 1
    # The directory lock died with the process.
    with lock_session_dir(tmp_path / "d"):
        pass
