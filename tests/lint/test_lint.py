"""drafter lint: the rules (table-driven), fixes, the command, drafting, and the measurements."""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from conftest import EXAMPLES, REPO
from typer.testing import CliRunner

from drafter.cli.main import app
from drafter.lint import RULES, apply_fixes, lint_text
from drafter.lint.drafting import lint_problems
from drafter.lint.rules_style import filler_phrases

# (text, rule, offending text, fix) — each text has exactly this one finding
POSITIVE: list[tuple[str, str, str, str | None]] = [
    # headings (GB/T 9704-2012 7.3.3)
    ("一、总体情况\n（一）、强化创新", "heading.after-paren", "、", ""),
    ("一、总体情况\n（一）．强化创新", "heading.after-paren", "．", ""),
    ("一、总体情况\n（一）强化创新\n1、加强管理", "heading.arabic-dunhao", "1、", "1."),
    ("一、总体情况\n(一)强化创新", "heading.halfwidth-paren", "(一)", "（一）"),
    (
        "一、总体情况\n（一）强化创新\n1.加强管理\n(1)完善制度",
        "heading.halfwidth-paren",
        "(1)",
        "（1）",
    ),
    ("一.总体情况", "heading.cn-punct", ".", "、"),
    ("一、总体情况\n一）强化创新", "heading.one-paren", "一）", "（一）"),
    ("一、总体情况\n1.加强管理", "heading.level-skip", "1.", None),
    ("一、总体情况\n（一）强化创新\n（三）推进转化", "heading.sequence", "（三）", None),
    ("一、总体情况\n二、主要成效\n二、存在问题", "heading.sequence", "二、", None),
    # numbers (GB/T 15835-2011)
    ("全县共有企业３５家。", "number.fullwidth", "３５", "35"),
    ("占比达到12％。", "number.fullwidth", "％", "%"),
    ("资金到位率为.95。", "number.leading-zero", ".95", "0.95"),
    ("24年以来，全县科技工作稳步推进。", "number.short-year", "24", "2024"),
    ("自24年起实施。", "number.short-year", "24", "2024"),
    ("服务企业3千家。", "number.arabic-with-cn-unit", "3千家", "3000家"),
    ("争取资金1百万元。", "number.arabic-with-cn-unit", "1百万元", "100万元"),
    ("培训农民2000 人次。", "number.space-before-unit", " ", ""),
    ("开展培训40-60场次。", "number.range-dash", "-", "～"),
    ("1-9月完成任务。", "number.range-dash", "-", "—"),
    ("支持资金5万-10万元。", "number.range-dash", "-", "～"),
    ("占比达到4～6%。", "number.range-unit", "4", "4%"),
    ("支持资金20～50万元。", "number.range-unit", "20", "20万"),
    ("新增企业12家，新增平台3家，另新增孵化器五家。", "number.script", "五家", "5家"),
    ("2024年全县新增企业12家，共有十五家企业获奖。", "number.script", "十五家", "15家"),
    ("2024年工作总结。二〇二五年工作打算。", "number.cn-year", "二〇二五年", "2025年"),
    ("申报项目41项，同比增长-3.8%。", "number.sign", "增长-", "下降"),
    ("经费比上年减少了负2万元。", "number.sign", "减少了负", "增加了"),
    # punctuation (GB/T 15834-2011)
    ("全县科技工作稳步推进,成效明显。", "punct.halfwidth", ",", "，"),
    ("一是加强培训;二是优化服务。", "punct.halfwidth", ";", "；"),
    ("主要做法如下:加强培训。", "punct.halfwidth", ":", "："),
    ("全面推进科技创新工作.", "punct.halfwidth", ".", "。"),
    ("出台《管理办法》(试行）。", "punct.halfwidth", "(", "（"),
    ("工作成效明显。。", "punct.doubled", "。。", "。"),
    ("主要做法：。加强培训。", "punct.conflict", "：。", None),
    ("开展专利导航、专利预警……等工作。", "punct.ellipsis-etc", "……", ""),
    ("包括北岭大学、东川农业大学等……", "punct.ellipsis-etc", "……", ""),
    ("服务能力有待提高...", "punct.ellipsis-form", "...", "……"),
    ("服务能力有待提高…", "punct.ellipsis-form", "…", "……"),
    ("实行“免申即享，兑现资金。", "punct.unpaired", "“", None),
    ("实行免申即享”，兑现资金。", "punct.unpaired", "”", None),
    ("推进《条例立法调研。", "punct.unpaired", "《", None),
    ("组织“进园区”、“进企业”活动。", "punct.dunhao-quoted", "、", ""),
    ("修订《办法》、《细则》。", "punct.dunhao-quoted", "、", ""),
    # house style
    (
        "加强科技项目储备。加强科技项目验收。加强科技项目攻关。",
        "style.repeated-frame",
        "加强科技项目",
        None,
    ),
    ("全县科普工作扎实开展，群众科学素质进一步提高。", "style.filler", "进一步提高", None),
]

