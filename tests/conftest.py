"""Shared fixtures: locations of the real web corpus and the example bureau."""

from __future__ import annotations

import contextlib
import io
import os
import signal
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")


def shared_corpus_dir() -> Path | None:
    """../shared/corpus beside the repository (or DRAFTER_SHARED_CORPUS), if present."""
    explicit = os.environ.get("DRAFTER_SHARED_CORPUS")
    candidates = [Path(explicit)] if explicit else []
    candidates.append(REPO.parent / "shared" / "corpus")
    for c in candidates:
        if c.is_dir() and any(c.glob("*.txt")):
            return c
    return None


def write_small_corpus(folder: Path, counties: str = "甲乙丙丁戊") -> list[Path]:
    """Short, distinct past summaries, one per county (one embedding request each), named so
    they ingest in file-name order."""
    lines = (
        (EXAMPLES / "示例县科学技术局2023年工作总结及2024年工作打算.txt")
        .read_text(encoding="utf-8")
        .splitlines()
    )
    keep = [*lines[0:6], *lines[22:28], *lines[38:41]]
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, county in enumerate(counties, 1):
        text = "\n".join(keep).replace("示例县", f"{county}县") + "\n"
        path = folder / f"{i:02d}-{county}县科学技术局2023年工作总结.txt"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


@pytest.fixture
def real_corpus() -> Path:
    """The real noisy web copies; tests using it skip cleanly where it is absent."""
    found = shared_corpus_dir()
    if found is None:
        pytest.skip("../shared/corpus not present")
    return found


@pytest.fixture
def examples_dir() -> Path:
    return EXAMPLES


@pytest.fixture(autouse=True)
def _isolated_settings(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """No test reads the developer's config file or DRAFTER_* variables or writes ~/.cache."""
    for name in list(os.environ):
        if name.startswith("DRAFTER_") and name != "DRAFTER_SHARED_CORPUS":
            monkeypatch.delenv(name, raising=False)
    empty_config = tmp_path_factory.getbasetemp() / "empty-config.toml"
    empty_config.touch()
    monkeypatch.setenv("DRAFTER_CONFIG", str(empty_config))
    monkeypatch.setenv("DRAFTER_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "cache"))


def drafter_cli(
    *args: str,
    cwd: Path,
    env: Mapping[str, str] | None = None,
    check: bool = True,
    timeout: float = 300,
    in_process: bool = True,
) -> subprocess.CompletedProcess[str]:
    """Run the real CLI entry point (drafter.cli.main.run): a user error must never show a
    Python traceback.

    In process by default (no interpreter start-up or imports per call, so the suite is
    fast); ``in_process=False`` runs it in a subprocess, for behaviour that involves
    signals, locks held by another process or a terminal.
    """
    if in_process:
        result = _run_in_process(list(args), cwd=cwd, env=env or {})
    else:
        result = subprocess.run(
            [sys.executable, "-m", "drafter.cli.main", *args],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=timeout,
            env={**os.environ, **(env or {})},
        )
    assert "Traceback" not in result.stderr, result.stderr
    if check:
        assert result.returncode == 0, result.stderr
    return result


def _run_in_process(
    args: list[str], *, cwd: Path, env: Mapping[str, str]
) -> subprocess.CompletedProcess[str]:
    """drafter.cli.main.run() with argv, cwd, environment, streams and signal handlers
    swapped in and restored afterwards; an exception run() lets through fails the test."""
    from drafter.cli import main as cli_main

    out, err = io.StringIO(), io.StringIO()
    saved_env = dict(os.environ)
    saved_cwd, saved_argv = os.getcwd(), sys.argv
    saved_handlers = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGHUP)}
    code: int = 0
    try:
        os.chdir(cwd)
        os.environ.update(env)
        sys.argv = ["drafter", *args]
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                cli_main.run()
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        sys.argv = saved_argv
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
        for sig, handler in saved_handlers.items():
            signal.signal(sig, handler)
        cli_main._received.clear()
    return subprocess.CompletedProcess(
        ["drafter", *args], code, stdout=out.getvalue(), stderr=err.getvalue()
    )
