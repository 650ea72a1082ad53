"""The code-written fallback text: every figure in place, rendered words that read right."""

from __future__ import annotations

from pathlib import Path

import yaml
from conftest import EXAMPLES

from drafter.drafting.compose import enumerate_items, fallback_template
from drafter.drafting.outline import load_outline, outline_path_for, plan_sections
from drafter.figures import build_slot_table, load_figures
from drafter.figures.check import check_text


def render_fallback(figures_path: Path, section_id: str) -> str:
    """The section's fallback as `draft` writes it; code's own text must pass `check`."""
    figures = load_figures(figures_path)
    table = build_slot_table(figures)
    outline = load_outline(outline_path_for(figures.period))
    for task in plan_sections(outline, figures, table):
        if task.id == section_id:
            text = table.render(fallback_template(task, figures.bureau))
            assert check_text(text, table.allowed_values()) == []
            return text
    raise AssertionError(f"no section {section_id}")


def figures_with_targets(tmp_path: Path, targets: list[dict[str, object]]) -> Path:
    data = yaml.safe_load((EXAMPLES / "figures-2025.yaml").read_text(encoding="utf-8"))
    data["plan"]["targets"] = targets
    path = tmp_path / "figures.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_enumerated_items_use_ordinal_words_and_semicolons() -> None:
    assert (
        enumerate_items(["抓创新。", "促转化；", "强人才"])
        == "一是抓创新；二是促转化；三是强人才。"
    )
    assert enumerate_items(["只有一项；"]) == "只有一项。"
    assert enumerate_items([]) == ""


def test_plan_targets_list_each_target_with_its_exact_value(tmp_path: Path) -> None:
    path = figures_with_targets(
        tmp_path,
        [
            {"name": "申报市级以上科技项目", "value": 45, "unit": "项", "qualifier": "以上"},
            {"name": "技术合同成交额", "value": 2.5, "unit": "亿元"},
        ],
    )
    text = render_fallback(path, "plan_targets")
    assert "申报市级以上科技项目45项以上" in text
    assert "技术合同成交额实现2.5亿元" in text


def test_a_target_name_ending_in_a_digit_or_letter_does_not_run_into_its_value(
    tmp_path: Path,
) -> None:
    path = figures_with_targets(
        tmp_path,
        [
            {"name": "新建5G", "value": 120, "unit": "个"},
            {"name": "培育省级DEMO", "value": 3, "unit": "家"},
        ],
    )
    text = render_fallback(path, "plan_targets")
    assert "新建5G达到120个" in text
    assert "培育省级DEMO达到3家" in text
    assert "5G120" not in text
