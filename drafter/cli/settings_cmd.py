"""`drafter config`: show the settings in force (secrets masked)."""

from __future__ import annotations

import typer
from rich.table import Table

from drafter.cli.common import JsonOpt, out_console, print_json
from drafter.settings import Settings, config_file_path, load_settings


def register(app: typer.Typer) -> None:
    app.command("config")(show_config)


def show_config(as_json: JsonOpt = False) -> None:
    """显示当前生效的配置（密钥不显示）。"""
    settings = load_settings()
    rows = []
    for name, field in Settings.model_fields.items():
        value = getattr(settings, name)
        shown = "（已设置，不显示）" if "api_key" in name and value is not None else value
        rows.append(
            {
                "name": name,
                "env": f"DRAFTER_{name.upper()}",
                "value": shown,
                "description": field.description,
            }
        )
    if as_json:
        print_json({"config_file": str(config_file_path() or ""), "settings": rows})
        return
    table = Table(title=f"配置（配置文件：{config_file_path() or '无'}）")
    for col in ("设置项", "环境变量", "当前值", "说明"):
        table.add_column(col)
    for r in rows:
        table.add_row(r["name"], r["env"], str(r["value"]), r["description"] or "")
    out_console.print(table)
