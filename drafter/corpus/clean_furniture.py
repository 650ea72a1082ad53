"""Decide, line by line, which lines of a web copy are page furniture.

A document-sharing site surrounds a summary with its own lines: buttons, upload metadata,
page counters, app banners, related links, copyright footers, running headers. No list of
sites can name them all, so each line is scored from features a reader would use:

* **strong shapes** that never occur in a 公文 body (page counters "第3页/共10页", file
  names, "_第N页" thumbnails, ICP numbers, breadcrumbs, editor lines, SEO title tags) —
  each alone is enough;
* **weak evidence**, summed: site-interface vocabulary (下载, 举报, 上传, APP, 浏览…), a
  metadata "key：value" shape, no sentence punctuation on a short line, no Chinese at all,
  a web address, a machine timestamp, a place outside the body (before its first or after
  its last prose line), the same short line elsewhere in this document (a running header),
  and the same line (digits masked) in other documents of the store;
* **protection**, subtracted: a 公文 heading marker, an issuing-organ or date line, a
  title line, 附件/抄送 lines, and long prose with sentence punctuation.

The threshold is conservative: UI vocabulary alone never drops a sentence of prose.
Heading-marker and organ/date rules are reused from :mod:`drafter.corpus.segment`.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from drafter.text.genre import DATE_LINE_RE, ORG_LINE_RE, TITLE_WORDS_RE
from drafter.text.markers import MARKER_RE as HEADING_MARKER_RE

__all__ = [
    "THRESHOLD",
    "furniture_lines",
    "is_page_number_line",
    "line_key",
    "line_keys",
    "score_line",
]

#: A line whose score reaches this is furniture.
THRESHOLD = 4.0
_STRONG = 6.0

_FINAL = "。！？!?…"
_SENTENCE_PUNCT_RE = re.compile(r"[。；;！？!?，,]")
_CJK_RE = re.compile("[\u4e00-\u9fff]")

# Site-interface vocabulary. Strong words rarely occur in a summary's prose, weak ones do
# ("相关部门", "发布政策") and only add up with other evidence.
_UI_STRONG = re.compile(
    r"下载|举报|上传|收藏|APP|App|app|客户端|VIP|vip|会员|登录|注册|扫码|二维码|点赞|文库|"
    r"下载券|侵权|客服|ICP|备案号|©|copyright|Copyright|版权|资源描述|文档格式|页数|"
    r"浏览量|阅读量|阅读全文|全文阅读|展开全文|本站|本网|站长|网友投稿|免责声明|公众号|"
    r"人已读|人已下载|人收藏|次阅读|次浏览|次下载"
)
_UI_WEAK = re.compile(
    r"阅读|格式|大小|浏览|预览|分享|关注|评论|打印|全文|文档|积分|付费|免费|原创|投诉|首页|"
    r"相关|推荐|热门|搜索|标签|上一篇|下一篇|上一页|下一页|顶部|返回|在线|网友|用户|作者|发布|"
    r"更新|来源|编辑|范文|字号|查看|已读|"
    r"赏|分类|DOCX|DOC|PDF|docx|doc|pdf|KB|MB|字数"
)
# "上传时间：2023-04-15", "大小: 36.5KB", "作者：g***t": a short key, a colon, a value.
_META_PAIR_RE = re.compile(r"(?:^|\s)[^\s：:，,。；;]{1,6}\s*[：:]\s*[^\s：:]{1,40}")
_META_LINE_RE = re.compile(r"^[^\s：:，,。；;]{1,6}\s*[：:]\s*(?P<value>.{1,40})$")
_URL_RE = re.compile(r"https?://|www\.|\.(?:com|cn|net|org)\b", re.IGNORECASE)
_TIMESTAMP_RE = re.compile(r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}:\d{2}")
_SITE_NAME_RE = re.compile(
    r"^\S{1,10}(?:文库|文档网?|资料网?|资料站|范文网|秘书网|网|站|文摘|之家)(?:\s+[A-Za-z.]+)?$"
)
# Rating stars, separators and counters: "★★★★☆ 4.6分 · 9页 · 2.3万人已读"
_SYMBOL_RE = re.compile(r"[★☆●○◆◇■□▲△▼▽|｜·•]")
_DOC_PART_RE = re.compile(r"^(?:附件|抄送|主送|联系人|联系电话|印发)\s*[：:]?")

# Page counters: "第3页", "第 3 页 共 12 页", "- 2 -", "— 2 —", "3/12", a bare "7".
_PAGE_NUMBER_RES = [
    re.compile(r"^第\s*\d{1,4}\s*页\s*(?:[/／,，]?\s*共\s*\d{1,4}\s*页)?$"),
    re.compile(r"^[-—–－]+\s*\d{1,4}\s*[-—–－]+$"),
    re.compile(r"^\d{1,4}\s*[/／]\s*\d{1,4}$"),
    re.compile(r"^(?:page|Page|PAGE)\s*\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?$"),
]
_BARE_NUMBER_RE = re.compile(r"^\d{1,3}$")

_STRONG_RES = [
    re.compile(r"^.{0,150}_第\s*\d+\s*页$"),  # thumbnails' alt text "XXX.docx_第3页"
    re.compile(r"^(?:本?文档)?共\s*\d+\s*页.{0,20}$"),
    re.compile(r"^(?:上传于|发布于|更新于)\s*\d{4}\s*[-/.年].{0,30}$"),
    re.compile(r"^亲[,，!！~]\s*.{0,60}(?:文档|预览|下载)"),
    re.compile(r"^[^\s。，,]{1,120}\.(?:docx?|pdf|wps|txt|pptx?|xlsx?|rtf)$", re.IGNORECASE),
    re.compile(
        r"^(?:责任编辑|编辑|责编|来源|文章来源|稿源|作者|审核|校对|供稿|出处)\s*[:：][^。]{0,50}$"
    ),
    re.compile(r"^(?:上一篇|下一篇|上一页|下一页|上一章|下一章)\s*[:：].{0,80}$"),
    re.compile(r"^(?:您|你)?(?:当前|现在)?的?(?:所在)?位置\s*[:：].{0,120}$"),
    re.compile(r"^首页\s*[>›»].{0,120}$"),
    re.compile(r"^(?:[^>›»。，,]{1,20}\s*[>›»]\s*){2,}[^>›»。，,]{1,20}$"),  # breadcrumb
    re.compile(
        r"ICP备|ICP证|公网安备|增值电信业务|经营许可证|all\s+rights\s+reserved|powered\s+by",
        re.IGNORECASE,
    ),
    # "下载收益归作者所有", "还剩5页未读", "本文格式为Word版，下载可任意编辑"
    re.compile(
        r"由(?:会员|用户|网友)\S{0,12}?(?:上传|分享)|免费在线阅读|下载收益|版权归属|代发布|"
        r"最多(?:可)?预览|预览(?:已)?结束|免费预览|(?:还剩|剩余)\s*\d+\s*页|阅读已结束|试读|下载后查看|"
        r"可任意编辑|本文格式为|文档可自由编辑|^版权所有|网站?版权所有|版权所有\s*[:：©]"
    ),
    re.compile(
        r"^.{0,40}(?:下载文档查看全文|继续阅读|点击下载|立即下载|付费下载|开通VIP|下载本文|"
        r"全文下载|查看全文|剩余全文)[^。]{0,40}$"
    ),
    # SEO title tags: "…工作总结【完整版】", "…（通用5篇）"
    re.compile(
        r"【(?:完整版|精选|范文|通用|最新|优选|热门|推荐|范本|模板|精品|原创|word版|可编辑|"
        r"免费|必备|汇总|大全|合集|全文|荐|优质|经典|实用|\d+篇)[^】]{0,6}】"
        r"|[（(](?:通用|精选|优选|最新|热门|推荐|完整版|范文|汇总)?\s*\d+\s*篇[)）]",
        re.IGNORECASE,
    ),
]
_STRONG_MAX_LEN = 200  # strong shapes only judge lines this short

#: How many other documents contain a line (by :func:`line_key`); None when unknown.
RepeatCount = Callable[[str], int]


@dataclass(frozen=True)
class LineContext:
    """What the scorer knows about a line beyond its text."""

    at_edge: bool = False  # before the first or after the last prose line
    in_head: bool = False  # before the first prose line (where a title stands)
    near_furniture: bool = False  # the line before or after it is furniture
    repeats_here: int = 1  # occurrences of this exact line in the document
    later_repeat: bool = False  # the same line occurred earlier in the document
    other_documents: int = 0  # stored documents that contain it (digits masked)


def line_key(line: str) -> str:
    """A short hash of a line with spaces removed and every digit run masked."""
    normal = re.sub(r"\d+", "#", re.sub(r"\s+", "", line))
    return hashlib.sha256(normal.encode("utf-8")).hexdigest()[:12]


def line_keys(lines: Sequence[str], *, max_len: int = 80) -> list[str]:
    """Keys of the distinct short non-prose lines: what the store keeps per document."""
    keys = {line_key(line) for line in lines if line and _is_short_candidate(line, max_len)}
    return sorted(keys)


def _is_short_candidate(line: str, max_len: int = 80) -> bool:
    return len(line) <= max_len and not (len(line) >= 40 and "。" in line)


def is_page_number_line(line: str) -> bool:
    """A page counter alone on its line (a bare number is judged by the caller)."""
    return any(p.match(line) for p in _PAGE_NUMBER_RES)


def _ui_weight(line: str) -> float:
    strong = set(_UI_STRONG.findall(line))
    weak = set(_UI_WEAK.findall(line)) - strong
    return min(3.0, 2.0 * len(strong) + 1.0 * len(weak))  # never a verdict alone


def _meta_weight(line: str) -> float:
    pairs = len(_META_PAIR_RE.findall(line))
    if pairs >= 2 and "。" not in line:
        return 3.0
    m = _META_LINE_RE.match(line)
    if not m or _SENTENCE_PUNCT_RE.search(m.group("value")):
        return 0.0
    value = m.group("value")
    return 2.0 if re.search(r"[\dA-Za-z*]", value) else 1.0


def score_line(line: str, ctx: LineContext = LineContext()) -> float:
    """Furniture score of one non-blank line; furniture when ≥ :data:`THRESHOLD`."""
    if is_page_number_line(line):
        return _STRONG
    if len(line) <= _STRONG_MAX_LEN and any(p.search(line) for p in _STRONG_RES):
        return _STRONG
    score = _ui_weight(line) + _meta_weight(line)
    short = len(line) <= 40
    no_punct = not _SENTENCE_PUNCT_RE.search(line)
    if short and not re.search(f"[{_FINAL}；;]$", line):
        score += 1.0  # a short line that is no finished sentence
    if short and not _CJK_RE.search(line) and not re.fullmatch(r"[\d\s.,，。、]+", line):
        score += 2.0  # (a bare number is judged as a page counter, by the cleaner)
    if _URL_RE.search(line):
        score += 3.0
    if _TIMESTAMP_RE.search(line):
        score += 1.0
    if short and no_punct and _SITE_NAME_RE.match(line):
        score += 1.0
    if short and len(_SYMBOL_RE.findall(line)) >= 2:
        score += 1.0
    if ctx.at_edge:
        score += 1.0
    if ctx.near_furniture:
        score += 1.0
    if _is_short_candidate(line) and no_punct:
        # a running header: the same line on every page
        # (the first of them in the head may be the title that the header repeats)
        counted = ctx.later_repeat or not ctx.in_head
        if ctx.repeats_here >= 3 and counted:
            score += 4.0
        elif ctx.repeats_here == 2 and counted:
            score += 2.0
        if ctx.later_repeat:
            score += 3.0
        # the same line (digits masked) in other stored documents: a site's template
        if ctx.other_documents >= 2:
            score += 2.0
        elif ctx.other_documents == 1:
            score += 1.0
    score -= _protection(line, in_head=ctx.in_head)
    return score


def _protection(line: str, *, in_head: bool) -> float:
    """How much a line looks like part of the summary itself."""
    guard = 0.0
    if HEADING_MARKER_RE.match(line):
        guard += 3.0
    if ORG_LINE_RE.match(line) or DATE_LINE_RE.match(line):
        guard += 3.0
    if _DOC_PART_RE.match(line):
        guard += 3.0
    if in_head and len(line) <= 60 and TITLE_WORDS_RE.search(line) and not re.search("[:：]", line):
        guard += 3.0  # the document's title
    if re.search(f"[{_FINAL}；;]$", line) and (len(line) >= 15 or re.search("[，,]", line)):
        guard += 1.0  # a finished sentence
    if re.search(f"[{_FINAL}；;]", line):
        if len(line) > 120:
            guard += 5.0
        elif len(line) >= 60:
            guard += 3.0
    return guard


def _is_prose(line: str) -> bool:
    return len(line) >= 30 and bool(re.search(f"[{_FINAL}]", line))


def furniture_lines(
    lines: Sequence[str], *, repeat_count: RepeatCount | None = None
) -> dict[int, float]:
    """Index → score of the lines judged furniture (blank lines are never judged)."""
    prose = [
        i
        for i, line in enumerate(lines)
        if line and _is_prose(line) and score_line(line) < THRESHOLD
    ]
    first, last = (prose[0], prose[-1]) if prose else (len(lines), -1)
    counts = Counter(line for line in lines if line)
    seen: set[str] = set()
    previous = ""
    contexts: dict[int, LineContext] = {}
    first_pass: dict[int, float] = {}
    for i, line in enumerate(lines):
        if not line:
            continue
        ctx = LineContext(
            at_edge=i < first or i > last,
            in_head=i < first,
            repeats_here=counts[line],
            later_repeat=line in seen and line != previous,
            other_documents=repeat_count(line_key(line)) if repeat_count else 0,
        )
        seen.add(line)
        previous = line
        contexts[i] = ctx
        first_pass[i] = score_line(line, ctx)
    # Furniture comes in blocks: a line next to furniture is a little more suspect (two
    # rounds, so the lines of one block can lean on each other).
    order = sorted(first_pass)
    scores = dict(first_pass)
    for _ in range(2):
        updated = dict(scores)
        for k, i in enumerate(order):
            neighbours = [order[k - 1]] if k else []
            neighbours += [order[k + 1]] if k + 1 < len(order) else []
            if any(scores[j] >= THRESHOLD for j in neighbours):
                updated[i] = score_line(lines[i], replace(contexts[i], near_furniture=True))
        scores = updated
    return {i: score for i, score in scores.items() if score >= THRESHOLD}
