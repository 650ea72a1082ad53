"""The draft directory: one JSON file per section with every version and its provenance.

Layout of a session directory::

    session.json              SessionMeta: title, bureau, year, figures, outline, order
    sections/<id>.json        SectionState: all versions of one section (never pruned)
    sections/<id>.json.bak    the previous good copy, written before each replace
    draft.md                  the current text of every section (render.render_markdown)
    review.md                 the review report (render.render_review)
    exports.json              ExportLog: which version of each section each export showed
    .lock                     OS file lock held by the process working on the directory

Every write is atomic (drafter.atomic). A section keeps the exemplar passages it was
shown, the figures it used, the verification result and all earlier versions; a person
accepts, edits or regenerates it, and a re-run never silently replaces what a person
accepted or edited (merge_redraft).
"""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import filelock
from pydantic import BaseModel, ConfigDict, Field, model_validator

from drafter.atomic import atomic_write_bytes, atomic_write_text
from drafter.drafting.records import (
    HUMAN_ORIGINS,
    Version,
    utc_now,
)
from drafter.errors import DrafterError
from drafter.review.render import render_markdown, render_review
from drafter.review.session_files import (
    SCHEMA_VERSION,
    Unreadable,
    backup_path,
    load_with_backup,
    parses_as,
)

META_FILE = "session.json"
SECTIONS_DIR = "sections"
DRAFT_FILE = "draft.md"
REVIEW_FILE = "review.md"
EXPORTS_FILE = "exports.json"
LOCK_FILE = ".lock"

SECTION_ID_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_-]{0,127}$")

State = Literal["pending", "drafted", "flagged", "accepted", "edited"]


# --------------------------------------------------------------------------- models


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Note(_Model):
    """A reviewer's comment brought back from Word, attached to its section."""

    text: str
    author: str = ""
    date: str | None = None
    anchor: str = ""  # the commented text
    source: str = ""  # the reviewed file's name
    added_at: str = Field(default_factory=utc_now)


def _state_for(version: Version) -> State:
    if version.origin == "edit":
        return "edited"
    if version.origin == "reviewed":
        check = version.verification
        return "flagged" if check is not None and check.needs_attention else "edited"
    if version.verification is not None and version.verification.needs_attention:
        return "flagged"
    return "drafted"


class SectionState(_Model):
    """A section of the draft with its whole history; ``current`` is the version in force.

    The mutating methods change the object in place and return it, so
    ``session.save_section(state.accept())`` reads naturally. History is never deleted.
    """

    schema_version: int = SCHEMA_VERSION
    id: str = Field(pattern=SECTION_ID_RE.pattern)
    heading: str = ""
    level: int = Field(ge=0, le=3)  # 3: a point (1.) under a （一） work area
    kind: str
    order: int = 0
    state: State = "pending"
    current: int = Field(default=0, ge=0)
    versions: list[Version] = Field(default_factory=list)
    notes: list[Note] = Field(default_factory=list)  # reviewers' comments (drafter import)

    @model_validator(mode="after")
    def _check_history(self) -> SectionState:
        for i, v in enumerate(self.versions, 1):
            if v.number != i:
                raise ValueError(f"第 {i} 个版本的编号是 {v.number}，应为 {i}")
        if self.current > len(self.versions):
            raise ValueError(f"current={self.current}，但只有 {len(self.versions)} 个版本")
        if self.versions and self.current == 0:
            raise ValueError("已有版本但 current 为 0")
        if not self.versions and self.state != "pending":
            raise ValueError(f"没有任何版本，状态却是 {self.state}")
        return self

    @property
    def current_version(self) -> Version | None:
        return self.versions[self.current - 1] if self.current else None

    @property
    def text(self) -> str:
        v = self.current_version
        return v.text if v is not None else ""

    @property
    def is_human_touched(self) -> bool:
        """Accepted, or the version in force was written by a person."""
        v = self.current_version
        return self.state == "accepted" or (v is not None and v.origin in HUMAN_ORIGINS)

    @property
    def label(self) -> str:
        """The heading, or a name for an untitled opening/closing paragraph."""
        if self.heading:
            return self.heading
        untitled = {"opening": "开头段", "closing": "结尾段"}
        untitled |= {
            "plan_targets": "主要目标（无小标题）",
            "plan_priorities": "重点工作（无小标题）",
        }
        return untitled.get(self.kind, untitled.get(self.id, f"（无标题：{self.id}）"))

    def version(self, number: int) -> Version:
        if not 1 <= number <= len(self.versions):
            raise DrafterError(self._range_message(number))
        return self.versions[number - 1]

    def add_version(self, version: Version) -> SectionState:
        """Append a copy of ``version`` numbered after the last, and put it in force."""
        number = len(self.versions) + 1
        self.versions.append(version.model_copy(update={"number": number}, deep=True))
        self.current = number
        self.state = _state_for(self.versions[-1])
        return self

    def edit(self, text: str, *, instruction: str | None = None) -> SectionState:
        """Record a person's text as a new version (origin "edit")."""
        return self.add_version(Version(text=text, origin="edit", instruction=instruction))

    def accept(self) -> SectionState:
        """Mark the version in force as accepted by a person."""
        if self.current_version is None:
            raise DrafterError(f"章节“{self.label}”（{self.id}）还没有任何版本，无法采纳。")
        self.state = "accepted"
        return self

    def undo_to(self, number: int) -> SectionState:
        """Put an existing version back in force; later versions stay in the history."""
        v = self.version(number)
        self.current = number
        self.state = _state_for(v)
        return self

    def _range_message(self, number: int) -> str:
        if not self.versions:
            return f"章节“{self.label}”（{self.id}）还没有任何版本。"
        return (
            f"章节“{self.label}”（{self.id}）没有第 {number} 版；"
            f"可选 1–{len(self.versions)}（当前为第 {self.current} 版）。"
        )


