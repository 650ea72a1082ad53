"""The comparison as one self-contained HTML page: side by side, reuse highlighted.

Meant to be opened from a file share on an intranet machine or attached to an e-mail, so
it has no scripts and no external resources (inline CSS only), and every piece of text
from the documents is HTML-escaped: a summary copied from the web may contain markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from drafter.compare.align import KIND_LABELS, CompareDoc, Comparison, Part, spans_in
from drafter.figures import format_number
from drafter.figures.extract import Figure
from drafter.figures.matching import STATUS_LABELS, TargetResult

_CSS = """
body{font-family:"FangSong","STFangsong","仿宋","Noto Serif CJK SC",serif;margin:24px;
color:#222;background:#fff;line-height:1.7}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;border-bottom:2px solid #446;
padding-bottom:4px;margin-top:32px}h3{font-size:15px;margin:18px 0 6px}
.meta{color:#555;font-size:13px}
table{border-collapse:collapse;width:100%;font-size:14px;margin:8px 0}
th,td{border:1px solid #bbb;padding:4px 8px;vertical-align:top;text-align:left}
th{background:#eef}
td.num{text-align:right;white-space:nowrap}
.side{display:grid;grid-template-columns:1fr 1fr;gap:16px}
.side>div{border:1px solid #ccd;padding:8px 12px;background:#fafaff}
.side h4{margin:0 0 6px;font-size:14px;color:#335}
.side p{margin:0 0 6px;text-indent:2em}
mark.reuse{padding:0 1px}
mark.verbatim{background:#ffb3b3}mark.near{background:#ffe08a}mark.partial{background:#ffd0a0}
.legend mark{margin-right:12px}
.met{color:#1a7f37}.not_met{color:#c62828;font-weight:bold}.not_reported{color:#777}
.topics span{display:inline-block;border:1px solid #99a;border-radius:3px;padding:0 6px;
margin:2px}
.missing span{background:#fde8e8}.new span{background:#e6f4ea}
.empty{color:#888}
"""


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _highlight(text: str, spans: Sequence[tuple[int, int, str]]) -> str:
    """Paragraphs of ``text`` with the reused sentences in <mark>, everything escaped."""
    out: list[str] = []
    offset = 0
    for line in text.split("\n"):
        start, end = offset, offset + len(line)
        offset = end + 1
        if not line.strip():
            continue
        pieces: list[str] = []
        pos = start
        for a, b, kind in spans:
            if b <= start or a >= end or a < pos:
                continue
            pieces.append(_e(text[pos:a]))
            pieces.append(f'<mark class="reuse {_e(kind)}">{_e(text[a:b])}</mark>')
            pos = b
        pieces.append(_e(text[pos:end]))
        out.append(f"<p>{''.join(pieces)}</p>")
    return "\n".join(out)


def _part_box(part: Part | None, doc: CompareDoc, c: Comparison, side: str) -> str:
    year = f"{doc.year}年" if doc.year else ""
    who = "本年" if side == "this" else "上年"
    if part is None:
        return f'<div><h4>{who}{_e(year)}</h4><p class="empty">（无对应章节）</p></div>'
    spans = spans_in(c.reused, part, side)
    return (
        f'<div class="{side}"><h4>{who}{_e(year)}：{_e(part.label)}</h4>'
        f"{_highlight(part.text, spans)}</div>"
    )


def _sections(c: Comparison) -> str:
    blocks: list[str] = []
    for pair in c.pairs:
        kind = pair.kind
        title = pair.this.label if pair.this else (pair.last.label if pair.last else "")
        info = (
            f"配对得分 {pair.score:.2f}（标题 {pair.heading_similarity:.2f}、"
            f"正文 {pair.similarity:.2f}），沿用句 {pair.reused} 句"
            if pair.this and pair.last
            else ("本年新增章节" if pair.this else "上年有、本年没有的章节")
        )
        topics = ""
        if pair.missing_topics:
            topics += _topics("本年未再提及", pair.missing_topics, "missing")
        if pair.new_topics:
            topics += _topics("本年新提及", pair.new_topics, "new")
        blocks.append(
            f'<section class="pair"><h3>{_e(title)}'
            f' <span class="meta">（{_e(KIND_LABELS.get(kind, kind))}；{_e(info)}）</span></h3>'
            f"{topics}"
            f'<div class="side">{_part_box(pair.this, c.this, c, "this")}'
            f"{_part_box(pair.last, c.last, c, 'last')}</div></section>"
        )
    return "\n".join(blocks)


def _topics(label: str, topics: Sequence[str], cls: str) -> str:
    items = "".join(f"<span>{_e(t)}</span>" for t in topics)
    return f'<p class="topics {cls}">{_e(label)}：{items}</p>'


def _fig(f: Figure | None) -> str:
    if f is None:
        return '<td class="num empty">—</td>'
    note = "（数据文件）" if f.source == "figures" else ""
    return f'<td class="num" title="{_e(f.sentence)}">{_e(f.display)}{note}</td>'


def _figures_table(c: Comparison) -> str:
    rows = "".join(
        f"<tr><td>{_e(r.indicator)}</td>{_fig(r.last)}{_fig(r.this)}"
        f'<td class="num">{_e(r.change)}</td></tr>'
        for r in c.rows
    )
    if not rows:
        return '<p class="empty">两篇中都没有找到可对比的数字。</p>'
    ly = f"{c.last.year}年" if c.last.year else "上年"
    ty = f"{c.this.year}年" if c.this.year else "本年"
    return (
        f'<table id="figures"><thead><tr><th>指标</th><th>{_e(ly)}</th><th>{_e(ty)}</th>'
        f"<th>变化</th></tr></thead><tbody>{rows}</tbody></table>"
    )


def _target_row(t: TargetResult) -> str:
    rate = f"{format_number(t.rate)}%" if t.rate is not None else "—"
    actual = t.actual.display if t.actual is not None else "—"
    return (
        f"<tr><td>{_e(t.target.indicator)}</td><td class='num'>{_e(t.target.figure.display)}</td>"
        f"<td class='num'>{_e(actual)}</td><td class='num'>{_e(rate)}</td>"
        f'<td class="{t.status}">{_e(STATUS_LABELS[t.status])}</td></tr>'
    )


def _targets_table(c: Comparison) -> str:
    if not c.targets:
        return '<p class="empty">上年总结的工作打算中没有找到量化目标。</p>'
    rows = "".join(_target_row(t) for t in c.targets)
    return (
        '<table id="targets"><thead><tr><th>上年目标</th><th>目标值</th><th>本年完成</th>'
        f"<th>完成率</th><th>结果</th></tr></thead><tbody>{rows}</tbody></table>"
    )


def _reuse_table(c: Comparison) -> str:
    if not c.reused:
        return '<p class="empty">没有发现沿用上年原文的句子。</p>'
    rows = "".join(
        f'<tr><td>{_e(c.this.part(r.this_part).label)}</td><td><mark class="reuse {r.kind}">'
        f"{_e(r.this_text)}</mark></td><td>{_e(r.last_text)}</td>"
        f"<td>{_e(r.label)}</td><td class='num'>{r.similarity:.2f}</td></tr>"
        for r in c.reused
    )
    return (
        '<table id="reused"><thead><tr><th>本年章节</th><th>本年句子</th><th>上年原句</th>'
        f"<th>类型</th><th>相似度</th></tr></thead><tbody>{rows}</tbody></table>"
    )


def render_html(c: Comparison) -> str:
    """The whole report as one HTML document (UTF-8, no external resources)."""
    s = c.summary()
    this_name = c.this.title or c.this.name
    last_name = c.last.title or c.last.name
    figures_note = f"；数据文件：{_e(c.figures_file)}" if c.figures_file else ""
    missing = (
        _topics("上年提及、本年未再提及", c.missing_topics, "missing") if c.missing_topics else ""
    )
    new = _topics("本年新提及", c.new_topics, "new") if c.new_topics else ""
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>与上年对比：{_e(this_name)}</title><style>{_CSS}</style></head>
<body>
<h1>与上年对比</h1>
<p class="meta">本年：{_e(this_name)}；上年：{_e(last_name)}{figures_note}</p>
<p id="summary">共 {s["sections_this"]} 节，与上年对应 {s["sections_paired"]} 节；
本年 {s["sentences_this"]} 句中沿用上年 {s["reused"]} 句（原句照搬 {s["reused_verbatim"]}，
近似沿用 {s["reused_near"]}，整句嵌入 {s["reused_partial"]}）；上年目标 {s["targets"]} 项：
完成 {s["targets_met"]}，未完成 {s["targets_not_met"]}，本年未报告 {s["targets_not_reported"]}。</p>
<p class="legend"><mark class="reuse verbatim">原句照搬</mark><mark class="reuse near">近似沿用</mark>
<mark class="reuse partial">整句嵌入</mark></p>
<h2>上年目标完成情况</h2>
{_targets_table(c)}
<h2>主要数字同比</h2>
{_figures_table(c)}
<h2>沿用上年的句子</h2>
{_reuse_table(c)}
<h2>主题变化</h2>
{missing or ""}{new or ""}{"" if missing or new else '<p class="empty">主题没有明显变化。</p>'}
<h2>逐节对照</h2>
{_sections(c)}
</body></html>
"""
