"""Benchmark: how well `drafter lint` finds what it should, and how little else.

1. Seeded errors: bench/data/lint_seeded.txt is one summary written with ``[[good|bad|rule]]``
   seeds. The seeded document takes every ``bad``, its clean twin every ``good``. A seed is
   found when a finding of its rule overlaps the seed. Reports recall and the findings on
   the clean twin.
2. Real copies (../shared/corpus, cleaned of page furniture as for ingestion): findings per
   1,000 characters, and the share of false findings in a sample classed by hand
   (bench/data/lint_corpus_labels.json; a stratified sample, at most ``PER_RULE`` findings
   per rule, fixed seed). Findings not yet classed are listed so they can be.

Prints JSON on stdout.

    .venv/bin/python bench/bench_lint.py [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from drafter.lint import lint_text

REPO = Path(__file__).resolve().parents[1]
SEEDED = REPO / "bench" / "data" / "lint_seeded.txt"
LABELS = REPO / "bench" / "data" / "lint_corpus_labels.json"
PER_RULE = 10
_SEED_RE = re.compile(r"\[\[([^|\]]*)\|([^|\]]*)\|([a-z.\-]+)\]\]")


@dataclass(frozen=True)
class Seed:
    rule: str
    start: int  # span of the bad text in the seeded document
    end: int
    good: str
    bad: str


def seeded_documents(template: str) -> tuple[str, str, list[Seed]]:
    """(seeded text, clean twin, seeds) from a ``[[good|bad|rule]]`` template."""
    seeded: list[str] = []
    clean: list[str] = []
    seeds: list[Seed] = []
    pos = 0
    length = 0
    for m in _SEED_RE.finditer(template):
        plain = template[pos : m.start()]
        seeded.append(plain)
        clean.append(plain)
        length += len(plain)
        good, bad, rule = m.group(1), m.group(2), m.group(3)
        seeds.append(Seed(rule, length, length + len(bad), good, bad))
        seeded.append(bad)
        clean.append(good)
        length += len(bad)
        pos = m.end()
    seeded.append(template[pos:])
    clean.append(template[pos:])
    return "".join(seeded), "".join(clean), seeds


def seeded_result() -> dict[str, Any]:
    seeded, clean, seeds = seeded_documents(SEEDED.read_text(encoding="utf-8"))
    findings = lint_text(seeded)
    missed = []
    by_rule: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for s in seeds:
        found = any(
            f.rule.id == s.rule
            and f.start < max(s.end, s.start + 1)
            and s.start < max(f.end, f.start + 1)
            for f in findings
        )
        by_rule[s.rule][1] += 1
        if found:
            by_rule[s.rule][0] += 1
        else:
            missed.append({"rule": s.rule, "bad": s.bad, "good": s.good})
    twin = lint_text(clean)
    return {
        "seeds": len(seeds),
        "rule_types": len(by_rule),
        "found": len(seeds) - len(missed),
        "recall": round((len(seeds) - len(missed)) / len(seeds), 3),
        "missed": missed,
        "by_rule": {r: f"{a}/{b}" for r, (a, b) in sorted(by_rule.items())},
        "seeded_findings": len(findings),
        "clean_twin_findings": len(twin),
        "clean_twin": [f.as_dict() for f in twin],
    }


def corpus_dir() -> Path | None:
    explicit = os.environ.get("DRAFTER_SHARED_CORPUS")
    for c in [Path(explicit)] if explicit else [REPO.parent / "shared" / "corpus"]:
        if c.is_dir() and any(c.glob("*.txt")):
            return c
    return None


def finding_key(name: str, line: int, column: int, rule: str) -> str:
    return f"{name}:{line}:{column}:{rule}"


def corpus_result(folder: Path) -> dict[str, Any]:
    from drafter.corpus.clean import clean_text
    from drafter.corpus.read import read_document

    chars = 0
    rows: list[dict[str, Any]] = []
    for path in sorted(folder.glob("*.txt")):
        text = clean_text(read_document(path).text)
        chars += len(text)
        for f in lint_text(text):
            a, b = max(0, f.start - 12), min(len(text), f.end + 12)
            rows.append(
                {
                    "key": finding_key(path.name, f.line, f.column, f.rule.id),
                    "rule": f.rule.id,
                    "text": f.text,
                    "context": text[a:b].replace("\n", "⏎"),
                }
            )
    per_rule: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        per_rule[r["rule"]].append(r)
    rng = random.Random(20)
    sample = []
    for rule in sorted(per_rule):
        items = per_rule[rule]
        sample += items if len(items) <= PER_RULE else rng.sample(items, PER_RULE)
    labels: dict[str, Any] = (
        json.loads(LABELS.read_text(encoding="utf-8")) if LABELS.exists() else {}
    )
    classed = [s for s in sample if s["key"] in labels]
    false = [s for s in classed if not labels[s["key"]]["true"]]
    # the sample is stratified: weight each rule's share of false findings by its count
    weighted = 0.0
    for rule, items in per_rule.items():
        mine = [s for s in classed if s["rule"] == rule]
        if mine:
            share = sum(1 for s in mine if not labels[s["key"]]["true"]) / len(mine)
            weighted += share * len(items)
    return {
        "files": len(list(folder.glob("*.txt"))),
        "chars": chars,
        "findings": len(rows),
        "per_1000_chars": round(len(rows) / chars * 1000, 1) if chars else 0.0,
        "by_rule": dict(Counter(r["rule"] for r in rows).most_common()),
        "sample": len(sample),
        "classed": len(classed),
        "false_in_sample": len(false),
        "false_share_sample": round(len(false) / len(classed), 3) if classed else None,
        "false_share_weighted": round(weighted / len(rows), 3) if rows and classed else None,
        "false_findings": [{**s, "why": labels[s["key"]].get("why", "")} for s in false],
        "unclassed": [s for s in sample if s["key"] not in labels],
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description="drafter lint: seeded recall and real-copy findings"
    )
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    result: dict[str, Any] = {"seeded": seeded_result()}
    folder = corpus_dir()
    result["corpus"] = corpus_result(folder) if folder else None
    out = json.dumps(result, ensure_ascii=False, indent=2)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(out + "\n", encoding="utf-8")
    print(out)
    s = result["seeded"]
    print(
        f"seeded: recall {s['recall']:.0%} ({s['found']}/{s['seeds']}), "
        f"clean twin {s['clean_twin_findings']} findings",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