NEGATIVE: list[str] = [
    "一、总体情况\n（一）强化创新\n1.加强管理\n（1）完善制度\n（2）落实责任\n2.优化服务\n（二）推进转化\n二、存在问题",
    "一、二、三等奖各1项。",  # a list, not a heading
    "全年技术合同成交额1.41亿元，比上年增长6.8%，占比4%～6%，支持5万～10万元。",
    "2021—2025年规划，1～9月完成，共有企业3～5家，面积12.5千米。",
    "依据GB/T 15834-2011，电话0536-1234567，日期2022-07-26。",
    "PM2.5浓度下降，5G基站1,200个，比例1:500，时间12:30。",
    "开展“进园区”“进企业”活动，修订《办法》《细则》。",
    "新增企业12家，一个重要方面，两项制度，“三个XX”建设，省百家企业科协。",
    "同比增长25.0%，同比下降3.8%，比上年提高0.17个百分点。",
    "科技创新能力显著提升，全年新增高新技术企业11家。",  # backed by a figure
    "围绕“量质齐升”目标（2024年），持续完善服务体系；工作如下：加强培训？是的！",
    "（一）加快培育创新主体。进一步提升服务水平，完善工作机制。",  # a task, not a claim
]


@pytest.mark.parametrize(("text", "rule", "offending", "fix"), POSITIVE)
def test_rule_finds_the_error(text: str, rule: str, offending: str, fix: str | None) -> None:
    findings = lint_text(text)
    assert [(f.rule.id, f.text, f.fix) for f in findings] == [(rule, offending, fix)]


@pytest.mark.parametrize("text", NEGATIVE)
def test_correct_text_has_no_findings(text: str) -> None:
    assert [(f.rule.id, f.text) for f in lint_text(text)] == []


def test_every_rule_is_exercised_and_documented() -> None:
    assert {r for _, r, _, _ in POSITIVE} == set(RULES)
    for r in RULES.values():
        assert r.standard and r.clause and r.title
        assert r.standard in (
            "GB/T 15834-2011",
            "GB/T 15835-2011",
            "GB/T 9704-2012",
            "本项目文风规范",
        )


def test_line_and_column_are_one_based() -> None:
    findings = lint_text("标题\n全县科技工作,稳步推进。\n二行,")
    assert [(f.line, f.column, f.text) for f in findings] == [(2, 7, ","), (3, 3, ",")]
    d = findings[0].as_dict()
    assert d["rule"] == "punct.halfwidth" and d["standard"] == "GB/T 15834-2011"
    assert d["clause"] and "全角" in str(d["message"])


def test_fixes_apply_without_touching_the_rest() -> None:
    text = "24年,全县新增企业3千家。。同比增长-3%，占比4-6%。"
    fixed, applied = apply_fixes(text, lint_text(text))
    assert fixed == "2024年，全县新增企业3000家。同比下降3%，占比4%～6%。"
    assert applied == 7
    assert lint_text(fixed) == []


def test_filler_list_is_mined_package_data() -> None:
    phrases = filler_phrases()
    assert 3 <= len(phrases) <= 200
    assert all(not re.search(r"\d", p) for p in phrases)


# --------------------------------------------------------------------------- the command

runner = CliRunner()
BAD = "示例局2024年工作总结\n一、总体情况\n今年以来,全县新增企业3千家。。\n"


def test_cli_reports_findings_as_json_and_exits_1(tmp_path: Path) -> None:
    path = tmp_path / "稿.txt"
    path.write_text(BAD, encoding="utf-8")
    result = runner.invoke(app, ["lint", str(path), "--json"])
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    found = data["files"][0]["findings"]
    assert data["total"] == 3 and data["files"][0]["fixed"] is None
    assert {f["rule"] for f in found} == {
        "punct.halfwidth",
        "number.arabic-with-cn-unit",
        "punct.doubled",
    }
    first = found[0]
    assert set(first) >= {"rule", "standard", "clause", "line", "column", "text", "message", "fix"}
    assert (first["line"], first["column"], first["text"]) == (3, 5, ",")


def test_cli_clean_file_exits_0(tmp_path: Path) -> None:
    path = tmp_path / "clean.md"
    path.write_text("# 示例\n\n全县新增企业12家，同比增长9.1%。\n", encoding="utf-8")
    result = runner.invoke(app, ["lint", str(path)])
    assert result.exit_code == 0, result.output
    assert "未发现问题" in result.stdout


