"""Build the Word copies of the example bureau's summaries from the .txt files.

    .venv/bin/python scripts/build-example-docx.py [--fonts-from-settings]

Each examples/<name>.txt becomes examples/<name>（Word版）.docx in the GB/T 9704 layout
(drafter.word.export.text_document + write_docx). The Word copy holds exactly the text of the
.txt, so `drafter ingest examples/` reads both to the same content and stores the .txt
once, reporting the Word copy as 重复 (the .txt sorts first and is ingested first).
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from drafter.word.layout import Fonts  # noqa: E402
from drafter.word.export import fonts_from_settings, text_document, write_docx  # noqa: E402
from drafter.settings import load_settings  # noqa: E402

WORD_TAG = "（Word版）"


def main(argv: list[str]) -> int:
    fonts = fonts_from_settings(load_settings()) if "--fonts-from-settings" in argv else Fonts()
    sources = sorted(p for p in (REPO / "examples").glob("*.txt"))
    for source in sources:
        target = source.with_name(f"{source.stem}{WORD_TAG}.docx")
        doc = text_document(source.read_text(encoding="utf-8"))
        write_docx(doc, target, fonts=fonts)
        print(f"已写出 {target.relative_to(REPO)}（{len(doc.blocks)} 段）")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
