"""House style of the genre: repeated sentence frames, vague filler claims."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from functools import lru_cache
from importlib import resources

from drafter.lint.base import HOUSE, Finding, LintDoc, Severity, finding, rule
from drafter.text.markers import strip_marker
from drafter.text.sentences import sentence_spans
from drafter.text.slots import SLOT_RE
from drafter.text.structural import is_structural

R_FRAME = rule(
    "style.repeated-frame", HOUSE, "句式重复", "同一句式重复三次以上", severity=Severity.WARNING
)
R_FILLER = rule(
    "style.filler",
    HOUSE,
    "空泛表述",
    "无数据支撑的空泛表述",
    severity=Severity.WARNING,
    scope="document",
)

FRAME_CHARS = 6  # the opening that makes a frame
FRAME_REPEATS = 3
_LEADS = re.compile(r"^(?:[一二三四五六七八九十]+是|首先|其次|再次|最后|同时|此外|另外)[，,]?")
_CLAUSE_END = re.compile(r"[，。；：！？,;:!?、\n]|$")
_SLOT = SLOT_RE  # drafter.text.slots: the one slot grammar
_HEADING_LINE = re.compile(
    r"^[ \t\u3000]*(?:#{1,6}[ \t]+)?(?:[一二三四五六七八九十]{1,3}、|[（(][一二三四五六七八九十\d]{1,3}[)）]|\d{1,2}[.．、](?!\d))"
)


@lru_cache(maxsize=1)
def filler_phrases() -> tuple[str, ...]:
    """The mined list (drafter/lint/data/filler.txt, made by scripts/mine_filler.py)."""
    raw = resources.files("drafter.lint").joinpath("data/filler.txt").read_text(encoding="utf-8")
    phrases = [
        ln.split("\t")[0].strip() for ln in raw.splitlines() if ln and not ln.startswith("#")
    ]
    return tuple(sorted({p for p in phrases if p}, key=len, reverse=True))


def _frame(sentence: str) -> str | None:
    body = _LEADS.sub("", strip_marker(sentence.strip()))
    head = re.split(r"[，。；：！？,;:!?、“”《》（）()\s]", body, maxsplit=1)[0]
    head = re.sub(r"[0-9]+", "0", head)
    if len(head) < FRAME_CHARS or _SLOT.search(head[:FRAME_CHARS]):
        return None
    return head[:FRAME_CHARS]


def check_frames(doc: LintDoc) -> Iterator[Finding]:
    seen: dict[str, list[int]] = defaultdict(list)
    for a, b in sentence_spans(doc.text):
        key = _frame(doc.text[a:b])
        if key is None:
            continue
        seen[key].append(a)
        starts = seen[key]
        if len(starts) >= FRAME_REPEATS:
            lines = "、".join(str(doc.position(s)[0]) for s in starts[:-1])
            yield finding(
                doc,
                R_FRAME,
                a,
                a + FRAME_CHARS,
                f"句式“{key}……”已是第{len(starts)}次出现（前见第{lines}行），请变换句式。",
            )


def _has_figures(doc: LintDoc, a: int, b: int) -> bool:
    if _SLOT.search(doc.text, a, b):
        return True
    return any(a <= n.start < b and not is_structural(n, doc.text) for n in doc.numbers)


def check_filler(doc: LintDoc) -> Iterator[Finding]:
    phrases = filler_phrases()
    if not phrases:
        return
    pattern = re.compile("|".join(re.escape(p) for p in phrases))
    for offset, line in doc.lines:
        if _HEADING_LINE.match(line) or not line.strip():
            continue
        hits = [m for m in pattern.finditer(line) if _CLAUSE_END.match(line, m.end())]
        if not hits or _has_figures(doc, offset, offset + len(line)):
            continue
        for m in hits:
            yield finding(
                doc,
                R_FILLER,
                offset + m.start(),
                offset + m.end(),
                f"“{m.group()}”是空泛表述，本段没有数据支撑，请用具体数字或事实说明。",
            )


def check_style(doc: LintDoc) -> Iterator[Finding]:
    yield from check_frames(doc)
    yield from check_filler(doc)
