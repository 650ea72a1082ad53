"""CorpusStore against a real `chroma run` server on loopback (started per test module)."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from drafter.corpus.store import CorpusStore
from drafter.errors import ConfigError, StoreError
from drafter.models import DocumentInfo, StoredChunk
from drafter.settings import Settings

pytestmark = pytest.mark.slow

CHROMA = Path(sys.executable).parent / "chroma"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


@dataclass
class ChromaServer:
    url: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=15)


def start_server(data_dir: Path) -> ChromaServer:
    if not CHROMA.exists():
        pytest.fail(f"the chroma CLI is missing next to {sys.executable}")
    port = free_port()
    log = data_dir.parent / f"chroma-{port}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                str(CHROMA),
                "run",
                "--path",
                str(data_dir),
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = ChromaServer(url=f"http://127.0.0.1:{port}", port=port, process=process, log=log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"chroma run exited early: {log.read_text(errors='replace')[-2000:]}")
        try:
            with urllib.request.urlopen(f"{server.url}/api/v2/heartbeat", timeout=2) as r:
                if r.status == 200:
                    return server
        except OSError:
            time.sleep(0.2)
    server.stop()
    pytest.fail(f"chroma run did not answer within 60 s: {log.read_text(errors='replace')[-2000:]}")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChromaServer]:
    srv = start_server(tmp_path_factory.mktemp("chroma") / "data")
    try:
        yield srv
    finally:
        srv.stop()


def server_settings(server: ChromaServer, tmp_path: Path, collection: str) -> Settings:
    return Settings(
        chroma_url=server.url,
        collection=collection,
        cache_dir=tmp_path / "cache",
        store=tmp_path / "unused-store",
        request_timeout=30,
    )


def make_doc(
    doc_id: str, texts: list[str], kind: str = "achievements"
) -> tuple[DocumentInfo, list[StoredChunk]]:
    info = DocumentInfo(
        doc_id=doc_id,
        source=f"/corpus/{doc_id}.txt",
        content_hash=f"hash-{doc_id}-{len(texts)}-{texts[-1]}",
        n_chunks=len(texts),
        year=2023,
        bureau="科技局",
    )
    chunks = [
        StoredChunk(
            id=f"{doc_id}-{i}",
            text=t,
            doc_id=doc_id,
            source=info.source,
            heading_path="一、主要工作",
            kind="opening" if i == 0 else kind,
            position=i,
            year=2023,
            bureau="科技局",
        )
        for i, t in enumerate(texts)
    ]
    return info, chunks


def test_put_query_list_remove_through_a_server(server: ChromaServer, tmp_path: Path) -> None:
    settings = server_settings(server, tmp_path, "server_basic")
    store = CorpusStore.open(settings)
    assert store.is_server and store.location == server.url
    assert store._client._server._session.timeout.read == 30  # bounded, not Chroma's None
    with store.writer():
        assert (
            store.put_document(
                *make_doc("doc-a", ["今年以来各项工作取得新成效。", "全年新认定高新技术企业12家。"])
            )
            == "added"
        )
        assert (
            store.put_document(
                *make_doc(
                    "doc-b",
                    ["一年来扎实推进各项工作。", "工作中还存在一些问题和不足。"],
                    "problems",
                )
            )
            == "added"
        )
        assert (
            store.put_document(
                *make_doc("doc-a", ["今年以来各项工作取得新成效。", "全年新认定高新技术企业12家。"])
            )
            == "unchanged"
        )
    # The lock for a server lives in the cache dir, named after host, port and collection.
    lock = Path(settings.cache_dir) / "locks" / f"127.0.0.1_{server.port}_server_basic.lock"
    assert store.lock_path == lock and lock.parent.is_dir()
    assert (
        store.lexical_cache_dir == Path(settings.cache_dir) / "lexical" / f"127.0.0.1_{server.port}"
    )

    hits = store.dense_query("存在的问题", n=2)
    assert hits[0][0].text == "工作中还存在一些问题和不足。"
    only = store.dense_query("工作", n=10, where={"kind": "problems"})
    assert [c.doc_id for c, _ in only] == ["doc-b"]

    # A second client (another process would be the same) sees the same data.
    other = CorpusStore.open(settings)
    assert {d.doc_id for d in other.documents()} == {"doc-a", "doc-b"}
    assert other.count() == 4
    assert other.document("doc-b.txt").doc_id == "doc-b"
    assert other.stats()["by_kind"] == {"achievements": 1, "opening": 2, "problems": 1}
    revision = other.revision()

    with store.writer():
        assert store.remove_document("doc-a") == 2
    assert other.count() == 2
    assert other.revision() > revision
    assert [c.doc_id for c, _ in other.dense_query("工作", n=10)] == ["doc-b", "doc-b"]
    store.close()
    other.close()


def test_dead_server_url_is_a_chinese_store_error(tmp_path: Path) -> None:
    port = free_port()
    settings = Settings(chroma_url=f"http://127.0.0.1:{port}", cache_dir=tmp_path / "cache")
    started = time.monotonic()
    with pytest.raises(StoreError) as err:
        CorpusStore.open(settings)
    assert time.monotonic() - started < 30
    message = str(err.value)
    assert "无法连接 Chroma 服务" in message and f"127.0.0.1:{port}" in message
    assert "chroma run --path" in message and f"--port {port}" in message


def test_silent_server_times_out_with_a_chinese_store_error(tmp_path: Path) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)  # accepts connections (kernel backlog) and never answers
        port = listener.getsockname()[1]
        settings = Settings(
            chroma_url=f"http://127.0.0.1:{port}", request_timeout=1, cache_dir=tmp_path
        )
        started = time.monotonic()
        with pytest.raises(StoreError) as err:
            CorpusStore.open(settings)
        assert time.monotonic() - started < 10
    assert "没有响应" in str(err.value) and "chroma run" in str(err.value)


def test_a_server_that_is_not_chroma_is_named(tmp_path: Path) -> None:
    class NotChroma(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), NotChroma)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{httpd.server_address[1]}"
        with pytest.raises(StoreError) as err:
            CorpusStore.open(Settings(chroma_url=url, cache_dir=tmp_path))
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert "不像 Chroma" in str(err.value) and "404" in str(err.value)


def test_remote_server_needs_allow_remote(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        CorpusStore.open(Settings(chroma_url="http://10.1.2.3:8000", cache_dir=tmp_path))
    assert "--allow-remote" in str(err.value)


def test_bad_server_url_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        CorpusStore.open(Settings(chroma_url="127.0.0.1:8000", cache_dir=tmp_path))


def test_server_stopping_mid_session_is_a_chinese_store_error(tmp_path: Path) -> None:
    own = start_server(tmp_path / "data")
    try:
        store = CorpusStore.open(server_settings(own, tmp_path, "server_dies"))
        assert store.count() == 0
    finally:
        own.stop()
    with pytest.raises(StoreError) as err:
        store.count()
    assert "无法连接 Chroma 服务" in str(err.value) and "chroma run" in str(err.value)
