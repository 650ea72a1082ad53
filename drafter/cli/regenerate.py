"""`drafter regenerate DIR --section ID [--instruction TEXT]`: redraft one section only.

Only that section's model calls are made; the other sections are not touched. The new
version is put in force even over an accepted or edited one (a person asked for it);
every earlier version stays in the section's history.
"""

from __future__ import annotations

import contextlib
import threading
from pathlib import Path
from typing import Annotated

import typer

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
from drafter.cli.engine import Engine, RetryPrinter, open_engine, retry_printer
from drafter.cli.llmopts import LlmBaseUrlOpt, LlmModelOpt, LlmProviderOpt
from drafter.drafting.outline import SectionTask
from drafter.errors import DrafterError
from drafter.review.render import STATE_LABELS, section_flags
from drafter.review.session import SectionState, Session, lock_session_dir
from drafter.review.workflow import DraftPlan, plan_from_session


def register(app: typer.Typer) -> None:
    app.command("regenerate")(regenerate)


def check_regenerable(plan: DraftPlan, session: Session, section_id: str) -> SectionTask:
    """The task of a section that can be redrafted, or a Chinese error saying why not."""
    session.section(section_id)  # unknown or damaged: DrafterError listing the ids
    task = next((t for t in plan.tasks if t.id == section_id), None)
    if task is None:
        raise DrafterError(
            f"章节 {section_id} 不在当前提纲中（数据文件可能已改动）。",
            hint="用 drafter status 目录 --json 查看章节编号。",
        )
    if task.container:
        raise DrafterError(
            f"章节 {section_id}（{task.heading}）只有标题，正文在其下各小节中，无需起草。",
            hint="请指定它下面的小节编号。",
        )
    return task


def regenerate_section(
    session: Session,
    plan: DraftPlan,
    engine: Engine,
    section_id: str,
    *,
    instruction: str | None,
    on_retry: RetryPrinter | None = None,
    cancel: threading.Event | None = None,
) -> SectionState:
    """Redraft one section (its model calls only) and return its saved state."""
    check_regenerable(plan, session, section_id)
    result = engine.run(
        session,
        plan,
        concurrency=1,
        section_ids=[section_id],
        instruction=instruction or None,
        on_retry=on_retry,
        cancel=cancel,
    )
    if section_id in result.failed:
        failure = result.failed[section_id]
        if isinstance(failure, DrafterError):
            raise failure
        raise DrafterError(f"章节 {section_id} 重新起草失败：{failure}")
    return session.section(section_id)


def regenerate(
    directory: Annotated[Path, typer.Argument(help="草稿目录。")],
    section: Annotated[
        str, typer.Option("--section", help="章节编号（drafter status 目录 --json 可查）。")
    ],
    instruction: Annotated[
        str | None,
        typer.Option("--instruction", help="修改要求，如“更简洁”“突出专利工作”。"),
    ] = None,
    llm_base_url: LlmBaseUrlOpt = None,
    llm_model: LlmModelOpt = None,
    llm_provider: LlmProviderOpt = None,
    store: StoreOpt = None,
    chroma_url: ChromaUrlOpt = None,
    collection: CollectionOpt = None,
    allow_remote: AllowRemoteOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """只重新起草一节：只调用这一节的模型，其余章节不动；原版本保留在历史中。"""
    settings = store_settings(store, chroma_url, collection, allow_remote, llm_provider)
    with lock_session_dir(directory):  # refuse at once if a session holds the directory
        session = Session.open(directory)
        plan = plan_from_session(session)
        before = session.section(section)
        check_regenerable(plan, session, section)
        previous = before.current
        with contextlib.ExitStack() as stack:
            engine = open_engine(
                stack, settings, base_url=llm_base_url, model=llm_model, allow_remote=allow_remote
            )
            with err_console.status(f"正在重新起草 {before.label}…", spinner="dots"):
                state = regenerate_section(
                    session,
                    plan,
                    engine,
                    section,
                    instruction=instruction,
                    on_retry=retry_printer(err_console.print),
                )
    flags = section_flags(state)
    if as_json:
        print_json(
            {
                "dir": str(directory),
                "section": state.id,
                "version": state.current,
                "previous": previous,
                "versions": len(state.versions),
                "state": state.state,
                "instruction": instruction,
                "flags": flags,
                "text": state.text,
            }
        )
        return
    out_console.print(
        f"[bold]{state.label}[/]（{state.id}）已生成第 {state.current} 版"
        f"（共 {len(state.versions)} 版；原第 {previous or '—'} 版保留在历史中）"
        f"，状态：{STATE_LABELS.get(state.state, state.state)}。"
    )
    out_console.print(state.text, highlight=False)
    for flag in flags:
        out_console.print(f"[yellow]疑点：{flag}[/]", highlight=False)
    out_console.print(f"已更新 {session.draft_path} 和 {session.review_path}。")
