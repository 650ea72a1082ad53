"""drafter lint: 公文 conventions (GB/T 15834, GB/T 15835, GB/T 9704, house style).

Light to import: no chromadb, openai or langchain here.
"""

from drafter.lint.base import RULES, Finding, Rule, Severity
from drafter.lint.engine import lint_text
from drafter.lint.fix import apply_fixes

__all__ = [
    "RULES",
    "Finding",
    "Rule",
    "Severity",
    "apply_fixes",
    "lint_text",
]
