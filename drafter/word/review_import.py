"""Bring a reviewed Word document back into its session (``drafter import``).

The document (drafter.word.revisions) is aligned with the session's sections: each titled
section by its heading (as sent: the wording with tracked changes rejected, so a heading
the reviewer edited with track changes still anchors; then by marker level for a heading
renamed without tracking), untitled sections (opening, closing) and the body of each
titled section by the similarity of their paragraphs to the session's text. A section
whose new text differs from the version in force gets a new version, origin "reviewed",
with the revision author and the number check of the new text; untouched sections are not
written at all. Comments become notes on their section. What cannot be placed (a heading
not found, two sections merged, text before the first heading) is reported and left alone.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from drafter.text.markers import strip_marker
from drafter.word.export import split_heading
from drafter.word.import_report import (
    ImportReport,
    SectionResult,
    describe_edits,
    report_lines,
    short,
)
from drafter.word.revisions import Change, RevisedDocument, merged_changes, read_revisions

if TYPE_CHECKING:
    from drafter.figures import SlotTable
    from drafter.review.session import SectionState, Session

__all__ = ["ImportReport", "SectionResult", "import_reviewed", "plan_import", "report_lines"]

ARCHIVE_DIR = "reviewed"
_GHOST_RATIO = 0.6  # a paragraph this similar to a section not found means it was merged
_DATE_LINE = re.compile(r"^\d{4}年\d{1,2}月\d{1,2}日$")


# --------------------------------------------------------------------------- alignment


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _ratio(a: str, b: str) -> float:
    if not a or not b:
        return 0.0
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


def _paras(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


@dataclass
class _Placement:
    body: dict[str, list[int]] = field(default_factory=dict)  # section id → paragraph indices
    heading: dict[str, int] = field(default_factory=dict)  # section id → heading paragraph
    renamed: dict[str, str] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    ambiguous: list[str] = field(default_factory=list)
    unplaced: list[str] = field(default_factory=list)


def _align(
    doc: RevisedDocument, sections: list[SectionState], title: str, bureau: str
) -> _Placement:
    sent = [p.text(accept=False).strip() for p in doc.paras]
    now = [p.text(accept=True).strip() for p in doc.paras]
    shown = [s or n for s, n in zip(sent, now, strict=True)]
    body = [i for i, t in enumerate(shown) if t]
    # the title on top and the 落款 at the bottom are not part of any section
    if body and _ratio(_norm(shown[body[0]]), _norm(title)) >= 0.8:
        body = body[1:]
    for _ in range(2):
        if body and (_DATE_LINE.match(shown[body[-1]]) or _norm(shown[body[-1]]) == _norm(bureau)):
            body = body[:-1]
    place = _Placement()

    def matches(i: int, heading: str) -> bool:
        keys = {_norm(heading), _norm(strip_marker(heading))}
        return bool({_norm(sent[i]), _norm(now[i]), _norm(strip_marker(sent[i]))} & keys)

    pos = 0
    for s in sections:
        if not s.heading:
            continue
        for k in range(pos, len(body)):
            if matches(body[k], s.heading):
                place.heading[s.id] = body[k]
                pos = k + 1
                break
    _find_renamed(doc, sections, body, shown, place)
    place.missing = [s.id for s in sections if s.heading and s.id not in place.heading]

    # groups: an anchored section (or the start) and the sections up to the next anchor
    anchors = sorted(place.heading.items(), key=lambda kv: kv[1])
    order = {s.id: n for n, s in enumerate(sections)}
    cuts = [(-1, -1)] + [(order[sid], i) for sid, i in anchors]
    for g, (first, start) in enumerate(cuts):
        end_section, end_para = cuts[g + 1] if g + 1 < len(cuts) else (len(sections), 10**9)
        members = sections[max(first, 0) : end_section]
        region = [i for i in body if start < i < end_para]
        _place_group(members, region, shown, place)
    return place


def _find_renamed(
    doc: RevisedDocument,
    sections: list[SectionState],
    body: list[int],
    shown: list[str],
    place: _Placement,
) -> None:
    """A heading reworded without tracking: same level, in the gap where one is missing."""
    found = {i for i in place.heading.values()}
    order = [s for s in sections if s.heading]
    k = 0
    while k < len(order):
        if order[k].id in place.heading:
            k += 1
            continue
        gap = [order[k]]
        while k + len(gap) < len(order) and order[k + len(gap)].id not in place.heading:
            gap.append(order[k + len(gap)])
        lo = place.heading[order[k - 1].id] if k > 0 else -1
        nxt = order[k + len(gap)] if k + len(gap) < len(order) else None
        hi = place.heading[nxt.id] if nxt is not None else 10**9
        candidates = [
            i
            for i in body
            if lo < i < hi and i not in found and _heading_level(doc, i, shown[i]) is not None
        ]
        levels = [_heading_level(doc, i, shown[i]) for i in candidates]
        if len(candidates) == len(gap) and levels == [max(s.level, 1) for s in gap]:
            for s, i in zip(gap, candidates, strict=True):
                place.heading[s.id] = i
                place.renamed[s.id] = shown[i]
        k += len(gap)


def _heading_level(doc: RevisedDocument, i: int, text: str) -> int | None:
    found = split_heading(text, (1, 2))
    if found is not None and found[1] == text:
        return found[0]
    outline = doc.paras[i].outline
    return outline + 1 if outline is not None and outline <= 1 else None


def _place_group(
    members: list[SectionState], region: list[int], shown: list[str], place: _Placement
) -> None:
    """Share a region among an anchored section and the untitled sections after it."""
    anchored = [s for s in members if s.id in place.heading][:1]
    ghosts = [s for s in members if s.heading and s.id not in place.heading]
    takers = anchored + [s for s in members if not s.heading]
    if not takers:
        if region:
            place.unplaced.append(
                "以下段落不属于会话中的任何一节，未导入："
                + "／".join(f"“{shown[i][:40]}”" for i in region)
            )
        return
    own = {s.id: _paras(s.text) for s in takers}
    scores: dict[tuple[int, str], float] = {}

    def score(i: int, sid: str) -> float:
        if (i, sid) not in scores:
            scores[(i, sid)] = max((_ratio(shown[i], p) for p in own[sid]), default=0.0)
        return scores[(i, sid)]

    for g in ghosts:  # a section not found whose text sits in this region: merged
        theirs = _paras(g.text)
        merged = [
            i
            for i in region
            if max((_ratio(shown[i], p) for p in theirs), default=0.0)
            >= max(_GHOST_RATIO, *(score(i, t.id) for t in takers))
        ]
        if merged:
            place.ambiguous += [t.id for t in takers if t.heading] or [takers[0].id]
            place.unplaced.append(
                f"“{g.label}”的标题在审阅稿中找不到，其正文似乎并入了“{takers[0].label}”："
                "这几节都未导入，请在会话中手工修改"
            )
            return
    # contiguous split maximising similarity (few sections, short regions)
    n = len(region)
    best: dict[tuple[int, int], tuple[float, list[int]]] = {}

    def solve(t: int, start: int) -> tuple[float, list[int]]:
        if t == len(takers) - 1:
            return sum(score(i, takers[t].id) for i in region[start:]), [n]
        if (t, start) not in best:
            options = []
            for cut in range(start, n + 1):
                here = sum(score(i, takers[t].id) for i in region[start:cut])
                rest, cuts = solve(t + 1, cut)
                options.append((here + rest, [cut, *cuts]))
            best[(t, start)] = max(options, key=lambda o: o[0])
        return best[(t, start)]

    _, cuts = solve(0, 0)
    start = 0
    for s, cut in zip(takers, cuts, strict=True):
        place.body[s.id] = region[start:cut]
        start = cut


# --------------------------------------------------------------------------- planning


def check_reviewed_text(text: str, table: SlotTable | None) -> list[str]:
    """The checks `drafter check` and the session's edit run, on a reviewed text."""
    if table is None:
        return ["未核对数字：找不到数据文件。"]
    from drafter.review.edits import check_edited_text

    return [f"第{f.line}行：{f.reason}" for f in check_edited_text(text, table)]


