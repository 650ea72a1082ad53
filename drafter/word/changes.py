"""Export what changed since an earlier export as real Word tracked changes.

``drafter export DIR --changes-since last-export|export-N|N|DATE`` lays out the draft in
force exactly as the clean export does (GB/T 9704, drafter.word.layout) and then marks,
inside each paragraph, the phrases that differ from what the reviewer saw before as
``w:ins`` / ``w:del`` (author "drafter", with a date); paragraphs added or removed carry a
revision on their paragraph mark too. Word, WPS and LibreOffice then show only what is new,
and the reviewer accepts or rejects it. Track changes is switched on in the file, so the
reviewer's own edits are recorded for ``drafter import``.

The baseline comes from exports.json (``session.record_export``): the version of each
section that an earlier export showed.
"""

from __future__ import annotations

import copy
import difflib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from drafter.errors import InputError

if TYPE_CHECKING:
    from drafter.review.session import SectionState, Session
    from drafter.word.layout import Block, Fonts

__all__ = ["AUTHOR", "ChangesResult", "baseline_versions", "export_changes", "phrase_diff"]

AUTHOR = "drafter"
Op = Literal["equal", "insert", "delete"]

# A number with its decimals and percent sign, a Latin word, or one character: the units a
# reviewer reads, so that "16.7%" → "18.2%" is one replacement and not digit soup.
_TOKEN = re.compile(r"\d+(?:[.．]\d+)?%?|[A-Za-z]+|\s+|.", re.S)
_SMALL_EQUAL = 1  # equal stretches this short between two changes join the change
_PAIR_RATIO = 0.45  # paragraphs at least this similar are shown as edited, not replaced


def phrase_diff(old: str, new: str) -> list[tuple[Op, str]]:
    """``old`` → ``new`` as equal / delete / insert pieces, on numbers, words and characters.

    A lone equal character between two changes is folded into them, so a rewritten phrase
    reads as one deletion and one insertion.
    """
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    raw: list[tuple[str, str, str]] = []  # (tag, old piece, new piece)
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for opcode, i1, i2, j1, j2 in matcher.get_opcodes():
        raw.append((str(opcode), "".join(a[i1:i2]), "".join(b[j1:j2])))
    # fold short equal stretches sandwiched between changes
    merged: list[tuple[str, str, str]] = []
    for k, (kind, x, y) in enumerate(raw):
        tag = kind
        sandwiched = 0 < k < len(raw) - 1 and len(x) <= _SMALL_EQUAL
        if tag == "equal" and sandwiched:
            tag = "replace"
        if merged and tag != "equal" and merged[-1][0] != "equal":
            _, px, py = merged[-1]
            merged[-1] = ("replace", px + x, py + y)
        else:
            merged.append((tag, x, y))
    out: list[tuple[Op, str]] = []
    for kind, x, y in merged:
        if kind == "equal":
            out.append(("equal", x))
            continue
        if x:
            out.append(("delete", x))
        if y:
            out.append(("insert", y))
    return out


# --------------------------------------------------------------------------- baseline


def baseline_versions(session: Session, since: str) -> tuple[dict[str, int], str]:
    """The version of each section at ``since`` and a Chinese description of it.

    ``since``: ``last-export`` (or 上次导出), ``export-N`` (the N-th recorded export),
    ``N`` (each section's version N, or its last version if it has fewer), or a date
    ``2026-01-10`` (the newest version created by the end of that day).
    """
    from drafter.review.session import load_export_log

    value = since.strip()
    sections = session.sections()
    if value in ("last-export", "last", "上次导出"):
        log = load_export_log(session.dir)
        if not log.exports:
            raise InputError(
                f"{session.dir} 还没有导出记录，无法确定“上次导出”。",
                hint="先用 drafter export 导出一次（之后每次导出都会记录），"
                "或用 --changes-since 1 与各节第 1 版比较。",
            )
        record = log.exports[-1]
        return dict(record.versions), f"上次导出（{record.at}，{Path(record.path).name}）"
    m = re.fullmatch(r"(?:export-|导出)(\d+)", value)
    if m:
        log = load_export_log(session.dir)
        n = int(m.group(1))
        if not 1 <= n <= len(log.exports):
            raise InputError(
                f"没有第 {n} 次导出的记录（共 {len(log.exports)} 次）。",
                hint="可写 last-export、export-1 … 或版本号、日期。",
            )
        record = log.exports[n - 1]
        return dict(record.versions), f"第 {n} 次导出（{record.at}）"
    m = re.fullmatch(r"[vV第]?(\d+)版?", value)
    if m:
        n = int(m.group(1))
        if n < 1:
            raise InputError("版本号从 1 开始。")
        return {s.id: min(n, len(s.versions)) for s in sections}, f"各节第 {n} 版"
    m = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?", value)
    if m:
        day = f"{int(m[1]):04d}-{int(m[2]):02d}-{int(m[3]):02d}"
        versions = {
            s.id: max((v.number for v in s.versions if v.created_at[:10] <= day), default=0)
            for s in sections
        }
        return versions, f"{day} 当天结束时的版本"
    raise InputError(
        f"--changes-since 的值“{since}”无法识别。",
        hint="可写 last-export（上次导出）、export-2（第 2 次导出）、"
        "版本号如 1，或日期如 2026-01-10。",
    )


