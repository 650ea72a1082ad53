"""A reviewed Word document as text with its tracked changes and comments.

Word (and WPS, LibreOffice) record a reviewer's edits in the body XML:

- ``w:ins`` / ``w:del`` around runs: inserted and deleted text (deleted text is in
  ``w:delText``); ``w:moveFrom`` / ``w:moveTo``: text moved away from / to a place;
- ``w:pPr/w:rPr/w:del`` (or ``w:moveFrom``): the paragraph mark itself was deleted, so on
  accepting the paragraph runs on into the next one (a wholly deleted paragraph is one
  whose text and mark are both deleted); ``w:pPr/w:rPr/w:ins``: an inserted paragraph;
- ``w:trPr/w:ins`` / ``w:del``: an inserted or deleted table row;
- comments in word/comments.xml, anchored by ``w:commentRangeStart`` / ``End`` and
  ``w:commentReference``.

:func:`read_revisions` reads all of it; :meth:`RevisedDocument.lines` gives the document
as lines of text with every change accepted, or every change rejected (the wording as
sent). Changes by :data:`OWN_AUTHOR` (what ``drafter export --changes-since`` marked) are
the session's own text and count as accepted in both views.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import Any, Literal

from drafter.corpus.docx_numbering import DocxStructure
from drafter.text.markers import join_marker

__all__ = [
    "OWN_AUTHOR",
    "Change",
    "Comment",
    "Line",
    "RevisedDocument",
    "merged_changes",
    "read_revisions",
]

OWN_AUTHOR = "drafter"

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
_COMMENTS_REL = "/comments"

Kind = Literal["same", "ins", "del", "moveFrom", "moveTo"]
_WRAPPERS: dict[str, Kind] = {
    f"{_W}ins": "ins",
    f"{_W}del": "del",
    f"{_W}moveFrom": "moveFrom",
    f"{_W}moveTo": "moveTo",
}
_SKIP = frozenset(
    f"{_W}{n}"
    for n in (
        "pPr",
        "rPr",
        "sdtPr",
        "sdtEndPr",
        "instrText",
        "delInstrText",
        "drawing",
        "pict",
        "object",
        "footnoteReference",
        "endnoteReference",
    )
)
KIND_LABELS: dict[str, str] = {
    "ins": "插入",
    "del": "删除",
    "moveFrom": "移走",
    "moveTo": "移入",
}


@dataclass(frozen=True)
class Change:
    """One tracked change: inserted, deleted or moved text and who made it."""

    kind: Kind
    text: str
    author: str = ""
    date: str | None = None

    def accepted(self, accept: bool) -> bool:
        """Whether this change is in force in a view (the session's own are always)."""
        return accept or self.author == OWN_AUTHOR

    @property
    def label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)


@dataclass
class _Piece:
    text: str
    change: Change | None  # None: text that was there before and stays

    def shown(self, accept: bool) -> bool:
        c = self.change
        if c is None:
            return True
        inserting = c.kind in ("ins", "moveTo")
        return inserting == c.accepted(accept)


@dataclass
class _Para:
    pieces: list[_Piece] = field(default_factory=list)
    mark: Change | None = None  # the paragraph mark inserted or deleted
    comments: list[str] = field(default_factory=list)
    style_id: str | None = None
    outline: int | None = None
    marker: str = ""
    in_table: bool = False

    def text(self, accept: bool) -> str:
        return "".join(p.text for p in self.pieces if p.shown(accept))

    def joins_next(self, accept: bool) -> bool:
        """True when this paragraph's mark is absent in the view: it runs on into the next."""
        if self.mark is None:
            return False
        inserted = self.mark.kind in ("ins", "moveTo")
        return inserted != self.mark.accepted(accept)


@dataclass(frozen=True)
class Comment:
    id: str
    text: str
    author: str = ""
    date: str | None = None
    anchor: str = ""


@dataclass
class Line:
    """One paragraph (or table row) of a view, with what was changed in it."""

    text: str
    changes: list[Change] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    outline: int | None = None  # heading level by style (0 = Heading 1)
    in_table: bool = False
    index: int = 0  # position of the first underlying paragraph


