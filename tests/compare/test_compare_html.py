"""The HTML comparison report, rendered by a real headless Chromium.

CI needs the Debian package ``chromium`` (apt-get install -y chromium); without it the
browser tests skip and only the static checks run.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from test_compare import COPIED, LAST, NEAR, copy_session, draft_2025, drafter_cli  # noqa: F401

from drafter.review.session import Session

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
INJECTED = '<script>alert("x")</script><img src="http://example.com/a.png">&'


class _Collector(HTMLParser):
    """Text of every <mark> and the rows of every table, keyed by table id."""

    def __init__(self) -> None:
        super().__init__()
        self.marks: list[str] = []
        self.tables: dict[str, list[list[str]]] = {}
        self.tags: set[str] = set()
        self._mark: list[str] | None = None
        self._table: str | None = None
        self._row: list[str] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        if tag == "mark":
            self._mark = []
        elif tag == "table":
            self._table = dict(attrs).get("id") or f"table{len(self.tables)}"
            self.tables[self._table] = []
        elif tag == "tr" and self._table is not None:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "mark" and self._mark is not None:
            self.marks.append("".join(self._mark))
            self._mark = None
        elif tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None and self._table is not None:
            self.tables[self._table].append(self._row)
            self._row = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data: str) -> None:
        if self._mark is not None:
            self._mark.append(data)
        if self._cell is not None:
            self._cell.append(data)


def collect(html: str) -> _Collector:
    parser = _Collector()
    parser.feed(html)
    return parser


@pytest.fixture(scope="module")
def report(draft_2025: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:  # noqa: F811
    """The HTML report of a draft that copies and nearly copies 2024 sentences."""
    root = tmp_path_factory.mktemp("html")
    d = copy_session(draft_2025, root / "d")
    session = Session.open(d)
    ip = session.section("area_ip")
    session.save_section(ip.edit("".join([*COPIED, ip.text, NEAR[0][1], INJECTED])))
    drafter_cli("compare", str(d), str(LAST), "--html", "report.html", cwd=root)
    return root / "report.html"


def test_report_is_self_contained_and_escaped(report: Path) -> None:
    html = report.read_text(encoding="utf-8")
    assert "<script" not in html
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", html)
    assert "<link" not in html and "@import" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "&amp;" in html


def dump_dom(page: Path, tmp_path: Path) -> str:
    assert CHROMIUM is not None
    result = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--dump-dom",
            page.resolve().as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (apt-get install chromium)")
def test_browser_renders_highlighted_reuse_and_the_tables(report: Path, tmp_path: Path) -> None:
    dom = collect(dump_dom(report, tmp_path))
    for sentence in [*COPIED, NEAR[0][1]]:
        assert sentence in dom.marks, sentence
    assert "script" not in dom.tags and "img" not in dom.tags

    targets = dom.tables["targets"]
    assert targets[0] == ["上年目标", "目标值", "本年完成", "完成率", "结果"]
    rows = {r[0]: r for r in targets[1:]}
    assert rows["科技型中小企业评价入库"] == [
        "科技型中小企业评价入库",
        "180家",
        "172家",
        "95.6%",
        "未完成",
    ]
    assert rows["有效高新技术企业"] == ["有效高新技术企业", "60家", "63家", "105.0%", "已完成"]
    assert len(targets) == 12

    figures = {r[0]: r for r in dom.tables["figures"][1:]}
    assert figures["专利申请"][1:] == ["586件", "648件", "增长10.6%"]

    reused = dom.tables["reused"]
    assert {r[1] for r in reused[1:]} >= {*COPIED, NEAR[0][1]}


@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (apt-get install chromium)")
def test_browser_screenshot_of_the_report(report: Path, tmp_path: Path) -> None:
    assert CHROMIUM is not None
    shot = tmp_path / "report.png"
    subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--window-size=1200,1600",
            f"--screenshot={shot}",
            report.resolve().as_uri(),
        ],
        capture_output=True,
        timeout=120,
        check=True,
    )
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000
