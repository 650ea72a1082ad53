"""The interactive session's pure rules: commands, section lookup, highlights, diffs, checks."""

from __future__ import annotations

import pytest
from conftest import EXAMPLES

from drafter.drafting.chain import DraftContext, SectionRequest, draft_section
from drafter.drafting.prompts import PromptSet
from drafter.drafting.records import Version
from drafter.figures import build_slot_table
from drafter.review.edits import (
    check_edited_text,
    diff_lines,
    edit_version,
    explain_flag,
    figure_spans,
    flag_spans,
    merge_spans,
    normalise_edit,
    parse_command,
    parse_version_numbers,
    pending_ids,
    resolve_section,
    sentences,
)
from drafter.review.render import heading_only_ids
from drafter.review.session import SectionState
from drafter.review.workflow import plan_draft
from drafter.testing import FakeChatModel, ScriptedDrafter

FIGURES = EXAMPLES / "figures-2025.yaml"


@pytest.fixture(scope="module")
def drafted() -> tuple[Version, object]:
    """The area_entities section drafted from the example figures by a well-behaved model."""
    plan = plan_draft(FIGURES, None)
    table = build_slot_table(plan.figures)
    ctx = DraftContext(
        figures=plan.figures,
        table=table,
        prompts=PromptSet.load(),
        model=FakeChatModel(responder=ScriptedDrafter().complete),
        model_name="fake/fake",
        backoff=0.0,
    )
    task = next(t for t in plan.tasks if t.id == "area_entities")
    return draft_section(SectionRequest(task), ctx), table


# ------------------------------------------------------------------ commands


@pytest.mark.parametrize(
    ("line", "name", "arg"),
    [
        ("regen 更简洁", "regen", "更简洁"),
        ("  r   突出专利工作 ", "regen", "突出专利工作"),
        ("重写 增加一是二是三是", "regen", "增加一是二是三是"),
        ("open area_ip", "open", "area_ip"),
        ("3", "open", "3"),
        ("undo 2", "undo", "2"),
        ("DIFF", "diff", ""),
        ("q", "quit", ""),
        ("退出", "quit", ""),
        ("", "empty", ""),
        ("frobnicate now", "unknown", "frobnicate now"),
    ],
)
def test_commands_parse_with_aliases(line: str, name: str, arg: str) -> None:
    cmd = parse_command(line)
    assert (cmd.name, cmd.arg) == (name, arg)


def test_a_section_is_found_by_number_id_or_unique_prefix() -> None:
    ids = ["opening", "achievements", "area_entities", "area_ip", "problems"]
    assert resolve_section("3", ids) == "area_entities"
    assert resolve_section("area_ip", ids) == "area_ip"
    assert resolve_section("prob", ids) == "problems"
    assert resolve_section("area", ids) is None  # ambiguous
    assert resolve_section("9", ids) is None
    assert resolve_section("0", ids) is None


def test_version_numbers_are_checked_against_the_history() -> None:
    assert parse_version_numbers("2", 3) == [2]
    assert parse_version_numbers("第1版 3", 3) == [1, 3]
    assert parse_version_numbers("", 3) == []
    with pytest.raises(ValueError, match="没有第 4 版"):
        parse_version_numbers("4", 3)
    with pytest.raises(ValueError, match="不是版本号"):
        parse_version_numbers("最新", 3)


def test_heading_only_sections_are_neither_pending_nor_drafted() -> None:
    sections = [
        SectionState(id="opening", level=0, kind="opening"),
        SectionState(id="achievements", heading="一、成效", level=1, kind="achievements"),
        SectionState(id="area_a", heading="（一）甲", level=2, kind="achievements"),
        SectionState(id="problems", heading="二、问题", level=1, kind="problems"),
    ]
    assert heading_only_ids(sections) == {"achievements"}
    assert pending_ids(sections) == ["opening", "area_a", "problems"]


# ---------------------------------------------------------------- highlights


def test_highlights_cover_exactly_the_text_code_wrote_for_each_slot(
    drafted: tuple[Version, object],
) -> None:
    version, table = drafted
    spans = figure_spans(version, table)  # type: ignore[arg-type]
    assert version.origin == "model" and spans
    shown = [version.text[s.start : s.end] for s in spans]
    assert "63家" in shown
    assert all(s.note for s in spans)  # each span knows its slot id
    # Between the spans there is no figure text left: the model's own words only.
    rest = version.text
    for s in sorted(spans, key=lambda s: -s.start):
        rest = rest[: s.start] + rest[s.end :]
    assert "63家" not in rest


def test_an_edited_text_is_highlighted_by_searching_the_figures(
    drafted: tuple[Version, object],
) -> None:
    _, table = drafted
    edited = Version(text="全县有效高新技术企业达到63家，成效明显。", origin="edit")
    spans = figure_spans(edited, table)  # type: ignore[arg-type]
    assert [edited.text[s.start : s.end] for s in spans] == ["63家"]


def test_without_figures_every_quantity_is_marked_but_not_structural_words() -> None:
    v = Version(text="一是新增企业15家。二是进一步加强。", origin="edit")
    spans = figure_spans(v, None)
    assert [v.text[s.start : s.end] for s in spans] == ["15家"]


def test_flags_win_over_figure_highlights_where_they_overlap(
    drafted: tuple[Version, object],
) -> None:
    _, table = drafted
    text = "有效高新技术企业63家，新增高新技术企业99家。"
    flags = check_edited_text(text, table)  # type: ignore[arg-type]
    assert [f.raw for f in flags] == ["99家"]
    merged = merge_spans(figure_spans(Version(text=text, origin="edit"), table), flag_spans(flags))  # type: ignore[arg-type]
    kinds = {text[s.start : s.end]: s.kind for s in merged}
    assert kinds == {"63家": "figure", "99家": "flag"}


# ---------------------------------------------------------------- edits, diffs


def test_an_edit_records_its_number_check_as_flags(drafted: tuple[Version, object]) -> None:
    _, table = drafted
    flags = check_edited_text("新增高新技术企业99家。", table)  # type: ignore[arg-type]
    v = edit_version("新增高新技术企业99家。", flags)
    assert v.origin == "edit" and v.verification is not None
    assert not v.verification.ok
    assert "99家" in v.verification.flags[0] and v.verification.flags[0].startswith("第1行")
    clean = edit_version(
        "全县有效高新技术企业达到63家。", check_edited_text("全县有效高新技术企业达到63家。", table)
    )  # type: ignore[arg-type]
    assert clean.verification is not None and clean.verification.ok


def test_editor_trailing_whitespace_is_not_a_change() -> None:
    assert normalise_edit("一是加强。  \n二是落实。\n\n") == "一是加强。\n二是落实。"


def test_diff_is_sentence_by_sentence() -> None:
    old = "一是加强统筹。二是强化保障。三是狠抓落实。"
    new = "一是加强统筹。二是优化服务。三是狠抓落实。"
    assert sentences(old) == ["一是加强统筹。", "二是强化保障。", "三是狠抓落实。"]
    lines = diff_lines(old, new, "第1版", "第2版")
    assert lines[0] == "--- 第1版" and lines[1] == "+++ 第2版"
    assert "-二是强化保障。" in lines and "+二是优化服务。" in lines
    assert diff_lines(old, old, "a", "b") == []


def test_every_kind_of_flag_comes_with_advice() -> None:
    assert "重写" in explain_flag("缺少数据：{F1}")
    assert "核实" in explain_flag("第1行：“99家”在数据表中找不到对应数字")
    assert "润色" in explain_flag(
        "模型多次违反数字规则，本节改用程序按数据生成的段落，请人工润色。"
    )
