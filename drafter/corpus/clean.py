"""Turn web copies of work summaries into clean text.

Document-sharing sites wrap a summary in page furniture (buttons, upload metadata, page
thumbnails, preview limits, related links, copyright footers, running headers), insert
junk mid-sentence, and split the text into pages: each page block may start with a
running number "N、"/"N.", or pages are separated by counters ("- 3 -", "第3页", a bare
"3"), often in the middle of a sentence. Everything here removes that noise while leaving
real content, placeholders (XX年, xx县, ***), numbers and punctuation untouched, so a clean
.txt passes through essentially unchanged.

Which lines are furniture is decided from features in :mod:`drafter.corpus.clean_furniture`;
where a heading ends (a heading run into its paragraph, "二、强化项目管理工作今年以来，我局……",
or cut by a page break, "（三）强化" | "企业主体地位……") in :mod:`drafter.corpus.clean_runin`.
This module runs the pipeline, rejoins sentences and headings split by page breaks, and
splits run-in headings into heading and body.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from drafter.corpus.clean_furniture import (
    RepeatCount,
    furniture_lines,
    line_keys,
)
from drafter.corpus.clean_runin import continues_heading, opens_body, split_run_in
from drafter.text.genre import DATE_LINE_RE, ORG_LINE_RE, TITLE_WORDS_RE
from drafter.text.markers import MARKER_RE as HEADING_MARKER_RE
from drafter.text.sentences import FULL_STOPS, ends_sentence

__all__ = ["CleanResult", "clean_document", "clean_text"]

# Sentence-final punctuation: a block ending with one of these ended its sentence.
_FINAL = FULL_STOPS + "…"

_ZERO_WIDTH_RE = re.compile("[\u200b-\u200f\u2060\ufeff\u00ad]")
_SPACE_RE = re.compile("[\t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000 ]+")

# --- inline junk: removed wherever it appears, with the spaces around it -------------
_INLINE_JUNK = [
    re.compile(r"\s*(?:当前|以下)?隐藏内容(?:免费|付费)?(?:查看|阅读)\s*"),
    re.compile(
        r"\s*…*\s*此处隐藏[:：]?\s*\d+\s*字[^\n]{0,40}?(?:下载|查看)[^\n。]{0,20}[。.]?\s*…*\s*"
    ),
    re.compile(r"[（(]此处已添加[^()（）\n]{0,30}[)）]"),
    re.compile(r"\s*(?:点击|免费)?(?:查看|阅读)(?:余下|剩余)全文\s*"),
    # "下面是小编为大家整理的……，供大家参考。"
    re.compile(
        r"(?:下面|以下|本文)(?:是|为)?(?:小编|本站|编者)[^。！!\n]{0,120}?"
        r"(?:参考|阅读|借鉴|学习|收藏|帮助)[^。！!\n]{0,20}[。！!]?"
    ),
    re.compile(r"(?:^|(?<=\n))\s*(?:仅)?供大家(?:参考|阅读|借鉴)(?:学习)?[。！!]?\s*(?=\n|$)"),
]

# A tail marker opens site chrome that runs to the end (related links, footers).
_TAIL_MARKER_RE = re.compile(
    r"^(?:展开阅读全文|展开全文|相关资源|猜你喜欢|相关搜索|相关推荐|热门推荐|为你推荐|"
    r"相关文档|相关阅读|热门文档|最新文档|推荐访问|本文关键词)(?P<rest>.*)$"
)
# These only ever close a page; the other tail markers may also head a sidebar.
_END_MARKERS = ("展开阅读全文", "展开全文", "推荐访问")
_TIPS_RE = re.compile(r"^温馨提示[:：]?$")
_TIP_LINE_RE = re.compile(
    r"^\d{1,2}\s*[.．、]\s*.*(?:下载|文档|版权|客服|预览|本站|投诉|付费|网络)"
)


# A block that a sharing site started with its running page number "N、" / "N.".
_CHUNK_MARKER_RE = re.compile(r"^(?P<n>\d{1,3})(?:、|[.．](?!\d))")
# A page block is long; a real numbered heading line is short.
_CHUNK_MIN_PREV = 80
# A block cut mid-sentence is at least this long (a heading is shorter, or marker-led).
_CUT_MIN = 20
_BARE_NUMBER_RE = re.compile(r"^\d{1,3}$")
# Words only, no punctuation, digits or spaces: a fragment, not a table row or a counter.
_WORDS_ONLY_RE = re.compile("^[\u4e00-\u9fff]+$")


@dataclass
class CleanResult:
    """The clean text and what cleaning took away."""

    text: str
    dropped: list[str] = field(default_factory=list)  # furniture lines, in input order
    dropped_at: list[int] = field(default_factory=list)  # their input line numbers (0-based)
    joined_at: list[int] = field(default_factory=list)  # input lines appended to the one before
    split_at: list[int] = field(default_factory=list)  # input lines split as run-in headings
    line_keys: list[str] = field(default_factory=list)  # see clean_furniture.line_keys


@dataclass
class _Line:
    index: int  # input line number of the line's first part
    text: str
    after_break: bool = False  # a dropped page counter or furniture line came right before


def clean_text(text: str) -> str:
    """Remove page furniture and chunk markers; keep every word of the summary itself."""
    return clean_document(text).text


def clean_document(text: str, *, repeat_count: RepeatCount | None = None) -> CleanResult:
    """Clean one document and report the dropped lines.

    ``repeat_count(key)`` tells how many other stored documents contain a line with that
    :func:`~drafter.corpus.clean_furniture.line_key`; without it repetition across documents is
    not used.
    """
    raw = [_normalize_line(line) for line in _normalize_newlines(text).split("\n")]
    result = CleanResult(text="", line_keys=line_keys(raw))
    stripped = _remove_inline_junk(raw)
    for i, (before, after) in enumerate(zip(raw, stripped, strict=True)):
        if before and not after:
            result.dropped.append(before)
            result.dropped_at.append(i)
    lines = [_Line(i, t) for i, t in enumerate(stripped)]
    lines, site_copy = _drop_furniture(lines, result, repeat_count)
    lines = _drop_adjacent_duplicates(lines, result)
    lines = _collapse_blank_lines(lines)
    lines = _join_page_breaks(lines, result)
    lines = _join_chunk_markers(lines, result, site_copy=site_copy)
    lines = _drop_adjacent_duplicates(lines, result)  # a title shown again in "1、" block
    lines = _collapse_blank_lines(lines)
    out: list[str] = []
    for line in lines:
        parts = split_run_in(line.text)
        if len(parts) > 1:
            result.split_at.append(line.index)
        out.extend(parts)
    result.text = "\n".join(out).strip()
    order = sorted(range(len(result.dropped_at)), key=lambda k: result.dropped_at[k])
    result.dropped = [result.dropped[k] for k in order]
    result.dropped_at = [result.dropped_at[k] for k in order]
    result.joined_at.sort()
    return result


# --- normalisation -------------------------------------------------------------------


def _normalize_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n")


def _normalize_line(line: str) -> str:
    """Zero-width characters go; any run of odd spaces becomes one space; ends trimmed."""
    line = _ZERO_WIDTH_RE.sub("", line)
    return _SPACE_RE.sub(" ", line).strip()


def _remove_inline_junk(lines: Iterable[str]) -> list[str]:
    out = []
    for line in lines:
        for pattern in _INLINE_JUNK:
            line = pattern.sub("", line)
        out.append(line.strip())
    return out


# --- furniture lines -----------------------------------------------------------------


def _is_tail_marker(line: str) -> bool:
    m = _TAIL_MARKER_RE.match(line)
    if not m:
        return False
    rest = m.group("rest").strip()
    return not rest or rest[0] in ":：" or len(line) <= 20


def _bare_page_numbers(lines: Sequence[_Line]) -> set[int]:
    """Positions of bare numbers that count pages: a +1 sequence of at least two, with
    text between them (numbers in a table's cells stand together)."""
    found = [
        (pos, int(line.text)) for pos, line in enumerate(lines) if _BARE_NUMBER_RE.match(line.text)
    ]
    values: dict[int, list[int]] = {}
    for pos, n in found:
        values.setdefault(n, []).append(pos)
    keep: set[int] = set()
    for pos, n in found:
        neighbours = values.get(n - 1, []) + values.get(n + 1, [])
        if any(_text_between(lines, pos, other) for other in neighbours):
            keep.add(pos)
    return keep


def _text_between(lines: Sequence[_Line], a: int, b: int) -> bool:
    lo, hi = sorted((a, b))
    return any(len(line.text) >= _CUT_MIN for line in lines[lo + 1 : hi])


def _drop_furniture(
    lines: Sequence[_Line], result: CleanResult, repeat_count: RepeatCount | None
) -> tuple[list[_Line], bool]:
    """Drop furniture lines, tip lists and tail chrome; report whether any was found.

    Tail chrome (after 展开阅读全文, 相关资源, 推荐访问…) is dropped up to the end, unless
    the document's own running page blocks resume after it (the next "N、" block). A
    marker with more text after it than before is a sidebar: only its line goes. A kept
    line right after a dropped one is marked: a page may have broken there.
    """
    texts = [line.text for line in lines]
    scored = furniture_lines(texts, repeat_count=repeat_count)
    pages = _bare_page_numbers(lines)
    out: list[_Line] = []
    found = False
    in_tail = False
    in_tips = False
    pending_break = False
    next_marker = 1
    total = sum(len(t) for t in texts)
    seen = 0

    def drop(line: _Line) -> None:
        nonlocal pending_break
        result.dropped.append(line.text)
        result.dropped_at.append(line.index)
        pending_break = True

    for pos, line in enumerate(lines):
        text = line.text
        seen += len(text)
        if not text:
            out.append(line)
            continue
        marker = _CHUNK_MARKER_RE.match(text)
        if in_tail:
            if marker and int(marker.group("n")) == next_marker and len(text) >= _CHUNK_MIN_PREV:
                in_tail = False
            else:
                drop(line)
                continue
        if in_tips and _TIP_LINE_RE.match(text):
            drop(line)
            continue
        in_tips = False
        if _is_tail_marker(text):
            in_tail = text.startswith(_END_MARKERS) or total - seen <= seen - len(text)
            found = True
            drop(line)
            continue
        if _TIPS_RE.match(text):
            in_tips = found = True
            drop(line)
            continue
        if pos in scored or pos in pages:
            found = True
            drop(line)
            continue
        if marker and int(marker.group("n")) == next_marker:
            next_marker += 1
        out.append(_Line(line.index, text, after_break=pending_break))
        pending_break = False
    return out, found


def _drop_adjacent_duplicates(lines: Sequence[_Line], result: CleanResult) -> list[_Line]:
    """A short line repeated right after itself (a page title shown twice) is kept once."""
    out: list[_Line] = []
    last = ""
    for line in lines:
        if line.text and line.text == last and len(line.text) <= 80:
            result.dropped.append(line.text)
            result.dropped_at.append(line.index)
            continue
        if line.text:
            last = line.text
        out.append(line)
    return out


def _collapse_blank_lines(lines: Sequence[_Line]) -> list[_Line]:
    out: list[_Line] = []
    for line in lines:
        if not line.text and (not out or not out[-1].text):
            continue
        out.append(line)
    while out and not out[-1].text:
        out.pop()
    return out


# --- page breaks ---------------------------------------------------------------------


def _is_heading_like(text: str) -> bool:
    """A heading, title, organ or date line: a page break after it never cuts a sentence."""
    if ORG_LINE_RE.match(text) or DATE_LINE_RE.match(text):
        return True
    if HEADING_MARKER_RE.match(text) and not re.search(f"[{_FINAL}]", text):
        return True
    return (
        len(text) <= 60
        and bool(TITLE_WORDS_RE.search(text))
        and not re.search(f"[{_FINAL}，,]", text)
    )


def _cut_mid_sentence(prev: str) -> bool:
    """The block ends inside a sentence: no final punctuation, and it is no heading (a
    short line counts as text only when it has punctuation inside)."""
    if ends_sentence(prev) or _is_heading_like(prev):
        return False
    return len(prev) >= _CUT_MIN or bool(re.search(f"[{_FINAL}；;，,、]", prev))


def _break_cuts(before: str | None, prev: str, nxt: str) -> bool:
    """A page break between ``prev`` and ``nxt`` cut a sentence or a heading in two.

    Besides a block that stops mid-sentence: a heading the next block continues
    ("（三）强化" | "企业主体地位……", see :func:`continues_heading`), and the short first
    words of a paragraph right under a heading ("（四）…支撑" / "支持龙头企业联" | "合高校……"):
    a paragraph is never a few words without punctuation.
    """
    if _cut_mid_sentence(prev):
        return True
    if _is_heading_like(prev):
        return continues_heading(prev, nxt)
    return (
        before is not None
        and bool(HEADING_MARKER_RE.match(before))
        and _is_heading_like(before)
        and bool(_WORDS_ONLY_RE.match(prev))
        and opens_body(prev)
        and bool(_WORDS_ONLY_RE.match(nxt[:1]))
        and not _is_heading_like(nxt)
    )


def _join_page_breaks(lines: Sequence[_Line], result: CleanResult) -> list[_Line]:
    """Rejoin a sentence that a dropped page counter or furniture line had cut in two."""
    out: list[_Line] = []
    for line in lines:
        prev = _last_content(out)
        if (
            line.after_break
            and line.text
            and prev is not None
            and _break_cuts(_content_text(out, prev), out[prev].text, line.text)
            and not HEADING_MARKER_RE.match(line.text)
            and not _CHUNK_MARKER_RE.match(line.text)
            and not _is_heading_like(line.text)
        ):
            del out[prev + 1 :]
            out[prev] = _Line(out[prev].index, out[prev].text + line.text, out[prev].after_break)
            result.joined_at.append(line.index)
            continue
        out.append(line)
    return out


def _last_content(lines: Sequence[_Line], end: int | None = None) -> int | None:
    """Position of the last non-blank line before ``end`` (default: of all)."""
    for j in reversed(range(len(lines) if end is None else end)):
        if lines[j].text:
            return j
    return None


def _content_text(lines: Sequence[_Line], end: int) -> str | None:
    """Text of the last non-blank line before position ``end``."""
    j = _last_content(lines, end)
    return None if j is None else lines[j].text


# --- chunk markers ------------------------------------------------------------------


def _join_chunk_markers(
    lines: Sequence[_Line], result: CleanResult, *, site_copy: bool
) -> list[_Line]:
    """Remove the sites' running "N、" page numbers and rejoin the split sentences."""
    markers = _chunk_marker_lines(lines, site_copy=site_copy)
    if not markers:
        return list(lines)
    out: list[_Line] = []
    for i, line in enumerate(lines):
        if i not in markers:
            out.append(line)
            continue
        body = _CHUNK_MARKER_RE.sub("", line.text, count=1).lstrip()
        prev = _last_content(out)
        if (
            markers[i] == 1
            or prev is None
            or (_is_heading_like(out[prev].text) and not continues_heading(out[prev].text, body))
        ):
            out.append(_Line(line.index, body))
            continue
        del out[prev + 1 :]  # the blank line the site put before its page block
        out[prev] = _Line(out[prev].index, out[prev].text + body, out[prev].after_break)
        result.joined_at.append(line.index)
    return out


def _chunk_marker_lines(lines: Sequence[_Line], *, site_copy: bool) -> dict[int, int]:
    """Index → number of the lines that carry a site's running page number.

    Candidates are lines starting with "N、"/"N."; a site's markers count up by one across
    the document, and most of them follow a block cut off mid-sentence. The chain of
    candidates with the most such cuts wins; it must have cuts at half of its breaks (a
    real list "1、…。2、…。" has none). A lone "1、" counts only in a copy from a sharing
    site where it opens the text with a long block.
    """
    candidates: list[tuple[int, int, int]] = []  # (index, number, cut before it)
    styles: list[str] = []  # a site numbers its blocks in one style: "N、" or "N."
    for i, line in enumerate(lines):
        m = _CHUNK_MARKER_RE.match(line.text)
        if not m:
            continue
        styles.append("、" if m.group(0).endswith("、") else ".")
        at = _last_content(lines, i)
        # the block before may carry its own marker, which is no heading marker here
        cut = int(
            at is not None
            and _break_cuts(
                _content_text(lines, at),
                _CHUNK_MARKER_RE.sub("", lines[at].text, count=1),
                _CHUNK_MARKER_RE.sub("", line.text, count=1).lstrip(),
            )
        )
        candidates.append((i, int(m.group("n")), cut))
    if not candidates:
        return {}
    best: list[tuple[int, list[int]]] = []  # per candidate: (cuts, chain of candidate positions)
    for k, (_, n, cut) in enumerate(candidates):
        chain: tuple[int, list[int]] = (cut, [k])
        for j in range(k):
            if candidates[j][1] == n - 1 and styles[j] == styles[k]:
                cuts, prev_chain = best[j]
                if (cuts + cut, len(prev_chain) + 1) > (chain[0], len(chain[1])):
                    chain = (cuts + cut, [*prev_chain, k])
        best.append(chain)
    cuts, chosen = max(best, key=lambda c: (c[0], len(c[1])))
    members = [candidates[k] for k in chosen]
    if len(members) == 1:
        index, number, cut = members[0]
        if number >= 2 and cut:
            return {index: number}
        first_content = next(i for i, line in enumerate(lines) if line.text)
        alone = (
            site_copy
            and number == 1
            and index == first_content
            and len(lines[index].text) >= _CHUNK_MIN_PREV
        )
        return {index: number} if alone else {}
    breaks = sum(1 for _, number, _ in members if number != 1) or 1
    if cuts == 0 or cuts * 2 < breaks:
        return {}
    return {index: number for index, number, _ in members}
