"""Sentences and clauses of Chinese official prose: the one splitting rule.

A sentence ends after 。！？； (ASCII !?; too) or a run of …, together with the closing
quotes and brackets that follow, and at a line break. Decisions pinned in
tests/text/test_text_grammar.py: ； ends a sentence (公文 lists 一是…；二是…； are read item by
item), …… does too, ASCII quotes after an ender close the sentence.
"""

from __future__ import annotations

from collections.abc import Sequence

SENTENCE_ENDERS = "。！？；!?;…"
CLOSERS = "”’」』）)》〕】\"'"
FULL_STOPS = "。！？!?"  # enders of a whole sentence, not of a ；-item
CLAUSE_BREAKS = "，,；;。！？!?：:\n"


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every sentence: split after 。！？； (and ASCII !?;) together with
    the closing quotes and brackets that follow, and at line breaks; whitespace trimmed,
    empty sentences dropped."""
    spans: list[tuple[int, int]] = []

    def add(a: int, b: int) -> None:
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if a < b:
            spans.append((a, b))

    start = i = 0
    n = len(text)
    while i < n:
        c = text[i]
        if c == "\n":
            add(start, i)
            start = i = i + 1
            continue
        if c in SENTENCE_ENDERS:
            j = i + 1
            while j < n and (text[j] in SENTENCE_ENDERS or text[j] in CLOSERS):
                j += 1
            add(start, j)
            start = i = j
            continue
        i += 1
    add(start, n)
    return spans


def split_sentences(text: str) -> list[str]:
    """The sentences of ``text`` (see :func:`sentence_spans`)."""
    return [text[a:b] for a, b in sentence_spans(text)]


def split_sentences_keep(text: str) -> list[str]:
    """The sentences of ``text`` with the text between them kept: joined, they give the
    text back (chunking cuts between sentences and must lose nothing)."""
    cuts = [b for _, b in sentence_spans(text)]
    pieces: list[str] = []
    start = 0
    for end in cuts:
        piece = text[start:end]
        if piece.strip():
            pieces.append(piece)
            start = end
    tail = text[start:]
    if tail.strip():
        pieces.append(tail)
    elif pieces:
        pieces[-1] += tail
    return pieces


#: What may end a line of running text: a sentence, a ；-item or the colon before a list.
LINE_ENDERS = FULL_STOPS + "…；;：:"


def ends_sentence(text: str) -> bool:
    """Whether ``text`` ends where running text may break (LINE_ENDERS, closing quotes and
    brackets after it allowed): a page break after it is no break inside a sentence."""
    tail = text.rstrip(CLOSERS)
    return bool(tail) and tail[-1] in LINE_ENDERS


def first_sentence(text: str, *, enders: str = FULL_STOPS) -> str | None:
    """The opening of one paragraph up to its first ender, with the closing quotes and
    brackets after it; None when no ender comes.

    By default a whole sentence (。！？, ASCII !? too): a ；-item does not end it, as a
    summary's first sentence wants. A sentence that introduces a list ends at ： as well
    (pass ``enders=FULL_STOPS + "：:"``) and the caller sees which ender it was.
    """
    for i, c in enumerate(text):
        if c in enders:
            j = i + 1
            while j < len(text) and text[j] in CLOSERS:
                j += 1
            return text[:j]
    return None


def sentence_of(spans: Sequence[tuple[int, int]], pos: int) -> tuple[int, tuple[int, int]]:
    """1-based index and span of the sentence holding ``pos`` (or the next one)."""
    for k, (a, b) in enumerate(spans):
        if pos < b:
            return k + 1, (a, b)
    if spans:
        return len(spans), spans[-1]
    return 1, (0, 0)


def clause_around(text: str, start: int, end: int, sent: tuple[int, int]) -> str:
    s0, s1 = sent
    a, b = start, end
    while a > s0 and text[a - 1] not in CLAUSE_BREAKS:
        a -= 1
    while b < s1 and text[b] not in CLAUSE_BREAKS:
        b += 1
    clause = text[a:b].strip()
    if len(clause) > 40:
        left = max(a, start - 15)
        right = min(b, end + 15)
        clause = ("…" if left > a else "") + text[left:right].strip() + ("…" if right < b else "")
    return clause or text[start:end]


def line_of(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1
