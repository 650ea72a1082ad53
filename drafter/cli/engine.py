"""What the drafting commands (draft, regenerate, session) share: the chat model and
exemplar retriever of one run, its retry notices and its progress bar."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from drafter.cli.common import err_console
from drafter.cli.llmopts import model_scope
from drafter.drafting.guided import resolve_mode
from drafter.drafting.outline import SectionTask
from drafter.llm.client import ChatModel, make_chat_model
from drafter.llm.config import LLMConfig
from drafter.llm.errors import LLMFailure
from drafter.models import SearchHit
from drafter.review.workflow import DraftPlan, RunResult, make_retriever, make_stock, run_draft
from drafter.settings import Settings
from drafter.word.export import write_outputs

if TYPE_CHECKING:
    from drafter.review.session import Session

Retriever = Callable[[str, str, int], list[SearchHit]]
RetryPrinter = Callable[[SectionTask, int, object, float], None]


def open_store_if_any(settings: Settings, *, quiet: bool = False) -> object | None:
    """The exemplar store, or None (with a note unless ``quiet``) when it is empty or absent
    (checked before Chroma is imported: an absent store costs nothing)."""
    if settings.chroma_url is None and not (settings.store / "chroma.sqlite3").exists():
        if not quiet:
            err_console.print(
                f"[yellow]范文库 {settings.store} 不存在，本次不使用范文（可先运行 drafter ingest）。[/]"
            )
        return None
    from drafter.corpus.store import CorpusStore

    store = CorpusStore.open(settings)
    if store.count() == 0:
        if not quiet:
            err_console.print("[yellow]范文库为空，本次不使用范文。[/]")
        return None
    return store


@dataclass
class Engine:
    """The chat model and exemplar retriever of one command (made once, used many times)."""

    cfg: LLMConfig
    model: ChatModel
    retriever: Retriever | None
    mode: str = "slots"  # drafting mode, resolved from settings.draft_mode and the model
    measures_design: str = "leads"  # settings.guided_measures
    stock: Callable[[], frozenset[str]] | None = None  # the store's stock phrases

    @property
    def name(self) -> str:
        return f"{self.cfg.provider}/{self.cfg.model}"

    def run(self, session: Session, plan: DraftPlan, **options: Any) -> RunResult:
        """run_draft with this engine's model, retriever, retry policy and mode."""
        return run_draft(
            session,
            plan,
            self.model,
            model_name=self.name,
            retriever=self.retriever,
            max_retries=self.cfg.max_retries,
            backoff=self.cfg.backoff,
            mode=self.mode,
            measures_design=self.measures_design,
            stock=self.stock,
            write_outputs=write_outputs,
            **options,
        )


def open_engine(
    stack: contextlib.ExitStack,
    settings: Settings,
    *,
    base_url: str | None,
    model: str | None,
    allow_remote: bool,
    store: object | None = None,
) -> Engine:
    """Enter the model scope on ``stack`` (a local server stops when the stack closes).
    ``store``: the store already opened for planning, reused by the retriever."""
    cfg = stack.enter_context(
        model_scope(settings, base_url=base_url, model=model, allow_remote=allow_remote)
    )
    lazy = LazyStore(settings) if store is None else None
    return Engine(
        cfg,
        make_chat_model(cfg),
        make_retriever(store) if lazy is None else lazy.retrieve,
        resolve_mode(settings.draft_mode, cfg.model),
        settings.guided_measures,
        make_stock(store) if lazy is None else lazy.stock,
    )


class LazyStore:
    """The store opened at its first use — a retrieval or the copy guard's stock phrases:
    a command whose sections never ask for exemplars does not pay for importing and
    opening Chroma (about a second)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._lock = threading.Lock()
        self._opened: list[object | None] = []

    def get(self) -> object | None:
        with self._lock:
            if not self._opened:
                self._opened.append(open_store_if_any(self.settings))
            return self._opened[0]

    def retrieve(self, query: str, kind: str, k: int) -> list[SearchHit]:
        retriever = make_retriever(self.get())
        return retriever(query, kind, k) if retriever is not None else []

    def stock(self) -> frozenset[str]:
        supplier = make_stock(self.get())
        return supplier() if supplier is not None else frozenset()


def retry_printer(console_print: Callable[[str], None]) -> RetryPrinter:
    """A retry notice per backoff, naming the section: the writer sees why it is waiting."""

    def on_retry(task: SectionTask, attempt: int, failure: object, delay: float) -> None:
        msg = failure.message if isinstance(failure, LLMFailure) else str(failure)
        console_print(
            f"[yellow]{task.heading or task.id}：第{attempt}次重试：{msg}，{delay:.1f}秒后重试…[/]"
        )

    return on_retry


def draft_progress(console: Console, *, disable: bool = False) -> Progress:
    """The section-by-section progress bar of a drafting run."""
    return Progress(
        TextColumn("[bold]起草[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=disable,
    )
