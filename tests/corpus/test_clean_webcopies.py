"""The cleaner on web copies from sites it was not written for (issue 17).

tests/data/webcopies/ holds synthetic copies of the example bureau's summaries in the
styles of fourteen kinds of document sites (bench/make_webcopies.py builds them; labels say
which raw lines are furniture, which continue a sentence cut by a page break, which hold
a run-in heading). bench/bench_clean.py reports the same measures in full.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from drafter.corpus.clean import clean_document, clean_text
from drafter.corpus.clean_furniture import line_key, score_line
from drafter.corpus.ingest import LineIndex
from drafter.corpus.read import read_document
from drafter.text.sentences import split_sentences_keep as split_sentences

DATA = Path(__file__).resolve().parents[1] / "data" / "webcopies"
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
NAMES = sorted(p.name.removesuffix(".raw.txt") for p in DATA.glob("*.raw.txt"))


def load(name: str) -> tuple[str, str, dict[str, object]]:
    raw = read_document(DATA / f"{name}.raw.txt").text
    expected = (DATA / f"{name}.expected.txt").read_text(encoding="utf-8").strip()
    labels = json.loads((DATA / f"{name}.labels.json").read_text(encoding="utf-8"))
    return raw, expected, labels


def test_the_set_is_varied() -> None:
    assert len(NAMES) >= 8
    encodings = Counter(load(name)[2]["encoding"] for name in NAMES)
    assert encodings["gbk"] >= 3 and encodings["utf-8"] >= 3
    raws = "\n".join(load(name)[0] for name in NAMES)
    for marker in (r"^\s*\d+、", r"^\s*\d+\.", r"^- \d+ -$", r"^第\d+页", r"^\d+$", r"^— \d+ —$"):
        assert re.search(marker, raws, re.MULTILINE), marker
    assert re.search(r"\d,\d", raws)  # half-width punctuation mixed in


@pytest.mark.parametrize("name", NAMES)
def test_no_sentence_is_lost_and_no_body_line_dropped(name: str) -> None:
    raw, expected, labels = load(name)
    result = clean_document(raw)
    kinds = labels["labels"]
    assert isinstance(kinds, list)
    lost = [raw.split("\n")[i] for i in result.dropped_at if kinds[i] in ("body", "join")]
    assert lost == []
    flat = re.sub(r"\s+", "", result.text)
    missing = [s for s in split_sentences(re.sub(r"\s+", "", expected)) if s not in flat]
    assert missing == []


def _measure(with_store: bool) -> dict[str, Counter[str]]:
    keys = {name: {line_key(x) for x in load(name)[0].split("\n")} for name in NAMES}
    totals: dict[str, Counter[str]] = {k: Counter() for k in ("furniture", "joins", "runin")}
    for name in NAMES:
        raw, _, labels = load(name)
        kinds = labels["labels"]
        assert isinstance(kinds, list)
        index = LineIndex(keys)
        result = clean_document(raw, repeat_count=index.counter_for(name) if with_store else None)
        truth = {
            "furniture": {i for i, k in enumerate(kinds) if k == "furniture"},
            "joins": {i for i, k in enumerate(kinds) if k == "join"},
            "runin": set(labels["runin"]),  # type: ignore[call-overload]
        }
        found = {
            "furniture": set(result.dropped_at),
            "joins": set(result.joined_at),
            "runin": set(result.split_at),
        }
        for key in totals:
            totals[key].update(
                tp=len(found[key] & truth[key]),
                fp=len(found[key] - truth[key]),
                fn=len(truth[key] - found[key]),
            )
    return totals


@pytest.mark.parametrize("with_store", [False, True])
def test_precision_and_recall_on_the_synthetic_copies(with_store: bool) -> None:
    totals = _measure(with_store)

    def precision(c: Counter[str]) -> float:
        return c["tp"] / max(1, c["tp"] + c["fp"])

    def recall(c: Counter[str]) -> float:
        return c["tp"] / max(1, c["tp"] + c["fn"])

    assert precision(totals["furniture"]) >= 0.97 and recall(totals["furniture"]) >= 0.95
    assert precision(totals["joins"]) >= 0.97 and recall(totals["joins"]) >= 0.95
    assert precision(totals["runin"]) >= 0.95 and recall(totals["runin"]) >= 0.9


# --- the shapes named in issue 17 ---------------------------------------------------------

LONG = (
    "全县科技工作紧紧围绕中心大局，加快推动科技与经济紧密结合，在助推经济转型升级中发挥了重要作用"
)


def test_an_indented_block_marker_continues_a_word_cut_at_the_block_end() -> None:
    text = (
        f"4、{LONG}。今年以来，局里组织专家对申\n\n      5、报项目进行评审，共评审项目41项。"
        f"{LONG}，\n\n6、{LONG}。"
    )
    assert clean_text(text) == (
        f"{LONG}。今年以来，局里组织专家对申报项目进行评审，共评审项目41项。{LONG}，{LONG}。"
    )


def test_a_real_list_after_a_full_stop_keeps_its_numbers() -> None:
    text = (
        f"坚持新建与提升并重。{LONG}。具体情况如下：\n"
        f"1、省级平台实现新突破。{LONG}。\n"
        f"2、市级平台数量稳步增加。{LONG}。\n"
        f"3、孵化载体服务持续优化。{LONG}。"
    )
    assert clean_text(text) == text


@pytest.mark.parametrize("counter", ["- {n} -", "— {n} —", "第{n}页", "第{n}页 共3页", "{n}"])
def test_page_counters_between_pages_are_dropped_and_the_sentence_rejoined(counter: str) -> None:
    first, second = f"{LONG}，对引技术工作中容易出现的问题进", f"行了梳理和指导。{LONG}。"
    third = f"（二）全面贯彻创新普惠政策\n{LONG}。"
    text = "\n".join([first, counter.format(n=2), second, counter.format(n=3), third])
    result = clean_document(text)
    assert result.text == f"{first}{second}\n{third}"
    assert result.dropped == [counter.format(n=2), counter.format(n=3)]
    assert result.joined_at == [2]


def test_a_lone_number_line_in_the_text_is_not_a_page_counter() -> None:
    text = f"{LONG}，全年新增\n12\n家企业。{LONG}。"
    assert clean_text(text) == text


@pytest.mark.parametrize(
    ("line", "heading", "body"),
    [
        (
            "二、强化科技项目管理工作今年以来，我局坚持早谋划、早申报，全年申报项目41项。",
            "二、强化科技项目管理工作",
            "今年以来，我局坚持早谋划、早申报，全年申报项目41项。",
        ),
        (
            "（三）科技服务能力明显增强一年来，我们深入企业开展服务，走访企业136家次。",
            "（三）科技服务能力明显增强",
            "一年来，我们深入企业开展服务，走访企业136家次。",
        ),
        (
            "（二）突出项目带动，科技项目组织水平进一步提高坚持早谋划、早对接、早申报，质量明显改善。",
            "（二）突出项目带动，科技项目组织水平进一步提高",
            "坚持早谋划、早对接、早申报，质量明显改善。",
        ),
        (
            "（四）提升知识产权质量全年完成专利申请586件，比上年增长12.5%。",
            "（四）提升知识产权质量",
            "全年完成专利申请586件，比上年增长12.5%。",
        ),
        (
            "三、2025年工作打算2025年是“十四五”规划收官之年，县科技局将坚持创新驱动。",
            "三、2025年工作打算",
            "2025年是“十四五”规划收官之年，县科技局将坚持创新驱动。",
        ),
    ],
)
def test_a_run_in_heading_is_split_from_its_body(line: str, heading: str, body: str) -> None:
    assert clean_text(line) == f"{heading}\n{body}"


@pytest.mark.parametrize(
    "line",
    [
        "3. 孵化载体服务持续优化。县经济开发区科创服务中心建成投用，引入服务机构5家。",
        "（一）聚焦主体培育，企业创新能力持续增强坚持",  # a heading line: no body
        "（一）强化科技创新推动高质量发展。",
        "1. 做实项目储备。建立县级科技项目储备库，征集入库项目52个。",
        "（二）聚焦产业转型,强化创新主体培育。加快高新技术企业梯队培育,今年新增企业228家。",
        "一、全年工作完成情况",
        "（一）大力推动我县科技创新工作取得新成效，全年新增高新技术企业9家。",
    ],
)
def test_headings_with_their_own_sentence_or_no_body_stay_whole(line: str) -> None:
    assert clean_text(line) == line


# --- features, not a word list ------------------------------------------------------------


def test_ui_vocabulary_alone_never_drops_prose() -> None:
    for line in (
        "组织企业下载使用科技服务平台，累计下载量达1万次。",
        "开展知识产权宣传周活动，发布典型案例10个，举报侵权线索3条。",
        "推荐企业申报省级平台，相关部门积极配合，分享了典型经验。",
    ):
        assert score_line(line) < 4, line


def test_a_line_repeated_in_other_stored_documents_counts_as_furniture() -> None:
    text = f"青松书屋精选\n示例县科学技术局2024年工作总结\n{LONG}。\n一、工作总结\n{LONG}。"
    assert clean_text(text) == text  # alone: an unknown short line is kept
    index = LineIndex({"a": {line_key("青松书屋精选")}, "b": {line_key("青松书屋精选")}})
    result = clean_document(text, repeat_count=index.counter_for("c"))
    assert result.dropped == ["青松书屋精选"]
    assert index.counter_for("a")(line_key("青松书屋精选")) == 1  # its own copy does not count


def test_the_example_texts_survive_even_if_every_line_repeats_in_the_store() -> None:
    for path in sorted(EXAMPLES.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        result = clean_document(text, repeat_count=lambda key: 5)
        assert result.text == text.strip(), path.name
        assert result.dropped == []


def test_dropped_lines_and_line_keys_are_reported() -> None:
    raw, _, _ = load(NAMES[0])
    result = clean_document(raw)
    assert result.dropped and len(result.dropped) == len(result.dropped_at)
    lines = [re.sub(r"\s+", " ", line).strip() for line in raw.split("\n")]
    assert all(lines[i] == d for i, d in zip(result.dropped_at, result.dropped, strict=True))
    assert result.line_keys == sorted(set(result.line_keys))
