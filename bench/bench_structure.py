"""Segmentation kind accuracy and compare pairing precision/recall on structure variants.

Documents: the real web copies in ../shared/corpus (when present) and the synthetic
summaries in tests/data/genre/. Each is written again in code in the genre's other styles
(drafter.testing.variants: areas promoted to 一、 or demoted to （一）, parts renamed, plan
part unnumbered, problems unmarked). Kind accuracy: share of characters whose parsed kind
is the true kind. Pairing: this = a variant keeping every other sentence, last = the
original; a pair is right when both sides hold the same original paragraph; recall is the
share of paragraphs whose two sides were paired. Prints JSON.

    .venv/bin/python bench/bench_structure.py
"""

from __future__ import annotations

import json
import sys
import zlib
from pathlib import Path
from typing import Any

from drafter.compare.align import align, document_from_text
from drafter.compare.documents import CompareDoc, Part
from drafter.corpus.clean import clean_text
from drafter.corpus.segment import parse_document
from drafter.testing.variants import STYLES, kind_accuracy, model_of, render

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "corpus"
GENRE = REPO / "tests" / "data" / "genre"


def documents() -> list[Path]:
    found = sorted(SHARED.glob("*.txt")) if SHARED.is_dir() else []
    return found + sorted(GENRE.glob("*.txt"))


def _ids(node: Part, texts: dict[str, int]) -> set[int]:
    return {pid for text, pid in texts.items() if text in node.text}


def pairing(this: CompareDoc, last: CompareDoc, this_ids: dict[str, int]) -> dict[str, int]:
    """Right pairs, pairs, recalled paragraphs, paragraphs of this variant against last."""
    last_texts = {
        p: zlib.crc32(p.encode("utf-8"))
        for n in last.nodes
        if n.parent is None
        for p in n.text.split("\n")
        if p.strip()
    }
    pairs = [p for p in align(this, last) if p.this is not None and p.last is not None]
    right = 0
    recalled: set[int] = set()
    for p in pairs:
        assert p.this is not None and p.last is not None
        shared = _ids(p.this, this_ids) & _ids(p.last, last_texts)
        right += bool(shared)
        recalled |= shared
    universe = set(this_ids.values()) & set(last_texts.values())
    return {
        "right": right,
        "pairs": len(pairs),
        "recalled": len(recalled & universe),
        "paragraphs": len(universe),
    }


def main() -> int:
    per_doc: list[dict[str, Any]] = []
    totals = {
        "kind_right": 0,
        "kind_chars": 0,
        "right": 0,
        "pairs": 0,
        "recalled": 0,
        "paragraphs": 0,
    }
    for path in documents():
        original = clean_text(path.read_text(encoding="utf-8"))
        parts, title = model_of(parse_document(original, source_name=path.name))
        last = document_from_text(original, name=path.name)
        for style in STYLES:
            variant = render(parts, title, style)
            k_right, k_chars = kind_accuracy(variant, path.name)
            thin = render(parts, title, style, thin=True)
            this = document_from_text(thin.text, name=f"{style}-{path.name}")
            scores = pairing(this, last, thin.ids)
            row = {
                "document": path.name,
                "style": style,
                "kind_accuracy": round(k_right / k_chars, 4),
            }
            row |= scores
            per_doc.append(row)
            totals["kind_right"] += k_right
            totals["kind_chars"] += k_chars
            for key in ("right", "pairs", "recalled", "paragraphs"):
                totals[key] += scores[key]
    summary = {
        "documents": len(documents()),
        "variants": len(per_doc),
        "kind_accuracy": round(totals["kind_right"] / max(totals["kind_chars"], 1), 4),
        "pairing_precision": round(totals["right"] / max(totals["pairs"], 1), 4),
        "pairing_recall": round(totals["recalled"] / max(totals["paragraphs"], 1), 4),
    }
    json.dump({"summary": summary, "variants": per_doc}, sys.stdout, ensure_ascii=False, indent=1)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
