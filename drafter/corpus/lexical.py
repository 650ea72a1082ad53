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

Tokens (see :func:`tokenize`): full-width letters and digits and compatibility forms of
CJK characters are folded as NFKC would (Ａ１ → a1, ⼯ → 工); every CJK character and every
pair of adjacent CJK characters is a token; each run of ASCII letters/digits is one token,
lowercased; everything else (punctuation, spaces, other scripts) only separates. A chunk is
indexed as its heading path followed by its text, so a passage under "（三）知识产权工作"
matches 知识产权 even when its own sentences only say 专利.

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

import hashlib
import logging
import math
import operator
import os
import re
import tempfile
import threading
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO, Protocol

import numpy as np
import numpy.typing as npt

from drafter.errors import InputError, StoreError
from drafter.models import StoredChunk

__all__ = [
    "FORMAT_VERSION",
    "LexicalIndex",
    "LexicalSource",
    "index_path",
    "indexed_text",
    "tokenize",
]

#: BM25 parameters (the usual defaults).
K1 = 1.5
B = 0.75

#: Query-side weight of the single characters of a multi-character query word (its
#: bigrams weigh 1). See LexicalIndex.scores.
QUERY_UNIGRAM_WEIGHT = 0.2

#: Bump when the file layout or tokenisation changes; an older file is rebuilt.
FORMAT_VERSION = 1

_BIGRAM_FLAG = 1 << 42
_ASCII_FLAG = 1 << 43
_ASCII_HASH_MASK = (1 << 43) - 1
_BLOCK = 8192  # chunks tokenised per vectorised block (row within a block fits in 16 bits)
_ROW_BITS = 16
# Chunks per page when reading the store: Chroma pages by offset, so small pages cost
# quadratic time (100k chunks: 2,000 per page ≈ 22 s, 5,000 ≈ 10 s).
_READ_BATCH = 5000
_NULL_INT = np.iinfo(np.int64).min

_CJK_CLASS = "\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_CJK_RUN = re.compile(f"[{_CJK_CLASS}]+")
_TOKEN_RUN = re.compile(f"[{_CJK_CLASS}]+|[A-Za-z0-9]+")
_ASCII_RUN = re.compile(r"[A-Za-z0-9]+")
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

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


class LexicalSource(Protocol):
    """What the lexical index needs from a store (a subset of CorpusStore)."""

    @property
    def lexical_cache_dir(self) -> Path: ...

    def revision(self) -> int: ...

    def iter_chunks(self, batch_size: int = 2000) -> Iterator[StoredChunk]: ...


# --------------------------------------------------------------------------- tokens


# Characters whose NFKC form matters for matching: full-width letters/digits (Ａ１), CJK
# compatibility ideographs, Kangxi and supplementary radicals (PDF extraction yields 「⼯」
# for 工), enclosed alphanumerics and ideographs (①, ㈠, ㊀). Folding only these, instead of
# NFKC on every passage, keeps tokenisation cheap: NFKC of whole texts dominated build time.
_FOLD_RANGES = (
    (0xFF10, 0xFF19),
    (0xFF21, 0xFF3A),
    (0xFF41, 0xFF5A),
    (0xF900, 0xFAFF),
    (0x2F800, 0x2FA1F),
    (0x2E80, 0x2FDF),
    (0x2460, 0x24FF),
    (0x3200, 0x32FF),
)


def _fold_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for lo, hi in _FOLD_RANGES:
        for cp in range(lo, hi + 1):
            folded = unicodedata.normalize("NFKC", chr(cp))
            if folded != chr(cp):
                table[cp] = folded
    return table


_FOLD = _fold_table()
_FOLD_RE = re.compile("[" + "".join(f"{chr(lo)}-{chr(hi)}" for lo, hi in _FOLD_RANGES) + "]")


def _normalise(text: str) -> str:
    """Fold full-width letters/digits and compatibility forms of CJK characters (NFKC)."""
    return text.translate(_FOLD) if _FOLD_RE.search(text) else text


def _is_cjk(cps: IntArray) -> npt.NDArray[np.bool_]:
    mask: npt.NDArray[np.bool_] = (
        ((cps >= 0x4E00) & (cps <= 0x9FFF))
        | ((cps >= 0x3400) & (cps <= 0x4DBF))
        | ((cps >= 0xF900) & (cps <= 0xFAFF))
        | ((cps >= 0x20000) & (cps <= 0x3134F))
        | (cps == 0x3007)
    )
    return mask


def tokenize(text: str) -> list[str]:
    """Tokens of ``text`` in reading order.

    Each CJK character, followed by the bigram it starts (when the next character is CJK
    too); each ASCII letter/digit run lowercased; punctuation and other characters
    dropped. ``tokenize("科技局2023年GDP")`` is
    ``["科", "科技", "技", "技局", "局", "2023", "年", "gdp"]``.
    """
    out: list[str] = []
    for match in _TOKEN_RUN.finditer(_normalise(text)):
        run = match.group()
        if run[0].isascii():
            out.append(run.lower())
            continue
        for i, ch in enumerate(run):
            out.append(ch)
            if i + 1 < len(run):
                out.append(run[i : i + 2])
    return out


