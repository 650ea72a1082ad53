"""Every number stands with its own fact: slot placement in drafting, data numbers kept as
written, and the 数字与所述事项不符 check of `drafter check` (issue 16)."""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path
from typing import Any

import pytest
from conftest import EXAMPLES, drafter_cli, shared_corpus_dir

from drafter.corpus.clean import clean_text
from drafter.drafting.chain import DraftContext, SectionRequest, draft_section
from drafter.drafting.compose import results_sentence
from drafter.drafting.placement import placement_problems
from drafter.drafting.prompts import PromptSet
from drafter.figures import build_slot_table, load_figures
from drafter.figures.attribution import judge, misattributions, references
from drafter.figures.check import check_text
from drafter.figures.model import FiguresFile
from drafter.figures.slots import sentence_template
from drafter.review.workflow import plan_draft
from drafter.testing import FakeChatModel, ScriptedDrafter
from drafter.text.violations import find_violations

FIGURES = EXAMPLES / "figures-2025.yaml"
CORPUS_FIGURES = Path(__file__).resolve().parents[1] / "data" / "corpus_figures"


@pytest.fixture(scope="module")
def table() -> Any:
    return build_slot_table(load_figures(FIGURES))


def _figures(**overrides: Any) -> FiguresFile:
    data: dict[str, Any] = {
        "bureau": "测试局",
        "year": 2025,
        "sections": [
            {
                "id": "a",
                "name": "科技三项费用管理",
                "indicators": [
                    {
                        "name": "有效高新技术企业",
                        "value": 63,
                        "unit": "家",
                        "aliases": "高企、高新企业",
                    },
                    {"name": "省重点实验室（工程技术研究中心）", "value": "130多", "unit": "个"},
                    {"name": "科普受益人数", "value": 3000, "unit": "人", "qualifier": "约"},
                ],
                "facts": [
                    "1#、2#厂房6月份投入使用，3#、4#厂房正在装修",
                    "连续六年获评先进单位，完善九项制度，实施两个项目",
                ],
            }
        ],
    }
    data.update(overrides)
    return FiguresFile.model_validate(data)


# --- placement rules -----------------------------------------------------------------------

# K7 is 县科技企业孵化器新入孵企业9家，毕业企业7家; K6 the 省级新型研发机构 fact; F12/F13
# are 专利申请 and 发明专利申请.
PLACEMENTS = [
    # (template, rule broken or None)
    ("有效高新技术企业达到{F1}，{F1.yoy}，{F1.rate}。", None),
    ("有效高新技术企业由上年的{F1.prev}增加到{F1}，{F1.yoy}。", None),
    ("专利申请{F12}，其中发明专利申请{F13}。", None),
    ("县科技企业孵化器新入孵企业{K7.1}，毕业企业{K7.2}。", None),
    ("一是{K6}；二是{K7}。", None),
    ("全年{F1}。", "没有写明它是哪项指标"),
    ("新认定高新技术企业{F1}。", "每个指标槽位只能跟在它自己的指标名称后面"),
    ("有效高新技术企业{F2}、新认定高新技术企业{F1}。", "每个指标槽位只能跟在它自己的指标名称后面"),
    ("专利申请{F13}，发明专利申请{F12}。", "每个指标槽位只能跟在它自己的指标名称后面"),
    ("{F1.yoy}，有效高新技术企业{F1}。", "必须紧跟在它自己的指标槽位{F1}之后"),
    (
        "有效高新技术企业{F1}，新认定高新技术企业{F2}，{F1.yoy}。",
        "必须紧跟在它自己的指标槽位{F1}之后",
    ),
    ("县科技企业孵化器新入孵企业{K7.2}，毕业企业{K7.1}。", "顺序被打乱"),
    ("新材料研究院获批省级新型研发机构{K7.1}。", "写进了不相干的句子"),
    ("一是{K6}；二是{K6}。", "用了2次"),
]


