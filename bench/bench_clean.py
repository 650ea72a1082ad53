"""Line-level precision and recall of the web-copy cleaner on tests/data/webcopies/.

For each synthetic copy (built by bench/make_webcopies.py from the example bureau's texts)
the labels say which raw lines are site furniture, which body lines continue a sentence
cut by a page break (a join), and which lines hold a run-in heading. The cleaner's report
(dropped lines, joined lines, split lines) is compared with them:

* furniture removal — precision = dropped furniture / dropped lines,
  recall = dropped furniture / furniture lines;
* page-break joins (after "N、"/"N." blocks, "- N -", "第N页", bare numbers, headers);
* run-in heading splits;
* text: copies whose clean text equals the expected one (blank lines ignored), and the
  share of expected sentences found in the clean text (whitespace ignored).

Copies 01–09 are the set the cleaner was tuned on; h1–h3 were written afterwards and not
used for tuning the furniture and page-block rules; h4–h5 (a new site style each, one GBK)
were written before the run-in heading and heading page-break rules. Two settings each: every copy cleaned alone, and with a "store" holding
all the other copies and the example texts (repetition across documents on). Prints
JSON, then a table.

    .venv/bin/python bench/bench_clean.py [--json-only] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from drafter.corpus.clean import CleanResult, clean_document
from drafter.corpus.clean_furniture import line_keys
from drafter.corpus.read import read_document
from drafter.text.sentences import split_sentences_keep as split_sentences

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "tests" / "data" / "webcopies"
EXAMPLES = REPO / "examples"


def load_copies(folder: Path = DATA) -> list[tuple[str, str, str, dict[str, Any]]]:
    """(name, raw text decoded by drafter's reader, expected text, labels) per copy."""
    out = []
    for raw_path in sorted(folder.glob("*.raw.txt")):
        name = raw_path.name.removesuffix(".raw.txt")
        raw = read_document(raw_path).text
        expected = (folder / f"{name}.expected.txt").read_text(encoding="utf-8").strip()
        labels = json.loads((folder / f"{name}.labels.json").read_text(encoding="utf-8"))
        out.append((name, raw, expected, labels))
    return out


def _prf(tp: int, fp: int, fn: int) -> dict[str, float | int]:
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return {
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "precision": round(precision, 4),
        "recall": round(recall, 4),
    }


def _no_blank_lines(text: str) -> str:
    return "\n".join(line for line in text.split("\n") if line.strip())


def _sentences(text: str) -> list[str]:
    return split_sentences(re.sub(r"\s+", "", text))


def score_copy(result: CleanResult, expected: str, labels: dict[str, Any]) -> dict[str, Any]:
    kinds: list[str] = labels["labels"]
    furniture = {i for i, k in enumerate(kinds) if k == "furniture"}
    body = {i for i, k in enumerate(kinds) if k in ("body", "join")}
    joins = {i for i, k in enumerate(kinds) if k == "join"}
    runin = set(labels["runin"])
    dropped = set(result.dropped_at)
    joined = set(result.joined_at)
    split = set(result.split_at)
    flat = re.sub(r"\s+", "", result.text)
    wanted = _sentences(expected)
    found = sum(1 for s in wanted if s in flat)
    return {
        "furniture": Counter(
            tp=len(dropped & furniture), fp=len(dropped & body), fn=len(furniture - dropped)
        ),
        "joins": Counter(tp=len(joined & joins), fp=len(joined - joins), fn=len(joins - joined)),
        "runin": Counter(tp=len(split & runin), fp=len(split - runin), fn=len(runin - split)),
        "exact": _no_blank_lines(result.text) == _no_blank_lines(expected),
        "sentences": (found, len(wanted)),
        "lost_body_lines": sorted(dropped & body),
        "kept_furniture": sorted(furniture - dropped),
    }


def run(with_store: bool, held_out: bool) -> dict[str, Any]:
    """Scores of the tuning copies (01–09) or of the held-out ones (h1–h5); the store holds
    every other copy and the example texts."""
    everything = load_copies()
    copies = [c for c in everything if c[0].startswith("h") == held_out]
    docs = {name: set(line_keys(raw.split("\n"))) for name, raw, _, _ in everything}
    for path in sorted(EXAMPLES.glob("*.txt")):
        docs[path.name] = set(line_keys(path.read_text(encoding="utf-8").split("\n")))
    totals: dict[str, Counter[str]] = {k: Counter() for k in ("furniture", "joins", "runin")}
    files: dict[str, Any] = {}
    exact = 0
    found_total = wanted_total = 0
    for name, raw, expected, labels in copies:
        others = [keys for other, keys in docs.items() if other != name]

        def repeat_count(key: str, others: list[set[str]] = others) -> int:
            return sum(1 for keys in others if key in keys)

        result = clean_document(raw, repeat_count=repeat_count if with_store else None)
        scored = score_copy(result, expected, labels)
        for key in totals:
            totals[key].update(scored[key])
        exact += scored["exact"]
        found, wanted = scored["sentences"]
        found_total += found
        wanted_total += wanted
        raw_lines = raw.replace("\r\n", "\n").split("\n")
        files[name] = {
            "furniture": _prf(**scored["furniture"]),
            "joins": _prf(**scored["joins"]),
            "runin": _prf(**scored["runin"]),
            "exact": scored["exact"],
            "sentences_kept": f"{found}/{wanted}",
            "lost_body_lines": [raw_lines[i].strip() for i in scored["lost_body_lines"]],
            "kept_furniture": [raw_lines[i].strip() for i in scored["kept_furniture"]],
        }
    return {
        "copies": len(copies),
        "furniture": _prf(**totals["furniture"]),
        "joins": _prf(**totals["joins"]),
        "runin": _prf(**totals["runin"]),
        "exact_copies": exact,
        "sentences_kept": round(found_total / wanted_total, 4) if wanted_total else 1.0,
        "files": files,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json-only", action="store_true")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    report = {
        "tuning_alone": run(with_store=False, held_out=False),
        "tuning_store": run(with_store=True, held_out=False),
        "heldout_alone": run(with_store=False, held_out=True),
        "heldout_store": run(with_store=True, held_out=True),
    }
    text = json.dumps(report, ensure_ascii=False, indent=2)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n", encoding="utf-8")
    if not args.json_only:
        print("\n设置           项目        精确率   召回率   (TP/FP/FN)", file=sys.stderr)
        for setting, data in report.items():
            for key in ("furniture", "joins", "runin"):
                m = data[key]
                print(
                    f"{setting:<14} {key:<10} {m['precision']:>7.1%} {m['recall']:>7.1%}   "
                    f"({m['tp']}/{m['fp']}/{m['fn']})",
                    file=sys.stderr,
                )
            print(
                f"{setting:<14} 完全一致 {data['exact_copies']}/{data['copies']}，"
                f"句子保留 {data['sentences_kept']:.1%}",
                file=sys.stderr,
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
