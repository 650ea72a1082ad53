"""Read past work summaries from disk: find the input files, then turn each into raw text.

Two entry points:

* ``iter_input_files`` expands the paths a user gave (files and folders) into the files to
  read, yielding an ``InputError`` for every path it has to refuse, so an ingest command
  can go on with the batch and still report each refusal with its reason.
* ``read_document`` reads one .txt / .md / .docx / .pdf file into a ``SourceText``. Every
  problem a user can fix (wrong format, bad encoding, encrypted, scanned PDF, oversized,
  corrupt, ...) is raised as an ``InputError`` with a Simplified Chinese message that
  names the file, says what is wrong and what to do; no raw traceback for a bad file.

The text is returned as read: only line endings are normalised to ``\\n``. Cleaning is the
next stage's job.
"""

from __future__ import annotations

import logging
import os
import re
import stat
import unicodedata
import warnings
import zipfile
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Any

from drafter.corpus.docx_numbering import DocxStructure
from drafter.errors import InputError
from drafter.models import SourceText
from drafter.text.markers import has_marker, heading_marker, join_marker

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_UNZIPPED_BYTES",
    "SUPPORTED_SUFFIXES",
    "collect_input_files",
    "iter_input_files",
    "read_document",
]

SUPPORTED_SUFFIXES: frozenset[str] = frozenset({".txt", ".md", ".docx", ".pdf"})

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
# A .docx is a zip: refuse one whose members would unpack to more than this (zip bomb guard).
# The effective limit is the larger of this and 10 × max_bytes, unless given explicitly.
DEFAULT_MAX_UNZIPPED_BYTES = 200 * 1024 * 1024
_MAX_ZIP_MEMBERS = 10_000
# Deflated XML rarely exceeds ~30:1; a long run of zeros reaches ~1000:1.
_MAX_COMPRESSION_RATIO = 100
_RATIO_CHECK_MIN_BYTES = 1024 * 1024  # small members may legitimately compress very well

_SNIFF_BYTES = 8 * 1024
_MAX_CONTROL_SHARE = 0.05  # share of control characters above which "text" is binary
_MIN_PDF_CHARS_PER_PAGE = 10  # fewer non-blank characters per page: no text layer
_MAX_PDF_PAGES = 2000  # a yearly summary has tens of pages; text extraction is ~1 ms a page

_SUPPORTED_LIST = ".txt、.md、.docx、.pdf"

_MAGIC_ZIP = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_MAGIC_PDF = b"%PDF-"
_MAGIC_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old .doc/.xls/.wps, and encrypted Office

_WORD_SAVE_AS = "请在 Word/WPS 中另存为 .docx 后再导入"
_SAVE_AS_UTF8 = "请用记事本或 WPS 打开后“另存为”UTF-8 编码的 .txt 再导入"
_NEED_TEXT_VERSION = "请先用 OCR 转成文字，或提供 Word/文本版本"

# Why an explicitly named file with an unsupported suffix is refused, and what to do.
_UNSUPPORTED_FIX: dict[str, str] = {
    **dict.fromkeys(
        (".doc", ".wps", ".wpt", ".dot", ".dotx", ".docm", ".dotm", ".rtf", ".odt"),
        _WORD_SAVE_AS,
    ),
    ".ofd": "请用 OFD 阅读器导出为带文字的 PDF 或文本后再导入",
    ".ceb": "请用对应阅读器导出为带文字的 PDF 或文本后再导入",
    **dict.fromkeys(
        (".xls", ".xlsx", ".xlsm", ".et", ".csv", ".ods"),
        "这里导入的是工作总结正文，请提供 Word（.docx）、PDF 或文本（.txt/.md）版本",
    ),
    **dict.fromkeys(
        (".ppt", ".pptx", ".dps"),
        "请把演示文稿中的文字复制到 Word 或文本文件后再导入",
    ),
    **dict.fromkeys(
        (".htm", ".html", ".mht", ".mhtml", ".xml"),
        "请在浏览器或 Word/WPS 中另存为 .docx 或纯文本 .txt 后再导入",
    ),
    **dict.fromkeys(
        (".jpg", ".jpeg", ".png", ".gif", ".bmp", ".tif", ".tiff", ".webp"),
        f"图片里没有可读取的文字，{_NEED_TEXT_VERSION}",
    ),
    **dict.fromkeys(
        (".zip", ".rar", ".7z", ".tar", ".gz"),
        "这是压缩包，请先解压，再导入解压出来的文件夹",
    ),
}


