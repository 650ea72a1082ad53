"""drafter lint on files: what to lint for a file, folder or session directory, and the
corrected copy written beside it (never over the original; a .docx in GB/T 9704 layout).

The rules themselves (drafter.lint) see only text; reading Word files and sessions and
writing Word files belong to this stage.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from drafter.atomic import atomic_write_text
from drafter.errors import InputError

LINT_SUFFIXES = (".md", ".txt", ".docx")


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
    from drafter.review.render import render_markdown
    from drafter.review.session import DRAFT_FILE, Session

    draft = directory / DRAFT_FILE
    if draft.is_file():
        return draft.read_text(encoding="utf-8"), draft
    session = Session.open(directory)
    return render_markdown(session.meta, session.sections()), draft


def targets(paths: Iterable[Path]) -> list[LintTarget]:
    """What to lint for each path: a file; a session directory (its draft); a folder's files."""
    from drafter.corpus.read import read_document

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


def write_fixed(source: Path, target: Path, fixed_text: str) -> Path:
    """Write the corrected copy; a .docx is rebuilt in the GB/T 9704 layout of `export`."""
    if target.resolve() == source.resolve():
        raise ValueError("the corrected copy must not replace the original")
    if target.suffix.lower() == ".docx":
        from drafter.settings import load_settings
        from drafter.word.export import fonts_from_settings, text_document, write_docx

        write_docx(text_document(fixed_text), target, fonts=fonts_from_settings(load_settings()))
    else:
        atomic_write_text(target, fixed_text)
    return target