class SessionMeta(_Model):
    """What the draft is of and where its inputs came from (session.json)."""

    schema_version: int = SCHEMA_VERSION
    title: str
    bureau: str
    year: int
    period: str = "annual"
    figures_path: str
    figures_sha256: str
    outline: str  # outline name or path
    outline_note: str = ""  # which outline, in Chinese (按本单位2024年总结的结构 / 默认提纲)
    created_at: str = Field(default_factory=utc_now)
    updated_at: str = Field(default_factory=utc_now)
    model: str | None = None  # description of the chat model, never a key
    section_order: list[str] = Field(default_factory=list)


class ExportRecord(_Model):
    """One exported document: the version of each section it showed (0: none yet)."""

    at: str = Field(default_factory=utc_now)
    path: str
    versions: dict[str, int] = Field(default_factory=dict)


class ExportLog(_Model):
    """exports.json: every export in order, so `--changes-since last-export` is resolvable."""

    schema_version: int = SCHEMA_VERSION
    exports: list[ExportRecord] = Field(default_factory=list)


def load_export_log(directory: Path) -> ExportLog:
    """The export log of a session directory (empty when none was recorded yet)."""
    path = Path(directory) / EXPORTS_FILE
    if not path.exists() and not backup_path(path).exists():
        return ExportLog()
    try:
        return load_with_backup(path, ExportLog)[0]
    except Unreadable as exc:
        raise DrafterError(f"导出记录无法读取：{exc}。", hint=f"可从备份恢复 {path}。") from None


def record_export(directory: Path, path: Path, sections: Iterable[SectionState]) -> ExportRecord:
    """Append what was just exported to exports.json (atomically; the old copy kept as .bak)."""
    log = load_export_log(directory)
    record = ExportRecord(path=str(path), versions={s.id: s.current for s in sections})
    log.exports.append(record)
    target = Path(directory) / EXPORTS_FILE
    data = (log.model_dump_json(indent=2) + "\n").encode("utf-8")
    if target.exists():
        atomic_write_bytes(backup_path(target), target.read_bytes())
    atomic_write_bytes(target, data)
    return record


# ------------------------------------------------------------------- merge rules


def would_override(existing: SectionState) -> bool:
    """True when putting a new draft in force would replace a person's decision."""
    return existing.is_human_touched


def merge_redraft(existing: SectionState, new_version: Version) -> SectionState:
    """A copy of ``existing`` with ``new_version`` added.

    An untouched section gets the new version in force. A section a person accepted or
    edited keeps its version in force and its state; the new version only joins the
    history (check :func:`would_override` beforehand to tell the user). ``existing`` itself
    is not modified.
    """
    merged = existing.model_copy(deep=True)
    if not would_override(existing):
        return merged.add_version(new_version)
    keep_current, keep_state = merged.current, merged.state
    merged.add_version(new_version)
    merged.current, merged.state = keep_current, keep_state
    return merged


# --------------------------------------------------------------------------- locks


@contextlib.contextmanager
def lock_session_dir(directory: Path) -> Iterator[None]:
    """Hold DIR/.lock for the block; DrafterError at once when another process holds it.

    The lock is an OS lock (flock): it goes away with the process that held it, so a
    killed run never leaves a stale lock behind.
    """
    directory = Path(directory)
    lock_path = directory / LOCK_FILE
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DrafterError(f"无法创建会话目录 {directory}：{exc.strerror or exc}") from exc
    lock = filelock.FileLock(str(lock_path), timeout=0, thread_local=False, fallback_to_soft=False)
    try:
        lock.acquire()
    except filelock.Timeout:
        raise DrafterError(
            f"会话目录 {directory} 正被另一个进程使用（锁文件 {lock_path}）。",
            hint="等另一个 drafter 进程结束后重试；进程被强制结束时锁会自动释放，无须删除锁文件。",
        ) from None
    except OSError as exc:
        raise DrafterError(
            f"无法锁定会话目录 {directory}（锁文件 {lock_path}）：{exc.strerror or exc}",
            hint="检查该目录的写权限；网络文件系统可能不支持文件锁。",
        ) from exc
    try:
        yield
    finally:
        lock.release()