def _refuse(path: Path, message: str) -> InputError:
    """The error for a refused path; ``error.path`` is the path as given."""
    return InputError(message, path=str(path))


# --------------------------------------------------------------------------- finding files


def iter_input_files(paths: Iterable[Path | str]) -> Iterator[Path | InputError]:
    """Expand the given paths into the files to read, in a deterministic order.

    Yields, in the order the paths were given:

    * a ``Path`` for every file to read: explicitly named files with a supported suffix, and
      files with a supported suffix found by walking named folders recursively (entries
      sorted by name; hidden files and folders and Office lock files ``~$*`` are skipped;
      files with other suffixes inside folders are skipped silently);
    * an ``InputError`` for every path refused: a path that does not exist, an
      explicitly named file of an unsupported format, a folder that cannot be listed, or a
      folder that holds no file to import.

    A file reached twice (named twice, or named and also inside a named folder) is yielded
    once. Nothing is read here; ``read_document`` may still refuse a yielded file.
    """
    seen: set[str] = set()
    for given in paths:
        path = Path(given)
        try:
            st = path.stat()
        except FileNotFoundError:
            yield _refuse(path, f"找不到文件或目录：{path}。请检查路径是否写错。")
            continue
        except OSError as exc:
            yield _os_error(path, exc)
            continue

        if stat.S_ISDIR(st.st_mode):
            yield from _expand_folder(path, seen)
        elif not stat.S_ISREG(st.st_mode):
            yield _refuse(path, f"{path}：不是普通文件，无法导入。请指定文档文件或文件夹。")
        elif (problem := _unsupported_error(path)) is not None:
            yield problem
        elif _mark_seen(path, seen):
            yield path


def collect_input_files(paths: Iterable[Path | str]) -> tuple[list[Path], list[InputError]]:
    """``iter_input_files`` split into (files to read, refusals), each in order."""
    files: list[Path] = []
    problems: list[InputError] = []
    for item in iter_input_files(paths):
        if isinstance(item, Path):
            files.append(item)
        else:
            problems.append(item)
    return files, problems


def _expand_folder(folder: Path, seen: set[str]) -> Iterator[Path | InputError]:
    skipped: Counter[str] = Counter()
    found = False
    had_error = False
    for item in _walk(folder, skipped, visited=set()):
        if isinstance(item, Path):
            found = True
            if _mark_seen(item, seen):
                yield item
        else:
            had_error = True
            yield item
    if found or had_error:
        return
    message = f"{folder}：文件夹中没有可导入的文件（支持 {_SUPPORTED_LIST}）。"
    legacy = {s: n for s, n in sorted(skipped.items()) if _UNSUPPORTED_FIX.get(s) == _WORD_SAVE_AS}
    if legacy:
        counts = "、".join(f"{n} 个 {s} 文件" for s, n in legacy.items())
        message += f"其中有 {counts}，{_WORD_SAVE_AS}。"
    else:
        message += "请检查是否选错了文件夹。"
    yield _refuse(folder, message)


def _walk(folder: Path, skipped: Counter[str], *, visited: set[str]) -> Iterator[Path | InputError]:
    """Depth-first walk of one folder, entries sorted by name; symlink loops are cut."""
    visited.add(_identity(folder))
    try:
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=lambda entry: entry.name)
    except OSError as exc:
        yield _os_error(folder, exc, what="文件夹")
        return
    for entry in entries:
        if _is_skipped_name(entry.name) or _has_hidden_attribute(entry):
            continue
        child = folder / entry.name
        try:
            is_dir = entry.is_dir()
            is_file = entry.is_file()
        except OSError:
            continue
        if is_dir:
            if _identity(child) not in visited:
                yield from _walk(child, skipped, visited=visited)
        elif is_file:
            suffix = child.suffix.lower()
            if suffix in SUPPORTED_SUFFIXES:
                yield child
            else:
                skipped[suffix] += 1


