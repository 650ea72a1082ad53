"""Apply the unambiguous fixes and write a corrected copy (never the original)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from drafter.atomic import atomic_write_text
from drafter.lint.base import Finding


def apply_fixes(text: str, findings: Sequence[Finding]) -> tuple[str, int]:
    """``text`` with every finding's fix applied; returns it and how many were applied."""
    fixes = sorted((f for f in findings if f.fix is not None), key=lambda f: f.start)
    out: list[str] = []
    pos = applied = 0
    for f in fixes:
        if f.start < pos:
            continue  # overlapping: the engine keeps one, but be safe
        out.append(text[pos : f.start])
        out.append(f.fix or "")
        pos = f.end
        applied += 1
    out.append(text[pos:])
    return "".join(out), applied


def write_fixed(source: Path, target: Path, fixed_text: str) -> Path:
    """Write the corrected copy; a .docx is rebuilt in the GB/T 9704 layout of `export`."""
    if target.resolve() == source.resolve():
        raise ValueError("the corrected copy must not replace the original")
    if target.suffix.lower() == ".docx":
        from drafter.export import fonts_from_settings, text_document, write_docx
        from drafter.settings import load_settings

        write_docx(text_document(fixed_text), target, fonts=fonts_from_settings(load_settings()))
    else:
        atomic_write_text(target, fixed_text)
    return target
