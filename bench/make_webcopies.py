"""Build the synthetic web copies of tests/data/webcopies/ from the example bureau's texts.

Each copy wraps one of examples/*.txt (the fictional 示例县科学技术局) the way a different
kind of document-sharing site would: its own furniture blocks (written here, for
fictional sites), its own page-break style ("N、" or "N." page blocks, "- N -", "第N页",
bare page numbers, running headers), mixed full/half-width punctuation, run-in headings,
UTF-8 or GBK. For every copy it writes

* ``NAME.raw.txt``       the web copy (in the copy's encoding);
* ``NAME.expected.txt``  the clean text a reader would want (UTF-8);
* ``NAME.labels.json``   per raw line: "body", "furniture", "join" (a body fragment that
  continues the previous line's sentence after a page break) or "blank"; the raw lines
  holding a run-in heading ("runin"); the encoding.

Deterministic (fixed seeds): rerun after changing it, and commit the files.

    .venv/bin/python bench/make_webcopies.py
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"
OUT = REPO / "tests" / "data" / "webcopies"
TEXT_2023 = "示例县科学技术局2023年工作总结及2024年工作打算.txt"
TEXT_2024 = "示例县科学技术局2024年工作总结及2025年工作打算.txt"

_FINAL = "。！？；：;:"
_HEADING_RE = re.compile(r"^(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）)")


@dataclass
class Copy:
    lines: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    runin: list[int] = field(default_factory=list)

    def add(self, text: str, label: str) -> None:
        self.lines.append(text)
        self.labels.append(label if text.strip() else "blank")

    def furniture(self, block: str) -> None:
        for line in block.strip("\n").split("\n"):
            self.add(line, "furniture")


@dataclass
class Style:
    name: str
    source: str
    encoding: str
    header: str
    footer: str
    page_chars: tuple[int, int]
    page_break: Callable[[Copy, int, str], None]  # (copy, page number, title) at a break
    marker: str | None = None  # "N、" or "N." page blocks instead of break lines
    half_width: float = 0.0  # share of ，；：（） written half-width
    runin: float = 0.0  # share of headings run into their paragraph
    ad_lines: Sequence[str] = ()  # furniture lines put between paragraphs now and then
    seed: int = 0


# --- page-break styles ---------------------------------------------------------------


def dash_break(site: str) -> Callable[[Copy, int, str], None]:
    def brk(copy: Copy, n: int, title: str) -> None:
        copy.add("", "blank")
        copy.add(f"- {n} -", "furniture")
        copy.add("", "blank")
        copy.add(f"{site}  {title}", "furniture")

    return brk


def diye_break(total: int) -> Callable[[Copy, int, str], None]:
    def brk(copy: Copy, n: int, title: str) -> None:
        copy.add(f"第{n}页 共{total}页" if n % 2 else f"第{n}页", "furniture")

    return brk


def bare_break(copy: Copy, n: int, title: str) -> None:
    copy.add("", "blank")
    copy.add(str(n), "furniture")
    copy.add(title, "furniture")
    copy.add("", "blank")


def emdash_break(copy: Copy, n: int, title: str) -> None:
    copy.add(f"— {n} —", "furniture")


def ad_break(copy: Copy, n: int, title: str) -> None:
    copy.add("", "blank")
    copy.add(f"第{n}页/共9页", "furniture")
    copy.add("打开APP，阅读全文 · 免费领取VIP会员", "furniture")
    copy.add("", "blank")


def slash_break(total: int) -> Callable[[Copy, int, str], None]:
    def brk(copy: Copy, n: int, title: str) -> None:
        copy.add(f"第 {n} 页 / 共 {total} 页", "furniture")
        copy.add("", "blank")

    return brk


def no_break(copy: Copy, n: int, title: str) -> None:
    copy.add("", "blank")


# --- the copy ------------------------------------------------------------------------


def _half_width(text: str, rng: random.Random, share: float) -> str:
    if share <= 0:
        return text
    table = {"，": ",", "；": ";", "：": ":", "（": "(", "）": ")"}
    return "".join(table[c] if c in table and rng.random() < share else c for c in text)


def _cut_points(paragraph: str, rng: random.Random, budget: int) -> int | None:
    """A place inside the paragraph, not next to its ends nor right after punctuation."""
    if budget <= 3 or budget >= len(paragraph) - 3:
        return None
    for pos in range(budget, len(paragraph) - 3):
        if paragraph[pos - 1] not in _FINAL + "，,、“”（）()" and paragraph[pos] not in "，,。、":
            return pos
    return None


def build(style: Style) -> tuple[Copy, str]:
    rng = random.Random(style.seed)
    source = (EXAMPLES / style.source).read_text(encoding="utf-8").strip().split("\n")
    paragraphs = [_half_width(p, rng, style.half_width) for p in source]
    title = paragraphs[0]
    # run-in headings: a marker-led heading without sentence punctuation is fused
    # with the paragraph after it
    units: list[tuple[str, int | None]] = []  # (text, length of the run-in heading)
    expected: list[str] = []
    i = 0
    while i < len(paragraphs):
        p = paragraphs[i]
        nxt = paragraphs[i + 1] if i + 1 < len(paragraphs) else ""
        if (
            _HEADING_RE.match(p)
            and nxt
            and not _HEADING_RE.match(nxt)
            and len(nxt) > 30
            and rng.random() < style.runin
        ):
            units.append((p + nxt, len(p)))
            expected.extend([p, nxt])
            i += 2
            continue
        units.append((p, None))
        expected.append(p)
        i += 1

    copy = Copy()
    copy.furniture(style.header)
    # A header that shows the title: the clean text keeps that first title, and the
    # body's own title line (the same text) is the repeat.
    header_title = [i for i, line in enumerate(copy.lines) if line == title]
    for i in header_title:
        copy.labels[i] = "body"
    page = 1
    budget = rng.randint(*style.page_chars)
    marker_next = 1
    first_block = True

    def open_block(text: str, label: str, runin: bool) -> None:
        nonlocal marker_next, first_block
        if style.marker and (first_block or label == "join"):
            copy.add("", "blank")
            text = " " * rng.choice([0, 4, 6]) + style.marker.format(n=marker_next) + text
            marker_next += 1
        if runin:
            copy.runin.append(len(copy.lines))
        copy.add(text, label)
        first_block = False

    if header_title:
        units[0] = (units[0][0], -1)  # the body's title line: a repeat, see below
    for text, runin_len in units:
        rest = text
        label = "body"
        while True:
            cut = _cut_points(rest, rng, budget)
            runin = runin_len is not None and runin_len > 0 and label == "body"
            if cut is None:
                open_block(rest, "furniture" if runin_len == -1 else label, runin)
                budget -= len(rest)
                break
            open_block(rest[:cut], label, runin)
            rest = rest[cut:]
            page += 1
            if not style.marker:
                style.page_break(copy, page, title)
            label = "join"
            budget = rng.randint(*style.page_chars)
        if budget <= 0:  # the page ends after this paragraph
            page += 1
            if not style.marker:
                style.page_break(copy, page, title)
            budget = rng.randint(*style.page_chars)
        elif style.ad_lines and rng.random() < 0.15:
            copy.add(rng.choice(list(style.ad_lines)), "furniture")
    copy.furniture(style.footer)
    return copy, "\n".join(expected)


# --- furniture written for fictional sites ---------------------------------------------------

STYLES = [
    Style(
        name="01_chunk_dun_utf8",
        source=TEXT_2024,
        encoding="utf-8",
        header="""
