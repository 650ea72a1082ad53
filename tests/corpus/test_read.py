"""Reading input files: finding them, decoding text, Word and PDF, and refusing bad files.

Every input is generated in tmp_path; no binary fixtures live in the repository.
"""

from __future__ import annotations

import logging
import random
import re
import struct
import zipfile
from io import BytesIO
from pathlib import Path

import docx
import pytest
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from pypdf import PdfReader, PdfWriter

from drafter.corpus.read import (
    SUPPORTED_SUFFIXES,
    collect_input_files,
    iter_input_files,
    read_document,
)
from drafter.errors import InputError
from drafter.testing.documents import make_pdf

SUMMARY = "示例县科学技术局2024年工作总结\n一、工作开展情况\n全年共组织科技项目申报56项。\n"


# --------------------------------------------------------------------------- helpers


def refusal(path: Path, **kwargs: int) -> str:
    """Read ``path`` expecting an InputError; check the message is usable and return it.

    pytest.raises(InputError) lets any other exception type escape and fail the test.
    """
    with pytest.raises(InputError) as caught:
        read_document(path, **kwargs)
    return checked_message(caught.value, path)


def checked_message(error: InputError, path: Path) -> str:
    message = str(error)
    assert re.search(r"[\u4e00-\u9fff]", message), message  # Chinese
    assert str(path) in message, message  # names the file as given
    assert error.path == str(path)
    return message


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def pdf_bytes(writer: PdfWriter) -> bytes:
    buffer = BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def make_docx(path: Path) -> Path:
    """A summary with a title, headings, an empty paragraph and a table between paragraphs."""
    document = docx.Document()
    document.add_heading("示例县科学技术局2024年工作总结", level=0)
    document.add_heading("一、工作开展情况", level=1)
    document.add_paragraph("全年共组织科技项目申报56项。")
    document.add_paragraph("")
    document.add_paragraph("   ")
    table = document.add_table(rows=2, cols=3)
    rows = [("指标", "2023年", "2024年"), ("专利授权", "120", "156")]
    for row, values in zip(table.rows, rows, strict=True):
        for cell, value in zip(row.cells, values, strict=True):
            cell.text = value
    document.add_heading("二、存在的问题", level=1)
    document.add_paragraph("科技投入仍然不足。")
    document.save(str(path))
    return path


# --------------------------------------------------------------------------- finding files


def test_supported_suffixes() -> None:
    assert {".txt", ".md", ".docx", ".pdf"} == SUPPORTED_SUFFIXES


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "总结"
    for name in ("b.txt", "a.md", "Z.TXT", "sub/c.pdf", "sub/deeper/d.docx"):
        write(root / name, b"x")
    # skipped: hidden files and folders, Office lock files, unsupported formats
    for name in (".hidden.txt", ".git/notes.txt", "~$草稿.docx", "notes.doc", "sub/表.xlsx"):
        write(root / name, b"x")
    return root


def test_folder_is_walked_recursively_in_name_order_skipping_hidden_lock_and_unsupported(
    tree: Path,
) -> None:
    files, problems = collect_input_files([tree])

    assert problems == []
    assert files == [
        tree / "Z.TXT",
        tree / "a.md",
        tree / "b.txt",
        tree / "sub" / "c.pdf",
        tree / "sub" / "deeper" / "d.docx",
    ]


def test_results_keep_the_order_of_the_given_paths_and_each_file_comes_once(
    tree: Path, tmp_path: Path
) -> None:
    missing = tmp_path / "没有这个文件.txt"
    items = list(iter_input_files([tree / "notes.doc", missing, tree / "b.txt", tree]))

    assert isinstance(items[0], InputError)
    assert "暂不支持 .doc 格式" in checked_message(items[0], tree / "notes.doc")
    assert isinstance(items[1], InputError)
    assert "找不到文件或目录" in checked_message(items[1], missing)
    assert items[2:] == [
        tree / "b.txt",
        tree / "Z.TXT",
        tree / "a.md",
        tree / "sub" / "c.pdf",
        tree / "sub" / "deeper" / "d.docx",
    ]


