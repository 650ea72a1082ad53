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

import yaml

from drafter.atomic import atomic_write_text
from drafter.drafting.chain import DraftContext, SectionRequest, draft_all
from drafter.drafting.house_source import HouseStore, house_outline
from drafter.drafting.outline import (
    Outline,
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
from drafter.models import Period, SearchHit
from drafter.review.session import SectionState, Session, SessionMeta, merge_redraft, would_override

#: The house outline (derived from the bureau's own past summary) as the session keeps it,
#: relative to the session directory; meta.outline names it so regenerate replans alike.
HOUSE_OUTLINE_FILE = "outline.yaml"


@dataclass
class DraftPlan:
    figures_path: Path
    figures: FiguresFile
    tasks: list[SectionTask]
    title: str
    outline_name: str
    outline_note: str = ""  # which outline, in Chinese: 按本单位2024年总结的结构 / 默认提纲
    house: Outline | None = None  # the derived outline, written into the session directory


@dataclass
class RunResult:
    drafted: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # human-touched sections not replaced
    failed: dict[str, Exception] = field(default_factory=dict)


def plan_draft(
    figures_path: Path, outline_path: Path | None, *, store: HouseStore | None = None
) -> DraftPlan:
    """The sections to draft. An explicit outline file wins; else, when ``store`` holds the
    bureau's own past summary, the outline follows its structure; else the default one."""
    figures = load_figures(figures_path)
    outline = load_outline(outline_path or outline_path_for(figures.period))
    if outline_path is not None:
        return _plan(
            figures_path, figures, outline, str(outline_path), f"自定义提纲 {outline_path}"
        )
    house = None
    if store is not None:
        house = house_outline(
            store,
            bureau=figures.bureau,
            region=figures.region,
            year=figures.year,
            period=Period(figures.period),
            base=outline,
        )
    if house is not None:
        plan = _plan(figures_path, figures, house, HOUSE_OUTLINE_FILE, outline_note(house))
        plan.house = house
        return plan
    return _plan(figures_path, figures, outline, outline.name, outline_note(outline))


def outline_note(outline: Outline) -> str:
    """What review.md and `drafter draft` say about the outline used."""
    if outline.source:
        return f"按{outline.source}的结构"
    return f"默认提纲（{outline.name}）"


def _plan(
    figures_path: Path, figures: FiguresFile, outline: Outline, name: str, note: str
) -> DraftPlan:
    tasks = plan_sections(outline, figures, build_slot_table(figures))
    return DraftPlan(figures_path, figures, tasks, compose_title(outline, figures), name, note)


def house_outline_yaml(outline: Outline) -> str:
    """The derived outline as the YAML a session keeps (loadable by load_outline)."""
    head = (
        "# 按本单位往年总结的结构生成的提纲（drafter draft 自动生成；regenerate 按它重排章节）。\n"
    )
    body = yaml.safe_dump(
        outline.model_dump(mode="json"), allow_unicode=True, sort_keys=False, width=100
    )
    return head + body


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
    if session.meta.outline == HOUSE_OUTLINE_FILE:
        path = session.dir / HOUSE_OUTLINE_FILE
        if not path.is_file():
            raise InputError(
                f"找不到本草稿的提纲文件 {path}（按本单位往年总结生成，记录在 {session.meta_path}）。",
                hint="把 outline.yaml 放回草稿目录，或用 drafter draft 重新起草。",
            )
        figures = load_figures(figures_path)
        house = load_outline(path)
        plan = _plan(figures_path, figures, house, HOUSE_OUTLINE_FILE, outline_note(house))
        plan.house = house
        return plan
    outline = Path(session.meta.outline)
    custom = outline if outline.suffix in (".yaml", ".yml") and outline.is_file() else None
    return plan_draft(figures_path, custom)


def open_or_create_session(out: Path, plan: DraftPlan, model_descr: str | None) -> Session:
    """Resume a session in `out` if there is one, else create it with every section pending.

    ``model_descr`` None keeps the model a resumed session recorded (the interactive
    session opens before any model is chosen). A house outline is written into ``out``
    and recorded in the session, so regenerate plans the same sections."""
    if plan.house is not None:
        out.mkdir(parents=True, exist_ok=True)
        atomic_write_text(out / HOUSE_OUTLINE_FILE, house_outline_yaml(plan.house))
    if (out / "session.json").exists() or (out / "session.json.bak").exists():
        session = Session.open(out)
        # The outline of this run, whichever it is: a session once drafted with a house
        # outline and resumed with another must not send regenerate back to outline.yaml.
        session.meta.outline, session.meta.outline_note = plan.outline_name, plan.outline_note
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
        outline_note=plan.outline_note,
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
        or (plan.house is not None and not _same_house(out, plan.house))
    ):
        return None
    states = {s.id: s for s in session.sections()}
    todo = [t.id for t in plan.tasks if not t.container]
    left = [i for i in todo if i not in states or states[i].current_version is None]
    if not left or len(left) == len(todo):
        return None
    return left


def _same_house(out: Path, house: Outline) -> bool:
    """The session's recorded house outline is the one planned now (the store may have
    changed between runs)."""
    try:
        return (out / HOUSE_OUTLINE_FILE).read_text(encoding="utf-8") == house_outline_yaml(house)
    except OSError:
        return False


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


def make_stock(store: object | None) -> Callable[[], frozenset[str]] | None:
    """The store's stock phrases for the copy guard, mined when first asked for."""
    if store is None:
        return None

    def stock() -> frozenset[str]:
        from drafter.corpus.stock import store_stock_phrases

        return store_stock_phrases(store)  # type: ignore[arg-type]

    return stock


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
    measures_design: str = "leads",
    stock: Callable[[], frozenset[str]] | None = None,
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
        measures_design=measures_design,
        stock_supplier=stock,
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
