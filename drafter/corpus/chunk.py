"""Chunking a parsed summary into retrievable passages, and 一是/二是 enumeration items.

Chunks carry headings in `heading_path`; the heading line of every level-2+ section is
also the first line of the first chunk under it, so a search for a word that only a
heading contains (e.g. "科技特派员") still finds that section's text.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from drafter.models import Chunk, ParsedDocument, Section, SectionKind
from drafter.text.markers import ENUMERATION_RE
from drafter.text.numerals import parse_ordinal
from drafter.text.sentences import split_sentences_keep

__all__ = ["chunk_document", "split_enumeration"]

# --- chunking costs (lower is a better place to cut) ------------------------------------

_CUT_HEADING = 0.0
_CUT_PARAGRAPH = 1.0
_CUT_ITEM = 2.0
_CUT_SENTENCE = 4.0
_CUT_CLAUSE = 12.0
_CUT_HARD = 40.0
_CUT_NEVER = float("inf")
_CUT_SPAN_HEADING = 2.0  # a chunk running into the next subsection loses its heading path
_CHUNK_COST = 3.0
_UNDERSIZE_COST = 100.0

# =========================================================================================
# enumeration and sentences
# =========================================================================================

_ORDINAL_WORDS = ("首先", "其次", "再次", "最后")
_ENUM_BOUNDARY = "。；;：:，,！？!?"


def split_enumeration(paragraph: str) -> list[str]:
    """Items of a 一是…二是…三是… (or 首先…其次…) paragraph; [paragraph] when none.

    A lead-in before 一是 is its own item. Items must count up from 一 and stand at a
    clause start, so "这二是…" inside a sentence is not a split.
    """
    cuts = _enumeration_cuts(paragraph) or _ordinal_cuts(paragraph)
    if not cuts:
        return [paragraph]
    bounds = [0, *cuts, len(paragraph)]
    items = [paragraph[a:b] for a, b in itertools.pairwise(bounds)]
    return [item for item in items if item.strip()]


def _at_clause_start(text: str, index: int) -> bool:
    return index == 0 or text[index - 1] in _ENUM_BOUNDARY or text[index - 1].isspace()


def _enumeration_cuts(text: str) -> list[int]:
    cuts: list[int] = []
    expected = 1
    for m in ENUMERATION_RE.finditer(text):
        if parse_ordinal(m.group("n")) == expected and _at_clause_start(text, m.start()):
            cuts.append(m.start())
            expected += 1
    return [c for c in cuts if c > 0] if len(cuts) >= 2 else []


def _ordinal_cuts(text: str) -> list[int]:
    first = text.find(_ORDINAL_WORDS[0])
    if first < 0 or not _at_clause_start(text, first):
        return []
    cuts = [first]
    for word in _ORDINAL_WORDS[1:]:
        at = text.find(word, cuts[-1] + 1)
        if at > 0 and _at_clause_start(text, at):
            cuts.append(at)
    if len(cuts) < 2 or text.find(_ORDINAL_WORDS[1], first) < 0:
        return []
    return [c for c in cuts if c > 0]


def _split_clauses(sentence: str, max_chars: int) -> list[tuple[str, bool]]:
    """A sentence cut after ，、 into (clause, hard-cut) pairs.

    A clause longer than half a chunk is sliced (hard cut) so chunks can always be sized.
    """
    parts = [p for p in re.split(r"(?<=[，、,])", sentence) if p]
    out: list[tuple[str, bool]] = []
    hard = max(20, max_chars // 4)
    for part in parts:
        if len(part) <= max_chars // 2:
            out.append((part, False))
        else:
            out.extend((part[i : i + hard], i > 0) for i in range(0, len(part), hard))
    return out


# =========================================================================================
# chunk_document
# =========================================================================================


@dataclass(frozen=True)
class _Piece:
    text: str
    path: tuple[str, ...]
    cut_cost: float  # cost of starting a new chunk at this piece
    joiner: str  # put before this piece when it follows another in the same chunk
    is_heading: bool = False  # a heading line is never the last line of a chunk


def chunk_document(
    doc: ParsedDocument, *, min_chars: int = 150, max_chars: int = 500
) -> list[Chunk]:
    """Passages of about min_chars–max_chars, never spanning two level-1 sections.

    Cuts prefer headings, then paragraphs, enumeration items, sentences, clauses; a
    hard cut only inside a clause longer than half a chunk. A whole section shorter
    than min_chars is one chunk. Each level-2+ heading opens the first chunk under it
    as its own line; `heading_path` holds the headings common to the whole chunk.
    """
    if min_chars <= 0 or max_chars < min_chars:
        raise ValueError("chunk sizes must satisfy 0 < min_chars <= max_chars")
    chunks: list[Chunk] = []
    for index, section in enumerate(doc.sections):
        pieces = list(_section_pieces(section, (), max_chars))
        kind = section.kind or (
            SectionKind.OPENING if section.level == 0 else SectionKind.ACHIEVEMENTS
        )
        for start, end in _best_cuts(pieces, min_chars, max_chars):
            group = pieces[start:end]
            text = group[0].text + "".join(p.joiner + p.text for p in group[1:])
            chunks.append(
                Chunk(
                    text=text.strip(),
                    heading_path=list(_common_path([p.path for p in group])),
                    kind=kind,
                    section_index=index,
                    position=len(chunks),
                )
            )
    return chunks


def _section_pieces(section: Section, parent: tuple[str, ...], max_chars: int) -> Iterator[_Piece]:
    path = (*parent, section.heading) if section.level >= 1 and section.heading else parent
    if section.level >= 2:
        yield _Piece(section.heading, path, _CUT_HEADING, "\n", is_heading=True)
    for paragraph in section.paragraphs:
        for i_index, item in enumerate(split_enumeration(paragraph)):
            for s_index, sentence in enumerate(split_sentences_keep(item)):
                for c_index, (clause, hard) in enumerate(_split_clauses(sentence, max_chars)):
                    if c_index:
                        cost = _CUT_HARD if hard else _CUT_CLAUSE
                    elif s_index:
                        cost = _CUT_SENTENCE
                    elif i_index:
                        cost = _CUT_ITEM
                    else:
                        cost = _CUT_PARAGRAPH
                    first_of_paragraph = not (i_index or s_index or c_index)
                    yield _Piece(clause, path, cost, "\n" if first_of_paragraph else "")
    for child in section.children:
        yield from _section_pieces(child, path, max_chars)


def _best_cuts(pieces: Sequence[_Piece], min_chars: int, max_chars: int) -> list[tuple[int, int]]:
    """Chunk boundaries minimising cut costs, keeping every chunk within the bounds.

    Dynamic programming over the pieces: a chunk costs a constant, plus the cost of the
    boundary it starts at, plus a little for each heading inside it, plus a large penalty
    when it is shorter than min_chars (free only for a section that is short as a whole).
    A chunk never ends on a heading line.
    """
    n = len(pieces)
    if n == 0:
        return []
    offsets = [0]
    headings = [0]  # headings before index i, to charge chunks that run across one
    for piece in pieces:
        offsets.append(offsets[-1] + len(piece.joiner) + len(piece.text))
        headings.append(headings[-1] + piece.is_heading)
    best = [0.0] + [float("inf")] * n
    back = [0] * (n + 1)
    for end in range(1, n + 1):
        for start in range(end - 1, -1, -1):
            length = offsets[end] - offsets[start] - len(pieces[start].joiner)
            if length > max_chars and end - start > 1:
                break
            cut = pieces[start].cut_cost if start else 0.0
            if start and pieces[start - 1].is_heading:
                cut = _CUT_NEVER
            if cut == _CUT_NEVER or best[start] == float("inf"):
                continue
            short = length < min_chars and not (start == 0 and end == n)
            inner = headings[end] - headings[start + 1]
            cost = best[start] + _CHUNK_COST + cut + inner * _CUT_SPAN_HEADING
            cost += _UNDERSIZE_COST if short else 0.0
            if cost < best[end]:
                best[end], back[end] = cost, start
    bounds: list[tuple[int, int]] = []
    end = n
    while end > 0:
        bounds.append((back[end], end))
        end = back[end]
    return bounds[::-1]


def _common_path(paths: Sequence[tuple[str, ...]]) -> tuple[str, ...]:
    common = paths[0]
    for path in paths[1:]:
        size = 0
        while size < min(len(common), len(path)) and common[size] == path[size]:
            size += 1
        common = common[:size]
    return common
