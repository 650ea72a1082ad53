"""The corpus commands as a user runs them: the real console entry (drafter.cli.main.run)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import drafter_cli as run_cli

REPO = Path(__file__).resolve().parents[2]


def drafter(*args: str, cwd: Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    """The CLI in process (conftest.drafter_cli): no traceback, exit 0 unless ``check=False``."""
    return run_cli(*args, cwd=cwd, check=check)


@pytest.fixture
def workdir(tmp_path: Path, examples_dir: Path) -> Path:
    docs = tmp_path / "docs"
    docs.mkdir()
    for f in sorted(examples_dir.glob("*.txt")):
        shutil.copy(f, docs / f.name)
    return tmp_path


def ingest_json(workdir: Path, *paths: str, check: bool = True) -> dict:
    result = drafter("ingest", *paths, "--store", "store", "--json", cwd=workdir, check=check)
    return json.loads(result.stdout)


def test_ingest_then_reingest_adds_nothing(workdir: Path) -> None:
    first = ingest_json(workdir, "docs")
    assert [f["status"] for f in first["files"]] == ["added", "added"]
    assert first["chunks_added"] == first["store_chunks"] > 10
    second = ingest_json(workdir, "docs")
    assert [f["status"] for f in second["files"]] == ["unchanged", "unchanged"]
    assert second["store_chunks"] == first["store_chunks"]


def test_changed_file_replaces_its_chunks(workdir: Path) -> None:
    ingest_json(workdir, "docs")
    target = sorted((workdir / "docs").glob("*.txt"))[0]
    text = target.read_text(encoding="utf-8")
    marker = "全县举办科技特派员专题轮训班，新增一段只出现一次的检验语句甲乙丙丁。"
    target.write_text(text + "\n" + marker + "\n", encoding="utf-8")
    again = ingest_json(workdir, "docs")
    statuses = {Path(f["path"]).name: f["status"] for f in again["files"]}
    assert statuses[target.name] == "replaced"
    hits = json.loads(
        drafter(
            "search", "检验语句甲乙丙丁", "--store", "store", "--json", "--k", "3", cwd=workdir
        ).stdout
    )
    assert marker[:20] in hits[0]["text"] or "检验语句甲乙丙丁" in hits[0]["text"]
    # The old version is gone: the same document id holds exactly one copy of each chunk.
    listed = json.loads(drafter("corpus", "list", "--store", "store", "--json", cwd=workdir).stdout)
    assert len(listed) == 2
    assert sum(d["n_chunks"] for d in listed) == again["store_chunks"]


def test_copy_of_an_ingested_file_is_reported_as_duplicate(workdir: Path) -> None:
    ingest_json(workdir, "docs")
    src = sorted((workdir / "docs").glob("*.txt"))[0]
    shutil.copy(src, workdir / "copy.txt")
    out = ingest_json(workdir, "copy.txt")
    assert out["files"][0]["status"] == "duplicate"


def test_search_json_has_the_documented_fields_and_filters_by_kind(workdir: Path) -> None:
    ingest_json(workdir, "docs")
    hits = json.loads(
        drafter(
            "search",
            "存在的问题和不足",
            "--kind",
            "problems",
            "--k",
            "3",
            "--store",
            "store",
            "--json",
            cwd=workdir,
        ).stdout
    )
    assert hits
    for hit in hits:
        assert {"text", "doc_id", "source", "heading_path", "kind", "year", "score"} <= hit.keys()
        assert hit["kind"] == "problems"
    chinese_alias = json.loads(
        drafter(
            "search", "打算", "--kind", "打算", "--store", "store", "--json", cwd=workdir
        ).stdout
    )
    assert chinese_alias and all(h["kind"] == "plan" for h in chinese_alias)


def test_corpus_show_stats_and_remove(workdir: Path) -> None:
    ingest_json(workdir, "docs")
    listed = json.loads(drafter("corpus", "list", "--store", "store", "--json", cwd=workdir).stdout)
    doc = listed[0]
    shown = json.loads(
        drafter(
            "corpus", "show", doc["doc_id"][:6], "--store", "store", "--json", cwd=workdir
        ).stdout
    )
    assert shown["document"]["doc_id"] == doc["doc_id"]
    assert [c["position"] for c in shown["chunks"]] == list(range(doc["n_chunks"]))
    stats = json.loads(drafter("corpus", "stats", "--store", "store", "--json", cwd=workdir).stdout)
    assert stats["documents"] == 2
    assert set(stats["by_kind"]) >= {"opening", "achievements", "problems", "plan"}
    removed = json.loads(
        drafter("corpus", "remove", doc["doc_id"], "--store", "store", "--json", cwd=workdir).stdout
    )
    assert removed["removed_chunks"] == doc["n_chunks"]
    after = json.loads(drafter("corpus", "list", "--store", "store", "--json", cwd=workdir).stdout)
    assert [d["doc_id"] for d in after] == [listed[1]["doc_id"]]


def test_bad_files_are_skipped_with_reasons_and_the_batch_goes_on(workdir: Path) -> None:
    (workdir / "docs" / "binary.txt").write_bytes(b"\x00\x01\x02PK\x03\x04" * 200)
    (workdir / "docs" / "empty.txt").write_text("", encoding="utf-8")
    (workdir / "old.doc").write_bytes(b"\xd0\xcf\x11\xe0" + b"\x00" * 100)
    result = drafter(
        "ingest",
        "docs",
        "old.doc",
        "missing-folder",
        "--store",
        "store",
        "--json",
        cwd=workdir,
        check=False,
    )
    assert result.returncode == 1
    out = json.loads(result.stdout)
    by_status: dict[str, list[dict]] = {}
    for f in out["files"]:
        by_status.setdefault(f["status"], []).append(f)
    assert len(by_status["added"]) == 2
    skipped = {Path(f["path"]).name: f["reason"] for f in by_status["skipped"]}
    assert set(skipped) >= {"binary.txt", "empty.txt", "old.doc", "missing-folder"}
    for name, reason in skipped.items():
        assert any("\u4e00" <= ch <= "\u9fff" for ch in reason), (name, reason)


def test_user_errors_are_one_chinese_message_without_traceback(workdir: Path) -> None:
    bad_kind = drafter(
        "search", "专利", "--kind", "nonsense", "--store", "store", cwd=workdir, check=False
    )
    assert bad_kind.returncode == 2
    assert "--kind" in bad_kind.stderr and "可选" in bad_kind.stderr
    missing = drafter("corpus", "show", "nosuchdoc", "--store", "store", cwd=workdir, check=False)
    assert missing.returncode == 2
    assert "错误" in missing.stderr
    bad_collection = drafter(
        "corpus", "list", "--collection", "中文名", "--store", "store", cwd=workdir, check=False
    )
    assert bad_collection.returncode == 2
    remote = drafter(
        "corpus", "list", "--chroma-url", "http://10.1.2.3:8000", cwd=workdir, check=False
    )
    assert remote.returncode == 2
    assert "--allow-remote" in remote.stderr


def test_corpus_show_dropped_lists_the_furniture_removed_at_ingest(workdir: Path) -> None:
    web = workdir / "web"
    web.mkdir()
    source = REPO / "tests" / "data" / "webcopies" / "02_chunk_dot_gbk.raw.txt"
    shutil.copy(source, web / "示例县科技局2023年总结（网页版）.txt")  # GBK
    ingest_json(workdir, "web")
    listed = json.loads(drafter("corpus", "list", "--store", "store", "--json", cwd=workdir).stdout)
    assert listed[0]["n_dropped"] >= 8
    doc_id = listed[0]["doc_id"]
    shown = json.loads(
        drafter(
            "corpus", "show", doc_id, "--dropped", "--store", "store", "--json", cwd=workdir
        ).stdout
    )
    assert shown["n_dropped"] == listed[0]["n_dropped"] == len(shown["dropped"])
    assert "云帆范文库" in shown["dropped"]
    assert any(line.startswith("贡献者") for line in shown["dropped"])
    assert not any("科技" in line and "。" in line for line in shown["dropped"])  # no prose
    text = drafter("corpus", "show", doc_id, "--dropped", "--store", "store", cwd=workdir).stdout
    assert f"去掉 {shown['n_dropped']} 行" in text and "云帆范文库" in text
    full = drafter("corpus", "show", doc_id, "--store", "store", cwd=workdir).stdout
    assert "云帆范文库" not in full and f"清理掉杂项 {shown['n_dropped']} 行" in full
