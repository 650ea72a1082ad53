"""Run the rules over a text, a file, a folder or a session directory."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from drafter.errors import InputError
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
LINT_SUFFIXES = (".md", ".txt", ".docx")


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


@dataclass
class LintTarget:
    """One thing to lint: where it came from, its text, and where a fixed copy would go."""

    path: Path  # the file (or session directory) named to the user
    text: str
    fixed_path: Path


def _fixed_path(path: Path) -> Path:
    if path.suffix.lower() == ".docx":
        return path.with_name(f"{path.stem}.fixed.docx")
    return path.with_name(f"{path.stem}.fixed{path.suffix}")


def _session_text(directory: Path) -> tuple[str, Path]:
    from drafter.session import DRAFT_FILE, Session, render_markdown

    draft = directory / DRAFT_FILE
    if draft.is_file():
        return draft.read_text(encoding="utf-8"), draft
    session = Session.open(directory)
    return render_markdown(session.meta, session.sections()), draft


def targets(paths: Iterable[Path]) -> list[LintTarget]:
    """What to lint for each path: a file; a session directory (its draft); a folder's files."""
    from drafter.read import read_document

    out: list[LintTarget] = []
    for path in paths:
        if not path.exists():
            raise InputError(f"找不到 {path}。")
        if path.is_dir() and (path / "session.json").is_file():
            text, draft = _session_text(path)
            out.append(LintTarget(path, text, draft.with_name("draft.fixed.md")))
        elif path.is_dir():
            files = sorted(
                p
                for p in path.rglob("*")
                if p.is_file() and p.suffix.lower() in LINT_SUFFIXES and ".fixed." not in p.name
            )
            if not files:
                raise InputError(f"{path} 中没有 .md、.txt 或 .docx 文件。")
            out.extend(targets(files))
        elif path.suffix.lower() in LINT_SUFFIXES:
            out.append(LintTarget(path, read_document(path).text, _fixed_path(path)))
        else:
            raise InputError(f"{path} 不是可检查的文件：支持 .md、.txt、.docx 和草稿会话目录。")
    return out