def test_cli_fix_writes_a_corrected_copy_never_in_place(tmp_path: Path) -> None:
    path = tmp_path / "稿.txt"
    path.write_text(BAD, encoding="utf-8")
    result = runner.invoke(app, ["lint", str(path), "--fix"])
    assert result.exit_code == 1
    assert path.read_text(encoding="utf-8") == BAD
    fixed = tmp_path / "稿.fixed.txt"
    assert fixed.read_text(encoding="utf-8") == BAD.replace(",", "，").replace(
        "3千家。。", "3000家。"
    )
    assert "另存为" in result.stdout
    again = runner.invoke(app, ["lint", str(fixed)])
    assert again.exit_code == 0, again.output


def test_cli_reads_docx_and_fixes_into_a_new_docx(tmp_path: Path) -> None:
    from drafter.corpus.read import read_document
    from drafter.word.export import text_document, write_docx
    from drafter.word.layout import Fonts

    path = tmp_path / "稿.docx"
    write_docx(text_document(BAD), path, fonts=Fonts())
    before = path.read_bytes()
    result = runner.invoke(app, ["lint", str(path), "--json", "--fix"])
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)["files"][0]
    assert len(data["findings"]) == 3
    assert path.read_bytes() == before
    fixed = Path(data["fixed"])
    assert fixed.name == "稿.fixed.docx"
    assert "今年以来，全县新增企业3000家。" in read_document(fixed).text


def test_cli_lints_a_session_directory_and_a_folder(tmp_path: Path) -> None:
    session = tmp_path / "draft"
    session.mkdir()
    (session / "session.json").write_text("{}", encoding="utf-8")
    (session / "draft.md").write_text(
        "# 题\n\n## 一、总体情况\n\n今年以来,成效明显。\n", encoding="utf-8"
    )
    result = runner.invoke(app, ["lint", str(session), "--json"])
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    assert data["files"][0]["path"] == str(session)
    assert [f["rule"] for f in data["files"][0]["findings"]] == ["punct.halfwidth"]
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text("全县新增企业12家。", encoding="utf-8")
    (folder / "b.md").write_text("全县新增企业12家,成效明显。", encoding="utf-8")
    result = runner.invoke(app, ["lint", str(folder), "--json"])
    assert result.exit_code == 1
    assert [len(f["findings"]) for f in json.loads(result.stdout)["files"]] == [0, 1]


def test_cli_missing_file_is_a_user_error(tmp_path: Path) -> None:
    from drafter.errors import InputError

    result = runner.invoke(app, ["lint", str(tmp_path / "none.txt")])
    assert isinstance(result.exception, InputError)
    assert "找不到" in result.exception.message


def test_lint_package_stays_light() -> None:
    import subprocess

    code = (
        "import sys, drafter.lint, drafter.cli.lint, drafter.lint.drafting\n"
        "heavy = [m for m in ('chromadb', 'openai', 'langchain_core', 'langchain_openai') if m in sys.modules]\n"
        "print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# --------------------------------------------------------------------------- drafting


def test_drafting_lint_masks_slots_and_reports_only_local_rules() -> None:
    assert lint_problems("全年新增企业{F1}，同比{F1.yoy}。") == []
    problems = lint_problems("全年新增企业{F1},成效明显。。")
    assert len(problems) == 2
    assert "全角逗号" in problems[0] and "{F1}," in problems[0]
    # document-level rules (sequence, filler without data) never apply to a fragment
    assert lint_problems("群众科学素质进一步提高。") == []


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_lint", REPO / "bench" / "bench_lint.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_lint"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_seeded_document_recall_and_clean_twin() -> None:
    result = _bench().seeded_result()
    assert result["seeds"] >= 40 and result["rule_types"] >= 20
    assert result["recall"] >= 0.9, result["missed"]
    assert result["clean_twin_findings"] <= 2, result["clean_twin"]


def test_real_copies_false_findings_at_most_10_percent(real_corpus: Path) -> None:
    result = _bench().corpus_result(real_corpus)
    assert result["findings"] > 0
    assert result["unclassed"] == [], "classify the new sample rows in lint_corpus_labels.json"
    assert result["false_share_sample"] is not None and result["false_share_sample"] <= 0.10


def test_examples_are_nearly_clean(examples_dir: Path) -> None:
    from drafter.corpus.read import read_document

    for path in sorted(examples_dir.glob("*.txt")):
        findings = lint_text(read_document(path).text)
        assert len(findings) <= 1, [(f.rule.id, f.text) for f in findings]


_ = EXAMPLES, Any
