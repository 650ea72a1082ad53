"""The report of `drafter import`: per section what changed, what was flagged, what could
not be placed (data classes, JSON form and the Chinese text the CLI prints)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from drafter.word.revisions import Change

if TYPE_CHECKING:
    from drafter.review.session import Note

__all__ = [
    "STATUS_LABELS",
    "ImportReport",
    "SectionResult",
    "describe_edits",
    "report_lines",
    "short",
]

Status = Literal["unchanged", "changed", "deleted", "not_found", "ambiguous", "conflict"]
STATUS_LABELS: dict[str, str] = {
    "unchanged": "未改动",
    "changed": "已修改",
    "deleted": "整节删除",
    "not_found": "未找到",
    "ambiguous": "无法确定范围，未导入",
    "conflict": "审阅稿基于旧版本，未导入",
}


@dataclass
class SectionResult:
    id: str
    label: str
    status: Status = "unchanged"
    old_text: str = ""
    new_text: str = ""
    changes: list[Change] = field(default_factory=list)  # the reviewer's tracked changes
    edits: list[str] = field(default_factory=list)  # untracked edits, described
    flags: list[str] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    heading_as: str | None = None  # the heading as the document now has it, if different
    author: str | None = None
    version: int | None = None  # the new version's number once applied


@dataclass
class ImportReport:
    source: Path
    accept: bool
    sections: list[SectionResult] = field(default_factory=list)
    unplaced: list[str] = field(default_factory=list)  # Chinese, one item each
    problems: list[str] = field(default_factory=list)
    applied: bool = False
    archived: Path | None = None

    @property
    def changed(self) -> list[SectionResult]:
        return [s for s in self.sections if s.status in ("changed", "deleted")]

    @property
    def mismatched(self) -> bool:
        return bool(self.unplaced)

    def as_json(self) -> dict[str, Any]:
        return {
            "source": str(self.source),
            "accept": self.accept,
            "applied": self.applied,
            "archived": str(self.archived) if self.archived else None,
            "unplaced": self.unplaced,
            "problems": self.problems,
            "sections": [
                {
                    "id": s.id,
                    "label": s.label,
                    "status": s.status,
                    "version": s.version,
                    "author": s.author,
                    "text": s.new_text,
                    "changes": [
                        {"kind": c.kind, "text": c.text, "author": c.author, "date": c.date}
                        for c in s.changes
                    ],
                    "edits": s.edits,
                    "flags": s.flags,
                    "notes": [n.model_dump() for n in s.notes],
                    "heading_as": s.heading_as,
                }
                for s in self.sections
            ],
        }


def describe_edits(old: str, new: str) -> list[str]:
    from drafter.word.changes import phrase_diff

    out: list[str] = []
    pieces = phrase_diff(old, new)
    k = 0
    while k < len(pieces):
        op, text = pieces[k]
        nxt = pieces[k + 1] if k + 1 < len(pieces) else None
        if op == "delete" and nxt is not None and nxt[0] == "insert":
            out.append(f"“{short(text)}”改为“{short(nxt[1])}”")
            k += 2
            continue
        if op == "delete":
            out.append(f"删除“{short(text)}”")
        elif op == "insert":
            out.append(f"插入“{short(text)}”")
        k += 1
    return out


def short(text: str, limit: int = 40) -> str:
    text = text.replace("\n", "／").replace("\t", "｜").strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def report_lines(report: ImportReport) -> list[str]:
    """The Chinese import report, one line each (plain text; the CLI adds colour)."""
    mode = "接受全部修订" if report.accept else "拒绝全部修订（保留原文，只报告修订）"
    out = [f"审阅稿：{report.source}（{mode}）"]
    changed = report.changed
    out.append(
        f"共 {len(report.sections)} 节：修改 {len(changed)} 节，"
        f"未改动 {sum(r.status == 'unchanged' for r in report.sections)} 节，"
        f"新增批注 {sum(len(r.notes) for r in report.sections)} 条。"
    )
    for r in report.sections:
        if r.status == "unchanged" and not r.changes and not r.notes and not r.flags:
            continue
        head = f"【{r.label}】（{r.id}）{STATUS_LABELS[r.status]}"
        if r.version:
            head += f"，已存为第 {r.version} 版"
        if r.author:
            head += f"；审阅人：{r.author}"
        out.append(head)
        verb = "" if report.accept else "（未采纳）"
        for c in r.changes:
            who = f"（{c.author}）" if c.author else ""
            out.append(f"  · 修订{verb}{who}：{c.label}“{short(c.text)}”")
        for e in r.edits:
            out.append(f"  · 直接修改：{e}")
        for f in r.flags:
            out.append(f"  ! {f}")
        for n in r.notes:
            out.append(f"  ✎ 批注（{n.author or '审阅人'}）：{short(n.text, 80)}")
    if report.unplaced:
        out.append("未能对应到会话的内容（会话中相应章节未被改动）：")
        out += [f"  - {u}" for u in report.unplaced]
    out += [f"注意：{p}" for p in report.problems]
    if report.applied:
        out.append(f"审阅稿已存档：{report.archived}；旧版本均保留在各节历史中。")
    return out