def test_explicit_doc_file_is_refused_with_how_to_convert_it(tree: Path) -> None:
    files, problems = collect_input_files([tree / "notes.doc"])

    assert files == []
    [problem] = problems
    message = checked_message(problem, tree / "notes.doc")
    assert "暂不支持 .doc 格式" in message
    assert "另存为 .docx" in message


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("总结.wps", "另存为 .docx"),
        ("数据.xlsx", "暂不支持 .xlsx 格式"),
        ("公文.ofd", "PDF"),
        ("扫描.jpg", "OCR"),
        ("没有扩展名", "扩展名"),
    ],
)
def test_explicit_unsupported_files_say_what_to_do(
    tmp_path: Path, name: str, expected: str
) -> None:
    path = write(tmp_path / name, b"x")
    [problem] = list(iter_input_files([path]))

    assert isinstance(problem, InputError)
    assert expected in checked_message(problem, path)


def test_explicitly_named_hidden_file_and_upper_case_suffix_are_kept(tmp_path: Path) -> None:
    hidden = write(tmp_path / ".草稿.txt", b"x")
    upper = write(tmp_path / "总结.DOCX", b"x")

    assert list(iter_input_files([hidden, upper])) == [hidden, upper]


def test_folder_without_importable_files_is_reported_with_its_old_word_files(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "旧文档"
    write(folder / "2019.doc", b"x")
    write(folder / "2020.doc", b"x")
    write(folder / "说明.xlsx", b"x")

    [problem] = list(iter_input_files([folder]))

    assert isinstance(problem, InputError)
    message = checked_message(problem, folder)
    assert "没有可导入的文件" in message
    assert "2 个 .doc 文件" in message


def test_symlink_loop_inside_a_folder_is_not_followed_forever(tmp_path: Path) -> None:
    root = tmp_path / "root"
    write(root / "a.txt", b"x")
    try:
        (root / "loop").symlink_to(root, target_is_directory=True)
    except OSError:
        pytest.skip("symlinks not available")

    assert list(iter_input_files([root])) == [root / "a.txt"]


# --------------------------------------------------------------------------- text files


@pytest.mark.parametrize(
    ("encoded", "encoding"),
    [
        (SUMMARY.encode("utf-8"), "utf-8"),
        (SUMMARY.encode("utf-8-sig"), "utf-8-sig"),
        (SUMMARY.encode("gbk"), "gb18030"),
        (SUMMARY.encode("gb2312"), "gb18030"),
        (SUMMARY.encode("gb18030"), "gb18030"),
        (SUMMARY.encode("utf-16"), "utf-16"),  # with BOM, native order
        (b"\xff\xfe" + SUMMARY.encode("utf-16-le"), "utf-16"),
        (b"\xfe\xff" + SUMMARY.encode("utf-16-be"), "utf-16"),
    ],
)
def test_text_encodings_are_detected_and_recorded(
    tmp_path: Path, encoded: bytes, encoding: str
) -> None:
    path = write(tmp_path / "总结.txt", encoded)

    source = read_document(path)

    assert source.text == SUMMARY
    assert source.encoding == encoding
    assert source.format == "txt"
    assert source.path == path


def test_markdown_is_read_as_text_with_crlf_normalised(tmp_path: Path) -> None:
    path = write(tmp_path / "总结.md", b"# \xe6\x80\xbb\xe7\xbb\x93\r\n\r\n" + "正文".encode())

    source = read_document(path)

    assert source.format == "md"
    assert source.text == "# 总结\n\n正文"


def test_nothing_but_line_endings_is_cleaned(tmp_path: Path) -> None:
    raw = "  标题  \r\n\u3000\u3000正文，第一段。\t\r\n\r\n\r\n（一）小标题\n"
    path = write(tmp_path / "总结.txt", raw.encode("utf-8"))

    assert read_document(path).text == raw.replace("\r\n", "\n")


def test_utf8_cut_off_mid_character_stays_utf8_instead_of_becoming_mojibake(
    tmp_path: Path,
) -> None:
    encoded = (SUMMARY * 3).encode("utf-8") + "年".encode()[:2]
    path = write(tmp_path / "截断.txt", encoded)

    source = read_document(path)

    assert source.encoding == "utf-8"
    assert source.text.startswith(SUMMARY)
    assert source.text.endswith("\ufffd")


def test_bomless_utf16_is_refused_as_not_text_with_a_save_as_utf8_hint(tmp_path: Path) -> None:
    path = write(tmp_path / "总结.txt", "Work summary 2024\n工作总结".encode("utf-16-le"))

    message = refusal(path)

    assert "不是文本文件" in message
    assert "UTF-8" in message


def test_text_in_no_recognisable_chinese_encoding_is_refused(tmp_path: Path) -> None:
    latin1 = "Résumé of the café's naïve year, déjà vu.\n" * 20
    path = write(tmp_path / "总结.txt", latin1.encode("latin-1"))

    message = refusal(path)

    assert "无法识别文件的文字编码" in message
    assert "UTF-8" in message


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (random.Random(0).randbytes(4096), "不是文本文件"),
        (bytes(range(1, 32)) * 100, "不是文本文件"),  # control characters, no NUL
        (b"PK\x03\x04" + b"\x14" * 100, ".docx"),  # a Word file renamed to .txt
        (b"%PDF-1.7\n" + b"x" * 100, ".pdf"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "另存为 .docx"),
    ],
    ids=["random-bytes", "control-characters", "zip", "pdf", "ole"],
)
def test_binary_content_named_txt_is_refused(tmp_path: Path, content: bytes, expected: str) -> None:
    path = write(tmp_path / "总结.txt", content)

    message = refusal(path)

    assert "不是文本文件" in message
    assert expected in message


