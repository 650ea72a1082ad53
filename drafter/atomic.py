"""Atomic file writes: a reader sees the old file or the new one, never half of either.

The new content goes to a temporary file in the same directory (same filesystem, so the
rename is atomic), is flushed and fsynced, then ``os.replace``-d over the target; the
directory is fsynced afterwards so the rename itself survives a power cut. On any
failure the old file is untouched and the temporary file is removed.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import secrets
import stat
from pathlib import Path
from typing import Any

from drafter.errors import InputError

TMP_SUFFIX = ".tmp"

_NO_SPACE = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}
_NOT_WRITABLE = {errno.EACCES, errno.EPERM, errno.EROFS}


class WriteError(InputError):
    """A file could not be written; ``path`` names it and the old content is intact."""


def _write_error(path: Path, exc: OSError) -> WriteError:
    if exc.errno in _NO_SPACE:
        return WriteError(
            f"无法写入 {path}：磁盘空间不足，原文件未改动。",
            hint="清理磁盘空间后重试。",
            path=str(path),
        )
    if exc.errno in _NOT_WRITABLE:
        return WriteError(
            f"无法写入 {path}：目录 {path.parent} 不可写（权限不足或只读文件系统），原文件未改动。",
            hint="检查该目录的写权限，或换一个可写的目录。",
            path=str(path),
        )
    if exc.errno == errno.ENOENT:
        return WriteError(
            f"无法写入 {path}：目录 {path.parent} 不存在。",
            hint="先创建该目录，或检查路径是否写错。",
            path=str(path),
        )
    reason = exc.strerror or str(exc)
    return WriteError(f"无法写入 {path}：{reason}，原文件未改动。", path=str(path))


def _fsync_dir(directory: Path) -> None:
    """Persist a rename; best effort where directories cannot be opened (Windows)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _open_temp(path: Path) -> tuple[int, Path]:
    """Create ``.<name>.<random>.tmp`` beside ``path``; the process umask applies to it."""
    for _ in range(100):
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}{TMP_SUFFIX}")
        try:
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "无法创建临时文件", str(path.parent))


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically; WriteError (naming the path) on failure."""
    path = Path(path)
    try:
        fd, tmp = _open_temp(path)
    except OSError as exc:
        raise _write_error(path, exc) from exc
    try:
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            with contextlib.suppress(OSError):  # keep the permissions of the file replaced
                os.chmod(tmp, stat.S_IMODE(os.stat(path).st_mode))
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise _write_error(path, exc) from exc
    _fsync_dir(path.parent)


def atomic_write_text(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` (UTF-8) atomically."""
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: Path, data: Any) -> None:
    """Replace ``path`` with ``data`` as readable UTF-8 JSON (indented, Chinese unescaped)."""
    text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    atomic_write_text(path, text)
