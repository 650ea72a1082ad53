"""The bureau's own list formulas: how its past summaries introduce their problems.

Code writes the sentence that introduces the problems list ("在肯定成绩的同时，我们也清醒地
看到，工作中还存在一些问题和不足："). A bureau has its own ("一年来，我区科技工作虽然取得了
一定成绩，但也存在一些困难和问题："); when the store holds its past summaries, the draft
uses that one — it is the bureau's own standard sentence, not a passage to imitate, so the
copy guard (which binds the model) does not apply. Only a generic sentence qualifies: the
first sentence of the own problems part, holding no number and naming a shortfall.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from drafter.corpus.meta import is_own_bureau
from drafter.models import SearchHit
from drafter.text.markers import match_marker
from drafter.text.sentences import FULL_STOPS, first_sentence

QUERY = "存在的问题 不足 差距 短板 清醒地看到"
CANDIDATES = 8
MIN_CHARS, MAX_CHARS = 12, 70
_SHORTFALL_RE = re.compile(r"问题|不足|差距|短板|困难|薄弱")
#: A problems lead is a statement or the colon that opens the list, never a question.
_LEAD_ENDS = ("。", "：", ":")
_SPECIFIC_RE = re.compile(r"一是|其中|例如|尤其")
_FIGURE_RE = re.compile(r"[0-9０-９XＸ%％]|[两二三四五六七八九十百千万亿]+[个项家件名人次年位类条]")


def first_formula(text: str) -> str | None:
    """The passage's opening sentence when it is a generic introduction of the problems."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    body = "".join(ln for ln in lines if match_marker(ln) is None or len(ln) > 30)
    sentence = first_sentence(body, enders=FULL_STOPS + "：:")
    if sentence is None or not sentence.endswith(_LEAD_ENDS):
        return None
    core = sentence.rstrip("。：:")
    if not MIN_CHARS <= len(core) <= MAX_CHARS or not _SHORTFALL_RE.search(core):
        return None
    # figures (Arabic or counted Chinese numerals); 一些/一年来/一定 are words, not figures
    if _SPECIFIC_RE.search(core) or _FIGURE_RE.search(core):
        return None
    # it introduces the list: "……存在一些问题和不足：" / "……还有差距，主要是："
    return core + ("：" if sentence.endswith(("：", ":")) else "，主要表现在：")


def choose_problems_lead(hits: Iterable[SearchHit], bureau: str, region: str | None) -> str | None:
    """From the bureau's own past summaries only (newest first): a peer's formula is not
    the bureau's voice."""
    own = [
        h
        for h in hits
        if h.chunk.kind == "problems"
        and is_own_bureau(h.chunk.bureau, h.chunk.region, bureau, region)
    ]
    for hit in sorted(own, key=lambda h: -(h.chunk.year or 0)):
        formula = first_formula(hit.chunk.text)
        if formula:
            return formula
    return None


def retrieve_problems_lead(
    retriever: Callable[[str, str, int], list[SearchHit]], bureau: str, region: str | None
) -> str | None:
    return choose_problems_lead(retriever(QUERY, "problems", CANDIDATES), bureau, region)
