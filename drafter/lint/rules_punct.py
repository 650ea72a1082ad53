"""Punctuation (GB/T 15834-2011) in Chinese running text."""

from __future__ import annotations

import re
from collections.abc import Iterator

from drafter.lint.base import GB_PUNCT, Finding, LintDoc, finding, is_cjk, rule

R_HALFWIDTH = rule("punct.halfwidth", GB_PUNCT, "5.1", "中文中用了半角标点")
R_DOUBLED = rule("punct.doubled", GB_PUNCT, "4.1–4.7", "标点重复")
R_CONFLICT = rule("punct.conflict", GB_PUNCT, "4.1–4.7", "标点连用冲突")
R_ELLIPSIS_ETC = rule("punct.ellipsis-etc", GB_PUNCT, "4.11.3", "省略号与“等”连用")
R_ELLIPSIS_FORM = rule("punct.ellipsis-form", GB_PUNCT, "4.11.2", "省略号写法不规范")
R_UNPAIRED = rule("punct.unpaired", GB_PUNCT, "4.8、4.9、4.15", "引号或括号不成对")
R_DUNHAO_QUOTED = rule("punct.dunhao-quoted", GB_PUNCT, "4.5.3.5", "引号、书名号间多了顿号")

_HALF_TO_FULL = {
    ",": "，",
    ";": "；",
    ":": "：",
    "?": "？",
    "!": "！",
    "(": "（",
    ")": "）",
    ".": "。",
}
_NAMES = {
    ",": "逗号",
    ";": "分号",
    ":": "冒号",
    "?": "问号",
    "!": "叹号",
    "(": "括号",
    ")": "括号",
    ".": "句号",
    '"': "引号",
}
_CN_PUNCT = "，。、；：？！”’）》」』】…"
_POINT_MARKS = "。，、；：？！"
_ALLOWED_PAIRS = {"？！", "！？"}
_OPENERS = {
    "“": "”",
    "‘": "’",
    "《": "》",
    "（": "）",
    "(": "）",
    "「": "」",
    "『": "』",
    "【": "】",
    "〈": "〉",
}
_CLOSERS = {
    "”": "“",
    "’": "‘",
    "》": "《",
    "）": "（",
    ")": "（",
    "」": "「",
    "』": "『",
    "】": "【",
    "〉": "〈",
}
_ELLIPSIS_ETC_RE = re.compile(r"(…+|\.{3,}|。{3,})(?=等)|(?<=等)(…+|\.{3,}|。{3,})")
_ELLIPSIS_FORM_RE = re.compile(r"(?<!…)…(?!…)|(?<!…)…{3,}|\.{3,}|。{3,}")
_DUNHAO_RE = re.compile(r"(?<=[”》])、(?=[“《])")
_MARKER_PAREN = re.compile(
    r"^[ \t\u3000]*(?:#{1,6}[ \t]+)?[(（]?(?:\d{1,2}|[一二三四五六七八九十]{1,3})[)）]"
)


def _neighbour(text: str, i: int, step: int) -> str:
    j = i + step
    while 0 <= j < len(text) and text[j] in " \t":
        j += step
    return text[j] if 0 <= j < len(text) else ""


def _chinese_context(text: str, i: int) -> bool:
    before, after = _neighbour(text, i, -1), _neighbour(text, i, 1)
    return is_cjk(before) or is_cjk(after) or (before in _CN_PUNCT and before != "")


def _halfwidth(doc: LintDoc) -> Iterator[Finding]:
    text = doc.text
    for offset, line in doc.lines:
        marker = _MARKER_PAREN.match(line)
        skip_to = offset + marker.end() if marker else offset
        quotes = [offset + k for k, c in enumerate(line) if c == '"']
        for k, ch in enumerate(line):
            i = offset + k
            if i < skip_to or (ch not in _HALF_TO_FULL and ch != '"'):
                continue
            before, after = text[i - 1 : i], text[i + 1 : i + 2]
            if ch in ",:." and before.isdigit() and after.isdigit():
                continue  # 1,000  12:30  1.5
            if ch == ".":
                if not is_cjk(before) and before not in "”）》":
                    continue
                if after and not (after.isspace() or is_cjk(after) or after in "”"):
                    continue
                if text[i : i + 3] == "..." or text[i - 1 : i + 2] == "...":
                    continue
            if not _chinese_context(text, i):
                continue
            if ch == '"':
                fix = None
                if len(quotes) % 2 == 0:
                    fix = "“" if quotes.index(i) % 2 == 0 else "”"
                yield finding(
                    doc,
                    R_HALFWIDTH,
                    i,
                    i + 1,
                    '中文正文中应使用全角引号“”，不用半角引号"。',
                    fix,
                )
                continue
            full = _HALF_TO_FULL[ch]
            yield finding(
                doc,
                R_HALFWIDTH,
                i,
                i + 1,
                f"中文正文中应使用全角{_NAMES[ch]}“{full}”，不用半角“{ch}”。",
                full,
            )


