"""Word round trip: a reviewer's tracked changes and comments come back into the session,
and `export --changes-since` marks what is new as Word tracked changes."""

from __future__ import annotations

import json
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import docx
import pytest
from conftest import EXAMPLES, REPO
from docx.shared import Mm
from typer.testing import CliRunner

from drafter.cli.main import app
from drafter.review.render import render_review
from drafter.review.session import Session
from drafter.testing import word_review as wr
from drafter.testing.sessions import drafted_session
from drafter.word.changes import phrase_diff
from drafter.word.export import export_session
from drafter.word.review_import import import_reviewed
from drafter.word.revisions import read_revisions

FIGURES = EXAMPLES / "figures-2025.yaml"
DATE = "2026年1月10日"
runner = CliRunner()

# phrases of the drafted example session (ScriptedDrafter), one per section
OPENING = "有效高新技术企业63家，同比增长16.7%"
PROJECTS = "推动上年分年度拨付的省级项目资金全部到位"
PLATFORMS_HEADING = "（三）科技创新平台建设"
PLATFORMS = "6个，7个，同比下降14.3%"
IP = "648件，586件"
GRASSROOTS = "98名，92名"
TRANSFER_HEADING = "（五）科技成果转移转化"
PROBLEMS = "研发人才引进难、留住难"
CLOSING = "2025。二是强化要素保障，持续优化创新生态，2024。"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("drafted")
    drafted_session(root / "d", FIGURES)
    return root / "d"


@pytest.fixture
def session_dir(template: Path, tmp_path: Path) -> Path:
    target = tmp_path / "d"
    shutil.copytree(template, target)
    return target


def exported(directory: Path, tmp_path: Path) -> Path:
    out = tmp_path / "sent.docx"
    export_session(Session.open(directory), out=out, date=DATE)
    return out


def snapshot(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((directory / "sections").glob("*.json"))}


def full_review(document: Any) -> None:
    """Every kind of change the issue lists, as Word records them."""
    wr.track_replace(document, "63家", "65家")  # an edited number: no longer matches
    wr.track_insert(document, PROJECTS, "，并开展绩效评价")  # an inserted phrase
    wr.track_replace(document, "和研发费用归集问题", "")  # a deleted phrase
    wr.track_delete_paragraph(wr.paragraph_with(document, PLATFORMS_HEADING))  # deleted section
    wr.track_delete_paragraph(wr.paragraph_with(document, PLATFORMS))
    wr.track_move_paragraph(document, GRASSROOTS, TRANSFER_HEADING)  # a moved paragraph
    wr.add_table_after(document, IP, [["指标", "数值"], ["有效发明专利", "648件"]])  # a table
    wr.comment_on(document, PROBLEMS, "问题部分写得再具体一些")  # a comment


def reviewed_file(session_dir: Path, tmp_path: Path, edit: Any = full_review) -> Path:
    sent = exported(session_dir, tmp_path)
    document = docx.Document(str(sent))
    edit(document)
    out = tmp_path / "reviewed.docx"
    document.save(str(out))
    return out


# --------------------------------------------------------------------------- reading


def test_reader_gives_accepted_and_rejected_views(session_dir: Path, tmp_path: Path) -> None:
    path = reviewed_file(session_dir, tmp_path)
    doc = read_revisions(path)
    accepted = "\n".join(line.text for line in doc.lines(accept=True))
    rejected = "\n".join(line.text for line in doc.lines(accept=False))
    assert "65家" in accepted and "63家，同比增长16.7%" not in accepted.split("\n")[1]
    assert "，并开展绩效评价" in accepted and "，并开展绩效评价" not in rejected
    assert PLATFORMS_HEADING not in accepted and PLATFORMS_HEADING in rejected
    assert "有效发明专利\t648件" in accepted and "有效发明专利" not in rejected
    assert accepted.count(GRASSROOTS) == 1 and rejected.count(GRASSROOTS) == 1
    # the moved paragraph sits before the heading it was moved in front of
    lines = accepted.split("\n")
    moved = next(i for i, t in enumerate(lines) if GRASSROOTS in t)
    assert lines[moved + 1] == TRANSFER_HEADING
    assert doc.authors == ["张科长"]
    [comment] = doc.comments.values()
    assert comment.author == "王局长" and PROBLEMS in comment.anchor


# --------------------------------------------------------------------------- import


