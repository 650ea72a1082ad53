"""Pairing the sections of two summaries, at whatever level each writes its work areas.

One writer puts the year's work areas under 一、主要工作 as （一）…（六）, another makes
them 一、…六、 with their own （一）（二）; a plan may be a numbered 三、 or an unnumbered
part line. Sections are therefore paired as tree nodes with the text of their whole
subtree: for each kind (opening, achievements, problems, plan, closing) each document's
*area level* is the depth whose node count best matches the other document's, and the
nodes at that level (plus shallower leaves) are paired one to one by heading, text and
position; a node left over then joins the counterpart it resembles most (many-to-one).
Same kind is required: plan pairs with plan and problems with problems whatever their
titles say.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from drafter.compare.documents import CompareDoc, Part
from drafter.figures.matching import bigrams, dice
from drafter.text.markers import strip_marker

ALIGN_THRESHOLD = 0.2  # one-to-one pairs of work areas
JOIN_THRESHOLD = 0.3  # a left-over area joining an already paired counterpart
NESTED_JOIN_THRESHOLD = 0.15  # the same, inside two sections already paired
_PART_KINDS = ("opening", "problems", "plan", "closing")  # same kind is strong evidence
_W_HEAD, _W_TEXT, _W_PLACE = 0.4, 0.5, 0.1


@functools.lru_cache(maxsize=256)
def core_text(text: str) -> str:
    """Characters that carry content: NFKC, no whitespace or punctuation.

    Cached: topic checks ask for the same whole document and part texts many times."""
    text = unicodedata.normalize("NFKC", text)
    return "".join(c for c in text if not c.isspace() and unicodedata.category(c)[0] != "P")


def masked(core: str) -> str:
    return re.sub(r"\d+(?:\.\d+)?", "#", core)


def heading_similarity(a: str, b: str) -> float:
    """Dice of two headings without their numbering and years."""
    ca = masked(core_text(strip_marker(a))).replace("#年", "")
    cb = masked(core_text(strip_marker(b))).replace("#年", "")
    if not ca and not cb:
        return 1.0
    return dice(ca, cb)


def tfidf(texts: Sequence[str]) -> list[dict[str, float]]:
    counts = [Counter(bigrams(masked(core_text(t)))) for t in texts]
    df: Counter[str] = Counter()
    for c in counts:
        df.update(c.keys())
    n = len(texts)
    vectors: list[dict[str, float]] = []
    for c in counts:
        vec = {g: tf * (math.log((n + 1) / (df[g] + 1)) + 1) for g, tf in c.items()}
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        vectors.append({g: v / norm for g, v in vec.items()})
    return vectors


def cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(v * b.get(g, 0.0) for g, v in a.items())


@dataclass
class PartPair:
    this: Part | None
    last: Part | None
    similarity: float = 0.0  # text (TF-IDF cosine over character bigrams, digits masked)
    heading_similarity: float = 0.0
    score: float = 0.0  # what the pairing used: heading, text and position combined
    reused: int = 0
    missing_topics: list[str] = field(default_factory=list)
    new_topics: list[str] = field(default_factory=list)

    @property
    def kind(self) -> str:
        part = self.this or self.last
        return part.kind if part is not None else ""


def area_nodes(doc_nodes: Sequence[Part], depth: int) -> list[Part]:
    """The nodes at ``depth``, plus shallower nodes without children (they are areas too)."""
    parents = {n.parent for n in doc_nodes}
    return [n for n in doc_nodes if n.depth == depth or (n.depth < depth and n.id not in parents)]


def _area_depths(this: Sequence[Part], last: Sequence[Part]) -> tuple[int, int]:
    """Depths whose node counts match best (ties: more nodes, then shallower)."""
    ct = Counter(n.depth for n in this)
    cl = Counter(n.depth for n in last)
    best: tuple[float, int, int, int, int] | None = None
    for dt, nt in ct.items():
        for dl, nl in cl.items():
            key = (abs(math.log(nt / nl)), -min(nt, nl), dt + dl, dt, dl)
            if best is None or key < best:
                best = key
    assert best is not None
    return best[3], best[4]


def align(this: CompareDoc, last: CompareDoc) -> list[PartPair]:
    """Pairs of sections (tree nodes) of the same kind; unpaired areas of either side."""
    vectors = tfidf([n.text for n in [*this.nodes, *last.nodes]])
    vec = {id(n): v for n, v in zip([*this.nodes, *last.nodes], vectors, strict=True)}
    order_t = {n.id: i / max(len(this.nodes), 1) for i, n in enumerate(this.nodes)}
    order_l = {n.id: i / max(len(last.nodes), 1) for i, n in enumerate(last.nodes)}
    by_kind_t: dict[str, list[Part]] = defaultdict(list)
    by_kind_l: dict[str, list[Part]] = defaultdict(list)
    for n in this.nodes:
        by_kind_t[n.kind].append(n)
    for n in last.nodes:
        by_kind_l[n.kind].append(n)

    def pair(a: Part, b: Part) -> PartPair:
        head = heading_similarity(a.heading, b.heading)
        text = cosine(vec[id(a)], vec[id(b)])
        place = 1 - abs(order_t[a.id] - order_l[b.id])
        score = _W_HEAD * head + _W_TEXT * text + _W_PLACE * place
        return PartPair(a, b, round(text, 3), round(head, 3), round(score, 3))

    paired: list[PartPair] = []
    unpaired_t: list[Part] = []
    unpaired_l: list[Part] = []
    for kind in [*dict.fromkeys([*by_kind_t, *by_kind_l])]:
        nodes_t, nodes_l = by_kind_t.get(kind, []), by_kind_l.get(kind, [])
        if not nodes_t or not nodes_l:
            unpaired_t += [n for n in nodes_t if n.depth == 0]
            unpaired_l += [n for n in nodes_l if n.depth == 0]
            continue
        kind_pairs, left_t, left_l = _pair_level(kind, nodes_t, nodes_l, pair, nested=False)
        paired += kind_pairs
        unpaired_t += left_t
        unpaired_l += left_l
    place_t = {n.id: i for i, n in enumerate(this.nodes)}
    place_l = {n.id: i for i, n in enumerate(last.nodes)}
    out = sorted(
        [*paired, *(PartPair(n, None) for n in unpaired_t)],
        key=lambda p: (place_t[p.this.id] if p.this else 0, place_l[p.last.id] if p.last else 0),
    )
    out += [PartPair(None, n) for n in sorted(unpaired_l, key=lambda n: place_l[n.id])]
    return out


def _subtree(nodes: Sequence[Part], root: Part) -> list[Part]:
    """The descendants of ``root`` among ``nodes`` (in order)."""
    inside = {root.id}
    out: list[Part] = []
    for n in nodes:
        if n.parent in inside:
            inside.add(n.id)
            out.append(n)
    return out


def _pair_level(
    kind: str,
    nodes_t: Sequence[Part],
    nodes_l: Sequence[Part],
    make: Callable[[Part, Part], PartPair],
    *,
    nested: bool,
) -> tuple[list[PartPair], list[Part], list[Part]]:
    """Pairs at the area level of these nodes; a one-to-one pair whose two sides both
    have sub-sections is replaced by the pairs of those sub-sections (recursively)."""
    dt, dl = _area_depths(nodes_t, nodes_l)
    areas_t, areas_l = area_nodes(nodes_t, dt), area_nodes(nodes_l, dl)
    pairs, left_t, left_l = _pair_areas(kind, areas_t, areas_l, make, nested=nested)
    one_t = Counter(p.this.id for p in pairs if p.this is not None)
    one_l = Counter(p.last.id for p in pairs if p.last is not None)
    out: list[PartPair] = []
    for p in pairs:
        assert p.this is not None and p.last is not None
        sub_t, sub_l = _subtree(nodes_t, p.this), _subtree(nodes_l, p.last)
        if sub_t and sub_l and one_t[p.this.id] == 1 and one_l[p.last.id] == 1:
            inner, more_t, more_l = _pair_level(kind, sub_t, sub_l, make, nested=True)
            out += inner
            left_t += more_t
            left_l += more_l
        else:
            out.append(p)
    return out, left_t, left_l


def _pair_areas(
    kind: str,
    areas_t: Sequence[Part],
    areas_l: Sequence[Part],
    make: Callable[[Part, Part], PartPair],
    *,
    nested: bool = False,
) -> tuple[list[PartPair], list[Part], list[Part]]:
    """One-to-one greedy pairs, then left-overs joining their best counterpart (inside
    two paired sections, ``nested``, a left-over joins more readily)."""
    candidates: list[PartPair] = [make(a, b) for a in areas_t for b in areas_l]
    threshold = 0.0 if kind in _PART_KINDS else ALIGN_THRESHOLD
    candidates.sort(key=lambda p: -p.score)
    used_t: set[str] = set()
    used_l: set[str] = set()
    chosen: list[PartPair] = []
    for p in candidates:
        assert p.this is not None and p.last is not None
        if p.score < threshold or p.this.id in used_t or p.last.id in used_l:
            continue
        chosen.append(p)
        used_t.add(p.this.id)
        used_l.add(p.last.id)
    join = 0.0 if kind in _PART_KINDS else NESTED_JOIN_THRESHOLD if nested else JOIN_THRESHOLD
    left_t: list[Part] = []
    left_l: list[Part] = []
    for side, areas, used in (("this", areas_t, used_t), ("last", areas_l, used_l)):
        for node in areas:
            if node.id in used:
                continue
            options = [
                p
                for p in candidates
                if p.score >= join
                and p.this is not None
                and p.last is not None
                and (
                    (p.this is node and p.last.id in used_l)
                    or (p.last is node and p.this.id in used_t)
                )
            ]
            if options:
                chosen.append(max(options, key=lambda p: p.score))
            else:
                (left_t if side == "this" else left_l).append(node)
    return chosen, left_t, left_l
