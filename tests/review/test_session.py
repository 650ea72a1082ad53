"""The draft directory: versions and provenance survive, people's decisions are kept."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from drafter.atomic import WriteError, atomic_write_json, atomic_write_text
from drafter.drafting.records import Exemplar, Verification, Version
from drafter.errors import DrafterError
from drafter.review.render import render_markdown, render_review
from drafter.review.session import (
    SectionState,
    Session,
    SessionMeta,
    lock_session_dir,
    merge_redraft,
    would_override,
)
from drafter.review.status import status_rows

REPO = Path(__file__).resolve().parents[2]


# ------------------------------------------------------------------ helpers


def meta() -> SessionMeta:
    return SessionMeta(
        title="示例县科学技术局2024年工作总结及2025年工作打算",
        bureau="示例县科学技术局",
        year=2024,
        period="annual",
        figures_path="examples/figures_2024.yaml",
        figures_sha256="ab" * 32,
        outline="annual",
        model="llamacpp/qwen2.5-coder-1.5b",
    )


def outline() -> list[SectionState]:
    return [
        SectionState(id="opening", heading="", level=0, kind="opening", order=0),
        SectionState(
            id="achievements",
            heading="一、2024年主要工作及成效",
            level=1,
            kind="achievements",
            order=1,
        ),
        SectionState(
            id="area_innovation",
            heading="（一）科技创新主体培育",
            level=2,
            kind="achievements",
            order=2,
        ),
        SectionState(
            id="problems", heading="二、存在的问题和不足", level=1, kind="problems", order=3
        ),
    ]


def exemplar() -> Exemplar:
    return Exemplar(
        chunk_id="c1",
        doc_id="d1",
        source="past/2023年工作总结.docx",
        heading_path="一、主要工作 > （一）企业培育",
        kind="achievements",
        year=2023,
        score=0.0321,
        text="全年新增高新技术企业X家，同比增长X%。",
    )


def model_version(
    text: str = "一是强化企业培育，新增高新技术企业15家。", **verification: object
) -> Version:
    return Version(
        text=text,
        template="一是强化企业培育，新增高新技术企业{F1}。",
        origin="model",
        model="llamacpp/qwen2.5-coder-1.5b",
        prompt_hash="0123456789abcdef",
        exemplars=[exemplar()],
        figures_used=["F1"],
        verification=Verification.model_validate({"ok": True, "attempts": 1, **verification}),
    )


def fallback_version() -> Version:
    return Version(
        text="高新技术企业达到15家。",
        template="高新技术企业达到{F1}。",
        origin="fallback",
        model="llamacpp/qwen2.5-coder-1.5b",
        figures_used=["F1"],
        verification=Verification(
            ok=True,
            attempts=3,
            fallback=True,
            violations=["第1稿：出现了数字“12”"],
            missing_slots=["F2"],
            flags=["模型多次违反数字规则，本节改用程序按数据生成的段落，请人工润色。"],
        ),
    )


@pytest.fixture
def session(tmp_path: Path) -> Session:
    return Session.create(tmp_path / "draft", meta(), outline())


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.rglob("*.tmp"))


# ------------------------------------------------------------- round trip


def test_a_created_session_reopens_with_the_same_meta_sections_and_order(
    session: Session,
) -> None:
    state = session.section("area_innovation").add_version(model_version())
    session.save_section(state)

    again = Session.open(session.dir)

    assert again.meta == session.meta
    assert [s.id for s in again.sections()] == [
        "opening",
        "achievements",
        "area_innovation",
        "problems",
    ]
    assert again.section("area_innovation") == state
    assert again.section("area_innovation").current_version == state.current_version
    assert again.problems == []


def test_session_files_are_readable_utf8_json_with_a_schema_version(session: Session) -> None:
    assert (session.dir / "session.json").is_file()
    assert (session.dir / "sections" / "area_innovation.json").is_file()
    raw = (session.dir / "session.json").read_text(encoding="utf-8")
    assert "示例县科学技术局" in raw  # Chinese is written as is, not \u-escaped
    assert json.loads(raw)["schema_version"] == 1
    section = json.loads((session.dir / "sections" / "opening.json").read_text("utf-8"))
    assert section["schema_version"] == 1


def test_create_refuses_a_directory_that_already_holds_a_draft(session: Session) -> None:
    with pytest.raises(DrafterError, match="已有一份草稿"):
        Session.create(session.dir, meta(), outline())


def test_opening_a_directory_that_is_not_a_session_says_so(tmp_path: Path) -> None:
    with pytest.raises(DrafterError, match="不是 drafter 会话目录"):
        Session.open(tmp_path)
    with pytest.raises(DrafterError, match="不存在"):
        Session.open(tmp_path / "nowhere")


def test_a_session_from_a_newer_drafter_is_refused_with_an_upgrade_hint(
    session: Session,
) -> None:
    data = json.loads(session.meta_path.read_text("utf-8"))
    data["schema_version"] = 2
    session.meta_path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(DrafterError, match="更新版本") as info:
        Session.open(session.dir)
    assert "升级" in str(info.value)


def test_asking_for_an_unknown_section_lists_the_valid_ids(session: Session) -> None:
    with pytest.raises(DrafterError) as info:
        session.section("area_nope")
    message = str(info.value)
    assert "area_nope" in message
    assert "opening、achievements、area_innovation、problems" in message


def test_saving_a_new_section_appends_it_to_the_order_on_disk(session: Session) -> None:
    closing = SectionState(id="closing", level=0, kind="closing", order=4)
    session.save_section(closing.add_version(model_version("奋力开创科技工作新局面。")))

    again = Session.open(session.dir)
    assert again.meta.section_order[-1] == "closing"
    assert again.section("closing").text == "奋力开创科技工作新局面。"


# --------------------------------------------------------------- versions


def test_versions_are_numbered_and_the_newest_is_in_force() -> None:
    state = outline()[2]
    assert state.current_version is None
    assert state.text == ""

    state.add_version(model_version("第一稿。"))
    state.add_version(model_version("第二稿。"))

    assert [v.number for v in state.versions] == [1, 2]
    assert state.current == 2
    assert state.text == "第二稿。"
    assert state.state == "drafted"


def test_a_version_with_flags_fallback_or_violations_is_flagged_for_review() -> None:
    assert outline()[2].add_version(fallback_version()).state == "flagged"
    assert outline()[2].add_version(model_version(flags=["出现未核实的数字"])).state == "flagged"
    assert outline()[2].add_version(model_version(violations=["第1稿：…"])).state == "flagged"
    assert outline()[2].add_version(model_version(missing_slots=["F2"])).state == "flagged"
    assert outline()[2].add_version(model_version()).state == "drafted"


def test_adding_a_version_does_not_change_the_callers_object() -> None:
    produced = model_version()
    outline()[2].add_version(produced)
    assert produced.number == 0


def test_a_persons_edit_becomes_a_version_and_marks_the_section_edited() -> None:
    state = outline()[2].add_version(model_version())
    state.edit("人工改写的段落。")
    assert state.state == "edited"
    assert state.current_version is not None
    assert state.current_version.origin == "edit"
    assert state.current_version.template is None
    assert state.is_human_touched
    assert len(state.versions) == 2


def test_accept_marks_the_version_in_force_and_needs_one() -> None:
    state = outline()[2]
    with pytest.raises(DrafterError, match="还没有任何版本"):
        state.accept()
    state.add_version(model_version()).accept()
    assert state.state == "accepted"
    assert state.is_human_touched


def test_undo_puts_an_earlier_version_back_and_keeps_the_later_ones() -> None:
    state = outline()[2]
    state.add_version(model_version("第一稿。"))
    state.add_version(fallback_version())
    state.edit("人工稿。")

    state.undo_to(1)

    assert state.current == 1
    assert state.text == "第一稿。"
    assert state.state == "drafted"
    assert [v.origin for v in state.versions] == ["model", "fallback", "edit"]
    assert not state.is_human_touched

    forward = state.undo_to(3)  # and forward again: nothing was lost
    assert forward.text == "人工稿。"
    assert forward.state == "edited"


def test_undo_to_a_version_that_does_not_exist_names_the_range() -> None:
    state = outline()[2].add_version(model_version())
    with pytest.raises(DrafterError, match="1–1"):
        state.undo_to(5)


def test_a_section_file_with_an_inconsistent_history_is_rejected() -> None:
    with pytest.raises(ValueError, match="current"):
        SectionState(
            id="x",
            level=1,
            kind="plan",
            state="drafted",
            current=2,
            versions=[model_version().model_copy(update={"number": 1})],
        )


def test_provenance_survives_the_round_trip(session: Session) -> None:
    state = session.section("area_innovation")
    state.add_version(model_version())
    state.add_version(fallback_version())
    state.add_version(model_version().model_copy(update={"instruction": "更简练一些"}))
    session.save_section(state)

    back = Session.open(session.dir).section("area_innovation")
    first = back.versions[0]
    assert first.exemplars == [exemplar()]
    assert first.figures_used == ["F1"]
    assert first.prompt_hash == "0123456789abcdef"
    assert back.versions[1].verification is not None
    assert back.versions[1].verification.fallback
    assert back.versions[2].instruction == "更简练一些"


# ------------------------------------------------------------------ merging


def test_a_redraft_replaces_a_section_nobody_has_touched() -> None:
    existing = outline()[2].add_version(model_version("旧稿。"))
    assert not would_override(existing)

    merged = merge_redraft(existing, model_version("新稿。"))

    assert merged.text == "新稿。"
    assert merged.current == 2
    assert existing.current == 1  # the input is left as it was


def test_a_redraft_never_replaces_an_accepted_section() -> None:
    existing = outline()[2].add_version(model_version("领导认可的稿子。")).accept()
    assert would_override(existing)

    merged = merge_redraft(existing, model_version("新稿。"))

    assert merged.text == "领导认可的稿子。"
    assert merged.state == "accepted"
    assert merged.current == 1
    assert [v.text for v in merged.versions] == ["领导认可的稿子。", "新稿。"]


def test_a_redraft_never_replaces_an_edited_section() -> None:
    existing = outline()[2].add_version(model_version()).edit("人工改写。")
    assert would_override(existing)

    merged = merge_redraft(existing, fallback_version())

    assert merged.text == "人工改写。"
    assert merged.state == "edited"
    assert len(merged.versions) == 3


# ---------------------------------------------------------------- atomicity


def test_atomic_write_replaces_content_and_leaves_no_temp_file(tmp_path: Path) -> None:
    target = tmp_path / "draft.md"
    atomic_write_text(target, "旧内容")
    atomic_write_text(target, "新内容")
    atomic_write_json(tmp_path / "x.json", {"标题": "总结"})
    assert target.read_text("utf-8") == "新内容"
    assert json.loads((tmp_path / "x.json").read_text("utf-8")) == {"标题": "总结"}
    assert leftovers(tmp_path) == []


def test_a_failed_write_keeps_the_old_file_and_removes_the_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "draft.md"
    target.write_text("旧内容", encoding="utf-8")

    def disk_full(src: object, dst: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace", disk_full)
    with pytest.raises(WriteError) as info:
        atomic_write_text(target, "新内容")

    assert isinstance(info.value, DrafterError)
    assert str(target) in str(info.value)
    assert "磁盘空间不足" in str(info.value)
    assert info.value.path == str(target)
    assert target.read_text("utf-8") == "旧内容"
    assert leftovers(tmp_path) == []


def test_an_unwritable_directory_is_reported_in_chinese_naming_the_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_open = os.open

    def read_only(path: object, flags: int, mode: int = 0o777) -> int:
        if flags & os.O_CREAT:
            raise OSError(errno.EROFS, "Read-only file system")
        return real_open(path, flags, mode)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", read_only)
    target = tmp_path / "review.md"
    with pytest.raises(WriteError, match="不可写") as info:
        atomic_write_text(target, "内容")
    assert str(target) in str(info.value)
    assert not target.exists()


def test_a_failed_section_save_leaves_the_previous_section_on_disk(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    state = session.section("area_innovation").add_version(model_version("保存过的稿子。"))
    session.save_section(state)

    def fails(src: object, dst: object) -> None:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(os, "replace", fails)
    state.add_version(model_version("没保存上的稿子。"))
    with pytest.raises(DrafterError, match=r"area_innovation\.json"):
        session.save_section(state)
    monkeypatch.undo()

    assert Session.open(session.dir).section("area_innovation").text == "保存过的稿子。"
    assert leftovers(session.dir) == []


# ---------------------------------------------------------- damaged files


def test_a_damaged_section_falls_back_to_its_last_good_copy(session: Session) -> None:
    state = session.section("area_innovation")
    session.save_section(state.add_version(model_version("第一稿。")))
    session.save_section(state.add_version(model_version("第二稿。")))
    path = session.section_path("area_innovation")
    assert path.with_name("area_innovation.json.bak").is_file()
    path.write_text('{"schema_version": 1, "id": "area_inn', encoding="utf-8")  # torn write

    again = Session.open(session.dir)

    assert again.section("area_innovation").text == "第一稿。"
    assert len(again.problems) == 1
    assert "area_innovation.json" in again.problems[0]
    assert "备份" in again.problems[0]


def test_a_damaged_section_without_backup_is_reported_and_the_rest_still_opens(
    session: Session,
) -> None:
    path = session.section_path("problems")
    path.write_text("not json at all", encoding="utf-8")

    again = Session.open(session.dir)

    assert [s.id for s in again.sections()] == ["opening", "achievements", "area_innovation"]
    assert any(str(path) in p for p in again.problems)
    with pytest.raises(DrafterError, match="已损坏") as info:
        again.section("problems")
    assert "problems.json" in str(info.value)
    row = next(r for r in status_rows(again) if r["id"] == "problems")
    assert row["state"] == "unreadable"
    assert "problems.json" in row["flags"][0]


def test_saving_over_a_damaged_section_keeps_the_damaged_file_aside(session: Session) -> None:
    path = session.section_path("problems")
    path.write_text("garbage", encoding="utf-8")
    again = Session.open(session.dir)

    fresh = outline()[3].add_version(model_version("重新起草。"))
    again.save_section(fresh)

    assert Session.open(session.dir).section("problems").text == "重新起草。"
    kept = list(path.parent.glob("problems.json.corrupt-*"))
    assert [p.read_text("utf-8") for p in kept] == ["garbage"]
    assert not path.with_name("problems.json.bak").exists()  # garbage never becomes a backup


def test_a_section_file_whose_content_is_invalid_is_named_with_the_field(
    session: Session,
) -> None:
    path = session.section_path("opening")
    data = json.loads(path.read_text("utf-8"))
    data["state"] = "approved"
    path.write_text(json.dumps(data), encoding="utf-8")

    again = Session.open(session.dir)

    assert any("opening.json" in p and "state" in p for p in again.problems)


def test_a_damaged_session_file_without_backup_is_a_clear_error(session: Session) -> None:
    session.meta_path.write_text("{", encoding="utf-8")
    with pytest.raises(DrafterError) as info:
        Session.open(session.dir)
    assert "session.json" in str(info.value)
    assert "JSON" in str(info.value)


def test_a_damaged_session_file_falls_back_to_its_backup(session: Session) -> None:
    session.meta.model = "openai/gpt-4o-mini"
    session.save_meta()  # the first session.json becomes session.json.bak
    session.meta_path.write_text("{", encoding="utf-8")

    again = Session.open(session.dir)

    assert again.meta.title == meta().title
    assert any("session.json" in p for p in again.problems)


# -------------------------------------------------------------------- lock


CHILD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from drafter.review.session import Session

    session = Session.open(Path(sys.argv[1]))
    with session.lock():
        print("locked", flush=True)
        time.sleep(120)
    """
)