_PROJECT_DOC_STEMS = ("readme", "license", "changelog", "contributing")


def _is_skipped_name(name: str) -> bool:
    # ".name": hidden on Unix (also WPS lock files ".~name"); "~$name": Office lock files.
    # README/LICENSE files describe a folder; they are never summaries (named explicitly,
    # they are still read).
    if name.lower().split(".")[0] in _PROJECT_DOC_STEMS:
        return True
    return name.startswith((".", "~$"))


def _has_hidden_attribute(entry: os.DirEntry[str]) -> bool:
    """The Windows "hidden" attribute (always False elsewhere)."""
    try:
        attributes: int = getattr(entry.stat(follow_symlinks=False), "st_file_attributes", 0)
    except OSError:
        return False
    return bool(attributes & 0x2)  # FILE_ATTRIBUTE_HIDDEN


def _identity(path: Path) -> str:
    return os.path.normcase(os.path.realpath(path))


def _mark_seen(path: Path, seen: set[str]) -> bool:
    """Record ``path``; False if it was seen before."""
    key = _identity(path)
    if key in seen:
        return False
    seen.add(key)
    return True


def _unsupported_error(path: Path) -> InputError | None:
    suffix = path.suffix.lower()
    if suffix in SUPPORTED_SUFFIXES:
        return None
    if not suffix:
        return _refuse(
            path,
            f"{path}：没有扩展名，无法判断文件格式。"
            f"请把扩展名改成与内容相符的 {_SUPPORTED_LIST} 之一后再导入。",
        )
    fix = _UNSUPPORTED_FIX.get(suffix, f"目前只能导入 {_SUPPORTED_LIST} 文件")
    return _refuse(path, f"{path}：暂不支持 {suffix} 格式：{fix}。")


def _os_error(path: Path, exc: OSError, *, what: str = "文件") -> InputError:
    if isinstance(exc, PermissionError):
        message = (
            f"{path}：没有读取这个{what}的权限。请检查权限，或把它复制到自己有权限的位置再导入。"
        )
    else:
        reason = exc.strerror or type(exc).__name__
        message = (
            f"{path}：读取{what}失败（{reason}）。"
            "请确认它没有被其他程序占用、所在磁盘可以访问，或复制一份后再导入。"
        )
    return _refuse(path, message)


# --------------------------------------------------------------------------- reading files


def read_document(
    path: Path,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_unzipped_bytes: int | None = None,
) -> SourceText:
    """Read one .txt / .md / .docx / .pdf file as raw text.

    ``max_bytes`` caps the file size; ``max_unzipped_bytes`` caps what a .docx may unpack
    to (default: the larger of ``DEFAULT_MAX_UNZIPPED_BYTES`` and 10 × ``max_bytes``).
    Raises ``InputError`` (with ``path`` set) for anything wrong with the file.
    """
    path = Path(path)
    problem = _unsupported_error(path)
    if problem is not None:
        raise problem
    fmt = path.suffix.lower().lstrip(".")
    data = _read_bytes(path, max_bytes)
    if not data:
        raise _empty_error(path)

    encoding: str | None = None
    if fmt in ("txt", "md"):
        text, encoding = _decode_text(path, data)
    elif fmt == "docx":
        limit = max_unzipped_bytes
        if limit is None:
            limit = max(DEFAULT_MAX_UNZIPPED_BYTES, 10 * max_bytes)
        text = _read_docx(path, data, max_unzipped_bytes=limit)
    else:
        text = _read_pdf(path, data)

    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise _empty_error(path, fmt)
    return SourceText(path=path, text=text, format=fmt, encoding=encoding)


def _read_bytes(path: Path, max_bytes: int) -> bytes:
    try:
        st = path.stat()
        if stat.S_ISDIR(st.st_mode):
            raise _refuse(path, f"{path}：这是文件夹，不是文件。请指定其中的文档文件。")
        if not stat.S_ISREG(st.st_mode):
            raise _refuse(path, f"{path}：不是普通文件，无法导入。请指定文档文件。")
        if st.st_size > max_bytes:
            raise _too_large_error(path, st.st_size, max_bytes)
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)  # the file may have grown since stat()
    except FileNotFoundError:
        raise _refuse(path, f"找不到文件：{path}。请检查路径是否写错。") from None
    except OSError as exc:
        raise _os_error(path, exc) from exc
    if len(data) > max_bytes:
        raise _too_large_error(path, len(data), max_bytes)
    return data


