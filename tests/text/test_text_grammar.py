"""Characterization of the genre's grammar (drafter.text): one table per rule.

Each table pins a decision taken when several copies of a rule were merged into one;
the comment on a row says which copy used to differ and what was decided.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from drafter.review.workflow import plan_draft
from drafter.text.markers import (
    has_marker,
    heading_marker,
    match_marker,
    normalized_marker,
    search_marker,
    strip_marker,
)
from drafter.text.numerals import parse_chinese_number, parse_cn_int, parse_ordinal, to_chinese
from drafter.text.sentences import (
    FULL_STOPS,
    ends_sentence,
    first_sentence,
    split_sentences,
    split_sentences_keep,
)
from drafter.text.slots import SLOT_LIKE_RE, SLOT_RE, find_slots, normalize_slots

# --------------------------------------------------------------------------- numerals

PARSE_CN_INT = [
    ("一", 1),
    ("十", 10),
    ("十五", 15),
    ("二十三", 23),
    ("一百零五", 105),
    ("两万", 20000),
    ("一万二", 12000),
    ("二〇二五", 2025),  # digit strings are read digit by digit (years)
    ("一百二", 120),  # figures' parser said 102; decided: the colloquial 一百二 = 120
    ("三千五", 3500),
    ("", None),
    ("十五个", None),
]


@pytest.mark.parametrize(("text", "value"), PARSE_CN_INT)
def test_parse_cn_int(text: str, value: int | None) -> None:
    assert parse_cn_int(text) == value


PARSE_ORDINAL = [
    ("一", 1),
    ("十", 10),
    ("十一", 11),
    ("二十", 20),
    ("一二", None),  # segment's parser said 0, the scanner's 12: a digit string is no counter
    ("二〇", None),
    ("两", None),  # 两 counts things, it does not number headings
    ("", None),
]


@pytest.mark.parametrize(("text", "value"), PARSE_ORDINAL)
def test_parse_ordinal(text: str, value: int | None) -> None:
    assert parse_ordinal(text) == value


@pytest.mark.parametrize(
    ("n", "text"),
    [(1, "一"), (10, "十"), (11, "十一"), (12, "十二"), (20, "二十"), (105, "一百零五"), (0, "0")],
)
def test_to_chinese(n: int, text: str) -> None:
    assert to_chinese(n) == text
    if n > 0:
        assert parse_cn_int(text) == n


@pytest.mark.parametrize(
    ("text", "value"), [("一点五", Decimal("1.5")), ("百分之", None), ("两", Decimal(2))]
)
def test_parse_chinese_number(text: str, value: Decimal | None) -> None:
    assert parse_chinese_number(text) == value


# --------------------------------------------------------------------------- markers

MARKERS = [
    # text, level, number
    ("一、总体情况", 1, 1),
    ("十一、其他", 1, 11),
    ("（一）科技创新", 2, 1),
    ("(二)半角括号", 2, 2),
    ("（十一）第十一个工作领域", 2, 11),  # the outline used to write "（11）", a level-4 marker
    ("1.项目管理", 3, 1),
    ("2．全角点", 3, 2),
    ("3、顿号", 3, 3),
    ("（1）细项", 4, 1),
    ("(12)半角", 4, 12),
]


@pytest.mark.parametrize(("text", "level", "number"), MARKERS)
def test_markers_have_one_level_and_number(text: str, level: int, number: int) -> None:
    found = match_marker(text)
    assert found is not None
    assert (found.level, found.number) == (level, number)
    assert has_marker(text)


NOT_MARKERS = [
    "一流大学建设",  # 一 without 、 is a word
    "3.5亿元",  # a decimal, not "3."
    "一二、",  # digit string: no counter
    "第一，",
    "2024年",
]


@pytest.mark.parametrize("text", NOT_MARKERS)
def test_not_markers(text: str) -> None:
    assert match_marker(text) is None
    assert strip_marker(text) == text


@pytest.mark.parametrize(
    ("level", "n", "marker"),
    [(1, 1, "一、"), (2, 11, "（十一）"), (3, 4, "4."), (4, 2, "（2）"), (5, 1, "")],
)
def test_heading_marker_writes_the_standard_form(level: int, n: int, marker: str) -> None:
    assert heading_marker(level, n) == marker
    if marker:
        found = match_marker(marker + "标题")
        assert found is not None and (found.level, found.number) == (level, n)


@pytest.mark.parametrize(
    ("text", "normal"), [("(一)x", "（一）"), ("1、x", "1."), ("2．x", "2."), ("(3)x", "（3）")]
)
def test_normalized_marker(text: str, normal: str) -> None:
    found = match_marker(text)
    assert found is not None
    assert normalized_marker(found) == normal


def test_has_marker_knows_chapter_headings() -> None:
    assert has_marker("第一部分 工作总结")
    assert not has_marker("第一次会议")


def test_search_marker_skips_malformed_counters() -> None:
    found = search_marker("甲一二、乙（三）丙")
    assert found is not None and found.level == 2 and found.number == 3


def test_match_marker_filters_levels() -> None:
    assert match_marker("1.项目", levels=(1, 2)) is None


# --------------------------------------------------------------------------- sentences

SENTENCES = [
    ("加强管理。推进改革！落实责任？", ["加强管理。", "推进改革！", "落实责任？"]),
    (
        "一是加强；二是推进；",
        ["一是加强；", "二是推进；"],
    ),  # ； ends a sentence (was: not in review diffs)
    ("打通“最后一公里。”下一步", ["打通“最后一公里。”", "下一步"]),  # closers stay with it
    ("科技、人才等……下一步", ["科技、人才等……", "下一步"]),  # …… ends one (was: only in chunking)
    ("第一行\n第二行", ["第一行", "第二行"]),  # a line break ends one
    ("  前后空白。  ", ["前后空白。"]),
]


@pytest.mark.parametrize(("text", "sentences"), SENTENCES)
def test_split_sentences(text: str, sentences: list[str]) -> None:
    assert split_sentences(text) == sentences


#: (text, enders, first sentence): a summary's first sentence (the default, 。！？) and a
#: list's opening sentence (。！？ and ：). Decided when formulas and guided_leads lost their
#: own regexes: ；-items do not end a sentence here, closing quotes stay with it, ASCII !?
#: end it like ！？, and the caller is told which ender it was.
FIRST_SENTENCES = [
    ("全年工作扎实推进。一是……", FULL_STOPS, "全年工作扎实推进。"),
    ("一是强化统筹；二是压实责任。后文", FULL_STOPS, "一是强化统筹；二是压实责任。"),
    ("他说“要抓落实。”随后", FULL_STOPS, "他说“要抓落实。”"),
    ("成效明显！下一步", FULL_STOPS, "成效明显！"),
    ("成效明显! 下一步", FULL_STOPS, "成效明显!"),
    ("没有句末标点", FULL_STOPS, None),
    ("", FULL_STOPS, None),
    ("主要表现在：一是……。", FULL_STOPS, "主要表现在：一是……。"),
    ("主要表现在：一是……。", FULL_STOPS + "：:", "主要表现在："),
    ("还有差距，主要是: 一是", FULL_STOPS + "：:", "还有差距，主要是:"),
    ("是否存在差距？需要", FULL_STOPS + "：:", "是否存在差距？"),
]


@pytest.mark.parametrize(
    ("text", "ends"),
    [
        ("全年工作扎实推进。", True),
        ("他说“要抓落实。”", True),
        ("一是强化统筹；", True),
        ("主要表现在：", True),
        ("取得了明显成效……", True),
        ("（一）加快平台建设", False),
        ("全县新增高新技术企业", False),
        ("”", False),
        ("", False),
    ],
)
def test_ends_sentence(text: str, ends: bool) -> None:
    assert ends_sentence(text) is ends


@pytest.mark.parametrize(("text", "enders", "first"), FIRST_SENTENCES)
def test_first_sentence(text: str, enders: str, first: str | None) -> None:
    assert first_sentence(text, enders=enders) == first


@pytest.mark.parametrize("text", [t for t, _ in SENTENCES] + ["无结尾", "句一。 句二。 "])
def test_split_sentences_keep_loses_nothing(text: str) -> None:
    pieces = split_sentences_keep(text)
    assert "".join(pieces) == text or "".join(pieces) == text.rstrip() or not text.strip()
    assert [p.strip() for p in pieces] == [s for s in split_sentences(text)] or "\n" in text


# --------------------------------------------------------------------------- slots

SLOTS = [
    ("{F1}", ["F1"]),
    ("{F1.yoy}", ["F1.yoy"]),
    ("{K7.1}", ["K7.1"]),  # the session's editor used to reject it; decided: a number in a fact
    ("{YEAR}", ["YEAR"]),
    ("｛F2｝", ["F2"]),  # full-width braces
    ("{ F3 }", ["F3"]),
    ("{{T1}}", ["T1"]),
    ("{f4.YOY}", ["F4.yoy"]),
    ("{F5", []),  # unclosed: reported as a violation, never a slot
    ("{某某}", []),
]


@pytest.mark.parametrize(("text", "names"), SLOTS)
def test_find_slots(text: str, names: list[str]) -> None:
    assert find_slots(text) == names


@pytest.mark.parametrize(
    ("text", "normal"),
    [("｛f1.YOY｝", "{F1.yoy}"), ("{ K7.1 }", "{K7.1}"), ("{{T3}}", "{T3}"), ("{F5", "{F5")],
)
def test_normalize_slots(text: str, normal: str) -> None:
    assert normalize_slots(text) == normal
    if SLOT_RE.fullmatch(normal):
        assert find_slots(normal) == [normal[1:-1]]


def test_slot_like_catches_what_a_reader_would_take_for_a_slot() -> None:
    assert SLOT_LIKE_RE.sub("X", "见{F1}与｛某某｝和{{T2}}") == "见X与X和X"


# --------------------------------------------------------------------------- the outline


def test_the_eleventh_work_area_is_numbered_as_a_level_two_heading(tmp_path: Path) -> None:
    """The outline wrote "（11）" (a level-4 marker) for the 11th area; now （十一）."""
    areas = "".join(
        f"  - id: a{i}\n    name: 工作领域{i}\n    facts:\n      - 开展第{i}项工作\n"
        for i in range(1, 13)
    )
    figures = tmp_path / "f.yaml"
    figures.write_text(
        f"bureau: 示例县科学技术局\nregion: 示例县\nyear: 2025\nperiod: annual\nsections:\n{areas}",
        encoding="utf-8",
    )
    plan = plan_draft(figures, None)
    headings = [t.heading for t in plan.tasks if t.work_area]
    assert headings[10] == "（十一）工作领域11"
    assert headings[11] == "（十二）工作领域12"
    for task in plan.tasks:
        if task.work_area:
            found = match_marker(task.heading)
            assert found is not None and found.level == 2


# --------------------------------------------------------------------------- session rules


def test_one_state_label_table_and_one_heading_only_rule() -> None:
    from drafter.drafting.records import Version
    from drafter.review.render import STATE_LABELS, heading_only_ids
    from drafter.review.session import SectionState

    assert STATE_LABELS["pending"] == "待起草"  # review.md said 未起草, the terminal 待起草
    assert STATE_LABELS["flagged"] == "需重点审阅"  # the terminal said 有疑点
    part = SectionState(id="part", heading="一、主要工作", level=1, kind="achievements")
    area = SectionState(id="area", heading="（一）平台", level=2, kind="achievements")
    assert heading_only_ids([part, area]) == {"part"}
    # a part heading the writer typed text under is a section of its own (was: still a container)
    typed = part.add_version(Version(text="人工补写的引言。", origin="edit"))
    assert heading_only_ids([typed, area]) == set()