# ------------------------------------------------------------------------ session


class Session:
    """A draft directory. Load with :meth:`open`, make with :meth:`create`.

    Sections are read once and cached; :meth:`save_section` writes one at once and
    atomically, keeping the previous good copy as ``<id>.json.bak``. Files that cannot be
    read are listed in :attr:`problems` (Chinese) instead of making the rest unreadable.
    Hold :meth:`lock` while changing a session.
    """

    def __init__(
        self,
        directory: Path,
        meta: SessionMeta,
        sections: dict[str, SectionState],
        *,
        problems: list[str] | None = None,
        unreadable: dict[str, str] | None = None,
    ) -> None:
        self.dir = Path(directory)
        self.meta = meta
        self._sections = sections
        self.problems: list[str] = problems or []
        self.unreadable: dict[str, str] = unreadable or {}  # section id → why
        self._write_lock = threading.RLock()
        self._lock_depth = 0
        self._lock_stack: contextlib.ExitStack | None = None

    # ---------------------------------------------------------------- paths

    @property
    def meta_path(self) -> Path:
        return self.dir / META_FILE

    @property
    def sections_dir(self) -> Path:
        return self.dir / SECTIONS_DIR

    @property
    def draft_path(self) -> Path:
        return self.dir / DRAFT_FILE

    @property
    def review_path(self) -> Path:
        return self.dir / REVIEW_FILE

    def section_path(self, section_id: str) -> Path:
        return self.sections_dir / f"{section_id}.json"

    # --------------------------------------------------------------- create

    @classmethod
    def create(
        cls, directory: Path, meta: SessionMeta, sections: Iterable[SectionState]
    ) -> Session:
        """Write a new session into ``directory`` (created if needed; must not hold one).

        ``meta.section_order`` is taken from ``sections`` when empty, else must name
        exactly their ids.
        """
        directory = Path(directory)
        states = [s.model_copy(deep=True) for s in sections]
        ids = [s.id for s in states]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise DrafterError(f"章节编号重复：{'、'.join(duplicates)}。")
        meta = meta.model_copy(deep=True)
        if not meta.section_order:
            meta.section_order = ids
        elif sorted(meta.section_order) != sorted(ids):
            raise DrafterError(
                "session.json 的 section_order 与章节不一致："
                f"顺序表为 {'、'.join(meta.section_order)}，章节为 {'、'.join(ids)}。"
            )
        if (directory / META_FILE).exists():
            raise DrafterError(
                f"{directory} 里已有一份草稿（{directory / META_FILE}）。",
                hint="打开并继续这份草稿，或换一个新目录。",
            )
        try:
            (directory / SECTIONS_DIR).mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DrafterError(f"无法创建会话目录 {directory}：{exc.strerror or exc}") from exc
        session = cls(directory, meta, {s.id: s for s in states})
        for state in states:
            session._write_section(state)
        session.save_meta()  # last: a directory with session.json is complete
        return session

    # ----------------------------------------------------------------- open

    @classmethod
    def open(cls, directory: Path) -> Session:
        """Read a session; a damaged section is recovered from its .bak or reported."""
        directory = Path(directory)
        if not directory.exists():
            raise DrafterError(
                f"会话目录 {directory} 不存在。", hint="检查路径，或先起草生成草稿。"
            )
        if not directory.is_dir():
            raise DrafterError(f"{directory} 不是目录，不能作为会话目录打开。")
        meta_path = directory / META_FILE
        if not meta_path.exists() and not backup_path(meta_path).exists():
            raise DrafterError(
                f"{directory} 不是 drafter 会话目录（缺少 {META_FILE}）。",
                hint="检查路径，或先起草生成草稿。",
            )
        problems: list[str] = []
        try:
            meta, note = load_with_backup(meta_path, SessionMeta)
        except Unreadable as exc:
            raise DrafterError(
                f"会话文件无法读取：{exc}。", hint=f"可从版本管理或备份中恢复 {meta_path}。"
            ) from None
        if note:
            problems.append(note)

        sections: dict[str, SectionState] = {}
        unreadable: dict[str, str] = {}
        sections_dir = directory / SECTIONS_DIR
        order = list(dict.fromkeys(meta.section_order))
        meta.section_order = order
        for section_id in order:
            path = sections_dir / f"{section_id}.json"
            try:
                state, note = load_with_backup(path, SectionState)
                if state.id != section_id:
                    raise Unreadable(f"{path} 中的章节编号 {state.id} 与文件名不符")
            except Unreadable as exc:
                unreadable[section_id] = f"{exc}。"
                problems.append(f"{exc}。本节无法显示，其余章节不受影响。")
                continue
            if note:
                problems.append(note)
            sections[section_id] = state

        # Sections written but not yet listed (a crash between the two writes): keep them.
        extra: list[SectionState] = []
        if sections_dir.is_dir():
            for path in sorted(sections_dir.glob("*.json")):
                section_id = path.stem
                if section_id in sections or section_id in unreadable:
                    continue
                if not SECTION_ID_RE.match(section_id):
                    continue
                try:
                    state, note = load_with_backup(path, SectionState)
                except Unreadable as exc:
                    problems.append(f"{exc}。")
                    continue
                if note:
                    problems.append(note)
                if state.id == section_id:
                    extra.append(state)
        for state in sorted(extra, key=lambda s: s.order):
            sections[state.id] = state
            meta.section_order.append(state.id)
        return cls(directory, meta, sections, problems=problems, unreadable=unreadable)

    # ------------------------------------------------------------- reading

    def sections(self) -> list[SectionState]:
        """The readable sections in document order (the cached objects, not copies)."""
        return [self._sections[i] for i in self.meta.section_order if i in self._sections]

    def section(self, section_id: str) -> SectionState:
        found = self._sections.get(section_id)
        if found is not None:
            return found
        if section_id in self.unreadable:
            raise DrafterError(
                f"章节 {section_id} 的文件已损坏：{self.unreadable[section_id]}",
                hint=f"从备份恢复 {self.section_path(section_id)}，或重新起草这一节。",
            )
        valid = "、".join(self.meta.section_order) or "（无）"
        raise DrafterError(f"没有编号为 {section_id} 的章节。可用的章节编号：{valid}。")

    # -------------------------------------------------------------- writing

    def save_section(self, state: SectionState) -> None:
        """Write one section now (atomically); a new id is appended to the section order."""
        with self._write_lock:
            self._write_section(state)
            self._sections[state.id] = state
            self.unreadable.pop(state.id, None)
            self.meta.updated_at = utc_now()
            if state.id not in self.meta.section_order:
                self.meta.section_order.append(state.id)
                self.save_meta()

    def save_meta(self) -> None:
        """Stamp ``updated_at`` and write session.json (previous copy kept as .bak)."""
        with self._write_lock:
            self.meta.updated_at = utc_now()
            self._replace_keeping_backup(self.meta_path, self.meta, SessionMeta)

    def write_outputs(self) -> tuple[Path, Path]:
        """Write draft.md and review.md from the sections in force (draft.docx is the Word
        stage's: drafter.word.export.write_outputs writes all three)."""
        sections = self.sections()
        atomic_write_text(self.draft_path, render_markdown(self.meta, sections))
        atomic_write_text(
            self.review_path,
            render_review(self.meta, sections, problems=self.problems),
        )
        return self.draft_path, self.review_path

    def _write_section(self, state: SectionState) -> None:
        if not SECTION_ID_RE.match(state.id):
            raise DrafterError(
                f"章节编号 {state.id!r} 不能用作文件名（只允许字母、数字、_ 和 -）。"
            )
        self._replace_keeping_backup(self.section_path(state.id), state, SectionState)

    def _replace_keeping_backup(self, path: Path, obj: BaseModel, model: type[BaseModel]) -> None:
        """Copy the current good file to .bak, then atomically replace it.

        A damaged current file is moved aside (``.corrupt-<time>``), never copied over a
        good backup and never deleted.
        """
        data = (obj.model_dump_json(indent=2) + "\n").encode("utf-8")
        try:
            old: bytes | None = path.read_bytes()
        except OSError:  # missing (first save) or unreadable: nothing to back up
            old = None
        if old == data:
            return
        if old is not None:
            if parses_as(old, model):
                atomic_write_bytes(backup_path(path), old)
            else:
                stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
                with contextlib.suppress(OSError):
                    path.replace(path.with_name(f"{path.name}.corrupt-{stamp}"))
        atomic_write_bytes(path, data)

    # ----------------------------------------------------------------- lock

    @contextlib.contextmanager
    def lock(self) -> Iterator[Session]:
        """Hold the directory lock; re-entrant within this object."""
        with self._write_lock:
            outer = self._lock_depth == 0
            if outer:
                stack = contextlib.ExitStack()
                stack.enter_context(lock_session_dir(self.dir))
                self._lock_stack = stack
            self._lock_depth += 1
        try:
            yield self
        finally:
            with self._write_lock:
                self._lock_depth -= 1
                if self._lock_depth == 0 and self._lock_stack is not None:
                    self._lock_stack.close()
                    self._lock_stack = None
