"""Finding the bureau's own most recent past summary in the store, and its headings.

The store keeps each summary as chunks whose ``heading_path`` names the headings above
them; every （一）-level heading also opens the first chunk under it as its own line. So
the heading structure is read back from the chunks alone, without the source file.
Nothing here imports Chroma: the store is any object with ``documents()`` and
``chunks_of()`` (drafter.corpus.store.CorpusStore, or a test double).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Protocol

from drafter.corpus.meta import is_own_bureau
from drafter.drafting.house_outline import PastHeading, derive_house_outline
from drafter.drafting.outline import Outline
from drafter.models import DocumentInfo, Period, StoredChunk
from drafter.text.markers import NOT_A_TITLE_RE, match_marker

__all__ = ["HouseStore", "house_outline", "is_own_document", "own_past_summary", "past_headings"]

_HEADING_LINE_MAX = 60
_SENTENCE_INSIDE = re.compile(r"[。！？!?；;]")


class HouseStore(Protocol):
    def documents(self) -> list[DocumentInfo]: ...

    def chunks_of(self, doc_id: str) -> list[StoredChunk]: ...


def is_own_document(doc: DocumentInfo, bureau: str, region: str | None) -> bool:
    """True when the stored summary was written by this bureau (drafter.corpus.meta)."""
    return is_own_bureau(doc.bureau, doc.region, bureau, region)


def own_past_summary(
    docs: Iterable[DocumentInfo], bureau: str, region: str | None, year: int, period: Period
) -> DocumentInfo | None:
    """The bureau's most recent summary of the same period from before ``year``."""
    mine = [
        d
        for d in docs
        if d.year is not None
        and d.year < year
        and (d.period or Period.ANNUAL) == period
        and is_own_document(d, bureau, region)
    ]
    if not mine:
        return None
    return max(mine, key=lambda d: (d.year or 0, d.ingested_at or "", d.doc_id))


def _split(heading: str) -> tuple[str, str]:
    found = match_marker(heading)
    if found is None:
        return "", heading.strip()
    return heading[: found.end], heading[found.end :].strip()


def _heading_line(line: str) -> bool:
    """A chunk line that is a heading: a marker, a short title, no sentence inside."""
    found = match_marker(line)
    if found is None or NOT_A_TITLE_RE.match(line, found.end):
        return False
    inner = line.rstrip("。；;：:")
    return len(line) <= _HEADING_LINE_MAX and not _SENTENCE_INSIDE.search(inner)


def past_headings(chunks: Sequence[StoredChunk]) -> list[PastHeading]:
    """The document's headings in order, from the chunks' heading paths and heading lines."""
    out: list[PastHeading] = []
    seen: set[tuple[str, ...]] = set()
    for chunk in sorted(chunks, key=lambda c: c.position):
        path = [p for p in chunk.heading_path.split(" > ") if p.strip()]
        stack: list[tuple[int, str]] = []  # (marker level, heading) of the open headings
        lines = [path[i] for i in range(len(path))]
        lines += [ln.strip() for ln in chunk.text.split("\n") if _heading_line(ln.strip())]
        for n, heading in enumerate(lines):
            marker, title = _split(heading)
            level = match_marker(marker).level if marker else 0  # type: ignore[union-attr]
            if n >= len(path):  # a heading line: its parent is the nearest shallower one
                while stack and stack[-1][0] >= level and level > 0:
                    stack.pop()
            stack.append((level, heading))
            key = tuple(h for _, h in stack)
            if key in seen or not title:
                continue
            seen.add(key)
            out.append(PastHeading(len(stack), marker, title, chunk.kind))
    return out


def house_outline(
    store: HouseStore,
    *,
    bureau: str,
    region: str | None,
    year: int,
    period: Period,
    base: Outline,
) -> Outline | None:
    """The outline following the bureau's own most recent past summary in the store, or
    None (no such summary, or its structure is not recognisable)."""
    doc = own_past_summary(store.documents(), bureau, region, year, period)
    if doc is None or doc.year is None:
        return None
    headings = past_headings(store.chunks_of(doc.doc_id))
    return derive_house_outline(headings, doc_year=doc.year, period=period, base=base)
