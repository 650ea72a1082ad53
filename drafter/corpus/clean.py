"""Turn web copies of work summaries into clean text.

Document-sharing sites wrap a summary in page furniture (buttons, upload metadata, page
thumbnails, preview limits, related links, copyright footers, running headers), insert
junk mid-sentence, and split the text into pages: each page block may start with a
running number "N、"/"N.", or pages are separated by counters ("- 3 -", "第3页", a bare
"3"), often in the middle of a sentence. Everything here removes that noise while leaving
real content, placeholders (XX年, xx县, ***), numbers and punctuation untouched, so a clean
.txt passes through essentially unchanged.

Which lines are furniture is decided from features in :mod:`drafter.corpus.clean_furniture`;
this module runs the pipeline, rejoins sentences split by page breaks, and splits run-in
headings ("二、强化项目管理工作今年以来，我局……") into heading and body.
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
from drafter.text.genre import (
    DATE_LINE_RE,
    KIND_TITLE_RE,
    OPENING_START_RE,
    ORG_LINE_RE,
    TITLE_WORDS_RE,
)
from drafter.text.markers import MARKER_RE as HEADING_MARKER_RE
from drafter.text.sentences import CLOSERS, FULL_STOPS

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

# --- run-in headings ----------------------------------------------------------------
# A body that starts right after a heading's title, without punctuation between them:
# "二、强化科技项目管理工作今年以来，我局……". Time phrases (segment's opening phrases)
# must be followed by a comma; a subject or a leading verb needs a title that ends like one.
_SUBJECT_OPENER_RE = re.compile(
    r"我局|我县|我市|我区|我委|我们|局党组|(?:县|市|区)科技局|全县|全市|全区|全局|"
    r"全年(?:共|累计|新增|完成|力争)|紧紧围绕|围绕|按照|根据|坚持|为进一步"
)
_TITLE_END_RE = re.compile(
    r"(?:工作|建设|管理|服务|发展|水平|能力|体系|机制|环境|成效|成果|质量|效能|效益|活力|动能|"
    r"作用|提升|增强|壮大|提高|突破|凸显|推进|落实|加强|优化|深化|培育|转化|保护|创新|融合|"
    r"情况|进展|实效|显著|明显|普惠|走实|见效|完善|领导|引领|支撑|攻坚|升级|转型|集聚|保障|"
    r"落地|有力|有效|扎实|新高|新台阶|新突破|开展|目标|任务|队伍|基础|合作)$"
)
_TITLE_MIN, _TITLE_MAX_RUN_IN = 4, 40
_FIRST_SENTENCE_RE = re.compile(r"[。；;！？!?]")
_FUNCTION_END = "的之对为在与和及把将向从于以并、，,：:"


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
        parts = _split_run_in(line.text)
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


def _ends_sentence(text: str) -> bool:
    tail = text.rstrip(CLOSERS)
    return bool(tail) and tail[-1] in _FINAL + "；;：:"


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
    if _ends_sentence(prev) or _is_heading_like(prev):
        return False
    return len(prev) >= _CUT_MIN or bool(re.search(f"[{_FINAL}；;，,、]", prev))


def _join_page_breaks(lines: Sequence[_Line], result: CleanResult) -> list[_Line]:
    """Rejoin a sentence that a dropped page counter or furniture line had cut in two."""
    out: list[_Line] = []
    for line in lines:
        prev = _last_content(out)
        if (
            line.after_break
            and line.text
            and prev is not None
            and _cut_mid_sentence(out[prev].text)
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


def _last_content(lines: Sequence[_Line]) -> int | None:
    for j in range(len(lines) - 1, -1, -1):
        if lines[j].text:
            return j
    return None


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
        if markers[i] == 1 or prev is None or _is_heading_like(out[prev].text):
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
        prev = _previous_content(lines, i)
        # the block before may carry its own marker, which is no heading marker here
        cut = int(prev is not None and _cut_mid_sentence(_CHUNK_MARKER_RE.sub("", prev, count=1)))
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


def _previous_content(lines: Sequence[_Line], index: int) -> str | None:
    for j in range(index - 1, -1, -1):
        if lines[j].text:
            return lines[j].text
    return None


# --- run-in headings ----------------------------------------------------------------


def _split_run_in(line: str) -> list[str]:
    """["二、强化科技项目管理工作", "今年以来，我局……"] from a heading run into its body.

    The title must be plausible: 4–40 characters after the marker, no sentence end, not
    ending in a comma or a function word; the body starts at a time phrase followed by a
    comma (今年以来，), or at a subject or leading verb (我局…, 围绕…) after a title that
    ends like a 公文 title (…工作, …建设, …显著).
    """
    m = HEADING_MARKER_RE.match(line)
    if not m or m.start() != 0:
        return [line]
    first_end = _FIRST_SENTENCE_RE.search(line, m.end())
    limit = first_end.start() if first_end else len(line)
    start = m.end()
    while start < limit and line[start] == " ":
        start += 1
    for pos in range(start + _TITLE_MIN, min(limit, start + _TITLE_MAX_RUN_IN + 1)):
        title = line[start:pos]
        if title[-1] in _FUNCTION_END or " " in title:
            continue
        if _opens_body(line, pos, title):
            return _heading_and_body(line, pos)
    kind = KIND_TITLE_RE.match(line[start:limit])  # "三、2025年工作打算2025年是……"
    if m.group("l1") and kind and re.match(r"[\u4e00-\u9fff\d]", line[start + kind.end() :]):
        return _heading_and_body(line, start + kind.end())
    return [line]


def _heading_and_body(line: str, pos: int) -> list[str]:
    """The split, if what follows the title reads as a body: 20+ characters with punctuation."""
    body = line[pos:]
    if len(body) < 20 or not re.search("[，,。；;]", body):
        return [line]
    return [line[:pos].rstrip(), body]


def _opens_body(line: str, pos: int, title: str) -> bool:
    rest = line[pos:]
    opening = OPENING_START_RE.match(rest)  # anchored with "^": match the slice
    if opening:
        end = opening.end()
        if rest[end - 1] in "，," or rest[end : end + 1] in ("，", ","):
            return True
    return bool(_SUBJECT_OPENER_RE.match(line, pos)) and bool(_TITLE_END_RE.search(title))