def _too_large_error(path: Path, size: int, limit: int) -> InputError:
    size_text, limit_text = _format_mb(size, limit)
    return _refuse(
        path,
        f"{path}：文件大小 {size_text}，超过上限 {limit_text}。"
        "请把它拆分成几个较小的文件分别导入，"
        "或调大上限（环境变量 DRAFTER_MAX_FILE_MB，或配置文件中的 max_file_mb）。",
    )


def _format_mb(size: int, limit: int) -> tuple[str, str]:
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


def _empty_error(path: Path, fmt: str | None = None) -> InputError:
    if fmt == "docx":
        message = f"{path}：Word 文档中没有文字（可能只有图片或扫描页）。{_NEED_TEXT_VERSION}。"
    else:
        message = f"{path}：文件为空（没有文字内容）。请确认选对了文件。"
    return _refuse(path, message)


# --------------------------------------------------------------------------- binary sniffing

_OLE_HINT = "内容是旧版 Word（.doc）、Excel 或 WPS 格式的文件"
_ZIP_HINT = "内容是 ZIP 压缩格式，可能是改了扩展名的 Word（.docx）文件"

# (magic number, what the content is, what to do) for refusing a binary in a text file.
_BINARY_KINDS: tuple[tuple[bytes, str, str], ...] = (
    *(
        (magic, _ZIP_HINT, "如果是 Word 文档，请把扩展名改为 .docx 后再导入")
        for magic in _MAGIC_ZIP
    ),
    (_MAGIC_PDF, "内容是 PDF 文件", "请把扩展名改为 .pdf 后再导入"),
    (_MAGIC_OLE, _OLE_HINT, _WORD_SAVE_AS),
    (b"\x89PNG\r\n\x1a\n", "内容是图片", _NEED_TEXT_VERSION),
    (b"\xff\xd8\xff", "内容是图片", _NEED_TEXT_VERSION),
    (b"GIF8", "内容是图片", _NEED_TEXT_VERSION),
    (b"Rar!\x1a\x07", "内容是压缩包", "请先解压，再导入解压出来的文件"),
    (b"7z\xbc\xaf\x27\x1c", "内容是压缩包", "请先解压，再导入解压出来的文件"),
    (b"\x1f\x8b", "内容是压缩包", "请先解压，再导入解压出来的文件"),
)


def _sniff_binary(data: bytes) -> tuple[str, str] | None:
    """(what the content is, what to do) when ``data`` starts with a known binary magic."""
    for magic, kind, fix in _BINARY_KINDS:
        if data.startswith(magic):
            return kind, fix
    return None


def _not_text_error(path: Path, kind: str, fix: str) -> InputError:
    return _refuse(path, f"{path}：不是文本文件（{kind}）。{fix}。")


# --------------------------------------------------------------------------- .txt / .md

_BOMS: tuple[tuple[bytes, str, str], ...] = (
    # UTF-32 before UTF-16: the UTF-32 LE BOM starts with the UTF-16 LE one.
    (b"\xff\xfe\x00\x00", "utf-32", "UTF-32"),
    (b"\x00\x00\xfe\xff", "utf-32", "UTF-32"),
    (b"\xef\xbb\xbf", "utf-8-sig", "UTF-8"),
    (b"\xff\xfe", "utf-16", "UTF-16"),
    (b"\xfe\xff", "utf-16", "UTF-16"),
)


def _decode_text(path: Path, data: bytes) -> tuple[str, str]:
    """Decode a text file; returns (text, encoding)."""
    sniffed = _sniff_binary(data)
    if sniffed is not None:
        raise _not_text_error(path, *sniffed)

    text, encoding = _decode_with_bom(path, data) or _decode_without_bom(path, data)
    if _control_share(text[:_SNIFF_BYTES]) > _MAX_CONTROL_SHARE:
        raise _not_text_error(path, "含有大量二进制数据", f"如果它确实是文本文件，{_SAVE_AS_UTF8}")
    return text, encoding


