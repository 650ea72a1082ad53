"""Run-in headings and page breaks at headings in web copies (issue 17).

Table-driven, with lines written for these tests (not taken from the synthetic copies):
headings that ran into their paragraph must be split where the title ends; list items
that are whole sentences, headings alone, subjects that look like titles, numbers and
markers inside prose must stay whole; a page break right after a short heading or the
start of a list item must be rejoined when the next block continues it, and kept when
the heading was complete.
"""

from __future__ import annotations

import pytest

from drafter.corpus.clean import clean_document, clean_text
from drafter.corpus.clean_runin import continues_heading, run_in_split, split_run_in

LONG = "全县科技工作紧紧围绕中心大局，加快推动科技与经济紧密结合，在转型升级中发挥了重要作用"

# (line, heading) — the body is the rest of the line
SPLITS = [
    # time phrase with its comma, after any plausible title
    (
        "二、强化科技项目管理工作今年以来，我局坚持早谋划、早申报，全年申报项目41项。",
        "二、强化科技项目管理工作",
    ),
    (
        "（三）科技服务能力明显增强一年来，我们深入企业开展服务，走访企业136家次。",
        "（三）科技服务能力明显增强",
    ),
    # action title + framing verb / total / subject
    (
        "一、强化企业主体地位坚持把培育高新技术企业作为重点，全年新增高新技术企业8家，总数达到35家。",
        "一、强化企业主体地位",
    ),
    (
        "（三）优化创新服务体系围绕主导产业建设公共服务平台，新建平台3个，服务企业200余家次。",
        "（三）优化创新服务体系",
    ),
    (
        "（四）夯实科技人才队伍通过项目合作柔性引进专家15名，培养本土技术骨干60人。",
        "（四）夯实科技人才队伍",
    ),
    (
        "（五）深化科技体制改革按照县委部署推进职务科技成果赋权改革，试点单位扩大到4家。",
        "（五）深化科技体制改革",
    ),
    (
        "（四）提升知识产权质量全年完成专利申请586件，比上年增长12.5%，其中发明专利112件。",
        "（四）提升知识产权质量",
    ),
    (
        "（五）加强作风建设我局以党纪学习教育为契机，修订制度8项，开展廉政谈话30人次。",
        "（五）加强作风建设",
    ),
    # action title + action verb / manner adverb / verb taking a prepositional phrase
    (
        "（二）加强项目管理组织申报省级项目46项，获批立项12项，争取上级资金860万元。",
        "（二）加强项目管理",
    ),
    (
        "1. 完善知识产权服务积极开展专利导航和贯标辅导，指导企业贯标11家，新增发明专利35件。",
        "1. 完善知识产权服务",
    ),
    (
        "（1）提升孵化载体能级持续推进众创空间提档升级，新增省级众创空间1家，在孵企业86家。",
        "（1）提升孵化载体能级",
    ),
    (
        "（二）着力壮大创新主体健全科技型企业培育机制，对入库企业实行分类指导、精准服务。",
        "（二）着力壮大创新主体",
    ),
    (
        "（四）着力推动成果转化深化与省农科院的合作，共建试验示范基地2个，转化成果5项。",
        "（四）着力推动成果转化",
    ),
    # two-part titles (one comma) ending in their result; the body may open with a noun
    (
        "（二）聚焦重点产业，农业科技支撑作用日益增强县农科所联合企业选育新品种3个，推广面积12万亩。",
        "（二）聚焦重点产业，农业科技支撑作用日益增强",
    ),
    (
        "（三）坚持党建引领，机关作风建设持续加强深入开展警示教育，组织专题学习12次，查摆问题9个。",
        "（三）坚持党建引领，机关作风建设持续加强",
    ),
    (
        "（四）推进协同创新，产学研合作成效明显联合高校院所共建研发中心2个，签订技术合同38项。",
        "（四）推进协同创新，产学研合作成效明显",
    ),
    (
        "(二)突出项目带动,科技项目组织水平进一步提高坚持早谋划、早对接,全年申报项目58项,立项21项。",
        "(二)突出项目带动,科技项目组织水平进一步提高",
    ),
    (
        "（六）深化开放合作，创新资源集聚能力不断提升动态更新县外专家库，新增入库专家40名，对接项目9个。",
        "（六）深化开放合作，创新资源集聚能力不断提升",
    ),
    # a section name before a subject: two subjects in a row
    (
        "（一）主要目标全县高新技术企业达到60家，研发经费投入强度达到2.5%，技术合同成交额5亿元。",
        "（一）主要目标",
    ),
    # a part title of the summary
    (
        "三、2025年工作打算2025年是“十四五”规划收官之年，县科技局将坚持创新驱动。",
        "三、2025年工作打算",
    ),
]


