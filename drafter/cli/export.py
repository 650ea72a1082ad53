"""`drafter export`: the draft as a GB/T 9704 Word document (or Markdown), with a review copy."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from drafter.cli.common import JsonOpt, err_console, out_console, print_json
from drafter.errors import InputError


def register(app: typer.Typer) -> None:
    app.command("export")(export)


def export(
    directory: Annotated[Path, typer.Argument(help="草稿目录（drafter draft 写出的会话目录）。")],
    fmt: Annotated[
        str, typer.Option("--format", help="输出格式：docx（GB/T 9704 公文版式）或 md。")
    ] = "docx",
    review: Annotated[
        bool,
        typer.Option(
            "--review",
            help="另写一份审阅稿（文件名带 -review）：有疑点的段落和各节所用范文以批注标出。",
        ),
    ] = False,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="输出文件（默认为草稿目录下的 draft.docx 或 draft.md）。"),
    ] = None,
    date: Annotated[
        str | None,
        typer.Option("--date", help="落款日期，如 2026-11-23 或 2026年11月23日（默认今天）。"),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """导出草稿：Word 按 GB/T 9704 公文格式排版，落款为单位和日期；--review 另出带批注的审阅稿。"""
    from drafter.review.session import Session
    from drafter.settings import load_settings
    from drafter.word.export import export_session, fonts_from_settings, parse_date

    fmt = fmt.strip().lower()
    if fmt not in ("docx", "md"):
        raise InputError(f"--format 的值“{fmt}”无效。", hint="可选 docx 或 md。")
    when = parse_date(date) if date is not None else None
    if out is not None and not out.parent.is_dir():
        raise InputError(
            f"--out 所在目录 {out.parent} 不存在。", hint="先创建该目录，或换一个路径。"
        )
    session = Session.open(directory)
    fonts = fonts_from_settings(load_settings())
    result = export_session(
        session,
        fmt="docx" if fmt == "docx" else "md",
        out=out,
        review=review,
        date=when,
        fonts=fonts,
    )
    if as_json:
        print_json(
            {
                "path": str(result.path),
                "review": str(result.review) if result.review else None,
                "comments": result.comments,
                "problems": session.problems,
            }
        )
        return
    for problem in session.problems:
        err_console.print(f"[yellow]{problem}[/]")
    kind = "Word 文档（GB/T 9704 公文格式）" if fmt == "docx" else "Markdown 文稿"
    out_console.print(f"已写出{kind}：{result.path}")
    if result.review is not None:
        extra = f"，批注 {result.comments} 条" if fmt == "docx" else ""
        out_console.print(f"已写出审阅稿：{result.review}{extra}")