def _decode_with_bom(path: Path, data: bytes) -> tuple[str, str] | None:
    for bom, codec, label in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec), codec
            except UnicodeDecodeError:
                raise _refuse(
                    path,
                    f"{path}：文件开头标明是 {label} 编码，但内容有损坏，无法解码。"
                    f"{_SAVE_AS_UTF8}。",
                ) from None
    return None


def _decode_without_bom(path: Path, data: bytes) -> tuple[str, str]:
    if b"\x00" in data[:_SNIFF_BYTES]:
        raise _not_text_error(
            path,
            "含有二进制数据",
            f"如果它确实是文本文件（例如没有 BOM 的 UTF-16 编码），{_SAVE_AS_UTF8}",
        )
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    # A UTF-8 file with a few damaged bytes (e.g. cut off mid-character) would otherwise
    # "succeed" as GB18030 and come out as mojibake; keep it as UTF-8 with U+FFFD marks.
    lenient = data.decode("utf-8", errors="replace")
    damaged = lenient.count("\ufffd")
    non_ascii = len(lenient) - len(lenient.encode("ascii", "ignore")) - damaged
    if damaged * 100 < non_ascii:
        return lenient, "utf-8"
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError:
        pass
    mixed = _decode_by_line(data)
    if mixed is not None:
        return mixed, "utf-8+gb18030"
    guessed = _guess_encoding(data)
    if guessed is None:
        raise _refuse(
            path,
            f"{path}：无法识别文件的文字编码（不是 UTF-8 或 GB18030/GBK，"
            f"按其他常见编码解读也不是中文）。{_SAVE_AS_UTF8}。",
        )
    return guessed


def _decode_by_line(data: bytes) -> str | None:
    """A file pasted together from UTF-8 and GB18030 sources: each line in its own
    encoding (UTF-8 first: GB18030 text is almost never valid UTF-8)."""
    lines: list[str] = []
    for raw in data.split(b"\n"):
        for codec in ("utf-8", "gb18030"):
            try:
                lines.append(raw.decode(codec))
                break
            except UnicodeDecodeError:
                continue
        else:
            return None
    return "\n".join(lines)


def _guess_encoding(data: bytes) -> tuple[str, str] | None:
    """Last resort: charset-normalizer; only trusted when the result contains Chinese."""
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        return None
    text = str(best)
    if not any("\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf" for ch in text):
        return None  # a Chinese summary decoded without any Chinese is mojibake
    return text, str(best.encoding)


def _control_share(sample: str) -> float:
    if not sample:
        return 0.0
    controls = sum(
        1 for ch in sample if ch not in "\t\n\r\f\v" and unicodedata.category(ch) == "Cc"
    )
    return controls / len(sample)


# --------------------------------------------------------------------------- .docx

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
_W_P, _W_TBL, _W_TR, _W_TC = f"{_W}p", f"{_W}tbl", f"{_W}tr", f"{_W}tc"
_W_SDT, _W_SDT_CONTENT, _W_CUSTOM_XML = f"{_W}sdt", f"{_W}sdtContent", f"{_W}customXml"
_W_T, _W_TAB, _W_PTAB, _W_BR, _W_CR = f"{_W}t", f"{_W}tab", f"{_W}ptab", f"{_W}br", f"{_W}cr"
_W_NO_BREAK_HYPHEN = f"{_W}noBreakHyphen"
_W_PPR, _W_PSTYLE, _W_NUMPR = f"{_W}pPr", f"{_W}pStyle", f"{_W}numPr"
_W_NUMID, _W_ILVL, _W_OUTLINE, _W_VAL = f"{_W}numId", f"{_W}ilvl", f"{_W}outlineLvl", f"{_W}val"
_MC_ALTERNATE, _MC_CHOICE = f"{_MC}AlternateContent", f"{_MC}Choice"
# Inside a paragraph: properties, deleted/moved-away revisions, drawings and text boxes
# (their text would otherwise appear in the middle of the paragraph, or twice via VML).
_W_SKIP = frozenset(
    f"{_W}{name}"
    for name in ("pPr", "rPr", "sdtPr", "sdtEndPr", "del", "moveFrom", "drawing", "pict", "object")
)

