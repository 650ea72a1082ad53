"""Turn web copies of work summaries into clean text.

Document-sharing sites (doc88, wenku, 道客巴巴, 原创力, 天天文库, 秘书网, …) wrap a
summary in page furniture (buttons, upload metadata, page thumbnails, preview limits,
related links, copyright footers), insert junk mid-sentence, and split the text into
page-sized blocks that each start with a running number "N、". Everything here removes
that noise while leaving real content, placeholders (XX年, xx县, ***), numbers and
punctuation untouched, so a clean .txt passes through essentially unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

__all__ = ["clean_text"]

# Sentence-final punctuation: a block ending with one of these ended its sentence.
_FINAL = "。！？!?…"

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

# --- whole lines that are page furniture --------------------------------------------
_BUTTON = (
    r"收藏|分享|[(（]赏[)）]|赏|下载|相关|举报|打印|评论|点赞|纠错|复制|全屏|关注|投诉|"
    r"上一页|下一页|上一篇|下一篇|返回顶部|回到顶部|返回首页|返回列表|首页|尾页|"
    r"阅读全文|加入收藏|分享到|微信|微博|QQ空间|QQ|立即下载|免费下载|下载文档|文档下载|"
    r"开通VIP|加入VIP|VIP|在线阅读|举报文档|收藏本文|分享本文|\d+\s*人已下载|"
    r"\d+\s*(?:次)?(?:浏览|下载|阅读)"
)
_BUTTON_BAR_RE = re.compile(rf"^(?:(?:{_BUTTON})[\s|/·•,，、:：\-]*)+$")

_META_KEYS = (
    r"上传人|上传者|上传用户|文档编号|上传时间|发布时间|更新时间|发布日期|ID|文件大小|大小|"
    r"页数|时间|文档格式|格式|浏览次数|浏览|下载次数|阅读量|阅读|贡献者|所属分类|分类|"
    r"积分|价格|星级|评分|字数"
)
_META_KEY_RE = re.compile(rf"(?:{_META_KEYS})\s*[:：]")
_META_LINE_RE = re.compile(rf"^(?P<key>{_META_KEYS})\s*[:：]\s*(?P<value>[^。，,]{{0,40}})$")
# Keys whose value may be Chinese text (an uploader name, a category).
_META_FREE_KEYS = {"上传人", "上传者", "上传用户", "文档编号", "贡献者", "所属分类", "分类"}

_LINE_PATTERNS = [
    # "XXX.docx_第3页", "2018年上半年工作总结_第1页": page thumbnails' alt text
    re.compile(r"^.{0,150}_第\s*\d+\s*页$"),
    # "第1页 / 共10页", "共10页", "— 1 —", "1/10"
    re.compile(r"^第\s*\d+\s*页\s*(?:[/／,，]?\s*共\s*\d+\s*页)?$"),
    re.compile(r"^(?:本?文档)?共\s*\d+\s*页.{0,20}$"),
    re.compile(r"^(?:上传于|发布于|更新于)\s*\d{4}\s*[-/.年].{0,30}$"),
    re.compile(r"^[-—–－]\s*\d{1,3}\s*[-—–－]$"),
    re.compile(r"^\d{1,3}\s*/\s*\d{1,3}$"),
    # "亲,该文档总共10页,到这儿已超出免费预览范围,如果喜欢就下载吧!"
    re.compile(r"^亲[,，!！~]\s*.{0,60}(?:文档|预览|下载)"),
    re.compile(r"^资源描述[:：]?$"),
    # bare file names
    re.compile(r"^[^\s。，,]{1,120}\.(?:docx?|pdf|wps|txt|pptx?|xlsx?|rtf)$", re.IGNORECASE),
    # editor / source lines
    re.compile(
        r"^(?:责任编辑|编辑|责编|来源|文章来源|稿源|作者|审核|校对|供稿|出处)\s*[:：][^。]{0,50}$"
    ),
    # navigation with a target title
    re.compile(r"^(?:上一篇|下一篇|上一页|下一页|上一章|下一章)\s*[:：].{0,80}$"),
    # breadcrumbs
    re.compile(r"^(?:当前位置|您的位置|你的位置|您现在的位置|位置)\s*[:：].{0,120}$"),
    re.compile(r"^首页\s*[>›»].{0,120}$"),
    # site names alone on a line
    re.compile(r"^(?:道客巴巴|原创力文档|百度文库|天天文库|人人文库|豆丁网|秘书网|\S{0,6}文库)$"),
]

# Lines that are furniture when they contain one of these (and are not long prose).
_FURNITURE_PHRASES = [
    (re.compile(r"由(?:会员|用户|网友)\S{0,12}?(?:上传|分享)|免费在线阅读|更多相关内容在"), 200),
    (re.compile(r"本文档由用户上传|下载收益归作者所有|版权归属用户|负责整理代发布"), 200),
    (
        re.compile(
            r"最多(?:可)?预览|预览(?:已)?结束|超出免费预览|免费预览|下载文档查看全文|"
            r"还剩\s*\d+\s*页未读|继续阅读|阅读已结束|试读(?:已)?结束|下载后查看|"
            r"点击下载|立即下载|全文下载|付费下载|开通VIP|VIP会员|下载可任意编辑|可任意编辑|"
            r"本文格式为|文档可自由编辑"
        ),
        80,
    ),
    (
        re.compile(
            r"copyright|©|powered\s+by|ICP备|ICP证|经营许可证|增值电信业务|公网安备|网安备|"
            r"all\s+rights\s+reserved|^版权所有|网站?版权所有|版权所有\s*[:：©]",
            re.IGNORECASE,
        ),
        200,
    ),
]

# SEO title lines: "2022年度区科技局年度工作总结及年工作思路【完整版】", "…（通用5篇）"
_SEO_TAG_RE = re.compile(
    r"【(?:完整版|精选|范文|通用|最新|优选|热门|推荐|范本|模板|精品|原创|word版|可编辑|"
    r"免费|必备|汇总|大全|合集|全文|荐|优质|经典|实用|\d+篇)[^】]{0,6}】"
    r"|[（(](?:通用|精选|优选|最新|热门|推荐|完整版|范文|汇总)?\s*\d+\s*篇[)）]",
    re.IGNORECASE,
)

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

# A block that a sharing site started with its running page number "N、".
_CHUNK_MARKER_RE = re.compile(r"^(?P<n>\d{1,3})、")
# A page block is long; a real numbered heading line is short.
_CHUNK_MIN_PREV = 80


def clean_text(text: str) -> str:
    """Remove page furniture and chunk markers; keep every word of the summary itself."""
    lines = [_normalize_line(line) for line in _normalize_newlines(text).split("\n")]
    lines = _remove_inline_junk(lines)
    lines, site_copy = _drop_furniture(lines)
    lines = _drop_adjacent_duplicates(lines)
    lines = _collapse_blank_lines(lines)
    lines = _join_chunk_markers(lines, site_copy=site_copy)
    return "\n".join(lines).strip()


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


def _is_furniture_line(line: str) -> bool:
    """True when a whole line is site furniture (never called on blank lines)."""
    if _BUTTON_BAR_RE.match(line) or _is_metadata_line(line) or _is_seo_title(line):
        return True
    if any(p.match(line) for p in _LINE_PATTERNS):
        return True
    return any(p.search(line) and len(line) <= limit for p, limit in _FURNITURE_PHRASES)


def _is_metadata_line(line: str) -> bool:
    """Upload metadata: several "key:" fields on one line, or one short "key: value"."""
    if len(line) <= 200 and "。" not in line and len(_META_KEY_RE.findall(line)) >= 2:
        return True
    m = _META_LINE_RE.match(line)
    if not m:
        return False
    value = m.group("value")
    return m.group("key") in _META_FREE_KEYS or bool(re.search(r"\d", value)) or value.isascii()


def _is_seo_title(line: str) -> bool:
    return len(line) <= 100 and "。" not in line[:-1] and bool(_SEO_TAG_RE.search(line))


def _is_tail_marker(line: str) -> bool:
    m = _TAIL_MARKER_RE.match(line)
    if not m:
        return False
    rest = m.group("rest").strip()
    return not rest or rest[0] in ":：" or len(line) <= 20


def _drop_furniture(lines: Sequence[str]) -> tuple[list[str], bool]:
    """Drop furniture lines, tip lists and tail chrome; report whether any was found.

    Tail chrome (after 展开阅读全文, 相关资源, 推荐访问…) is dropped up to the end, unless
    the document's own running page blocks resume after it (the next "N、" block). A
    marker with more text after it than before is a sidebar: only its line goes.
    """
    out: list[str] = []
    found = False
    in_tail = False
    in_tips = False
    next_marker = 1
    total = sum(len(line) for line in lines)
    seen = 0
    for line in lines:
        seen += len(line)
        if not line:
            out.append(line)
            continue
        marker = _CHUNK_MARKER_RE.match(line)
        if in_tail:
            if marker and int(marker.group("n")) == next_marker and len(line) >= _CHUNK_MIN_PREV:
                in_tail = False
            else:
                continue
        if in_tips and _TIP_LINE_RE.match(line):
            continue
        in_tips = False
        if _is_tail_marker(line):
            in_tail = line.startswith(_END_MARKERS) or total - seen <= seen - len(line)
            found = True
            continue
        if _TIPS_RE.match(line):
            in_tips = found = True
            continue
        if _is_furniture_line(line):
            found = True
            continue
        if marker and int(marker.group("n")) == next_marker:
            next_marker += 1
        out.append(line)
    return out, found


def _drop_adjacent_duplicates(lines: Sequence[str]) -> list[str]:
    """A short line repeated right after itself (a page title shown twice) is kept once."""
    out: list[str] = []
    last = ""
    for line in lines:
        if line and line == last and len(line) <= 80:
            continue
        if line:
            last = line
        out.append(line)
    return out


def _collapse_blank_lines(lines: Sequence[str]) -> list[str]:
    out: list[str] = []
    for line in lines:
        if not line and (not out or not out[-1]):
            continue
        out.append(line)
    while out and not out[-1]:
        out.pop()
    return out


# --- chunk markers ------------------------------------------------------------------


def _join_chunk_markers(lines: Sequence[str], *, site_copy: bool) -> list[str]:
    """Remove the sites' running "N、" page numbers and rejoin the split sentences."""
    markers = _chunk_marker_lines(lines, site_copy=site_copy)
    if not markers:
        return list(lines)
    out: list[str] = []
    for i, line in enumerate(lines):
        if i not in markers:
            out.append(line)
            continue
        body = _CHUNK_MARKER_RE.sub("", line, count=1)
        if markers[i] == 1 or not any(out):
            out.append(body)
            continue
        while out and not out[-1]:
            out.pop()  # the blank line the site put before its page block
        out[-1] = out[-1] + body
    return out