def _doubled(doc: LintDoc) -> Iterator[Finding]:
    text = doc.text
    i = 0
    while i < len(text) - 1:
        a, b = text[i], text[i + 1]
        if a in _POINT_MARKS and b in _POINT_MARKS:
            j = i + 1
            while j < len(text) and text[j] in _POINT_MARKS:
                j += 1
            run = text[i:j]
            if run in _ALLOWED_PAIRS:
                i = j
                continue
            if len(set(run)) == 1:
                yield finding(doc, R_DOUBLED, i, j, f"标点“{run}”重复，只保留一个。", run[0])
            else:
                yield finding(
                    doc,
                    R_CONFLICT,
                    i,
                    j,
                    f"标点“{run}”连用，意义冲突，应只保留恰当的一个。",
                )
            i = j
            continue
        i += 1


def _ellipsis(doc: LintDoc) -> Iterator[Finding]:
    text = doc.text
    for m in _ELLIPSIS_ETC_RE.finditer(text):
        yield finding(
            doc,
            R_ELLIPSIS_ETC,
            m.start(),
            m.end(),
            f"省略号“{m.group()}”与“等”不能同时使用，应删去省略号。",
            "",
        )
    for m in _ELLIPSIS_FORM_RE.finditer(text):
        if m.group().startswith(".") and not _chinese_context(text, m.start()):
            continue
        yield finding(
            doc,
            R_ELLIPSIS_FORM,
            m.start(),
            m.end(),
            f"省略号应写作六个点的“……”，不写作“{m.group()}”。",
            "……",
        )


def _unpaired(doc: LintDoc) -> Iterator[Finding]:
    for offset, line in doc.lines:
        marker = _MARKER_PAREN.match(line)
        start = marker.end() if marker else 0
        stack: list[tuple[str, int]] = []
        for k in range(start, len(line)):
            ch = line[k]
            if ch in _OPENERS:
                stack.append((ch, offset + k))
            elif ch in _CLOSERS:
                want = _CLOSERS[ch]
                depth = next(
                    (
                        d
                        for d in range(len(stack) - 1, -1, -1)
                        if stack[d][0] == want or (want == "（" and stack[d][0] == "(")
                    ),
                    None,
                )
                if depth is None:
                    yield finding(
                        doc,
                        R_UNPAIRED,
                        offset + k,
                        offset + k + 1,
                        f"“{ch}”前面没有与之配对的“{want}”。",
                    )
                    continue
                for opener, pos in stack[depth + 1 :]:
                    yield _open_left(doc, opener, pos)
                del stack[depth:]
        for opener, pos in stack:
            yield _open_left(doc, opener, pos)


def _open_left(doc: LintDoc, opener: str, pos: int) -> Finding:
    closer = _OPENERS[opener]
    return finding(doc, R_UNPAIRED, pos, pos + 1, f"“{opener}”没有与之配对的“{closer}”。")


def _dunhao(doc: LintDoc) -> Iterator[Finding]:
    for m in _DUNHAO_RE.finditer(doc.text):
        yield finding(
            doc,
            R_DUNHAO_QUOTED,
            m.start(),
            m.end(),
            "并列的引号或书名号之间通常不用顿号，应删去“、”。",
            "",
        )


def check_punctuation(doc: LintDoc) -> Iterator[Finding]:
    yield from _halfwidth(doc)
    yield from _doubled(doc)
    yield from _ellipsis(doc)
    yield from _unpaired(doc)
    yield from _dunhao(doc)
