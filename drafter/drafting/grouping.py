"""Group a work area's many facts by theme into at most five 一是…五是 items.

A summary lists a work area's measures as 一是…二是…; real ones stop at four or five and
put related measures into one item. Listing sixteen facts as 一是…十是 and then 同时…同时…
reads like a machine wrote it. :func:`group_facts` finds the themes:

* each fact is described by its Chinese character pairs (numbers and slots removed) and
  by the themes it names (drafter/drafting/data/themes.txt: 贷款 and 基金 are both 金融),
  weighted by how rare they are among the area's facts (a word in every fact says nothing);
* groups are merged agglomeratively — the two most alike by average cosine similarity —
  until at most ``max_groups`` remain, and further while the best pair is clearly of one
  theme (``SAME_THEME``). Neighbours in the list are preferred (a bureau
  writes related facts together), big groups are penalised (so one theme does not
  swallow the area), and ties go to the earlier facts: the result is deterministic.

Facts keep their order within a group and groups are ordered by their first fact, so the
text reads in the order the figures file gives. :func:`enumerate_grouped` writes the groups
as 一是A；B。二是C。 — one sentence an item.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from drafter.text.slots import SLOT_RE

MAX_GROUPS = 5
THEMES_PATH = Path(__file__).resolve().parent / "data" / "themes.txt"
THEME_WEIGHT = 6.0  # a shared theme outweighs several shared rare character pairs
NEIGHBOUR_BONUS = 0.06  # added for facts next to each other, less the farther apart
SIZE_PENALTY = 0.25  # × share of all facts the merged group would hold
SAME_THEME = 0.15  # below max_groups, groups this alike (average cosine) still merge
ORDINALS = ("一是", "二是", "三是", "四是", "五是")
_END = "。；，、,;"
_NOISE_RE = re.compile(r"[0-9０-９]+(?:\.[0-9]+)?")

Vector = dict[str, float]


@lru_cache(maxsize=1)
def themes(path: Path = THEMES_PATH) -> dict[str, tuple[str, ...]]:
    """Theme → the words that name it (package data; # comments)."""
    found: dict[str, tuple[str, ...]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        name, _, words = line.partition("\t")
        found[name.strip()] = tuple(w for w in words.split() if w)
    return found


def _features(text: str) -> set[str]:
    """Character pairs and theme tags of a fact; numbers and slots removed."""
    bare = _NOISE_RE.sub(" ", SLOT_RE.sub(" ", text))
    chars = [c if "\u4e00" <= c <= "\u9fff" else " " for c in bare]
    pairs = {a + b for a, b in itertools.pairwise(chars) if " " not in (a, b)}
    tags = {f"#{name}" for name, words in themes().items() if any(w in bare for w in words)}
    return pairs | tags


def _vectors(texts: Sequence[str]) -> list[Vector]:
    """Features weighted by rarity among the texts (idf), tags by THEME_WEIGHT too."""
    feats = [_features(t) for t in texts]
    n = len(texts)
    df: dict[str, int] = {}
    for fs in feats:
        for f in fs:
            df[f] = df.get(f, 0) + 1
    vectors = []
    for fs in feats:
        vec = {}
        for f in fs:
            idf = math.log((n + 1) / df[f])
            vec[f] = idf * (THEME_WEIGHT if f.startswith("#") else 1.0)
        vectors.append(vec)
    return vectors


def _cosine(a: Vector, b: Vector) -> float:
    dot = sum(w * b[f] for f, w in a.items() if f in b)
    if not dot:
        return 0.0
    na = math.sqrt(sum(w * w for w in a.values()))
    nb = math.sqrt(sum(w * w for w in b.values()))
    return dot / (na * nb)


def group_facts(texts: Sequence[str], max_groups: int = MAX_GROUPS) -> list[list[int]]:
    """Indices into ``texts`` grouped by theme: at most ``max_groups`` groups, every index
    exactly once, ascending within a group, groups ordered by their first index."""
    if max_groups < 1:
        raise ValueError("max_groups must be at least 1")
    n = len(texts)
    if n <= max_groups:
        return [[i] for i in range(n)]
    vectors = _vectors(texts)
    sim = [[_cosine(vectors[i], vectors[j]) for j in range(n)] for i in range(n)]
    if not any(sim[i][j] for i in range(n) for j in range(i + 1, n)):
        return even_runs(n, max_groups)  # nothing to compare: the list in even runs
    groups: list[list[int]] = [[i] for i in range(n)]
    while len(groups) > 1:
        best: tuple[float, float, int, int] | None = None
        for x, y in itertools.combinations(range(len(groups)), 2):
            a, b = groups[x], groups[y]
            alike = sum(sim[i][j] for i in a for j in b) / (len(a) * len(b))
            gap = min(abs(i - j) for i in a for j in b)
            score = alike + NEIGHBOUR_BONUS / gap - SIZE_PENALTY * (len(a) + len(b)) / n
            if best is None or score > best[0] + 1e-12:
                best = (score, alike, x, y)
        assert best is not None
        _, alike, x, y = best
        if len(groups) <= max_groups and alike < SAME_THEME:
            break  # few enough, and what is left differs in theme
        groups[x] = sorted(groups[x] + groups[y])
        del groups[y]
    return sorted(groups, key=lambda g: g[0])


def even_runs(n: int, parts: int) -> list[list[int]]:
    """0…n−1 cut into ``parts`` consecutive runs whose sizes differ by at most one."""
    size, extra = divmod(n, parts)
    runs, start = [], 0
    for k in range(parts):
        end = start + size + (1 if k < extra else 0)
        runs.append(list(range(start, end)))
        start = end
    return [r for r in runs if r]


def join_group(items: Sequence[str]) -> str:
    """The facts of one group as one item: "A；B；C" (their own end punctuation dropped)."""
    return "；".join(item.strip().rstrip(_END) for item in items if item.strip().rstrip(_END))


def enumerate_grouped(items: Sequence[str], groups: Sequence[Sequence[int]]) -> str:
    """Groups as 一是A；B。二是C。 — each item one sentence, at most five items."""
    if len(groups) > len(ORDINALS):
        raise ValueError(f"{len(groups)} groups: at most {len(ORDINALS)} items are written")
    if len(groups) == 1:
        return join_group([items[i] for i in groups[0]]) + "。"
    return "".join(
        f"{ORDINALS[k]}{join_group([items[i] for i in group])}。" for k, group in enumerate(groups)
    )
