"""`drafter export`: the draft as a GB/T 9704 Word document (or Markdown), with a review copy."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from drafter.cli.common import JsonOpt, err_console, out_console, print_json
from drafter.errors import InputError

if TYPE_CHECKING:
    from drafter.review.session import Session
    from drafter.word.layout import Fonts


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
    changes_since: Annotated[
        str | None,
        typer.Option(
            "--changes-since",
            help="只把此后的改动标成 Word 修订（作者 drafter）：last-export（上次导出）、"
            "export-2（第 2 次导出）、版本号如 1，或日期如 2026-01-10。",
        ),
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
    if changes_since is not None:
        _export_changes(session, changes_since, out, when, fonts, fmt=fmt, as_json=as_json)
        return
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


def _export_changes(
    session: Session,
    since: str,
    out: Path | None,
    when: str | None,
    fonts: Fonts,
    *,
    fmt: str,
    as_json: bool,
) -> None:
    """`export --changes-since`: the draft with what changed since then as tracked changes."""
    from drafter.word.changes import export_changes
    from drafter.word.export import today_text

    if fmt != "docx":
        raise InputError("--changes-since 只用于 Word 导出（--format docx）。")
    target = out or session.dir / "draft-changes.docx"
    result = export_changes(session, since, target, date=when or today_text(), fonts=fonts)
    if as_json:
        print_json(
            {
                "path": str(result.path),
                "since": result.since,
                "inserted": result.inserted,
                "deleted": result.deleted,
                "changed_sections": result.changed_sections,
                "problems": session.problems,
            }
        )
        return
    for problem in session.problems:
        err_console.print(f"[yellow]{problem}[/]")
    out_console.print(
        f"已写出带修订的 Word 文档：{result.path}（对比基准：{result.since}；"
        f"插入 {result.inserted} 处，删除 {result.deleted} 处）"
    )
    if not result.inserted and not result.deleted:
        out_console.print("自基准以来没有改动：文档中没有修订。")
