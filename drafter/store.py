"""The corpus store: past summaries as chunks in a Chroma collection, plus a registry.

Layout (one Chroma database, embedded ``PersistentClient`` or a ``chroma run`` server):

* ``<collection>``: one record per chunk; document = chunk text, metadata = the other
  :class:`~drafter.models.StoredChunk` fields (None values dropped), cosine space,
  embedded by a registered drafter embedding function (see :mod:`drafter.embed`).
* ``<collection>__docs``: the registry, one record per document (the
  :class:`~drafter.models.DocumentInfo` fields plus per-kind chunk counts as metadata,
  with a 1-dimensional dummy embedding so no model runs) and one ``__drafter_revision__``
  record holding the store's revision. list/show/stats/remove read only this.

Writes happen inside ``with store.writer():``, which holds a file lock. Two processes
writing one embedded store without it silently lose records, and even with a lock a
long-lived embedded client keeps a stale in-memory vector index that it later writes
back (measured: 18,000 records added by three processes, 8,300 left queryable). So, for
the embedded store, ``writer()`` opens a fresh client after taking the lock and closes
it (flushing the index) before releasing it; a reader reopens its client when it sees
the revision change.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlparse

import filelock
from chromadb.api.types import Documents, EmbeddingFunction

from drafter.embed import describe_embedding, embedding_identity, make_embedder
from drafter.errors import ConfigError, DrafterError, InputError, StoreError
from drafter.models import DocumentInfo, StoredChunk
from drafter.settings import Settings, require_local_or_allowed

__all__ = [
    "LOCK_FILE_NAME",
    "MAX_DROPPED_KEPT",
    "REGISTRY_SUFFIX",
    "CorpusStore",
    "NotWriterError",
    "PutResult",
    "chunk_from_record",
    "chunk_metadata",
    "validate_collection_name",
]

PutResult = Literal["added", "replaced", "unchanged", "duplicate"]

REGISTRY_SUFFIX = "__docs"
LOCK_FILE_NAME = ".drafter-write.lock"
MAX_DROPPED_KEPT = 500  # dropped furniture lines kept per document (the count is exact)
MIN_PREFIX = 4  # shortest document-id prefix accepted by document()

_REVISION_ID = "__drafter_revision__"
_DUMMY_EMBEDDING = [1.0]
_RECORD_DOC = "doc"
_RECORD_REVISION = "revision"
_PAGE = 1000
_DEFAULT_WRITE_BATCH = 256  # chunks per upsert when the model embeds them (progress, memory)

# Chroma: 3–512 characters of [a-zA-Z0-9._-], starting and ending with [a-zA-Z0-9]; the
# registry name appends "__docs", so ours may be at most 506 characters.
_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{1,504}[A-Za-z0-9]")
_UNSAFE_FILE_CHARS = re.compile(r"[^A-Za-z0-9.-]+")

_CHUNK_META_FIELDS = tuple(
    f.name for f in dataclasses.fields(StoredChunk) if f.name not in {"id", "text"}
)
_DOC_FIELDS = tuple(f.name for f in dataclasses.fields(DocumentInfo))
_DOC_COMPARE_FIELDS = tuple(f for f in _DOC_FIELDS if f != "ingested_at")


class NotWriterError(StoreError, RuntimeError):
    """A mutating method was called outside ``with store.writer():`` (a programming error)."""


# ------------------------------------------------------------------ conversions


def validate_collection_name(name: str) -> None:
    """ConfigError unless ``name`` is a collection name Chroma (and our registry) accepts."""
    if not _NAME_RE.fullmatch(name or ""):
        raise ConfigError(
            f"集合名“{name}”不可用：Chroma 的集合名须为 3–{506} 个英文字母、数字或 . _ - "
            "组成，且首尾须为字母或数字（不支持中文）。",
            hint="换一个集合名，例如 --collection kjj_2024 或 DRAFTER_COLLECTION=kjj_2024。",
        )


def _clean_metadata(values: Mapping[str, Any]) -> dict[str, str | int | float | bool]:
    """Chroma metadata: only str/int/float/bool; None values are dropped."""
    out: dict[str, str | int | float | bool] = {}
    for key, value in values.items():
        if value is None:
            continue
        if isinstance(value, bool | int | float | str):
            out[key] = value
        else:
            out[key] = str(value)
    return out


def chunk_metadata(chunk: StoredChunk) -> dict[str, str | int | float | bool]:
    """The Chroma metadata of a chunk: every field but id and text, None dropped."""
    return _clean_metadata({name: getattr(chunk, name) for name in _CHUNK_META_FIELDS})


def _opt_str(value: Any) -> str | None:
    return None if value is None else str(value)


def _opt_int(value: Any) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def chunk_from_record(
    chunk_id: str, text: str | None, meta: Mapping[str, Any] | None
) -> StoredChunk:
    """A StoredChunk from a Chroma record (missing metadata keys come back as None)."""
    m = meta or {}
    return StoredChunk(
        id=chunk_id,
        text=text or "",
        doc_id=str(m.get("doc_id", "")),
        source=str(m.get("source", "")),
        heading_path=str(m.get("heading_path", "")),
        kind=str(m.get("kind", "")),
        position=_opt_int(m.get("position")) or 0,
        year=_opt_int(m.get("year")),
        bureau=_opt_str(m.get("bureau")),
        region=_opt_str(m.get("region")),
        period=_opt_str(m.get("period")),
        title=_opt_str(m.get("title")),
        region_level=_opt_str(m.get("region_level")),
    )


def _doc_metadata(
    info: DocumentInfo, kinds: Mapping[str, int], line_keys: Sequence[str] = ()
) -> dict[str, str | int | float | bool]:
    values: dict[str, Any] = {name: getattr(info, name) for name in _DOC_FIELDS}
    values["record"] = _RECORD_DOC
    values["kinds"] = json.dumps(dict(sorted(kinds.items())), ensure_ascii=False)
    values["dropped"] = json.dumps(info.dropped[:MAX_DROPPED_KEPT], ensure_ascii=False)
    if line_keys:
        values["line_keys"] = " ".join(line_keys)
    return _clean_metadata(values)


def _json_list(raw: Any) -> list[str]:
    if not isinstance(raw, str):
        return []
    try:
        parsed = json.loads(raw)
    except ValueError:
        return []
    return [str(x) for x in parsed] if isinstance(parsed, list) else []


def _doc_from_metadata(doc_id: str, meta: Mapping[str, Any] | None) -> DocumentInfo:
    m = meta or {}
    return DocumentInfo(
        doc_id=doc_id,
        source=str(m.get("source", "")),
        content_hash=str(m.get("content_hash", "")),
        n_chunks=_opt_int(m.get("n_chunks")) or 0,
        title=_opt_str(m.get("title")),
        bureau=_opt_str(m.get("bureau")),
        region=_opt_str(m.get("region")),
        region_level=_opt_str(m.get("region_level")),
        year=_opt_int(m.get("year")),
        period=_opt_str(m.get("period")),
        ingested_at=_opt_str(m.get("ingested_at")),
        n_dropped=_opt_int(m.get("n_dropped")),
        dropped=_json_list(m.get("dropped")),
    )


def _kinds_from_metadata(meta: Mapping[str, Any] | None) -> dict[str, int]:
    raw = (meta or {}).get("kinds")
    if not isinstance(raw, str):
        return {}
    try:
        parsed = json.loads(raw)
    except ValueError:
        return {}
    return {str(k): int(v) for k, v in parsed.items()} if isinstance(parsed, dict) else {}


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _batches(n: int, size: int) -> Iterator[tuple[int, int]]:
    for start in range(0, n, size):
        yield start, min(n, start + size)


# ----------------------------------------------------------------------- server


@dataclass(frozen=True)
class _Server:
    url: str
    host: str
    port: int
    ssl: bool

    @property
    def slug(self) -> str:
        return _UNSAFE_FILE_CHARS.sub("_", f"{self.host}_{self.port}")


def _parse_server(url: str) -> _Server:
    parsed = urlparse(url.strip())
    if parsed.scheme not in {"http", "https"} or not parsed.hostname:
        raise ConfigError(
            f"Chroma 服务地址“{url}”无效。",
            hint="应形如 http://127.0.0.1:8000（设置 chroma_url 或 DRAFTER_CHROMA_URL）。",
        )
    try:
        port = parsed.port or (443 if parsed.scheme == "https" else 8000)
    except ValueError:
        raise ConfigError(f"Chroma 服务地址“{url}”的端口无效。") from None
    return _Server(url=url.strip(), host=parsed.hostname, port=port, ssl=parsed.scheme == "https")


def _embedder_identity(embedder: Any) -> tuple[str | None, dict[str, Any]]:
    try:
        name = embedder.name()
    except Exception:
        name = None
    try:
        config = embedder.get_config()
    except Exception:
        config = None
    if not isinstance(name, str):
        name = type(embedder).__name__
    return name, config if isinstance(config, dict) else {}


# ------------------------------------------------------------------------ store


@dataclass
class _Stored:
    text: str
    meta: dict[str, Any]


class CorpusStore:
    """Past summaries in Chroma: chunk collection + document registry, written under a lock.

    Create with :meth:`open`. Reads may happen at any time (from several threads);
    mutating methods must run inside ``with store.writer():``.
    """

    def __init__(
        self, settings: Settings, embedder: EmbeddingFunction[Documents], server: _Server | None
    ) -> None:
        self.settings = settings
        self.embedder = embedder
        self._server = server
        self.collection_name = settings.collection
        self.registry_name = settings.collection + REGISTRY_SUFFIX
        if server is None:
            self._store_dir: Path | None = Path(settings.store).expanduser().resolve()
            self._lock_path = self._store_dir / LOCK_FILE_NAME
        else:
            self._store_dir = None
            self._lock_path = (
                Path(settings.cache_dir).expanduser()
                / "locks"
                / f"{server.slug}_{settings.collection}.lock"
            )
        self._file_lock = filelock.FileLock(str(self._lock_path), thread_local=False)
        self._write_gate = threading.Lock()  # one writer() per store object at a time
        self._mutex = threading.RLock()  # guards the client and every Chroma call
        self._writer_owner: int | None = None
        self._writer_depth = 0
        self._block_bumped = False  # revision bumped in the current writer block
        self._client: Any = None
        self._chunks: Any = None
        self._docs: Any = None
        self._seen_revision: int | None = None

    # ------------------------------------------------------------------ open/close

    @classmethod
    def open(
        cls, settings: Settings, *, embedder: EmbeddingFunction[Documents] | None = None
    ) -> CorpusStore:
        """Open (creating if needed) the collection the settings name.

        Embedded ``PersistentClient(settings.store)`` unless ``settings.chroma_url`` names
        a Chroma server (which must be on this machine unless ``settings.allow_remote``).
        ``embedder`` defaults to :func:`drafter.embed.make_embedder`.
        """
        validate_collection_name(settings.collection)
        server: _Server | None = None
        if settings.chroma_url:
            server = _parse_server(settings.chroma_url)
            require_local_or_allowed(
                server.url, allow_remote=settings.allow_remote, what="Chroma 服务"
            )
        store = cls(settings, embedder if embedder is not None else make_embedder(settings), server)
        with store._mutex:
            store._connect()
        return store

    def close(self) -> None:
        """Release the Chroma client (the store can still be used: it reconnects)."""
        with self._mutex:
            self._disconnect()

    def __enter__(self) -> CorpusStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def location(self) -> str:
        """Where the store lives: the store directory or the server URL."""
        return str(self._store_dir) if self._server is None else self._server.url

    @property
    def is_server(self) -> bool:
        return self._server is not None

    @property
    def lock_path(self) -> Path:
        return self._lock_path

    @property
    def lexical_cache_dir(self) -> Path:
        """Where derived indexes live: the store directory, or a cache dir per server."""
        if self._store_dir is not None:
            return self._store_dir
        assert self._server is not None
        return Path(self.settings.cache_dir).expanduser() / "lexical" / self._server.slug

    def _where(self) -> str:
        if self._server is None:
            return f"向量库 {self._store_dir}（集合 {self.collection_name}）"
        return f"Chroma 服务 {self._server.url}（集合 {self.collection_name}）"

    def _unreachable(self, exc: BaseException) -> StoreError:
        assert self._server is not None
        port = self._server.port
        return StoreError(
            f"无法连接 Chroma 服务 {self._server.url}：{exc}",
            hint=(
                f"先启动服务：chroma run --path 向量库目录 --host 127.0.0.1 --port {port}；"
                "或去掉 chroma_url（DRAFTER_CHROMA_URL）改用本机内嵌的向量库。"
            ),
        )

    def _probe_server(self) -> None:
        """Fail fast (request_timeout) before Chroma's client, which waits without limit."""
        import httpx

        assert self._server is not None
        scheme = "https" if self._server.ssl else "http"
        url = f"{scheme}://{self._server.host}:{self._server.port}/api/v2/heartbeat"
        try:
            response = httpx.get(url, timeout=self.settings.request_timeout)
        except httpx.TimeoutException as exc:
            raise self._unreachable(
                TimeoutError(f"{self.settings.request_timeout:g} 秒内没有响应")
            ) from exc
        except httpx.HTTPError as exc:
            raise self._unreachable(exc) from exc
        if response.status_code != 200:
            raise StoreError(
                f"{self._server.url} 上的服务不像 Chroma 1.x："
                f"/api/v2/heartbeat 返回 HTTP {response.status_code}。",
                hint="检查 chroma_url 的主机和端口；drafter 需要 chromadb 1.5 的 chroma run 服务。",
            )

    def _make_client(self) -> Any:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        chroma_settings = ChromaSettings(anonymized_telemetry=False)
        if self._server is not None:
            self._probe_server()
            try:
                client = chromadb.HttpClient(
                    host=self._server.host,
                    port=self._server.port,
                    ssl=self._server.ssl,
                    settings=chroma_settings,
                )
                _set_http_timeout(client, self.settings.request_timeout)
                client.heartbeat()
            except DrafterError:
                raise
            except Exception as exc:
                raise self._unreachable(exc) from exc
            return client
        assert self._store_dir is not None
        if self._store_dir.exists() and not self._store_dir.is_dir():
            raise StoreError(
                f"向量库路径 {self._store_dir} 是一个文件，不是目录。",
                hint="用 --store 指定一个目录（不存在时会自动创建）。",
            )
        try:
            self._store_dir.mkdir(parents=True, exist_ok=True)
            return chromadb.PersistentClient(path=str(self._store_dir), settings=chroma_settings)
        except Exception as exc:
            known = _disk_problem(self._store_dir, exc, "打开")
            if known is not None:
                raise known from exc
            raise StoreError(
                f"无法打开向量库 {self._store_dir}：{exc}",
                hint="检查目录权限，或确认它是 drafter（Chroma 1.5）建立的向量库。",
            ) from exc

    def _connect(self) -> None:
        """Open a client and both collections (creating them under the lock if missing)."""
        client = self._make_client()
        try:
            with self._guard("打开集合"):
                chunks = self._open_chunks(client)
                docs = self._open_registry(client)
                self._client, self._chunks, self._docs = client, chunks, docs
                self._seen_revision = self._read_revision()
        except BaseException:
            self._client = self._chunks = self._docs = None
            _close_client(client)
            raise

    def _disconnect(self) -> None:
        client = self._client
        self._client = self._chunks = self._docs = None
        self._seen_revision = None
        if client is not None:
            _close_client(client)

    def _reconnect(self) -> None:
        self._disconnect()
        self._connect()

    def _open_chunks(self, client: Any) -> Any:
        from chromadb.errors import NotFoundError

        name = self.collection_name
        try:
            existing = client.get_collection(name, embedding_function=None)
        except NotFoundError:
            existing = None
        if existing is None:
            with self._creation_lock():
                try:
                    created = client.get_or_create_collection(
                        name,
                        embedding_function=self.embedder,
                        configuration={"hnsw": {"space": "cosine"}},
                        metadata={"created_by": "drafter"},
                    )
                except ValueError as exc:  # created meanwhile with another embedding function
                    if "conflict" not in str(exc).lower():
                        raise
                    existing = client.get_collection(name, embedding_function=None)
                else:
                    self._check_compatible(created)
                    return created
        self._check_compatible(existing)
        return client.get_collection(name, embedding_function=self.embedder)

    def _open_registry(self, client: Any) -> Any:
        from chromadb.errors import NotFoundError

        try:
            return client.get_collection(self.registry_name, embedding_function=None)
        except NotFoundError:
            pass
        with self._creation_lock():
            return client.get_or_create_collection(
                self.registry_name, embedding_function=None, metadata={"created_by": "drafter"}
            )

    @contextlib.contextmanager
    def _creation_lock(self) -> Iterator[None]:
        if self._writer_owner is not None:  # already ours
            yield
            return
        with self._acquire_file_lock(None):
            yield

    def _check_compatible(self, collection: Any) -> None:
        """StoreError when the collection was built with another embedding or space."""
        config = getattr(collection, "configuration_json", None) or {}
        persisted = config.get("embedding_function") or {}
        their_name = persisted.get("name") if isinstance(persisted, dict) else None
        their_config = persisted.get("config") if isinstance(persisted, dict) else None
        my_name, my_config = _embedder_identity(self.embedder)
        if their_name in (None, "default"):
            compatible = collection.count() == 0
        else:
            compatible = embedding_identity(their_name, their_config) == embedding_identity(
                my_name, my_config
            )
        if not compatible:
            raise StoreError(
                f"{self._where()}是用{describe_embedding(their_name, their_config)}建立的，"
                f"而当前设置使用{describe_embedding(my_name, my_config)}。两种嵌入的向量空间不同，"
                "混在一个集合里会使检索结果失去意义，因此拒绝打开。",
                hint="改回建库时的嵌入设置（embedding / embedding_model），或换一个集合名"
                "（--collection 或 DRAFTER_COLLECTION）用新的嵌入重新导入全部范文。",
            )
        hnsw = config.get("hnsw") or {}
        spann = config.get("spann") or {}
        space = (hnsw.get("space") if isinstance(hnsw, dict) else None) or (
            spann.get("space") if isinstance(spann, dict) else None
        )
        if space not in (None, "cosine"):
            raise StoreError(
                f"{self._where()}使用 {space} 距离，drafter 需要余弦（cosine）距离。",
                hint="换一个集合名（--collection）让 drafter 新建集合后重新导入。",
            )

    # ------------------------------------------------------------------ guarding

    @contextlib.contextmanager
    def _guard(self, action: str) -> Iterator[None]:
        """Turn Chroma/transport failures into StoreError with a Chinese message."""
        try:
            yield
        except DrafterError:
            raise
        except (ConnectionError, TimeoutError) as exc:
            if self._server is not None:
                raise self._unreachable(exc) from exc
            raise StoreError(f"{self._where()}{action}失败：{exc}") from exc
        except Exception as exc:
            if self._server is not None and _is_transport_error(exc):
                raise self._unreachable(exc) from exc
            from chromadb.errors import ChromaError

            if isinstance(exc, ChromaError | OSError) and self._store_dir is not None:
                known = _disk_problem(self._store_dir, exc, action)
                if known is not None:
                    raise known from exc
            if isinstance(exc, ChromaError | OSError):
                raise StoreError(
                    f"{self._where()}{action}失败：{exc}",
                    hint="确认向量库未被其他程序损坏；必要时删除后重新导入。",
                ) from exc
            raise

    def _ensure_current(self) -> None:
        """Connect if needed; an embedded reader reopens when another process wrote."""
        if self._client is None:
            self._connect()
            return
        if self._server is not None or self._writer_owner is not None:
            return
        with self._guard("读取版本"):
            revision = self._read_revision()
        if revision == self._seen_revision:
            return
        # Reload only while no writer is at work; otherwise keep the consistent older view.
        try:
            self._file_lock.acquire(blocking=False)
        except filelock.Timeout:
            return
        except OSError:
            self._reconnect()
            return
        try:
            self._reconnect()
        finally:
            self._file_lock.release()

    # ------------------------------------------------------------------ lock

    def _busy_error(self) -> StoreError:
        return StoreError(
            f"{self._where()}正被另一个进程写入（锁文件 {self._lock_path}），"
            f"等待 {self.settings.lock_timeout:g} 秒后仍未释放。",
            hint="等另一个导入或删除操作结束后重试，或调大 lock_timeout（DRAFTER_LOCK_TIMEOUT）。"
            "若确认没有其他 drafter 进程在运行，可删除该锁文件。",
        )

    @contextlib.contextmanager
    def _acquire_file_lock(
        self, on_wait: Callable[[], None] | None, timeout: float | None = None
    ) -> Iterator[None]:
        try:
            self._lock_path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"无法创建锁文件目录 {self._lock_path.parent}：{exc}") from exc
        try:
            try:
                self._file_lock.acquire(blocking=False)
            except filelock.Timeout:
                if on_wait is not None:
                    on_wait()
                wait = self.settings.lock_timeout if timeout is None else timeout
                self._file_lock.acquire(timeout=max(wait, 0.0))
        except filelock.Timeout:
            raise self._busy_error() from None
        except OSError as exc:
            raise StoreError(
                f"无法创建锁文件 {self._lock_path}：{exc}", hint="检查该目录的写权限。"
            ) from exc
        try:
            yield
        finally:
            self._file_lock.release()

    @contextlib.contextmanager
    def writer(self, on_wait: Callable[[], None] | None = None) -> Iterator[CorpusStore]:
        """Hold the store's write lock; mutating methods work only inside this block.

        Waits up to ``settings.lock_timeout`` seconds for another writer, calling
        ``on_wait`` once if it has to wait; raises StoreError on timeout. Re-entrant in the
        thread that holds it.
        """
        me = threading.get_ident()
        if self._writer_owner == me:
            self._writer_depth += 1
            try:
                yield self
            finally:
                self._writer_depth -= 1
            return
        deadline = time.monotonic() + self.settings.lock_timeout
        waited = False
        if not self._write_gate.acquire(blocking=False):  # another thread of this process
            if on_wait is not None:
                on_wait()
                waited = True
            if not self._write_gate.acquire(timeout=max(self.settings.lock_timeout, 0.0)):
                raise self._busy_error()
        try:
            remaining = deadline - time.monotonic()
            with self._acquire_file_lock(None if waited else on_wait, remaining):
                with self._mutex:
                    self._writer_owner = me
                    self._writer_depth = 1
                    self._block_bumped = False
                    try:
                        if self._server is None:
                            self._reconnect()  # a fresh view of what other processes wrote
                        elif self._client is None:
                            self._connect()
                    except BaseException:
                        self._writer_owner = None
                        self._writer_depth = 0
                        raise
                try:
                    yield self
                finally:
                    with self._mutex:
                        try:
                            if self._server is None:
                                self._disconnect()  # flush the index while still holding the lock
                        finally:
                            self._writer_owner = None
                            self._writer_depth = 0
        finally:
            self._write_gate.release()

    def _require_writer(self, operation: str) -> None:
        if self._writer_owner != threading.get_ident():
            raise NotWriterError(
                f"内部错误：{operation} 会修改向量库，必须在 with store.writer(): 中调用"
                "（两个进程同时写入同一向量库会静默丢失记录）。"
            )

    # ------------------------------------------------------------------ revision

    def _read_revision(self) -> int:
        got = self._docs.get(ids=[_REVISION_ID], include=["metadatas"])
        metas = got.get("metadatas") or []
        if not metas or not metas[0]:
            return 0
        return _opt_int(metas[0].get("revision")) or 0

    def _begin_change(self) -> None:
        """Bump the revision once per writer block, before its first write.

        An index built before the block then looks stale even if the writer dies halfway.
        """
        if not self._block_bumped:
            self._write_registry([], [])
            self._block_bumped = True

    def _write_registry(
        self, ids: list[str], metadatas: list[dict[str, str | int | float | bool]]
    ) -> None:
        """Upsert registry records together with a new revision (one Chroma write)."""
        new = max(self._read_revision() + 1, time.time_ns() // 1000)
        self._docs.upsert(
            ids=[*ids, _REVISION_ID],
            embeddings=[_DUMMY_EMBEDDING] * (len(ids) + 1),
            metadatas=[*metadatas, {"record": _RECORD_REVISION, "revision": new}],
        )
        self._seen_revision = new

    def revision(self) -> int:
        """Changes whenever the contents change (monotonic, not dense; 0 for a new store)."""
        with self._mutex:
            self._ensure_current()
            with self._guard("读取版本"):
                return self._read_revision()

    # ------------------------------------------------------------------ registry reads

    def _registry_records(self, where: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
        out: list[tuple[str, dict[str, Any]]] = []
        offset = 0
        while True:
            got = self._docs.get(where=where, include=["metadatas"], limit=_PAGE, offset=offset)
            ids = got.get("ids") or []
            metas = got.get("metadatas") or [None] * len(ids)
            out.extend((i, dict(m or {})) for i, m in zip(ids, metas, strict=True))
            if len(ids) < _PAGE:
                return out
            offset += len(ids)

    def _registry_get(self, doc_id: str) -> tuple[DocumentInfo, dict[str, int]] | None:
        got = self._docs.get(ids=[doc_id], include=["metadatas"])
        ids = got.get("ids") or []
        if not ids:
            return None
        meta = (got.get("metadatas") or [None])[0]
        if (meta or {}).get("record") != _RECORD_DOC:
            return None
        return _doc_from_metadata(ids[0], meta), _kinds_from_metadata(meta)

    def documents(self) -> list[DocumentInfo]:
        """Every ingested document (from the registry), sorted by source path."""
        with self._mutex:
            self._ensure_current()
            with self._guard("读取文档列表"):
                records = self._registry_records({"record": _RECORD_DOC})
        docs = [_doc_from_metadata(i, m) for i, m in records]
        return sorted(docs, key=lambda d: (d.source, d.doc_id))

    def document_line_keys(self) -> dict[str, set[str]]:
        """doc_id → the keys of its short raw lines (documents ingested before issue 17
        have none)."""
        with self._mutex:
            self._ensure_current()
            with self._guard("读取文档列表"):
                records = self._registry_records({"record": _RECORD_DOC})
        return {
            doc_id: set(str(meta.get("line_keys") or "").split())
            for doc_id, meta in records
            if meta.get("line_keys")
        }

    def document_by_hash(self, content_hash: str) -> DocumentInfo | None:
        """The document whose cleaned text has this hash, if any."""
        with self._mutex:
            self._ensure_current()
            with self._guard("查询文档"):
                found = self._find_by_hash(content_hash, exclude=None)
        return found

    def _find_by_hash(self, content_hash: str, *, exclude: str | None) -> DocumentInfo | None:
        records = self._registry_records(
            {"$and": [{"record": _RECORD_DOC}, {"content_hash": content_hash}]}
        )
        for doc_id, meta in sorted(records):
            if doc_id != exclude:
                return _doc_from_metadata(doc_id, meta)
        return None

    def document(self, key: str) -> DocumentInfo:
        """A document by id, unique id prefix (≥4 characters), source file name or path.

        InputError (Chinese) when nothing or more than one document matches.
        """
        key = key.strip()
        with self._mutex:
            self._ensure_current()
            with self._guard("查询文档"):
                exact = self._registry_get(key) if key else None
        if exact is not None:
            return exact[0]
        docs = self.documents()
        matches: dict[str, DocumentInfo] = {}
        if len(key) >= MIN_PREFIX:
            for d in docs:
                if d.doc_id.startswith(key):
                    matches[d.doc_id] = d
        resolved: str | None
        try:
            resolved = str(Path(key).expanduser().resolve()) if key else None
        except (OSError, RuntimeError):
            resolved = None
        for d in docs:
            if key and (d.source == key or Path(d.source).name == key or d.source == resolved):
                matches[d.doc_id] = d
        if len(matches) == 1:
            return next(iter(matches.values()))
        if not matches:
            short = f"（文档 ID 前缀至少写 {MIN_PREFIX} 位）" if 0 < len(key) < MIN_PREFIX else ""
            raise InputError(
                f"范文库中没有找到文档“{key}”{short}。",
                hint="用 drafter corpus list 查看已入库文档的 ID 和来源文件名；"
                "可写完整 ID、ID 的前几位或文件名。",
            )
        listing = "\n".join(
            f"  - {d.doc_id}  {Path(d.source).name}  {d.title or ''}".rstrip()
            for d in sorted(matches.values(), key=lambda d: d.doc_id)
        )
        raise InputError(
            f"“{key}”匹配到 {len(matches)} 篇文档：\n{listing}",
            hint="请写更长的文档 ID 以区分。",
        )

    # ------------------------------------------------------------------ chunk reads

    def _records_of(self, doc_id: str) -> dict[str, _Stored]:
        out: dict[str, _Stored] = {}
        offset = 0
        while True:
            got = self._chunks.get(
                where={"doc_id": doc_id},
                include=["documents", "metadatas"],
                limit=_PAGE,
                offset=offset,
            )
            ids = got.get("ids") or []
            texts = got.get("documents") or [None] * len(ids)
            metas = got.get("metadatas") or [None] * len(ids)
            for cid, text, meta in zip(ids, texts, metas, strict=True):
                out[cid] = _Stored(text or "", dict(meta or {}))
            if len(ids) < _PAGE:
                return out
            offset += len(ids)

    def chunks_of(self, doc_id: str) -> list[StoredChunk]:
        """A document's chunks in document order."""
        with self._mutex:
            self._ensure_current()
            with self._guard("读取文本块"):
                records = self._records_of(doc_id)
        chunks = [chunk_from_record(cid, r.text, r.meta) for cid, r in records.items()]
        return sorted(chunks, key=lambda c: (c.position, c.id))

    def iter_chunks(self, batch_size: int = 2000) -> Iterator[StoredChunk]:
        """Every chunk of the collection, fetched ``batch_size`` at a time."""
        batch_size = max(1, int(batch_size))
        offset = 0
        while True:
            with self._mutex:
                self._ensure_current()
                with self._guard("读取文本块"):
                    got = self._chunks.get(
                        include=["documents", "metadatas"], limit=batch_size, offset=offset
                    )
            ids = got.get("ids") or []
            texts = got.get("documents") or [None] * len(ids)
            metas = got.get("metadatas") or [None] * len(ids)
            for cid, text, meta in zip(ids, texts, metas, strict=True):
                yield chunk_from_record(cid, text, meta)
            if len(ids) < batch_size:
                return
            offset += len(ids)

    def count(self) -> int:
        """Number of chunks in the collection."""
        with self._mutex:
            self._ensure_current()
            with self._guard("统计"):
                return int(self._chunks.count())

    def stats(self) -> dict[str, Any]:
        """Documents and chunks, and chunk counts by kind, year and bureau (from the registry)."""
        with self._mutex:
            self._ensure_current()
            with self._guard("统计"):
                records = self._registry_records({"record": _RECORD_DOC})
                n_chunks = int(self._chunks.count())
                revision = self._read_revision()
        by_kind: Counter[str] = Counter()
        by_year: Counter[str] = Counter()
        by_bureau: Counter[str] = Counter()
        for doc_id, meta in records:
            info = _doc_from_metadata(doc_id, meta)
            by_kind.update(_kinds_from_metadata(meta))
            by_year[str(info.year) if info.year is not None else "未知"] += info.n_chunks
            by_bureau[info.bureau or "未知"] += info.n_chunks
        return {
            "documents": len(records),
            "chunks": n_chunks,
            "by_kind": dict(sorted(by_kind.items())),
            "by_year": dict(sorted(by_year.items())),
            "by_bureau": dict(sorted(by_bureau.items())),
            "revision": revision,
            "collection": self.collection_name,
            "location": self.location,
            "embedding": _embedder_identity(self.embedder)[0],
        }

    # ------------------------------------------------------------------ queries

    def dense_query(
        self, text: str, *, n: int, where: dict[str, Any] | None = None
    ) -> list[tuple[StoredChunk, float]]:
        """The ``n`` nearest chunks to ``text`` (embedded as a query) with cosine distances."""
        if n <= 0:
            return []
        vector = self.embedder.embed_query([text])[0]
        return self.dense_query_vector(vector, n=n, where=where)

    def dense_query_vector(
        self, vector: Sequence[float] | Any, *, n: int, where: dict[str, Any] | None = None
    ) -> list[tuple[StoredChunk, float]]:
        """Like :meth:`dense_query` with a precomputed query embedding."""
        if n <= 0:
            return []
        with self._mutex:
            self._ensure_current()
            with self._guard("检索"):
                got = self._chunks.query(
                    query_embeddings=[vector],
                    n_results=int(n),
                    where=where or None,
                    include=["documents", "metadatas", "distances"],
                )
        ids = (got.get("ids") or [[]])[0]
        texts = (got.get("documents") or [[None] * len(ids)])[0]
        metas = (got.get("metadatas") or [[None] * len(ids)])[0]
        dists = (got.get("distances") or [[0.0] * len(ids)])[0]
        return [
            (chunk_from_record(cid, text, meta), float(dist))
            for cid, text, meta, dist in zip(ids, texts, metas, dists, strict=True)
        ]

    # ------------------------------------------------------------------ writes

    def put_document(
        self,
        info: DocumentInfo,
        chunks: Sequence[StoredChunk],
        *,
        embeddings: Sequence[Sequence[float]] | Any | None = None,
        line_keys: Sequence[str] = (),
    ) -> PutResult:
        """Store one document's chunks and its registry record.

        * "unchanged": the doc_id is stored with the same content hash and the same
          chunks (ids, texts, metadata) — nothing is written;
        * "duplicate": another document has the same content hash — nothing is written
          (see :meth:`document_by_hash`);
        * "replaced": the doc_id existed — only new or changed chunks are embedded, stale
          ones are deleted afterwards and the registry record is written last, so a
          failure leaves the old version whole;
        * "added": a new document.

        ``embeddings`` (one vector per chunk) skips the model, e.g. for benchmarks.
        ``line_keys`` (see :func:`drafter.clean_furniture.line_keys`) are kept with the
        registry record so later documents can tell site furniture repeated across
        documents (:meth:`document_line_keys`).
        """
        self._require_writer("put_document")
        chunks = list(chunks)
        vectors = None if embeddings is None else list(embeddings)
        _validate_chunks(info, chunks, vectors)
        info = dataclasses.replace(
            info, n_chunks=len(chunks), ingested_at=info.ingested_at or _now_iso()
        )
        kinds = dict(Counter(c.kind for c in chunks))
        with self._mutex, self._guard("写入文档"):
            old = self._registry_get(info.doc_id)
            same_content = old is not None and old[0].content_hash == info.content_hash
            if not same_content and self._find_by_hash(info.content_hash, exclude=info.doc_id):
                return "duplicate"
            stored = self._records_of(info.doc_id)
            new_ids = {c.id for c in chunks}
            to_embed: list[int] = []
            to_update: list[int] = []
            for i, c in enumerate(chunks):
                have = stored.get(c.id)
                if have is None or have.text != c.text:
                    to_embed.append(i)
                elif have.meta != chunk_metadata(c):
                    to_update.append(i)
            stale = sorted(set(stored) - new_ids)
            if (
                old is not None
                and same_content
                and not (to_embed or to_update or stale)
                and _same_document(old[0], info)
                and old[1] == kinds
            ):
                return "unchanged"
            self._check_id_collisions(info.doc_id, [chunks[i].id for i in to_embed], stored)
            self._begin_change()
            self._write_chunks(chunks, vectors, to_embed, stored)
            if to_update:
                ids = [chunks[i].id for i in to_update]
                metas = [chunk_metadata(chunks[i]) for i in to_update]
                for a, b in _batches(len(ids), self._max_batch()):
                    self._chunks.update(ids=ids[a:b], metadatas=metas[a:b])
            for a, b in _batches(len(stale), self._max_batch()):
                self._chunks.delete(ids=stale[a:b])
            self._write_registry([info.doc_id], [_doc_metadata(info, kinds, line_keys)])
        return "added" if old is None else "replaced"

    def add_with_embeddings(
        self,
        info: DocumentInfo,
        chunks: Sequence[StoredChunk],
        embeddings: Sequence[Sequence[float]] | Any,
    ) -> PutResult:
        """:meth:`put_document` with precomputed vectors (no model runs)."""
        return self.put_document(info, chunks, embeddings=embeddings)

    def _max_batch(self) -> int:
        try:
            return max(1, int(self._client.get_max_batch_size()))
        except Exception:
            return 1000

    def _check_id_collisions(
        self, doc_id: str, ids: list[str], stored: Mapping[str, _Stored]
    ) -> None:
        foreign = [i for i in ids if i not in stored]
        for a, b in _batches(len(foreign), self._max_batch()):
            got = self._chunks.get(ids=foreign[a:b], include=["metadatas"])
            for cid, meta in zip(got.get("ids") or [], got.get("metadatas") or [], strict=False):
                owner = (meta or {}).get("doc_id")
                if owner != doc_id:
                    raise StoreError(
                        f"内部错误：文本块 ID {cid} 已属于文档 {owner}，不能再用于文档 {doc_id}。",
                        hint="文本块 ID 必须在整个范文库中唯一（应包含文档 ID）。",
                    )

    def _write_chunks(
        self,
        chunks: list[StoredChunk],
        vectors: list[Any] | None,
        indexes: list[int],
        stored: Mapping[str, _Stored],
    ) -> None:
        """Upsert the given chunks; on failure delete the ones this call newly added."""
        size = (
            self._max_batch()
            if vectors is not None
            else min(self._max_batch(), _DEFAULT_WRITE_BATCH)
        )
        written: list[str] = []
        try:
            for a, b in _batches(len(indexes), size):
                part = [chunks[i] for i in indexes[a:b]]
                kwargs: dict[str, Any] = {
                    "ids": [c.id for c in part],
                    "documents": [c.text for c in part],
                    "metadatas": [chunk_metadata(c) for c in part],
                }
                if vectors is not None:
                    kwargs["embeddings"] = [vectors[i] for i in indexes[a:b]]
                self._chunks.upsert(**kwargs)
                written.extend(c.id for c in part)
        except BaseException:
            fresh = [cid for cid in written if cid not in stored]
            with contextlib.suppress(Exception):
                for a, b in _batches(len(fresh), self._max_batch()):
                    self._chunks.delete(ids=fresh[a:b])
            raise

    def remove_document(self, doc_id: str) -> int:
        """Delete a document's registry record and all its chunks; returns the chunk count.

        The registry record goes first: an interruption leaves orphan chunks, which the
        next ingest of that document cleans up, never a listed document without chunks.
        """
        self._require_writer("remove_document")
        with self._mutex, self._guard("删除文档"):
            old = self._registry_get(doc_id)
            ids = sorted(self._records_of(doc_id))
            if old is None and not ids:
                raise InputError(
                    f"范文库中没有文档 {doc_id}。",
                    hint="用 drafter corpus list 查看已入库文档的 ID。",
                )
            self._begin_change()
            if old is not None:
                self._docs.delete(ids=[doc_id])
            for a, b in _batches(len(ids), self._max_batch()):
                self._chunks.delete(ids=ids[a:b])
            self._write_registry([], [])
        return len(ids)


# ----------------------------------------------------------------------- helpers


def _validate_chunks(
    info: DocumentInfo, chunks: list[StoredChunk], vectors: list[Any] | None
) -> None:
    if not info.doc_id or info.doc_id == _REVISION_ID:
        raise ValueError(f"invalid document id {info.doc_id!r}")
    seen: set[str] = set()
    for c in chunks:
        if c.doc_id != info.doc_id:
            raise ValueError(f"chunk {c.id} belongs to {c.doc_id}, not {info.doc_id}")
        if c.id in seen:
            raise ValueError(f"duplicate chunk id {c.id} in document {info.doc_id}")
        if c.id == _REVISION_ID:
            raise ValueError(f"reserved chunk id {c.id}")
        seen.add(c.id)
    if vectors is not None and len(vectors) != len(chunks):
        raise ValueError(f"{len(vectors)} embeddings for {len(chunks)} chunks")


def _same_document(a: DocumentInfo, b: DocumentInfo) -> bool:
    return all(getattr(a, f) == getattr(b, f) for f in _DOC_COMPARE_FIELDS)


#: How SQLite/Chroma/the OS say the disk is full or refuses writes (codes 13: SQLITE_FULL,
#: 778: SQLITE_IOERR_WRITE; EFBIG/ENOSPC/EDQUOT as text).
_DISK_FULL_SIGNS = (
    "database or disk is full",
    "(code: 13)",
    "disk i/o error",
    "no space left",
    "file too large",
    "quota exceeded",
)
_READ_ONLY_SIGNS = ("readonly database", "read-only file system", "permission denied")


def _disk_problem(store_dir: Path, exc: BaseException, action: str) -> StoreError | None:
    """A plain message for a full disk or a store directory that cannot be written.

    Chroma reports these as raw database errors; the generic advice for a damaged store
    (delete it and ingest again) would be harmful here: the data is intact.
    """
    text = str(exc).lower()
    if isinstance(exc, PermissionError) or any(sign in text for sign in _READ_ONLY_SIGNS):
        return StoreError(
            f"向量库 {store_dir} {action}失败：该目录或其中的文件不可写（只读或权限不足）。"
            "Chroma 打开向量库时需要写入，只读取的命令也不例外；库中已有内容不受影响。",
            hint="给当前用户该目录及其中文件的写权限后重试（如 chmod -R u+w 目录）；"
            "只读的共享库可先复制到可写的位置，再用 --store 指定。",
        )
    if any(sign in text for sign in _DISK_FULL_SIGNS):
        return StoreError(
            f"向量库 {store_dir} {action}失败：磁盘已满或无法写入（{exc}）。"
            "本次未写完的文档没有入库，此前已入库的内容完好。",
            hint="清理磁盘空间后重新运行同一命令，已入库的文件会自动跳过；不要删除向量库。",
        )
    return None


def _close_client(client: Any) -> None:
    close = getattr(client, "close", None)
    if callable(close):
        with contextlib.suppress(Exception):
            close()


def _set_http_timeout(client: Any, seconds: float) -> None:
    """Chroma's HTTP client waits forever by default; bound every request."""
    session = getattr(getattr(client, "_server", None), "_session", None)
    if session is None:
        return
    with contextlib.suppress(Exception):
        import httpx

        session.timeout = httpx.Timeout(seconds)


def _is_transport_error(exc: BaseException) -> bool:
    try:
        import httpx
    except ImportError:  # pragma: no cover
        return False
    if isinstance(exc, httpx.TransportError):
        return True
    return isinstance(exc, ValueError) and "Could not connect" in str(exc)
