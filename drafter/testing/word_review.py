"""A reviewer's work on an exported .docx, made with python-docx and raw XML.

The tests of ``drafter import`` build their reviewed documents with these helpers rather
than shipping opaque binaries: each helper makes one kind of change the way Word records it
with track changes on (``w:ins``, ``w:del`` with ``w:delText``, ``w:moveFrom``/``w:moveTo``
and the paragraph-mark revisions in ``w:pPr/w:rPr``), or a plain edit, or a comment.
"""

from __future__ import annotations

import copy
import itertools
from typing import Any

from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from drafter.word.changes import run_like

DATE = "2026-01-15T09:30:00Z"
_ids = itertools.count(9000)


def paragraph_with(document: Any, phrase: str) -> Any:
    """The first body paragraph (python-docx object) whose text contains ``phrase``."""
    for p in document.paragraphs:
        if phrase in p.text:
            return p
    raise LookupError(phrase)


def _mark(tag: str, author: str) -> Any:
    el = OxmlElement(tag)
    el.set(qn("w:id"), str(next(_ids)))
    el.set(qn("w:author"), author)
    el.set(qn("w:date"), DATE)
    return el


def _wrap(tag: str, author: str, *runs: Any) -> Any:
    el = _mark(tag, author)
    for r in runs:
        el.append(r)
    return el


def _split_run(paragraph: Any, phrase: str) -> tuple[Any, str, str]:
    """The run (w:r) holding ``phrase``; it is replaced by nothing: callers insert pieces."""
    for run in paragraph.runs:
        if phrase in run.text:
            before, _, after = run.text.partition(phrase)
            return run._r, before, after
    raise LookupError(phrase)


def track_replace(document: Any, old: str, new: str, *, author: str = "张科长") -> None:
    """Tracked: ``old`` deleted and ``new`` inserted in its place ("" for a pure deletion)."""
    r, before, after = _split_run(paragraph_with(document, old), old)
    pieces: list[Any] = []
    if before:
        pieces.append(run_like(r, before))
    pieces.append(_wrap("w:del", author, run_like(r, old, deleted=True)))
    if new:
        pieces.append(_wrap("w:ins", author, run_like(r, new)))
    if after:
        pieces.append(run_like(r, after))
    for piece in pieces:
        r.addprevious(piece)
    r.getparent().remove(r)


def track_insert(document: Any, after: str, new: str, *, author: str = "张科长") -> None:
    """Tracked: ``new`` inserted right after the text ``after``."""
    r, before, rest = _split_run(paragraph_with(document, after), after)
    for piece in (
        run_like(r, before + after),
        _wrap("w:ins", author, run_like(r, new)),
        run_like(r, rest),
    ):
        if piece.tag != qn("w:r") or "".join(piece.itertext()):
            r.addprevious(piece)
    r.getparent().remove(r)


def _mark_paragraph(p: Any, tag: str, author: str) -> None:
    ppr = p.get_or_add_pPr()
    rpr = ppr.find(qn("w:rPr"))
    if rpr is None:
        rpr = OxmlElement("w:rPr")
        ppr.append(rpr)
    rpr.append(_mark(tag, author))


def track_delete_paragraph(paragraph: Any, *, author: str = "张科长", tag: str = "w:del") -> None:
    """Tracked: the whole paragraph deleted (its runs and its mark)."""
    p = paragraph._p
    for r in list(p.findall(qn("w:r"))):
        for t in r.findall(qn("w:t")):
            t.tag = qn("w:delText")
        r.addprevious(_wrap(tag, author))
        r.getprevious().append(r)
    _mark_paragraph(p, tag, author)


def track_move_paragraph(
    document: Any, phrase: str, before: str, *, author: str = "张科长"
) -> None:
    """Tracked move: the paragraph holding ``phrase`` goes before the one holding ``before``."""
    source = paragraph_with(document, phrase)._p
    target = paragraph_with(document, before)._p
    moved = copy.deepcopy(source)
    for r in list(moved.findall(qn("w:r"))):
        r.addprevious(_wrap("w:moveTo", author))
        r.getprevious().append(r)
    _mark_paragraph(moved, "w:moveTo", author)
    target.addprevious(moved)
    for r in list(source.findall(qn("w:r"))):
        for t in r.findall(qn("w:t")):
            t.tag = qn("w:delText")
        r.addprevious(_wrap("w:moveFrom", author))
        r.getprevious().append(r)
    _mark_paragraph(source, "w:moveFrom", author)


def plain_replace(document: Any, old: str, new: str) -> None:
    """An edit made with track changes off: no trace but the new text."""
    r, before, after = _split_run(paragraph_with(document, old), old)
    r.addprevious(run_like(r, before + new + after))
    r.getparent().remove(r)


def add_table_after(
    document: Any, phrase: str, rows: list[list[str]], *, author: str | None = "张科长"
) -> None:
    """A table after the paragraph holding ``phrase``; with ``author`` its rows are tracked
    insertions (w:trPr/w:ins and w:ins runs), without it a plain edit."""
    anchor = paragraph_with(document, phrase)._p
    table = document.add_table(rows=len(rows), cols=len(rows[0]))
    for row, values in zip(table.rows, rows, strict=True):
        if author:
            trpr = row._tr.get_or_add_trPr()
            trpr.append(_mark("w:ins", author))
        for cell, value in zip(row.cells, values, strict=True):
            p = cell.paragraphs[0]
            run = p.add_run(value)
            if author:
                run._r.addprevious(_wrap("w:ins", author))
                run._r.getprevious().append(run._r)
    anchor.addnext(table._tbl)


def comment_on(document: Any, phrase: str, text: str, *, author: str = "王局长") -> None:
    """A Word comment on the run holding ``phrase`` (python-docx writes comments.xml)."""
    paragraph = paragraph_with(document, phrase)
    runs = [r for r in paragraph.runs if phrase in r.text] or paragraph.runs
    document.add_comment(runs, text=text, author=author, initials="WJ")


def delete_heading(document: Any, heading: str) -> None:
    """A plain edit that removes a heading paragraph (two sections become one)."""
    p = paragraph_with(document, heading)._p
    p.getparent().remove(p)
