"""The corpus store: past summaries as chunks in a Chroma collection, plus a registry.

Layout (one Chroma database, embedded ``PersistentClient`` or a ``chroma run`` server):

* ``<collection>``: one record per chunk; document = chunk text, metadata = the other
  :class:`~drafter.models.StoredChunk` fields (None values dropped), cosine space,
  embedded by a registered drafter embedding function (see :mod:`drafter.corpus.embed`).
* ``<collection>__docs``: the registry, one record per document (the
  :class:`~drafter.models.DocumentInfo` fields plus per-kind chunk counts as metadata,
  with a 1-dimensional dummy embedding so no model runs) and one ``__drafter_revision__``
  record holding the store's revision. list/show/stats/remove read only this.

Writes happen inside ``with store.writer():``, which holds a file lock. Two processes
writing one embedded store without it silently lose records, and even with a lock a
long-lived embedded client keeps a stale in-memory vector index that it later writes
back (measured: 18,000 records added by three processes, 8,300 left queryable). So, for
the embedded store, ``writer()`` opens a fresh client after taking the lock and closes
it (flushing the index) before releasing it; a reader reopens its client when it sees
the revision change.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from drafter.corpus.store_connection import StoreConnection, embedder_identity
from drafter.corpus.store_records import (
    RECORD_DOC,
    batches,
    chunk_from_record,
    chunk_metadata,
    doc_from_metadata,
    doc_metadata,
    kinds_from_metadata,
    now_iso,
    same_document,
    validate_chunks,
)
from drafter.errors import InputError, StoreError
from drafter.models import DocumentInfo, StoredChunk

__all__ = ["CorpusStore", "PutResult"]

PutResult = Literal["added", "replaced", "unchanged", "duplicate"]

MIN_PREFIX = 4  # shortest document-id prefix accepted by document()

_PAGE = 1000
_DEFAULT_WRITE_BATCH = 256  # chunks per upsert when the model embeds them (progress, memory)


@dataclass
class _Stored:
    text: str
    meta: dict[str, Any]


class CorpusStore(StoreConnection):
    """Past summaries in Chroma: chunk collection + document registry, written under a lock.

    Create with :meth:`open`. Reads may happen at any time (from several threads);
    mutating methods must run inside ``with store.writer():``.
    """

    # ------------------------------------------------------------------ registry reads

    def _registry_records(self, where: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
        out: list[tuple[str, dict[str, Any]]] = []
        offset = 0
        while True:
            got = self._docs.get(where=where, include=["metadatas"], limit=_PAGE, offset=offset)
            ids = got.get("ids") or []
            metas = got.get("metadatas") or [None] * len(ids)
            out.extend((i, dict(m or {})) for i, m in zip(ids, metas, strict=True))
            if len(ids) < _PAGE:
                return out
            offset += len(ids)

    def _registry_get(self, doc_id: str) -> tuple[DocumentInfo, dict[str, int]] | None:
        got = self._docs.get(ids=[doc_id], include=["metadatas"])
        ids = got.get("ids") or []
        if not ids:
            return None
        meta = (got.get("metadatas") or [None])[0]
        if (meta or {}).get("record") != RECORD_DOC:
            return None
        return doc_from_metadata(ids[0], meta), kinds_from_metadata(meta)

    def documents(self) -> list[DocumentInfo]:
        """Every ingested document (from the registry), sorted by source path."""
        with self._mutex:
            self._ensure_current()
            with self._guard("读取文档列表"):
                records = self._registry_records({"record": RECORD_DOC})
        docs = [doc_from_metadata(i, m) for i, m in records]
        return sorted(docs, key=lambda d: (d.source, d.doc_id))

    def document_line_keys(self) -> dict[str, set[str]]:
        """doc_id → the keys of its short raw lines (documents ingested before the cleaner
        recorded them have none)."""
        with self._mutex:
            self._ensure_current()
            with self._guard("读取文档列表"):
                records = self._registry_records({"record": RECORD_DOC})
        return {
            doc_id: set(str(meta.get("line_keys") or "").split())
            for doc_id, meta in records
            if meta.get("line_keys")
        }

    def document_by_hash(self, content_hash: str) -> DocumentInfo | None:
        """The document whose cleaned text has this hash, if any."""
        with self._mutex:
            self._ensure_current()
            with self._guard("查询文档"):
                found = self._find_by_hash(content_hash, exclude=None)
        return found

    def _find_by_hash(self, content_hash: str, *, exclude: str | None) -> DocumentInfo | None:
        records = self._registry_records(
            {"$and": [{"record": RECORD_DOC}, {"content_hash": content_hash}]}
        )
        for doc_id, meta in sorted(records):
            if doc_id != exclude:
                return doc_from_metadata(doc_id, meta)
        return None

    def document(self, key: str) -> DocumentInfo:
        """A document by id, unique id prefix (≥4 characters), source file name or path.

        InputError (Chinese) when nothing or more than one document matches.
        """
        key = key.strip()
        with self._mutex:
            self._ensure_current()
            with self._guard("查询文档"):
                exact = self._registry_get(key) if key else None
        if exact is not None:
            return exact[0]
        docs = self.documents()
        matches: dict[str, DocumentInfo] = {}
        if len(key) >= MIN_PREFIX:
            for d in docs:
                if d.doc_id.startswith(key):
                    matches[d.doc_id] = d
        resolved: str | None
        try:
            resolved = str(Path(key).expanduser().resolve()) if key else None
        except (OSError, RuntimeError):
            resolved = None
        for d in docs:
            if key and (d.source == key or Path(d.source).name == key or d.source == resolved):
                matches[d.doc_id] = d
        if len(matches) == 1:
            return next(iter(matches.values()))
        if not matches:
            short = f"（文档 ID 前缀至少写 {MIN_PREFIX} 位）" if 0 < len(key) < MIN_PREFIX else ""
            raise InputError(
                f"范文库中没有找到文档“{key}”{short}。",
                hint="用 drafter corpus list 查看已入库文档的 ID 和来源文件名；"
                "可写完整 ID、ID 的前几位或文件名。",
            )
        listing = "\n".join(
            f"  - {d.doc_id}  {Path(d.source).name}  {d.title or ''}".rstrip()
            for d in sorted(matches.values(), key=lambda d: d.doc_id)
        )
        raise InputError(
            f"“{key}”匹配到 {len(matches)} 篇文档：\n{listing}",
            hint="请写更长的文档 ID 以区分。",
        )

    # ------------------------------------------------------------------ chunk reads

    def _records_of(self, doc_id: str) -> dict[str, _Stored]:
        out: dict[str, _Stored] = {}
        offset = 0
        while True:
            got = self._chunks.get(
                where={"doc_id": doc_id},
                include=["documents", "metadatas"],
                limit=_PAGE,
                offset=offset,
            )
            ids = got.get("ids") or []
            texts = got.get("documents") or [None] * len(ids)
            metas = got.get("metadatas") or [None] * len(ids)
            for cid, text, meta in zip(ids, texts, metas, strict=True):
                out[cid] = _Stored(text or "", dict(meta or {}))
            if len(ids) < _PAGE:
                return out
            offset += len(ids)

    def chunks_of(self, doc_id: str) -> list[StoredChunk]:
        """A document's chunks in document order."""
        with self._mutex:
            self._ensure_current()
            with self._guard("读取文本块"):
                records = self._records_of(doc_id)
        chunks = [chunk_from_record(cid, r.text, r.meta) for cid, r in records.items()]
        return sorted(chunks, key=lambda c: (c.position, c.id))

    def iter_chunks(self, batch_size: int = 2000) -> Iterator[StoredChunk]:
        """Every chunk of the collection, fetched ``batch_size`` at a time."""
        batch_size = max(1, int(batch_size))
        offset = 0
        while True:
            with self._mutex:
                self._ensure_current()
                with self._guard("读取文本块"):
                    got = self._chunks.get(
                        include=["documents", "metadatas"], limit=batch_size, offset=offset
                    )
            ids = got.get("ids") or []
            texts = got.get("documents") or [None] * len(ids)
            metas = got.get("metadatas") or [None] * len(ids)
            for cid, text, meta in zip(ids, texts, metas, strict=True):
                yield chunk_from_record(cid, text, meta)
            if len(ids) < batch_size:
                return
            offset += len(ids)

    def count(self) -> int:
        """Number of chunks in the collection."""
        with self._mutex:
            self._ensure_current()
            with self._guard("统计"):
                return int(self._chunks.count())

    def stats(self) -> dict[str, Any]:
        """Documents and chunks, and chunk counts by kind, year and bureau (from the registry)."""
        with self._mutex:
            self._ensure_current()
            with self._guard("统计"):
                records = self._registry_records({"record": RECORD_DOC})
                n_chunks = int(self._chunks.count())
                revision = self._read_revision()
        by_kind: Counter[str] = Counter()
        by_year: Counter[str] = Counter()
        by_bureau: Counter[str] = Counter()
        for doc_id, meta in records:
            info = doc_from_metadata(doc_id, meta)
            by_kind.update(kinds_from_metadata(meta))
            by_year[str(info.year) if info.year is not None else "未知"] += info.n_chunks
            by_bureau[info.bureau or "未知"] += info.n_chunks
        return {
            "documents": len(records),
            "chunks": n_chunks,
            "by_kind": dict(sorted(by_kind.items())),
            "by_year": dict(sorted(by_year.items())),
            "by_bureau": dict(sorted(by_bureau.items())),
            "revision": revision,
            "collection": self.collection_name,
            "location": self.location,
            "embedding": embedder_identity(self.embedder)[0],
        }

    # ------------------------------------------------------------------ queries

    def dense_query(
        self, text: str, *, n: int, where: dict[str, Any] | None = None
    ) -> list[tuple[StoredChunk, float]]:
        """The ``n`` nearest chunks to ``text`` (embedded as a query) with cosine distances."""
        if n <= 0:
            return []
        vector = self.embedder.embed_query([text])[0]
        return self.dense_query_vector(vector, n=n, where=where)

    def dense_query_vector(
        self, vector: Sequence[float] | Any, *, n: int, where: dict[str, Any] | None = None
    ) -> list[tuple[StoredChunk, float]]:
        """Like :meth:`dense_query` with a precomputed query embedding."""
        if n <= 0:
            return []
        with self._mutex:
            self._ensure_current()
            with self._guard("检索"):
                got = self._chunks.query(
                    query_embeddings=[vector],
                    n_results=int(n),
                    where=where or None,
                    include=["documents", "metadatas", "distances"],
                )
        ids = (got.get("ids") or [[]])[0]
        texts = (got.get("documents") or [[None] * len(ids)])[0]
        metas = (got.get("metadatas") or [[None] * len(ids)])[0]
        dists = (got.get("distances") or [[0.0] * len(ids)])[0]
        return [
            (chunk_from_record(cid, text, meta), float(dist))
            for cid, text, meta, dist in zip(ids, texts, metas, dists, strict=True)
        ]

    # ------------------------------------------------------------------ writes

    def put_document(
        self,
        info: DocumentInfo,
        chunks: Sequence[StoredChunk],
        *,
        embeddings: Sequence[Sequence[float]] | Any | None = None,
        line_keys: Sequence[str] = (),
    ) -> PutResult:
        """Store one document's chunks and its registry record.

        * "unchanged": the doc_id is stored with the same content hash and the same
          chunks (ids, texts, metadata) — nothing is written;
        * "duplicate": another document has the same content hash — nothing is written
          (see :meth:`document_by_hash`);
        * "replaced": the doc_id existed — only new or changed chunks are embedded, stale
          ones are deleted afterwards and the registry record is written last, so a
          failure leaves the old version whole;
        * "added": a new document.

        ``embeddings`` (one vector per chunk) skips the model, e.g. for benchmarks.
        ``line_keys`` (see :func:`drafter.corpus.clean_furniture.line_keys`) are kept with
        the registry record so later documents can tell site furniture repeated across
        documents (:meth:`document_line_keys`).
        """
        self._require_writer("put_document")
        chunks = list(chunks)
        vectors = None if embeddings is None else list(embeddings)
        validate_chunks(info, chunks, vectors)
        info = dataclasses.replace(
            info, n_chunks=len(chunks), ingested_at=info.ingested_at or now_iso()
        )
        kinds = dict(Counter(c.kind for c in chunks))
        with self._mutex, self._guard("写入文档"):
            old = self._registry_get(info.doc_id)
            same_content = old is not None and old[0].content_hash == info.content_hash
            if not same_content and self._find_by_hash(info.content_hash, exclude=info.doc_id):
                return "duplicate"
            stored = self._records_of(info.doc_id)
            new_ids = {c.id for c in chunks}
            to_embed: list[int] = []
            to_update: list[int] = []
            for i, c in enumerate(chunks):
                have = stored.get(c.id)
                if have is None or have.text != c.text:
                    to_embed.append(i)
                elif have.meta != chunk_metadata(c):
                    to_update.append(i)
            stale = sorted(set(stored) - new_ids)
            if (
                old is not None
                and same_content
                and not (to_embed or to_update or stale)
                and same_document(old[0], info)
                and old[1] == kinds
            ):
                return "unchanged"
            self._check_id_collisions(info.doc_id, [chunks[i].id for i in to_embed], stored)
            self._begin_change()
            self._write_chunks(chunks, vectors, to_embed, stored)
            if to_update:
                ids = [chunks[i].id for i in to_update]
                metas = [chunk_metadata(chunks[i]) for i in to_update]
                for a, b in batches(len(ids), self._max_batch()):
                    self._chunks.update(ids=ids[a:b], metadatas=metas[a:b])
            for a, b in batches(len(stale), self._max_batch()):
                self._chunks.delete(ids=stale[a:b])
            self._write_registry([info.doc_id], [doc_metadata(info, kinds, line_keys)])
        return "added" if old is None else "replaced"

    def add_with_embeddings(
        self,
        info: DocumentInfo,
        chunks: Sequence[StoredChunk],
        embeddings: Sequence[Sequence[float]] | Any,
    ) -> PutResult:
        """:meth:`put_document` with precomputed vectors (no model runs)."""
        return self.put_document(info, chunks, embeddings=embeddings)

    def _max_batch(self) -> int:
        try:
            return max(1, int(self._client.get_max_batch_size()))
        except Exception:
            return 1000

    def _check_id_collisions(
        self, doc_id: str, ids: list[str], stored: Mapping[str, _Stored]
    ) -> None:
        foreign = [i for i in ids if i not in stored]
        for a, b in batches(len(foreign), self._max_batch()):
            got = self._chunks.get(ids=foreign[a:b], include=["metadatas"])
            for cid, meta in zip(got.get("ids") or [], got.get("metadatas") or [], strict=False):
                owner = (meta or {}).get("doc_id")
                if owner != doc_id:
                    raise StoreError(
                        f"内部错误：文本块 ID {cid} 已属于文档 {owner}，不能再用于文档 {doc_id}。",
                        hint="文本块 ID 必须在整个范文库中唯一（应包含文档 ID）。",
                    )

    def _write_chunks(
        self,
        chunks: list[StoredChunk],
        vectors: list[Any] | None,
        indexes: list[int],
        stored: Mapping[str, _Stored],
    ) -> None:
        """Upsert the given chunks; on failure delete the ones this call newly added."""
        size = (
            self._max_batch()
            if vectors is not None
            else min(self._max_batch(), _DEFAULT_WRITE_BATCH)
        )
        written: list[str] = []
        try:
            for a, b in batches(len(indexes), size):
                part = [chunks[i] for i in indexes[a:b]]
                kwargs: dict[str, Any] = {
                    "ids": [c.id for c in part],
                    "documents": [c.text for c in part],
                    "metadatas": [chunk_metadata(c) for c in part],
                }
                if vectors is not None:
                    kwargs["embeddings"] = [vectors[i] for i in indexes[a:b]]
                self._chunks.upsert(**kwargs)
                written.extend(c.id for c in part)
        except BaseException:
            fresh = [cid for cid in written if cid not in stored]
            with contextlib.suppress(Exception):
                for a, b in batches(len(fresh), self._max_batch()):
                    self._chunks.delete(ids=fresh[a:b])
            raise

    def remove_document(self, doc_id: str) -> int:
        """Delete a document's registry record and all its chunks; returns the chunk count.

        The registry record goes first: an interruption leaves orphan chunks, which the
        next ingest of that document cleans up, never a listed document without chunks.
        """
        self._require_writer("remove_document")
        with self._mutex, self._guard("删除文档"):
            old = self._registry_get(doc_id)
            ids = sorted(self._records_of(doc_id))
            if old is None and not ids:
                raise InputError(
                    f"范文库中没有文档 {doc_id}。",
                    hint="用 drafter corpus list 查看已入库文档的 ID。",
                )
            self._begin_change()
            if old is not None:
                self._docs.delete(ids=[doc_id])
            for a, b in batches(len(ids), self._max_batch()):
                self._chunks.delete(ids=ids[a:b])
            self._write_registry([], [])
        return len(ids)