def _as_of(state: SectionState, number: int) -> SectionState:
    """A copy of ``state`` as it stood with version ``number`` in force (0: not drafted)."""
    from drafter.review.session import SectionState as Section

    number = min(max(number, 0), len(state.versions))
    data = state.model_dump()
    data["versions"] = data["versions"][:number]
    data["current"] = number
    data["state"] = "drafted" if number else "pending"
    return Section.model_validate(data)


# --------------------------------------------------------------------------- pairing


def _paired(old: list[Block], new: list[Block]) -> list[tuple[Block | None, Block | None]]:
    """Old and new blocks in document order; edited ones paired, the rest alone."""
    out: list[tuple[Block | None, Block | None]] = []
    matcher = difflib.SequenceMatcher(
        None, [b.text for b in old], [b.text for b in new], autojunk=False
    )
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            out += list(zip(old[i1:i2], new[j1:j2], strict=True))
            continue
        out += _pair_similar(old[i1:i2], new[j1:j2])
    return out


def _pair_similar(old: list[Block], new: list[Block]) -> list[tuple[Block | None, Block | None]]:
    """Monotone best pairing of similar paragraphs (dynamic programming on similarity)."""
    n, m = len(old), len(new)
    sim = [
        [difflib.SequenceMatcher(None, o.text, w.text, autojunk=False).ratio() for w in new]
        for o in old
    ]
    best = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            take = sim[i][j] + best[i + 1][j + 1] if sim[i][j] >= _PAIR_RATIO else -1.0
            best[i][j] = max(take, best[i + 1][j], best[i][j + 1])
    out: list[tuple[Block | None, Block | None]] = []
    i = j = 0
    while i < n or j < m:
        if (
            i < n
            and j < m
            and sim[i][j] >= _PAIR_RATIO
            and best[i][j] == sim[i][j] + best[i + 1][j + 1]
        ):
            out.append((old[i], new[j]))
            i, j = i + 1, j + 1
        elif j < m and (i == n or best[i][j] == best[i][j + 1]):
            out.append((None, new[j]))
            j += 1
        else:
            out.append((old[i], None))
            i += 1
    return out


# --------------------------------------------------------------------------- writing


@dataclass
class ChangesResult:
    """What `drafter export --changes-since` wrote."""

    path: Path
    since: str
    inserted: int = 0  # insertions (pieces), paragraphs included
    deleted: int = 0
    changed_sections: list[str] | None = None


class _Marker:
    def __init__(self, date: str) -> None:
        self.date = date
        self.next_id = 1

    def element(self, tag: str) -> Any:
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn

        el = OxmlElement(tag)
        el.set(qn("w:id"), str(self.next_id))
        el.set(qn("w:author"), AUTHOR)
        el.set(qn("w:date"), self.date)
        self.next_id += 1
        return el


