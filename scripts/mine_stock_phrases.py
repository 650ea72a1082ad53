"""Mine stock phrases: 12-character n-grams shared by at least 3 different summaries.

The copy guard of guided drafting (drafter.drafting.guards) refuses any run of 12 or more
characters the model copies from a retrieved exemplar, except these: wording that many
writers use ("在县委、县政府的坚强领导下") belongs to no one document. Method:

1. Every .txt/.md/.docx/.pdf under the given folders is read and cleaned as for ingestion
   (drafter.corpus.read + drafter.corpus.clean).
2. Text is normalised as the guard compares it (no spaces; numbers and slots as X).
3. Every 12-character window holding a Chinese character is counted once per document;
   documents with the same normalised text (a .txt and its Word copy) count once.
4. Windows found in at least ``--min-docs`` (default 3) documents are kept.

Run: .venv/bin/python scripts/mine_stock_phrases.py examples ../shared/corpus \
     --out drafter/drafting/data/stock_phrases.txt
"""

from __future__ import annotations

import argparse
from pathlib import Path

from drafter.corpus.clean import clean_text
from drafter.corpus.read import collect_input_files, read_document
from drafter.drafting.guards import COPY_RUN, STOCK_MIN_DOCS, mine_stock_phrases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="+", type=Path)
    parser.add_argument("--min-docs", type=int, default=STOCK_MIN_DOCS)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    files, _errors = collect_input_files(args.folders)
    texts = [clean_text(read_document(path).text) for path in files]
    phrases = mine_stock_phrases(texts, n=COPY_RUN, min_docs=args.min_docs)
    header = [
        "# Stock phrases: n-grams the copy guard allows (drafter.drafting.guards).",
        "# Made by scripts/mine_stock_phrases.py (see its docstring for the method) from "
        f"{len(args.folders)} folder(s) of summaries, n={COPY_RUN}, min-docs={args.min_docs}.",
        "# One n-gram a line; the number after the tab is how many documents used it.",
    ]
    rows = sorted(phrases.items(), key=lambda kv: (-kv[1], kv[0]))
    out = "\n".join(header + [f"{g}\t{c}" for g, c in rows]) + "\n"
    if args.out:
        args.out.write_text(out, encoding="utf-8")
    print(out, end="")


if __name__ == "__main__":
    main()