@pytest.mark.parametrize(
    "content",
    [b"", b"   \r\n\t\n", "\u3000\n".encode(), b"\xef\xbb\xbf", b"\xff\xfe"],
    ids=["zero-bytes", "whitespace", "full-width-space", "utf8-bom-only", "utf16-bom-only"],
)
def test_empty_file_is_refused(tmp_path: Path, content: bytes) -> None:
    path = write(tmp_path / "空.txt", content)

    assert "文件为空" in refusal(path)


def test_oversized_file_is_refused_with_size_limit_and_fix(tmp_path: Path) -> None:
    path = write(tmp_path / "大文件.txt", "很长的总结。".encode() * 400_000)  # ≈ 6.9 MB

    message = refusal(path, max_bytes=5 * 1024 * 1024)

    assert "6.9 MB" in message
    assert "5 MB" in message
    assert "拆分" in message
    assert "DRAFTER_MAX_FILE_MB" in message


def test_oversized_limit_and_size_never_print_as_equal(tmp_path: Path) -> None:
    path = write(tmp_path / "刚好超.txt", b"x" * 1001)

    message = refusal(path, max_bytes=1000)

    sizes = re.findall(r"([\d.]+) MB", message)
    assert len(sizes) == 2
    assert sizes[0] != sizes[1]


def test_missing_file_and_folder_and_unsupported_suffix_are_refused_by_read_document(
    tmp_path: Path,
) -> None:
    assert "找不到文件" in refusal(tmp_path / "没有.txt")
    assert "文件夹" in refusal(write(tmp_path / "目录.txt" / "x.txt", b"x").parent)
    assert "暂不支持 .doc 格式" in refusal(write(tmp_path / "旧.doc", b"x"))


# --------------------------------------------------------------------------- .docx


def test_docx_paragraphs_and_table_rows_come_in_document_order(tmp_path: Path) -> None:
    source = read_document(make_docx(tmp_path / "总结.docx"))

    assert source.format == "docx"
    assert source.encoding is None
    assert source.text.split("\n") == [
        "示例县科学技术局2024年工作总结",
        "一、工作开展情况",
        "全年共组织科技项目申报56项。",
        "指标\t2023年\t2024年",
        "专利授权\t120\t156",
        "二、存在的问题",
        "科技投入仍然不足。",
    ]


