"""Entry point: `drafter` console script.

User errors (DrafterError) are shown as one Chinese message without a traceback;
Ctrl-C exits cleanly with code 130.
"""

from __future__ import annotations

import importlib
import os
import signal
import sys
from collections.abc import Iterator, MutableMapping
from typing import Any

import typer
from rich.markup import escape
from typer.core import TyperGroup

from drafter import __version__
from drafter.cli.common import Terminated, err_console
from drafter.cli.usage import click_exception_types, is_help_request, usage_message
from drafter.errors import DrafterError

#: Command name → the drafter.cli module that registers it. A command's module (and so
#: chromadb, openai or langchain) is imported only when that command runs: `version`,
#: `config`, `status`, `check`, `export` and `lint` start without them.
COMMAND_MODULES: dict[str, str] = {
    "ingest": "corpus",
    "search": "corpus",
    "corpus": "corpus",
    "draft": "draft",
    "status": "review_cmds",
    "check": "review_cmds",
    "export": "export",
    "config": "settings_cmd",
    "model": "model",
    "compare": "compare",
    "regenerate": "regenerate",
    "session": "session_cmd",
    "lint": "lint",
    "import": "import_cmd",
}


def _module_commands(module: str) -> dict[str, Any]:
    """The click commands one drafter.cli module registers, built as typer builds them."""
    sub = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    importlib.import_module(f"drafter.cli.{module}").register(sub)
    return dict(typer.main.get_group(sub).commands)


class _LazyCommands(MutableMapping[str, Any]):
    """The group's command table: names known up front, commands built on first use."""

    def __init__(self, eager: MutableMapping[str, Any]) -> None:
        self._loaded: dict[str, Any] = dict(eager)
        self._names = list(eager) + [n for n in COMMAND_MODULES if n not in eager]

    def __getitem__(self, name: str) -> Any:
        if name not in self._loaded:
            if name not in COMMAND_MODULES:
                raise KeyError(name)
            self._loaded.update(_module_commands(COMMAND_MODULES[name]))
        return self._loaded[name]

    def __setitem__(self, name: str, command: Any) -> None:
        self._loaded[name] = command
        if name not in self._names:
            self._names.append(name)

    def __delitem__(self, name: str) -> None:
        self._loaded.pop(name, None)
        self._names.remove(name)

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def __contains__(self, name: object) -> bool:
        return name in self._names


class LazyGroup(TyperGroup):
    """typer's group with a lazily filled command table (see COMMAND_MODULES)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.commands = _LazyCommands(self.commands)


app = typer.Typer(
    name="drafter",
    help="起草局机关年度工作总结（公文），供人工审阅。",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    cls=LazyGroup,
)


@app.callback()
def _root() -> None:
    """起草局机关年度工作总结（公文），供人工审阅。"""


@app.command("version")
def version() -> None:
    """显示版本号。"""
    typer.echo(__version__)


_received: list[int] = []  # the termination signal, if one arrived


def _terminate(signum: int, frame: object) -> None:
    _received.append(signum)
    raise Terminated(signum)


def _interrupted() -> None:
    """Ctrl-C or a termination signal: the clean-up has run; say so and exit accordingly."""
    if _received:
        err_console.print("[yellow]收到终止信号，已停止。已完成的部分已保存。[/]")
        sys.exit(128 + _received[0])
    err_console.print("[yellow]已中断。已完成的部分已保存。[/]")
    sys.exit(130)


def run() -> None:
    """Console-script entry: map errors to messages and exit codes."""
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _terminate)
    try:
        code = app(standalone_mode=False)
        # typer turns KeyboardInterrupt (so also Terminated) into exit code 130, and returns
        # typer.Exit's code instead of raising it when not standalone.
        if code == 130 or _received:
            _interrupted()
        if isinstance(code, int) and code:
            sys.exit(code)
    except DrafterError as exc:
        # escape: messages quote file names and contents, which may hold "[/]"
        err_console.print(f"[bold red]错误：[/]{escape(exc.message)}", highlight=False)
        if exc.hint:
            err_console.print(f"[yellow]提示：[/]{escape(exc.hint)}", highlight=False)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:  # libraries may re-raise it as a new exception: see _received
        _interrupted()
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:  # click turns KeyboardInterrupt (and so Terminated) into Abort
        _interrupted()
    except click_exception_types() as exc:  # usage errors: typer's vendored click or click
        if is_help_request(exc):
            show = getattr(exc, "show", None)
            if callable(show):
                show()
            sys.exit(0)
        err_console.print(
            f"[bold red]错误：[/]{escape(usage_message(exc))}", highlight=False, soft_wrap=True
        )
        sys.exit(int(getattr(exc, "exit_code", 2)) or 2)


if __name__ == "__main__":
    run()
