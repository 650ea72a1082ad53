"""Corpus commands: `ingest`, `search`, and the `corpus` group (list/show/remove/stats)."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

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
from drafter.corpus.ingest import FileOutcome, IngestReport, ingest_paths
from drafter.corpus.retrieve import search as hybrid_search
from drafter.corpus.store import CorpusStore
from drafter.errors import DrafterError, InputError
from drafter.models import DocMeta, DocumentInfo, Period, SearchHit, SectionKind

KIND_LABELS = {
    SectionKind.OPENING: "总体情况",
    SectionKind.ACHIEVEMENTS: "主要工作及成效",
    SectionKind.PROBLEMS: "存在问题",
    SectionKind.PLAN: "工作打算",
    SectionKind.CLOSING: "结尾",
}
_KIND_ALIASES = {
    "总体": SectionKind.OPENING,
    "总体情况": SectionKind.OPENING,
    "开头": SectionKind.OPENING,
    "成效": SectionKind.ACHIEVEMENTS,
    "工作": SectionKind.ACHIEVEMENTS,
    "主要工作": SectionKind.ACHIEVEMENTS,
    "问题": SectionKind.PROBLEMS,
    "存在问题": SectionKind.PROBLEMS,
    "打算": SectionKind.PLAN,
    "计划": SectionKind.PLAN,
    "工作打算": SectionKind.PLAN,
    "结尾": SectionKind.CLOSING,
}
STATUS_LABELS = {
    "added": "新增",
    "replaced": "已更新",
    "unchanged": "未变化",
    "duplicate": "重复",
    "skipped": "跳过",
}

corpus_app = typer.Typer(help="管理范文库：列出、查看、删除、统计。", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.command("ingest")(ingest)
    app.command("search")(search)
    app.add_typer(corpus_app, name="corpus")


def parse_kind(value: str | None) -> SectionKind | None:
    """Accept the English kind names and common Chinese names."""
    if value is None:
        return None
    try:
        return SectionKind(value.strip().lower())
    except ValueError:
        pass
    if value.strip() in _KIND_ALIASES:
        return _KIND_ALIASES[value.strip()]
    choices = "、".join(f"{k.value}（{label}）" for k, label in KIND_LABELS.items())
    raise InputError(f"--kind 取值“{value}”无效。", hint=f"可选：{choices}")


def parse_period(value: str | None) -> Period | None:
    if value is None:
        return None
    mapping = {
        "annual": Period.ANNUAL,
        "年度": Period.ANNUAL,
        "全年": Period.ANNUAL,
        "half_year": Period.HALF_YEAR,
        "half-year": Period.HALF_YEAR,
        "半年": Period.HALF_YEAR,
        "上半年": Period.HALF_YEAR,
    }
    if value.strip() in mapping:
        return mapping[value.strip()]
    raise InputError(
        f"--period 取值“{value}”无效。", hint="可选：annual（年度）或 half_year（半年）。"
    )


def ingest(
    paths: Annotated[
        list[Path], typer.Argument(help="要导入的文件或目录（.txt .md .docx .pdf，目录递归）。")
    ],
    bureau: Annotated[
        str | None, typer.Option(help="单位名称，如“科技局”；不填则从标题推断。")
    ] = None,
    year: Annotated[int | None, typer.Option(help="总结年份；不填则从标题推断。")] = None,
    region: Annotated[str | None, typer.Option(help="地区，如“示例县”；不填则推断。")] = None,
    period: Annotated[str | None, typer.Option(help="annual（年度）或 half_year（半年）。")] = None,
    store: StoreOpt = None,
    chroma_url: ChromaUrlOpt = None,
    collection: CollectionOpt = None,
    allow_remote: AllowRemoteOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """导入往年总结（本单位及兄弟单位）到范文库：清理、分节、切块、向量化、入库。"""
    settings = store_settings(store, chroma_url, collection, allow_remote)
    hints = DocMeta(bureau=bureau, year=year, region=region, period=parse_period(period))
    corpus = CorpusStore.open(settings)
    with Progress(
        TextColumn("[bold]导入[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
        disable=as_json,
    ) as progress:
        task = progress.add_task("准备…", total=None)

        def on_wait() -> None:
            progress.console.print("[yellow]另一个进程正在写入向量库，等待其完成…[/]")

        def on_total(n: int) -> None:
            progress.update(task, total=n)

        current: list[Path] = []  # the file being ingested

        def on_start(path: Path) -> None:
            current[:] = [path]
            progress.update(task, description=path.name)

        def on_done(outcome: FileOutcome) -> None:
            progress.advance(task)

        report = IngestReport()
        try:
            with corpus.writer(on_wait=on_wait):
                ingest_paths(
                    paths,
                    corpus,
                    hints,
                    settings,
                    on_file_start=on_start,
                    on_file_done=on_done,
                    on_total=on_total,
                    report=report,
                )
        except DrafterError:
            _report_interrupted(report, current)
            raise
    if as_json:
        print_json(
            {
                "files": [asdict(o) for o in report.outcomes],
                "chunks_added": report.total_chunks,
                "store_chunks": corpus.count(),
            }
        )
    else:
        _print_ingest_report(report, corpus)
    if report.count("skipped"):
        # Partial success: the batch went on, but the caller (and scripts) must notice.
        err_console.print(f"[yellow]有 {report.count('skipped')} 个文件未能导入，原因见上表。[/]")
        raise typer.Exit(1)


def _report_interrupted(report: IngestReport, current: list[Path]) -> None:
    """After a store or embedding failure: what is safely stored, and how to go on."""
    if not current:  # failed before the first file: nothing to report
        return
    stored = [o for o in report.outcomes if o.status in ("added", "replaced", "unchanged")]
    err_console.print(
        f"[yellow]导入 {escape(str(current[0]))} 时出错，导入已停止。此前的 {len(stored)} 个文件已完整入库；"
        "排除下述故障后重新运行同一命令即可继续（已入库且未改动的文件会自动跳过）。[/]",
        highlight=False,
    )


def _print_ingest_report(report: IngestReport, corpus: CorpusStore) -> None:
    table = Table(title="导入结果", show_lines=False)
    for col in ("文件", "结果", "分节", "文本块", "说明"):
        table.add_column(col, overflow="fold")
    for o in report.outcomes:
        style = (
            "red"
            if o.status == "skipped"
            else ("dim" if o.status in ("unchanged", "duplicate") else "")
        )
        table.add_row(  # escape: names, titles and reasons come from the files
            escape(Path(o.path).name) if o.path != "-" else "-",
            STATUS_LABELS[o.status],
            str(o.sections or ""),
            str(o.chunks or ""),
            escape(o.reason or (o.title or "")),
            style=style,
        )
    out_console.print(table)
    out_console.print(
        f"文件 {len(report.outcomes)} 个：新增 {report.count('added')}，更新 {report.count('replaced')}，"
        f"未变化 {report.count('unchanged')}，重复 {report.count('duplicate')}，"
        f"跳过 {report.count('skipped')}；本次入库分节 {report.total_sections} 个、"
        f"文本块 {report.total_chunks} 个；范文库现有文本块 {corpus.count()} 个。"
    )


def hit_to_dict(hit: SearchHit) -> dict[str, object]:
    c = hit.chunk
    return {
        "text": c.text,
        "doc_id": c.doc_id,
        "source": c.source,
        "heading_path": c.heading_path,
        "kind": c.kind,
        "year": c.year,
        "bureau": c.bureau,
        "region": c.region,
        "title": c.title,
        "position": c.position,
        "id": c.id,
        "score": round(hit.score, 6),
        "dense_rank": hit.dense_rank,
        "lexical_rank": hit.lexical_rank,
    }


def search(
    query: Annotated[str, typer.Argument(help="检索内容，如“科技特派员”“存在问题”。")],
    kind: Annotated[
        str | None,
        typer.Option(
            "--kind",
            help="只看某类章节：opening/achievements/problems/plan/closing（也可写“问题”“打算”等）。",
        ),
    ] = None,
    k: Annotated[int, typer.Option("--k", min=1, max=100, help="返回条数。")] = 5,
    bureau: Annotated[str | None, typer.Option(help="只看某单位。")] = None,
    year: Annotated[int | None, typer.Option(help="只看某年份。")] = None,
    store: StoreOpt = None,
    chroma_url: ChromaUrlOpt = None,
    collection: CollectionOpt = None,
    allow_remote: AllowRemoteOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """在范文库中混合检索（向量 + 字词 BM25，RRF 融合，来源多样化）。"""
    settings = store_settings(store, chroma_url, collection, allow_remote)
    kind_value = parse_kind(kind)
    corpus = CorpusStore.open(settings)
    hits = hybrid_search(
        corpus, query, k=k, kind=kind_value.value if kind_value else None, bureau=bureau, year=year
    )
    if as_json:
        print_json([hit_to_dict(h) for h in hits])
        return
    if not hits:
        out_console.print("没有找到相关段落。范文库为空时请先运行 drafter ingest。")
        return
    for i, h in enumerate(hits, 1):
        c = h.chunk
        label = (
            KIND_LABELS.get(SectionKind(c.kind), c.kind)
            if c.kind in SectionKind._value2member_map_
            else c.kind
        )
        out_console.rule(
            f"[bold]{i}[/]  {escape(Path(c.source).name)}  {c.year or ''} · {label} · 得分 {h.score:.4f}"
        )
        out_console.print(f"[dim]{escape(c.heading_path)}[/]", highlight=False)
        out_console.print(escape(c.text), highlight=False)


def _doc_row(d: object) -> dict[str, object]:
    return asdict(d)  # type: ignore[call-overload, no-any-return]


@corpus_app.command("list")
def corpus_list(
    store: StoreOpt = None,
    chroma_url: ChromaUrlOpt = None,
    collection: CollectionOpt = None,
    allow_remote: AllowRemoteOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """列出范文库中的文档。"""
    corpus = CorpusStore.open(store_settings(store, chroma_url, collection, allow_remote))
    docs = sorted(corpus.documents(), key=lambda d: (d.year or 0, d.source))
    if as_json:
        print_json([_doc_row(d) for d in docs])
        return
    table = Table(title=f"范文库文档（{len(docs)} 篇）")
    for col in ("文档ID", "年份", "单位", "地区", "标题", "文本块", "杂项行", "来源文件"):
        table.add_column(col, overflow="fold")
    for d in docs:
        table.add_row(
            d.doc_id,
            str(d.year or ""),
            escape(d.bureau or ""),
            escape(d.region or ""),
            escape(d.title or ""),
            str(d.n_chunks),
            "" if d.n_dropped is None else str(d.n_dropped),
            escape(Path(d.source).name),
        )
    out_console.print(table)


@corpus_app.command("show")
def corpus_show(
    doc: Annotated[str, typer.Argument(help="文档ID（可写前几位）或来源文件名。")],
    dropped: Annotated[
        bool,
        typer.Option("--dropped", help="只看入库清理时作为网页杂项去掉的行。"),
    ] = False,
    store: StoreOpt = None,
    chroma_url: ChromaUrlOpt = None,
    collection: CollectionOpt = None,
    allow_remote: AllowRemoteOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """查看一篇文档的元数据和全部文本块（按章节）；--dropped 查看清理掉的网页杂项行。"""
    corpus = CorpusStore.open(store_settings(store, chroma_url, collection, allow_remote))
    info = corpus.document(doc)
    if dropped:
        _show_dropped(info, as_json=as_json)
        return
    chunks = corpus.chunks_of(info.doc_id)
    if as_json:
        print_json({"document": _doc_row(info), "chunks": [asdict(c) for c in chunks]})
        return
    out_console.rule(f"[bold]{escape(info.title or Path(info.source).name)}[/]")
    out_console.print(
        escape(
            f"文档ID {info.doc_id}｜年份 {info.year or '未知'}｜单位 {info.bureau or '未知'}｜"
            f"地区 {info.region or '未知'}｜来源 {info.source}"
            + (
                ""
                if info.n_dropped is None
                else f"｜清理掉杂项 {info.n_dropped} 行（--dropped 查看）"
            )
        ),
        highlight=False,
    )
    last_heading = None
    for c in chunks:
        if c.heading_path != last_heading:
            label = (
                KIND_LABELS.get(SectionKind(c.kind), c.kind)
                if c.kind in SectionKind._value2member_map_
                else c.kind
            )
            out_console.print(
                f"\n[bold cyan]{escape(c.heading_path or '（开头）')}[/]  [dim]{label}[/]",
                highlight=False,
            )
            last_heading = c.heading_path
        out_console.print(f"[dim]#{c.position}[/] {escape(c.text)}", highlight=False)


def _show_dropped(info: DocumentInfo, *, as_json: bool) -> None:
    if as_json:
        print_json({"doc_id": info.doc_id, "n_dropped": info.n_dropped, "dropped": info.dropped})
        return
    out_console.rule(f"[bold]{escape(info.title or Path(info.source).name)}[/]")
    if info.n_dropped is None:
        out_console.print(
            "这篇文档入库时还没有记录清理掉的行；重新导入（drafter ingest）后即可查看。"
        )
        return
    if not info.n_dropped:
        out_console.print("入库清理时没有去掉任何行（文档中未发现网页杂项）。")
        return
    out_console.print(
        f"入库清理时作为网页杂项去掉 {info.n_dropped} 行（页面按钮、上传信息、页码、页眉页脚等）：",
        highlight=False,
    )
    for line in info.dropped:
        out_console.print(f"  [dim]-[/] {escape(line)}", highlight=False)
    if info.n_dropped > len(info.dropped):
        out_console.print(f"  [dim]……另有 {info.n_dropped - len(info.dropped)} 行未保存[/]")


@corpus_app.command("remove")
def corpus_remove(
    doc: Annotated[str, typer.Argument(help="文档ID（可写前几位）或来源文件名。")],
    store: StoreOpt = None,
    chroma_url: ChromaUrlOpt = None,
    collection: CollectionOpt = None,
    allow_remote: AllowRemoteOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """从范文库删除一篇文档及其全部文本块。"""
    corpus = CorpusStore.open(store_settings(store, chroma_url, collection, allow_remote))
    info = corpus.document(doc)
    with corpus.writer():
        removed = corpus.remove_document(info.doc_id)
    if as_json:
        print_json({"doc_id": info.doc_id, "removed_chunks": removed})
        return
    out_console.print(
        f"已删除文档 {info.doc_id}（{info.title or Path(info.source).name}），文本块 {removed} 个。"
    )


@corpus_app.command("stats")
def corpus_stats(
    store: StoreOpt = None,
    chroma_url: ChromaUrlOpt = None,
    collection: CollectionOpt = None,
    allow_remote: AllowRemoteOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """范文库统计：文档数、文本块数，按章节类型/年份/单位分布。"""
    corpus = CorpusStore.open(store_settings(store, chroma_url, collection, allow_remote))
    stats = corpus.stats()
    if as_json:
        print_json(stats)
        return
    out_console.print(f"文档 {stats.get('documents', 0)} 篇，文本块 {stats.get('chunks', 0)} 个。")
    for key, title in (("by_kind", "按章节类型"), ("by_year", "按年份"), ("by_bureau", "按单位")):
        values = stats.get(key) or {}
        if not values:
            continue
        table = Table(title=title)
        table.add_column("类别")
        table.add_column("文本块", justify="right")
        for name, n in sorted(values.items(), key=lambda kv: str(kv[0])):
            label = (
                KIND_LABELS.get(SectionKind(name), name)
                if key == "by_kind" and name in SectionKind._value2member_map_
                else name
            )
            table.add_row(str(label), str(n))
        out_console.print(table)