启明文档网 — 海量实用文档在线分享
登录 | 注册 | 客户端下载
示例县科学技术局2024年工作总结及2025年工作打算.docx
上传者：j**7  文档编号：5520913  上传时间：2025-01-06  格式：DOCX  页数：6  大小：31.2KB
收藏  分享  举报  下载
""",
        footer="""
本文档由启明文档网用户上传，仅供学习交流，如有侵权请联系删除
下载本文  |  举报  |  版权申诉
关于我们 · 联系客服 · 用户协议
""",
        page_chars=(500, 900),
        page_break=no_break,
        marker="{n}、",
        runin=0.5,
        seed=1,
    ),
    Style(
        name="02_chunk_dot_gbk",
        source=TEXT_2023,
        encoding="gbk",
        header="""
云帆范文库
首页 > 工作总结 > 部门工作总结
示例县科学技术局2023年工作总结及2024年工作打算
贡献者: 云帆用户_8842
文档格式: doc  |  文档大小: 28 KB  |  浏览次数: 1,206
已有 37 人下载  ☆☆☆☆☆
""",
        footer="""
下载文档到电脑，方便使用
本文档由云帆用户上传，下载收益归作者所有
(C) 2016-2025 云帆范文库 版权所有
""",
        page_chars=(400, 800),
        page_break=no_break,
        marker="{n}.",
        half_width=0.6,
        seed=2,
    ),
    Style(
        name="03_dash_running_header_utf8",
        source=TEXT_2024,
        encoding="utf-8",
        header="""