def _chunk_marker_lines(lines: Sequence[str], *, site_copy: bool) -> dict[int, int]:
    """Index → number of the lines that carry a site's running page number.

    The candidates are lines starting with 1、, 2、, 3、… in order across the document.
    They are page breaks, not list headings, when the text before most of them is a
    long block cut off mid-sentence. A lone "1、" counts only in a copy from a sharing site
    where it opens the text.
    """
    found: dict[int, int] = {}
    expected = 1
    for i, line in enumerate(lines):
        m = _CHUNK_MARKER_RE.match(line)
        if m and int(m.group("n")) == expected:
            found[i] = expected
            expected += 1
    if not found:
        return {}
    if len(found) == 1:
        (index,) = found
        first_content = next(i for i, line in enumerate(lines) if line)
        alone = site_copy and index == first_content and len(lines[index]) >= _CHUNK_MIN_PREV
        return found if alone else {}
    cut_mid_sentence = 0
    for i, number in found.items():
        if number == 1:
            continue
        prev = _previous_content(lines, i)
        if len(prev) >= _CHUNK_MIN_PREV and prev[-1] not in _FINAL:
            cut_mid_sentence += 1
    return found if cut_mid_sentence * 2 >= len(found) - 1 else {}


def _previous_content(lines: Sequence[str], index: int) -> str:
    for j in range(index - 1, -1, -1):
        if lines[j]:
            return lines[j]
    return ""
