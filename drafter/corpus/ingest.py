"""Ingest pipeline: files → read → clean → segment → chunks → store.

Pure preparation (`prepare_document`) is separate from the store write so it can be
tested without Chroma and so a failing file never half-writes the store.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from drafter.corpus.clean import clean_document
from drafter.corpus.clean_furniture import RepeatCount
from drafter.corpus.parts import SEGMENTER_VERSION
from drafter.corpus.read import iter_input_files, read_document
from drafter.corpus.segment import chunk_document, parse_document
from drafter.corpus.store import CorpusStore
from drafter.corpus.store_records import MAX_DROPPED_KEPT
from drafter.errors import DrafterError, InputError
from drafter.models import Chunk, DocMeta, DocumentInfo, ParsedDocument, SourceText, StoredChunk
from drafter.settings import Settings

Status = Literal["added", "replaced", "unchanged", "duplicate", "skipped"]


@dataclass
class FileOutcome:
    """What happened to one input file; `reason` is Chinese and set for skips/duplicates."""

    path: str
    status: Status
    reason: str | None = None
    doc_id: str | None = None
    title: str | None = None
    sections: int = 0
    chunks: int = 0


@dataclass
class IngestReport:
    outcomes: list[FileOutcome] = field(default_factory=list)

    def count(self, status: Status) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def total_chunks(self) -> int:
        return sum(o.chunks for o in self.outcomes if o.status in ("added", "replaced"))

    @property
    def total_sections(self) -> int:
        return sum(o.sections for o in self.outcomes if o.status in ("added", "replaced"))


@dataclass
class PreparedDocument:
    info: DocumentInfo
    chunks: list[StoredChunk]
    parsed: ParsedDocument
    line_keys: list[str] = field(default_factory=list)


class LineIndex:
    """Which stored documents contain which short lines (see clean_furniture.line_keys).

    The cleaner counts a line found in other documents as a sign of site furniture.
    """

    def __init__(self, keys_by_doc: dict[str, set[str]] | None = None) -> None:
        self._keys: dict[str, set[str]] = {}
        self._counts: Counter[str] = Counter()
        for doc_id, keys in (keys_by_doc or {}).items():
            self.set(doc_id, keys)

    def set(self, doc_id: str, keys: Iterable[str]) -> None:
        self._counts.subtract(self._keys.get(doc_id, set()))
        self._keys[doc_id] = set(keys)
        self._counts.update(self._keys[doc_id])

    def counter_for(self, doc_id: str) -> RepeatCount:
        """How many documents other than ``doc_id`` contain a key."""
        own = self._keys.get(doc_id, set())

        def count(key: str) -> int:
            return max(0, self._counts[key] - (1 if key in own else 0))

        return count


def document_id(path: Path) -> str:
    """Stable id from the resolved path: re-ingesting the same file finds its old record."""
    return hashlib.sha256(str(path.resolve()).encode("utf-8")).hexdigest()[:12]


def chunk_id(doc_id: str, chunk: Chunk) -> str:
    """Content-hash id: the same text at the same place always gets the same id."""
    key = f"{doc_id}\x00{chunk.position}\x00{chunk.text}".encode()
    return hashlib.sha256(key).hexdigest()[:24]


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def prepare_document(
    source: SourceText,
    hints: DocMeta,
    settings: Settings,
    *,
    repeat_count: RepeatCount | None = None,
) -> PreparedDocument:
    """Clean, parse and chunk one document; raises InputError when nothing usable remains.

    ``repeat_count`` tells the cleaner in how many other stored documents a line occurs.
    """
    result = clean_document(source.text, repeat_count=repeat_count)
    cleaned = result.text
    if not cleaned.strip():
        raise InputError(
            f"{source.path}：清理网页杂项后没有剩下正文。",
            hint="检查文件是否只是网页的目录或下载页。",
        )
    parsed = parse_document(cleaned, hints=hints, source_name=source.path.name)
    chunks = chunk_document(
        parsed, min_chars=settings.chunk_min_chars, max_chars=settings.chunk_max_chars
    )
    if not chunks:
        raise InputError(f"{source.path}：没有可入库的正文段落。")
    doc_id = document_id(source.path)
    meta = parsed.meta
    info = DocumentInfo(
        doc_id=doc_id,
        source=str(source.path.resolve()),
        content_hash=content_hash(cleaned),
        n_chunks=len(chunks),
        title=meta.title,
        bureau=meta.bureau,
        region=meta.region,
        region_level=meta.region_level,
        year=meta.year,
        period=str(meta.period) if meta.period else None,
        ingested_at=datetime.now(UTC).isoformat(timespec="seconds"),
        n_dropped=len(result.dropped),
        dropped=result.dropped[:MAX_DROPPED_KEPT],
        segmenter=SEGMENTER_VERSION,
    )
    stored = [
        StoredChunk(
            id=chunk_id(doc_id, c),
            text=c.text,
            doc_id=doc_id,
            source=info.source,
            heading_path=" > ".join(c.heading_path),
            kind=str(c.kind),
            position=c.position,
            year=meta.year,
            bureau=meta.bureau,
            region=meta.region,
            period=info.period,
            title=meta.title,
            region_level=meta.region_level,
        )
        for c in chunks
    ]
    return PreparedDocument(info=info, chunks=stored, parsed=parsed, line_keys=result.line_keys)


def count_sections(parsed: ParsedDocument) -> int:
    """All headed sections of the tree (the untitled opening counts as one)."""

    def walk(sections: Sequence[object]) -> int:
        total = 0
        for s in sections:
            total += 1 + walk(getattr(s, "children", []))
        return total

    return walk(parsed.sections)


def ingest_paths(
    paths: Sequence[Path],
    store: CorpusStore,
    hints: DocMeta,
    settings: Settings,
    *,
    on_file_start: Callable[[Path], None] | None = None,
    on_file_done: Callable[[FileOutcome], None] | None = None,
    on_total: Callable[[int], None] | None = None,
    report: IngestReport | None = None,
) -> IngestReport:
    """Ingest every readable file; a bad file is reported and the batch goes on.

    on_file_done is called once per file that was read (not for paths refused while
    expanding folders), so it can drive a progress bar sized by on_total. A store or
    embedding failure stops the batch (every later file would fail alike); pass
    ``report`` to know, after such an error, which files were stored before it.
    """
    report = report if report is not None else IngestReport()
    files: list[Path] = []
    for item in iter_input_files(paths):
        if isinstance(item, InputError):
            report.outcomes.append(
                FileOutcome(path=_path_of(item), status="skipped", reason=str(item))
            )
        else:
            files.append(item)
    if on_total:
        on_total(len(files))
    max_bytes = int(settings.max_file_mb * 1024 * 1024)
    lines = LineIndex(store.document_line_keys()) if files else LineIndex()
    for path in files:
        if on_file_start:
            on_file_start(path)
        outcome = _ingest_one(path, store, hints, settings, max_bytes, lines)
        report.outcomes.append(outcome)
        if on_file_done:
            on_file_done(outcome)
    return report


def _ingest_one(
    path: Path,
    store: CorpusStore,
    hints: DocMeta,
    settings: Settings,
    max_bytes: int,
    lines: LineIndex,
) -> FileOutcome:
    try:
        source = read_document(path, max_bytes=max_bytes)
        counter = lines.counter_for(document_id(source.path))
        prepared = prepare_document(source, hints, settings, repeat_count=counter)
    except InputError as exc:
        return FileOutcome(path=str(path), status="skipped", reason=str(exc))
    result = store.put_document(prepared.info, prepared.chunks, line_keys=prepared.line_keys)
    if result in ("added", "replaced"):
        lines.set(prepared.info.doc_id, prepared.line_keys)
    reason = None
    if result == "duplicate":
        reason = "内容与已入库的另一文档相同，未重复入库"
    elif result == "unchanged":
        reason = "文件未变化，无需重新入库"
    return FileOutcome(
        path=str(path),
        status=result,  # type: ignore[arg-type]
        reason=reason,
        doc_id=prepared.info.doc_id,
        title=prepared.info.title,
        sections=count_sections(prepared.parsed),
        chunks=len(prepared.chunks) if result in ("added", "replaced") else 0,
    )


def _path_of(error: DrafterError) -> str:
    return getattr(error, "path", None) or "-"
