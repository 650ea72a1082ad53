"""Review commands that never load a model or the store: `status` and `check`.

They import neither chromadb, openai nor langchain, so they start in a fraction of a second.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from drafter.cli.common import JsonOpt, err_console, out_console, print_json
from drafter.errors import InputError
from drafter.figures import build_slot_table, load_figures
from drafter.review.session import Session
from drafter.review.status import state_label, status_rows


def register(app: typer.Typer) -> None:
    app.command("status")(status)
    app.command("check")(check)


def print_status(session: Session, *, title: str) -> None:
    """The status table: one line per row of :func:`drafter.review.status.status_rows`."""
    table = Table(title=title)
    for col in ("章节ID", "标题", "状态", "版本", "来源", "疑点"):
        table.add_column(col, overflow="fold")
    for row in status_rows(session):
        flags: list[str] = row["flags"]
        unreadable = row["state"] == "unreadable"
        table.add_row(
            row["id"],
            row["heading"],
            state_label(row),
            str(row["version"] or ""),
            row["origin"] or "",
            "；".join(flags)[:80],
            style="red" if unreadable else ("yellow" if flags else ""),
        )
    out_console.print(table)


def status(
    directory: Annotated[Path, typer.Argument(help="草稿目录。")],
    as_json: JsonOpt = False,
) -> None:
    """查看草稿各章节的编号、标题、状态、版本和正文。"""
    session = Session.open(directory)
    if as_json:
        print_json(
            {
                "title": session.meta.title,
                "sections": status_rows(session),
                "problems": session.problems,
            }
        )
        return
    print_status(session, title=session.meta.title)
    for p in session.problems:
        err_console.print(f"[red]{p}[/]")


def check(
    file: Annotated[Path, typer.Argument(help="要核对的文稿（.md / .txt / .docx）。")],
    figures: Annotated[Path, typer.Option("--figures", help="本年度数据文件。")],
    as_json: JsonOpt = False,
) -> None:
    """核对文稿中的每个数字：与数据文件及其派生数（同比、完成率等）都对不上的，
    以及写在别的事项上的（数字与所述事项不符），逐条列出。"""
    from drafter.corpus.read import read_document
    from drafter.figures.attribution import misattributions
    from drafter.figures.check import check_text

    if not file.exists():
        raise InputError(f"找不到文件 {file}。")
    data = load_figures(figures)
    table = build_slot_table(data)
    text = read_document(file).text
    flags = check_text(text, table.allowed_values(), allowed_years=table.allowed_years())
    items: list[dict[str, object]] = [
        {
            "kind": str(f.kind),
            "text": f.raw,
            "line": f.line,
            "context": f.sentence,
            "reason": f.reason,
            "start": f.start,
        }
        for f in flags
    ]
    flagged_spans = {(f.start, f.end) for f in flags}
    for m in misattributions(text, data):
        if any(a < m.end and m.start < b for a, b in flagged_spans):
            continue  # already reported: the number matches nothing at all
        items.append(
            {
                "kind": "misattributed",
                "text": m.raw,
                "line": m.line,
                "context": m.sentence,
                "reason": m.reason,
                "phrase": m.phrase,
                "found": m.found,
                "expected": m.expected,
                "start": m.start,
            }
        )
    items.sort(key=lambda it: int(str(it.pop("start"))))
    if as_json:
        print_json({"flagged": items})
    elif not items:
        out_console.print(f"[green]{file} 中的数字均与 {figures} 的数据一致。[/]")
    else:
        t = Table(title=f"与数据对不上的数字（{len(items)} 处）")
        for col in ("行", "数字", "上下文", "原因"):
            t.add_column(col, overflow="fold")
        for it in items:
            t.add_row(str(it["line"]), *(escape(str(it[k])) for k in ("text", "context", "reason")))
        out_console.print(t)
    if items:
        raise typer.Exit(1)
