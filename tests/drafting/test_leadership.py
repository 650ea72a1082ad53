"""The leadership line: found in past summaries, chosen own-bureau first, adapted for peers."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import EXAMPLES
from test_guided import context, small_model, task

from drafter.corpus.meta import is_own_bureau
from drafter.drafting.chain import SectionRequest, draft_section
from drafter.drafting.leadership import (
    adapt_line,
    choose_line,
    find_lines,
    region_suffix,
    with_leadership,
)
from drafter.models import SearchHit, StoredChunk
from drafter.review.workflow import plan_draft


@pytest.mark.parametrize(
    ("text", "lines"),
    [
        (
            "2024年，在市委、市政府的正确领导和省科技厅的精心指导下，市科技局坚持创新驱动。",
            ["在市委、市政府的正确领导和省科技厅的精心指导下"],
        ),
        ("县科技局在县委、县政府的坚强领导下，锚定目标任务。", ["在县委、县政府的坚强领导下"]),
        (
            "今年以来，在区委区政府的正确领导下，在市科技局的大力支持下，我局扎实推进各项工作。",
            ["在区委区政府的正确领导下，在市科技局的大力支持下"],
        ),
        ("新的一年，我们将在州委、州政府的坚强领导下，真抓实干。", ["在州委、州政府的坚强领导下"]),
        ("在局党组的带领下，全局干部攻坚克难。", ["在局党组的带领下"]),
        (
            "县科技局在县委、县政府的坚强领导下和上级科技部门的精心指导下，坚持创新驱动。",
            ["在县委、县政府的坚强领导下和上级科技部门的精心指导下"],
        ),
        ("在上级部门的关心支持下，平台建设取得突破。", ["在上级部门的关心支持下"]),
        (
            "在旗委、旗政府的坚强领导下,在盟科技局的悉心指导下,",
            ["在旗委、旗政府的坚强领导下，在盟科技局的悉心指导下"],
        ),
        # negatives: no 下 after a leadership word, no organ, a number, 在 inside a word
        ("在领导干部会议上作了交流发言。", []),
        ("在全体干部职工的共同努力下，各项指标完成良好。", []),
        ("在企业的大力支持下，活动顺利开展。", []),
        ("在2024年县委的领导下推进。", []),
        ("存在上级部门指导下工作被动的问题。", []),
        ("在" + "县委县政府、" * 8 + "的坚强领导下", []),  # too long for a clause
        ("在县委的领导下，在" + "市科技局、" * 10 + "的支持下", ["在县委的领导下"]),
        ("坚持以习近平新时代中国特色社会主义思想为指导，深入贯彻落实。", []),
    ],
)
def test_leadership_lines_are_found(text: str, lines: list[str]) -> None:
    assert find_lines(text) == lines


@pytest.mark.parametrize(
    ("region", "suffix"),
    [("示例市", "市"), ("示例县", "县"), ("示例区", "区"), ("某某自治州", "州"), ("某某自治县", "县"),
     ("某某旗", "旗"), ("某某盟", "盟"), (None, None), ("某某镇", None)],
)  # fmt: skip
def test_region_suffix(region: str | None, suffix: str | None) -> None:
    assert region_suffix(region) == suffix


@pytest.mark.parametrize(
    ("line", "suffix", "peer_region", "same_region", "adapted"),
    [
        # a city peer's line for a county: level changed, superior generalised
        ("在市委、市政府的正确领导和省科技厅的精心指导下", "县", "示例市", False,
         "在县委、县政府的正确领导和上级科技部门的精心指导下"),
        # the peer's region name goes first
        ("在示例市委、示例市人民政府的坚强领导下", "区", "示例市", False,
         "在区委、区人民政府的坚强领导下"),
        ("在区委区政府的正确领导下，在市科技局、省科技厅的大力支持下", "州", "示例区", False,
         "在州委州政府的正确领导下，在上级科技部门的大力支持下"),
        # a 科委 is not a party committee: 市科委 is a superior, not a level
        ("在县委、县政府的坚强领导和市科委的指导下", "区", "某县", False,
         "在区委、区政府的坚强领导和上级科技部门的指导下"),
        # same region: level kept, superiors generalised
        ("在县委、县政府的坚强领导和市发展改革委的精心指导下", "县", "示例县", True,
         "在县委、县政府的坚强领导和市发展改革委的精心指导下"),
        ("在县委、县政府的坚强领导和市科学技术局的精心指导下", "县", "示例县", True,
         "在县委、县政府的坚强领导和上级科技部门的精心指导下"),
        # no region suffix of our own: a peer's level cannot be adapted
        ("在市委、市政府的正确领导下", None, "示例市", False, None),
    ],
)  # fmt: skip
def test_peer_lines_are_adapted(
    line: str, suffix: str | None, peer_region: str, same_region: bool, adapted: str | None
) -> None:
    assert (
        adapt_line(line, suffix=suffix, peer_region=peer_region, same_region=same_region) == adapted
    )


def chunk_hit(
    text: str, bureau: str | None, region: str | None, year: int | None, kind: str = "opening"
) -> SearchHit:
    chunk = StoredChunk(
        id=f"{bureau}{year}{kind}", text=text, doc_id=f"{bureau}{year}", source=f"{bureau}{year}.txt",
        heading_path="", kind=kind, position=0, year=year, bureau=bureau, region=region,
    )  # fmt: skip
    return SearchHit(chunk=chunk, score=0.02)


CITY = "在市委、市政府的正确领导和省科技厅的精心指导下"
OWN_OLD = "在市委、市政府的坚强领导下"
OWN_NEW = "在市委、市政府的正确领导和省科技厅的悉心指导下"


@pytest.mark.parametrize(
    ("hits", "bureau", "region", "expected"),
    [
        # own bureau beats a peer ranked higher by the retriever, the newest year wins
        ([chunk_hit(f"2024年，{CITY}，他局工作。", "另一市科技局", "另一市", 2024),
          chunk_hit(f"2022年，{OWN_OLD}，我局工作。", "科学技术局", "示例市", 2022),
          chunk_hit(f"2023年，{OWN_NEW}，我局工作。", "科技局", "示例市", 2023)],
         "示例市科学技术局", "示例市", OWN_NEW),
        # same region before a peer; its superior generalised, its level kept
        ([chunk_hit("在区委区政府的正确领导下，在市科技局的大力支持下，工作有序推进。", "示例区科技局", "示例区", 2024),
          chunk_hit("在县委、县政府的坚强领导和市科技局的指导下，开展工作。", "示例县发展和改革局", "示例县", 2024)],
         "示例县科学技术局", "示例县", "在县委、县政府的坚强领导和上级科技部门的指导下"),
        # only a peer: adapted to the bureau's level
        ([chunk_hit(f"2024年，{CITY}，市科技局工作。", "示例市科学技术局", "示例市", 2024)],
         "示例区科技局", "示例区", "在区委、区政府的正确领导和上级科技部门的精心指导下"),
        # a closing passage serves as well
        ([chunk_hit("新的一年，我们将在县委、县政府的坚强领导下，真抓实干。", "示例县科学技术局", "示例县", 2024, "closing")],
         "示例县科学技术局", "示例县", "在县委、县政府的坚强领导下"),
        # nothing that fits
        ([chunk_hit("全年工作稳中有进，在全体干部职工的共同努力下完成任务。", "示例县科学技术局", "示例县", 2024)],
         "示例县科学技术局", "示例县", None),
        ([], "示例县科学技术局", "示例县", None),
    ],
)  # fmt: skip
def test_the_line_is_chosen_own_bureau_then_region_then_peer(
    hits: list[SearchHit], bureau: str, region: str, expected: str | None
) -> None:
    assert choose_line(hits, bureau, region) == expected


@pytest.mark.parametrize(
    ("lead", "line", "expected"),
    [
        ("县科技局坚持创新驱动。", "在县委、县政府的坚强领导下", "在县委、县政府的坚强领导下，县科技局坚持创新驱动。"),
        ("在市委、市政府的领导下，我局坚持创新驱动。", "在县委、县政府的坚强领导下",
         "在县委、县政府的坚强领导下，我局坚持创新驱动。"),
        ("我局坚持创新驱动。", None, "我局坚持创新驱动。"),
    ],
)  # fmt: skip
def test_the_opening_lead_carries_the_line(lead: str, line: str | None, expected: str) -> None:
    assert with_leadership(lead, line) == expected


# --- wired into guided drafting -----------------------------------------------------------------


@pytest.fixture(scope="module")
def plan() -> Any:
    return plan_draft(EXAMPLES / "figures-2025.yaml", None)


def counting_retriever(text: str, calls: list[tuple[str, str]]) -> Any:
    def retrieve(query: str, kind: str, k: int) -> list[SearchHit]:
        calls.append((query, kind))
        return [chunk_hit(text, "示例县科学技术局", "示例县", 2024, kind)]

    return retrieve


def test_context_looks_the_line_up_once_and_none_without_a_store(plan: Any) -> None:
    calls: list[tuple[str, str]] = []
    ctx = context(plan, small_model, retriever=counting_retriever(f"2024年，{CITY}，工作。", calls))
    assert ctx.leadership_line() == CITY  # the same bureau: kept as written
    assert ctx.leadership_line() == CITY
    assert len(calls) == 2  # one question per kind (opening, closing), once per run
    assert context(plan, small_model).leadership_line() is None


def test_opening_and_closing_carry_the_bureaus_line(plan: Any) -> None:
    calls: list[tuple[str, str]] = []
    ctx = context(plan, small_model, retriever=counting_retriever(f"2024年，{CITY}，工作。", calls))
    opening = draft_section(SectionRequest(task(plan, "opening")), ctx)
    assert opening.text.startswith(f"2025年，{CITY}，")
    assert opening.text.count("领导") == 1

    def refuses(messages: list[dict[str, Any]]) -> str:
        return "好的。"  # too short every time: code writes the closing

    closing = draft_section(
        SectionRequest(task(plan, "closing")),
        context(plan, refuses, retriever=counting_retriever(CITY + "，工作。", calls)),
    )
    assert closing.origin == "fallback"
    assert closing.text.startswith(f"新的一年，我们将{CITY}，")


def test_without_a_line_the_closing_keeps_the_regions_leaders(plan: Any) -> None:
    def refuses(messages: list[dict[str, Any]]) -> str:
        return "好的。"

    closing = draft_section(SectionRequest(task(plan, "closing")), context(plan, refuses))
    assert closing.text.startswith("新的一年，我们将在县委、县政府的坚强领导下，")


@pytest.mark.parametrize(
    ("chunk_bureau", "chunk_region", "bureau", "region", "same"),
    [
        ("科学技术局", "示例县", "示例县科学技术局", None, True),  # as the store keeps it
        ("科技局", "示例县", "示例县科学技术局", None, True),
        ("示例县科学技术局", None, "示例县科学技术局", None, True),
        ("科学技术局", "示例市", "示例县科学技术局", None, False),
        ("发展和改革局", "示例县", "示例县科学技术局", None, False),
        (None, "示例县", "示例县科学技术局", None, False),
        # a figures file naming its bureau short, with its region apart
        ("科技局", "示例县", "县科技局", "示例县", True),
        ("科技局", "示例市", "县科技局", "示例县", False),
    ],
)  # fmt: skip
def test_the_bureaus_own_chunks_are_recognised(
    chunk_bureau: str | None,
    chunk_region: str | None,
    bureau: str,
    region: str | None,
    same: bool,
) -> None:
    assert is_own_bureau(chunk_bureau, chunk_region, bureau, region) is same


def test_the_bureaus_own_line_is_kept_when_its_name_is_short() -> None:
    """choose_line passes the figures file's region to the one rule (it once did not, and
    the bureau's own line was taken for a same-region peer's and generalised)."""
    hit = chunk_hit(
        "今年以来，县科技局在县委、县政府和市科技局的坚强领导下，扎实推进各项工作。",
        "科技局",
        "示例县",
        2024,
    )
    line = choose_line([hit], "县科技局", "示例县")
    assert line is not None and "市科技局" in line
