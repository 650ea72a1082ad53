"""Number style of code-written phrases: integers without ".0", data decimals as given."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from drafter.figures import FiguresFile, build_slot_table
from drafter.figures.quantities import Number
from drafter.figures.wording import (
    change_wording,
    completion_wording,
    delta_wording,
    format_derived,
)
from drafter.models import Period


@pytest.mark.parametrize(
    ("value", "target", "unit", "text"),
    [
        (105, 100, "家", "完成年度目标的105%"),
        (D("105.0"), 100, "家", "完成年度目标的105%"),
        (D("52.50"), D("50.00"), "万元", "完成年度目标的105%"),
        (100, 100, "项", "完成年度目标的100%"),
        (D("99.96"), 100, "家", "完成年度目标的99.96%"),  # never rounded to 100%
        (1, 3, "家", "完成年度目标的33.3%"),
        (D("2.10"), D("2.00"), "%", "高于年度目标0.1个百分点"),
        (D("2.10"), D("2.10"), "%", "达到年度目标"),
        (D("1.9"), D("2.0"), "%", "低于年度目标0.1个百分点"),
        (D("2.03"), D("2.0"), "%", "高于年度目标0.03个百分点"),
    ],
)
def test_completion_rate_style(value: Number, target: Number, unit: str, text: str) -> None:
    assert completion_wording(value, target, unit).text == text


@pytest.mark.parametrize(
    ("value", "previous", "unit", "text"),
    [
        (105, 100, "家", "同比增长5%"),
        (D("126.0"), D("100.0"), "家", "同比增长26%"),
        (7, 6, "家", "同比增长16.7%"),
        (96, 100, "家", "同比下降4%"),
        (200, 100, "项", "同比翻一番"),
        (300, 100, "项", "同比增长2倍"),
        (D("300.0"), D("100.0"), "项", "同比增长2倍"),
        (304, 100, "项", "同比增长2.04倍"),  # not "2倍": that would be exactly 3×
        (250, 100, "项", "同比增长1.5倍"),
        (D("2.10"), D("2.00"), "%", "比上年提高0.1个百分点"),
        (D("2.03"), D("1.86"), "%", "比上年提高0.17个百分点"),
        (D("1.50"), D("1.50"), "亿元", "与上年持平"),
        (5, 0, "家", "实现零的突破"),
    ],
)
def test_year_on_year_style(value: Number, previous: Number, unit: str, text: str) -> None:
    assert change_wording(value, previous, unit).text == text


@pytest.mark.parametrize(
    ("value", "previous", "unit", "text"),
    [
        (D("300.0"), D("100.0"), "家", "增加200家"),
        (D("1.50"), D("1.00"), "亿元", "增加0.5亿元"),
        (D("12.50"), D("10.25"), "万元", "增加2.25万元"),
        (D("2.10"), D("2.00"), "%", "提高0.1个百分点"),
        (-60, 0, "万元", "减少60万元"),
        (D("4.12"), D("4.86"), "件", "减少0.74件"),
    ],
)
def test_delta_style(value: Number, previous: Number, unit: str, text: str) -> None:
    wording = delta_wording(value, previous, unit, Period.ANNUAL)
    assert wording.text == text
    assert ".0" not in text.replace("0.", "")  # no padded zeros anywhere


@pytest.mark.parametrize(
    ("value", "written"),
    [(D("105.0"), "105"), (D("16.70"), "16.7"), (D("0.04"), "0.04"), (D("2E+2"), "200")],
)
def test_format_derived(value: D, written: str) -> None:
    assert format_derived(value) == written


def test_data_figures_keep_their_decimals_while_derived_ones_drop_zeros() -> None:
    figures = FiguresFile.model_validate(
        {
            "bureau": "测试局",
            "year": 2025,
            "sections": [
                {
                    "name": "研发投入",
                    "indicators": [
                        {
                            "name": "研发投入强度",
                            "value": D("2.10"),
                            "unit": "%",
                            "previous": D("2.00"),
                            "target": D("2.00"),
                        },
                        {
                            "name": "技术合同成交额",
                            "value": D("1.50"),
                            "unit": "亿元",
                            "previous": D("1.00"),
                            "target": D("1.20"),
                        },
                    ],
                }
            ],
        }
    )
    table = build_slot_table(figures)
    assert table.render("{F1}，{F1.prev}，{F1.yoy}，{F1.rate}") == (
        "2.10%，2.00%，比上年提高0.1个百分点，高于年度目标0.1个百分点"
    )
    assert (
        table.render("{F2}，{F2.delta}，{F2.rate}") == "1.50亿元，增加0.5亿元，完成年度目标的125%"
    )
    allowed = table.allowed_values()
    assert (D("0.1"), "个百分点") in allowed and (D("0.5"), "亿元") in allowed
