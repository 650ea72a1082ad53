"""Text helpers of guided drafting: tidy a small model's answer, tell copied example text
from the model's own, and put code's results sentence into a measures passage."""

from __future__ import annotations

import itertools
import re

from drafter.text.markers import ENUMERATION_RE
from drafter.text.sentences import FULL_STOPS

ORDINAL_RE = ENUMERATION_RE  # 一是 … 十二是
# "……。二是" inside a list: 公文 separates 一是/二是 items with semicolons.
ITEM_FULL_STOP_RE = re.compile(r"[。；;，,]\s*(?=[二三四五六七八九十]是)")
# A label the model puts before its text, echoing the prompt's wording ("第一句概括：",
# "工作成效：", "具体措施："): a few characters, no digit or punctuation, then a colon.
ECHO_PREFIX_RE = re.compile(r"^[\u4e00-\u9fff]{2,8}[：:]\s*(?=\S)")
# Markdown and list numbering at a line start ("- ", "1. ", "2、"): form, not content;
# "3.5亿元" keeps its digits (a decimal is no list mark).
LIST_MARK_RE = re.compile(r"^(?:#+|\*+|-|•|\d{1,2}[.．、)）](?!\d))\s*")
# A line that is only a bracketed label ("【科技创新主体培育】"): prompt furniture.
LABEL_LINE_RE = re.compile(r"【[^】\n]{1,24}】")


def tidy(raw: str) -> str:
    """One paragraph: drop Markdown, echoed labels, line breaks and stray spaces."""
    lines = [ln.strip() for ln in raw.strip().splitlines() if ln.strip()]
    lines = [LIST_MARK_RE.sub("", ln).replace("**", "") for ln in lines]
    lines = [ECHO_PREFIX_RE.sub("", ln) for ln in lines if not LABEL_LINE_RE.fullmatch(ln)]
    text = ""
    for ln in lines:
        if text and text[-1] not in "。；：！？，":
            text += "；" if ORDINAL_RE.match(ln) else "。"
        text += ln
    text = re.sub(r"[ \t\u3000]+", "", text)
    text = ITEM_FULL_STOP_RE.sub("；", text)
    if len(text) > 2 and text[0] in '“"' and text.rstrip("。")[-1] in '”"':
        text = text[1:].replace("”。", "。").rstrip('”"')  # the whole answer in quotes
    return text


def bigrams(text: str) -> set[str]:
    chars = [c for c in text if "\u4e00" <= c <= "\u9fff"]
    return {a + b for a, b in itertools.pairwise(chars)}


def contained(clause: str, item: str) -> float:
    """Share of `clause`'s bigrams that come from `item` (1.0: a copy of the item; read
    the other way round, how much of `clause` survives in `item`)."""
    own = bigrams(clause)
    return len(own & bigrams(item)) / len(own) if own else 1.0


def insert_results(measures: str, results: str) -> str:
    """Put the results after the last 一是/二是 item, before a closing sentence if any."""
    if not results:
        return measures
    sentences = re.findall(f"[^{FULL_STOPS}]+[{FULL_STOPS}]?", measures)
    last_item = max((i for i, s in enumerate(sentences) if ORDINAL_RE.search(s)), default=-1)
    cut = last_item + 1 if last_item >= 0 else len(sentences)
    return "".join(sentences[:cut]) + results + "".join(sentences[cut:])


def example_block(prompt: str) -> str:
    """The one-shot example of a prompt (between 【示例】 and 【任务】), which must not be copied."""
    start, end = prompt.find("【示例】"), prompt.find("【任务】")
    return prompt[start:end] if 0 <= start < end else ""


_FENCED_RE = re.compile(r"<<<范文开始>>>.*?<<<范文结束>>>", re.S)


def task_text(prompt: str) -> str:
    """The question's own words, retrieved passages and the one-shot example left out:
    writing what the question itself asks for ("推动科技创新工作再上新台阶") is no copy."""
    without_passages = _FENCED_RE.sub("", prompt)
    return without_passages.replace(example_block(without_passages), "")


def names_topic(clause: str, topic: str) -> bool:
    """Whether a clause names the topic (most of its character pairs appear in it)."""
    wanted = bigrams(topic)
    return bool(wanted) and len(wanted & bigrams(clause)) >= max(1, (len(wanted) + 1) // 2)


def clauses_of(text: str) -> list[str]:
    return [c for c in re.split(r"[。；，,;：\n]+", text) if len(bigrams(c)) >= 6]


def copied_from(
    text: str, source: str, task_text: str, frame: str = "", topic: str = ""
) -> list[str]:
    """Clauses of `text` taken from `source` (the example), unless the task itself has them.

    `frame` is the part of the example that is generic officialese (a lead such as
    "我局聚焦产业发展需求" or a closing such as "…氛围日益浓厚"): borrowing it is what the
    example is for. Copying the example's facts, item labels or anything naming its topic
    is not (the example's topic is the one its 【示例】 heading names). A frame clause
    naming the example's topic may be borrowed with the part's own `topic` put in instead.
    """
    if not source:
        return []
    example_topic = next(iter(re.findall(r"“([^”]+)”部分", source)), "")
    content, borrowed = source, []
    for clause in clauses_of(frame):
        if not names_topic(clause, example_topic):
            content = content.replace(clause, "")
        elif topic and example_topic and example_topic in clause:
            borrowed.append(clause.replace(example_topic, topic))
    return [
        clause
        for clause in clauses_of(text)
        if contained(clause, content) > 0.7
        and contained(clause, task_text) <= 0.7
        and not any(contained(clause, b) > 0.7 for b in borrowed)
    ]


def leak_problems(text: str, prompt: str, frame: str = "", topic: str = "") -> list[str]:
    """Prompt furniture or example text in the output: the small model copies what it sees."""
    problems = []
    if re.search(r"[【】]|<<<|>>>", text):
        problems.append("输出中不要出现【】等标记，也不要输出示例或任务说明，只输出正文。")
    example = example_block(prompt)
    copied = copied_from(text, example, prompt.replace(example, ""), frame, topic)
    if copied:
        problems.append(f"照抄了示例中的内容（“{copied[0]}”），示例只学格式，内容要写本单位的。")
    return problems
