"""`drafter draft` with no endpoint configured: it starts the bundled server and always stops it.

The loopback stub stands in for llama.cpp (DRAFTER_LOCAL_SERVER_COMMAND), so these run
without the real model; tests/test_local_e2e.py runs the real one.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import EXAMPLES

from drafter.review.session import Session

FIGURES = EXAMPLES / "figures-2025.yaml"


def stub_command(*extra: str) -> str:
    return json.dumps(
        [sys.executable, "-m", "drafter.testing.stub_llm", "--port", "{port}", *extra]
    )


def env_for(tmp_path: Path, command: str) -> dict[str, str]:
    return {
        **os.environ,
        "DRAFTER_CACHE_DIR": str(tmp_path / "cache"),
        "DRAFTER_LOCAL_SERVER_COMMAND": command,
        "DRAFTER_STORE": str(tmp_path / "no-store"),
        "DRAFTER_LLM_BACKOFF": "0.01",
    }


def state_file(tmp_path: Path) -> Path:
    return tmp_path / "cache" / "models" / "server.json"


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_draft_without_endpoint_starts_the_local_server_and_stops_it(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "drafter.cli.main", "draft", str(FIGURES), "--out", "d"],
        cwd=tmp_path,
        env=env_for(tmp_path, stub_command()),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "使用内置本地模型" in result.stderr
    assert (tmp_path / "d" / "draft.md").read_text(encoding="utf-8").startswith("# 示例县")
    assert not state_file(tmp_path).exists()  # nothing left running
    log = (tmp_path / "cache" / "models" / "server.log").read_text(encoding="utf-8")
    assert "POST /v1/chat/completions" in log or log  # the stub did serve


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_signal_mid_draft_stops_the_server_and_keeps_the_session(
    tmp_path: Path, sig: signal.Signals, code: int
) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "drafter.cli.main", "draft", str(FIGURES), "--out", "d"],
        cwd=tmp_path,
        env=env_for(tmp_path, stub_command("--latency", "120")),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while not state_file(tmp_path).exists():
            assert proc.poll() is None, proc.communicate()[1]
            assert time.monotonic() < deadline, "local server never started"
            time.sleep(0.2)
        server_pid = json.loads(state_file(tmp_path).read_text())["pid"]
        time.sleep(2.0)  # the first model call is in flight (the stub waits 120 s)
        started = time.monotonic()
        proc.send_signal(sig)
        _, stderr = proc.communicate(timeout=60)
        stopped_in = time.monotonic() - started
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == code, stderr
    assert "Traceback" not in stderr
    assert stopped_in < 30
    deadline = time.monotonic() + 10
    while alive(server_pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive(server_pid)
    assert not state_file(tmp_path).exists()
    session = Session.open(tmp_path / "d")  # readable, every section still pending
    assert session.problems == []
    assert all(s.current_version is None for s in session.sections())