def plan_import(
    session: Session,
    doc: RevisedDocument,
    source: Path,
    *,
    accept: bool = True,
    table: SlotTable | None = None,
) -> ImportReport:
    """What importing ``doc`` would change, per section; nothing is written."""
    from drafter.review.session import Note

    report = ImportReport(source=source, accept=accept)
    sections = session.sections()
    place = _align(doc, sections, session.meta.title, session.meta.bureau)
    report.unplaced += place.unplaced
    owner: dict[int, str] = {i: sid for sid, idx in place.body.items() for i in idx}
    owner.update({i: sid for sid, i in place.heading.items()})
    for s in sections:
        result = SectionResult(id=s.id, label=s.label, old_text="\n".join(_paras(s.text)))
        report.sections.append(result)
        if s.id in place.missing:
            result.status = "not_found"
            if not any(s.label in u for u in report.unplaced):
                report.unplaced.append(
                    f"“{s.label}”（{s.id}）在审阅稿中找不到（标题被删除或改写）；本节未改动"
                )
            continue
        if s.id in place.ambiguous:
            result.status = "ambiguous"
            continue
        paras = [doc.paras[i] for i in place.body.get(s.id, [])]
        view = RevisedDocument(paras, {}).lines(accept=accept)
        result.new_text = "\n".join(line.text for line in view)
        result.changes = merged_changes(
            [piece.change for p in paras for piece in p.pieces if piece.change is not None]
        )
        if s.id in place.heading:
            hp = doc.paras[place.heading[s.id]]
            result.changes = _heading_changes(hp) + result.changes
            heading_now = hp.text(accept).strip()
            if _norm(heading_now) != _norm(s.heading):
                result.heading_as = heading_now
        # the wording as sent plus untracked edits: what the reviewer changed without a trace
        sent = "\n".join(line.text for line in RevisedDocument(paras, {}).lines(accept=False))
        result.edits = describe_edits(result.old_text, sent)
        authors = [c.author for c in result.changes if c.author]
        if result.edits and doc.last_editor:
            authors.append(doc.last_editor)
        result.author = "、".join(dict.fromkeys(authors)) or None
        base = _older_version(s, sent)
        if base is not None and result.new_text != result.old_text:
            result.status = "conflict"
            report.unplaced.append(
                f"“{s.label}”：审阅稿是按第 {base} 版审阅的，会话中此后已改为第 {s.current} 版；"
                "为免覆盖新版本，本节未导入，请对照审阅稿手工修改"
            )
            continue
        if result.new_text != result.old_text:
            result.status = "deleted" if not result.new_text else "changed"
            result.flags = check_reviewed_text(result.new_text, table) if result.new_text else []
            if result.status == "deleted":
                result.flags.insert(0, "审阅人删除了本节全部正文，请确认是否保留本节")
        if result.heading_as is not None:
            where = "被删除" if not result.heading_as else f"改为“{result.heading_as}”"
            result.flags.append(f"审阅稿中本节标题{where}；会话中的标题（来自提纲）未改")
    # comments → notes on the section of their paragraph
    by_id = {r.id: r for r in report.sections}
    states = {s.id: s for s in sections}
    for i, para in enumerate(doc.paras):
        for cid in para.comments:
            comment = doc.comments.get(cid)
            if comment is None:
                continue
            sid = owner.get(i)
            if sid is None or by_id[sid].status in ("not_found", "ambiguous"):
                report.unplaced.append(
                    f"{comment.author or '审阅人'}的批注“{short(comment.text)}”"
                    f"（批注于“{short(comment.anchor)}”）无法对应到任何一节，未导入"
                )
                continue
            note = Note(
                text=comment.text,
                author=comment.author,
                date=comment.date if comment.date and comment.date[:2] in ("19", "20") else None,
                anchor=comment.anchor,
                source=source.name,
            )
            known = {(n.author, n.text, n.anchor) for n in states[sid].notes + by_id[sid].notes}
            if (note.author, note.text, note.anchor) not in known:
                by_id[sid].notes.append(note)
    return report


