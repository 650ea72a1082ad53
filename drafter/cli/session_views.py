"""What `drafter session` shows: the outline, a section with its highlights and flags, its
versions, sources and notes, and the command table.

Split from :mod:`drafter.cli.session_cmd` (the command and its REPL loop) so the loop
reads as commands and this module as output; every function prints to the given console.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from drafter.drafting.records import ORIGIN_LABELS, Version
from drafter.errors import DrafterError
from drafter.figures import SlotTable
from drafter.review.edits import (
    COMMANDS,
    Span,
    check_edited_text,
    explain_flag,
    figure_spans,
    flag_spans,
    merge_spans,
)
from drafter.review.render import STATE_LABELS, section_flags
from drafter.review.session import SectionState, Session
from drafter.review.status import state_label, status_rows


def print_help(console: Console) -> None:
    """The command table."""
    table = Table(title="命令（Tab 补全，↑↓ 翻历史，Ctrl-C 取消当前输入或操作）")
    table.add_column("命令", no_wrap=True)
    table.add_column("别名")
    table.add_column("作用")
    for spec in COMMANDS:
        table.add_row(spec.usage, " ".join(spec.aliases), spec.help)
    console.print(table)


def print_outline(console: Console, session: Session, current: str | None) -> None:
    """Every section with its state, version and flags; ``current`` is marked ▶.

    The rows are :func:`drafter.review.status.status_rows`, as in ``drafter status``; a
    damaged section stays in its place, unnumbered (it cannot be opened).
    """
    table = Table(title=f"{session.meta.title}（{session.dir}）")
    for col in ("序号", "章节ID", "标题", "状态", "版本", "疑点"):
        table.add_column(col, overflow="fold")
    n = 0
    for row in status_rows(session):
        flags: list[str] = row["flags"]
        if row["state"] == "unreadable":
            table.add_row("", row["id"], "", state_label(row), "", flags[0], style="red")
            continue
        n += 1
        shown = row["versions"] and not row["heading_only"]
        version = f"{row['version']}/{row['versions']}" if shown else ""
        marker = "▶ " if row["id"] == current else ""
        table.add_row(
            str(n),
            marker + row["id"],
            ("  " * max(row["level"] - 1, 0)) + row["heading"],
            state_label(row),
            version,
            f"{len(flags)} 处" if flags else "",
            style="yellow" if flags else ("green" if row["state"] == "accepted" else ""),
        )
    console.print(table)


def print_section(
    console: Console, state: SectionState, table_of: Callable[[], SlotTable | None]
) -> None:
    """A section in a panel, then its flags, sources, notes and reviewer.

    ``table_of`` gives the figures' slot table, asked for only when there is text to highlight.
    """
    v = state.current_version
    head = f"{state.label}  [{state.id}]  {STATE_LABELS.get(state.state, state.state)}" + (
        f"  第 {v.number} 版/共 {len(state.versions)} 版 · {ORIGIN_LABELS[v.origin]}" if v else ""
    )
    if v is None:
        body = Text("（本节尚未起草：输入 regen 起草）", style="dim")
    else:
        body = highlighted(v, table_of())
    console.print(Panel(body, title=escape(head), title_align="left"))
    if v is not None and v.instruction:
        console.print(f"修改要求：{escape(v.instruction)}")
    flags = section_flags(state)
    if flags:
        console.print("[bold yellow]疑点：[/]")
        for f in flags:
            console.print(f"  [yellow]• {escape(f)}[/]\n    → {explain_flag(f)}")
    if v is not None and v.exemplars:
        names = "；".join(f"{e.source}" for e in v.exemplars[:3])
        console.print(f"[dim]参考范文 {len(v.exemplars)} 段：{escape(names)}（sources 查看）[/]")
    if state.notes:
        console.print(f"[magenta]审阅批注 {len(state.notes)} 条（notes 查看）[/]")
    if v is not None and v.author:
        console.print(f"审阅人：{escape(v.author)}")


def highlighted(version: Version, table: SlotTable | None) -> Text:
    """The text with code-written figures in bold cyan and flagged numbers in red."""
    flags = []
    if version.origin == "edit" and table is not None:
        flags = check_edited_text(version.text, table)
    spans = merge_spans(figure_spans(version, table), flag_spans(flags))
    return styled(version.text, spans)


def print_history(console: Console, state: SectionState) -> None:
    """The versions of a section, the one in force marked ▶."""
    table = Table(title=f"{state.label} 的版本")
    for col in ("版本", "来源", "时间", "要求", "核对", "开头"):
        table.add_column(col, overflow="fold")
    for v in state.versions:
        check = "" if v.verification is None else ("通过" if v.verification.ok else "有疑点")
        mark = "▶" if v.number == state.current else ""
        table.add_row(
            f"{mark}{v.number}",
            ORIGIN_LABELS[v.origin],
            v.created_at,
            v.instruction or "",
            check,
            v.text[:30],
        )
    console.print(table)


def print_sources(
    console: Console, state: SectionState, table_of: Callable[[], SlotTable | None]
) -> None:
    """The exemplars, figures and model behind the version in force."""
    v = state.current_version
    if v is None:
        console.print("本节尚未起草。")
        return
    if not v.exemplars:
        console.print("本版本没有参考范文（范文库为空或人工修改）。")
    for i, e in enumerate(v.exemplars, 1):
        where = " · ".join(x for x in (e.source, e.heading_path) if x)
        year = f"{e.year}年，" if e.year else ""
        console.print(f"[bold]范文{i}[/] {escape(where)}（{year}相关度 {e.score:.3f}）")
        console.print(Text(e.text, style="dim"))
    table = table_of()
    if v.figures_used and table is not None:
        console.print("[bold]用到的数据：[/]")
        for ref in v.figures_used:
            with contextlib.suppress(DrafterError):
                console.print(f"  {escape(table.describe(ref))}", highlight=False)
    if v.model:
        console.print(f"模型：{escape(v.model)}；提示词哈希：{v.prompt_hash or '—'}")


def print_notes(console: Console, state: SectionState) -> None:
    """The reviewers' comments on a section."""
    if not state.notes:
        console.print("本节没有审阅批注。")
        return
    for i, n in enumerate(state.notes, 1):
        when = f" {n.date[:10]}" if n.date else ""
        where = f"（批注于“{n.anchor[:40]}”）" if n.anchor else ""
        head = f"[bold]批注{i}[/] {escape(n.author or '审阅人')}{when}{escape(where)}"
        console.print(head + (f" · {escape(n.source)}" if n.source else ""))
        console.print(Text(n.text))


def styled(text: str, spans: list[Span]) -> Text:
    out = Text(text)
    for s in spans:
        out.stylize("bold red underline" if s.kind == "flag" else "bold cyan", s.start, s.end)
    return out
