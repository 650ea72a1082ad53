"""Run the rules over a text (files, folders and sessions: drafter.word.lint_files)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from drafter.lint.base import Finding, LintDoc, RuleFn
from drafter.lint.rules_headings import check_headings
from drafter.lint.rules_numbers import check_numbers
from drafter.lint.rules_punct import check_punctuation
from drafter.lint.rules_style import check_style

# In priority order: where two findings overlap, the earlier rule's is kept.
RULE_FUNCTIONS: tuple[RuleFn, ...] = (
    check_headings,
    check_numbers,
    check_punctuation,
    check_style,
)


def lint_text(
    text: str,
    *,
    scope: str = "document",
    protected: Sequence[tuple[int, int]] = (),
) -> list[Finding]:
    """Every finding in ``text``, in order of position, each with line and column.

    ``scope="local"`` applies only the rules that need no whole document (for the pieces a
    model writes while drafting). Nothing is reported inside ``protected`` spans.
    """
    doc = LintDoc(text, list(protected))
    raw: list[tuple[int, Finding]] = []
    for priority, fn in enumerate(RULE_FUNCTIONS):
        for f in fn(doc):
            if scope == "local" and f.rule.scope != "local":
                continue
            if doc.is_protected(f.start, max(f.end, f.start + 1)):
                continue
            raw.append((priority, f))
    kept: list[Finding] = []
    taken: list[tuple[int, int]] = []
    for _, f in sorted(raw, key=lambda pf: (pf[0], pf[1].start, pf[1].end)):
        span = (f.start, max(f.end, f.start + 1))
        if any(a < span[1] and span[0] < b for a, b in taken):
            continue
        taken.append(span)
        line, column = doc.position(f.start)
        kept.append(replace(f, line=line, column=column))
    return sorted(kept, key=lambda f: (f.start, f.end))
