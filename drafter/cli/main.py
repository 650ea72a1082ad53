"""Entry point: `drafter` console script.

User errors (DrafterError) are shown as one Chinese message without a traceback;
Ctrl-C exits cleanly with code 130.
"""

from __future__ import annotations

import os
import signal
import sys

import typer
from rich.markup import escape

from drafter import __version__
from drafter.cli import compare as compare_cli
from drafter.cli import corpus as corpus_cli
from drafter.cli import draft as draft_cli
from drafter.cli import export as export_cli
from drafter.cli import model as model_cli
from drafter.cli import regenerate as regenerate_cli
from drafter.cli import session_cmd, settings_cmd
from drafter.cli.common import Terminated, err_console
from drafter.cli.usage import click_exception_types, is_help_request, usage_message
from drafter.errors import DrafterError

app = typer.Typer(
    name="drafter",
    help="起草局机关年度工作总结（公文），供人工审阅。",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
corpus_cli.register(app)
draft_cli.register(app)
export_cli.register(app)
settings_cmd.register(app)
model_cli.register(app)
compare_cli.register(app)
regenerate_cli.register(app)
session_cmd.register(app)


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
