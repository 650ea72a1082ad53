"""Char 1–2-gram BM25 index for Chinese passages, built with numpy.

Why this shape
--------------
Chinese has no spaces, and a word segmenter (jieba…) would add a dependency, a
dictionary and its own mistakes on bureau jargon (科技特派员, 众创空间). Indexing every CJK
character plus every adjacent character pair is the classic segmenter-free approach: a
query word of two or more characters is matched by its bigrams, single characters add a
little recall, and BM25's idf keeps 的/在/工作 from mattering. Measured for this project,
it is nearly as good as the e5 embeddings on keyword queries and about 100× faster; the
hybrid retriever (drafter.corpus.retrieve) fuses both.

Tokens (see :func:`drafter.corpus.lexical_tokens.tokenize`): full-width letters and
digits and compatibility forms of CJK characters are folded as NFKC would (Ａ１ → a1,
⼯ → 工); every CJK character and every pair of adjacent CJK characters is a token; each
run of ASCII letters/digits is one token, lowercased; everything else (punctuation,
spaces, other scripts) only separates. A chunk is indexed as its heading path followed by
its text, so a passage under "（三）知识产权工作" matches 知识产权 even when its own
sentences only say 专利.

Scoring is BM25 (k1 = 1.5, b = 0.75, idf = ln(1 + (N − df + 0.5)/(df + 0.5))), with one
query-side change: the single characters of a multi-character query word weigh
:data:`QUERY_UNIGRAM_WEIGHT` (0.2) instead of 1, so 专 and 利 scattered through a passage
do not outweigh one occurrence of 专利, while a passage that spells a word differently
(科学普及 for 科普) still gets some credit. ``unigram_weight=1.0`` gives textbook BM25.

Layout
------
Tokens are mapped to 64-bit integer keys without a vocabulary (a character's key is its
code point, a pair's key packs both code points, an ASCII run's key is a 43-bit
BLAKE2b hash of it). The inverted index is in CSR form: ``term_keys`` (sorted),
``indptr`` and, per posting, the chunk row (int32) and the term frequency (uint16). A
query is scored with one ``np.bincount`` over the postings of its terms, so a query costs
microseconds per posting and nothing per chunk of the corpus that shares no term with it.
Building tokenises blocks of chunks with vectorised code-point arithmetic and counts
(term, chunk) pairs with ``np.unique``; there is no per-token Python loop except for the
(rare) ASCII runs.

Per-chunk metadata (every :class:`~drafter.models.StoredChunk` field) is kept in
dictionary-encoded columns, so filters (kind, bureau, year) are array comparisons and a hit
is turned back into a StoredChunk without asking the store.

The index is persisted as an uncompressed ``.npz`` (no pickled objects; loaded with
``allow_pickle=False``) at ``<store.lexical_cache_dir>/lexical-<name>.npz`` together with the
store revision it was built from; :meth:`LexicalIndex.load_or_build` rebuilds it when the
revision differs and writes it atomically (temporary file in the same directory, fsync,
``os.replace``).
"""

from __future__ import annotations

import logging
import math
import operator
import os
import re
import tempfile
import threading
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Protocol

import numpy as np
import numpy.typing as npt

from drafter.corpus.lexical_arrays import StrColumn, merge_blocks
from drafter.corpus.lexical_tokens import (
    FloatArray,
    IntArray,
    block_keys,
    indexed_text,
    query_terms,
    token_key,
    tokenize,
)
from drafter.errors import InputError, StoreError
from drafter.models import StoredChunk

__all__ = [
    "FORMAT_VERSION",
    "LexicalIndex",
    "LexicalSource",
    "index_path",
]

#: BM25 parameters (the usual defaults).
K1 = 1.5
B = 0.75

#: Query-side weight of the single characters of a multi-character query word (its
#: bigrams weigh 1). See LexicalIndex.scores.
QUERY_UNIGRAM_WEIGHT = 0.2

