"""The two documents of a comparison: flat parts for sentences, and the section tree.

A document is read the way the corpus reads it (the same heading tree, parts and kinds),
or from a draft session. It keeps two views of the same text:

* ``parts``: a flat list that covers the text once (the opening, each （一） under a 一、,
  or a whole 一、) — sentences, topics and figures are found here;
* ``nodes``: every section at every level with the text of its whole subtree — sections
  are paired here, so a （一） of one document can pair with a whole 一、 of the other.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from drafter.models import DocumentInfo, Section, SectionKind, StoredChunk

_KINDS = {str(k) for k in SectionKind}
_UNTITLED = {"opening": "开头段", "closing": "结尾段", "problems": "存在问题（无标题段落）"}


@dataclass
class Part:
    """A section of a document: a flat part (``p…``) or a tree node (``n…``)."""

    id: str
    heading: str  # "（一）科技创新主体培育"; "" for an untitled opening or closing
    path: tuple[str, ...]
    kind: str
    text: str  # a node's text is its whole subtree, sub-headings included
    parent: str | None = None  # a node's parent node
    covers: tuple[str, ...] = ()  # the flat parts inside a node
    depth: int = 0

    @property
    def label(self) -> str:
        if self.heading:
            return self.heading
        return _UNTITLED.get(self.kind, "（无标题）")


@dataclass
class CompareDoc:
    name: str
    title: str | None
    year: int | None
    parts: list[Part]
    origin: str  # "file" | "session" | "corpus"
    nodes: list[Part] = field(default_factory=list)

    @property
    def text(self) -> str:
        """Headings and text of every part (topics may sit in a heading only)."""
        return "\n".join(f"{p.heading}\n{p.text}" for p in self.parts)

    def part(self, part_id: str) -> Part:
        return next(p for p in [*self.parts, *self.nodes] if p.id == part_id)

    def ancestors(self, node_id: str) -> list[str]:
        """Ids of a node's ancestors, nearest first."""
        by_id = {n.id: n for n in self.nodes}
        out: list[str] = []
        parent = by_id[node_id].parent
        while parent is not None:
            out.append(parent)
            parent = by_id[parent].parent
        return out


def section_text(section: Section) -> str:
    lines = list(section.paragraphs)
    for child in section.children:
        if child.heading:
            lines.append(child.heading)
        lines.append(section_text(child))
    return "\n".join(line for line in lines if line.strip())


def _kind(section: Section, inherited: SectionKind | str | None = None) -> str:
    kind = section.kind or inherited
    if kind is None:
        kind = SectionKind.OPENING if section.level == 0 else SectionKind.ACHIEVEMENTS
    return str(kind)


def parts_from_sections(sections: Sequence[Section]) -> list[Part]:
    """Flatten a heading tree: the opening, each （一） under a 一、, or a whole 一、."""
    return tree_from_sections(sections)[0]


def tree_from_sections(sections: Sequence[Section]) -> tuple[list[Part], list[Part]]:
    """(flat parts, tree nodes) of a heading tree."""
    parts: list[Part] = []
    nodes: list[Part] = []

    def add(heading: str, path: tuple[str, ...], kind: str, text: str) -> str | None:
        if not text.strip():
            return None
        part = Part(f"p{len(parts) + 1}", heading, path, kind, text.strip())
        parts.append(part)
        return part.id

    def flat(top: Section) -> None:
        kind = _kind(top)
        if top.level == 0 or not top.children:
            add(top.heading, (top.heading,) if top.heading else (), kind, section_text(top))
            return
        path = (top.heading,) if top.heading else ()
        add(top.heading, path, kind, "\n".join(top.paragraphs))
        for child in top.children:
            add(child.heading, (*path, child.heading), _kind(child, kind), section_text(child))

    def node(section: Section, parent: Part | None, kind: str, depth: int) -> None:
        text = section_text(section)
        if not text.strip():
            return
        path = (*parent.path, section.heading) if parent else (section.heading,)
        me = Part(
            f"n{len(nodes) + 1}",
            section.heading,
            tuple(p for p in path if p),
            kind,
            text,
            parent=parent.id if parent else None,
            depth=depth,
        )
        nodes.append(me)
        for child in section.children:
            node(child, me, _kind(child, kind), depth + 1)

    for top in sections:
        first_part = len(parts)
        flat(top)
        first_node = len(nodes)
        node(top, None, _kind(top), 0)
        _assign_covers(nodes[first_node:], parts[first_part:])
    return parts, nodes


def _assign_covers(nodes: Sequence[Part], parts: Sequence[Part]) -> None:
    """Each node covers the flat parts whose path lies within its own."""
    for n in nodes:
        inside = [p for p in parts if n.parent is None or p.path[: len(n.path)] == n.path]
        n.covers = tuple(p.id for p in inside)


def document_from_text(text: str, *, name: str, origin: str = "file") -> CompareDoc:
    """A cleaned summary parsed the way the corpus parses it."""
    from drafter.corpus.segment import parse_document

    parsed = parse_document(text, source_name=name)
    parts, nodes = tree_from_sections(parsed.sections)
    return CompareDoc(
        name=name,
        title=parsed.meta.title,
        year=parsed.meta.year,
        parts=parts,
        origin=origin,
        nodes=nodes,
    )


def document_from_file(path: Path) -> CompareDoc:
    """A .docx/.txt/.md (or .pdf) summary: read, clean, parse."""
    from drafter.corpus.clean import clean_text
    from drafter.corpus.read import read_document

    source = read_document(path)
    return document_from_text(clean_text(source.text), name=path.name)


def document_from_session(directory: Path) -> CompareDoc:
    """A draft directory: its sections as they stand now (the version in force)."""
    from drafter.review.session import Session

    session = Session.open(directory)
    tops: list[Section] = []
    for state in session.sections():
        section = Section(
            level=state.level,
            number="",
            title=state.heading,
            paragraphs=[state.text.strip()] if state.text.strip() else [],
            kind=SectionKind(state.kind) if state.kind in _KINDS else None,
        )
        if state.level >= 2 and tops and tops[-1].level >= 1:
            tops[-1].children.append(section)
        else:
            tops.append(section)
    parts, nodes = tree_from_sections(tops)
    meta = session.meta
    return CompareDoc(
        name=directory.name,
        title=meta.title,
        year=meta.year,
        parts=parts,
        origin="session",
        nodes=nodes,
    )


def document_from_chunks(info: DocumentInfo, chunks: Sequence[StoredChunk]) -> CompareDoc:
    """A corpus document rebuilt from its chunks (top-level headings restored) and re-parsed."""
    lines: list[str] = [info.title] if info.title else []
    current: str | None = None
    for chunk in sorted(chunks, key=lambda c: c.position):
        top = chunk.heading_path.split(" > ")[0] if chunk.heading_path else ""
        if top and top != current:
            lines.append(top)
        current = top or current
        lines.append(chunk.text)
    doc = document_from_text("\n".join(lines), name=Path(info.source).name, origin="corpus")
    doc.title = info.title or doc.title
    doc.year = info.year or doc.year
    return doc