@pytest.mark.parametrize(("template", "broken"), PLACEMENTS)
def test_slot_placement_rules(table: Any, template: str, broken: str | None) -> None:
    problems = placement_problems(template, table)
    if broken is None:
        assert problems == []
    else:
        assert any(broken in p for p in problems), problems


def test_an_alias_declared_in_the_figures_names_the_indicator() -> None:
    t = build_slot_table(_figures())
    assert placement_problems("高企{F1}。", t) == []
    assert placement_problems("高新企业达到{F1}。", t) == []
    assert placement_problems("企业{F1}。", t)


def test_code_written_results_obey_the_placement_rules(table: Any) -> None:
    for area in load_figures(FIGURES).sections:
        sentence = results_sentence([s for s in table if s.section_id == area.id])
        assert placement_problems(sentence, table) == [], area.id


# --- numbers in the data keep their form and meaning ----------------------------------------

TEMPLATES = [
    (
        "1#、2#厂房6月份投入使用，3#、4#厂房正在装修",
        "{K.1}#、{K.2}#厂房{K.3}份投入使用，{K.4}#、{K.5}#厂房正在装修",
    ),
    ("入库项目63项，组织专家预审2轮", "入库项目{K.1}，组织专家预审{K.2}轮"),
    ("培训农民4200余人次", "培训农民{K.1}"),
    ("没有数字的事实", "没有数字的事实"),
]


@pytest.mark.parametrize(("fact", "expected"), TEMPLATES)
def test_placeholders_are_built_in_one_pass(fact: str, expected: str) -> None:
    built = sentence_template(fact, "K")
    assert built == expected
    assert not re.search(r"\{[^{}]*\{", built)  # never a placeholder inside another


COPIES = [
    # (model text, allowed): copying the user's own words is data; other numerals are not
    ("我局连续六年获评先进单位。", True),
    ("完善九项制度，实施两个项目。", True),
    ("抓好科技三项费用管理。", True),
    ("我局连续七年获评先进单位。", False),
    ("实施六个项目。", False),
    ("完善九项机制。", False),
]


@pytest.mark.parametrize(("text", "allowed"), COPIES)
def test_numbers_copied_verbatim_from_the_data_are_not_violations(text: str, allowed: bool) -> None:
    data = build_slot_table(_figures()).data_texts()
    assert (find_violations(text, data_texts=data) == []) is allowed
    assert find_violations(text)  # without the data every one of them is a violation


def test_code_written_sentences_keep_qualifier_scope_and_full_name() -> None:
    t = build_slot_table(_figures())
    rendered = t.render(results_sentence([s for s in t if s.section_id == "a"]))
    assert "省重点实验室（工程技术研究中心）达到130多个" in rendered
    assert "科普受益人数约3000人" in rendered  # 约 replaces 达到
    assert check_text(rendered, t.allowed_values()) == []
    # the 口径 note stays, after the value
    ex = build_slot_table(load_figures(FIGURES))
    text = ex.render(results_sentence([s for s in ex if s.section_id == "entities"]))
    assert "有效高新技术企业达到63家（有效期内）" in text
    assert "全社会研发经费投入强度达到2.21%（预计数）" in text


# --- the whole-section path against a model that swaps slots ---------------------------------


def test_a_slot_swapping_model_leaves_no_misattributed_number() -> None:
    plan = plan_draft(FIGURES, None)
    swapper = ScriptedDrafter(swap_slots=True)
    ctx = DraftContext(
        figures=plan.figures,
        table=build_slot_table(plan.figures),
        prompts=PromptSet.load(),
        model=FakeChatModel(responder=swapper.complete),
        model_name="fake/swap",
        backoff=0.0,
        mode="slots",
    )
    texts: list[str] = []
    swapped = caught = 0
    for task in plan.tasks:
        if task.container:
            continue
        version = draft_section(SectionRequest(task), ctx)
        texts.append(version.text)
        rotated = sum(1 for s in task.slots if s.role == "value") >= 2
        facts = any(s.role == "fact_number" for s in task.slots)
        if rotated or facts:
            swapped += 1
            history = " ".join(version.verification.violations)  # type: ignore[union-attr]
            if "后面" in history or "位置" in history or "顺序" in history or "不相干" in history:
                caught += 1
            assert version.origin == "fallback", task.id
    draft = "\n".join(texts)
    assert misattributions(draft, plan.figures) == []
    assert check_text(draft, ctx.table.allowed_values()) == []
    assert swapped >= 7 and caught == swapped
    print(f"\nswapped sections: {swapped}, caught: {caught}")


