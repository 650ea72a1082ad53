"""Shapes shared by the lint rules: the rule catalogue, a finding, the document view."""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property

from drafter.text.numbers import NumberMention
from drafter.text.scanner import find_numbers

GB_PUNCT = "GB/T 15834-2011"
GB_NUMBERS = "GB/T 15835-2011"
GB_LAYOUT = "GB/T 9704-2012"
HOUSE = "本项目文风规范"


class Severity(StrEnum):
    ERROR = "error"  # breaks a standard: the fix is to change the text
    WARNING = "warning"  # house style: a reviewer will likely object


@dataclass(frozen=True)
class Rule:
    """One rule: where it comes from and whether drafting enforces it on model text."""

    id: str
    standard: str
    clause: str
    title: str  # short Chinese name, for tables
    severity: Severity = Severity.ERROR
    # "local" rules look only at the text at hand; "document" rules need the whole
    # document (heading sequences, consistency, data backing) and are not applied to the
    # fragments a model writes while drafting.
    scope: str = "local"


RULES: dict[str, Rule] = {}


def rule(
    rule_id: str,
    standard: str,
    clause: str,
    title: str,
    *,
    severity: Severity = Severity.ERROR,
    scope: str = "local",
) -> Rule:
    r = Rule(rule_id, standard, clause, title, severity, scope)
    RULES[rule_id] = r
    return r


@dataclass(frozen=True)
class Finding:
    """One problem at text[start:end]; ``fix`` replaces that span when it is unambiguous."""

    rule: Rule
    start: int
    end: int
    text: str
    message: str
    fix: str | None = None
    line: int = 0  # 1-based, filled in by the engine
    column: int = 0  # 1-based, in characters

    def as_dict(self) -> dict[str, object]:
        return {
            "rule": self.rule.id,
            "standard": self.rule.standard,
            "clause": self.rule.clause,
            "severity": self.rule.severity.value,
            "line": self.line,
            "column": self.column,
            "text": self.text,
            "message": self.message,
            "fix": self.fix,
        }


CJK_RE = re.compile(r"[\u4e00-\u9fff\u3400-\u4dbf]")


def is_cjk(ch: str) -> bool:
    return bool(ch) and CJK_RE.match(ch) is not None


@dataclass
class LintDoc:
    """The text being linted, with the views several rules share."""

    text: str
    # spans code wrote or that are placeholders (slots): rules never report inside them
    protected: list[tuple[int, int]] = field(default_factory=list)

    @cached_property
    def line_starts(self) -> list[int]:
        return [0] + [m.end() for m in re.finditer("\n", self.text)]

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of a character offset."""
        i = bisect.bisect_right(self.line_starts, offset) - 1
        return i + 1, offset - self.line_starts[i] + 1

    @cached_property
    def lines(self) -> list[tuple[int, str]]:
        """(offset, line) for every line, newline excluded."""
        out = []
        pos = 0
        for line in self.text.split("\n"):
            out.append((pos, line))
            pos += len(line) + 1
        return out

    @cached_property
    def numbers(self) -> list[NumberMention]:
        return find_numbers(self.text)

    def is_protected(self, start: int, end: int) -> bool:
        return any(a < end and start < b for a, b in self.protected)


RuleFn = Callable[[LintDoc], Iterable[Finding]]


def finding(
    doc: LintDoc, r: Rule, start: int, end: int, message: str, fix: str | None = None
) -> Finding:
    return Finding(r, start, end, doc.text[start:end], message, fix)
