"""The genre's fixed furniture: part titles, title words, the issuing organ and date lines,
and the formulas that open a summary. Segmentation, the web-copy cleaner and the Word
writer read documents with these one set of rules."""

from __future__ import annotations

import re

CJK = "\u4e00-\u9fff"

# A level-1 title that names a part of the summary; used to cut "下步工作打算下半年，…".
KIND_TITLE_RE = re.compile(
    r"^(?:(?:20\d{2}|20[Xx×*]{2}|[Xx×*]{2,4})年度?|今年|明年|本年度?|全年|上半年|下半年|下步|下一步|"
    r"下阶段|今后|近期|未来)?(?:的)?(?:主要)?"
    r"(?:"
    r"(?:工作)?(?:开展|完成|推进|进展)情况|(?:工作)?(?:开展|完成)?情况(?:及|和)?成效|"
    r"(?:工作|做法)(?:及|和|与)?(?:成效|成绩|亮点)|主要做法(?:及|和|与)?成效|主要做法|"
    r"(?:工作)?(?:总结|回顾)|"
    r"存在(?:的)?(?:主要)?(?:问题|不足|困难)(?:(?:及|和|与)(?:不足|困难|建议|原因|差距))?|"
    r"(?:问题|困难|不足)(?:及|和|与)(?:困难|不足|原因|建议|差距)|"
    r"(?:工作)?(?:打算|思路|计划|安排|要点)"
    r")"
)


# A document title names its genre: 《…工作总结及…工作打算》.
TITLE_WORDS_RE = re.compile(r"总结|打算|思路|计划|要点|汇报|报告|述职")

# The 落款: the issuing organ's line and the date line that close a document.
ORG_LINE_RE = re.compile(rf"^[{CJK}A-Za-z]{{2,24}}(?:局|委员会|办公室|人民政府|中心)$")
DATE_LINE_RE = re.compile(
    r"^[（(]?\s*(?:20\d{2}|二[〇○零]\S{2})\s*年\s*\S{1,3}\s*月(?:\s*\S{1,3}\s*日)?\s*[)）]?$"
)

# Formulas that open a summary's first paragraph (今年以来, 一年来 …).
OPENING_START_RE = re.compile(
    r"^(?:今年以来|年初以来|今年上半年|上半年|今年|本年度|一年来|过去的一年|近年来|去年以来|"
    r"(?:20\d{2}|[Xx]{2,4})年(?:度)?(?:以来|上半年|，|,))"
)