青禾资料站
APP内打开  |  扫码阅读
阅读量 3,482  收藏 56
""",
        footer="""
- 9 -
青禾资料站  示例县科学技术局2024年工作总结及2025年工作打算
免责声明：本站资料均来自网络，仅供参考。
www.qinghe-ziliao.cn
""",
        page_chars=(350, 700),
        page_break=dash_break("青禾资料站"),
        runin=0.3,
        seed=3,
    ),
    Style(
        name="04_diye_gbk",
        source=TEXT_2023,
        encoding="gbk",
        header="""
墨韵文库 - 专业文档分享平台
示例县科学技术局2023年工作总结及2024年工作打算
上传时间：2024-02-19 09:41:07
文档页数：8页  文档格式：WPS
VIP免费下载 · 立即下载
""",
        footer="""
内容来自用户分享，如有侵权请举报
扫一扫下载墨韵文库APP
""",
        page_chars=(450, 800),
        page_break=diye_break(8),
        half_width=0.3,
        seed=4,
    ),
    Style(
        name="05_bare_numbers_utf8",
        source=TEXT_2024,
        encoding="utf-8",
        header="""
星河文档
示例县科学技术局2024年工作总结及2025年工作打算
2025-03-02  |  1.8万次阅读  |  126人收藏
""",
        footer="""
猜你喜欢
某县科技局2024年工作总结及工作思路
县科技局上半年工作总结范文
""",
        page_chars=(500, 900),
        page_break=bare_break,
        seed=5,
    ),
    Style(
        name="06_app_ads_utf8",
        source=TEXT_2023,
        encoding="utf-8",
        header="""
拾贝文库App
打开App，查看更多精彩内容
VIP专享文档
示例县科学技术局2023年工作总结及2024年工作打算
★★★★☆ 4.6分 · 9页 · 2.3万人已读
""",
        footer="""
已阅读到文档的结尾了
下载APP，免费领取VIP会员
拾贝文库 © 2025 · 京ICP备00000000号-1
""",
        page_chars=(400, 700),
        page_break=ad_break,
        ad_lines=("下载APP，阅读更多文档", "扫码关注公众号，获取更多范文", "点击查看剩余全文"),
        runin=0.4,
        seed=6,
    ),
    Style(
        name="07_portal_halfwidth_utf8",
        source=TEXT_2024,
        encoding="utf-8",
        header="""
政务范文网
您当前的位置: 首页 > 范文大全 > 工作总结
示例县科学技术局2024年工作总结及2025年工作打算
作者: 佚名  来源: 网友投稿  发布时间: 2025-01-12 18:20  浏览: 823次
字号: 大 中 小
""",
        footer="""
上一篇: 某县科技局2024年上半年工作总结
下一篇: 某县2025年科技工作要点
相关阅读
县科技局工作总结及下一年工作计划
科技局年度工作汇报材料
Copyright © 2012-2025 政务范文网 All Rights Reserved
""",
        page_chars=(100000, 100001),
        page_break=no_break,
        half_width=0.8,
        seed=7,
    ),
    Style(
        name="08_emdash_gbk",
        source=TEXT_2023,
        encoding="gbk",
        header="""
知页网 zhiye
文档信息
页数：7  大小：26KB  格式：DOC  积分：5
本文档共7页，可免费预览前5页
""",
        footer="""
剩余2页未读，点击查看全文
举报  收藏  分享
知页网 版权所有
""",
        page_chars=(400, 650),
        page_break=emdash_break,
        runin=0.5,
        seed=8,
    ),
    Style(
        name="09_chunk_dun_gbk_halfwidth",
        source=TEXT_2023,
        encoding="gbk",
        header="""
天衡文档
资料分类：党政/总结汇报
上传用户：tianheng_doc  更新：2024-12-30
格式：DOCX 大小：24.9KB 页数：5
""",
        footer="""
