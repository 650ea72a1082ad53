"""How the readers refuse a file: the ``InputError`` they raise, the file signatures they
sniff and the advice they share.

A module of its own so that ``read`` (text, PDF, finding files) and ``read_docx`` (Word)
both use it without importing each other.
"""

from __future__ import annotations

from pathlib import Path

from drafter.errors import InputError

MAGIC_ZIP = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
MAGIC_PDF = b"%PDF-"
MAGIC_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old .doc/.xls/.wps, and encrypted Office
WORD_SAVE_AS = "请在 Word/WPS 中另存为 .docx 后再导入"
NEED_TEXT_VERSION = "请先用 OCR 转成文字，或提供 Word/文本版本"
OLE_HINT = "内容是旧版 Word（.doc）、Excel 或 WPS 格式的文件"
ZIP_HINT = "内容是 ZIP 压缩格式，可能是改了扩展名的 Word（.docx）文件"


def refuse(path: Path, message: str) -> InputError:
    """The error for a refused path; ``error.path`` is the path as given."""
    return InputError(message, path=str(path))


def format_mb(size: int, limit: int) -> tuple[str, str]:
    """Both sizes in MB, with enough decimals that a size over the limit never looks equal."""
    mib = 1024 * 1024
    for decimals in range(1, 7):
        size_text = f"{size / mib:.{decimals}f}"
        limit_text = f"{limit / mib:.{decimals}f}"
        if size_text != limit_text and float(size_text) > 0 and float(limit_text) > 0:
            break
    return f"{_trim(size_text)} MB", f"{_trim(limit_text)} MB"


def _trim(number: str) -> str:
    return number.rstrip("0").rstrip(".") if "." in number else number
