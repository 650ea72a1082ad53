"""The style score: char-bigram cosine of number-free text."""

from __future__ import annotations

import pytest

from drafter.compare.style import number_free, style_score


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("新建省级重点实验室2家、市级工程技术研究中心11家", "新建省级重点实验室X、市级工程技术研究中心X"),
        ("技术合同成交额达到3.5亿元，同比增长12.4%", "技术合同成交额达到X，同比增长X"),
        ("新认定高新技术企业十一家，增长二成", "新认定高新技术企业X，增长X"),
        ("2025年，{F1}家企业入库，完成{F1.rate}", "X，X家企业入库，完成X"),
        ("一是强化统筹。二是狠抓落实。", "一是强化统筹。二是狠抓落实。"),  # ordinals are form
        ("## （一）平台建设\n- 第一批 进一步深化", "（一）平台建设第一批进一步深化"),
    ],
)  # fmt: skip
def test_numbers_slots_and_markdown_are_masked(text: str, expected: str) -> None:
    assert number_free(text) == expected


def test_the_same_voice_with_other_numbers_scores_one() -> None:
    a = "全年新认定高新技术企业14家，比上年增长27.3%。一是强化培育，二是优化服务。"
    b = "全年新认定高新技术企业九家，比上年增长3.1%。一是强化培育，二是优化服务。"
    assert style_score(a, b) == 1.0


def test_closer_wording_scores_higher_and_unrelated_text_low() -> None:
    own = "坚持以科技创新引领产业创新，着力壮大创新主体、提升平台能级、畅通转化渠道，取得积极成效。"
    near = "坚持以科技创新引领产业发展，着力壮大创新主体、提升平台能级，取得明显成效。"
    far = "本公司主营餐饮外卖业务，欢迎新老顾客光临品尝。"
    assert style_score(near, own) > 0.5 > style_score(far, own)
    assert style_score("", own) == 0.0
    assert style_score(near, own) == style_score(own, near)


def test_the_voice_is_what_neither_figures_nor_facts_dictate() -> None:
    from drafter.compare.style import voice_text

    draft = (
        "2025年，我局聚焦企业创新主体，精准施策。一是壮大企业梯队，兑现县级科技奖补资金586万元，"
        "惠及企业71家；二是优化上门服务，逐户明确培育责任人。全年有效高新技术企业达到63家。"
        "企业创新活力持续增强。"
    )
    voice = voice_text(draft, ["兑现县级科技奖补资金586万元，惠及企业71家", "逐户明确培育责任人"])
    assert (
        voice
        == "我局聚焦企业创新主体，精准施策。一是壮大企业梯队，二是优化上门服务，企业创新活力持续增强。"
    )