当前预览已结束，下载后可查看完整内容
天衡文档 客服QQ：800000000
""",
        page_chars=(600, 1000),
        page_break=no_break,
        marker="{n}、",
        half_width=0.5,
        runin=0.3,
        seed=9,
    ),
]


# Held out: written after the cleaner was tuned on the nine copies above, and not used to
# tune it; bench_clean.py reports them separately. h4 (a library page with "第 N 页 / 共 M 页"
# counters, GBK) and h5 (an answer on a Q&A site with "N、" page blocks) were added before the
# run-in heading and heading page-break rules were written.
HELD_OUT = [
    Style(
        name="h1_forum_diye_utf8",
        source=TEXT_2023,
        encoding="utf-8",
        header="""
松间论坛 › 公文写作 › 总结汇报
查看: 2718 | 回复: 9
楼主  只看该作者  倒序浏览
发表于 2024-12-20 10:12:33
""",
        footer="""
本帖最后由 wenmi_88 于 2024-12-21 09:03 编辑
回复  引用  举报
上一页 1 2 3 下一页
""",
        page_chars=(500, 900),
        page_break=diye_break(3),
        runin=0.3,
        seed=11,
    ),
    Style(
        name="h2_wechat_halfwidth_utf8",
        source=TEXT_2024,
        encoding="utf-8",
        header="""
原创 示例科技观察 2025-01-08 08:30 发表于北京
收录于合集 #工作总结 12个
点击蓝字 关注我们
""",
        footer="""
- END -
长按二维码关注
阅读原文
赞 在看 分享
""",
        page_chars=(100000, 100001),
        page_break=no_break,
        half_width=0.5,
        runin=0.3,
        seed=12,
    ),
    Style(
        name="h3_viewer_dot_gbk",
        source=TEXT_2024,
        encoding="gbk",
        header="""
文档预览
示例县科学技术局2024年工作总结及2025年工作打算.pdf
举报 | 收藏 | 加入书架
共6页 · 3.1万字 · 免费文档
""",
        footer="""
本资料来源于网络，如涉及版权问题请联系删除
加载中…
下载到本地 · 打印本文
""",
        page_chars=(450, 800),
        page_break=no_break,
        marker="{n}.",
        half_width=0.2,
        seed=13,
    ),
    Style(
        name="h4_library_slash_gbk",
        source=TEXT_2023,
        encoding="gbk",
        header="""
博览文库网
当前位置：首页 > 行政公文 > 总结报告
示例县科学技术局2023年工作总结及2024年工作打算
时间：2024-01-25  来源：网络整理  编辑：小博
手机版  |  收藏本页  |  打印本文
""",
        footer="""
【全文完】
↑ 返回顶部
本文链接：http://www.bolan-wenku.cn/zongjie/20240125/88213.html
声明：本站内容来源于网络，仅供学习参考
""",
        page_chars=(250, 450),
        page_break=slash_break(8),
        half_width=0.4,
        runin=0.6,
        seed=14,
    ),
    Style(
        name="h5_answers_chunk_dun_utf8",
        source=TEXT_2024,
        encoding="utf-8",
        header="""
问：求一篇县科技局2024年度工作总结及明年打算，急用！
提问者：匿名用户  2025-01-03
最佳答案
采纳率：92%  擅长：公文写作  帮助的人：3.2万
""",
        footer="""
本回答由网友推荐
评论  |  举报  |  赞同 41
其他回答（2）
""",
        page_chars=(300, 550),
        page_break=no_break,
        marker="{n}、",
        half_width=0.1,
        runin=0.6,
        seed=15,
    ),
]


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for style in [*STYLES, *HELD_OUT]:
        copy, expected = build(style)
        raw = "\n".join(copy.lines) + "\n"
        (OUT / f"{style.name}.raw.txt").write_bytes(raw.encode(style.encoding))
        (OUT / f"{style.name}.expected.txt").write_text(expected + "\n", encoding="utf-8")
        labels = {"encoding": style.encoding, "labels": copy.labels, "runin": copy.runin}
        (OUT / f"{style.name}.labels.json").write_text(
            json.dumps(labels, ensure_ascii=False, indent=0) + "\n", encoding="utf-8"
        )
        print(style.name, len(copy.lines), "lines")


if __name__ == "__main__":
    main()