@pytest.mark.parametrize(("line", "heading"), SPLITS)
def test_a_run_in_heading_is_split_where_its_title_ends(line: str, heading: str) -> None:
    assert split_run_in(line) == [heading, line[len(heading) :]]
    assert clean_text(line) == f"{heading}\n{line[len(heading) :]}"
    assert clean_document(line).split_at == [0]


WHOLE = [
    # one-line list items that are complete sentences
    "1.组织申报项目46项。",
    "1、组织申报省级项目46项。",
    "（二）加强项目管理组织申报省级项目46项。",
    "（1）组织开展科技活动周宣传活动；",
    "1. 加强项目管理，组织申报省级项目46项，获批立项12项。",
    # a preposition frame is no title: "组织专家对申报项目" needs its verb
    "2. 组织专家对申报项目进行评审，共评审项目41项，推荐立项15项。",
    # a noun phrase before a verb is the sentence's subject
    "1、全县科技工作紧紧围绕中心大局，加快推动科技与经济紧密结合，发挥了重要作用。",
    "（一）科技特派员队伍坚持深入一线开展服务，全年服务农户3200户，解决技术难题260个。",
    "（三）区域科技协同发展水平不断提升，全县科技进步贡献率达到58%，比上年提高2个百分点。",
    # serial verbs inside an action title; a result verb is no opener
    "（一）强化科技创新推动高质量发展，全年新增高新技术企业9家，总数达到42家。",
    "（一）强化科技创新推动高质量发展。",
    "（一）大力推动我县科技创新工作取得新成效，全年新增高新技术企业9家。",
    # a title carries no figures
    "1、全年新增高新技术企业12家，研发投入持续增长比上年增长15%，总量达到3.2亿元。",
    # headings with their own sentence, or alone, or with too short a tail
    "3. 孵化载体服务持续优化。县经济开发区科创服务中心建成投用，引入服务机构5家。",
    "1. 省级平台实现新突破。恒川公司获批省级工程技术研究中心，实现零的突破。",
    "（二）聚焦产业转型,强化创新主体培育。加快高新技术企业梯队培育,今年新增企业228家。",
    "（一）聚焦主体培育，企业创新能力持续增强研发",
    "（二）加强科技服务",
    "一、2024年主要工作及成效",
    "二、存在的问题和不足",
    # numbers and markers inside prose, lists of numerals, quotes
    "1、2号楼主体工程已完工，3号楼正在进行内部装修，预计年底投入使用。",
    "一、二、三等奖分别奖励5万元、3万元和1万元，共奖励企业18家，兑现资金52万元。",
    "“一、二、三产业融合发展”是我县的重要举措，全年组织申报融合项目12项。",
    "全县上下围绕“一、二、三产业融合”组织开展专题调研，形成调研报告3篇。",
    "12.5%的企业建立了研发机构，比上年提高3个百分点，研发投入持续增加。",
    "2024年，县科技局在县委、县政府的坚强领导下，坚持创新驱动发展战略。",
]


@pytest.mark.parametrize("line", WHOLE)
def test_lines_that_are_no_run_in_heading_stay_whole(line: str) -> None:
    assert run_in_split(line) is None
    assert clean_text(line) == line