@dataclass
class RevisedDocument:
    """The body as paragraphs with their revisions, the comments and the last editor."""

    paras: list[_Para]
    comments: dict[str, Comment]
    last_editor: str = ""

    def lines(self, *, accept: bool = True) -> list[Line]:
        """The body with every change accepted (``accept``) or rejected, one line per paragraph.

        A paragraph whose mark is gone in the view runs on into the next (so a deleted
        paragraph disappears and two joined paragraphs become one). Empty lines are dropped.
        """
        out: list[Line] = []
        buf: Line | None = None
        for i, para in enumerate(self.paras):
            if buf is None:
                buf = Line("", index=i)
            text = para.text(accept)
            if not buf.text.strip() and text.strip():
                buf.outline, buf.in_table = para.outline, para.in_table
                if para.marker:
                    text = join_marker(para.marker, text)
            buf.text += text
            buf.changes += merged_changes([p.change for p in para.pieces if p.change is not None])
            buf.comments += [c for c in para.comments if c not in buf.comments]
            last = i + 1 == len(self.paras)
            if para.joins_next(accept) and not para.in_table and not last:
                continue
            if buf.text.strip():
                buf.text = buf.text.strip()
                out.append(buf)
            elif out and buf.comments:  # a comment on a vanished paragraph: keep it nearby
                out[-1].comments += buf.comments
            buf = None
        return out

    @property
    def authors(self) -> list[str]:
        found = [
            p.change.author
            for para in self.paras
            for p in para.pieces
            if p.change is not None and p.change.author and p.change.author != OWN_AUTHOR
        ]
        return list(dict.fromkeys(found))

    def has_revisions(self) -> bool:
        return any(
            p.change is not None and p.change.author != OWN_AUTHOR
            for para in self.paras
            for p in para.pieces
        )


def merged_changes(changes: list[Change]) -> list[Change]:
    """Consecutive pieces of one change (split into runs by formatting) as one change."""
    out: list[Change] = []
    for c in changes:
        if c.author == OWN_AUTHOR:
            continue
        prev = out[-1] if out else None
        if prev is not None and (prev.kind, prev.author, prev.date) == (c.kind, c.author, c.date):
            out[-1] = Change(c.kind, prev.text + c.text, c.author, c.date)
        else:
            out.append(c)
    return out


# --------------------------------------------------------------------------- reading


def read_revisions(path: Path) -> RevisedDocument:
    """Read ``path`` (a .docx) with its tracked changes and comments.

    The file is first checked as ``drafter ingest`` checks a .docx (size, zip bombs, other
    formats renamed), so a damaged or hostile file is refused with a Chinese message.
    """
    from drafter.corpus.read import read_document

    read_document(path)  # InputError (Chinese, names the file) for anything unreadable
    import docx

    document = docx.Document(BytesIO(Path(path).read_bytes()))
    walker = _Walker(DocxStructure.of(document))
    walker.block(document.element.body, in_table=False)
    comments = _read_comments(document, walker.anchors)
    editor = ""
    try:
        editor = document.core_properties.last_modified_by or document.core_properties.author
    except Exception:  # a missing or odd docProps/core.xml is not worth refusing the file
        editor = ""
    return RevisedDocument(walker.paras, comments, last_editor=editor or "")


def _change(element: Any, kind: Kind) -> Change:
    return Change(kind, "", element.get(f"{_W}author", ""), element.get(f"{_W}date"))