def _hold_lock_in_child(directory: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(directory)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=REPO,
    )
    assert child.stdout is not None
    line = child.stdout.readline()
    if line.strip() != "locked":
        child.kill()
        _, err = child.communicate(timeout=10)
        pytest.fail(f"child could not take the lock: {err}")
    return child


def test_the_lock_is_held_for_the_block_and_released_after(session: Session) -> None:
    with (
        session.lock(),
        session.lock(),  # re-entrant within one session object
        pytest.raises(DrafterError, match="正被另一个进程使用"),
        lock_session_dir(session.dir),
    ):
        pass
    with Session.open(session.dir).lock():
        pass


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_a_second_process_is_refused_and_a_killed_holder_leaves_no_stale_lock(
    session: Session,
) -> None:
    child = _hold_lock_in_child(session.dir)
    try:
        with pytest.raises(DrafterError, match="正被另一个进程使用") as info, session.lock():
            pass
        assert str(session.dir) in str(info.value)

        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=10)
        assert child.returncode == -signal.SIGKILL

        with session.lock():  # the OS released the dead holder's lock
            session.save_section(session.section("opening").add_version(model_version()))
        assert (session.dir / ".lock").exists()  # left behind, and harmless
    finally:
        if child.poll() is None:
            child.kill()
        child.communicate(timeout=10)


