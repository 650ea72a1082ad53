"""This year's draft against last year's summary: sections, reuse, topics, figures, targets.

Every bureau writer does this by hand: which sections carry over, which sentences were
copied from last year (leaders notice), which topics were dropped or are new, how each
figure moved, and whether last year's 工作打算 targets were met. Both documents become
flat parts and a section tree (:mod:`drafter.compare.documents`, the same heading tree the
corpus uses, or the session's sections); sections are paired at whatever level each
document writes its work areas (:mod:`drafter.compare.pairing`); sentences are matched
across the whole of last year's text, so a sentence copied into another section is found.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any, Literal

from drafter.compare.documents import (
    CompareDoc,
    Part,
    document_from_chunks,
    document_from_file,
    document_from_session,
    document_from_text,
    parts_from_sections,
    tree_from_sections,
)
from drafter.compare.pairing import (
    ALIGN_THRESHOLD,
    PartPair,
    align,
    core_text,
    heading_similarity,
    masked,
)
from drafter.figures import FiguresFile
from drafter.figures.extract import (
    Figure,
    Target,
    extract_figures,
    extract_targets,
    figures_from_file,
    unique,
)
from drafter.figures.matching import (
    FigureRow,
    TargetResult,
    bigrams,
    evaluate_targets,
    figure_rows,
    overlay,
)
from drafter.models import SectionKind
from drafter.text.sentences import sentence_spans

__all__ = [
    "ALIGN_THRESHOLD",
    "KIND_LABELS",
    "CompareDoc",
    "Comparison",
    "Part",
    "PartPair",
    "Reuse",
    "align",
    "compare",
    "document_from_chunks",
    "document_from_file",
    "document_from_session",
    "document_from_text",
    "find_reuse",
    "heading_similarity",
    "parts_from_sections",
    "spans_for",
    "spans_in",
    "topics_of",
    "tree_from_sections",
]

KIND_LABELS: dict[str, str] = {
    "opening": "总体情况",
    "achievements": "主要工作及成效",
    "problems": "存在问题",
    "plan": "工作打算",
    "closing": "结尾",
}

MIN_REUSE_CHARS = 12  # shorter sentences (一是加强培训。) are formula, not copying
NEAR_RATIO = 0.8  # a few characters changed in a sentence of 20+ characters
PARTIAL_MIN_CHARS = 16  # a whole sentence of last year inside a longer new one

ReuseKind = Literal["verbatim", "near", "partial"]
REUSE_LABELS: dict[str, str] = {
    "verbatim": "原句照搬",
    "near": "近似沿用",
    "partial": "整句嵌入",
}


# --------------------------------------------------------------------------- reuse


@dataclass(frozen=True)
class Reuse:
    """A sentence of this year's text taken over from last year's."""

    kind: ReuseKind
    similarity: float
    this_part: str
    this_span: tuple[int, int]
    this_text: str
    last_part: str
    last_span: tuple[int, int]
    last_text: str

    @property
    def numbers_only(self) -> bool:
        """The sentence of last year with only its numbers changed."""
        return self.kind == "near" and self.similarity == 1.0

    @property
    def label(self) -> str:
        return "仅数字不同" if self.numbers_only else REUSE_LABELS[self.kind]

    def as_dict(self, this: CompareDoc, last: CompareDoc) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "label": self.label,
            "similarity": self.similarity,
            "this_section": this.part(self.this_part).label,
            "this_text": self.this_text,
            "last_section": last.part(self.last_part).label,
            "last_text": self.last_text,
        }


@dataclass
class _Sentence:
    part: str
    span: tuple[int, int]
    text: str
    core: str
    masked: str


def _sentences(doc: CompareDoc) -> list[_Sentence]:
    out: list[_Sentence] = []
    for part in doc.parts:
        for a, b in sentence_spans(part.text):
            text = part.text[a:b]
            core = core_text(text)
            out.append(_Sentence(part.id, (a, b), text, core, masked(core)))
    return out


def _classify(this: _Sentence, last: _Sentence) -> tuple[ReuseKind, float] | None:
    if this.core == last.core or (this.core in last.core and len(this.core) >= MIN_REUSE_CHARS):
        return "verbatim", 1.0
    ratio = SequenceMatcher(None, this.masked, last.masked, autojunk=False).ratio()
    if ratio >= NEAR_RATIO:
        return "near", round(ratio, 3)
    if len(last.core) >= PARTIAL_MIN_CHARS and last.core in this.core:
        return "partial", round(len(last.core) / len(this.core), 3)
    return None


_RANK = {"verbatim": 3, "near": 2, "partial": 1}


def find_reuse(this: CompareDoc, last: CompareDoc) -> list[Reuse]:
    """Every sentence of ``this`` copied or nearly copied from anywhere in ``last``."""
    last_sentences = [s for s in _sentences(last) if len(s.core) >= MIN_REUSE_CHARS]
    index: dict[str, set[int]] = {}
    for k, s in enumerate(last_sentences):
        for g in set(bigrams(s.masked)):
            index.setdefault(g, set()).add(k)
    found: list[Reuse] = []
    for s in _sentences(this):
        if len(s.core) < MIN_REUSE_CHARS:
            continue
        grams = set(bigrams(s.masked))
        shared: Counter[int] = Counter()
        for g in grams:
            shared.update(index.get(g, ()))
        best: tuple[int, float, _Sentence] | None = None
        for k, n in shared.most_common(8):
            cand = last_sentences[k]
            if n < 0.5 * min(len(grams), len(set(bigrams(cand.masked)))):
                break
            verdict = _classify(s, cand)
            if verdict and (best is None or (_RANK[verdict[0]], verdict[1]) > best[:2]):
                best = (_RANK[verdict[0]], verdict[1], cand)
        if best is not None:
            kind = next(k for k, r in _RANK.items() if r == best[0])
            cand = best[2]
            found.append(
                Reuse(kind, best[1], s.part, s.span, s.text, cand.part, cand.span, cand.text)  # type: ignore[arg-type]
            )
    return found


# --------------------------------------------------------------------------- topics

_TOPIC_TEXT = """
高新技术企业 科技型中小企业 科技特派员 知识产权 专利 质押融资 科普
科技活动周 全国科普日 孵化器 众创空间 星创天地 产学研 技术合同 技术转移
技术经纪人 成果转化 科技成果 研发投入 研发费用 新型研发机构 重点实验室
工程技术研究中心 院士工作站 创新平台 高新区 科技项目 科技奖 科技金融
创新券 人才引进 高层次人才 科协 党建 党风廉政 党纪学习教育 意识形态
营商环境 乡村振兴 科技扶贫 农业科技 疫情防控 安全生产 招商引资 数字化
产业集群 科技创新券 “放管服” 对外合作 国际合作 检验检测 科技馆
青少年科技创新
"""
TOPIC_TERMS: tuple[str, ...] = tuple(_TOPIC_TEXT.split())
_QUOTED_RE = re.compile(r"“([\u4e00-\u9fff\w·+—-]{2,14})”")
_ENTITY_RE = re.compile(
    r"[\u4e00-\u9fff]{2,14}(?:有限公司|大学(?![生城园科])|研究院|研究所)(?![\u4e00-\u9fff]{0,1}(?:生|院))"
)
_ENTITY_CUT = re.compile(
    r".*(?:与|和|及|的|赴|到|对|向|在|将|由|联合|推动|支持|组织|引导|推荐|获批|依托|承接|同|引进|邀请)"
)
# What a topic must not start with: an enumerator (五是…) or a verb (开展…, 加强…).
_NOT_NOUN_START = re.compile(
    r"^(?:[一二三四五六七八九十]+是|其[一二三四五六七八九十]|首先|其次|再次|最后|"
    r"开展|推进|加强|加快|实施|举办|积极|深化|围绕|完成|建设|打造|成立|培育|创建|落实|强化|推动|"
    r"支持|引导|依托|组建|召开|参加|参与|申报|认定|新增|新建|共建|携手|通过|借助|服务|走进|协助|指导)"
)


def noun_phrase(name: str) -> str | None:
    """``name`` without a leading enumerator or verb, or None when too little is left."""
    previous = None
    while previous != name:
        previous = name
        name = _NOT_NOUN_START.sub("", name)
    return name if len(name) >= 4 else None


def topics_of(text: str) -> list[str]:
    """Named activities (quoted), organisations and domain terms the text mentions.

    Organisation names are noun phrases: "五是XX技术研究院" is 技术研究院 of XX, not a
    topic starting with 五是; "开展大学生…" names no university."""
    found: dict[str, None] = {}
    for m in _QUOTED_RE.finditer(text):
        if not re.fullmatch(r"[\d\W]+", m.group(1)):
            found[m.group(1)] = None
    for m in _ENTITY_RE.finditer(text):
        name = noun_phrase(_ENTITY_CUT.sub("", m.group()))
        if name is not None:
            found[name] = None
    for term in TOPIC_TERMS:
        if term.strip("“”") in text:
            found[term.strip("“”")] = None
    return list(found)


def _mentions(text: str, topic: str) -> bool:
    return topic in text or core_text(topic) in core_text(text)


# --------------------------------------------------------------------------- figures


def stated_figures(doc: CompareDoc) -> list[Figure]:
    """Level figures of the summary part of ``doc`` (plan sections hold targets)."""
    out: list[Figure] = []
    for part in doc.parts:
        if part.kind != SectionKind.PLAN:
            out.extend(extract_figures(part.text, section=part.label))
    return unique(out)


def plan_targets(doc: CompareDoc) -> list[Target]:
    """Targets stated in the plan (工作打算) sections of ``doc``."""
    targets: list[Target] = []
    seen: set[str] = set()
    for part in doc.parts:
        if part.kind == SectionKind.PLAN:
            for t in extract_targets(part.text, section=part.label):
                key = f"{t.indicator}|{t.figure.raw}"
                if key not in seen:
                    seen.add(key)
                    targets.append(t)
    return targets


# --------------------------------------------------------------------------- comparison


@dataclass
class Comparison:
    this: CompareDoc
    last: CompareDoc
    pairs: list[PartPair]
    reused: list[Reuse]
    this_figures: list[Figure]
    last_figures: list[Figure]
    rows: list[FigureRow]
    targets: list[TargetResult]
    missing_topics: list[str]
    new_topics: list[str]
    figures_file: str | None = None

    def reused_in(self, part_id: str, *, side: Literal["this", "last"] = "this") -> list[Reuse]:
        if side == "this":
            return [r for r in self.reused if r.this_part == part_id]
        return [r for r in self.reused if r.last_part == part_id]

    def summary(self) -> dict[str, Any]:
        this_sentences = sum(len(sentence_spans(p.text)) for p in self.this.parts)
        counts = Counter(r.kind for r in self.reused)
        status = Counter(t.status for t in self.targets)
        return {
            "sections_this": len(self.this.parts),
            "sections_last": len(self.last.parts),
            "sections_paired": sum(1 for p in self.pairs if p.this and p.last),
            "sentences_this": this_sentences,
            "reused": len(self.reused),
            "reused_verbatim": counts["verbatim"],
            "reused_near": counts["near"],
            "reused_partial": counts["partial"],
            "targets": len(self.targets),
            "targets_met": status["met"],
            "targets_not_met": status["not_met"],
            "targets_not_reported": status["not_reported"],
        }

    def as_dict(self) -> dict[str, Any]:
        def doc(d: CompareDoc) -> dict[str, Any]:
            return {"name": d.name, "title": d.title, "year": d.year, "origin": d.origin}

        def part(p: Part | None) -> dict[str, Any] | None:
            if p is None:
                return None
            return {"heading": p.label, "kind": p.kind, "path": list(p.path), "depth": p.depth}

        return {
            "this": doc(self.this),
            "last": doc(self.last),
            "figures_file": self.figures_file,
            "summary": self.summary(),
            "sections": [
                {
                    "this": part(p.this),
                    "last": part(p.last),
                    "similarity": p.similarity,
                    "heading_similarity": p.heading_similarity,
                    "score": p.score,
                    "reused": p.reused,
                    "missing_topics": p.missing_topics,
                    "new_topics": p.new_topics,
                }
                for p in self.pairs
            ],
            "reused": [r.as_dict(self.this, self.last) for r in self.reused],
            "topics": {"missing": self.missing_topics, "new": self.new_topics},
            "figures": {
                "this": [f.as_dict() for f in self.this_figures],
                "last": [f.as_dict() for f in self.last_figures],
                "rows": [r.as_dict() for r in self.rows],
            },
            "targets": [t.as_dict() for t in self.targets],
        }


def compare(
    this: CompareDoc,
    last: CompareDoc,
    *,
    figures: FiguresFile | None = None,
    figures_name: str | None = None,
) -> Comparison:
    """Everything the report shows, computed once."""
    pairs = align(this, last)
    reused = find_reuse(this, last)
    this_text, last_text = this.text, last.text
    missing = [t for t in topics_of(last_text) if not _mentions(this_text, t)]
    new = [t for t in topics_of(this_text) if not _mentions(last_text, t)]
    reused_per_part = Counter(r.this_part for r in reused)
    for pair in pairs:
        if pair.this is not None:
            pair.reused = sum(reused_per_part[p] for p in pair.this.covers)
            pair.new_topics = [t for t in new if _mentions(pair.this.text, t)]
        if pair.last is not None:
            pair.missing_topics = [t for t in missing if _mentions(pair.last.text, t)]
    this_figs, last_figs = stated_figures(this), stated_figures(last)
    if figures is not None:
        file_this, file_last = figures_from_file(figures)
        this_figs = overlay(this_figs, file_this)
        last_figs = overlay(last_figs, file_last)
    targets = evaluate_targets(plan_targets(last), this_figs)
    return Comparison(
        this=this,
        last=last,
        pairs=pairs,
        reused=reused,
        this_figures=this_figs,
        last_figures=last_figs,
        rows=figure_rows(last_figs, this_figs),
        targets=targets,
        missing_topics=missing,
        new_topics=new,
        figures_file=figures_name,
    )


def spans_for(reused: Iterable[Reuse], part_id: str, side: str) -> list[tuple[int, int, str]]:
    """(start, end, kind) of the reused sentences inside one part, for highlighting."""
    out = {
        (r.this_span if side == "this" else r.last_span) + (r.kind,)
        for r in reused
        if (r.this_part if side == "this" else r.last_part) == part_id
    }
    return sorted(out)


def spans_in(reused: Iterable[Reuse], node: Part, side: str) -> list[tuple[int, int, str]]:
    """(start, end, kind) of the reused sentences inside a tree node's (subtree) text."""
    covered = set(node.covers)
    out: set[tuple[int, int, str]] = set()
    for r in reused:
        part_id, sentence = (
            (r.this_part, r.this_text) if side == "this" else (r.last_part, r.last_text)
        )
        if part_id not in covered:
            continue
        at = node.text.find(sentence.strip())
        if at >= 0:
            out.add((at, at + len(sentence.strip()), r.kind))
    return sorted(out)
