"""`drafter regenerate DIR --section ID [--instruction TEXT]`: redraft one section only.

Only that section's model calls are made; the other sections are not touched. The new
version is put in force even over an accepted or edited one (a person asked for it);
every earlier version stays in the section's history.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer
from langchain_core.language_models import BaseChatModel

from drafter.cli.common import (
    AllowRemoteOpt,
    ChromaUrlOpt,
    CollectionOpt,
    JsonOpt,
    StoreOpt,
    err_console,
    out_console,
    print_json,
)
from drafter.cli.draft import _open_store_if_any, _settings
from drafter.cli.llmopts import LlmBaseUrlOpt, LlmModelOpt, LlmProviderOpt, model_scope
from drafter.drafting import DraftPlan, make_retriever, plan_from_session, run_draft
from drafter.errors import DrafterError
from drafter.guided import resolve_mode
from drafter.interactive import STATE_LABELS
from drafter.llm import LLMConfig, LLMFailure, make_chat_model
from drafter.models import SearchHit
from drafter.outline import SectionTask
from drafter.session import SectionState, Session, lock_session_dir, section_flags
from drafter.settings import Settings

Retriever = Callable[[str, str, int], list[SearchHit]]
RetryPrinter = Callable[[SectionTask, int, object, float], None]


def register(app: typer.Typer) -> None:
    app.command("regenerate")(regenerate)


@dataclass
class Engine:
    """The chat model and exemplar retriever of one command (made once, used many times)."""

    cfg: LLMConfig
    model: BaseChatModel
    retriever: Retriever | None
    mode: str = "slots"  # drafting mode, resolved as `draft` resolves it

    @property
    def name(self) -> str:
        return f"{self.cfg.provider}/{self.cfg.model}"


def open_engine(
    stack: contextlib.ExitStack,
    settings: Settings,
    *,
    base_url: str | None,
    model: str | None,
    allow_remote: bool,
) -> Engine:
    """Enter the model scope on ``stack`` (a local server stops when the stack closes)."""
    cfg = stack.enter_context(
        model_scope(settings, base_url=base_url, model=model, allow_remote=allow_remote)
    )
    return Engine(
        cfg,
        make_chat_model(cfg),
        make_retriever(_open_store_if_any(settings)),
        resolve_mode(settings.draft_mode, cfg.model),
    )


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
    result = run_draft(
        session,
        plan,
        engine.model,
        model_name=engine.name,
        retriever=engine.retriever,
        concurrency=1,
        max_retries=engine.cfg.max_retries,
        backoff=engine.cfg.backoff,
        section_ids=[section_id],
        instruction=instruction or None,
        on_retry=on_retry,
        cancel=cancel,
        mode=engine.mode,
    )
    if section_id in result.failed:
        failure = result.failed[section_id]
        if isinstance(failure, DrafterError):
            raise failure
        raise DrafterError(f"章节 {section_id} 重新起草失败：{failure}")
    return session.section(section_id)


def retry_printer(console_print: Callable[[str], None]) -> RetryPrinter:
    def on_retry(task: SectionTask, attempt: int, failure: object, delay: float) -> None:
        msg = failure.message if isinstance(failure, LLMFailure) else str(failure)
        console_print(
            f"[yellow]{task.heading or task.id}：第{attempt}次重试：{msg}，{delay:.1f}秒后重试…[/]"
        )

    return on_retry


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
    settings = _settings(store, chroma_url, collection, allow_remote, llm_provider)
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
