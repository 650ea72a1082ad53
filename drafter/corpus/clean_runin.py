"""Headings that ran into their paragraph, and headings a page break cut short.

Web copies lose the line break after a heading ("二、强化科技项目管理工作今年以来，我局……",
"（二）加强项目管理组织申报省级项目46项，……") and sites break pages anywhere, also right
after a heading or inside one ("（三）强化" | "企业主体地位坚持……"). Both are decided from
the genre's structure in :mod:`drafter.text.titles`: a split point is scored by the shape
of the title before it (action title, result title, two-part title; its last word) and by
how the text after it opens (time phrase, subject, framing verb, manner adverb, action
verb). The rules are conservative: a one-line list item that is a complete sentence
("1.组织申报项目46项。"), a noun phrase that is the subject of its sentence ("1、全县科技工作
紧紧围绕……") and a title inside a preposition frame ("组织专家对申报项目进行评审") stay whole.
"""

from __future__ import annotations

import re

from drafter.text.genre import CJK, KIND_TITLE_RE, OPENING_START_RE
from drafter.text.markers import MARKER_RE, NOT_A_TITLE_RE
from drafter.text.sentences import CLOSERS, ends_sentence
from drafter.text.titles import (
    ACTION_VERB_RE,
    CLAUSE_OPENER_RE,
    FUNCTION_END,
    HEAD_NOUN_RE,
    MANNER_ADVERB_RE,
    OPEN_FRAME_RE,
    RESULT_ADVERBS,
    RESULT_END_RE,
    RESULT_IDIOM_RE,
    SCOPE_SUBJECT_RE,
    SUBJECT_OPENER_RE,
    TITLE_VERB_RE,
    WEAK_HEAD_RE,
)

__all__ = ["continues_heading", "opens_body", "run_in_split", "split_run_in"]

_TITLE_MIN, _TITLE_MAX = 4, 28  # characters after the marker; each half of "A，B" 4+
_BODY_MIN = 20  # a body is a paragraph: 20+ characters with punctuation
_FIRST_CLAUSE_MIN = 6  # "持续优化。" after "孵化载体服务" ends a title, it opens no body
_SCORE_MIN = 3
_TIMED = 10  # a time phrase with its comma ("今年以来，") opens a body whatever the title
_SHORT_TAIL = 8  # "持续优化。": the rest of a title sentence cut by a page break

_SENTENCE_END_RE = re.compile(r"[。；;！？!?]")
_CLAUSE_END_RE = re.compile(r"[，,。；;！？!?]")
_COMMA_RE = re.compile(r"[，,]")
_BODY_START_RE = re.compile(rf"[{CJK}\d]")
_NOT_A_BODY_START = "的地得了着过和与及等之而并或比"
_PREPOSITIONS = tuple("与同向对在为给")
_FIGURE_RE = re.compile(r"\d(?!\d*年)")  # a figure, not a year
_RESULT_HEAD_RE = re.compile(rf"(?:{RESULT_ADVERBS})[{CJK}]{{2}}")


def split_run_in(line: str) -> list[str]:
    """["二、强化科技项目管理工作", "今年以来，我局……"] from a heading run into its body."""
    pos = run_in_split(line)
    return [line] if pos is None else [line[:pos].rstrip(), line[pos:]]


def run_in_split(line: str) -> int | None:
    """Where the body starts in a marker-led line whose heading ran into it, or None.

    Every point 4–28 characters after the marker and before the first sentence end is
    scored; the best one wins (the later on a tie: "机关自身建设全面加强|深入开展"). A level-1
    part title ("三、2025年工作打算2025年是……") is split after the part's name.
    """
    m = MARKER_RE.match(line)
    if not m or NOT_A_TITLE_RE.match(line, m.end()):
        return None
    start = m.end()
    while start < len(line) and line[start] == " ":
        start += 1
    first_end = _SENTENCE_END_RE.search(line, start)
    limit = first_end.start() if first_end else len(line)
    best: tuple[int, int] | None = None
    for pos in range(start + _TITLE_MIN, min(limit, start + _TITLE_MAX + 1)):
        score = _split_score(line, pos, line[start:pos])
        if score is None or not _reads_as_body(line[pos:], timed=score >= _TIMED):
            continue
        if best is None or score >= best[0]:
            best = (score, pos)
    if best is not None:
        return best[1]
    kind = KIND_TITLE_RE.match(line[start:limit])  # "三、2025年工作打算2025年是……"
    if m.group("l1") and kind and re.match(rf"[{CJK}\d]", line[start + kind.end() :]):
        pos = start + kind.end()
        return pos if _reads_as_body(line[pos:], timed=True) else None
    return None


