"""`drafter lint`: 公文 conventions checked in any document or draft."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from drafter.cli.common import JsonOpt, out_console, print_json


def lint(
    paths: Annotated[
        list[Path], typer.Argument(help="要检查的 .md / .txt / .docx 文件、文件夹或草稿目录。")
    ],
    as_json: JsonOpt = False,
    fix: Annotated[
        bool,
        typer.Option("--fix", help="另存一份按明确修改建议改好的文稿（原文件不动）。"),
    ] = False,
) -> None:
    """检查标题序号、数字用法、标点和文风（GB/T 9704、GB/T 15835、GB/T 15834），有问题时退出码为 1。"""
    from drafter.lint import apply_fixes, lint_text
    from drafter.word.lint_files import targets, write_fixed

    reports = []
    total = 0
    for target in targets(paths):
        findings = lint_text(target.text)
        total += len(findings)
        fixed_path = None
        applied = 0
        if fix and any(f.fix is not None for f in findings):
            fixed_text, applied = apply_fixes(target.text, findings)
            fixed_path = write_fixed(target.path, target.fixed_path, fixed_text)
        reports.append((target, findings, fixed_path, applied))
    if as_json:
        print_json(
            {
                "files": [
                    {
                        "path": str(t.path),
                        "chars": len(t.text),
                        "findings": [f.as_dict() for f in fs],
                        "fixed": str(fp) if fp else None,
                        "fixes_applied": n,
                    }
                    for t, fs, fp, n in reports
                ],
                "total": total,
            }
        )
    else:
        for t, fs, fp, n in reports:
            if not fs:
                out_console.print(f"[green]{escape(str(t.path))}：未发现问题。[/]")
                continue
            table = Table(title=f"{escape(str(t.path))}：{len(fs)} 处问题")
            for col in ("行:列", "规则", "依据", "原文", "说明", "建议"):
                table.add_column(col, overflow="fold")
            for f in fs:
                table.add_row(
                    f"{f.line}:{f.column}",
                    f.rule.id,
                    escape(f"{f.rule.standard} {f.rule.clause}"),
                    escape(f.text),
                    escape(f.message),
                    "" if f.fix is None else escape(f"改为“{f.fix}”" if f.fix else "删去"),
                )
            out_console.print(table)
            if fp is not None:
                out_console.print(
                    f"已按 {n} 条明确建议修改，另存为 {escape(str(fp))}（原文件未改动）。"
                )
    if total:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("lint")(lint)