def test_docx_merged_cells_appear_once_and_multi_paragraph_cells_stay_on_one_line(
    tmp_path: Path,
) -> None:
    document = docx.Document()
    table = document.add_table(rows=2, cols=3)
    merged = table.cell(0, 0).merge(table.cell(0, 1))
    merged.text = "合并单元格"
    table.cell(0, 2).text = "说明"
    table.cell(1, 0).text = "第一段"
    table.cell(1, 0).add_paragraph("第二段")
    path = tmp_path / "表格.docx"
    document.save(str(path))

    lines = read_document(path).text.split("\n")

    assert lines == ["合并单元格\t说明", "第一段 第二段\t\t"]


def test_docx_keeps_tracked_insertions_and_drops_tracked_deletions(tmp_path: Path) -> None:
    document = docx.Document()
    paragraph = document.add_paragraph("完成项目")
    for tag, text_tag, text in (("w:del", "w:delText", "12"), ("w:ins", "w:t", "56")):
        revision = OxmlElement(tag)
        revision.set(qn("w:id"), "1")
        revision.set(qn("w:author"), "审核人")
        run = OxmlElement("w:r")
        text_element = OxmlElement(text_tag)
        text_element.text = text
        run.append(text_element)
        revision.append(run)
        paragraph._p.append(revision)
    paragraph.add_run("项。")
    path = tmp_path / "修订.docx"
    document.save(str(path))

    assert read_document(path).text == "完成项目56项。"


def test_docx_without_any_text_is_refused(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("")
    path = tmp_path / "只有图片.docx"
    document.save(str(path))

    message = refusal(path)

    assert "没有文字" in message
    assert "OCR" in message


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (random.Random(1).randbytes(4096), "不是有效的 Word（.docx）文件"),
        (b"just some text, not a zip", "不是有效的 Word（.docx）文件"),
        (make_pdf(["A PDF renamed to docx"]), ".pdf"),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
            + b"\x00" * 512
            + "EncryptedPackage".encode("utf-16-le"),
            "设置了打开密码",
        ),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512, "旧版 Word（.doc）"),
    ],
    ids=["random-bytes", "plain-text", "pdf", "password-protected", "old-doc"],
)
def test_docx_that_is_not_a_word_file_is_refused(
    tmp_path: Path, content: bytes, expected: str
) -> None:
    path = write(tmp_path / "总结.docx", content)

    assert expected in refusal(path)


def test_truncated_or_corrupt_docx_is_refused(tmp_path: Path) -> None:
    good = make_docx(tmp_path / "好的.docx").read_bytes()
    truncated = write(tmp_path / "截断.docx", good[: len(good) // 2])
    broken = tmp_path / "损坏.docx"
    with zipfile.ZipFile(broken, "w") as archive:
        archive.writestr("[Content_Types].xml", "<not xml")
        archive.writestr("word/document.xml", "<w:document/>")

    assert "不是有效的 Word" in refusal(truncated)
    assert "已损坏" in refusal(broken)


def test_excel_workbook_named_docx_is_refused_as_excel(tmp_path: Path) -> None:
    path = tmp_path / "数据.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")

    assert "Excel" in refusal(path)


def test_zip_bomb_named_docx_is_refused_before_it_is_unpacked(tmp_path: Path) -> None:
    path = tmp_path / "炸弹.docx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/document.xml", "w") as member:
            zeros = bytes(1024 * 1024)
            for _ in range(64):  # 64 MB of zeros deflate to about 64 KB
                member.write(zeros)
    assert path.stat().st_size < 1024 * 1024

    message = refusal(path)

    assert "解压后异常庞大" in message
    assert "拒绝读取" in message


def test_zip_declaring_huge_members_named_docx_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "声明超大.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    data = bytearray(path.read_bytes())
    # Patch the uncompressed size in every central directory record to ~3.75 GB.
    at = data.find(b"PK\x01\x02")
    while at != -1:
        struct.pack_into("<I", data, at + 24, 0xF000_0000)
        at = data.find(b"PK\x01\x02", at + 4)
    path.write_bytes(bytes(data))

    message = refusal(path)

    assert "解压后异常庞大" in message
    assert "200 MB" in message  # the default limit