def _split_score(line: str, pos: int, title: str) -> int | None:
    """How well "title | line[pos:]" reads as a heading and the opening of its paragraph."""
    rest = line[pos:]
    if title[-1] in FUNCTION_END or " " in title or not _BODY_START_RE.match(rest):
        return None
    if rest[0] in _NOT_A_BODY_START:
        return None
    opening = OPENING_START_RE.match(rest)  # 今年以来，
    if opening and (
        rest[opening.end() - 1] in "，," or rest[opening.end() : opening.end() + 1] in ("，", ",")
    ):
        return _TIMED
    halves = _COMMA_RE.split(title)
    if len(halves) > 2 or any(len(half) < _TITLE_MIN for half in halves):
        return None
    if SCOPE_SUBJECT_RE.match(title) or OPEN_FRAME_RE.search(title, 2):
        return None  # "全县科技工作…" is a subject; "…对申报项目" needs its verb
    if _FIGURE_RE.search(title):
        return None  # a title carries no figures ("全年新增企业12家，…" is a sentence)
    last = halves[-1]
    end = _title_end_score(title, last)
    if not (TITLE_VERB_RE.match(halves[0]) or end == 3 or len(halves) == 2):
        # a bare noun phrase before a verb is the sentence's subject; before another
        # subject it is a title ("（一）主要目标全县……")
        return end + 2 if end >= 2 and SUBJECT_OPENER_RE.match(rest) else None
    body = _opener_score(rest, last, after_result=end == 3)
    if body == 0 and not (end == 3 and len(halves) == 2):
        return None  # a noun-led body only after a two-part title ending in its result
    score = end + body
    return score if score >= _SCORE_MIN else None


def _title_end_score(title: str, last: str) -> int:
    """3 for a result ending ("…持续增强", "…成效明显"), 2 for a head noun ("…管理"), 1 for
    a nominalised verb ("…转化"), else 0."""
    if RESULT_IDIOM_RE.search(title) or (
        not TITLE_VERB_RE.match(last) and RESULT_END_RE.search(last)
    ):
        return 3
    if HEAD_NOUN_RE.search(last):
        return 2
    return 1 if WEAK_HEAD_RE.search(last) else 0


def opens_body(text: str) -> bool:
    """The text opens like a paragraph's first sentence (subject, framing verb, manner
    adverb or action verb) and does not end like a title."""
    return _opener_score(text, "", after_result=True) > 0 and _title_end_score(text, text) == 0


def _opener_score(rest: str, last: str, *, after_result: bool) -> int:
    """2 for a subject, framing verb or manner adverb, 1 for an action verb, else 0."""
    if SUBJECT_OPENER_RE.match(rest) or CLAUSE_OPENER_RE.match(rest):
        return 2
    if MANNER_ADVERB_RE.match(rest):
        # "机关自身建设|全面加强": after a noun phrase the adverb ends a result title
        if not after_result and not TITLE_VERB_RE.match(last) and _RESULT_HEAD_RE.match(rest):
            return 0
        return 2
    verb = ACTION_VERB_RE.match(rest)
    if verb and rest[verb.end() : verb.end() + 1] in _PREPOSITIONS:
        return 2  # "深化与高校合作": a verb taking a prepositional phrase opens a predicate
    return 1 if verb else 0


def _reads_as_body(body: str, *, timed: bool) -> bool:
    """A paragraph: 20+ characters with punctuation; unless opened by a time phrase, its
    first clause has 6+ characters and it has more than one clause (a one-sentence list
    item "组织申报省级项目46项。" is no body)."""
    if len(body) < _BODY_MIN or not _CLAUSE_END_RE.search(body):
        return False
    if timed:
        return True
    ends = [m.start() for m in _CLAUSE_END_RE.finditer(body.rstrip(CLOSERS))]
    return ends[0] >= _FIRST_CLAUSE_MIN and any(e < len(body.rstrip(CLOSERS)) - 1 for e in ends)


def continues_heading(prev: str, nxt: str) -> bool:
    """A page break fell right after a marker-led block with no sentence end: does the next
    block continue its heading ("（三）强化" | "企业主体地位坚持……", "2.组织专家对申" |
    "报项目进行评审，……", "3. 孵化载体服务" | "持续优化。……")?

    Joined, the two read as a run-in heading split later than the break, or the heading
    was too short, stopped on a function word or inside a preposition frame, or the next
    block's first sentence is the short predicate that completes a result title. A
    complete heading ("（三）加快平台建设" | "坚持……") keeps its line.
    """
    m = MARKER_RE.match(prev)
    if not m or not nxt or MARKER_RE.match(nxt) or not _BODY_START_RE.match(nxt):
        return False
    if not prev.rstrip(CLOSERS) or ends_sentence(prev):
        return False
    title = prev[m.end() :].strip()
    pos = run_in_split(prev + nxt)
    if pos is not None:
        return pos != len(prev)
    if KIND_TITLE_RE.fullmatch(title):
        return False
    if len(title) < _TITLE_MIN or title[-1] in FUNCTION_END or OPEN_FRAME_RE.search(title, 2):
        return True
    first = _SENTENCE_END_RE.search(nxt)
    if first is None:
        # the rest of the heading itself: it starts with the end of a cut word
        # ("（五）深化产学研合" | "作，科技成果转化加快推进"), or the heading stopped
        # early in its second half ("（五）深化产学研合作，科技成" | "果转化加快推进")
        whole = title + nxt
        comma = _COMMA_RE.search(nxt)
        word_end = comma is not None and comma.start() <= 2
        short_half = len(_COMMA_RE.split(title)[-1]) < _TITLE_MIN
        return (
            len(whole) <= _TITLE_MAX
            and len(_COMMA_RE.split(whole)) <= 2
            and (word_end or short_half)
        )
    if first.start() > _SHORT_TAIL or _COMMA_RE.search(nxt, 0, first.start()):
        return False
    whole = title + nxt[: first.start()]
    return bool(RESULT_END_RE.search(whole) or RESULT_IDIOM_RE.search(whole))
