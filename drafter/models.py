"""Data passed between pipeline stages (read → clean → segment → store → retrieve).

Kept in one small module so every stage agrees on the same shapes without importing
each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path


class SectionKind(StrEnum):
    """What a section of a work summary does; drives which exemplars a section sees."""

    OPENING = "opening"  # 总体情况: the paragraph(s) before 一、, or an overview heading
    ACHIEVEMENTS = "achievements"  # 主要工作及成效 / 工作开展情况 / 工作总结
    PROBLEMS = "problems"  # 存在的问题和不足 / 问题及困难
    PLAN = "plan"  # 工作打算 / 工作思路 / 下步工作
    CLOSING = "closing"  # a closing paragraph after the plan


class Period(StrEnum):
    """The span a summary covers."""

    ANNUAL = "annual"
    HALF_YEAR = "half_year"


@dataclass(frozen=True)
class SourceText:
    """A document's raw text as read from disk (not yet cleaned)."""

    path: Path
    text: str
    format: str  # "txt" | "md" | "docx" | "pdf"
    encoding: str | None = None  # detected encoding for text files


@dataclass
class Section:
    """A node of the heading tree.

    level: 0 for the untitled opening (text before the first 一、), 1 for 一、,
    2 for （一）, 3 for 1. / 1、, 4 for （1）.
    """

    level: int
    number: str  # the numbering marker as written, normalised: "一、", "（一）", "1.", "（1）", ""
    title: str  # heading text without the marker; "" for the opening
    paragraphs: list[str] = field(default_factory=list)  # body directly under the heading
    children: list[Section] = field(default_factory=list)
    kind: SectionKind | None = None

    @property
    def heading(self) -> str:
        return f"{self.number}{self.title}"


@dataclass
class DocMeta:
    """Facts about a summary, given by the user or inferred from its title and text."""

    title: str | None = None
    bureau: str | None = None  # e.g. "科技局", "科学技术局"
    region: str | None = None  # e.g. "寿光市", "示例县"; None when only a level is known
    region_level: str | None = None  # "province" | "city" | "county" | "district"
    year: int | None = None
    period: Period | None = None


@dataclass
class ParsedDocument:
    """A cleaned summary as a heading tree plus its metadata."""

    meta: DocMeta
    sections: list[Section]  # top level: an optional level-0 opening, then level-1 sections


@dataclass
class Chunk:
    """A retrievable passage; never spans two level-1 sections."""

    text: str
    heading_path: list[str]  # headings from level 1 down, e.g. ["一、工作开展情况", "（一）…"]
    kind: SectionKind
    section_index: int  # index into ParsedDocument.sections of the top-level section
    position: int  # order of the chunk within its document, from 0


@dataclass
class StoredChunk:
    """A chunk as it lives in the store, with document-level metadata."""

    id: str
    text: str
    doc_id: str
    source: str
    heading_path: str  # " > " joined
    kind: str
    position: int
    year: int | None = None
    bureau: str | None = None
    region: str | None = None
    period: str | None = None
    title: str | None = None
    region_level: str | None = None


@dataclass
class DocumentInfo:
    """One ingested document as the store records it (for list/show/remove/stats)."""

    doc_id: str
    source: str  # path of the file it was read from (as resolved at ingest)
    content_hash: str  # sha256 of the cleaned text; unchanged hash means nothing to do
    n_chunks: int
    title: str | None = None
    bureau: str | None = None
    region: str | None = None
    region_level: str | None = None
    year: int | None = None
    period: str | None = None
    ingested_at: str | None = None  # ISO 8601, UTC
    # lines the cleaner dropped as web-page furniture (None: not recorded at ingest)
    n_dropped: int | None = None
    dropped: list[str] = field(default_factory=list)  # the first MAX_DROPPED_KEPT of them
    segmenter: int | None = None  # segmentation version it was chunked by (None: before 2)


@dataclass
class SearchHit:
    """One retrieval result; score is the fused (RRF) score, higher is better."""

    chunk: StoredChunk
    score: float
    dense_rank: int | None = None
    lexical_rank: int | None = None