class _Walker:
    """Walks the body in document order, collecting paragraphs, changes and comment anchors."""

    def __init__(self, structure: DocxStructure) -> None:
        self.structure = structure
        self.paras: list[_Para] = []
        self.anchors: dict[str, list[str]] = {}  # comment id → commented text
        self._open: set[str] = set()
        self._para: _Para | None = None

    def block(self, container: Any, *, in_table: bool) -> None:
        for child in container:
            tag = child.tag
            if tag == f"{_W}p":
                self.paragraph(child, in_table=in_table)
            elif tag == f"{_W}tbl":
                for row in child.findall(f"{_W}tr"):
                    self.row(row)
            elif tag == f"{_W}sdt":
                content = child.find(f"{_W}sdtContent")
                if content is not None:
                    self.block(content, in_table=in_table)
            elif tag in (f"{_W}customXml", *_WRAPPERS):
                self.block(child, in_table=in_table)

    def row(self, row: Any) -> None:
        """A table row as one paragraph: its cells' text joined by tabs."""
        trpr = row.find(f"{_W}trPr")
        row_change: Change | None = None
        if trpr is not None:
            for tag, kind in _WRAPPERS.items():
                found = trpr.find(tag)
                if found is not None:
                    row_change = _change(found, kind)
        para = _Para(in_table=True)
        for n, cell in enumerate(row.findall(f"{_W}tc")):
            if n:
                para.pieces.append(_Piece("\t", row_change and _with(row_change, "\t")))
            start = len(self.paras)
            self.block(cell, in_table=True)
            inner = self.paras[start:]
            del self.paras[start:]
            for k, p in enumerate(inner):
                if k:
                    para.pieces.append(_Piece(" ", row_change and _with(row_change, " ")))
                for piece in p.pieces:
                    change = piece.change or row_change
                    para.pieces.append(_Piece(piece.text, change and _with(change, piece.text)))
                para.comments += p.comments
        self.paras.append(para)

    def paragraph(self, p: Any, *, in_table: bool) -> None:
        para = _Para(in_table=in_table)
        ppr = p.find(f"{_W}pPr")
        num_id = ilvl = None
        if ppr is not None:
            style = ppr.find(f"{_W}pStyle")
            para.style_id = style.get(f"{_W}val") if style is not None else None
            rpr = ppr.find(f"{_W}rPr")
            if rpr is not None:
                for tag, kind in _WRAPPERS.items():
                    found = rpr.find(tag)
                    if found is not None:
                        para.mark = _change(found, kind)
            num_pr = ppr.find(f"{_W}numPr")
            if num_pr is not None:
                num, lvl = num_pr.find(f"{_W}numId"), num_pr.find(f"{_W}ilvl")
                num_id = num.get(f"{_W}val") if num is not None else None
                ilvl = _int(lvl.get(f"{_W}val")) if lvl is not None else None
            outline = ppr.find(f"{_W}outlineLvl")
            direct = _int(outline.get(f"{_W}val")) if outline is not None else None
        else:
            direct = None
        if not in_table:
            para.marker, _ = self.structure.marker(para.style_id, num_id, ilvl)
            para.outline = self.structure.outline_level(para.style_id, direct)
        self._para = para
        self.inline(p, None)
        self._para = None
        self.paras.append(para)

    def inline(self, element: Any, change: Change | None) -> None:
        para = self._para
        assert para is not None
        for child in element:
            tag = child.tag
            if not isinstance(tag, str) or tag in _SKIP:
                continue
            if tag in _WRAPPERS:
                self.inline(child, _change(child, _WRAPPERS[tag]))
            elif tag in (f"{_W}t", f"{_W}delText"):
                self.text(child.text or "", change)
            elif tag in (f"{_W}tab", f"{_W}ptab"):
                self.text("\t", change)
            elif tag == f"{_W}br" and child.get(f"{_W}type") in (None, "textWrapping"):
                self.text(" ", change)
            elif tag == f"{_W}commentRangeStart":
                cid = child.get(f"{_W}id", "")
                self._open.add(cid)
                self.anchors.setdefault(cid, [])
                if cid not in para.comments:
                    para.comments.append(cid)
            elif tag == f"{_W}commentRangeEnd":
                self._open.discard(child.get(f"{_W}id", ""))
            elif tag == f"{_W}commentReference":
                cid = child.get(f"{_W}id", "")
                if cid not in para.comments and cid not in self.anchors:
                    para.comments.append(cid)
            elif tag == f"{_MC}AlternateContent":
                choice = child.find(f"{_MC}Choice")
                if choice is not None:
                    self.inline(choice, change)
            else:  # w:r, w:hyperlink, w:smartTag, w:fldSimple, inline w:sdt, ...
                self.inline(child, change)

    def text(self, text: str, change: Change | None) -> None:
        assert self._para is not None
        if not text:
            return
        self._para.pieces.append(_Piece(text, change and _with(change, text)))
        for cid in self._open:
            self.anchors[cid].append(text)


def _with(change: Change, text: str) -> Change:
    return Change(change.kind, text, change.author, change.date)


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _read_comments(document: Any, anchors: dict[str, list[str]]) -> dict[str, Comment]:
    from lxml import etree

    part = None
    for rel in document.part.rels.values():
        if rel.reltype.endswith(_COMMENTS_REL) and not rel.is_external:
            part = rel.target_part
            break
    if part is None:
        return {}
    root = etree.fromstring(part.blob, etree.XMLParser(resolve_entities=False, no_network=True))
    found: dict[str, Comment] = {}
    for c in root.iter(f"{_W}comment"):
        cid = c.get(f"{_W}id", "")
        paragraphs = ["".join(t.text or "" for t in p.iter(f"{_W}t")) for p in c.iter(f"{_W}p")]
        text = "\n".join(x.strip() for x in paragraphs if x.strip())
        if not text:
            continue
        found[cid] = Comment(
            id=cid,
            text=text,
            author=c.get(f"{_W}author", ""),
            date=c.get(f"{_W}date"),
            anchor="".join(anchors.get(cid, [])).strip(),
        )
    return found
