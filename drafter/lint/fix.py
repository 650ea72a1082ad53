"""Apply the unambiguous fixes (writing the copy: drafter.word.lint_files.write_fixed)."""

from __future__ import annotations

from collections.abc import Sequence

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
