"""How much a draft reads like a bureau's own summary: char-bigram cosine of number-free text.

A draft and a past summary never share their numbers (a new year's figures), and a
shared number says nothing about voice anyway. So every quantity is masked first —
Arabic and Chinese-numeral numbers, percentages, years and dates, found by the genre's
number scanner (drafter.text), and slot placeholders — and so are the Markdown marks a
draft.md carries. What is left is compared as bags of character pairs: the same
officialese (坚持、聚焦、一是…二是、取得积极成效) raises the score; the same topic words
raise it too, which both texts share by construction, so the score is for comparing
conditions on the same bureau, not an absolute measure.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

from drafter.text.scanner import find_numbers
from drafter.text.slots import slot_matches
from drafter.text.structural import is_structural

MASK = "X"
_MARKDOWN_RE = re.compile(r"^\s*(?:#+|[-*•>])\s*|\*\*", re.M)
_SPACE_RE = re.compile(r"\s+")
_CLAUSE_RE = re.compile(r"[^，,；;。！？：:\n]+[，,；;。！？：:\n]?")


def number_free(text: str) -> str:
    """``text`` with every quantity and slot as X, Markdown marks and whitespace removed.

    Headings' ordinals (一、 （二） 一是) are form, not quantities: they stay."""
    text = _MARKDOWN_RE.sub("", text)
    spans = [(m.start, m.end) for m in slot_matches(text)]
    spans += [
        (m.start, m.end)
        for m in find_numbers(text)
        if not is_structural(m, text, dates_structural=False)
    ]
    out: list[str] = []
    last = 0
    for start, end in sorted(spans):
        if start < last:
            continue
        out += [text[last:start], MASK]
        last = end
    out.append(text[last:])
    return _SPACE_RE.sub("", "".join(out))


def bigram_counts(text: str) -> Counter[str]:
    """The character pairs of the number-free text (a run of masks counts once)."""
    norm = re.sub(f"{MASK}+", MASK, number_free(text))
    return Counter(norm[i : i + 2] for i in range(len(norm) - 1))


def cosine(a: Counter[str], b: Counter[str]) -> float:
    if not a or not b:
        return 0.0
    dot = sum(count * b[gram] for gram, count in a.items() if gram in b)
    norm = math.sqrt(sum(c * c for c in a.values())) * math.sqrt(sum(c * c for c in b.values()))
    return dot / norm if norm else 0.0


def style_score(draft: str, reference: str) -> float:
    """Char-bigram cosine (0–1) of the two texts with their numbers masked."""
    return round(cosine(bigram_counts(draft), bigram_counts(reference)), 4)


def voice_text(text: str, data_texts: Sequence[str] = ()) -> str:
    """The draft's own wording: its clauses that state no figure and copy no fact.

    A draft's indicator sentences and facts come from the figures file whatever the
    examples were, and outweigh the rest; what exemplars can change — the lead and result
    sentences, item leads, opening and closing, headings — is what is left once clauses
    holding a number or slot, and clauses of the figures file's own texts, are taken out."""
    data = "\n".join(data_texts)
    kept: list[str] = []
    for clause in _CLAUSE_RE.findall(text):
        core = clause.strip().rstrip("，,；;。！？：:、")
        if not core or (len(core) >= 4 and core in data):
            continue
        if list(slot_matches(clause)) or any(
            not is_structural(m, clause, dates_structural=False) for m in find_numbers(clause)
        ):
            continue
        kept.append(clause)
    return "".join(kept)


def voice_score(draft: str, reference: str, data_texts: Sequence[str] = ()) -> float:
    """style_score of the draft's own wording (voice_text) against the reference."""
    return style_score(voice_text(draft, data_texts), reference)
