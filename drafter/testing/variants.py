"""Variants of a real summary, generated in code, with the truth known.

A parsed summary is reduced to its parts (opening, achievements areas, problems, plan,
closing) and written out again in another style the genre uses: work areas promoted to
一、 or demoted to （一） under one part title, parts renamed, the plan part as an
unnumbered line with its numbering restarted, the problems as an unmarked paragraph.
Every paragraph keeps its id and true kind, so segmentation kind accuracy and compare
pairing precision/recall can be measured (bench/bench_structure.py, tests).
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field

from drafter.corpus.segment import parse_document
from drafter.models import ParsedDocument, Section, SectionKind
from drafter.text.markers import heading_marker
from drafter.text.sentences import split_sentences_keep

STYLES = ("same", "promoted", "demoted", "renamed", "plan_unnumbered", "problems_unmarked")
_RENAMED = {"achievements": "主要工作及成效", "problems": "困难和问题", "plan": "下一步工作安排"}
_DEFAULT = {"achievements": "工作开展情况", "problems": "存在的问题", "plan": "明年工作打算"}


@dataclass
class Area:
    title: str
    paragraphs: list[str]
    children: list[Area] = field(default_factory=list)


@dataclass
class PartModel:
    kind: str
    title: str
    intro: list[str]
    areas: list[Area]


@dataclass
class Variant:
    text: str
    kinds: dict[str, str]  # paragraph text → true kind
    ids: dict[str, int]  # paragraph text → id shared with the original


def _area(section: Section) -> Area:
    return Area(section.title, list(section.paragraphs), [_area(c) for c in section.children])


def model_of(doc: ParsedDocument) -> tuple[list[PartModel], str]:
    """The parts of a parsed summary, work areas grouped per kind; and its title."""
    parts: list[PartModel] = []
    for top in doc.sections:
        kind = str(top.kind or SectionKind.ACHIEVEMENTS)
        if top.level == 0:
            parts.append(PartModel(kind, "", list(top.paragraphs), []))
        elif top.children and (kind != "achievements" or not top.number or _is_part(top)):
            parts.append(
                PartModel(kind, top.title, list(top.paragraphs), [_area(c) for c in top.children])
            )
        elif parts and parts[-1].kind == kind and kind == "achievements" and parts[-1].title == "":
            parts[-1].areas.append(_area(top))
        else:
            parts.append(PartModel(kind, "" if kind == "achievements" else top.title, [], []))
            if kind == "achievements":
                parts[-1].areas.append(_area(top))
            else:
                parts[-1].intro = [p for p in _all_paragraphs(top)]
    return parts, doc.meta.title or ""


def _is_part(section: Section) -> bool:
    from drafter.corpus.parts import part_line

    return part_line(section.title) is not None


def _all_paragraphs(section: Section) -> list[str]:
    out = list(section.paragraphs)
    for child in section.children:
        out += _all_paragraphs(child)
    return out


def render(parts: Sequence[PartModel], title: str, style: str, *, thin: bool = False) -> Variant:
    """The summary written in ``style``; ``thin`` keeps every other sentence (a draft
    that says less than last year's summary in other words)."""
    lines: list[str] = [title] if title else []
    kinds: dict[str, str] = {}
    ids: dict[str, int] = {}

    def para(text: str, kind: str, pid: int) -> None:
        if thin:
            sentences = split_sentences_keep(text)
            text = "".join(sentences[::2]) if len(sentences) > 1 else text
        lines.append(text)
        kinds[text], ids[text] = kind, pid

    def pid_of(text: str) -> int:
        return zlib.crc32(text.encode("utf-8"))

    def areas(items: Sequence[Area], depth: int, kind: str) -> None:
        for n, a in enumerate(items, 1):
            if depth <= 4:
                lines.append(heading_marker(depth, n) + a.title)
            for p in a.paragraphs:
                para(p, kind, pid_of(p))
            areas(a.children, depth + 1, kind)

    top = 0
    for part in parts:
        kind = part.kind
        name = _RENAMED.get(kind, part.title) if style == "renamed" else part.title
        name = name or _DEFAULT.get(kind, "")
        if kind in ("opening", "closing"):
            for p in part.intro:
                para(p, kind, pid_of(p))
            continue
        unnumbered = (style == "plan_unnumbered" and kind == "plan") or (
            style == "promoted" and kind != "achievements"
        )
        if kind == "problems" and style == "problems_unmarked" and not part.areas:
            for i, p in enumerate(part.intro):
                text = p if i or p.startswith(("但", "同时")) else "但也要看到，" + p
                para(text, kind, pid_of(p))
            continue
        if kind == "achievements" and style == "promoted" and part.areas:
            for p in part.intro:  # without its part title, the intro reads as the opening
                para(p, "opening" if top == 0 else kind, pid_of(p))
            for a in part.areas:
                top += 1
                lines.append(heading_marker(1, top) + a.title)
                for p in a.paragraphs:
                    para(p, kind, pid_of(p))
                areas(a.children, 2, kind)
            continue
        if unnumbered:
            lines.append(name)
        else:
            top += 1
            lines.append(heading_marker(1, top) + name)
        for p in part.intro:
            para(p, kind, pid_of(p))
        areas(part.areas, 1 if unnumbered else 2, kind)
    return Variant("\n".join(lines), kinds, ids)


def variants_of(doc: ParsedDocument) -> dict[str, Variant]:
    """Every style of one parsed summary (the truth is the parse of the original)."""
    parts, title = model_of(doc)
    return {style: render(parts, title, style) for style in STYLES}


def kind_accuracy(variant: Variant, name: str = "variant.txt") -> tuple[int, int]:
    """(characters whose parsed kind is the true kind, characters) of a variant."""
    parsed = parse_document(variant.text, source_name=name)
    found: list[tuple[str, str]] = []

    def walk(sections: Sequence[Section]) -> None:
        for s in sections:
            found.extend((p, str(s.kind)) for p in s.paragraphs)
            walk(s.children)

    walk(parsed.sections)
    right = total = 0
    for text, kind in variant.kinds.items():
        size = len(text)
        total += size
        hits = [k for p, k in found if text in p or (len(p) > 20 and p in text)]
        if hits and hits[0] == kind:
            right += size
    return right, total
