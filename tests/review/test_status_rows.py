"""drafter.review.status: one row per section, the single source of `status`'s table,
`status --json` and `draft --json`.

Two functions used to build these rows and disagreed; the decisions, pinned here:

| field          | old `status --json` (cli)   | old render.status_rows     | now                          |
|----------------|-----------------------------|----------------------------|------------------------------|
| heading        | heading, else the label     | heading ("" for opening)   | heading, else the label      |
| level, kind    | yes                         | no                         | yes                          |
| versions       | no                          | yes                        | yes                          |
| heading_only   | no (table: "（标题）")       | no                         | yes; the table shows （标题）  |
| damaged file   | no row (only in problems)   | a row, state "unreadable"  | a row in place, "unreadable" |
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import drafter_cli

from drafter.drafting.records import Verification, Version
from drafter.review.render import STATE_LABELS
from drafter.review.session import SectionState, Session, SessionMeta
from drafter.review.session_files import backup_path
from drafter.review.status import HEADING_ONLY_LABEL, state_label, status_rows


def meta() -> SessionMeta:
    return SessionMeta(
        title="示例县科学技术局2025年工作总结",
        bureau="示例县科学技术局",
        year=2025,
        period="annual",
        figures_path="figures.yaml",
        figures_sha256="cd" * 32,
        outline="annual",
    )


def version(text: str, *, ok: bool = True, flags: tuple[str, ...] = ()) -> Version:
    return Version(
        text=text,
        template=text,
        origin="model",
        verification=Verification(ok=ok, attempts=1, flags=list(flags)),
    )


def section(sid: str, heading: str, level: int, kind: str, order: int) -> SectionState:
    return SectionState(id=sid, heading=heading, level=level, kind=kind, order=order)


def build(directory: Path) -> Session:
    """Every kind of row: untitled opening, part heading, drafted, flagged, accepted,
    edited, still pending, an untitled closing, and a damaged file in the middle."""
    sections = [
        section("opening", "", 0, "opening", 0),
        section("part1", "一、主要工作", 1, "achievements", 1),
        section("area_a", "（一）企业培育", 2, "achievements", 2),
        section("area_b", "（二）项目管理", 2, "achievements", 3),
        section("broken", "（三）成果转化", 2, "achievements", 4),
        section("problems", "二、存在的问题", 1, "problems", 5),
        section("plan", "三、工作打算", 1, "plan", 6),
        section("closing", "", 0, "closing", 7),
    ]
    session = Session.create(directory, meta(), sections)
    opening, _part, area_a, area_b, broken, problems, _plan, closing = sections
    opening.add_version(version("全局聚焦创新驱动。")).accept()
    area_a.add_version(version("新增企业15家。"))
    area_b.add_version(version("立项12项。", ok=False, flags=("数字“12”与数据不符",)))
    broken.add_version(version("转化成果3项。"))
    problems.add_version(version("一是投入不足。")).edit("一是研发投入不足。")
    closing.add_version(version("奋力开创新局面。"))
    for s in (opening, area_a, area_b, broken, problems, closing):
        session.save_section(s)
    broken_path = session.section_path("broken")
    broken_path.write_text("not json", encoding="utf-8")
    backup_path(broken_path).unlink()  # no good copy to fall back on
    return Session.open(directory)


# id → heading, level, kind, state, heading_only, label, version, versions, origin, flagged
EXPECTED: dict[str, tuple[Any, ...]] = {
    "opening": ("开头段", 0, "opening", "accepted", False, "已采纳", 1, 1, "model", False),
    "part1": ("一、主要工作", 1, "achievements", "pending", True, HEADING_ONLY_LABEL, 0, 0, None, False),
    "area_a": ("（一）企业培育", 2, "achievements", "drafted", False, "已起草", 1, 1, "model", False),
    "area_b": ("（二）项目管理", 2, "achievements", "flagged", False, "需重点审阅", 1, 1, "model", True),
    "broken": ("", None, None, "unreadable", False, "文件损坏", 0, 0, None, True),
    "problems": ("二、存在的问题", 1, "problems", "edited", False, "已人工修改", 2, 2, "edit", False),
    "plan": ("三、工作打算", 1, "plan", "pending", False, "待起草", 0, 0, None, False),
    "closing": ("结尾段", 0, "closing", "drafted", False, "已起草", 1, 1, "model", False),
}  # fmt: skip

KEYS = ("id", "heading", "level", "kind", "state", "heading_only", "version", "versions",
        "origin", "flags", "text")  # fmt: skip


@pytest.fixture
def session(tmp_path: Path) -> Session:
    return build(tmp_path / "d")


def test_rows_cover_every_section_in_document_order(session: Session) -> None:
    rows = status_rows(session)
    assert [r["id"] for r in rows] == list(EXPECTED)
    assert all(tuple(r) == KEYS for r in rows)
    json.dumps(rows, ensure_ascii=False)


@pytest.mark.parametrize("sid", list(EXPECTED))
def test_each_kind_of_row(session: Session, sid: str) -> None:
    row = next(r for r in status_rows(session) if r["id"] == sid)
    heading, level, kind, state, heading_only, label, current, versions, origin, flagged = EXPECTED[
        sid
    ]
    assert (row["heading"], row["level"], row["kind"]) == (heading, level, kind)
    assert (row["state"], row["heading_only"]) == (state, heading_only)
    assert state_label(row) == label
    assert (row["version"], row["versions"], row["origin"]) == (current, versions, origin)
    assert bool(row["flags"]) == flagged
    if state == "unreadable":
        assert "broken.json" in row["flags"][0] and row["text"] == ""


def test_every_state_has_a_label() -> None:
    for state in ("pending", "drafted", "flagged", "accepted", "edited", "unreadable"):
        assert state_label({"heading_only": False, "state": state}) == STATE_LABELS[state]


def test_status_json_and_table_are_the_rows(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    cwd = session.dir.parent
    out = json.loads(drafter_cli("status", "d", "--json", cwd=cwd).stdout)
    monkeypatch.chdir(cwd)  # the damaged file is named as the command was given it: d/…
    assert out["sections"] == status_rows(Session.open(Path("d")))
    assert any("broken.json" in p for p in out["problems"])
    table = drafter_cli("status", "d", cwd=cwd, env={"COLUMNS": "250"}).stdout
    for sid, expected in EXPECTED.items():
        line = next(ln for ln in table.splitlines() if f" {sid} " in ln)
        assert expected[5] in line, (sid, line)