def export_changes(
    session: Session,
    since: str,
    out: Path,
    *,
    date: str,
    fonts: Fonts,
    now: datetime | None = None,
) -> ChangesResult:
    """Write ``out``: the draft in force with the changes since ``since`` tracked."""
    from docx.oxml.ns import qn

    from drafter.atomic import atomic_write_bytes
    from drafter.review.session import record_export
    from drafter.word.export import session_document
    from drafter.word.layout import OfficialDocument, build_document, document_bytes

    versions, label = baseline_versions(session, since)
    sections = session.sections()
    before = [_as_of(s, versions[s.id]) for s in sections if s.id in versions]
    old_doc = session_document(session.meta, before, date=date)
    new_doc = session_document(session.meta, sections, date=date)
    pairs = _paired(old_doc.blocks, new_doc.blocks)
    layout = OfficialDocument(
        title=new_doc.title,
        blocks=[copy.copy(b) for old, new in pairs if (b := new or old) is not None],
        bureau=new_doc.bureau,
        date=new_doc.date,
    )
    document = build_document(layout, fonts)
    stamp = (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    marker = _Marker(stamp)
    body = [p for p in document.element.body.iterchildren(qn("w:p"))]
    result = ChangesResult(path=out, since=label)
    for paragraph, (old, new) in zip(body[1:], pairs, strict=False):  # body[0] is the title
        if old is not None and new is not None and old.text == new.text:
            continue
        if new is None and old is not None:
            _mark_whole(paragraph, marker, "w:del")
            result.deleted += 1
        elif old is None and new is not None:
            _mark_whole(paragraph, marker, "w:ins")
            result.inserted += 1
        elif old is not None and new is not None:
            ins, dels = _mark_phrases(paragraph, old.text, new.text, marker)
            result.inserted += ins
            result.deleted += dels
    _track_revisions(document.settings.element)
    atomic_write_bytes(out, document_bytes(document))
    result.changed_sections = [
        s.id for s in sections if s.id not in versions or versions[s.id] != s.current
    ]
    record_export(session.dir, out, sections)
    return result


# w:settings children that come before w:trackRevisions (the schema fixes their order)
_BEFORE_TRACK_NAMES = (
    "writeProtection view zoom removePersonalInformation removeDateAndTime "
    "doNotDisplayPageBoundaries displayBackgroundShape printPostScriptOverText "
    "printFractionalCharacterWidth printFormsData embedTrueTypeFonts embedSystemFonts "
    "saveSubsetFonts saveFormsData mirrorMargins alignBordersAndEdges "
    "bordersDoNotSurroundHeader bordersDoNotSurroundFooter gutterAtTop hideSpellingErrors "
    "hideGrammaticalErrors activeWritingStyle proofState formsDesign attachedTemplate "
    "linkStyles stylePaneFormatFilter stylePaneSortMethod documentType mailMerge "
    "revisionView"
)
_BEFORE_TRACK = frozenset(_BEFORE_TRACK_NAMES.split())


def _track_revisions(settings: Any) -> None:
    """Switch track changes on, so the reviewer's own edits are recorded too."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    if settings.find(qn("w:trackRevisions")) is not None:
        return
    position = 0
    for i, child in enumerate(settings):
        if isinstance(child.tag, str) and child.tag.rsplit("}", 1)[-1] in _BEFORE_TRACK:
            position = i + 1
    settings.insert(position, OxmlElement("w:trackRevisions"))


def _mark_whole(paragraph: Any, marker: _Marker, tag: str) -> None:
    """Every run of the paragraph, and its mark, inserted or deleted."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    for run in list(paragraph.iterchildren(qn("w:r"))):
        if tag == "w:del":
            for t in run.iterchildren(qn("w:t")):
                t.tag = qn("w:delText")
        wrapper = marker.element(tag)
        run.addprevious(wrapper)
        wrapper.append(run)
    ppr = paragraph.get_or_add_pPr()
    rpr = ppr.find(qn("w:rPr"))
    if rpr is None:
        rpr = OxmlElement("w:rPr")
        ppr.append(rpr)
    rpr.append(marker.element(tag))


def _mark_phrases(paragraph: Any, old: str, new: str, marker: _Marker) -> tuple[int, int]:
    """Rewrite the runs of a paragraph holding ``new`` as the phrase diff from ``old``."""
    from docx.oxml.ns import qn

    runs = list(paragraph.iterchildren(qn("w:r")))
    if not runs:
        return 0, 0
    # character offsets of the runs in the new text, to keep each piece's formatting
    bounds: list[tuple[int, int, Any]] = []
    pos = 0
    for r in runs:
        length = len("".join(t.text or "" for t in r.iterchildren(qn("w:t"))))
        bounds.append((pos, pos + length, r))
        pos += length
    inserted = deleted = 0
    at = 0  # position in the new text
    anchor = runs[0]
    for op, text in phrase_diff(old, new):
        if op == "delete":
            el = marker.element("w:del")
            el.append(run_like(_run_at(bounds, at), text, deleted=True))
            anchor.addprevious(el)
            deleted += 1
            continue
        for piece, template in _split_by_runs(bounds, at, text):
            run = run_like(template, piece)
            if op == "insert":
                el = marker.element("w:ins")
                el.append(run)
                anchor.addprevious(el)
            else:
                anchor.addprevious(run)
        inserted += op == "insert"
        at += len(text)
    for r in runs:
        paragraph.remove(r)
    return inserted, deleted


def _run_at(bounds: list[tuple[int, int, Any]], pos: int) -> Any:
    for start, end, run in bounds:
        if start <= pos < end:
            return run
    return bounds[-1][2]


def _split_by_runs(bounds: list[tuple[int, int, Any]], at: int, text: str) -> list[tuple[str, Any]]:
    """``text`` starting at ``at`` in the new text, cut where the runs' formatting changes."""
    out: list[tuple[str, Any]] = []
    pos, rest = at, text
    while rest:
        found = next(((e, r) for s, e, r in bounds if s <= pos < e), None)
        end, run = found if found is not None else (pos + len(rest), bounds[-1][2])
        take = min(len(rest), end - pos)
        out.append((rest[:take], run))
        rest, pos = rest[take:], pos + take
    return out


def run_like(template: Any, text: str, *, deleted: bool = False) -> Any:
    """A copy of run ``template`` (its formatting) holding ``text`` (deleted text with
    ``deleted``): how both the tracked-changes writer and test reviewers add runs."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    run = OxmlElement("w:r")
    rpr = template.find(qn("w:rPr"))
    if rpr is not None:
        run.append(copy.deepcopy(rpr))
    t = OxmlElement("w:delText" if deleted else "w:t")
    t.set(qn("xml:space"), "preserve")
    t.text = text
    run.append(t)
    return run
