"""The bureau's own sentence introducing its problems, taken from its past summaries."""

from __future__ import annotations

import pytest

from drafter.drafting.formulas import choose_problems_lead, first_formula
from drafter.models import SearchHit, StoredChunk

FORMULAS = [
    ("一年来，我区科技工作虽然取得了一定成绩，但也存在一些困难和问题：一是高新技术企业总量偏小。",
     "一年来，我区科技工作虽然取得了一定成绩，但也存在一些困难和问题："),
    ("在肯定成绩的同时，我们也清醒地看到，全市科技工作还存在一些短板和不足。一是省级项目偏少。",
     "在肯定成绩的同时，我们也清醒地看到，全市科技工作还存在一些短板和不足，主要表现在："),
    ("二、存在的问题\n回顾全年工作，我们也清醒地看到，全县科技创新工作与高质量发展要求相比还有差距。主要是：",
     "回顾全年工作，我们也清醒地看到，全县科技创新工作与高质量发展要求相比还有差距，主要表现在："),
    ("全年有3项指标未完成年度目标，存在的问题主要是：", None),  # a figure: not generic
    ("一是高新技术企业总量偏小，二是研发投入不足。", None),  # straight into the list
    ("科技型中小企业评价入库未完成年度目标。", None),  # names no shortfall word
    ("我们清醒地认识到，全县科技工作还存在两项短板：", None),  # a counted numeral
    ("问题不足：", None),  # too short to be a sentence
]  # fmt: skip


@pytest.mark.parametrize(("text", "formula"), FORMULAS)
def test_only_a_generic_opening_sentence_is_a_formula(text: str, formula: str | None) -> None:
    assert first_formula(text) == formula


def hit(bureau: str, region: str, year: int, text: str, kind: str = "problems") -> SearchHit:
    chunk = StoredChunk(
        id=f"{region}{year}", text=text, doc_id=f"{region}{year}", source="x", heading_path="",
        kind=kind, position=5, bureau=bureau, region=region, year=year,
    )  # fmt: skip
    return SearchHit(chunk=chunk, score=0.03)


def test_the_newest_own_formula_wins_and_a_peer_s_never_does() -> None:
    hits = [
        hit("科技局", "示例区", 2024, "一年来，我区科技工作虽然取得了一定成绩，但也存在一些困难和问题：一是……"),
        hit("科学技术局", "示例县", 2023, "一年来，全县科技工作取得了一定成绩，但仍存在一些问题和不足：一是……"),
        hit("科学技术局", "示例县", 2024, "回顾全年工作，我们也清醒地看到，全县科技工作还有差距。一是……"),
        hit("科学技术局", "示例县", 2025, "全县科技工作取得新成效。", kind="closing"),
    ]  # fmt: skip
    assert choose_problems_lead(hits, "示例县科学技术局", "示例县") == (
        "回顾全年工作，我们也清醒地看到，全县科技工作还有差距，主要表现在："
    )
    assert choose_problems_lead(hits, "别的县科学技术局", "别的县") is None