def _ascii_key(token: str) -> int:
    digest = hashlib.blake2b(token.encode("ascii"), digest_size=8).digest()
    return _ASCII_FLAG | (int.from_bytes(digest, "little") & _ASCII_HASH_MASK)


def _token_key(token: str) -> int:
    """The integer key of one token as produced by :func:`tokenize`."""
    if token.isascii():
        return _ascii_key(token)
    if len(token) == 1:
        return ord(token)
    return _BIGRAM_FLAG | (ord(token[0]) << 21) | ord(token[1])


def _block_keys(
    texts: Sequence[str], ascii_cache: dict[str, int]
) -> tuple[IntArray, IntArray, IntArray]:
    """Token keys of a block of texts, vectorised.

    Returns (keys, rows, lengths): the key of every token occurrence, the row (index into
    ``texts``) it occurs in, and each text's token count.
    """
    norm = [_normalise(t) for t in texts]
    n = len(norm)
    lens = np.fromiter((len(s) for s in norm), dtype=np.int64, count=n)
    # One separator after each text: it is not CJK, so no bigram spans two texts.
    joined = "\n".join(norm) + "\n"
    cps = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
    row_of_char = np.repeat(np.arange(n, dtype=np.int64), lens + 1)
    cjk = _is_cjk(cps)
    uni_keys = cps[cjk]
    uni_rows = row_of_char[cjk]
    pair = cjk[:-1] & cjk[1:]
    bi_keys = _BIGRAM_FLAG | (cps[:-1][pair] << 21) | cps[1:][pair]
    bi_rows = row_of_char[:-1][pair]

    ascii_keys: list[int] = []
    ascii_counts = np.zeros(n, dtype=np.int64)
    for row, s in enumerate(norm):
        found = _ASCII_RUN.findall(s)
        if not found:
            continue
        ascii_counts[row] = len(found)
        for tok in found:
            key = ascii_cache.get(tok)
            if key is None:
                key = _ascii_key(tok.lower())
                ascii_cache[tok] = key
            ascii_keys.append(key)
    as_keys = np.array(ascii_keys, dtype=np.int64)
    as_rows = np.repeat(np.arange(n, dtype=np.int64), ascii_counts)

    keys = np.concatenate([uni_keys, bi_keys, as_keys])
    rows = np.concatenate([uni_rows, bi_rows, as_rows])
    lengths = np.bincount(rows, minlength=n).astype(np.int64)
    return keys, rows, lengths


def _query_terms(query: str, unigram_weight: float) -> tuple[IntArray, FloatArray]:
    """Distinct token keys of a query (sorted) and the weight of each.

    A token's weight is the number of times it occurs in the query, except that a single
    character inside a longer CJK run counts ``unigram_weight`` per occurrence (a
    one-character query word keeps full weight).
    """
    tokens: list[int] = []
    weights: list[float] = []
    for match in _TOKEN_RUN.finditer(_normalise(query)):
        run = match.group()
        if run[0].isascii():
            tokens.append(_ascii_key(run.lower()))
            weights.append(1.0)
            continue
        uni = 1.0 if len(run) == 1 else unigram_weight
        for i, ch in enumerate(run):
            tokens.append(ord(ch))
            weights.append(uni)
            if i + 1 < len(run):
                tokens.append(_BIGRAM_FLAG | (ord(ch) << 21) | ord(run[i + 1]))
                weights.append(1.0)
    if not tokens:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
    keys = np.array(tokens, dtype=np.int64)
    uniq, inverse = np.unique(keys, return_inverse=True)
    w = np.bincount(inverse, weights=np.array(weights), minlength=uniq.size).astype(np.float64)
    keep = w > 0
    return uniq[keep], w[keep]


def indexed_text(chunk: StoredChunk) -> str:
    """The text a chunk is indexed under: its heading path, then its text."""
    return f"{chunk.heading_path}\n{chunk.text}" if chunk.heading_path else chunk.text


# --------------------------------------------------------------------------- columns


