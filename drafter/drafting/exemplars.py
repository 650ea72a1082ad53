"""Retrieved exemplars for guided drafting: the bureau's own past passages, numbers masked.

For each section guided drafting asks the store for passages of the same kind (opening,
achievements, problems, plan, closing) on the section's topic, then prefers the same
bureau's past summaries: a chunk whose bureau matches the figures file's gets its fused
score multiplied by ``BUREAU_BOOST``, one from the same region by ``REGION_BOOST``. The
best ``GUIDED_EXEMPLARS`` are shown — one per question, the next on a re-ask — cut to a
short passage at a sentence end (the small model copies long passages), numbers masked
exactly as in whole-section drafting (:func:`drafter.drafting.chain.as_exemplar`).
With an empty store (or no store) the fixed examples remain (measures_examples.yaml).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from drafter.corpus.meta import is_own_bureau
from drafter.drafting.records import Exemplar
from drafter.text.sentences import FULL_STOPS

if TYPE_CHECKING:
    from drafter.drafting.chain import DraftContext
    from drafter.drafting.guided import GuidedPrompts
    from drafter.drafting.outline import SectionTask
    from drafter.models import SearchHit

# The fused (reciprocal-rank) scores of the CANDIDATES hits span about ×2.2 from first to
# last, so ×2.5 puts every candidate of the bureau's own summaries first (the bureau's own
# first, then peers: measured, ×1.5 left the county's own openings behind a district's),
# while the region boost only reorders close ones.
BUREAU_BOOST = 2.5
REGION_BOOST = 1.5
CANDIDATES = 8  # hits asked of the retriever before the bureau/region boost re-ranks them
GUIDED_EXEMPLARS = 2
PASSAGE_CHARS = 260  # measured: the small model copies long passages
SHORT_PASSAGE_CHARS = 150  # for the per-item elaborations, asked once per item
# Sections without a heading (the opening and closing paragraphs) are looked up by the
# words such paragraphs use; the kind filter does the rest.
KIND_QUERIES = {
    "opening": "今年以来 坚持 全年 科技创新工作 取得 成效",
    "closing": "新的一年 坚强领导 真抓实干 再上新台阶",
}


def boosted_score(hit: SearchHit, bureau: str, region: str | None) -> float:
    """The fused score, raised for the same bureau (or, failing that, the same region)."""
    chunk = hit.chunk
    if is_own_bureau(chunk.bureau, chunk.region, bureau, region):
        return hit.score * BUREAU_BOOST
    if region and chunk.region and chunk.region == region:
        return hit.score * REGION_BOOST
    return hit.score


def rank_hits(hits: list[SearchHit], bureau: str, region: str | None) -> list[SearchHit]:
    """Hits in boosted order (stable: the retriever's diversified order breaks ties)."""
    return sorted(hits, key=lambda h: -boosted_score(h, bureau, region))


def cut_passage(text: str, limit: int = PASSAGE_CHARS) -> str:
    """At most ``limit`` characters, ending at a full stop when one is near."""
    text = re.sub(r"\s+", "", text)
    if len(text) <= limit:
        return text
    head = text[:limit]
    stop = max(head.rfind(c) for c in FULL_STOPS)
    return head[: stop + 1] if stop >= limit // 2 else head + "……"


def guided_exemplars(task: SectionTask, ctx: DraftContext) -> list[Exemplar]:
    """The passages guided drafting shows for ``task`` (empty without a store or hits)."""
    from drafter.drafting.chain import as_exemplar  # chain imports this module

    query = task.query or KIND_QUERIES.get(str(task.kind), "")
    if ctx.retriever is None or not query:
        return []
    hits = ctx.retriever(query, str(task.kind), CANDIDATES)
    ranked = rank_hits(hits, ctx.figures.bureau, ctx.figures.region)[:GUIDED_EXEMPLARS]
    limit = SHORT_PASSAGE_CHARS if task.id in ("problems", "plan_priorities") else PASSAGE_CHARS
    exemplars = []
    for hit in ranked:
        passage = cut_passage(as_exemplar(hit.chunk.text), limit)
        if not passage:
            continue
        score = boosted_score(hit, ctx.figures.bureau, ctx.figures.region)
        exemplars.append(Exemplar.from_hit(hit, passage, score))
    return exemplars


def example_blocks(prompts: GuidedPrompts, exemplars: tuple[str, ...]) -> list[str]:
    """Each retrieved passage as the prompt's example block (empty list: none retrieved)."""
    return [prompts.example_passage.render(passage=text) for text in exemplars]