#: Bump when the file layout or tokenisation changes; an older file is rebuilt.
FORMAT_VERSION = 1

_BLOCK = 8192  # chunks tokenised per vectorised block (row within a block fits in 16 bits)
_ROW_BITS = 16
# Chunks per page when reading the store: Chroma pages by offset, so small pages cost
# quadratic time (100k chunks: 2,000 per page ≈ 22 s, 5,000 ≈ 10 s).
_READ_BATCH = 5000
_NULL_INT = np.iinfo(np.int64).min

_NAME_OK = re.compile(r"^[A-Za-z0-9._-]{1,200}$")

_STR_FIELDS = (
    "id",
    "text",
    "doc_id",
    "source",
    "heading_path",
    "kind",
    "bureau",
    "region",
    "period",
    "title",
    "region_level",
)

logger = logging.getLogger(__name__)


class LexicalSource(Protocol):
    """What the lexical index needs from a store (a subset of CorpusStore)."""

    @property
    def lexical_cache_dir(self) -> Path: ...

    def revision(self) -> int: ...

    def iter_chunks(self, batch_size: int = 2000) -> Iterator[StoredChunk]: ...


# --------------------------------------------------------------------------- index


_CACHE: dict[Path, LexicalIndex] = {}
_CACHE_LOCK = threading.Lock()


def index_path(cache_dir: Path, name: str) -> Path:
    """Where the index called ``name`` is persisted under ``cache_dir``."""
    if not _NAME_OK.match(name):
        raise InputError(
            f"词法索引名称 {name!r} 不合法。", hint="名称只能包含字母、数字、点、下划线和连字符。"
        )
    return cache_dir / f"lexical-{name}.npz"


