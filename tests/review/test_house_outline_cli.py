"""`drafter draft` follows the bureau's own past summary in the store: a city bureau's
summary with its work areas as 一、 parts gives this year's draft the same structure, and
`regenerate` keeps it (the derived outline is kept in the draft directory)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import drafter_cli

from drafter.testing import ScriptedDrafter, StubLLMServer

PAST = """示例市科学技术局2024年工作总结和2025年工作思路
2024年，示例市科学技术局坚持创新驱动发展战略，聚焦科技自立自强，各项工作取得新成效。全市高新技术企业达到520家，技术合同成交额45亿元。
一、强化企业创新主体地位
（一）实施企业梯次培育
全年新认定科技型中小企业300家，组织政策培训8场，覆盖企业400余家。我们持续优化服务，建立企业培育库，企业创新能力不断增强。
（二）加大研发投入激励
兑现研发费用补助资金2000万元，惠及企业180家。引导企业建立研发准备金制度，研发投入强度稳步提升。
二、深化科技成果转化
（一）建设技术交易市场
技术合同成交额达到45亿元，同比增长12%。新建技术转移机构3家，成果转化渠道进一步拓宽。
（二）推进产学研合作
组织校企对接活动15场，签约合作项目60项。校地合作持续深化，创新资源加快集聚。
三、优化创新生态环境
出台支持政策5项，新建省级以上创新平台12个，引进高层次人才团队8个，创新生态持续优化。
四、存在的问题
一是研发投入强度仍低于全省平均水平。二是高端创新人才不足，企业创新能力有待提升。
五、2025年工作思路
（一）主要目标
新增高新技术企业50家，技术合同成交额突破50亿元。
（二）重点任务
一是持续实施企业梯次培育；二是加快建设技术交易市场；三是大力引进创新人才。
示例市科学技术局
2024年12月20日
"""

FIGURES = """bureau: 示例市科学技术局
region: 示例市
year: 2025
sections:
  - id: firms
    name: 强化企业创新主体地位
    indicators:
      - {name: 高新技术企业, value: 570, unit: 家, previous: 520}
    points:
      - name: 实施企业梯次培育
        facts: [新认定科技型中小企业320家]
      - name: 加大研发投入激励
        facts: [兑现研发费用补助资金2100万元，惠及企业190家]
  - id: transfer
    name: 深化科技成果转化
    indicators:
      - {name: 技术合同成交额, value: 50, unit: 亿元, previous: 45}
    facts: [新建技术转移机构4家]
problems: [高端创新人才不足]
plan:
  targets: [{name: 新增高新技术企业, value: 50, unit: 家}]
  priorities: [持续实施企业梯次培育]
