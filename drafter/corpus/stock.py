"""Stock phrases: wording shared by many summaries, which belongs to no one document.

The copy guard of guided drafting (drafter.drafting.guards) refuses a run of 12 or more
characters the model copies from a retrieved exemplar, except stock phrases: n-grams
found in at least 3 different documents ("以习近平新时代中国特色社会主义思想为指导",
"在县委、县政府的坚强领导下"). They are mined, not hand-listed — from the committed
corpus (scripts/mine_stock_phrases.py) and from the user's own store, whose summaries
are the corpus a real bureau drafts from (:func:`store_stock_phrases`, cached per store
revision).
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Protocol

from drafter.models import StoredChunk
from drafter.text.slots import SLOT_RE

COPY_RUN = 12
STOCK_MIN_DOCS = 3
_DIGITS_RE = re.compile(r"[0-9０-９]+(?:\.[0-9]+)?")


def normalise(text: str) -> str:
    """The form runs are compared in: no spaces, every slot and number as X (exemplars
    reach the model with their numbers masked as X)."""
    text = SLOT_RE.sub("X", text)
    text = _DIGITS_RE.sub("X", text)
    return re.sub(r"\s+", "", text)


def grams(text: str, n: int = COPY_RUN) -> set[str]:
    return {text[i : i + n] for i in range(len(text) - n + 1)}


def mine_stock_phrases(
    documents: Iterable[str], *, n: int = COPY_RUN, min_docs: int = STOCK_MIN_DOCS
) -> dict[str, int]:
    """The n-grams (normalised, numbers as X) found in at least ``min_docs`` documents.

    Documents with the same normalised text (a .txt and its Word copy) count once.
    Returns each kept n-gram with the number of documents it occurs in.
    """
    seen: set[str] = set()
    counts: dict[str, int] = defaultdict(int)
    for text in documents:
        norm = normalise(text)
        digest = hashlib.sha256(norm.encode("utf-8")).hexdigest()
        if digest in seen:
            continue
        seen.add(digest)
        for gram in grams(norm, n):
            if re.search(r"[\u4e00-\u9fff]", gram):
                counts[gram] += 1
    return {g: c for g, c in counts.items() if c >= min_docs}


def read_phrases(path: Path) -> frozenset[str]:
    """Phrases of a stock file (one n-gram a line, a tab and a count; # comments)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return frozenset()
    return frozenset(ln.split("\t", 1)[0] for ln in lines if ln.strip() and not ln.startswith("#"))


def format_phrases(phrases: dict[str, int], header: Iterable[str]) -> str:
    rows = sorted(phrases.items(), key=lambda kv: (-kv[1], kv[0]))
    return "\n".join([*header, *(f"{g}\t{c}" for g, c in rows)]) + "\n"


class ChunkSource(Protocol):
    """The part of the store mining uses (drafter.corpus.retrieve.RetrievalStore's)."""

    @property
    def lexical_cache_dir(self) -> Path: ...

    def revision(self) -> int: ...

    def iter_chunks(self, batch_size: int = 2000) -> Iterator[StoredChunk]: ...


def documents_of(chunks: Iterable[StoredChunk]) -> list[str]:
    """Each stored document's text, its chunks in order."""
    parts: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for chunk in chunks:
        parts[chunk.doc_id].append((chunk.position, chunk.text))
    return ["\n".join(text for _, text in sorted(p)) for p in parts.values()]


def store_stock_phrases(store: ChunkSource) -> frozenset[str]:
    """The stock phrases of the store's own summaries, mined once per store revision.

    The cache file sits with the store's other derived indexes; a failure to write it only
    costs mining again next time."""
    from drafter.atomic import WriteError, atomic_write_text

    cache = store.lexical_cache_dir / f"stock_phrases-r{store.revision()}.txt"
    if cache.is_file():
        return read_phrases(cache)
    phrases = mine_stock_phrases(documents_of(store.iter_chunks()))
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(
            cache,
            format_phrases(phrases, ["# Stock phrases of this store (drafter.corpus.stock)."]),
        )
    except (OSError, WriteError):
        pass
    return frozenset(phrases)
