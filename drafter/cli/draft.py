"""Drafting command: `draft` (status and check live in review_cmds, which start light)."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Annotated, cast

import typer
from rich.markup import escape

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
from drafter.cli.engine import (
    Engine,
    draft_progress,
    open_engine,
    open_store_if_any,
    retry_printer,
)
from drafter.cli.llmopts import LlmBaseUrlOpt, LlmModelOpt, LlmProviderOpt
from drafter.cli.review_cmds import print_status
from drafter.drafting.chain import SectionSkipped
from drafter.drafting.house_source import HouseStore
from drafter.drafting.outline import SectionTask
from drafter.drafting.records import Version
from drafter.errors import DrafterError
from drafter.llm.config import describe_endpoint
from drafter.llm.errors import LLMError
from drafter.review.session import SectionState, lock_session_dir
from drafter.review.status import status_rows
from drafter.review.workflow import (
    DraftPlan,
    open_or_create_session,
    plan_draft,
    unfinished_sections,
)
from drafter.word.export import DOCX_FILE


def register(app: typer.Typer) -> None:
    app.command("draft")(draft)


def draft(
    figures: Annotated[Path, typer.Argument(help="本年度数据文件（.yaml / .xlsx / .csv）。")],
    out: Annotated[
        Path | None, typer.Option("--out", help="草稿目录（默认 draft-<年份>）。")
    ] = None,
    outline: Annotated[Path | None, typer.Option("--outline", help="自定义提纲 YAML。")] = None,
    llm_base_url: LlmBaseUrlOpt = None,
    llm_model: LlmModelOpt = None,
    llm_provider: LlmProviderOpt = None,
    store: StoreOpt = None,
    chroma_url: ChromaUrlOpt = None,
    collection: CollectionOpt = None,
    allow_remote: AllowRemoteOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """按数据文件起草全文：逐节检索范文、调用模型、数字由程序填入并核对，写出 draft.md 和 review.md。"""
    settings = store_settings(store, chroma_url, collection, allow_remote, llm_provider)
    # The store is opened for planning only when no --outline is given: the bureau's own
    # past summary in it then gives the outline (nothing changes when there is none).
    store_obj = open_store_if_any(settings, quiet=True) if outline is None else None
    plan = plan_draft(figures, outline, store=cast("HouseStore | None", store_obj))
    out_dir = out or Path(f"draft-{plan.figures.year}")
    # Lock first: a session or regenerate working on the directory refuses this run
    # before anything in it is touched or a local model server is started.
    with contextlib.ExitStack() as stack:
        stack.enter_context(lock_session_dir(out_dir))
        engine = open_engine(
            stack,
            settings,
            base_url=llm_base_url,
            model=llm_model,
            allow_remote=allow_remote,
            store=store_obj,
        )
        _draft_with(engine, plan, out_dir, as_json)


def _draft_with(engine: Engine, plan: DraftPlan, out_dir: Path, as_json: bool) -> None:
    resume = unfinished_sections(out_dir, plan)
    session = open_or_create_session(out_dir, plan, describe_endpoint(engine.cfg))
    todo = [t for t in plan.tasks if not t.container and (resume is None or t.id in resume)]
    if not as_json:
        err_console.print(f"[cyan]提纲：{plan.outline_note or plan.outline_name}[/]")
    if resume is not None:
        err_console.print(
            f"[cyan]继续上次中断的起草：已完成的 {len(_text_ids(plan)) - len(resume)} 节保留不动，"
            f"只起草其余 {len(resume)} 节。[/]"
        )
    with draft_progress(err_console, disable=as_json) as progress:
        bar = progress.add_task("", total=len(todo))

        def on_done(task: SectionTask, version: Version) -> None:
            progress.advance(bar)
            progress.update(bar, description=task.heading or task.id)

        result = engine.run(
            session,
            plan,
            concurrency=engine.cfg.concurrency,
            section_ids=resume,
            on_retry=retry_printer(progress.console.print),
            on_section_done=on_done,
        )
    sections = session.sections()
    if as_json:
        print_json(
            {
                "dir": str(out_dir),
                "outline": plan.outline_note or plan.outline_name,
                "drafted": result.drafted,
                "kept": result.kept,
                "failed": {k: str(v) for k, v in result.failed.items()},
                "sections": status_rows(session),
            }
        )
    else:
        print_status(session, title=f"{plan.title}（{out_dir}）")
        for sid in result.kept:
            out_console.print(
                f"[cyan]章节 {sid} 已由人工采纳或修改，保留人工版本（新稿存入历史）。[/]"
            )
        docx_path = session.dir / DOCX_FILE
        out_console.print(
            f"已写出 {session.draft_path}、{docx_path}（Word，GB/T 9704 公文格式）"
            f"和 {session.review_path}。"
        )
    if result.failed:
        _report_unfinished(plan, sections, out_dir)
        cause = _first_cause(result.failed)
        if isinstance(cause, DrafterError):
            raise cause
        raise DrafterError(f"有 {len(result.failed)} 个章节起草失败：{cause}")


def _text_ids(plan: DraftPlan) -> list[str]:
    """The ids of the sections that get text (heading-only ones excluded)."""
    return [t.id for t in plan.tasks if not t.container]


def _first_cause(failed: dict[str, Exception]) -> Exception:
    """The failure that stopped the run (sections skipped because of it come after)."""
    real = [e for e in failed.values() if not isinstance(e, SectionSkipped)]
    return (real or list(failed.values()))[0]


def _report_unfinished(plan: DraftPlan, sections: list[SectionState], out_dir: Path) -> None:
    """Say what was saved and how to go on, before the error itself is shown."""
    ids = _text_ids(plan)
    done = [s.id for s in sections if s.id in ids and s.current_version is not None]
    left = [i for i in ids if i not in done]
    err_console.print(
        f"[yellow]已起草并保存 {len(done)} 节，未完成 {len(left)} 节"
        f"（{'、'.join(left)}）。排除下述故障后重新运行同一命令，"
        f"只会起草未完成的章节；{escape(str(out_dir))} 中已有的内容不会丢失。[/]",
        highlight=False,
    )


__all__ = ["LLMError", "register"]