def test_good_model_is_not_held_back_by_the_placement_rules() -> None:
    plan = plan_draft(FIGURES, None)
    ctx = DraftContext(
        figures=plan.figures,
        table=build_slot_table(plan.figures),
        prompts=PromptSet.load(),
        model=FakeChatModel(responder=ScriptedDrafter().complete),
        model_name="fake/good",
        backoff=0.0,
    )
    task = next(t for t in plan.tasks if t.id == "area_platforms")
    version = draft_section(SectionRequest(task), ctx)
    assert version.origin == "model" and version.verification is not None
    assert version.verification.ok


# --- drafter check: a number moved onto another indicator -------------------------------------


def test_check_flags_a_value_moved_onto_another_indicator(tmp_path: Path) -> None:
    figures = load_figures(FIGURES)
    t = build_slot_table(figures)
    correct = t.render(results_sentence([s for s in t if s.section_id == "entities"]))
    assert misattributions(correct, figures) == []
    edited = correct.replace("有效高新技术企业达到63家", "有效高新技术企业达到14家")
    assert check_text(edited, t.allowed_values()) == []  # 14家 is a real figure
    doc = tmp_path / "edited.md"
    doc.write_text(edited, encoding="utf-8")
    result = drafter_cli(
        "check", str(doc), "--figures", str(FIGURES), "--json", cwd=tmp_path, check=False
    )
    assert result.returncode == 1
    (flag,) = json.loads(result.stdout)["flagged"]
    assert flag["kind"] == "misattributed"
    assert flag["found"] == "14家" and flag["expected"] == "63家"
    assert "有效高新技术企业" in flag["phrase"] and "数字与所述事项不符" in flag["reason"]


def test_check_flags_the_reported_example(tmp_path: Path) -> None:
    doc = tmp_path / "draft.md"
    doc.write_text(
        "联合江川理工大学组建的新材料研究院获批省级新型研发机构9家；"
        "二是县科技企业孵化器新入孵企业9家，毕业企业7家。\n",
        encoding="utf-8",
    )
    out = drafter_cli(
        "check", str(doc), "--figures", str(FIGURES), "--json", cwd=tmp_path, check=False
    )
    flagged = json.loads(out.stdout)["flagged"]
    assert [(f["kind"], f["phrase"], f["found"], f["expected"]) for f in flagged] == [
        ("misattributed", "省级新型研发机构", "9家", "1个")
    ]


def test_unmatched_flags_carry_their_kind(tmp_path: Path) -> None:
    doc = tmp_path / "draft.md"
    doc.write_text("全县有效高新技术企业达到64家。\n", encoding="utf-8")
    out = drafter_cli(
        "check", str(doc), "--figures", str(FIGURES), "--json", cwd=tmp_path, check=False
    )
    (flag,) = json.loads(out.stdout)["flagged"]
    assert flag["kind"] == "unmatched" and flag["text"] == "64家"


# --- real summaries: correct text is not flagged, moved numbers are -------------------------


def _corpus() -> list[tuple[str, str, FiguresFile]]:
    root = shared_corpus_dir()
    if root is None:
        pytest.skip("../shared/corpus not present")
    docs = []
    for path in sorted(root.glob("*.txt")):
        figures_path = CORPUS_FIGURES / f"{path.stem}.yaml"
        if figures_path.exists():
            text = clean_text(path.read_text(encoding="utf-8"))
            docs.append((path.name, text, load_figures(figures_path)))
    if not docs:
        pytest.skip("no figures file for the shared corpus documents")
    return docs