# --------------------------------------------------------------------------- .pdf


def test_pdf_text_of_all_pages_is_joined_by_newlines(tmp_path: Path) -> None:
    path = write(
        tmp_path / "总结.pdf", make_pdf(["Annual work summary 2024", "Plans for the next year"])
    )

    source = read_document(path)

    assert source.format == "pdf"
    assert source.encoding is None
    assert source.text == "Annual work summary 2024\nPlans for the next year"


def test_pdf_with_only_blank_pages_is_refused_as_scanned(tmp_path: Path) -> None:
    writer = PdfWriter()
    for _ in range(3):
        writer.add_blank_page(width=595, height=842)
    path = write(tmp_path / "扫描件.pdf", pdf_bytes(writer))

    message = refusal(path)

    assert "PDF 没有文字层（可能是扫描件）" in message
    assert "OCR" in message


def test_pdf_with_an_open_password_is_refused(tmp_path: Path) -> None:
    writer = PdfWriter(clone_from=PdfReader(BytesIO(make_pdf(["Secret summary text"]))))
    writer.encrypt("secret", algorithm="RC4-128")
    path = write(tmp_path / "加密.pdf", pdf_bytes(writer))

    message = refusal(path)

    assert "密码" in message
    assert "不加密" in message


def test_pdf_restricted_only_by_an_owner_password_is_read(tmp_path: Path) -> None:
    writer = PdfWriter(clone_from=PdfReader(BytesIO(make_pdf(["Copy protected summary"]))))
    writer.encrypt(user_password="", owner_password="owner", algorithm="RC4-128")
    path = write(tmp_path / "禁止复制.pdf", pdf_bytes(writer))

    assert read_document(path).text == "Copy protected summary"


def test_aes_pdf_without_cryptography_installed_says_how_to_fix_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pypdf.errors import DependencyError

    writer = PdfWriter(clone_from=PdfReader(BytesIO(make_pdf(["AES summary"]))))
    writer.encrypt(user_password="", owner_password="owner", algorithm="RC4-128")
    path = write(tmp_path / "AES.pdf", pdf_bytes(writer))

    def needs_cryptography(self: PdfReader, password: str | bytes) -> None:
        raise DependencyError("cryptography>=3.1 is required for AES algorithm")

    monkeypatch.setattr(PdfReader, "decrypt", needs_cryptography)

    assert "cryptography" in refusal(path)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (random.Random(2).randbytes(4096), "不是有效的 PDF 文件"),
        (b"%PDF-1.4\n" + random.Random(3).randbytes(2048), "PDF 文件已损坏"),
        (make_pdf(["Half a file"])[:150], "PDF 文件已损坏"),
    ],
    ids=["random-bytes", "pdf-header-then-garbage", "truncated"],
)
def test_corrupt_pdf_is_refused(tmp_path: Path, content: bytes, expected: str) -> None:
    path = write(tmp_path / "损坏.pdf", content)

    assert expected in refusal(path)


def test_word_file_named_pdf_is_refused_as_word(tmp_path: Path) -> None:
    path = write(tmp_path / "总结.pdf", make_docx(tmp_path / "w.docx").read_bytes())

    assert "Word" in refusal(path)


def test_pypdf_warnings_about_a_damaged_xref_are_silenced(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    data = make_pdf(["Recovered summary text"])
    startxref = data.rindex(b"startxref\n") + len(b"startxref\n")
    damaged = data[:startxref] + b"99" + data[startxref:]  # wrong xref offset: pypdf warns
    path = write(tmp_path / "xref损坏.pdf", damaged)
    level_before = logging.getLogger("pypdf").level

    with caplog.at_level(logging.DEBUG):
        source = read_document(path)

    assert source.text == "Recovered summary text"
    assert [r for r in caplog.records if r.name.startswith("pypdf")] == []
    assert capsys.readouterr().err == ""
    assert logging.getLogger("pypdf").level == level_before