class LexicalIndex:
    """BM25 (k1=1.5, b=0.75) over char 1–2-grams of every chunk in a store.

    Immutable once built; safe to query from several threads.
    """

    def __init__(
        self,
        *,
        revision: int,
        term_keys: IntArray,
        indptr: IntArray,
        post_rows: npt.NDArray[np.int32],
        post_tf: npt.NDArray[np.uint16],
        doc_len: npt.NDArray[np.int32],
        columns: dict[str, StrColumn],
        position: IntArray,
        year: IntArray,
    ) -> None:
        self.revision = revision
        self._term_keys = term_keys
        self._indptr = indptr
        self._post_rows = post_rows
        self._post_tf = post_tf
        self._doc_len = doc_len
        self._cols = columns
        self._position = position
        self._year = year
        self._row_by_id: dict[str, int] | None = None
        n = int(doc_len.shape[0])
        self._n = n
        df = np.diff(indptr).astype(np.float64)
        self._idf = np.log1p((n - df + 0.5) / (df + 0.5))
        avgdl = float(doc_len.mean()) if n else 0.0
        if avgdl > 0:
            self._norm = K1 * (1.0 - B + B * doc_len.astype(np.float64) / avgdl)
        else:
            self._norm = np.full(n, K1, dtype=np.float64)

    # ----------------------------------------------------------------- building

    @classmethod
    def build(cls, chunks: Iterable[StoredChunk], *, revision: int = 0) -> LexicalIndex:
        """Index ``chunks`` (in the order given; that order defines the rows)."""
        ascii_cache: dict[str, int] = {}
        key_parts: list[IntArray] = []
        row_parts: list[npt.NDArray[np.int32]] = []
        tf_parts: list[npt.NDArray[np.uint16]] = []
        len_parts: list[IntArray] = []
        meta_rows: list[tuple[str | None, ...]] = []
        get_meta = operator.attrgetter(*_STR_FIELDS)
        positions: list[int] = []
        years: list[int] = []
        block: list[str] = []
        offset = 0

        def flush() -> None:
            nonlocal offset
            if not block:
                return
            keys, rows, lengths = block_keys(block, ascii_cache)
            pairs, tf = np.unique((keys << _ROW_BITS) | rows, return_counts=True)
            key_parts.append(pairs >> _ROW_BITS)
            row_parts.append(((pairs & ((1 << _ROW_BITS) - 1)) + offset).astype(np.int32))
            tf_parts.append(np.minimum(tf, np.iinfo(np.uint16).max).astype(np.uint16))
            len_parts.append(lengths)
            offset += len(block)
            block.clear()

        for chunk in chunks:
            meta_rows.append(get_meta(chunk))
            positions.append(chunk.position)
            years.append(_NULL_INT if chunk.year is None else chunk.year)
            block.append(indexed_text(chunk))
            if len(block) >= _BLOCK:
                flush()
        flush()

        term_keys, indptr, post_rows, post_tf = merge_blocks(key_parts, row_parts, tf_parts)
        doc_len = np.concatenate(len_parts).astype(np.int32) if len_parts else np.zeros(0, np.int32)
        return cls(
            revision=revision,
            term_keys=term_keys,
            indptr=indptr,
            post_rows=post_rows,
            post_tf=post_tf,
            doc_len=doc_len,
            columns={
                f: StrColumn.encode([row[i] for row in meta_rows])
                for i, f in enumerate(_STR_FIELDS)
            },
            position=np.array(positions, dtype=np.int64),
            year=np.array(years, dtype=np.int64),
        )

    @classmethod
    def load_or_build(cls, store: LexicalSource, name: str) -> LexicalIndex:
        """The index of ``store``'s current contents, from memory, disk, or built afresh.

        The store revision is read before the chunks are, so an index built while another
        process writes is saved under the older revision and rebuilt on next use. A file
        that cannot be read (truncated, older format) is rebuilt, never trusted; when the
        rebuilt index cannot be written (read-only cache directory) it is still returned.
        """
        path = index_path(Path(store.lexical_cache_dir), name)
        key = path.resolve()
        with _CACHE_LOCK:
            revision = store.revision()
            cached = _CACHE.get(key)
            if cached is not None and cached.revision == revision:
                return cached
            index: LexicalIndex | None = None
            if path.is_file():
                try:
                    index = cls.load(path)
                except StoreError:
                    index = None
                if index is not None and index.revision != revision:
                    index = None
            if index is None:
                index = cls.build(store.iter_chunks(batch_size=_READ_BATCH), revision=revision)
                try:
                    index.save(path)
                except StoreError as exc:  # e.g. a read-only store: still usable, just slower
                    logger.warning("词法索引未能保存，下次将重新构建：%s", exc)
            _CACHE[key] = index
            return index

    # ----------------------------------------------------------------- persistence

    def _arrays(self) -> dict[str, npt.NDArray[np.generic]]:
        arrays: dict[str, npt.NDArray[np.generic]] = {
            "format_version": np.array(FORMAT_VERSION, dtype=np.int64),
            "revision": np.array(self.revision, dtype=np.int64),
            "params": np.array([K1, B], dtype=np.float64),
            "term_keys": self._term_keys,
            "indptr": self._indptr,
            "post_rows": self._post_rows,
            "post_tf": self._post_tf,
            "doc_len": self._doc_len,
            "position": self._position,
            "year": self._year,
        }
        for name, col in self._cols.items():
            arrays.update(col.arrays(name))
        return arrays

    def save(self, path: Path) -> None:
        """Write the index to ``path`` atomically: readers see the old file or the new one."""
        path = Path(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        except OSError as exc:
            raise StoreError(f"无法写入词法索引目录 {path.parent}：{exc}") from exc
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as fh:
                _write_npz(fh, self._arrays())
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException as exc:
            tmp.unlink(missing_ok=True)
            if isinstance(exc, OSError):
                raise StoreError(f"无法写入词法索引 {path}：{exc}") from exc
            raise

    @classmethod
    def load(cls, path: Path) -> LexicalIndex:
        """Read an index written by :meth:`save`; StoreError when unreadable or outdated."""
        try:
            with np.load(path, allow_pickle=False) as data:
                if int(data["format_version"]) != FORMAT_VERSION:
                    raise StoreError(f"词法索引 {path} 的格式版本过旧。")
                if not np.allclose(data["params"], [K1, B]):
                    raise StoreError(f"词法索引 {path} 的 BM25 参数不同。")
                columns = {
                    f: StrColumn(
                        data[f"col_{f}_codes"], data[f"col_{f}_blob"], data[f"col_{f}_offsets"]
                    )
                    for f in _STR_FIELDS
                }
                return cls(
                    revision=int(data["revision"]),
                    term_keys=data["term_keys"],
                    indptr=data["indptr"],
                    post_rows=data["post_rows"],
                    post_tf=data["post_tf"],
                    doc_len=data["doc_len"],
                    columns=columns,
                    position=data["position"],
                    year=data["year"],
                )
        except StoreError:
            raise
        except (OSError, KeyError, ValueError, zipfile.BadZipFile, EOFError) as exc:
            raise StoreError(f"词法索引 {path} 无法读取：{exc}") from exc

    # ----------------------------------------------------------------- queries

    def __len__(self) -> int:
        return self._n

    @property
    def n_terms(self) -> int:
        """Number of distinct tokens in the index."""
        return int(self._term_keys.shape[0])

    @property
    def n_postings(self) -> int:
        """Number of (token, chunk) pairs in the index."""
        return int(self._post_rows.shape[0])

    def scores(self, query: str, *, unigram_weight: float | None = None) -> FloatArray:
        """BM25 score of every row for ``query`` (zeros when nothing matches).

        ``unigram_weight`` (default :data:`QUERY_UNIGRAM_WEIGHT`) scales the single
        characters of multi-character query words; 1.0 gives textbook BM25.
        """
        out = np.zeros(self._n, dtype=np.float64)
        weight = QUERY_UNIGRAM_WEIGHT if unigram_weight is None else unigram_weight
        keys, qtf = query_terms(query, weight)
        if keys.size == 0 or self._term_keys.size == 0:
            return out
        pos = np.searchsorted(self._term_keys, keys)
        pos_c = np.minimum(pos, self._term_keys.size - 1)
        found = self._term_keys[pos_c] == keys
        terms = pos_c[found]
        if terms.size == 0:
            return out
        qw = qtf[found] * self._idf[terms]
        starts = self._indptr[terms]
        ends = self._indptr[terms + 1]
        sizes = ends - starts
        total = int(sizes.sum())
        # Gather all postings of the query's terms as one index array.
        idx = np.repeat(ends - sizes.cumsum(), sizes) + np.arange(total, dtype=np.int64)
        rows = self._post_rows[idx]
        tf = self._post_tf[idx].astype(np.float64)
        contrib = np.repeat(qw, sizes) * tf * (K1 + 1.0) / (tf + self._norm[rows])
        out += np.bincount(rows, weights=contrib, minlength=self._n)
        return out

    def mask(
        self, *, kind: str | None = None, bureau: str | None = None, year: int | None = None
    ) -> npt.NDArray[np.bool_] | None:
        """Rows passing the filters (exact matches, as Chroma's where), or None for all."""
        mask: npt.NDArray[np.bool_] | None = None

        def both(m: npt.NDArray[np.bool_]) -> npt.NDArray[np.bool_]:
            return m if mask is None else mask & m

        if kind is not None:
            mask = both(self._cols["kind"].codes == self._cols["kind"].code_of(str(kind)))
        if bureau is not None:
            mask = both(self._cols["bureau"].codes == self._cols["bureau"].code_of(bureau))
        if year is not None:
            mask = both(self._year == int(year))
        return mask

    def top(
        self,
        scores: FloatArray,
        *,
        n: int,
        mask: npt.NDArray[np.bool_] | None = None,
    ) -> list[tuple[int, float]]:
        """The ``n`` best (row, score) pairs with a positive score, best first."""
        if n <= 0 or self._n == 0:
            return []
        if mask is not None:
            scores = np.where(mask, scores, 0.0)
        cand = np.flatnonzero(scores > 0.0)
        if cand.size > n:
            part = np.argpartition(-scores[cand], n - 1)[:n]
            cand = cand[part]
        # Best score first; ties broken by row so results are deterministic.
        order = np.lexsort((cand, -scores[cand]))
        return [(int(r), float(scores[r])) for r in cand[order]]

    def search(
        self,
        query: str,
        *,
        n: int = 20,
        kind: str | None = None,
        bureau: str | None = None,
        year: int | None = None,
    ) -> list[tuple[StoredChunk, float]]:
        """The ``n`` chunks with the highest BM25 score for ``query``, best first.

        Only chunks sharing at least one token with the query are returned.
        """
        scores = self.scores(query)
        hits = self.top(scores, n=n, mask=self.mask(kind=kind, bureau=bureau, year=year))
        return [(self.chunk(row), score) for row, score in hits]

    def chunk(self, row: int) -> StoredChunk:
        """The chunk stored at ``row``."""
        c = self._cols
        year = int(self._year[row])
        return StoredChunk(
            id=c["id"].value(row) or "",
            text=c["text"].value(row) or "",
            doc_id=c["doc_id"].value(row) or "",
            source=c["source"].value(row) or "",
            heading_path=c["heading_path"].value(row) or "",
            kind=c["kind"].value(row) or "",
            position=int(self._position[row]),
            year=None if year == _NULL_INT else year,
            bureau=c["bureau"].value(row),
            region=c["region"].value(row),
            period=c["period"].value(row),
            title=c["title"].value(row),
            region_level=c["region_level"].value(row),
        )

    def row_of(self, chunk_id: str) -> int | None:
        """The row of the chunk with this id, if indexed."""
        if self._row_by_id is None:
            col = self._cols["id"]
            self._row_by_id = {col.value(i) or "": i for i in range(self._n)}
        return self._row_by_id.get(chunk_id)

    def score_text(self, query: str, text: str, *, unigram_weight: float | None = None) -> float:
        """BM25 of an arbitrary text for ``query`` using this index's statistics.

        For a chunk the index does not hold (added to the store after the index was built).
        """
        weight = QUERY_UNIGRAM_WEIGHT if unigram_weight is None else unigram_weight
        keys, qtf = query_terms(query, weight)
        if keys.size == 0 or self._term_keys.size == 0:
            return 0.0
        doc_keys = np.array([token_key(t) for t in tokenize(text)], dtype=np.int64)
        if doc_keys.size == 0:
            return 0.0
        uniq, counts = np.unique(doc_keys, return_counts=True)
        avgdl = float(self._doc_len.mean()) if self._n else float(doc_keys.size)
        norm = K1 * (1.0 - B + B * doc_keys.size / avgdl)
        pos = np.searchsorted(self._term_keys, keys)
        pos_c = np.minimum(pos, self._term_keys.size - 1)
        known = self._term_keys[pos_c] == keys
        n = self._n
        total = 0.0
        for j, key in enumerate(keys):
            at = int(np.searchsorted(uniq, key))
            if at >= uniq.size or uniq[at] != key:
                continue
            df = float(self._indptr[pos_c[j] + 1] - self._indptr[pos_c[j]]) if known[j] else 0.0
            idf = math.log1p((n - df + 0.5) / (df + 0.5))
            tf = float(counts[at])
            total += qtf[j] * idf * tf * (K1 + 1.0) / (tf + norm)
        return total


def _write_npz(fh: IO[bytes], arrays: dict[str, npt.NDArray[np.generic]]) -> None:
    np.savez(fh, allow_pickle=False, **arrays)


def clear_cache() -> None:
    """Forget indexes held in memory (tests; after removing a store)."""
    with _CACHE_LOCK:
        _CACHE.clear()