def _older_version(state: SectionState, sent: str) -> int | None:
    """The earlier version the reviewer was sent, when it is not the version in force."""
    if sent == "\n".join(_paras(state.text)):
        return None
    for v in reversed(state.versions):
        if v.number != state.current and "\n".join(_paras(v.text)) == sent:
            return v.number
    return None


def _heading_changes(para: Any) -> list[Change]:
    return merged_changes([p.change for p in para.pieces if p.change is not None])


# --------------------------------------------------------------------------- applying


def import_reviewed(
    directory: Path,
    source: Path,
    *,
    accept: bool = True,
    dry_run: bool = False,
    now: datetime | None = None,
) -> ImportReport:
    """Read ``source``, align it with the session in ``directory`` and apply the changes.

    Holds the session lock throughout; each changed section is written atomically; the
    reviewed file is first copied into ``DIR/reviewed/`` so that nothing the reviewer sent
    is lost even when it is the session's own draft.docx.
    """
    from drafter.atomic import atomic_write_bytes
    from drafter.drafting.records import Verification, Version
    from drafter.errors import DrafterError
    from drafter.figures import build_slot_table, load_figures
    from drafter.review.session import Session, lock_session_dir

    source = Path(source)
    doc = read_revisions(source)
    data = source.read_bytes()
    with lock_session_dir(Path(directory)):
        session = Session.open(Path(directory))
        table = None
        problems: list[str] = []
        figures = Path(session.meta.figures_path)
        try:
            table = build_slot_table(load_figures(figures))
        except DrafterError as exc:
            problems.append(
                f"本草稿的数据文件 {figures} 无法读取（{exc.message}），本次未核对数字。"
            )
        report = plan_import(session, doc, source, accept=accept, table=table)
        report.problems = [*session.problems, *problems]
        if dry_run or not (report.changed or any(r.notes for r in report.sections)):
            return report
        stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
        report.archived = session.dir / ARCHIVE_DIR / f"{stamp}-{source.name}"
        report.archived.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(report.archived, data)
        for result in report.sections:
            if result.status not in ("changed", "deleted") and not result.notes:
                continue
            state = session.section(result.id).model_copy(deep=True)
            if result.status in ("changed", "deleted"):
                check = Verification(ok=not result.flags, flags=result.flags, attempts=0)
                state.add_version(
                    Version(
                        text=result.new_text,
                        origin="reviewed",
                        author=result.author,
                        verification=check,
                    )
                )
                result.version = state.current
            state.notes += result.notes
            session.save_section(state)
        session.save_meta()
        session.write_outputs()
        report.applied = True
    return report