# --------------------------------------------------------------- rendering


def drafted_sections() -> list[SectionState]:
    opening, achievements, area, problems = outline()
    opening.add_version(model_version("2024年，全局上下聚焦创新驱动。\n\n成效明显。"))
    area.add_version(fallback_version())
    problems.add_version(model_version("一是创新投入不足；二是人才短缺。")).accept()
    return [opening, achievements, area, problems]


def test_markdown_has_the_title_headings_by_level_and_body_paragraphs() -> None:
    md = render_markdown(meta(), drafted_sections())

    assert md.startswith("# 示例县科学技术局2024年工作总结及2025年工作打算\n")
    assert "\n## 一、2024年主要工作及成效\n" in md
    assert "\n### （一）科技创新主体培育\n" in md
    assert "\n## 二、存在的问题和不足\n" in md
    assert "\n2024年，全局上下聚焦创新驱动。\n\n成效明显。\n" in md
    assert "高新技术企业达到15家。" in md
    assert md.index("（一）科技创新主体培育") < md.index("二、存在的问题和不足")
    assert "尚未起草" not in md  # a heading-only parent section is not "missing"


def test_markdown_marks_a_section_still_to_be_drafted() -> None:
    sections = outline()
    md = render_markdown(meta(), sections)
    assert md.count("（本节尚未起草）") == 3  # opening, （一）, 二、 — not the 一、 container