class _StrColumn:
    """A dictionary-encoded column of optional strings (codes + UTF-8 vocabulary blob)."""

    def __init__(
        self,
        codes: npt.NDArray[np.int32],
        blob: npt.NDArray[np.uint8],
        offsets: IntArray,
    ) -> None:
        self.codes = codes
        self._blob = blob.tobytes()
        self._offsets = offsets
        self._lookup: dict[str, int] | None = None

    @classmethod
    def encode(cls, values: Sequence[str | None]) -> _StrColumn:
        vocab: dict[str, int] = {}
        codes = np.empty(len(values), dtype=np.int32)
        for i, value in enumerate(values):
            if value is None:
                codes[i] = -1
                continue
            code = vocab.get(value)
            if code is None:
                code = vocab[value] = len(vocab)
            codes[i] = code
        encoded = [v.encode("utf-8") for v in vocab]
        offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
        if encoded:
            np.cumsum([len(e) for e in encoded], out=offsets[1:])
        blob = np.frombuffer(b"".join(encoded), dtype=np.uint8)
        return cls(codes, blob, offsets)

    def arrays(self, name: str) -> dict[str, npt.NDArray[np.generic]]:
        return {
            f"col_{name}_codes": self.codes,
            f"col_{name}_blob": np.frombuffer(self._blob, dtype=np.uint8),
            f"col_{name}_offsets": self._offsets,
        }

    def value(self, row: int) -> str | None:
        code = int(self.codes[row])
        if code < 0:
            return None
        start, end = int(self._offsets[code]), int(self._offsets[code + 1])
        return self._blob[start:end].decode("utf-8")

    def code_of(self, value: str) -> int:
        """The code of ``value``, or -2 (matches no row) when no row holds it."""
        if self._lookup is None:
            n = len(self._offsets) - 1
            self._lookup = {
                self._blob[int(self._offsets[i]) : int(self._offsets[i + 1])].decode("utf-8"): i
                for i in range(n)
            }
        return self._lookup.get(value, -2)


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
        columns: dict[str, _StrColumn],
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
            keys, rows, lengths = _block_keys(block, ascii_cache)
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

        term_keys, indptr, post_rows, post_tf = _merge_blocks(key_parts, row_parts, tf_parts)
        doc_len = np.concatenate(len_parts).astype(np.int32) if len_parts else np.zeros(0, np.int32)
        return cls(
            revision=revision,
            term_keys=term_keys,
            indptr=indptr,
            post_rows=post_rows,
            post_tf=post_tf,
            doc_len=doc_len,
            columns={
                f: _StrColumn.encode([row[i] for row in meta_rows])
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
                    f: _StrColumn(
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
        keys, qtf = _query_terms(query, weight)
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
        keys, qtf = _query_terms(query, weight)
        if keys.size == 0 or self._term_keys.size == 0:
            return 0.0
        doc_keys = np.array([_token_key(t) for t in tokenize(text)], dtype=np.int64)
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


def _merge_blocks(
    key_parts: list[IntArray],
    row_parts: list[npt.NDArray[np.int32]],
    tf_parts: list[npt.NDArray[np.uint16]],
) -> tuple[IntArray, IntArray, npt.NDArray[np.int32], npt.NDArray[np.uint16]]:
    """Merge per-block postings into one CSR index (term_keys, indptr, rows, tfs).

    Each block's postings are sorted by (key, row) and blocks come in row order. Two passes
    with a counting sort place every posting directly in the output arrays, so peak memory
    stays near the size of the index instead of several copies of it; the blocks' arrays
    are released as they are placed (the lists are emptied).
    """
    if not key_parts:
        return (
            np.zeros(0, dtype=np.int64),
            np.zeros(1, dtype=np.int64),
            np.zeros(0, dtype=np.int32),
            np.zeros(0, dtype=np.uint16),
        )

    def starts_of(sorted_values: IntArray) -> IntArray:
        change = np.empty(sorted_values.size, dtype=bool)
        change[:1] = True
        np.not_equal(sorted_values[1:], sorted_values[:-1], out=change[1:])
        return np.flatnonzero(change)

    vocab = np.unique(np.concatenate([k[starts_of(k)] for k in key_parts]))
    counts = np.zeros(vocab.size, dtype=np.int64)
    for keys in key_parts:
        counts += np.bincount(np.searchsorted(vocab, keys), minlength=vocab.size)
    indptr = np.zeros(vocab.size + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    total = int(indptr[-1])
    post_rows = np.empty(total, dtype=np.int32)
    post_tf = np.empty(total, dtype=np.uint16)
    cursor = indptr[:-1].copy()
    for _ in range(len(key_parts)):
        keys, rows, tfs = key_parts.pop(0), row_parts.pop(0), tf_parts.pop(0)
        ids = np.searchsorted(vocab, keys)
        starts = starts_of(ids)
        lengths = np.diff(np.append(starts, ids.size))
        within = np.arange(ids.size, dtype=np.int64) - np.repeat(starts, lengths)
        pos = cursor[ids] + within
        post_rows[pos] = rows
        post_tf[pos] = tfs
        cursor[ids[starts]] += lengths
    return vocab, indptr, post_rows, post_tf


def _write_npz(fh: IO[bytes], arrays: dict[str, npt.NDArray[np.generic]]) -> None:
    np.savez(fh, allow_pickle=False, **arrays)


def clear_cache() -> None:
    """Forget indexes held in memory (tests; after removing a store)."""
    with _CACHE_LOCK:
        _CACHE.clear()
