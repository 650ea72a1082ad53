"""Hybrid retrieval of exemplar passages: dense (e5 via Chroma) + lexical (char BM25).

How the two rankings are combined
---------------------------------
1. **Candidates.** Both retrievers return their best ``n = max(4k, 20)`` chunks under the
   same filters (kind, bureau, year): Chroma through ``store.dense_query`` with a where
   filter, the lexical index (:mod:`drafter.corpus.lexical`) with the same filters as array masks.
   In a large store a broad filter is applied to an unfiltered over-fetch instead of as a
   Chroma where-filter, which is 10–60× slower there (see ``_dense_candidates``).

2. **Reciprocal rank fusion** (Cormack et al. 2009): a chunk's fused score is
   ``Σ w_s / (RRF_K + rank_s)`` over the lists it appears in (ranks from 1, RRF_K = 60).
   RRF only uses ranks, so the incomparable scales of cosine distance and BM25 never meet.

3. **Lexical guard.** Plain RRF lets a chunk that dense retrieval alone found (rank 3,
   say) outrank a chunk holding the query's exact words that dense missed (lexical
   rank 5): 1/63 > 1/65. And because char unigrams match almost anything, in a small
   corpus nearly every chunk is also in the lexical list, so a passage sharing only
   common characters (科, 技, 工作) collects two RRF terms and beats the one passage that
   actually says 科技特派员. On the short keyword queries a drafter types (科技特派员,
   知识产权 专利, 孵化器 众创空间) the small e5 model often ranks passages that are merely
   "about science work" high, so that is exactly the failure to avoid. The fused score
   is therefore multiplied by a gate on how well the chunk matches the query's words:

       match = BM25(chunk) / BM25(best lexical hit under the same filters)    (0 … 1)
       gate  = GUARD_FLOOR + (1 − GUARD_FLOOR) · min(1, match / GUARD_FULL)

   With GUARD_FULL = 0.5 a chunk scoring at least half the best BM25 keeps its full RRF
   score; with GUARD_FLOOR = 0.25 a chunk sharing none of the query's words keeps a
   quarter: even dense rank 1 gives only 0.25/61 ≈ 1/244, less than a lexical-only hit at
   rank 20 whose BM25 is a tenth of the best (0.4/80 = 1/200). Dense-only chunks still
   fill the list when the
   query's words are rare or absent (synonyms, paraphrases); dense still decides the
   order among chunks that match about equally well. The gate is skipped when no chunk
   shares a token with the query (then dense is the only evidence). BM25 is computed
   with query-side unigram weight 0.2 (:data:`drafter.corpus.lexical.QUERY_UNIGRAM_WEIGHT`):
   the characters of a multi-character query word count a fifth of its bigrams, so 专
   and 利 scattered through a passage do not outweigh one occurrence of 专利.

   Tuned on the real web corpus (../shared/corpus, 3 summaries, 30 chunks), alone and
   with the two example summaries added, using the 14 topic queries of
   tests/corpus/test_topic_retrieval.py, and on 21 handwritten passages with 19 keyword and 20
   paraphrase queries: off-topic passages in the top 3 that could have been avoided
   fell from 8 (plain RRF) to 1 (the remaining one is a passage reporting 争取资金 that
   the test's word list does not count as on topic), and the paraphrase queries' top hit
   was as good as dense retrieval alone.

4. **Diversification** across source documents, by a *soft* penalty applied greedily:
   when picking the next hit, each candidate's fused score is multiplied by
   ``DOC_DECAY ** m`` where m is the number of already-picked hits from its document
   (DOC_DECAY = 0.8). A second passage from the same summary must therefore be about
   25 % better than the best passage from elsewhere to come first. This never *forces* a
   new document in (a quota or MMR with a hard slot per source would promote an off-topic
   passage merely for being from another file); it only lets a comparably good passage
   from another document move ahead, so the prompt sees varied phrasing instead of
   three consecutive paragraphs of one summary. ``SearchHit.score`` stays the fused RRF
   score; the order of the returned list is the diversified order.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from drafter.corpus.lexical import LexicalIndex
from drafter.corpus.lexical_tokens import indexed_text
from drafter.errors import InputError
from drafter.models import SearchHit, StoredChunk

__all__ = [
    "DENSE_WEIGHT",
    "DOC_DECAY",
    "GUARD_FLOOR",
    "GUARD_FULL",
    "LEXICAL_WEIGHT",
    "OVERFETCH_MAX",
    "OVERFETCH_MIN_CHUNKS",
    "RRF_K",
    "RetrievalStore",
    "candidate_count",
    "diversify_hits",
    "fuse",
    "lexical_index_for",
    "search",
    "where_filter",
]

RRF_K = 60
DENSE_WEIGHT = 1.0
LEXICAL_WEIGHT = 1.0
GUARD_FLOOR = 0.25
GUARD_FULL = 0.5
DOC_DECAY = 0.8
MIN_CANDIDATES = 20
#: Filtered dense queries in stores of at least this many chunks may be served by an
#: unfiltered over-fetch (see _dense_candidates).
OVERFETCH_MIN_CHUNKS = 5000
OVERFETCH_MARGIN = 2.0
OVERFETCH_MAX = 500

DEFAULT_INDEX_NAME = "corpus"


class RetrievalStore(Protocol):
    """The part of :class:`drafter.corpus.store.CorpusStore` that retrieval uses."""

    @property
    def lexical_cache_dir(self) -> Path: ...

    def revision(self) -> int: ...

    def iter_chunks(self, batch_size: int = 2000) -> Iterator[StoredChunk]: ...

    def count(self) -> int: ...

    def dense_query(
        self, text: str, *, n: int, where: dict[str, Any] | None = None
    ) -> list[tuple[StoredChunk, float]]: ...


def candidate_count(k: int) -> int:
    """How many candidates each retriever contributes for a result list of ``k``."""
    return max(4 * k, MIN_CANDIDATES)


def where_filter(
    *, kind: str | None = None, bureau: str | None = None, year: int | None = None
) -> dict[str, Any] | None:
    """The Chroma where-filter for the given metadata filters (None when there is none)."""
    conditions: list[dict[str, Any]] = []
    if kind is not None:
        conditions.append({"kind": str(kind)})
    if bureau is not None:
        conditions.append({"bureau": bureau})
    if year is not None:
        conditions.append({"year": int(year)})
    if not conditions:
        return None
    if len(conditions) == 1:
        return conditions[0]
    return {"$and": conditions}


@dataclass
class _Candidate:
    chunk: StoredChunk
    order: int  # first appearance across both lists, for deterministic ties
    dense_rank: int | None = None
    lexical_rank: int | None = None


def _gate(match: float) -> float:
    return GUARD_FLOOR + (1.0 - GUARD_FLOOR) * min(1.0, max(0.0, match) / GUARD_FULL)


def fuse(
    dense: Sequence[StoredChunk],
    lexical: Sequence[StoredChunk],
    *,
    match: Mapping[str, float] | None = None,
    rrf_k: int | None = None,
    dense_weight: float | None = None,
    lexical_weight: float | None = None,
) -> list[SearchHit]:
    """Fuse two rankings (best first) by reciprocal rank fusion, best fused score first.

    ``match`` maps a chunk id to its lexical match strength in [0, 1] (its BM25 over the
    best lexical hit's); when given, each fused score is multiplied by the lexical guard
    (see the module docstring) and chunk ids missing from it count as 0. Without
    ``match`` this is plain weighted RRF. Unset parameters take the module constants.
    Ties keep first-appearance order (dense list first).
    """
    rrf_k = RRF_K if rrf_k is None else rrf_k
    dense_weight = DENSE_WEIGHT if dense_weight is None else dense_weight
    lexical_weight = LEXICAL_WEIGHT if lexical_weight is None else lexical_weight
    cands: dict[str, _Candidate] = {}
    for rank, chunk in enumerate(dense, start=1):
        c = cands.setdefault(chunk.id, _Candidate(chunk, len(cands)))
        if c.dense_rank is None:
            c.dense_rank = rank
    for rank, chunk in enumerate(lexical, start=1):
        c = cands.setdefault(chunk.id, _Candidate(chunk, len(cands)))
        if c.lexical_rank is None:
            c.lexical_rank = rank
    hits: list[tuple[float, int, SearchHit]] = []
    for cid, c in cands.items():
        score = 0.0
        if c.dense_rank is not None:
            score += dense_weight / (rrf_k + c.dense_rank)
        if c.lexical_rank is not None:
            score += lexical_weight / (rrf_k + c.lexical_rank)
        if match is not None:
            score *= _gate(match.get(cid, 0.0))
        hits.append((score, c.order, SearchHit(c.chunk, score, c.dense_rank, c.lexical_rank)))
    hits.sort(key=lambda t: (-t[0], t[1]))
    return [h for _, _, h in hits]


def diversify_hits(
    hits: Sequence[SearchHit], k: int, *, decay: float = DOC_DECAY
) -> list[SearchHit]:
    """Greedily pick ``k`` hits, discounting a hit by ``decay`` per earlier pick from its doc.

    ``hits`` must be sorted best first; the scores in the returned hits are unchanged.
    """
    remaining = list(hits)
    picked: list[SearchHit] = []
    per_doc: Counter[str] = Counter()
    while remaining and len(picked) < k:
        best_i = 0
        best = float("-inf")
        for i, h in enumerate(remaining):
            adjusted = h.score * decay ** per_doc[h.chunk.doc_id]
            if adjusted > best:  # strict: earlier (better-ranked) wins ties
                best, best_i = adjusted, i
        hit = remaining.pop(best_i)
        per_doc[hit.chunk.doc_id] += 1
        picked.append(hit)
    return picked


def _passes(chunk: StoredChunk, kind: str | None, bureau: str | None, year: int | None) -> bool:
    return (
        (kind is None or chunk.kind == str(kind))
        and (bureau is None or chunk.bureau == bureau)
        and (year is None or chunk.year == int(year))
    )


def _dense_candidates(
    store: RetrievalStore,
    query: str,
    n: int,
    kind: str | None,
    bureau: str | None,
    year: int | None,
    index: LexicalIndex,
    mask: npt.NDArray[np.bool_] | None,
) -> list[tuple[StoredChunk, float]]:
    """The dense top ``n`` under the filters.

    Chroma evaluates a where-filter by collecting every matching id first, so its cost
    grows with the number of *matching* chunks, not with n: at 100k chunks a filter on
    kind that 60 % of chunks pass costs ≈200 ms per query against ≈3 ms unfiltered
    (bench/bench_store.py). In a large store, when the lexical index's metadata shows
    the filter keeps a large enough share of the chunks, the unfiltered top
    ``n · OVERFETCH_MARGIN / share`` (at most OVERFETCH_MAX) is fetched instead and
    filtered here; that is exact whenever it still holds n passing chunks (or is the
    whole store), and otherwise the filtered query is made after all.
    """
    where = where_filter(kind=kind, bureau=bureau, year=year)
    if where is None or mask is None:
        return store.dense_query(query, n=n, where=where)
    total = len(index)
    share = float(mask.mean()) if total else 0.0
    if total >= OVERFETCH_MIN_CHUNKS and share > 0.0:
        fetch = math.ceil(n * OVERFETCH_MARGIN / share)
        if fetch <= OVERFETCH_MAX:
            got = store.dense_query(query, n=fetch, where=None)
            kept = [(c, d) for c, d in got if _passes(c, kind, bureau, year)]
            if len(kept) >= n or len(got) < fetch:
                return kept[:n]
    return store.dense_query(query, n=n, where=where)


def lexical_index_for(store: RetrievalStore) -> LexicalIndex:
    """The store's lexical index (cached in memory, rebuilt when the store changed)."""
    name = getattr(store, "collection_name", None) or DEFAULT_INDEX_NAME
    return LexicalIndex.load_or_build(store, str(name))


def search(
    store: RetrievalStore,
    query: str,
    *,
    k: int = 5,
    kind: str | None = None,
    bureau: str | None = None,
    year: int | None = None,
    diversify: bool = True,
    index: LexicalIndex | None = None,
) -> list[SearchHit]:
    """The ``k`` best exemplar passages for ``query``: dense + lexical, fused, diversified.

    Filters are exact matches on the chunk metadata. ``index`` is used as given (pass
    one to avoid the revision check per call); by default the store's persisted index is
    loaded, or rebuilt when the store changed. An empty store gives an empty list; an
    empty query is an InputError.
    """
    if not query or not query.strip():
        raise InputError("检索词为空。", hint="请输入要查找的内容，例如“科技特派员”。")
    if k < 1:
        raise InputError(f"返回条数 k 必须至少为 1（收到 {k}）。")
    if store.count() == 0:
        return []
    n = candidate_count(k)
    if index is None:
        index = lexical_index_for(store)
    mask = index.mask(kind=kind, bureau=bureau, year=year)
    dense = _dense_candidates(store, query, n, kind, bureau, year, index, mask)
    scores = index.scores(query)
    lexical = index.top(scores, n=n, mask=mask)
    lexical_chunks = [index.chunk(row) for row, _ in lexical]
    match: dict[str, float] | None = None
    if lexical:
        best = lexical[0][1]
        match = {c.id: s / best for c, (_, s) in zip(lexical_chunks, lexical, strict=True)}
        for chunk, _ in dense:
            row = index.row_of(chunk.id)
            raw = (
                float(scores[row])
                if row is not None
                else index.score_text(query, indexed_text(chunk))
            )
            match[chunk.id] = raw / best
    fused = fuse([c for c, _ in dense], lexical_chunks, match=match)
    if diversify:
        return diversify_hits(fused, k)
    return fused[:k]