_DOCX_INVALID = (
    "不是有效的 Word（.docx）文件（文件已损坏，或是其他格式改了扩展名）。"
    "请用 Word/WPS 打开后另存为 .docx 再导入"
)


def _read_docx(path: Path, data: bytes, *, max_unzipped_bytes: int) -> str:
    _check_docx_container(path, data, max_unzipped_bytes)

    import docx

    try:
        document = docx.Document(BytesIO(data))
        structure = DocxStructure.of(document)
        lines: list[_DocxLine] = []
        _collect_blocks(document.element.body, lines, structure)
    except Exception as exc:  # python-docx/lxml/zipfile raise many types for a bad file
        raise _refuse(
            path,
            f"{path}：Word 文档已损坏或格式不正确，无法读取。"
            "请用 Word/WPS 打开后另存为 .docx 再导入。",
        ) from exc
    return "\n".join(_number_style_headings(lines))


@dataclass
class _DocxLine:
    """One line of text; ``outline`` is set for a heading by style that shows no number."""

    text: str
    outline: int | None = None
    title: bool = False


_TITLE_WORDS = re.compile(r"总结|打算|思路|计划|要点|汇报|报告")


def _number_style_headings(lines: list[_DocxLine]) -> list[str]:
    """Give headings marked only by style (Heading 1–4) the 公文 number of their level.

    The shallowest outline level in use becomes 一、, the next （一）, then 1. and （1）,
    so the segmenter sees the same heading tree the reader saw in Word's navigation pane.
    A title-like heading standing first is the document's title, not a heading.
    """
    headings = [
        i
        for i, line in enumerate(lines)
        if line.outline is not None
        and not line.title
        and not (i == 0 and _TITLE_WORDS.search(line.text))
    ]
    if not headings:
        return [line.text for line in lines]
    base = min(lines[i].outline or 0 for i in headings)
    counters = [0] * 5
    out = [line.text for line in lines]
    for i in headings:
        level = (lines[i].outline or 0) - base + 1
        if level > 4:
            continue
        counters[level] += 1
        for deeper in range(level + 1, 5):
            counters[deeper] = 0
        out[i] = join_marker(heading_marker(level, counters[level]), lines[i].text)
    return out


def _check_docx_container(path: Path, data: bytes, max_unzipped_bytes: int) -> None:
    """Refuse what python-docx should never open: non-zip, encrypted, zip bombs, non-Word."""
    if data.startswith(_MAGIC_OLE):
        # An Office file with an open password is an OLE container holding "EncryptedPackage".
        if "EncryptedPackage".encode("utf-16-le") in data:
            message = (
                f"{path}：Word 文档设置了打开密码（已加密），无法读取。"
                "请在 Word/WPS 中取消密码后另存为 .docx 再导入。"
            )
        else:
            message = f"{path}：{_OLE_HINT}，只是扩展名写成了 .docx。{_WORD_SAVE_AS}。"
        raise _refuse(path, message)
    if data.startswith(_MAGIC_PDF):
        raise _refuse(path, f"{path}：这实际上是 PDF 文件。请把扩展名改为 .pdf 后再导入。")

    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError) as exc:
        raise _refuse(path, f"{path}：{_DOCX_INVALID}。") from exc

    declared = sum(member.file_size for member in members)
    too_compressed = any(
        member.file_size > _RATIO_CHECK_MIN_BYTES
        and member.file_size > _MAX_COMPRESSION_RATIO * max(member.compress_size, 1)
        for member in members
    )
    if len(members) > _MAX_ZIP_MEMBERS:
        raise _refuse(
            path,
            f"{path}：文件内部有 {len(members)} 个部件（上限 {_MAX_ZIP_MEMBERS}），"
            "不像是正常的 Word 文档，可能已损坏或是恶意构造的文件，已拒绝读取。"
            "如果这是正常文档，请在 Word/WPS 中另存为 .docx 再导入。",
        )
    if declared > max_unzipped_bytes or too_compressed:
        unpacked, limit = _format_mb(declared, max_unzipped_bytes)
        raise _refuse(
            path,
            f"{path}：文件解压后异常庞大（约 {unpacked}，上限 {limit}）或压缩比异常，"
            "可能已损坏或是恶意构造的文件，已拒绝读取。"
            "如果这是正常文档，请在 Word/WPS 中删除大图片或拆分后另存为 .docx 再导入。",
        )

    names = {member.filename for member in members}
    if "xl/workbook.xml" in names:
        raise _refuse(
            path,
            f"{path}：这是 Excel 表格文件，不是 Word 文档。"
            "请提供工作总结正文的 Word（.docx）、PDF 或文本版本。",
        )
    if "ppt/presentation.xml" in names:
        raise _refuse(
            path,
            f"{path}：这是 PowerPoint 演示文稿，不是 Word 文档。"
            "请把文字复制到 Word 或文本文件后再导入。",
        )
    if "[Content_Types].xml" not in names:
        raise _refuse(path, f"{path}：{_DOCX_INVALID}。")


