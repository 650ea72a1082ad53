"""Usage errors print one Chinese line with the fix and exit 2, whichever click typer uses.

typer ≥ 0.2x vendors click as ``typer._click``; these run ``drafter.cli.main.run`` in
process on the installed (locked) typer, so a typer upgrade that changes the exception
classes again fails here rather than on a user's machine.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator

import pytest

from drafter.cli import main as cli_main
from drafter.cli.usage import click_exception_types, usage_message


@pytest.fixture(autouse=True)
def _restore_signals() -> Iterator[None]:
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGHUP)}
    yield
    for sig, handler in saved.items():
        signal.signal(sig, handler)


def _run(
    argv: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["drafter", *argv])
    monkeypatch.setenv("COLUMNS", "60")  # narrow terminal: the line must still not wrap
    with pytest.raises(SystemExit) as info:
        cli_main.run()
    out, err = capsys.readouterr()
    code = info.value.code
    return (code if isinstance(code, int) else 1), out, err


def _one_chinese_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    assert lines[0].startswith("错误：")
    return lines[0]


def test_typer_exception_classes_are_caught() -> None:
    import typer.main

    types = click_exception_types()
    assert types
    vendored = getattr(typer.main, "_click", None)
    if vendored is not None:  # typer ≥ 0.2x: its own ClickException must be among them
        assert vendored.exceptions.ClickException in types


def test_unknown_command(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _run(["lnt", "x"], monkeypatch, capsys)
    assert code == 2
    line = _one_chinese_line(err)
    assert "没有命令 lnt" in line
    assert "drafter --help" in line
    assert out == ""


def test_unknown_option(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _out, err = _run(["draft", "--bogus"], monkeypatch, capsys)
    assert code == 2
    line = _one_chinese_line(err)
    assert "drafter draft 没有选项 --bogus" in line
    assert "drafter draft --help" in line


def test_missing_argument(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _out, err = _run(["draft"], monkeypatch, capsys)
    assert code == 2
    line = _one_chinese_line(err)
    assert "缺少参数 FIGURES" in line
    assert "drafter draft --help" in line


def test_bad_value(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = _run(["search", "专利", "--k", "abc"], monkeypatch, capsys)
    assert code == 2
    line = _one_chinese_line(err)
    assert "--k 的值无效：应为整数" in line
    assert "drafter search --help" in line


def test_no_arguments_shows_help_without_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _run(["model"], monkeypatch, capsys)
    assert code == 0
    assert "Traceback" not in out + err
    assert "install" in out + err


def test_unknown_command_through_the_console_script() -> None:
    """The same through a real process (the installed entry point's exit path)."""
    proc = subprocess.run(
        [sys.executable, "-m", "drafter.cli.main", "lint", "x"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2, proc.stderr
    assert _one_chinese_line(proc.stderr)


def test_message_of_a_plain_usage_error_is_still_chinese() -> None:
    for cls in click_exception_types():
        assert usage_message(cls("boom")).endswith("查看用法。")