def test_real_summaries_against_their_own_figures() -> None:
    checked = flagged = named = 0
    swaps = caught = 0
    for name, text, figures in _corpus():
        refs = references(figures)
        judged = judge(text, refs)
        checked += len(judged)
        named += sum(1 for j in judged if j.matches)
        wrong = [j for j in judged if not j.ok]
        flagged += len(wrong)
        # swap two numbers said of different things (same unit, different values): the
        # check must notice at least one of them
        for a, b in itertools.pairwise(judged):
            fa, fb = a.figure, b.figure
            if not (a.matches and b.matches) or fa.unit != fb.unit or fa.value == fb.value:
                continue
            if fa.raw in fb.raw or fb.raw in fa.raw:
                continue
            swaps += 1
            head = text[: a.start] + fb.raw + text[a.start + len(fa.raw) : b.start]
            moved = head + fa.raw + text[b.start + len(fb.raw) :]
            if misattributions(moved, figures):
                caught += 1
        print(f"\n{name}: numbers checked {len(judged)}, false flags {len(wrong)}")
    print(
        f"total: numbers checked {checked} (named {named}), false flags {flagged}; "
        f"swaps {swaps}, caught {caught}"
    )
    assert checked >= 100
    assert flagged <= 0.02 * checked
    assert caught >= 0.9 * swaps


def test_guided_measures_with_swapped_placeholders_are_sent_back() -> None:
    from drafter.drafting.guided import measures_part

    plan = plan_draft(FIGURES, None)
    ctx = DraftContext(
        figures=plan.figures,
        table=build_slot_table(plan.figures),
        prompts=PromptSet.load(),
        model=FakeChatModel(),
        model_name="fake/guided",
        mode="guided",
    )
    task = next(t for t in plan.tasks if t.id == "area_platforms")
    part = measures_part(task, ctx, None)
    lead = "我局聚焦平台提能，推动创新资源集聚。"
    first = "一是润岭新材料科技有限公司联合江川理工大学组建的新材料研究院获批省级新型研发机构；"
    right = lead + first + "二是县科技企业孵化器新入孵企业{K7.1}，毕业企业{K7.2}。"
    swapped = lead + first + "二是县科技企业孵化器新入孵企业{K7.2}，毕业企业{K7.1}。"
    moved = (
        lead
        + "一是新材料研究院获批省级新型研发机构{K7.1}；"
        + "二是县科技企业孵化器新入孵企业，毕业企业{K7.2}。"
    )
    assert part.check(right) == []
    assert any("顺序被打乱" in p for p in part.check(swapped))
    assert any("不相干" in p for p in part.check(moved))


def test_a_number_after_a_bare_filler_names_no_indicator(tmp_path: Path) -> None:
    """ "新认定…机构6家，累计达到27家": 27 is said of what came before, and "达到" alone
    names nothing, so other "…达到N家" clauses are not judged against 27."""
    from drafter.figures.attribution import misattributions
    from drafter.figures.extract import names_nothing
    from drafter.figures.load import load_figures

    for phrase, empty in [
        ("累计达到", True),
        ("达到", True),
        ("孵化器", False),
        ("累计入驻企业", False),
    ]:
        assert names_nothing(phrase) is empty, phrase
    path = tmp_path / "f.yaml"
    path.write_text(
        "bureau: 示例市科学技术局\nyear: 2025\nsections:\n  - name: 成果转化\n"
        "    indicators:\n      - {name: 技术合同成交额, value: 12, unit: 亿元}\n"
        "      - {name: 有效高新技术企业, value: 630, unit: 家}\n"
        "    facts:\n      - 新认定市级技术转移示范机构6家，累计达到27家\n",
        encoding="utf-8",
    )
    figures = load_figures(path)
    text = "全年有效高新技术企业达到630家。新认定市级技术转移示范机构6家，累计达到27家。"
    assert misattributions(text, figures) == []
    wrong = "新认定市级技术转移示范机构9家，累计达到27家。"
    assert [m.found for m in misattributions(wrong, figures)] == ["9家"]