def _collect_blocks(container: Any, lines: list[_DocxLine], structure: DocxStructure) -> None:
    """Body-level content in document order: paragraphs one per line, table rows one per line.

    A paragraph numbered by Word (numbering.xml) gets its number as Word shows it.
    """
    for child in container:
        tag = child.tag
        if tag == _W_P:
            line = _paragraph_line(child, structure)
            if line.text.strip():
                lines.append(line)
        elif tag == _W_TBL:
            for cells in _table_rows(child, structure):
                if any(cell.strip() for cell in cells):
                    lines.append(_DocxLine("\t".join(cells)))
        elif tag == _W_SDT:
            content = child.find(_W_SDT_CONTENT)
            if content is not None:
                _collect_blocks(content, lines, structure)
        elif tag == _W_CUSTOM_XML:
            _collect_blocks(child, lines, structure)


def _paragraph_line(paragraph: Any, structure: DocxStructure) -> _DocxLine:
    text = _paragraph_text(paragraph)
    ppr = paragraph.find(_W_PPR)
    style_id = num_id = None
    ilvl = outline = None
    if ppr is not None:
        style = ppr.find(_W_PSTYLE)
        style_id = style.get(_W_VAL) if style is not None else None
        num_pr = ppr.find(_W_NUMPR)
        if num_pr is not None:
            num = num_pr.find(_W_NUMID)
            level = num_pr.find(_W_ILVL)
            num_id = num.get(_W_VAL) if num is not None else None
            ilvl = _int_or_none(level.get(_W_VAL)) if level is not None else None
        outline_el = ppr.find(_W_OUTLINE)
        if outline_el is not None:
            outline = _int_or_none(outline_el.get(_W_VAL))
    marker, suffix = structure.marker(style_id, num_id, ilvl)
    if marker:
        return _DocxLine(join_marker(marker, text, suffix=suffix))
    level_of = structure.outline_level(style_id, outline)
    numbered = level_of is not None and not has_marker(text)
    return _DocxLine(
        text, outline=level_of if numbered else None, title=structure.is_title(style_id)
    )


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _table_rows(table: Any, structure: DocxStructure) -> Iterator[list[str]]:
    for row in _children(table, _W_TR):
        # Each w:tc once: a horizontally merged cell is one w:tc; the continuation of a
        # vertically merged cell is an empty w:tc.
        yield [_cell_text(cell, structure) for cell in _children(row, _W_TC)]


def _children(element: Any, tag: str) -> Iterator[Any]:
    """Children with ``tag``, looking through content controls and custom XML wrappers."""
    for child in element:
        if child.tag == tag:
            yield child
        elif child.tag == _W_SDT:
            content = child.find(_W_SDT_CONTENT)
            if content is not None:
                yield from _children(content, tag)
        elif child.tag == _W_CUSTOM_XML:
            yield from _children(child, tag)


def _cell_text(cell: Any, structure: DocxStructure) -> str:
    """A cell on one line: its paragraphs (and nested tables) joined by spaces."""
    lines: list[_DocxLine] = []
    _collect_blocks(cell, lines, structure)
    return " ".join(" ".join(line.text.split()) for line in lines)


def _paragraph_text(paragraph: Any) -> str:
    parts: list[str] = []
    _collect_run_text(paragraph, parts)
    return "".join(parts)


