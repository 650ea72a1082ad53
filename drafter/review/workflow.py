"""One drafting run: figures + outline + store + model → a session directory.

Shared by `drafter draft` and (later) `regenerate` and the interactive session, so the
CLI modules only parse options and print.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from drafter.drafting.chain import DraftContext, SectionRequest, draft_all
from drafter.drafting.outline import (
    SectionTask,
    compose_title,
    load_outline,
    outline_path_for,
    plan_sections,
)
from drafter.drafting.prompts import PromptSet
from drafter.drafting.records import Version
from drafter.errors import InputError
from drafter.figures import FiguresFile, build_slot_table, load_figures
from drafter.llm.client import ChatModel
from drafter.models import SearchHit
from drafter.review.session import SectionState, Session, SessionMeta, merge_redraft, would_override


@dataclass
class DraftPlan:
    figures_path: Path
    figures: FiguresFile
    tasks: list[SectionTask]
    title: str
    outline_name: str


@dataclass
class RunResult:
    drafted: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # human-touched sections not replaced
    failed: dict[str, Exception] = field(default_factory=dict)


def plan_draft(figures_path: Path, outline_path: Path | None) -> DraftPlan:
    figures = load_figures(figures_path)
    table = build_slot_table(figures)
    path = outline_path or outline_path_for(figures.period)
    outline = load_outline(path)
    tasks = plan_sections(outline, figures, table)
    return DraftPlan(
        figures_path,
        figures,
        tasks,
        compose_title(outline, figures),
        outline.name if outline_path is None else str(outline_path),
    )


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def plan_from_session(session: Session) -> DraftPlan:
    """The plan a session was drafted from: its figures file and outline, read again.

    Regenerating needs the figures (slot table) and the section tasks; they are not copied
    into the session, so a moved figures file is an InputError naming the path.
    """
    figures_path = Path(session.meta.figures_path)
    if not figures_path.is_file():
        raise InputError(
            f"找不到本草稿的数据文件 {figures_path}（记录在 {session.meta_path}）。",
            hint="把数据文件放回原处，或用 drafter session 数据文件 --out 该目录 重新打开。",
        )
    outline = Path(session.meta.outline)
    custom = outline if outline.suffix in (".yaml", ".yml") and outline.is_file() else None
    return plan_draft(figures_path, custom)


def open_or_create_session(out: Path, plan: DraftPlan, model_descr: str | None) -> Session:
    """Resume a session in `out` if there is one, else create it with every section pending.

    ``model_descr`` None keeps the model a resumed session recorded (the interactive
    session opens before any model is chosen)."""
    if (out / "session.json").exists() or (out / "session.json.bak").exists():
        session = Session.open(out)
        for task in plan.tasks:
            if task.id not in session.meta.section_order:
                session.save_section(_pending(task))
        if model_descr is not None:
            session.meta.model = model_descr
        session.meta.figures_sha256 = file_sha256(plan.figures_path)
        session.save_meta()
        return session
    meta = SessionMeta(
        title=plan.title,
        bureau=plan.figures.bureau,
        year=plan.figures.year,
        period=str(plan.figures.period),
        figures_path=str(plan.figures_path.resolve()),
        figures_sha256=file_sha256(plan.figures_path),
        outline=plan.outline_name,
        model=model_descr or "",
    )
    return Session.create(out, meta, [_pending(t) for t in plan.tasks])


def unfinished_sections(out: Path, plan: DraftPlan) -> list[str] | None:
    """The sections an interrupted run left undrafted, or None to draft every section.

    A run stopped by a fault (model server gone, endpoint refusing, disk full, Ctrl-C)
    has saved each finished section at once. Rerunning the same command on the same
    figures then drafts only the rest, so no finished work is paid for twice. None when
    there is no session yet, nothing or everything was drafted, or the figures or the
    outline changed (then every section is redrafted; people's versions are kept).
    """
    if not (out / "session.json").exists() and not (out / "session.json.bak").exists():
        return None
    session = Session.open(out)
    if (
        session.meta.figures_sha256 != file_sha256(plan.figures_path)
        or session.meta.outline != plan.outline_name
    ):
        return None
    states = {s.id: s for s in session.sections()}
    todo = [t.id for t in plan.tasks if not t.container]
    left = [i for i in todo if i not in states or states[i].current_version is None]
    if not left or len(left) == len(todo):
        return None
    return left


def _pending(task: SectionTask) -> SectionState:
    return SectionState(
        id=task.id, heading=task.heading, level=task.level, kind=str(task.kind), order=task.order
    )


def make_retriever(store: object | None) -> Callable[[str, str, int], list[SearchHit]] | None:
    if store is None:
        return None
    from drafter.corpus.retrieve import search

    def retrieve(query: str, kind: str, k: int) -> list[SearchHit]:
        return search(store, query, k=k, kind=kind)  # type: ignore[arg-type]

    return retrieve


def run_draft(
    session: Session,
    plan: DraftPlan,
    model: ChatModel,
    *,
    model_name: str,
    retriever: Callable[[str, str, int], list[SearchHit]] | None,
    concurrency: int,
    max_retries: int,
    backoff: float,
    section_ids: list[str] | None = None,
    instruction: str | None = None,
    redraft_touched: bool = False,
    on_retry: Callable[[SectionTask, int, object, float], None] | None = None,
    on_section_done: Callable[[SectionTask, Version], None] | None = None,
    cancel: threading.Event | None = None,
    mode: str = "slots",
    write_outputs: Callable[[Session], object] | None = None,
) -> RunResult:
    """Draft the chosen sections (all non-container ones by default) and save each at once.

    At the end the outputs are written by ``write_outputs`` (the CLI passes the Word stage's,
    which adds draft.docx), else by ``Session.write_outputs`` (draft.md and review.md).

    Sections named in ``section_ids`` were asked for by a person: the new version is put
    in force even over an accepted or edited one (that version stays in the history).
    Once ``cancel`` is set, finished sections are no longer saved (an interrupted
    interactive command must not change the draft behind the user's back).
    """
    result = RunResult()
    table = build_slot_table(plan.figures)
    ctx = DraftContext(
        figures=plan.figures,
        table=table,
        prompts=PromptSet.load(),
        model=model,
        model_name=model_name,
        retriever=retriever,
        max_retries=max_retries,
        backoff=backoff,
        on_retry=on_retry,  # type: ignore[arg-type]
        allowed_years=table.allowed_years(),
        mode=mode,
    )
    requests: list[SectionRequest] = []
    for task in plan.tasks:
        if task.container or (section_ids is not None and task.id not in section_ids):
            continue
        existing = session.section(task.id)
        if existing.is_human_touched and not redraft_touched and section_ids is None:
            result.kept.append(task.id)
            continue
        requests.append(SectionRequest(task=task, instruction=instruction))
    save_lock = threading.Lock()

    def on_done(req: SectionRequest, version: Version) -> None:
        with save_lock:
            if cancel is not None and cancel.is_set():
                return
            existing = session.section(req.task.id)
            if section_ids is not None:
                session.save_section(existing.model_copy(deep=True).add_version(version))
            else:
                if would_override(existing):
                    result.kept.append(req.task.id)
                session.save_section(merge_redraft(existing, version))
            result.drafted.append(req.task.id)
        if on_section_done:
            on_section_done(req.task, version)

    outcomes = draft_all(requests, ctx, concurrency=concurrency, on_done=on_done)
    for req, outcome in zip(requests, outcomes, strict=True):
        if isinstance(outcome, Exception):
            result.failed[req.task.id] = outcome
    if cancel is None or not cancel.is_set():
        (write_outputs or Session.write_outputs)(session)
    return result
