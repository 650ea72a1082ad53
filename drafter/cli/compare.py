"""`drafter compare`: this year's draft against last year's summary."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from drafter.atomic import atomic_write_text
from drafter.cli.common import (
    AllowRemoteOpt,
    ChromaUrlOpt,
    CollectionOpt,
    JsonOpt,
    StoreOpt,
    err_console,
    out_console,
    print_json,
    store_settings,
)
from drafter.compare.align import (
    KIND_LABELS,
    CompareDoc,
    Comparison,
    compare,
    document_from_chunks,
    document_from_file,
    document_from_session,
    spans_for,
)
from drafter.errors import InputError
from drafter.figures import format_number, load_figures
from drafter.figures.matching import STATUS_LABELS

_STATUS_STYLE = {"met": "green", "not_met": "bold red", "not_reported": "dim"}
_REUSE_STYLE = {"verbatim": "on red3", "near": "on dark_orange3", "partial": "on orange4"}


def register(app: typer.Typer) -> None:
    app.command("compare")(compare_cmd)


def compare_cmd(
    this: Annotated[
        Path,
        typer.Argument(help="本年草稿：会话目录（drafter draft 的输出）或 .docx/.txt/.md 文件。"),
    ],
    last: Annotated[
        str,
        typer.Argument(
            help="上年总结：.docx/.txt/.md 文件，或范文库中的文档（ID 前几位或文件名）。"
        ),
    ],
    figures: Annotated[
        Path | None,
        typer.Option(
            "--figures", help="本年数据文件；其中的数值（含上年数）优先于从正文提取的数字。"
        ),
    ] = None,
    as_json: JsonOpt = False,
    html: Annotated[
        Path | None, typer.Option("--html", help="另存一份可离线打开的 HTML 对照报告。")
    ] = None,
    store: StoreOpt = None,
    chroma_url: ChromaUrlOpt = None,
    collection: CollectionOpt = None,
    allow_remote: AllowRemoteOpt = False,
) -> None:
    """与上年总结对比：章节对应、沿用上年的句子、主题变化、数字同比、上年目标完成情况。"""
    this_doc = _load_this(this)
    last_doc = _load_last(last, store, chroma_url, collection, allow_remote)
    figures_file = load_figures(figures) if figures is not None else None
    result = compare(
        this_doc, last_doc, figures=figures_file, figures_name=str(figures) if figures else None
    )
    if html is not None:
        from drafter.compare.report_html import render_html

        atomic_write_text(html, render_html(result))
        err_console.print(f"HTML 报告已写入 {escape(str(html))}", highlight=False)
    if as_json:
        print_json(result.as_dict())
        return
    _print_report(result)


def _load_this(path: Path) -> CompareDoc:
    if path.is_dir():
        return document_from_session(path)
    if not path.exists():
        raise InputError(
            f"找不到本年草稿 {path}。",
            hint="给出 drafter draft 生成的会话目录，或一个 .docx/.txt/.md 文件。",
            path=str(path),
        )
    return document_from_file(path)


def _load_last(
    ref: str,
    store: Path | None,
    chroma_url: str | None,
    collection: str | None,
    allow_remote: bool,
) -> CompareDoc:
    path = Path(ref)
    if path.is_dir():
        raise InputError(
            f"上年总结 {ref} 是目录。",
            hint="给出上年总结的 .docx/.txt/.md 文件，或范文库中文档的 ID、文件名。",
            path=ref,
        )
    if path.exists():
        return document_from_file(path)
    settings = store_settings(store, chroma_url, collection, allow_remote)
    if settings.chroma_url is None and not (settings.store / "chroma.sqlite3").exists():
        raise InputError(
            f"找不到上年总结“{ref}”：没有这个文件，范文库 {settings.store} 也不存在。",
            hint="检查文件路径；或用 --store 指定范文库，再写文档 ID 或文件名"
            "（drafter corpus list 可列出）。",
        )
    from drafter.corpus.store import CorpusStore

    with err_console.status("正在从范文库读取上年总结…"):
        corpus = CorpusStore.open(settings)
        try:
            info = corpus.document(ref)
            chunks = corpus.chunks_of(info.doc_id)
        finally:
            corpus.close()
    return document_from_chunks(info, chunks)


# --------------------------------------------------------------------------- terminal


def _print_report(c: Comparison) -> None:
    s = c.summary()
    this_name = c.this.title or c.this.name
    last_name = c.last.title or c.last.name
    out_console.print(
        Panel(
            f"本年：{escape(this_name)}\n上年：{escape(last_name)}\n"
            f"共 {s['sections_this']} 节，与上年对应 {s['sections_paired']} 节；"
            f"本年 {s['sentences_this']} 句中沿用上年 [bold]{s['reused']}[/] 句"
            f"（原句照搬 {s['reused_verbatim']}，近似沿用 {s['reused_near']}，"
            f"整句嵌入 {s['reused_partial']}）\n"
            f"上年目标 {s['targets']} 项：[green]完成 {s['targets_met']}[/]，"
            f"[red]未完成 {s['targets_not_met']}[/]，本年未报告 {s['targets_not_reported']}",
            title="与上年对比",
            expand=False,
        )
    )
    _print_targets(c)
    _print_figures(c)
    _print_sections(c)
    _print_reuse(c)
    _print_topics(c)


def _print_targets(c: Comparison) -> None:
    if not c.targets:
        out_console.print("[dim]上年总结的工作打算中没有找到量化目标。[/]")
        return
    table = Table(title="上年目标完成情况", title_justify="left")
    for col in ("上年目标", "目标值", "本年完成", "完成率", "结果"):
        table.add_column(
            col, justify="right" if col in ("目标值", "本年完成", "完成率") else "left"
        )
    for t in c.targets:
        table.add_row(
            escape(t.target.indicator),
            escape(t.target.figure.display),
            escape(t.actual.display) if t.actual else "—",
            f"{format_number(t.rate)}%" if t.rate is not None else "—",
            Text(STATUS_LABELS[t.status], style=_STATUS_STYLE[t.status]),
        )
    out_console.print(table)


def _print_figures(c: Comparison) -> None:
    paired = [r for r in c.rows if r.last is not None and r.this is not None]
    if not paired:
        out_console.print("[dim]两篇中没有可配对的数字。[/]")
        return
    ly = f"{c.last.year}年" if c.last.year else "上年"
    ty = f"{c.this.year}年" if c.this.year else "本年"
    table = Table(title="主要数字同比", title_justify="left")
    table.add_column("指标")
    table.add_column(ly, justify="right")
    table.add_column(ty, justify="right")
    table.add_column("变化", justify="right")
    for r in paired:
        assert r.last is not None and r.this is not None
        mark = "*" if r.this.source == "figures" else ""
        table.add_row(escape(r.indicator), escape(r.last.display), r.this.display + mark, r.change)
    out_console.print(table)
    only = len(c.rows) - len(paired)
    note = (
        "；* 为数据文件中的数值"
        if any(r.this and r.this.source == "figures" for r in paired)
        else ""
    )
    out_console.print(f"[dim]另有 {only} 个数字只出现在其中一篇（见 --json 或 --html）{note}。[/]")


def _print_sections(c: Comparison) -> None:
    table = Table(title="章节对应", title_justify="left")
    for col in ("本年章节", "类型", "上年章节", "得分", "标题", "正文", "沿用句"):
        table.add_column(col, justify="left" if col.endswith(("章节", "类型")) else "right")
    for p in c.pairs:
        kind = p.kind
        table.add_row(
            escape(p.this.label) if p.this else "[dim]（无）[/]",
            KIND_LABELS.get(kind, kind),
            escape(p.last.label) if p.last else "[dim]（无）[/]",
            f"{p.score:.2f}" if p.this and p.last else "",
            f"{p.heading_similarity:.2f}" if p.this and p.last else "",
            f"{p.similarity:.2f}" if p.this and p.last else "",
            str(p.reused) if p.reused else "",
        )
    out_console.print(table)


def _print_reuse(c: Comparison) -> None:
    if not c.reused:
        out_console.print("[green]没有发现沿用上年原文的句子。[/]")
        return
    out_console.print("[bold]沿用上年的句子[/]（高亮为本年句子，其下为上年原句）")
    for part in c.this.parts:
        spans = spans_for(c.reused, part.id, "this")
        if not spans:
            continue
        out_console.print(f"[bold]{escape(part.label)}[/]")
        for r in c.reused_in(part.id):
            line = Text("  ")
            line.append(r.this_text, style=_REUSE_STYLE[r.kind])
            line.append(f"  〔{r.label}，{r.similarity:.2f}〕", style="dim")
            out_console.print(line)
            out_console.print(Text(f"    上年：{r.last_text}", style="dim"))


def _print_topics(c: Comparison) -> None:
    if c.missing_topics:
        out_console.print("[bold]上年提及、本年未再提及：[/]" + escape("、".join(c.missing_topics)))
    if c.new_topics:
        out_console.print("[bold]本年新提及：[/]" + escape("、".join(c.new_topics)))