def _collect_run_text(element: Any, parts: list[str]) -> None:
    for child in element:
        tag = child.tag
        if not isinstance(tag, str) or tag in _W_SKIP:
            continue  # comments / processing instructions have non-str tags
        if tag == _W_T:
            parts.append(child.text or "")
        elif tag in (_W_TAB, _W_PTAB):
            parts.append("\t")
        elif tag == _W_BR:
            if child.get(f"{_W}type") in (None, "textWrapping"):
                parts.append("\n")
        elif tag == _W_CR:
            parts.append("\n")
        elif tag == _W_NO_BREAK_HYPHEN:
            parts.append("-")
        elif tag == _MC_ALTERNATE:
            choice = child.find(_MC_CHOICE)
            if choice is not None:
                _collect_run_text(choice, parts)
        else:
            # w:r, w:hyperlink, w:ins, w:moveTo, w:smartTag, w:fldSimple, inline w:sdt, ...
            _collect_run_text(child, parts)


# --------------------------------------------------------------------------- .pdf


@contextmanager
def _quiet_pypdf() -> Iterator[None]:
    """Silence pypdf's warnings and log messages; we report problems ourselves."""
    logger = logging.getLogger("pypdf")
    previous = logger.level
    logger.setLevel(logging.CRITICAL + 1)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.setLevel(previous)


def _read_pdf(path: Path, data: bytes) -> str:
    if _MAGIC_PDF not in data[:1024]:  # readers accept the header within the first 1 KiB
        sniffed = _sniff_binary(data)
        if sniffed is not None and sniffed[0] in (_ZIP_HINT, _OLE_HINT):
            kind = "Word（.docx）文件" if sniffed[0] == _ZIP_HINT else "旧版 Word/WPS 文件"
            raise _refuse(path, f"{path}：这不是 PDF，而是{kind}改了扩展名。{_WORD_SAVE_AS}。")
        raise _refuse(
            path,
            f"{path}：不是有效的 PDF 文件（文件已损坏，或是其他格式改了扩展名）。"
            "请用 PDF 阅读器打开确认后重新导出，或提供 Word/文本版本。",
        )

    from pypdf import PasswordType, PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError

    with _quiet_pypdf():
        try:
            reader = PdfReader(BytesIO(data), strict=False)
            if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
                raise _pdf_password_error(path)
            if len(reader.pages) > _MAX_PDF_PAGES:  # tiny pages: 20 MB holds 170 000 of them
                raise _refuse(
                    path,
                    f"{path}：PDF 共 {len(reader.pages)} 页，超过 {_MAX_PDF_PAGES} 页，"
                    "不像是一篇工作总结，读取会很久。请只导出总结所在的页面后再导入。",
                )
            pages = [page.extract_text() or "" for page in reader.pages]
        except InputError:
            raise
        except FileNotDecryptedError as exc:
            raise _pdf_password_error(path) from exc
        except DependencyError as exc:  # AES needs the optional "cryptography" package
            raise _refuse(
                path,
                f"{path}：PDF 使用了 AES 加密（常见于“禁止复制/打印”等权限设置），"
                "读取需要 cryptography 组件。请执行 pip install cryptography 后重试，"
                "或用 PDF 阅读器另存为不加密的 PDF。",
            ) from exc
        except Exception as exc:  # pypdf raises many types for a damaged file
            raise _refuse(
                path,
                f"{path}：PDF 文件已损坏，无法读取。"
                "请用 PDF 阅读器打开后另存一份再导入，或提供 Word/文本版本。",
            ) from exc

    if not pages:
        raise _refuse(
            path,
            f"{path}：PDF 文件中没有任何页面（文件可能已损坏）。"
            "请用 PDF 阅读器打开确认后另存一份再导入，或提供 Word/文本版本。",
        )
    text = "\n".join(pages)
    visible = sum(1 for ch in text if not ch.isspace())
    if visible < _MIN_PDF_CHARS_PER_PAGE * len(pages):
        raise _refuse(path, f"{path}：PDF 没有文字层（可能是扫描件），{_NEED_TEXT_VERSION}。")
    return text


def _pdf_password_error(path: Path) -> InputError:
    return _refuse(
        path,
        f"{path}：PDF 设置了打开密码，无法读取。"
        "请用 PDF 阅读器输入密码后另存为不加密的 PDF，或提供 Word/文本版本。",
    )