"""

ENV = {"DRAFTER_DRAFT_MODE": "slots", "DRAFTER_LLM_CONCURRENCY": "2"}


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A work directory with the city bureau's 2024 summary ingested into a real store."""
    root = tmp_path_factory.mktemp("house")
    docs = root / "docs"
    docs.mkdir()
    (docs / "示例市科学技术局2024年工作总结和2025年工作思路.txt").write_text(PAST, encoding="utf-8")
    drafter_cli("ingest", "docs", "--store", "store", cwd=root)
    (root / "figures.yaml").write_text(FIGURES, encoding="utf-8")
    county = FIGURES.replace("示例市", "示例县")
    (root / "county.yaml").write_text(county, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def server() -> Iterator[StubLLMServer]:
    with StubLLMServer(ScriptedDrafter()) as stub:
        yield stub


def headings(draft_md: Path) -> list[str]:
    return [
        line for line in draft_md.read_text(encoding="utf-8").splitlines() if line.startswith("##")
    ]


def draft(workdir: Path, server: StubLLMServer, figures: str, out: str, *extra: str) -> str:
    result = drafter_cli(
        "draft",
        figures,
        "--out",
        out,
        "--llm-base-url",
        server.base_url,
        "--store",
        "store",
        *extra,
        cwd=workdir,
        env=ENV,
    )
    return str(result.stderr).replace("\n", "")


CITY_HEADINGS = [
    "## 一、强化企业创新主体地位",
    "### （一）实施企业梯次培育",
    "### （二）加大研发投入激励",
    "## 二、深化科技成果转化",
    "## 三、存在的问题",
    "## 四、2026年工作思路",
    "### （一）主要目标",
    "### （二）重点任务",
]


def test_draft_follows_the_city_structure_and_regenerate_keeps_it(
    workdir: Path, server: StubLLMServer
) -> None:
    said = draft(workdir, server, "figures.yaml", "d")
    assert "提纲：按本单位2024年总结的结构" in said
    out = workdir / "d"
    assert headings(out / "draft.md") == CITY_HEADINGS
    review = (out / "review.md").read_text(encoding="utf-8")
    assert "提纲：按本单位2024年总结的结构" in review
    meta = json.loads((out / "session.json").read_text(encoding="utf-8"))
    assert meta["outline"] == "outline.yaml" and (out / "outline.yaml").is_file()
    point = json.loads((out / "sections" / "point_firms_1.json").read_text(encoding="utf-8"))
    assert point["level"] == 2 and point["versions"], point
    assert "320家" in point["versions"][-1]["text"]

    # The plan comes from the draft directory, not the store: regenerate without it.
    drafter_cli(
        "regenerate",
        "d",
        "--section",
        "point_firms_1",
        "--llm-base-url",
        server.base_url,
        "--store",
        "nostore",
        cwd=workdir,
        env=ENV,
    )
    point = json.loads((out / "sections" / "point_firms_1.json").read_text(encoding="utf-8"))
    assert len(point["versions"]) == 2
    assert headings(out / "draft.md") == CITY_HEADINGS
    assert "提纲：按本单位2024年总结的结构" in (out / "review.md").read_text(encoding="utf-8")
    drafter_cli("export", "d", "--date", "2026-01-10", cwd=workdir)
    assert (out / "draft.docx").is_file()


def test_another_bureau_and_an_explicit_outline_keep_the_default(
    workdir: Path, server: StubLLMServer
) -> None:
    said = draft(workdir, server, "county.yaml", "county")
    assert "提纲：默认提纲" in said
    assert headings(workdir / "county" / "draft.md")[:2] == [
        "## 一、2025年主要工作及成效",
        "### （一）强化企业创新主体地位",
    ]
    assert not (workdir / "county" / "outline.yaml").exists()
    from drafter.drafting.outline import outline_path_for
    from drafter.models import Period

    explicit = str(outline_path_for(Period.ANNUAL))
    said = draft(workdir, server, "figures.yaml", "explicit", "--outline", explicit)
    assert "自定义提纲" in said
    assert headings(workdir / "explicit" / "draft.md")[0] == "## 一、2025年主要工作及成效"


def test_a_house_session_redrafted_with_another_outline_records_that_outline(
    workdir: Path, server: StubLLMServer
) -> None:
    """Resuming records the run's outline whichever it is: regenerate must not go back to
    the outline.yaml of the first run."""
    from drafter.drafting.outline import outline_path_for
    from drafter.models import Period

    draft(workdir, server, "figures.yaml", "d")
    out = workdir / "d"
    assert json.loads((out / "session.json").read_text(encoding="utf-8"))["outline"] == (
        "outline.yaml"
    )
    explicit = str(outline_path_for(Period.ANNUAL))
    assert "自定义提纲" in draft(workdir, server, "figures.yaml", "d", "--outline", explicit)
    meta = json.loads((out / "session.json").read_text(encoding="utf-8"))
    assert meta["outline"] == explicit and "自定义" in meta["outline_note"]
    from drafter.review.session import Session
    from drafter.review.workflow import plan_draft, plan_from_session

    replanned = plan_from_session(Session.open(out))  # what regenerate plans from
    expected = plan_draft(workdir / "figures.yaml", Path(explicit))
    assert [t.id for t in replanned.tasks] == [t.id for t in expected.tasks]
    assert replanned.house is None
