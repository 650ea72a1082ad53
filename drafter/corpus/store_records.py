"""Chunks and documents as Chroma records: metadata conversion, names and validation.

Split out of :mod:`drafter.corpus.store`: the pure conversions between
:class:`~drafter.models.StoredChunk` / :class:`~drafter.models.DocumentInfo` and Chroma
metadata, with no client involved.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from drafter.errors import ConfigError
from drafter.models import DocumentInfo, StoredChunk

REVISION_ID = "__drafter_revision__"
RECORD_DOC = "doc"

# Chroma: 3–512 characters of [a-zA-Z0-9._-], starting and ending with [a-zA-Z0-9]; the
# registry name appends "__docs", so ours may be at most 506 characters.
_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{1,504}[A-Za-z0-9]")

_CHUNK_META_FIELDS = tuple(
    f.name for f in dataclasses.fields(StoredChunk) if f.name not in {"id", "text"}
)
_DOC_FIELDS = tuple(f.name for f in dataclasses.fields(DocumentInfo))
_DOC_COMPARE_FIELDS = tuple(f for f in _DOC_FIELDS if f != "ingested_at")


def validate_collection_name(name: str) -> None:
    """ConfigError unless ``name`` is a collection name Chroma (and our registry) accepts."""
    if not _NAME_RE.fullmatch(name or ""):
        raise ConfigError(
            f"集合名“{name}”不可用：Chroma 的集合名须为 3–{506} 个英文字母、数字或 . _ - "
            "组成，且首尾须为字母或数字（不支持中文）。",
            hint="换一个集合名，例如 --collection kjj_2024 或 DRAFTER_COLLECTION=kjj_2024。",
        )


def clean_metadata(values: Mapping[str, Any]) -> dict[str, str | int | float | bool]:
    """Chroma metadata: only str/int/float/bool; None values are dropped."""
    out: dict[str, str | int | float | bool] = {}
    for key, value in values.items():
        if value is None:
            continue
        if isinstance(value, bool | int | float | str):
            out[key] = value
        else:
            out[key] = str(value)
    return out


def chunk_metadata(chunk: StoredChunk) -> dict[str, str | int | float | bool]:
    """The Chroma metadata of a chunk: every field but id and text, None dropped."""
    return clean_metadata({name: getattr(chunk, name) for name in _CHUNK_META_FIELDS})


def opt_str(value: Any) -> str | None:
    return None if value is None else str(value)


def opt_int(value: Any) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def chunk_from_record(
    chunk_id: str, text: str | None, meta: Mapping[str, Any] | None
) -> StoredChunk:
    """A StoredChunk from a Chroma record (missing metadata keys come back as None)."""
    m = meta or {}
    return StoredChunk(
        id=chunk_id,
        text=text or "",
        doc_id=str(m.get("doc_id", "")),
        source=str(m.get("source", "")),
        heading_path=str(m.get("heading_path", "")),
        kind=str(m.get("kind", "")),
        position=opt_int(m.get("position")) or 0,
        year=opt_int(m.get("year")),
        bureau=opt_str(m.get("bureau")),
        region=opt_str(m.get("region")),
        period=opt_str(m.get("period")),
        title=opt_str(m.get("title")),
        region_level=opt_str(m.get("region_level")),
    )


MAX_DROPPED_KEPT = 500  # dropped furniture lines kept per document (the count is exact)


def doc_metadata(
    info: DocumentInfo, kinds: Mapping[str, int], line_keys: Sequence[str] = ()
) -> dict[str, str | int | float | bool]:
    values: dict[str, Any] = {name: getattr(info, name) for name in _DOC_FIELDS}
    values["record"] = RECORD_DOC
    values["kinds"] = json.dumps(dict(sorted(kinds.items())), ensure_ascii=False)
    values["dropped"] = json.dumps(info.dropped[:MAX_DROPPED_KEPT], ensure_ascii=False)
    if line_keys:
        values["line_keys"] = " ".join(line_keys)
    return clean_metadata(values)


def _json_list(raw: Any) -> list[str]:
    if not isinstance(raw, str):
        return []
    try:
        parsed = json.loads(raw)
    except ValueError:
        return []
    return [str(x) for x in parsed] if isinstance(parsed, list) else []


def doc_from_metadata(doc_id: str, meta: Mapping[str, Any] | None) -> DocumentInfo:
    m = meta or {}
    return DocumentInfo(
        doc_id=doc_id,
        source=str(m.get("source", "")),
        content_hash=str(m.get("content_hash", "")),
        n_chunks=opt_int(m.get("n_chunks")) or 0,
        title=opt_str(m.get("title")),
        bureau=opt_str(m.get("bureau")),
        region=opt_str(m.get("region")),
        region_level=opt_str(m.get("region_level")),
        year=opt_int(m.get("year")),
        period=opt_str(m.get("period")),
        ingested_at=opt_str(m.get("ingested_at")),
        n_dropped=opt_int(m.get("n_dropped")),
        dropped=_json_list(m.get("dropped")),
        segmenter=opt_int(m.get("segmenter")),
    )


def kinds_from_metadata(meta: Mapping[str, Any] | None) -> dict[str, int]:
    raw = (meta or {}).get("kinds")
    if not isinstance(raw, str):
        return {}
    try:
        parsed = json.loads(raw)
    except ValueError:
        return {}
    return {str(k): int(v) for k, v in parsed.items()} if isinstance(parsed, dict) else {}


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def batches(n: int, size: int) -> Iterator[tuple[int, int]]:
    for start in range(0, n, size):
        yield start, min(n, start + size)


def validate_chunks(
    info: DocumentInfo, chunks: list[StoredChunk], vectors: list[Any] | None
) -> None:
    if not info.doc_id or info.doc_id == REVISION_ID:
        raise ValueError(f"invalid document id {info.doc_id!r}")
    seen: set[str] = set()
    for c in chunks:
        if c.doc_id != info.doc_id:
            raise ValueError(f"chunk {c.id} belongs to {c.doc_id}, not {info.doc_id}")
        if c.id in seen:
            raise ValueError(f"duplicate chunk id {c.id} in document {info.doc_id}")
        if c.id == REVISION_ID:
            raise ValueError(f"reserved chunk id {c.id}")
        seen.add(c.id)
    if vectors is not None and len(vectors) != len(chunks):
        raise ValueError(f"{len(vectors)} embeddings for {len(chunks)} chunks")


def same_document(a: DocumentInfo, b: DocumentInfo) -> bool:
    return all(getattr(a, f) == getattr(b, f) for f in _DOC_COMPARE_FIELDS)
