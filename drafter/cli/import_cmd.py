"""`drafter import`: a reviewed Word document (tracked changes, comments) back into the session."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from drafter.cli.common import JsonOpt, err_console, out_console, print_json
from drafter.errors import InputError


def register(app: typer.Typer) -> None:
    app.command("import")(import_reviewed_cmd)


def import_reviewed_cmd(
    directory: Annotated[Path, typer.Argument(help="草稿目录（drafter draft 写出的会话目录）。")],
    reviewed: Annotated[Path, typer.Argument(help="审阅后的 Word 文档（.docx，可含修订和批注）。")],
    reject_all: Annotated[
        bool,
        typer.Option(
            "--reject-all",
            help="拒绝全部修订：保留原来的文字，只报告审阅人的修订（批注照常导入）。",
        ),
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="只显示导入报告，不修改会话。")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """导入审阅稿：修订（默认接受）和直接修改成为各节的新版本，批注成为各节的审阅批注。

    审阅稿按标题和内容与会话各节对应；每个改动过的章节新增一版（来源“审阅修改”，记审阅人），
    旧版本留在历史中，未改动的章节文件不动；新文字照常核对数字。对不上的内容逐条报告，不写入会话。
    """
    from drafter.word.review_import import import_reviewed, report_lines

    if not reviewed.exists():
        raise InputError(f"找不到审阅稿 {reviewed}。")
    if reviewed.suffix.lower() != ".docx":
        raise InputError(
            f"{reviewed} 不是 .docx 文件。",
            hint="drafter import 只读取 Word 的 .docx；.doc 或 WPS 格式请先另存为 .docx。",
        )
    report = import_reviewed(directory, reviewed, accept=not reject_all, dry_run=dry_run)
    if as_json:
        print_json(report.as_json())
    else:
        for line in report_lines(report):
            style = ""
            if line.lstrip().startswith("!"):
                style = "yellow"
            elif line.startswith("未能对应") or line.startswith("  - "):
                style = "red"
            elif line.startswith("【"):
                style = "bold"
            out_console.print(escape(line), style=style, highlight=False)
        if dry_run:
            out_console.print("（--dry-run：未修改会话）")
        elif not report.applied:
            out_console.print("没有需要导入的修改，会话未改动。")
    if report.mismatched and not as_json:
        err_console.print(
            "[yellow]审阅稿与会话有对不上的地方（见上）：这些内容未导入，会话中相应章节保持原样。[/]"
        )
    if report.mismatched:
        raise typer.Exit(1)