def test_review_report_summarises_then_details_each_section() -> None:
    report = render_review(meta(), drafted_sections())

    assert report.startswith("# 审阅报告：示例县科学技术局2024年工作总结及2025年工作打算")
    assert "共 4 节：需重点审阅 1 节，程序兜底 1 节，已采纳 1 节" in report
    area = report[report.index("### 3. （一）科技创新主体培育（area_innovation）") :]
    area = area[: area.index("\n### ")]
    assert "需重点审阅" in area
    assert "第 1 版（共 1 版）" in area
    assert "程序按数据生成（兜底）" in area
    assert "模型多次违反数字规则" in area
    assert "缺少数据：F2" in area
    assert "第1稿：出现了数字“12”" in area
    assert "一、2024年主要工作及成效（achievements）\n\n- 标题节" in report
    opening = report[report.index("### 1. 开头段（opening）") :]
    assert "past/2023年工作总结.docx · 一、主要工作 > （一）企业培育（2023年" in opening
    assert "已采纳" in report[report.index("（problems）") :]


def test_status_rows_carry_what_the_cli_shows(session: Session) -> None:
    for s in drafted_sections():
        session.save_section(s)

    rows = status_rows(Session.open(session.dir))

    assert [r["id"] for r in rows] == ["opening", "achievements", "area_innovation", "problems"]
    area = rows[2]
    assert area["heading"] == "（一）科技创新主体培育"
    assert area["state"] == "flagged"
    assert area["version"] == 1
    assert area["origin"] == "fallback"
    assert "缺少数据：F2" in area["flags"]
    assert area["text"] == "高新技术企业达到15家。"
    assert rows[1]["origin"] is None
    json.dumps(rows, ensure_ascii=False)  # ready for --json


def test_write_outputs_puts_draft_and_review_in_the_directory(session: Session) -> None:
    for s in drafted_sections():
        session.save_section(s)
    draft, review = session.write_outputs()
    assert draft == session.dir / "draft.md"
    assert "（一）科技创新主体培育" in draft.read_text("utf-8")
    assert review.read_text("utf-8").startswith("# 审阅报告")


def test_sections_finished_concurrently_are_all_saved(session: Session) -> None:
    from concurrent.futures import ThreadPoolExecutor

    def finish(state: SectionState) -> None:
        session.save_section(state.add_version(model_version(f"{state.id}的正文。")))

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(finish, session.sections()))

    again = Session.open(session.dir)
    assert [s.text for s in again.sections()] == [
        f"{i}的正文。" for i in ("opening", "achievements", "area_innovation", "problems")
    ]
    assert leftovers(session.dir) == []
