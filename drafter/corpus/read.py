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
import stat
import unicodedata
import warnings
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from io import BytesIO
from pathlib import Path

from drafter.corpus.read_docx import docx_text
from drafter.corpus.read_errors import (
    MAGIC_OLE,
    MAGIC_PDF,
    MAGIC_ZIP,
    NEED_TEXT_VERSION,
    OLE_HINT,
    WORD_SAVE_AS,
    ZIP_HINT,
    format_mb,
    refuse,
)
from drafter.errors import InputError
from drafter.models import SourceText

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

_SNIFF_BYTES = 8 * 1024
_MAX_CONTROL_SHARE = 0.05  # share of control characters above which "text" is binary
_MIN_PDF_CHARS_PER_PAGE = 10  # fewer non-blank characters per page: no text layer
_MAX_PDF_PAGES = 2000  # a yearly summary has tens of pages; text extraction is ~1 ms a page

_SUPPORTED_LIST = ".txt、.md、.docx、.pdf"

_SAVE_AS_UTF8 = "请用记事本或 WPS 打开后“另存为”UTF-8 编码的 .txt 再导入"

# Why an explicitly named file with an unsupported suffix is refused, and what to do.
_UNSUPPORTED_FIX: dict[str, str] = {
    **dict.fromkeys(
        (".doc", ".wps", ".wpt", ".dot", ".dotx", ".docm", ".dotm", ".rtf", ".odt"),
        WORD_SAVE_AS,
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
        f"图片里没有可读取的文字，{NEED_TEXT_VERSION}",
    ),
    **dict.fromkeys(
        (".zip", ".rar", ".7z", ".tar", ".gz"),
        "这是压缩包，请先解压，再导入解压出来的文件夹",
    ),
}


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
            yield refuse(path, f"找不到文件或目录：{path}。请检查路径是否写错。")
            continue
        except OSError as exc:
            yield _os_error(path, exc)
            continue

        if stat.S_ISDIR(st.st_mode):
            yield from _expand_folder(path, seen)
        elif not stat.S_ISREG(st.st_mode):
            yield refuse(path, f"{path}：不是普通文件，无法导入。请指定文档文件或文件夹。")
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
    legacy = {s: n for s, n in sorted(skipped.items()) if _UNSUPPORTED_FIX.get(s) == WORD_SAVE_AS}
    if legacy:
        counts = "、".join(f"{n} 个 {s} 文件" for s, n in legacy.items())
        message += f"其中有 {counts}，{WORD_SAVE_AS}。"
    else:
        message += "请检查是否选错了文件夹。"
    yield refuse(folder, message)


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
        return refuse(
            path,
            f"{path}：没有扩展名，无法判断文件格式。"
            f"请把扩展名改成与内容相符的 {_SUPPORTED_LIST} 之一后再导入。",
        )
    fix = _UNSUPPORTED_FIX.get(suffix, f"目前只能导入 {_SUPPORTED_LIST} 文件")
    return refuse(path, f"{path}：暂不支持 {suffix} 格式：{fix}。")


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
    return refuse(path, message)


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
        text = docx_text(path, data, max_unzipped_bytes=limit)
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
            raise refuse(path, f"{path}：这是文件夹，不是文件。请指定其中的文档文件。")
        if not stat.S_ISREG(st.st_mode):
            raise refuse(path, f"{path}：不是普通文件，无法导入。请指定文档文件。")
        if st.st_size > max_bytes:
            raise _too_large_error(path, st.st_size, max_bytes)
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)  # the file may have grown since stat()
    except FileNotFoundError:
        raise refuse(path, f"找不到文件：{path}。请检查路径是否写错。") from None
    except OSError as exc:
        raise _os_error(path, exc) from exc
    if len(data) > max_bytes:
        raise _too_large_error(path, len(data), max_bytes)
    return data


def _too_large_error(path: Path, size: int, limit: int) -> InputError:
    size_text, limit_text = format_mb(size, limit)
    return refuse(
        path,
        f"{path}：文件大小 {size_text}，超过上限 {limit_text}。"
        "请把它拆分成几个较小的文件分别导入，"
        "或调大上限（环境变量 DRAFTER_MAX_FILE_MB，或配置文件中的 max_file_mb）。",
    )


def _empty_error(path: Path, fmt: str | None = None) -> InputError:
    if fmt == "docx":
        message = f"{path}：Word 文档中没有文字（可能只有图片或扫描页）。{NEED_TEXT_VERSION}。"
    else:
        message = f"{path}：文件为空（没有文字内容）。请确认选对了文件。"
    return refuse(path, message)


# --------------------------------------------------------------------------- binary sniffing


# (magic number, what the content is, what to do) for refusing a binary in a text file.
_BINARY_KINDS: tuple[tuple[bytes, str, str], ...] = (
    *((magic, ZIP_HINT, "如果是 Word 文档，请把扩展名改为 .docx 后再导入") for magic in MAGIC_ZIP),
    (MAGIC_PDF, "内容是 PDF 文件", "请把扩展名改为 .pdf 后再导入"),
    (MAGIC_OLE, OLE_HINT, WORD_SAVE_AS),
    (b"\x89PNG\r\n\x1a\n", "内容是图片", NEED_TEXT_VERSION),
    (b"\xff\xd8\xff", "内容是图片", NEED_TEXT_VERSION),
    (b"GIF8", "内容是图片", NEED_TEXT_VERSION),
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
    return refuse(path, f"{path}：不是文本文件（{kind}）。{fix}。")


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
                raise refuse(
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
        raise refuse(
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
    if MAGIC_PDF not in data[:1024]:  # readers accept the header within the first 1 KiB
        sniffed = _sniff_binary(data)
        if sniffed is not None and sniffed[0] in (ZIP_HINT, OLE_HINT):
            kind = "Word（.docx）文件" if sniffed[0] == ZIP_HINT else "旧版 Word/WPS 文件"
            raise refuse(path, f"{path}：这不是 PDF，而是{kind}改了扩展名。{WORD_SAVE_AS}。")
        raise refuse(
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
                raise refuse(
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
            raise refuse(
                path,
                f"{path}：PDF 使用了 AES 加密（常见于“禁止复制/打印”等权限设置），"
                "读取需要 cryptography 组件。请执行 pip install cryptography 后重试，"
                "或用 PDF 阅读器另存为不加密的 PDF。",
            ) from exc
        except Exception as exc:  # pypdf raises many types for a damaged file
            raise refuse(
                path,
                f"{path}：PDF 文件已损坏，无法读取。"
                "请用 PDF 阅读器打开后另存一份再导入，或提供 Word/文本版本。",
            ) from exc

    if not pages:
        raise refuse(
            path,
            f"{path}：PDF 文件中没有任何页面（文件可能已损坏）。"
            "请用 PDF 阅读器打开确认后另存一份再导入，或提供 Word/文本版本。",
        )
    text = "\n".join(pages)
    visible = sum(1 for ch in text if not ch.isspace())
    if visible < _MIN_PDF_CHARS_PER_PAGE * len(pages):
        raise refuse(path, f"{path}：PDF 没有文字层（可能是扫描件），{NEED_TEXT_VERSION}。")
    return text


def _pdf_password_error(path: Path) -> InputError:
    return refuse(
        path,
        f"{path}：PDF 设置了打开密码，无法读取。"
        "请用 PDF 阅读器输入密码后另存为不加密的 PDF，或提供 Word/文本版本。",
    )
