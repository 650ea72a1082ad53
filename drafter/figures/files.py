"""Reading a figures file's bytes safely: size limits and encodings.

Split out of the figures loader so that the YAML loader (:mod:`drafter.figures.load`) and
the table reader (:mod:`drafter.figures.tables`) share it without importing each other.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from drafter.errors import InputError


def decode_text(path: Path, data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Notepad's "Unicode": UTF-16 with BOM
        with contextlib.suppress(UnicodeDecodeError):
            return data.decode("utf-16")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InputError(
        f"{path}：无法识别文件编码", hint="请另存为 UTF-8 编码的文本文件", path=str(path)
    )


# A figures file is a few KB (the example: 7 KB); far beyond these it is the wrong file,
# and parsing it would take minutes.
MAX_TEXT_BYTES = 2 * 1024 * 1024


def read_bytes(path: Path, limit: int = MAX_TEXT_BYTES) -> bytes:
    try:
        size = path.stat().st_size
        if size > limit and path.is_file():
            raise InputError(
                f"{path}：文件大小 {size / 1024 / 1024:.1f} MB，超过数据文件的上限"
                f" {limit // 1024 // 1024} MB",
                hint="数据文件一般只有几十 KB，请确认选对了文件；表格中请删除与指标无关的工作表、图片和大段内容",
                path=str(path),
            )
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError(
            f"找不到数据文件：{path}", hint="检查文件路径和文件名是否正确", path=str(path)
        ) from None
    except IsADirectoryError:
        raise InputError(
            f"{path} 是目录，不是数据文件",
            hint="指定一个 .yaml、.xlsx 或 .csv 文件",
            path=str(path),
        ) from None
    except OSError as exc:
        raise InputError(
            f"无法读取数据文件：{path}（{exc.strerror}）",
            hint="检查文件权限，或文件是否被其他程序占用",
            path=str(path),
        ) from None
