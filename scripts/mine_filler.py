"""Mine vague filler phrases (unquantified claims of results) from a corpus of summaries.

How the list is made (the committed drafter/lint/data/filler.txt is this script's output):

1. Every .txt/.md/.docx under the given folders is read and cleaned as for ingestion
   (drafter.read + drafter.clean), then cut into clauses at punctuation.
2. Candidates are the last 4–7 characters of those clauses (a claim closes its clause:
   "创新能力显著提升。"; "进一步提升服务水平" is a task, not a claim) that pair a degree
   word (进一步、明显、显著、积极、一定、较大…) with a word for a result (成效、提升、增强、
   进展…), with nothing else in them but 取得/实现/有了/了/的/得/新 — a claim that
   something got better, without saying by how much.
3. A candidate is kept when it occurs in at least ``--min-docs`` different documents
   (default 2): phrases many writers reach for, not one document's wording. The shared
   corpus of this repository has only 3 documents, so the committed list used 1.
4. Shorter candidates contained in a kept longer one are dropped.

Run: .venv/bin/python scripts/mine_filler.py ../shared/corpus --min-docs 1 \
     --out drafter/lint/data/filler.txt
"""

from __future__ import annotations

import argparse
import re
from collections import defaultdict
from pathlib import Path

from drafter.corpus.clean import clean_text
from drafter.corpus.read import collect_input_files, read_document

DEGREE = (
    "进一步",
    "不断",
    "明显",
    "显著",
    "积极",
    "一定",
    "较大",
    "较好",
    "良好",
    "大幅",
    "稳步",
    "日益",
    "更加",
    "长足",
    "有效",
    "持续",
    "全面",
    "大力",
    "切实",
    "扎实",
    "初步",
    "很大",
)
RESULT = ("成效", "成绩", "效果", "进展", "突破", "提升", "提高", "增强", "改善", "凸显", "壮大")
GLUE = set("取得实现有了的得新到")
_CLAUSE_RE = re.compile(r"[^，。；：！？、,;:!?\s“”《》（）()]+")


def is_candidate(gram: str) -> bool:
    degree = next((d for d in DEGREE if d in gram), None)
    result = next((r for r in RESULT if r in gram), None)
    if degree is None or result is None or degree == result:
        return False
    rest = gram.replace(degree, "", 1).replace(result, "", 1)
    return all(c in GLUE for c in rest) and (
        gram.startswith(degree)
        or gram.startswith(("取得", "实现", "有了"))
        or gram.startswith(result)
    )


def mine(folders: list[Path], min_docs: int) -> list[tuple[str, int]]:
    files, _errors = collect_input_files(folders)
    docs: dict[str, set[Path]] = defaultdict(set)
    for path in files:
        text = clean_text(read_document(path).text)
        for clause in _CLAUSE_RE.findall(text):
            # a claim closes its clause ("创新能力显著提升。"); "进一步提升服务水平" is a task
            for n in range(4, 8):
                gram = clause[-n:]
                if len(gram) == n and is_candidate(gram):
                    docs[gram].add(path)
    kept = {g: len(p) for g, p in docs.items() if len(p) >= min_docs}
    maximal = {
        g: c for g, c in kept.items() if not any(g != h and g in h and kept[h] >= c for h in kept)
    }
    return sorted(maximal.items(), key=lambda kv: (-kv[1], kv[0]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="+", type=Path)
    parser.add_argument("--min-docs", type=int, default=2)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    phrases = mine(args.folders, args.min_docs)
    header = [
        "# Vague filler phrases: unquantified claims of results (drafter lint, style.filler).",
        "# Made by scripts/mine_filler.py (see its docstring for the method) from "
        f"{len(args.folders)} folder(s) of real summaries, min-docs={args.min_docs}.",
        "# One phrase a line; the number after the tab is how many documents used it.",
    ]
    lines = header + [f"{g}\t{c}" for g, c in phrases]
    out = "\n".join(lines) + "\n"
    if args.out:
        args.out.write_text(out, encoding="utf-8")
    print(out, end="")


if __name__ == "__main__":
    main()
