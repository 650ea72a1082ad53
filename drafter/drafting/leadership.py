"""The leadership line of a bureau's summaries, taken from its own past summaries.

Work summaries open (and often close) with a clause naming whose leadership and guidance
the year's work was done under: "在市委、市政府的正确领导和省科技厅的精心指导下",
"在县委、县政府的坚强领导下", "在区委区政府的正确领导下，在市科技局的大力支持下". The clause
says which level of government the bureau answers to, so it cannot be a fixed text.

Shape: a clause opening with 在 and ending with 下, whose last word before 下 is one of
领导/指导/支持/关心/关怀/帮助/带领, naming an organ (…委, 政府, 厅, 局, 部门, 党组), with no
number and bounded length; two such clauses joined by a comma (在…下，在…下) or by 和
(在…领导下和…指导下) are one line.

Which line: the bureau's own past summaries first, then those of the same region, then
any peer's. A peer's line is adapted: its level of government (县委/区委/市委/州委…) becomes
this bureau's region suffix, and superior departments it names (省科技厅, 市科技局) become
上级科技部门 — they are the peer's superiors, not necessarily this bureau's. Same-region
lines keep their level but generalise the superiors too. None when nothing fits; callers
then keep their own text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from drafter.corpus.meta import is_own_bureau
from drafter.models import SearchHit
from drafter.text.scanner import find_numbers

LEAD_WORDS = ("领导", "指导", "支持", "关心", "关怀", "帮助", "带领")
MAX_CLAUSE = 40  # characters between 在 and 下 of one clause
MAX_LINE = 64  # characters of a whole (possibly two-clause) line
QUERY = "在县委县政府的坚强领导下 正确领导 精心指导 大力支持 关心支持"
KINDS = ("opening", "closing")
CANDIDATES = 8
GENERIC_SUPERIOR = "上级科技部门"

# 在 as the preposition, not the second character of a word (存在, 现在, 正在, 所在…)
_NOT_PREPOSITION = set("存现正实所内外旨潜自好健")
_CLAUSE_RE = re.compile(
    rf"在(?P<body>[^在。；;：:！!？?\n，,]{{2,{MAX_CLAUSE}}}?(?:{'|'.join(LEAD_WORDS)}))下"
)
# "…的坚强领导下和上级科技部门的精心指导下": a second clause joined by 和, without 在
_AND_CLAUSE_RE = re.compile(
    rf"(?:和|及|以及)(?P<body>[^在。；;：:！!？?\n，,]{{2,{MAX_CLAUSE}}}?(?:{'|'.join(LEAD_WORDS)}))下"
)
_ORGAN_RE = re.compile(r"委|政府|厅|局|部门|党组")
# A level of government directly before its party committee or government.
_LEVEL_RE = re.compile(r"(自治州|自治县|自治旗|县|区|市|州|旗|盟)(?=党工委|委|人民政府|政府)")
_SUPERIOR_RE = re.compile(
    r"(?:[省市州县区盟]|自治区)?(?:科学技术(?:厅|局|委员会)|科技(?:厅|局|委员会|委)|科委)"
    r"|上级(?:业务|主管|科技)?(?:主管)?部门"
)
_REPEATED_SUPERIOR_RE = re.compile(rf"{GENERIC_SUPERIOR}(?:(?:[、和及]|以及){GENERIC_SUPERIOR})+")
_SUFFIXES = (
    ("自治州", "州"),
    ("自治县", "县"),
    ("自治旗", "旗"),
    ("州", "州"),
    ("盟", "盟"),
    ("旗", "旗"),
    ("县", "县"),
    ("市", "市"),
    ("区", "区"),
)


def region_suffix(region: str | None) -> str | None:
    """The level word of a region's party committee: 示例市 → 市, 某某自治州 → 州."""
    if region:
        for ending, suffix in _SUFFIXES:
            if region.endswith(ending):
                return suffix
    return None


def _is_line(text: str) -> bool:
    return len(text) <= MAX_LINE and bool(_ORGAN_RE.search(text)) and not find_numbers(text)


def find_lines(text: str) -> list[str]:
    """The leadership lines of a passage, in order (consecutive clauses joined)."""
    lines: list[str] = []
    pos = 0
    while True:
        m = _CLAUSE_RE.search(text, pos)
        if m is None:
            return lines
        pos = m.end()
        if m.start() > 0 and text[m.start() - 1] in _NOT_PREPOSITION:
            pos = m.start() + 1
            continue
        end = m.end()
        while end < len(text):
            nxt = _AND_CLAUSE_RE.match(text, end)
            if nxt is None and text[end] in "，,":
                nxt = _CLAUSE_RE.match(text, end + 1)
            if nxt is None:
                break
            end = nxt.end()
        line = text[m.start() : end].replace(",", "，")
        pos = end
        if _is_line(line):
            lines.append(line)


def adapt_line(
    line: str, *, suffix: str | None, peer_region: str | None, same_region: bool
) -> str | None:
    """A line from another bureau made fit for this one (None: cannot be adapted).

    Superior departments become 上级科技部门; a peer from another region also has its
    level of government changed to ``suffix`` (its region's name is dropped first:
    示例市委 → 市委 → 县委)."""
    text = line
    if not same_region:
        if suffix is None:
            return None
        peer_suffix = region_suffix(peer_region)
        if peer_region and peer_suffix:
            text = text.replace(peer_region, peer_suffix)
        text = _LEVEL_RE.sub(suffix, text)
    text = _SUPERIOR_RE.sub(GENERIC_SUPERIOR, text)
    text = _REPEATED_SUPERIOR_RE.sub(GENERIC_SUPERIOR, text)
    return text if _is_line(text) else None


@dataclass(frozen=True)
class Candidate:
    line: str
    rank: int  # 0 own bureau, 1 same region, 2 peer
    year: int
    order: int  # retrieval order


def choose_line(hits: Iterable[SearchHit], bureau: str, region: str | None) -> str | None:
    """The line for ``bureau``: its own first (newest year), then its region's, then a peer's."""
    suffix = region_suffix(region)
    candidates: list[Candidate] = []
    for order, hit in enumerate(hits):
        chunk = hit.chunk
        own = is_own_bureau(chunk.bureau, chunk.region, bureau, region)
        local = bool(region) and chunk.region == region
        for found in find_lines(chunk.text):
            line = (
                found
                if own
                else adapt_line(found, suffix=suffix, peer_region=chunk.region, same_region=local)
            )
            if line:
                rank = 0 if own else 1 if local else 2
                candidates.append(Candidate(line, rank, -(chunk.year or 0), order))
                break  # a passage's first line is its leadership line
    if not candidates:
        return None
    return min(candidates, key=lambda c: (c.rank, c.year, c.order)).line


def retrieve_line(
    retriever: Callable[[str, str, int], list[SearchHit]], bureau: str, region: str | None
) -> str | None:
    """Ask the store for opening and closing passages and choose the line (see choose_line)."""
    hits: list[SearchHit] = []
    for kind in KINDS:
        hits += retriever(QUERY, kind, CANDIDATES)
    return choose_line(hits, bureau, region)


def with_leadership(lead: str, line: str | None) -> str:
    """An opening lead carrying the line: the model's own clause is replaced by it (its level
    may be wrong), else the line goes first ("在…下，县科技局坚持…")."""
    if not line:
        return lead
    found = find_lines(lead)
    if found:
        return lead.replace(found[0], line, 1)
    return f"{line}，{lead}"
