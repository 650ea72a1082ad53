"""Entry point: `drafter` console script.

User errors (DrafterError) are shown as one Chinese message without a traceback;
Ctrl-C exits cleanly with code 130.
"""

from __future__ import annotations

import os
import sys

import click
import typer

from drafter import __version__
from drafter.cli import corpus as corpus_cli
from drafter.cli import draft as draft_cli
from drafter.cli import model as model_cli
from drafter.cli import settings_cmd
from drafter.cli.common import err_console
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
settings_cmd.register(app)
model_cli.register(app)


@app.command("version")
def version() -> None:
    """显示版本号。"""
    typer.echo(__version__)


def run() -> None:
    """Console-script entry: map errors to messages and exit codes."""
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    try:
        code = app(standalone_mode=False)
        # click returns typer.Exit's code instead of raising it when not standalone.
        if isinstance(code, int) and code:
            sys.exit(code)
    except DrafterError as exc:
        err_console.print(f"[bold red]错误：[/]{exc.message}", highlight=False)
        if exc.hint:
            err_console.print(f"[yellow]提示：[/]{exc.hint}", highlight=False)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        err_console.print("[yellow]已中断。已完成的部分已保存。[/]")
        sys.exit(130)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        err_console.print("[yellow]已取消。[/]")
        sys.exit(130)
    except click.ClickException as exc:  # usage errors: bad option, missing argument
        exc.show()
        sys.exit(exc.exit_code)


if __name__ == "__main__":
    run()
