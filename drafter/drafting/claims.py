"""No unsupported claims: words of severity or cause only where the data uses them.

The problems and plan sections may elaborate the figures file's own problems and
priorities with 表现 and 措施 taken from the data, never with a judgement of their own:
how severe (严重, 普遍), how much (大量, 大幅), what caused what (导致, 造成). The words are
package data (drafter/drafting/data/claim_words.txt, whose header says why); a word is
allowed when one of the figures file's texts contains it. Decisions:

* a negated word is still a claim ("不严重" judges the degree just the same);
* a word inside quotes “…” is still checked (quoting does not make it data);
* a word inside a title 《…》 is a name, not a claim, and is not checked.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from drafter.models import SectionKind

CLAIM_WORDS_PATH = Path(__file__).resolve().parent / "data" / "claim_words.txt"
_TITLE_RE = re.compile(r"《[^《》\n]*》")
_CONTEXT = 6


@lru_cache(maxsize=1)
def claim_words(path: Path = CLAIM_WORDS_PATH) -> tuple[str, ...]:
    """The committed words, longest first (one a line, a tab and what it claims; # comments)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    words = {ln.split("\t", 1)[0].strip() for ln in lines if ln.strip() and not ln.startswith("#")}
    return tuple(sorted((w for w in words if w), key=lambda w: (-len(w), w)))


def unsupported_claims(text: str, data_texts: Iterable[str]) -> list[str]:
    """One Chinese problem per claim word in ``text`` that no data text contains."""
    data = "\n".join(data_texts)
    checked = _TITLE_RE.sub(lambda m: "　" * len(m.group()), text)
    problems = []
    for word in claim_words():
        at = checked.find(word)
        if at < 0 or word in data:
            continue
        context = text[max(0, at - _CONTEXT) : at + len(word) + _CONTEXT].replace("\n", " ")
        problems.append(
            f"“{context}”中的“{word}”是数据中没有的判断。只写数据支持的内容："
            "问题只写数据给出的表现，措施只写数据给出的做法，不要自行断定程度或原因。"
        )
    return problems


def section_claims(text: str, kind: SectionKind, data_texts: Iterable[str]) -> list[str]:
    """The whole-section check: problems and plan sections only (elsewhere [])."""
    if kind not in (SectionKind.PROBLEMS, SectionKind.PLAN):
        return []
    return unsupported_claims(text, data_texts)
