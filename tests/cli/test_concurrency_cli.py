"""Two drafter processes on one store or one draft directory, as users start them.

Two ingests on one store both finish and lose nothing (the second waits for the write
lock and says so). A draft directory belongs to one process at a time: while an
interactive session, a regenerate or a draft works on it, every other command that
would change it is refused at once with a Chinese message, and not one byte changes.

The interactive session runs in a real pseudo-terminal (Python's ``pty``; no system
package needed). Every wait polls for an observable event, never a fixed sleep.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import EXAMPLES, write_small_corpus

from drafter.review.session import Session
from drafter.testing import (
    EMBEDDINGS_PATH,
    Fault,
    FaultContext,
    Reply,
    ScriptedDrafter,
    StubLLMServer,
)
from drafter.testing.sessions import drafted_session

FIGURES = EXAMPLES / "figures-2025.yaml"
CLI_ENV = {"COLUMNS": "200", "DRAFTER_DRAFT_MODE": "slots", "DRAFTER_LLM_BACKOFF": "0.01"}
BUSY = "正被另一个进程使用"
ANSI = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07]*\x07|[()][0-9A-Za-z]|[=>])")


# --------------------------------------------------------------------------- helpers


def drafter_argv(*args: str) -> list[str]:
    return [sys.executable, "-m", "drafter.cli.main", *args]


def cli_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    return {**os.environ, **CLI_ENV, **(extra or {})}


def cli(
    *args: str, cwd: Path, env: dict[str, str] | None = None, expect: int = 0
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        drafter_argv(*args),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        env=cli_env(env),
    )
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == expect, f"exit {result.returncode}\n{result.stderr}"
    return result


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def gate(opened: threading.Event) -> Fault:
    """Hold the call until ``opened`` is set, then answer normally."""

    def apply(ctx: FaultContext) -> Reply:
        while not opened.is_set():
            if not ctx.wait(0.05):
                return Reply(drop=True)
        return ctx.normal()

    return Fault("gate", apply)


class Running:
    """A background drafter command whose stderr is collected line by line as it comes."""

    def __init__(self, argv: list[str], cwd: Path, env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        self.err_lines: list[str] = []
        self.out = ""
        assert self.proc.stderr is not None and self.proc.stdout is not None
        stderr, stdout = self.proc.stderr, self.proc.stdout
        self._threads = [
            threading.Thread(target=lambda: self.err_lines.extend(stderr), daemon=True),
            threading.Thread(target=lambda: setattr(self, "out", stdout.read()), daemon=True),
        ]
        for t in self._threads:
            t.start()

    @property
    def stderr(self) -> str:
        return "".join(self.err_lines)

    def finish(self, timeout: float = 120) -> int:
        code = self.proc.wait(timeout=timeout)
        for t in self._threads:
            t.join(timeout=10)
        assert "Traceback" not in self.stderr, self.stderr
        return code

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=30)


class PtySession:
    """`drafter session` in a pseudo-terminal: type lines, wait for text on the screen."""

    def __init__(self, argv: list[str], cwd: Path, env: dict[str, str]) -> None:
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 200, 0, 0))
        self.proc = subprocess.Popen(
            argv,
            cwd=cwd,
            env={**env, "TERM": "xterm-256color", "PROMPT_TOOLKIT_NO_CPR": "1"},
            stdin=slave,
            stdout=slave,
            stderr=slave,
            start_new_session=True,
        )
        os.close(slave)
        self.master = master
        self.raw = b""

    @property
    def screen(self) -> str:
        return ANSI.sub("", self.raw.decode("utf-8", errors="replace"))

    def _pump(self, timeout: float) -> None:
        ready, _, _ = select.select([self.master], [], [], timeout)
        if ready:
            try:
                self.raw += os.read(self.master, 65536)
            except OSError:  # the child closed the terminal
                time.sleep(timeout)

    def wait_for(self, text: str, *, after: int = 0, timeout: float = 90) -> str:
        deadline = time.monotonic() + timeout
        while self.screen.count(text) <= after:
            assert time.monotonic() < deadline, f"no {text!r} on screen:\n{self.screen[-3000:]}"
            self._pump(0.1)
        return self.screen

    def send(self, line: str) -> None:
        os.write(self.master, line.encode("utf-8") + b"\r")

    def close(self) -> int | None:
        if self.proc.poll() is None:
            self.proc.kill()
        code = self.proc.wait(timeout=30)
        with contextlib.suppress(OSError):
            os.close(self.master)
        return code


@contextlib.contextmanager
def pty_session(argv: list[str], cwd: Path, env: dict[str, str]) -> Iterator[PtySession]:
    term = PtySession(argv, cwd, env)
    try:
        yield term
    finally:
        term.close()


def snapshot(directory: Path) -> dict[str, bytes]:
    """Every file of a draft directory but the lock file, byte for byte."""
    return {
        str(p.relative_to(directory)): p.read_bytes()
        for p in sorted(directory.rglob("*"))
        if p.is_file() and p.name != ".lock"
    }


def model_args(server: StubLLMServer) -> list[str]:
    return ["--store", "nostore", "--llm-base-url", server.base_url, "--llm-model", "stub-model"]


def intruders(server: StubLLMServer) -> dict[str, list[str]]:
    """Every command that would change the draft directory ``d``."""
    return {
        "session": ["session", "d", *model_args(server)],
        "regenerate": ["regenerate", "d", "--section", "opening", *model_args(server)],
        "draft": ["draft", str(FIGURES), "--out", "d", *model_args(server)],
    }


def assert_refused(tmp_path: Path, server: StubLLMServer, names: list[str]) -> None:
    """Each named command is refused at once, without calling the model or writing a byte."""
    before = snapshot(tmp_path / "d")
    calls = server.calls
    for name in names:
        result = cli(*intruders(server)[name], cwd=tmp_path, expect=2)
        assert BUSY in result.stderr.replace("\n", ""), f"{name}: {result.stderr}"
        assert "错误：" in result.stderr
    assert server.calls == calls
    assert snapshot(tmp_path / "d") == before


# ------------------------------------------------------------------------ the store


def test_two_ingests_on_one_store_at_once_both_finish_and_lose_nothing(tmp_path: Path) -> None:
    docs = write_small_corpus(tmp_path / "docs")
    first = [str(p.relative_to(tmp_path)) for p in docs[:3]]
    second = [str(p.relative_to(tmp_path)) for p in docs[2:]]  # docs[2] is in both
    opened = threading.Event()
    with StubLLMServer() as embedder:
        env = cli_env(
            {
                "DRAFTER_EMBEDDING": "openai",
                "DRAFTER_EMBEDDING_BASE_URL": embedder.base_url,
                "DRAFTER_EMBEDDING_MODEL": "stub-embedding",
            }
        )
        # The first writer is held inside the store (lock taken) until the second waits.
        embedder.schedule(gate(opened), times=1, path=EMBEDDINGS_PATH)
        a = Running(drafter_argv("ingest", *first, "--store", "store", "--json"), tmp_path, env)
        b: Running | None = None
        try:
            wait_until(lambda: embedder.call_counts.get(EMBEDDINGS_PATH, 0) >= 1, "ingest A")
            b = waiting = Running(
                drafter_argv("ingest", *second, "--store", "store", "--json"), tmp_path, env
            )
            wait_until(lambda: "另一个进程正在写入向量库" in waiting.stderr, "ingest B to wait")
            assert a.proc.poll() is None  # A still holds the store
            opened.set()
            assert a.finish() == 0, a.stderr
            assert b.finish() == 0, b.stderr
        finally:
            opened.set()
            a.kill()
            if b is not None:
                b.kill()
        a_files = json.loads(a.out)["files"]
        b_files = json.loads(b.out)["files"]
        assert [f["status"] for f in a_files] == ["added"] * 3
        assert [f["status"] for f in b_files] == ["unchanged", "added", "added"]

        listed = json.loads(
            cli("corpus", "list", "--json", "--store", "store", cwd=tmp_path, env=env).stdout
        )
        assert sorted(Path(d["source"]).name for d in listed) == sorted(p.name for p in docs)
        stats = json.loads(
            cli("corpus", "stats", "--json", "--store", "store", cwd=tmp_path, env=env).stdout
        )
        assert stats["documents"] == 5
        assert stats["chunks"] == sum(d["n_chunks"] for d in listed)  # none lost, none twice
        shown = json.loads(
            cli(
                "corpus", "show", docs[2].name, "--json", "--store", "store", cwd=tmp_path, env=env
            ).stdout
        )
        assert len(shown["chunks"]) == shown["document"]["n_chunks"]


# ------------------------------------------------------------ the draft directory


def test_while_a_session_is_open_regenerate_and_draft_are_refused_and_change_nothing(
    tmp_path: Path,
) -> None:
    drafted_session(tmp_path / "d", FIGURES)
    with StubLLMServer(ScriptedDrafter()) as server:
        argv = drafter_argv("session", "d", *model_args(server))
        with pty_session(argv, tmp_path, cli_env()) as term:
            term.wait_for("drafter[-]>")
            assert_refused(tmp_path, server, ["regenerate", "draft", "session"])
            term.send("quit")
            wait_until(lambda: term.proc.poll() is not None, "the session to quit")
            assert term.proc.returncode == 0
        # The session is gone: the same regenerate now goes ahead.
        cli(*intruders(server)["regenerate"], cwd=tmp_path)
        assert server.calls >= 1
    state = Session.open(tmp_path / "d").section("opening")
    assert len(state.versions) == 2 and state.current == 2


@pytest.mark.parametrize("holder", ["regenerate", "draft"])
def test_while_a_command_works_on_a_directory_the_others_are_refused(
    tmp_path: Path, holder: str
) -> None:
    drafted_session(tmp_path / "d", FIGURES)
    opened = threading.Event()
    with StubLLMServer(ScriptedDrafter()) as server:
        server.fail_next(gate(opened))  # the holder's first model call waits for the test
        args = intruders(server)[holder]
        running = Running(drafter_argv(*args), tmp_path, cli_env({"DRAFTER_LLM_CONCURRENCY": "1"}))
        try:
            wait_until(lambda: server.calls >= 1, f"{holder} to call the model")
            assert_refused(tmp_path, server, ["session", "regenerate", "draft"])
            opened.set()
            assert running.finish() == 0, running.stderr
        finally:
            opened.set()
            running.kill()
    final = Session.open(tmp_path / "d")
    assert final.problems == []
    assert len(final.section("opening").versions) == 2  # the holder's work landed
