"""The house outline: this year's outline follows the structure of the bureau's own past
summary (levels, part names, a separate targets section), else the default applies."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from drafter.corpus.segment import chunk_document, parse_document
from drafter.drafting.house_outline import PastHeading, derive_house_outline, shift_years
from drafter.drafting.house_source import (
    house_outline,
    is_own_document,
    own_past_summary,
    past_headings,
)
from drafter.drafting.outline import Outline, load_outline, outline_path_for, plan_sections
from drafter.figures import FiguresFile, build_slot_table
from drafter.models import DocumentInfo, Period, StoredChunk

A, P, PL = "achievements", "problems", "plan"


def h(depth: int, marker: str, title: str, kind: str) -> PastHeading:
    return PastHeading(depth, marker, title, kind)


def figures(period: str = "annual", **extra: object) -> FiguresFile:
    return FiguresFile.model_validate(
        {
            "bureau": "示例市科学技术局",
            "region": "示例市",
            "year": 2025,
            "period": period,
            "sections": [
                {"id": "firms", "name": "强化企业培育", "facts": ["新认定科技型中小企业320家"]},
                {"id": "transfer", "name": "深化成果转化", "facts": ["新建技术转移机构4家"]},
            ],
            "problems": ["高端创新人才不足"],
            "plan": {
                "targets": [{"name": "新增高新技术企业", "value": 50, "unit": "家"}],
                "priorities": ["持续实施企业梯次培育"],
            },
            **extra,
        }
    )


def headings_of(headings: list[PastHeading], period: Period, doc_year: int) -> list[str] | None:
    """The planned headings (level-tagged) of the derived outline, or None for the default."""
    base = load_outline(outline_path_for(period))
    outline = derive_house_outline(headings, doc_year=doc_year, period=period, base=base)
    if outline is None:
        return None
    figs = figures(str(period))
    return [f"{t.level}:{t.heading}" for t in plan_sections(outline, figs, build_slot_table(figs))]


COUNTY = [
    h(1, "一、", "2024年工作总结", A),
    h(2, "（一）", "聚焦主体培育，激发创新活力", A),
    h(2, "（二）", "聚焦成果转化，提升服务效能", A),
    h(1, "二、", "存在的问题和不足", P),
    h(1, "三、", "2025年工作打算", PL),
    h(2, "（一）", "主要目标", PL),
    h(2, "（二）", "重点工作", PL),
]
CITY = [
    h(1, "一、", "强化企业创新主体地位", A),
    h(2, "（一）", "实施企业梯次培育", A),
    h(1, "二、", "深化科技成果转化", A),
    h(1, "三、", "优化创新生态环境", A),
    h(1, "四、", "存在的问题", P),
    h(1, "五、", "2025年工作思路", PL),
    h(2, "（一）", "主要目标", PL),
    h(2, "（二）", "重点任务", PL),
]
DISTRICT = [
    h(1, "一、", "2024年工作开展情况", A),
    h(2, "（一）", "科技创新主体持续壮大", A),
    h(1, "二、", "问题与不足", P),
    h(1, "三、", "2025年工作计划", PL),
    h(2, "（一）", "聚焦企业培育，持续壮大创新主体", PL),
    h(2, "（二）", "聚焦平台建设，提升创新能级", PL),
]
PART_LINES = [
    h(1, "", "2024年工作总结", A),
    h(2, "一、", "强化企业培育", A),
    h(2, "二、", "深化成果转化", A),
    h(1, "", "存在的问题", P),
    h(1, "", "2025年工作打算", PL),
]
HALF_YEAR = [
    h(1, "一、", "上半年主要工作及成效", A),
    h(2, "（一）", "强化企业培育", A),
    h(1, "二、", "存在的困难和问题", P),
    h(1, "三、", "下半年工作安排", PL),
]
NO_PROBLEMS = [
    h(1, "一、", "强化企业培育", A),
    h(1, "二、", "深化成果转化", A),
    h(1, "三、", "下一步打算", PL),
]


@dataclass
class Case:
    name: str
    headings: list[PastHeading]
    expected: list[str] | None
    period: Period = Period.ANNUAL
    doc_year: int = 2024
    notes: list[str] = field(default_factory=list)


CASES = [
    Case(
        "county: areas are （一） points under one 一、 summary part",
        COUNTY,
        [
            "0:",
            "1:一、2025年工作总结",
            "2:（一）强化企业培育",
            "2:（二）深化成果转化",
            "1:二、存在的问题和不足",
            "1:三、2026年工作打算",
            "2:（一）主要目标",
            "2:（二）重点工作",
            "0:",
        ],
    ),
    Case(
        "city: areas are 一、 parts, the later parts continue the numbering",
        CITY,
        [
            "0:",
            "1:一、强化企业培育",
            "1:二、深化成果转化",
            "1:三、存在的问题",
            "1:四、2026年工作思路",
            "2:（一）主要目标",
            "2:（二）重点任务",
            "0:",
        ],
    ),
    Case(
        "district: 工作计划 with thematic points, so no separate targets section",
        DISTRICT,
        [
            "0:",
            "1:一、2025年工作开展情况",
            "2:（一）强化企业培育",
            "2:（二）深化成果转化",
            "1:二、问题与不足",
            "1:三、2026年工作计划",
            "2:",
            "2:",
            "0:",
        ],
    ),
    Case(
        "part lines with 一、 areas under 2024年工作总结 read as city style",
        PART_LINES,
        [
            "0:",
            "1:一、强化企业培育",
            "1:二、深化成果转化",
            "1:三、存在的问题",
            "1:四、2026年工作打算",
            "2:",
            "2:",
            "0:",
        ],
    ),
    Case(
        "half-year: wording kept, no year to shift",
        HALF_YEAR,
        [
            "0:",
            "1:一、上半年主要工作及成效",
            "2:（一）强化企业培育",
            "2:（二）深化成果转化",
            "1:二、存在的困难和问题",
            "1:三、下半年工作安排",
            "2:",
            "2:",
            "0:",
        ],
        Period.HALF_YEAR,
        2025,
    ),
    Case(
        "missing problems part: the default wording fills it, numbered in sequence",
        NO_PROBLEMS,
        [
            "0:",
            "1:一、强化企业培育",
            "1:二、深化成果转化",
            "1:三、存在的问题和不足",
            "1:四、下一步打算",
            "2:",
            "2:",
            "0:",
        ],
    ),
    Case("no headings at all", [], None),
    Case("only a summary part: nothing says how the rest is named", COUNTY[:3], None),
    Case("only thematic areas, no problems or plan", CITY[:4], None),
    Case(
        "a single thematic part is not a recognisable summary part",
        [h(1, "一、", "聚焦主体培育，激发创新活力", A), *COUNTY[3:]],
        None,
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_derived_outline_follows_the_past_structure(case: Case) -> None:
    assert headings_of(case.headings, case.period, case.doc_year) == case.expected


@pytest.mark.parametrize(
    ("text", "doc_year", "expected"),
    [
        ("2024年工作总结", 2024, "${year}年工作总结"),
        ("2025年工作思路", 2024, "${next_year}年工作思路"),
        ("2023年以来主要成效", 2024, "${prev_year}年以来主要成效"),
        ("2020年以来工作回顾", 2024, "2020年以来工作回顾"),
        ("下一步打算", 2024, "下一步打算"),
        ("12020年", 2024, "12020年"),
    ],
)
def test_years_of_the_past_summary_become_placeholders(
    text: str, doc_year: int, expected: str
) -> None:
    assert shift_years(text, doc_year) == expected


def test_the_derived_outline_says_where_it_came_from_and_keeps_the_default_guidance() -> None:
    base = load_outline(outline_path_for(Period.ANNUAL))
    outline = derive_house_outline(CITY, doc_year=2024, period=Period.ANNUAL, base=base)
    assert outline is not None
    assert outline.source == "本单位2024年总结"
    by_id = {s.id: s for s in outline.sections}
    assert by_id["achievements"].guidance == base.sections[1].guidance
    assert [s.id for s in outline.sections] == [s.id for s in base.sections]


# --- reading the headings back from stored chunks -----------------------------------------

CITY_TEXT = """示例市科学技术局2024年工作总结和2025年工作思路
2024年，示例市科学技术局坚持创新驱动发展战略，各项工作取得新成效。
一、强化企业创新主体地位
（一）实施企业梯次培育
全年新认定科技型中小企业300家，组织政策培训8场。我们持续优化服务，企业创新能力不断增强。
（二）加大研发投入激励
兑现研发费用补助资金2000万元，惠及企业180家。研发投入强度稳步提升。
二、深化科技成果转化
技术合同成交额达到45亿元，同比增长12%。新建技术转移机构3家，成果转化渠道进一步拓宽。
三、存在的问题
一是研发投入强度仍低于全省平均水平。二是高端创新人才不足。
四、2025年工作思路
一是持续实施企业梯次培育；二是加快建设技术交易市场；三是大力引进创新人才。
"""

COUNTY_PART_LINES_TEXT = """示例县科学技术局2024年工作总结及2025年工作计划
2024年以来，我局紧紧围绕县委、县政府中心工作，扎实推进各项科技工作。
2024年工作总结
一、科技创新主体持续壮大
新认定高新技术企业12家，科技型中小企业入库86家，企业创新主体地位不断巩固。
二、科技服务能力不断提升
组织科技特派员深入企业开展服务120人次，解决技术难题35个。
存在的问题
企业研发投入不足，创新人才短缺，科技服务能力有待提高。
2025年工作计划
（一）目标任务
新增高新技术企业10家以上。
（二）主要措施
一是强化企业培育；二是加强科技服务。
"""


def stored(text: str, *, min_chars: int = 150) -> list[StoredChunk]:
    doc = parse_document(text)
    return [
        StoredChunk(
            id=f"c{c.position}",
            text=c.text,
            doc_id="doc",
            source="doc.txt",
            heading_path=" > ".join(c.heading_path),
            kind=str(c.kind),
            position=c.position,
        )
        for c in chunk_document(doc, min_chars=min_chars, max_chars=max(min_chars, 500))
    ]


@pytest.mark.parametrize("min_chars", [20, 150, 400])
def test_headings_are_read_back_from_chunks_however_they_are_cut(min_chars: int) -> None:
    got = [
        (x.depth, x.marker, x.title, x.kind)
        for x in past_headings(stored(CITY_TEXT, min_chars=min_chars))
    ]
    assert got == [
        (1, "一、", "强化企业创新主体地位", A),
        (2, "（一）", "实施企业梯次培育", A),
        (2, "（二）", "加大研发投入激励", A),
        (1, "二、", "深化科技成果转化", A),
        (1, "三、", "存在的问题", P),
        (1, "四、", "2025年工作思路", PL),
    ]


def test_part_lines_and_their_numbered_children_are_read_back() -> None:
    got = [(x.depth, x.marker, x.title) for x in past_headings(stored(COUNTY_PART_LINES_TEXT))]
    assert got[:3] == [
        (1, "", "2024年工作总结"),
        (2, "一、", "科技创新主体持续壮大"),
        (2, "二、", "科技服务能力不断提升"),
    ]
    assert (1, "", "2025年工作计划") in got and (2, "（一）", "目标任务") in got
    outline = derive_house_outline(
        past_headings(stored(COUNTY_PART_LINES_TEXT)),
        doc_year=2024,
        period=Period.ANNUAL,
        base=load_outline(outline_path_for(Period.ANNUAL)),
    )
    assert outline is not None
    figs = figures()
    planned = [t.heading for t in plan_sections(outline, figs, build_slot_table(figs))]
    assert planned[1:] == [
        "一、强化企业培育",
        "二、深化成果转化",
        "三、存在的问题",
        "四、2026年工作计划",
        "（一）目标任务",
        "（二）主要措施",
        "",
    ]


# --- choosing the bureau's own summary ------------------------------------------------------


def doc(
    doc_id: str,
    bureau: str | None,
    region: str | None,
    year: int | None,
    period: str | None = "annual",
) -> DocumentInfo:
    return DocumentInfo(
        doc_id=doc_id,
        source=f"{doc_id}.txt",
        content_hash=doc_id,
        n_chunks=1,
        bureau=bureau,
        region=region,
        year=year,
        period=period,
    )


@pytest.mark.parametrize(
    ("stored_doc", "bureau", "region", "own"),
    [
        (doc("a", "科学技术局", "示例市", 2024), "示例市科学技术局", "示例市", True),
        (doc("b", "科技局", "示例市", 2024), "示例市科学技术局", None, True),
        (doc("c", "科学技术局", "样例市", 2024), "示例市科学技术局", "示例市", False),
        (doc("d", "科学技术局", None, 2024), "示例市科学技术局", "示例市", False),
        (doc("e", "农业农村局", "示例市", 2024), "示例市科学技术局", "示例市", False),
        (doc("f", None, "示例市", 2024), "示例市科学技术局", "示例市", False),
        (doc("g", "科技局", None, 2024), "科技局", None, True),
    ],
)
def test_own_documents_match_bureau_and_region(
    stored_doc: DocumentInfo, bureau: str, region: str | None, own: bool
) -> None:
    assert is_own_document(stored_doc, bureau, region) is own


def test_the_most_recent_own_summary_of_the_same_period_before_this_year_is_chosen() -> None:
    docs = [
        doc("old", "科学技术局", "示例市", 2022),
        doc("last", "科学技术局", "示例市", 2024),
        doc("this", "科学技术局", "示例市", 2025),  # the year being drafted: not a past one
        doc("half", "科学技术局", "示例市", 2024, "half_year"),
        doc("other", "科学技术局", "样例市", 2024),
        doc("undated", "科学技术局", "示例市", None),
    ]
    found = own_past_summary(docs, "示例市科学技术局", "示例市", 2025, Period.ANNUAL)
    assert found is not None and found.doc_id == "last"
    half = own_past_summary(docs, "示例市科学技术局", "示例市", 2025, Period.HALF_YEAR)
    assert half is not None and half.doc_id == "half"
    assert own_past_summary(docs, "示例县科学技术局", "示例县", 2025, Period.ANNUAL) is None


class FakeStore:
    """Just the two reads the house outline needs."""

    def __init__(self, docs: list[DocumentInfo], chunks: list[StoredChunk]) -> None:
        self.docs, self.chunks = docs, chunks
        self.read: list[str] = []

    def documents(self) -> list[DocumentInfo]:
        return self.docs

    def chunks_of(self, doc_id: str) -> list[StoredChunk]:
        self.read.append(doc_id)
        return self.chunks


def test_house_outline_from_a_store_and_none_without_an_own_summary() -> None:
    base = load_outline(outline_path_for(Period.ANNUAL))
    store = FakeStore([doc("last", "科学技术局", "示例市", 2024)], stored(CITY_TEXT))

    def derive(bureau: str, region: str) -> Outline | None:
        return house_outline(
            store, bureau=bureau, region=region, year=2025, period=Period.ANNUAL, base=base
        )

    outline = derive("示例市科学技术局", "示例市")
    assert outline is not None and outline.sections[1].heading == ""
    assert store.read == ["last"]
    assert derive("示例县科学技术局", "示例县") is None