# --- page breaks right after a heading or a list item's first words ----------------------

# (block before the break, block after it, the clean text)
JOINS = [
    (
        "（三）强化",
        "企业主体地位坚持把培育高新技术企业作为重点，全年新增高新技术企业8家，总数达到35家。",
        "（三）强化企业主体地位\n坚持把培育高新技术企业作为重点，全年新增高新技术企业8家，总数达到35家。",
    ),
    (
        "2.组织专家对申",
        "报项目进行评审，共评审项目41项，推荐立项15项。",
        "2.组织专家对申报项目进行评审，共评审项目41项，推荐立项15项。",
    ),
    (
        "3. 孵化载体服务",
        "持续优化。县经济开发区科创服务中心建成投用，引入服务机构5家。",
        "3. 孵化载体服务持续优化。县经济开发区科创服务中心建成投用，引入服务机构5家。",
    ),
    (
        "（二）着力壮大创新主体完",
        "善科技型企业培育机制，对入库企业实行分类指导、精准服务，全年入库企业46家。",
        "（二）着力壮大创新主体\n完善科技型企业培育机制，对入库企业实行分类指导、精准服务，全年入库企业46家。",
    ),
    (
        "（五）畅通转化渠道，产学研合作走深走实聚",
        "焦企业技术需求，组织高校院所专家走访企业60家次，促成合作项目14项。",
        "（五）畅通转化渠道，产学研合作走深走实\n聚焦企业技术需求，组织高校院所专家走访企业60家次，促成合作项目14项。",
    ),
    (
        "（五）深化产学研合",
        "作，科技成果转化加快推进",
        "（五）深化产学研合作，科技成果转化加快推进",
    ),
]

KEPT = [
    ("（三）加快平台建设", "坚持新建与提升并重，全年新建市级以上研发平台5个，总数达到41个。"),
    ("（一）主要目标", "全年新增高新技术企业10家，研发投入强度达到2.5%。"),
    ("二、存在的问题和不足", "企业创新主体作用发挥不够，研发投入总量偏小，高层次人才引进难。"),
    ("（三）科技赋能乡村振兴", "县农业科技园区新引进企业3家，建成示范基地5个，带动农户1200户。"),
    ("（二）强化项目引领，争取上级支持成效明显", "坚持以项目为抓手，全年争取上级资金1860万元。"),
    ("（二）加强项目管理", "（三）优化创新服务"),
    ("1. 省级平台实现新突破。", "恒川公司获批省级工程技术研究中心，实现零的突破。"),
]

COUNTERS = ["- {n} -", "— {n} —", "第{n}页", "第{n}页 共5页"]


def _lines(text: str) -> str:
    """The text without blank lines (a site's page blocks may leave one)."""
    return "\n".join(line for line in text.split("\n") if line)


def _paged(before: str, after: str, counter: str) -> str:
    return "\n".join(
        [f"{LONG}。", counter.format(n=2), before, counter.format(n=3), after, f"{LONG}。"]
    )


@pytest.mark.parametrize("counter", COUNTERS)
@pytest.mark.parametrize(("before", "after", "clean"), JOINS)
def test_a_heading_cut_by_a_page_counter_is_rejoined(
    before: str, after: str, clean: str, counter: str
) -> None:
    result = clean_document(_paged(before, after, counter))
    assert result.text == f"{LONG}。\n{clean}\n{LONG}。"
    assert result.joined_at == [4]


@pytest.mark.parametrize("counter", COUNTERS)
@pytest.mark.parametrize(("before", "after"), KEPT)
def test_a_complete_heading_before_a_page_counter_keeps_its_line(
    before: str, after: str, counter: str
) -> None:
    result = clean_document(_paged(before, after, counter))
    assert result.text == f"{LONG}。\n{before}\n{after}\n{LONG}。"
    assert result.joined_at == []


