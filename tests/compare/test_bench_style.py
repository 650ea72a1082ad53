"""bench/bench_style.py: its measures on constructed input, its data, and a stub smoke run."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest
from conftest import REPO

from drafter.drafting.leadership import find_lines
from drafter.drafting.records import Verification, Version
from drafter.review.session import SectionState
from drafter.review.workflow import plan_draft
from drafter.text.scanner import find_numbers
from drafter.text.structural import is_structural


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_style", REPO / "bench" / "bench_style.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_style"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


bench = _bench()


def test_a_frame_shared_by_three_sections_is_repeated_and_two_are_not() -> None:
    closing = "通过这些措施，为推动{}高质量发展提供了有力支撑。"
    texts = {
        f"s{i}": (
            f"围绕{topic}，我们扎实推进各项工作。一是加强统筹。" + closing.format(topic),
            topic,
        )
        for i, topic in enumerate(["科技金融", "人才引进", "平台建设"])
    }
    found = bench.repeated_frames(texts)
    assert [f["role"] for f in found] == ["lead", "closing"]
    assert all(f["sections"] == ["s0", "s1", "s2"] for f in found)
    two = {k: v for k, v in texts.items() if k != "s2"}
    assert bench.repeated_frames(two) == []
    varied = {
        "a": ("坚持问题导向，狠抓落实。一是强化服务。全年工作成效明显。", "甲"),
        "b": ("聚焦企业需求，优化服务。一是精准对接。相关举措得到企业普遍认可。", "乙"),
        "c": ("突出改革攻坚，破除障碍。一是简化流程。科研人员负担进一步减轻。", "丙"),
    }
    assert bench.repeated_frames(varied) == []


def state(section: str, violations: list[str]) -> SectionState:
    version = Version(
        text="正文。", origin="model", verification=Verification(ok=True, violations=violations)
    )
    return SectionState(id=section, heading="", level=1, kind="achievements", order=0).add_version(
        version
    )


def test_copy_guard_hits_are_counted_from_the_histories() -> None:
    states = [
        state("a", ["measures 第1稿：照抄了范文中的原句（“某某”）。范文只学写法", "measures 第2稿：内容太长"]),
        state("b", ["lead 第1稿：照抄了范文中的原句（“某某”）。"]),
        state("c", []),
    ]  # fmt: skip
    assert bench.copy_guard_hits(states) == 2


@pytest.mark.parametrize("key", ["county", "city", "district"])
def test_each_bureau_has_figures_and_a_latest_past_summary_of_2024(key: str) -> None:
    bureau = bench.Bureau.at(key, bench.BUREAUS[key])
    plan = plan_draft(bureau.figures, None)
    assert plan.figures.year == 2025 and plan.tasks
    latest = bench.latest_summary(bureau.summaries)
    assert latest is not None and bench.summary_year(latest) == 2024


@pytest.mark.parametrize(
    ("key", "line"),
    [
        ("county", "在县委、县政府的坚强领导下"),
        ("city", "在市委、市政府的正确领导和省科技厅的精心指导下"),
        ("district", "在区委、区政府的坚强领导和市科技局的精心指导下"),
    ],
)
def test_the_bureaus_past_summaries_open_with_their_leadership_line(key: str, line: str) -> None:
    latest = bench.latest_summary(bench.Bureau.at(key, bench.BUREAUS[key]).summaries)
    opening = latest.read_text(encoding="utf-8").splitlines()[1]
    assert find_lines(opening)[0] == line


def quantities(text: str) -> int:
    return sum(not is_structural(m, text) for m in find_numbers(text))


@pytest.mark.parametrize(
    ("key", "areas", "most_facts", "multi"), [("city", 7, 16, 15), ("district", 4, 3, 5)]
)
def test_the_new_bureaus_figures_have_facts_with_several_numbers(
    key: str, areas: int, most_facts: int, multi: int
) -> None:
    figures = plan_draft(bench.BUREAUS[key] / "figures-2025.yaml", None).figures
    assert len(figures.sections) == areas
    assert max(len(a.facts) for a in figures.sections) == most_facts
    assert sum(quantities(f) >= 2 for a in figures.sections for f in a.facts) >= multi


@pytest.mark.slow
def test_the_harness_runs_with_the_stub_on_one_bureau(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "style.json"
    assert (
        bench.main(
            ["--model", "stub", "--bureau", "district", "--condition", "fixed", "--out", str(out)]
        )
        == 0
    )
    report = json.loads(out.read_text(encoding="utf-8"))
    (row,) = report["rows"]
    assert row["bureau"] == "district" and row["condition"] == "fixed"
    assert row["sections"] == 9 and not row["failed"]
    assert 0 <= row["fallback_share"] <= 1 and 0 < row["style"] < 1
    assert row["check_problems"] == 0 and row["chars"] > 500
    assert row["sections_with_exemplars"] == 0  # fixed: no store
    assert "district" in capsys.readouterr().err