def test_import_applies_review_and_keeps_the_rest_byte_identical(
    session_dir: Path, tmp_path: Path
) -> None:
    path = reviewed_file(session_dir, tmp_path)
    before = snapshot(session_dir)
    result = runner.invoke(app, ["import", str(session_dir), str(path), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    by_id = {s["id"]: s for s in report["sections"]}
    changed = {sid for sid, s in by_id.items() if s["status"] in ("changed", "deleted")}
    assert changed == {
        "opening",
        "area_entities",
        "area_projects",
        "area_platforms",
        "area_ip",
        "area_grassroots",
    }
    assert "和研发费用归集问题" not in Session.open(session_dir).section("area_entities").text
    after = snapshot(session_dir)
    for name, data in before.items():
        if name.removesuffix(".json") not in changed | {"problems"}:
            assert after[name] == data, f"{name} was rewritten"
    session = Session.open(session_dir)

    opening = session.section("opening")
    assert len(opening.versions) == 2 and opening.current == 2
    v = opening.current_version
    assert v is not None and v.origin == "reviewed" and v.author == "张科长"
    assert "65家" in v.text and "63家" in opening.versions[0].text  # the old one stays
    assert opening.state == "flagged"
    assert any("65家" in f for f in by_id["opening"]["flags"])  # the edited number

    projects = session.section("area_projects")
    assert "并开展绩效评价" in projects.text and projects.state == "edited"
    kinds = {c["kind"] for c in by_id["area_projects"]["changes"]}
    assert "ins" in kinds

    platforms = session.section("area_platforms")
    assert platforms.text == "" and platforms.state == "flagged"
    assert by_id["area_platforms"]["status"] == "deleted"
    assert platforms.versions[0].text  # nothing lost

    ip = session.section("area_ip")
    assert "有效发明专利\t648件" in ip.text and GRASSROOTS in ip.text  # table and moved text
    assert GRASSROOTS not in session.section("area_grassroots").text
    assert {c["kind"] for c in by_id["area_grassroots"]["changes"]} == {"moveFrom"}

    problems = session.section("problems")
    assert [n.text for n in problems.notes] == ["问题部分写得再具体一些"]
    assert problems.notes[0].author == "王局长" and problems.current == 1
    review = (session_dir / "review.md").read_text(encoding="utf-8")
    assert "问题部分写得再具体一些" in review and "审阅人：张科长" in review
    assert review == render_review(session.meta, session.sections())
    assert any((session_dir / "reviewed").glob("*reviewed.docx"))  # the file is archived


def test_import_twice_changes_nothing_more(session_dir: Path, tmp_path: Path) -> None:
    path = reviewed_file(session_dir, tmp_path)
    assert runner.invoke(app, ["import", str(session_dir), str(path)]).exit_code == 0
    before = snapshot(session_dir)
    result = runner.invoke(app, ["import", str(session_dir), str(path)])
    assert result.exit_code == 0, result.output
    assert "没有需要导入的修改" in result.output
    assert snapshot(session_dir) == before


def test_reject_all_keeps_wording_and_reports(session_dir: Path, tmp_path: Path) -> None:
    def edits(document: Any) -> None:
        full_review(document)
        wr.plain_replace(document, CLOSING, "2025。二是强化要素保障。")  # untracked

    path = reviewed_file(session_dir, tmp_path, edits)
    before = snapshot(session_dir)
    result = runner.invoke(app, ["import", str(session_dir), str(path), "--reject-all"])
    assert result.exit_code == 0, result.output
    assert (
        "拒绝全部修订" in result.output and "修订（未采纳）（张科长）：插入“65家”" in result.output
    )
    after = snapshot(session_dir)
    changed = {n for n in before if before[n] != after[n]}
    # only the untracked edit and the comment's section are written
    assert changed == {"closing.json", "problems.json"}
    closing = Session.open(session_dir).section("closing")
    assert closing.current_version is not None and closing.current_version.origin == "reviewed"
    assert "持续优化创新生态" not in closing.text


def test_mismatched_document_is_reported_and_nothing_is_lost(
    session_dir: Path, tmp_path: Path
) -> None:
    def edits(document: Any) -> None:
        wr.delete_heading(document, "（二）科技项目组织与资金争取")  # merged into （一）
        wr.plain_replace(document, "（四）知识产权创造保护运用", "（四）知识产权工作")  # renamed
        wr.plain_replace(document, IP, "650件，586件")
        wr.plain_replace(document, CLOSING, "2025。二是强化要素保障。")

    path = reviewed_file(session_dir, tmp_path, edits)
    before = snapshot(session_dir)
    result = runner.invoke(app, ["import", str(session_dir), str(path)])
    assert result.exit_code == 1
    out = " ".join(result.output.split())
    assert "未能对应到会话的内容" in out
    assert "“（二）科技项目组织与资金争取”的标题在审阅稿中找不到" in out
    after = snapshot(session_dir)
    assert after["area_entities.json"] == before["area_entities.json"]
    assert after["area_projects.json"] == before["area_projects.json"]
    session = Session.open(session_dir)
    ip = session.section("area_ip")  # renamed heading: placed, heading kept, flagged
    assert "650件" in ip.text and ip.heading == "（四）知识产权创造保护运用"
    assert any("知识产权工作" in f for f in ip.current_version.verification.flags)  # type: ignore[union-attr]
    assert "持续优化创新生态" not in session.section("closing").text


def test_import_refuses_to_overwrite_a_newer_version(session_dir: Path, tmp_path: Path) -> None:
    path = reviewed_file(session_dir, tmp_path)
    session = Session.open(session_dir)
    newer = session.section("area_projects").model_copy(deep=True).edit("会话中后来改写的一段。")
    session.save_section(newer)
    result = runner.invoke(app, ["import", str(session_dir), str(path), "--json"])
    report = json.loads(result.output)
    status = {s["id"]: s["status"] for s in report["sections"]}
    assert status["area_projects"] == "conflict" and result.exit_code == 1
    assert Session.open(session_dir).section("area_projects").text == "会话中后来改写的一段。"


def test_import_holds_the_session_lock(session_dir: Path, tmp_path: Path) -> None:
    from drafter.errors import DrafterError
    from drafter.review.session import lock_session_dir

    path = reviewed_file(session_dir, tmp_path)
    before = snapshot(session_dir)
    with lock_session_dir(session_dir), pytest.raises(DrafterError, match="正被另一个进程使用"):
        import_reviewed(session_dir, path)
    assert snapshot(session_dir) == before


def test_bad_file_is_a_chinese_error(session_dir: Path, tmp_path: Path) -> None:
    bad = tmp_path / "x.docx"
    bad.write_bytes(b"not a zip")
    result = runner.invoke(app, ["import", str(session_dir), str(bad)])
    assert result.exit_code != 0 and isinstance(result.exception, Exception)
    assert "Word" in str(getattr(result.exception, "message", result.exception))


# --------------------------------------------------------------------------- export changes


def test_phrase_diff_keeps_numbers_whole() -> None:
    assert phrase_diff("同比增长16.7%，", "同比增长18.2%，") == [
        ("equal", "同比增长"),
        ("delete", "16.7%"),
        ("insert", "18.2%"),
        ("equal", "，"),
    ]


def test_export_changes_since_last_export(session_dir: Path, tmp_path: Path) -> None:
    exported(session_dir, tmp_path)
    session = Session.open(session_dir)
    old_projects = session.section("area_projects").text
    state = session.section("area_projects").model_copy(deep=True)
    session.save_section(
        state.edit(state.text.replace("46项", "47项") + "\n全年组织项目申报培训3场。")
    )
    out = tmp_path / "changes.docx"
    result = runner.invoke(
        app, ["export", str(session_dir), "--changes-since", "last-export", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    xml = zipfile.ZipFile(out).read("word/document.xml").decode()
    assert 'w:author="drafter"' in xml and "<w:delText" in xml and "w:date=" in xml
    assert "trackRevisions" in zipfile.ZipFile(out).read("word/settings.xml").decode()
    document = docx.Document(str(out))
    assert abs(document.sections[0].top_margin - Mm(37)) < Mm(0.1)  # still the GB/T 9704 page
    doc = read_revisions(out)
    assert [c for line in doc.lines() for c in line.changes] == []  # drafter's own: not a review
    pieces = [p.change for para in doc.paras for p in para.pieces if p.change is not None]
    assert {(c.kind, c.text) for c in pieces} >= {("del", "46"), ("ins", "47")}
    assert any(c.kind == "ins" and "培训3场" in c.text for c in pieces)
    # drafter's own changes count as accepted in both views: the session as it is now
    now = [line.text for line in doc.lines(accept=True)]
    assert now == [line.text for line in doc.lines(accept=False)]
    assert Session.open(session_dir).section("area_projects").text.splitlines()[0] in now
    assert old_projects not in now
    # importing the untouched changes document changes nothing
    before = snapshot(session_dir)
    result = runner.invoke(app, ["import", str(session_dir), str(out), "--reject-all"])
    assert result.exit_code == 0, result.output
    assert snapshot(session_dir) == before
    log = json.loads((session_dir / "exports.json").read_text(encoding="utf-8"))
    assert len(log["exports"]) == 2 and log["exports"][1]["versions"]["area_projects"] == 2


def test_export_changes_since_needs_a_record(session_dir: Path) -> None:
    result = runner.invoke(app, ["export", str(session_dir), "--changes-since", "last-export"])
    assert result.exit_code != 0
    assert "还没有导出记录" in str(getattr(result.exception, "message", ""))
    result = runner.invoke(app, ["export", str(session_dir), "--changes-since", "1"])
    assert result.exit_code == 0, result.output
    assert "没有改动" in result.output


# --------------------------------------------------------------------------- LibreOffice

SOFFICE = shutil.which("soffice")
UNO_PYTHON = Path("/usr/bin/python3")


def _has_uno() -> bool:
    if not UNO_PYTHON.exists():
        return False
    probe = subprocess.run([str(UNO_PYTHON), "-c", "import uno"], capture_output=True)
    return probe.returncode == 0


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) not installed")
def test_libreoffice_resave_keeps_changes_and_comments(session_dir: Path, tmp_path: Path) -> None:
    path = reviewed_file(session_dir, tmp_path)
    outdir = tmp_path / "lo"
    subprocess.run(
        [
            str(SOFFICE),
            f"-env:UserInstallation=file://{tmp_path / 'profile'}",
            "--headless",
            "--convert-to",
            "docx:MS Word 2007 XML",
            "--outdir",
            str(outdir),
            str(path),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    resaved = outdir / "reviewed.docx"
    assert zipfile.ZipFile(resaved).read("docProps/app.xml").decode().count("LibreOffice")
    original, again = read_revisions(path), read_revisions(resaved)
    assert [line.text for line in again.lines()] == [line.text for line in original.lines()]
    assert [(c.kind, c.text) for line in again.lines() for c in line.changes] == [
        (c.kind, c.text) for line in original.lines() for c in line.changes
    ]
    assert [c.text for c in again.comments.values()] == ["问题部分写得再具体一些"]
    report = import_reviewed(session_dir, resaved)
    assert {s.id for s in report.changed} == {
        "opening",
        "area_entities",
        "area_projects",
        "area_platforms",
        "area_ip",
        "area_grassroots",
    }


@pytest.mark.skipif(SOFFICE is None or not _has_uno(), reason="LibreOffice with python3-uno needed")
def test_changes_recorded_by_libreoffice(session_dir: Path, tmp_path: Path) -> None:
    # LibreOffice 7.4 headless crashes (URP bridge disposed) when asked to record changes in
    # a document holding a comment, so it edits the plain export; comments through
    # LibreOffice are covered by test_libreoffice_resave_keeps_changes_and_comments.
    sent = exported(session_dir, tmp_path)
    spec = tmp_path / "edits.json"
    spec.write_text(
        json.dumps(
            {
                "author": "李科长",
                "edits": [
                    {"op": "replace", "old": "46项，41项", "new": "39项，41项"},
                    {"op": "insert", "after": PROJECTS, "text": "，并开展绩效评价"},
                    {"op": "delete_paragraph", "phrase": PLATFORMS},
                ],
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    out = tmp_path / "lo-reviewed.docx"
    run = subprocess.run(
        [
            str(UNO_PYTHON),
            str(REPO / "scripts" / "lo_review.py"),
            str(sent),
            str(out),
            str(spec),
        ],
        capture_output=True,
        text=True,
        timeout=240,
    )
    if run.returncode != 0 or not out.exists():
        pytest.skip(f"LibreOffice could not save the recorded file here: {run.stderr[-300:]}")
    assert "LibreOffice" in zipfile.ZipFile(out).read("docProps/app.xml").decode()
    result = runner.invoke(app, ["import", str(session_dir), str(out), "--json"])
    assert result.exit_code == 0, result.output
    by_id = {s["id"]: s for s in json.loads(result.output)["sections"]}
    projects = by_id["area_projects"]
    assert projects["status"] == "changed" and projects["author"] == "李科长"
    assert "39项" in projects["text"] and "并开展绩效评价" in projects["text"]
    assert any("39项" in f for f in projects["flags"])  # 39 matches no figure
    assert by_id["area_platforms"]["status"] == "deleted"  # its only paragraph; heading kept
    assert by_id["area_platforms"]["text"] == ""
    assert {c["kind"] for c in by_id["area_platforms"]["changes"]} == {"del"}


def test_reviewed_version_is_a_persons_text() -> None:
    from drafter.drafting.records import Verification, Version
    from drafter.review.session import Note, SectionState, merge_redraft

    state = SectionState(id="s", level=1, heading="一、x", kind="achievements")
    state.add_version(Version(text="稿", origin="model"))
    state.add_version(
        Version(
            text="审阅后", origin="reviewed", author="张科长", verification=Verification(ok=True)
        )
    )
    state.notes.append(Note(text="再具体些", author="王局长", anchor="审阅后"))
    assert state.state == "edited" and state.is_human_touched
    merged = merge_redraft(state, Version(text="新稿", origin="model"))
    assert merged.text == "审阅后" and len(merged.versions) == 3  # a redraft does not replace it
    again = SectionState.model_validate_json(state.model_dump_json())
    assert again.notes[0].text == "再具体些" and again.current_version.author == "张科长"  # type: ignore[union-attr]