@pytest.mark.parametrize(("before", "after", "clean"), JOINS)
def test_a_heading_cut_by_a_site_page_block_is_rejoined(
    before: str, after: str, clean: str
) -> None:
    # running page blocks "N、" that start after a blank line, indented or not
    text = f"1、{LONG}。\n{before}\n\n      2、{after}\n{LONG}，全县科技工作\n\n3、持续向好。"
    assert _lines(clean_text(text)) == f"{LONG}。\n{clean}\n{LONG}，全县科技工作持续向好。"


@pytest.mark.parametrize(("before", "after"), KEPT[:5])
def test_a_complete_heading_before_a_site_page_block_keeps_its_line(
    before: str, after: str
) -> None:
    text = f"1、{LONG}，全县\n\n2、科技{LONG}。\n{before}\n\n3、{after}"
    assert _lines(clean_text(text)) == f"{LONG}，全县科技{LONG}。\n{before}\n{after}"


def test_the_first_words_of_a_paragraph_under_a_heading_are_rejoined() -> None:
    text = "\n".join(
        [
            f"{LONG}。",
            "- 2 -",
            "（四）聚焦平台载体，夯实创新基础支撑",
            "支持龙头企业联",
            "- 3 -",
            "合高校院所建设省级重点实验室，推动现有平台提档升级。",
        ]
    )
    assert clean_text(text) == (
        f"{LONG}。\n（四）聚焦平台载体，夯实创新基础支撑\n"
        "支持龙头企业联合高校院所建设省级重点实验室，推动现有平台提档升级。"
    )


@pytest.mark.parametrize(
    ("before", "heading", "short"),
    [
        (f"{LONG}。", "示例县科学技术局", "2025年1月10日"),  # organ and date lines
        (f"{LONG}。", "（一）主要目标", "目标任务分解"),  # an unmarked sub-title after a heading
        ("（二）工作措施", "主要做法", "坚持问题导向"),  # not under a marker-led heading
    ],
)
def test_short_lines_that_are_no_cut_paragraph_keep_their_break(
    before: str, heading: str, short: str
) -> None:
    text = "\n".join([before, "- 2 -", heading, short, "- 3 -", f"{LONG}。"])
    kept = "\n".join([before, heading, short, f"{LONG}。"])
    assert clean_text(text) in (kept,)


def test_a_list_of_numbered_headings_keeps_its_lines() -> None:
    text = "\n".join(
        [
            "（一）实施梯次培育，创新主体队伍不断壮大",
            LONG + "。",
            "1.省级平台实现新突破",
            "（1）工程技术研究中心",
            "2.市级平台数量稳步增加",
            "（2）重点实验室",
            "3.孵化载体服务持续优化",
            "（二）突出项目带动",
        ]
    )
    assert clean_text(text) == text


@pytest.mark.parametrize(
    ("prev", "nxt", "joined"),
    [
        ("（三）强化", "企业主体地位坚持把培育高新技术企业作为重点，全年新增8家。", True),
        ("2.组织专家对申", "报项目进行评审，共评审项目41项。", True),
        ("3. 孵化载体服务", "持续优化。县经济开发区科创服务中心建成投用。", True),
        ("（三）加快平台建设", "坚持新建与提升并重，全年新建市级以上研发平台5个。", False),
        ("（三）加快平台建设", "（四）强化人才支撑", False),
        ("（1）工程技术研究中心", "市级平台数量稳步增加", False),
        ("（五）深化产学研合作，科技成", "果转化加快推进", True),
        ("（五）深化产学研合", "作，科技成果转化加快推进", True),
        ("（一）主要目标", "力争全年新增10家。", False),
        ("1. 省级平台实现新突破。", "恒川公司获批省级工程技术研究中心。", False),
        ("示例县科学技术局", "2025年1月10日", False),
        ("二、2024年工作总结", "今年以来，我局坚持创新驱动，全年新增高新技术企业9家。", False),
    ],
)
def test_continues_heading(prev: str, nxt: str, joined: bool) -> None:
    assert continues_heading(prev, nxt) is joined
