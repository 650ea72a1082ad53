"""Reading the session's JSON files: the schema version they carry, their .bak copies,
and a Chinese message naming the file when one cannot be used.

Split from :mod:`drafter.review.session` so the session module holds the models and the
``Session`` store; this is the file format underneath both.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from drafter.errors import DrafterError

SCHEMA_VERSION = 1
BACKUP_SUFFIX = ".bak"
M = TypeVar("M", bound=BaseModel)


class Unreadable(Exception):
    """A session file that cannot be parsed; the message is Chinese and names the file."""


def load_model(path: Path, model: type[M]) -> M:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise Unreadable(f"缺少文件 {path}") from None
    except OSError as exc:
        raise Unreadable(f"无法读取 {path}：{exc.strerror or exc}") from None
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise Unreadable(f"{path} 不是 UTF-8 文本，文件已损坏") from None
    except json.JSONDecodeError as exc:
        raise Unreadable(
            f"{path} 不是有效的 JSON（第 {exc.lineno} 行第 {exc.colno} 列：{exc.msg}），文件已损坏"
        ) from None
    if isinstance(data, dict):
        found = data.get("schema_version", SCHEMA_VERSION)
        if isinstance(found, int) and found > SCHEMA_VERSION:
            raise DrafterError(
                f"{path} 由更新版本的 drafter 写入（schema_version={found}，"
                f"本程序支持 {SCHEMA_VERSION}）。",
                hint="升级 drafter 后再打开该会话目录。",
            )
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "顶层"
        raise Unreadable(f"{path} 的内容不符合格式（{where}：{err['msg']}），文件已损坏") from None


def backup_path(path: Path) -> Path:
    return path.with_name(path.name + BACKUP_SUFFIX)


def load_with_backup(path: Path, model: type[M]) -> tuple[M, str | None]:
    """The file, or its .bak when the file is damaged (with a note saying so)."""
    try:
        return load_model(path, model), None
    except Unreadable as first:
        backup = backup_path(path)
        if not backup.exists():
            raise
        try:
            found = load_model(backup, model)
        except Unreadable:
            raise Unreadable(f"{first}；备份 {backup} 也无法使用") from None
        return found, f"{first}；已改用上一份完好的备份 {backup}（可能缺少最后一次修改）。"


def parses_as(raw: bytes, model: type[BaseModel]) -> bool:
    try:
        model.model_validate_json(raw)
    except (ValidationError, ValueError):
        return False
    return True
