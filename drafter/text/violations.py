"""Rule violations in model-written text: numbers written outside slots, malformed or
unknown slots, with Chinese messages the model and the reviewer can act on."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from enum import StrEnum

from drafter.text.chars import narrow
from drafter.text.numbers import Form, NumberMention, Script
from drafter.text.scanner import find_numbers
from drafter.text.sentences import (
    CLAUSE_BREAKS,
    clause_around,
    line_of,
    sentence_of,
    sentence_spans,
)
from drafter.text.slots import (
    BARE_SLOT_RE,
    BARE_SLOT_SCAN_RE,
    slot_matches,
    unknown_slots,
)
from drafter.text.structural import DEFAULT_ALLOWLIST, Allowlist, is_structural

_MessageBuilder = Callable[[int, str, str], str]


class ViolationKind(StrEnum):
    DIGITS = "digits"  # Arabic digits outside a slot
    CHINESE_NUMERAL = "chinese_numeral"  # a Chinese-numeral quantity outside a slot
    YEAR = "year"  # a year written out instead of {YEAR}
    DATE = "date"  # a date the model wrote
    SLOT_SYNTAX = "slot_syntax"  # {F1 ｛F1｝ { F1 } F1 {收入} stray braces
    UNKNOWN_SLOT = "unknown_slot"  # a well-formed slot that the section does not provide


@dataclass(frozen=True)
class Violation:
    """A number (or slot problem) in model output; ``message`` is Chinese, for the model
    and for the review report. ``sentence_no`` counts from 1 in :func:`split_sentences`
    order; ``line`` counts from 1."""

    raw: str
    start: int
    end: int
    kind: ViolationKind
    message: str
    sentence: str
    sentence_no: int
    line: int
    mention: NumberMention | None = None

    @property
    def span(self) -> tuple[int, int]:
        return (self.start, self.end)


def _violation(
    text: str,
    spans: Sequence[tuple[int, int]],
    start: int,
    end: int,
    kind: ViolationKind,
    build: _MessageBuilder,
    mention: NumberMention | None = None,
) -> Violation:
    no, sent = sentence_of(spans, start)
    clause = clause_around(text, start, end, sent)
    raw = text[start:end]
    return Violation(
        raw=raw,
        start=start,
        end=end,
        kind=kind,
        message=build(no, clause, raw),
        sentence=text[sent[0] : sent[1]],
        sentence_no=no,
        line=line_of(text, start),
        mention=mention,
    )


def _msg(template: str) -> _MessageBuilder:
    def build(no: int, clause: str, raw: str) -> str:
        return template.format(no=no, clause=clause, raw=raw)

    return build


_M_UNCLOSED = "第{no}句“{clause}”中的“{raw}”槽位缺少右花括号，应写成 {fix} 这样的完整槽位。"
_M_BAD_NAME = "第{no}句“{clause}”中的“{raw}”槽位名不合法，只能使用提供的槽位，如 {{F1}}。"
_M_NOT_CANON = (
    "第{no}句“{clause}”中的“{raw}”槽位格式不规范，应写成 {fix}（半角花括号，括号内不留空格）。"
)
_M_NOT_SLOT = "第{no}句“{clause}”中的“{raw}”不是合法的槽位，只能使用提供的槽位，如 {{F1}}。"
_M_STRAY = "第{no}句“{clause}”中有多余的花括号“{raw}”，槽位必须成对写成 {{F1}} 的形式。"
_M_BARE = "第{no}句“{clause}”中的“{raw}”缺少花括号，应写成 {fix}。"
_M_UNKNOWN = "第{no}句“{clause}”中的槽位“{raw}”不存在，只能使用提供的槽位：{fix}。"
_M_YEAR = "第{no}句“{clause}”中的“{raw}”是模型自写的年份，必须改用槽位 {{YEAR}}。"
_M_DATE = (
    "第{no}句“{clause}”中的“{raw}”是模型自写的日期或文号，不得自行编写，请删去或改用提供的槽位。"
)
_M_DIGITS = "第{no}句“{clause}”中的“{raw}”是模型自写的数字，必须改用槽位，如 {fix}。"
_M_CHINESE = (
    "第{no}句“{clause}”中的“{raw}”是模型自写的数字（汉字数字也算），必须改用槽位，如 {fix}；"
    "如果不是具体数量，请改用不含数字的说法。"
)


def check_slot_syntax(text: str, *, strict: bool = False) -> list[Violation]:
    """Malformed slots: unclosed ``{F1``, invalid names ``{收入}``, stray braces, slot names
    without braces (``F1``). With ``strict``, recoverable forms (``｛F1｝``, ``{ F1 }``,
    ``{{F1}}``, ``{f1}``) are reported too; otherwise :func:`normalize_slots` fixes them."""
    t = narrow(text)
    spans = sentence_spans(text)
    out: list[Violation] = []
    claimed = bytearray(len(t))

    def report(a: int, b: int, template: str, fix: str = "") -> None:
        claimed[a:b] = b"\x01" * (b - a)
        build = _msg(template.replace("{fix}", _esc(fix)))
        out.append(_violation(text, spans, a, b, ViolationKind.SLOT_SYNTAX, build))

    for s in slot_matches(text):
        claimed[s.start : s.end] = b"\x01" * (s.end - s.start)
        if not s.closed:
            report(s.start, s.end, _M_UNCLOSED, "{" + (s.name or "F1") + "}")
        elif not s.name:
            report(s.start, s.end, _M_BAD_NAME)
        elif strict and not s.canonical:
            report(s.start, s.end, _M_NOT_CANON, "{" + s.name + "}")
    for m in re.finditer(r"\{([^{}\n]{0,12})\}", t):
        if not any(claimed[m.start() : m.end()]):
            report(m.start(), m.end(), _M_NOT_SLOT)
    for m in re.finditer(r"[{}]", t):
        if not claimed[m.start()]:
            report(m.start(), m.end(), _M_STRAY)
    for m in BARE_SLOT_SCAN_RE.finditer(t):
        if not any(claimed[m.start() : m.end()]):
            report(m.start(), m.end(), _M_BARE, "{" + m.group() + "}")
    return sorted(out, key=lambda v: v.start)


def _esc(s: str) -> str:
    """Escape braces for str.format."""
    return s.replace("{", "{{").replace("}", "}}")


# --------------------------------------------------------------------------- verbatim data

_CONTEXT_CHARS = 2  # characters either side of a number that must be copied with it
_CONTEXT_STOP = CLAUSE_BREAKS + "{}｛｝"


def copied_verbatim(text: str, start: int, end: int, data_texts: Sequence[str]) -> bool:
    """Whether ``text[start:end]`` (a number) is copied word for word, with the words next
    to it, from one of the user's own texts (a fact, a name, a heading): "连续六年",
    "九项制度", "科技三项费用". Such a number is data and keeps its meaning; it is no
    number the model made up. At least two characters of context are required, taken
    from the number's own clause (up to two on each side)."""
    if not data_texts:
        return False
    a = start
    while a > 0 and start - a < _CONTEXT_CHARS and text[a - 1] not in _CONTEXT_STOP:
        a -= 1
    b = end
    while b < len(text) and b - end < _CONTEXT_CHARS and text[b] not in _CONTEXT_STOP:
        b += 1
    if (start - a) + (b - end) < _CONTEXT_CHARS:
        return False
    window = text[a:b]
    return any(window in data for data in data_texts)


# --------------------------------------------------------------------------- violations


def find_violations(
    text_with_slots: str,
    *,
    known_slots: Collection[str] | None = None,
    strict_slots: bool = False,
    allowlist: Allowlist | None = None,
    example_slot: str = "{F1}",
    data_texts: Sequence[str] = (),
) -> list[Violation]:
    """Numbers the model wrote itself, and slot problems, in order of position.

    Every Arabic digit run outside a slot (years such as "2025年" included: the model must
    write ``{YEAR}``), every Chinese-numeral quantity, year or date; structural words
    (:func:`is_structural`) are not violations. Malformed slots are reported
    (:func:`check_slot_syntax`); with ``known_slots`` so are slots the section does not
    provide. A number copied verbatim, with its neighbouring words, from one of
    ``data_texts`` (the figures file's facts, names and headings) is data, not a
    violation (:func:`copied_verbatim`). Each :class:`Violation` carries a Chinese message such as
    第2句“新增高新技术企业15家”中的“15家”是模型自写的数字，必须改用槽位，如 {F1}。
    """
    text = text_with_slots
    allow = allowlist if allowlist is not None else DEFAULT_ALLOWLIST
    t = narrow(text)
    spans = sentence_spans(text)
    out = check_slot_syntax(text, strict=strict_slots)
    slots = slot_matches(text)
    if known_slots is not None:
        names = sorted(known_slots)
        listing = "、".join("{" + n + "}" for n in names[:12]) + ("等" if len(names) > 12 else "")
        bad = set(unknown_slots(text, known_slots))
        build = _msg(_M_UNKNOWN.replace("{fix}", _esc(listing or "（无）")))
        for s in slots:
            if s.closed and s.name in bad:
                out.append(
                    _violation(text, spans, s.start, s.end, ViolationKind.UNKNOWN_SLOT, build)
                )
    example = _esc(example_slot)
    covered = bytearray(len(t))
    for s in slots:
        covered[s.start : s.end] = b"\x01" * (s.end - s.start)
    templates = {
        ViolationKind.YEAR: _M_YEAR,
        ViolationKind.DATE: _M_DATE,
        ViolationKind.DIGITS: _M_DIGITS.replace("{fix}", example),
        ViolationKind.CHINESE_NUMERAL: _M_CHINESE.replace("{fix}", example),
    }
    for m in find_numbers(text):
        covered[m.start : m.end] = b"\x01" * (m.end - m.start)
        if m.form is Form.CODE and BARE_SLOT_RE.fullmatch(narrow(m.raw)):
            continue  # reported by check_slot_syntax
        if is_structural(m, text, dates_structural=False, allowlist=allow):
            continue
        if copied_verbatim(text, m.start, m.end, data_texts):
            continue
        if m.form is Form.YEAR:
            kind = ViolationKind.YEAR
        elif m.form in (Form.DATE, Form.DOCNO):
            kind = ViolationKind.DATE
        elif m.script is Script.ARABIC:
            kind = ViolationKind.DIGITS
        else:
            kind = ViolationKind.CHINESE_NUMERAL
        out.append(_violation(text, spans, m.start, m.end, kind, _msg(templates[kind]), m))
    # safety net: a digit that no mention covers is still a violation
    for dm in re.finditer("[0-9]+", t):
        if not any(covered[dm.start() : dm.end()]):
            build = _msg(templates[ViolationKind.DIGITS])
            out.append(_violation(text, spans, dm.start(), dm.end(), ViolationKind.DIGITS, build))
    return sorted(out, key=lambda v: (v.start, v.end))


def violations_feedback(violations: Sequence[Violation]) -> str:
    """The messages as a numbered Chinese list, ready to send back to the model."""
    if not violations:
        return ""
    lines = ["上一稿存在以下问题，请逐条改正后重写（数字只能通过槽位给出）："]
    lines += [f"{i}. {v.message}" for i, v in enumerate(violations, 1)]
    return "\n".join(lines)
