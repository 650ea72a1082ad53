"""Lint in drafting: the model's own text is checked like every other rule.

Slots (``{F1}``, ``{K2.1}``) and anything code writes are never linted: slots are masked
before the rules run, and only rules that need no whole document apply to a fragment.
"""

from __future__ import annotations

import re

from drafter.lint.engine import lint_text

_SLOT_RE = re.compile(r"[{｛][^{}｛｝\n]{0,40}[}｝]")
_CONTEXT = 8


def lint_problems(model_text: str) -> list[str]:
    """Chinese messages, one per finding, ready to send back to the model."""
    protected = [(m.start(), m.end()) for m in _SLOT_RE.finditer(model_text)]
    masked = _SLOT_RE.sub(lambda m: "X" * len(m.group()), model_text)
    problems = []
    for f in lint_text(masked, scope="local", protected=protected):
        a = max(0, f.start - _CONTEXT)
        b = min(len(model_text), f.end + _CONTEXT)
        context = model_text[a:b].replace("\n", " ")
        problems.append(f"“{context}”处：{f.message}")
    return problems
