"""The Chroma connection of the corpus store: client, collections, errors and the write lock.

Split out of :mod:`drafter.corpus.store` (see its docstring for the layout and why writes
hold a file lock): :class:`StoreConnection` opens and reopens the client, checks that a
collection matches the embedding, turns Chroma and transport failures into
:class:`~drafter.errors.StoreError`, and implements ``writer()`` and the revision.
:class:`~drafter.corpus.store.CorpusStore` adds the reads and writes on top.
"""

from __future__ import annotations

import contextlib
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self
from urllib.parse import urlparse

import filelock
from chromadb.api.types import Documents, EmbeddingFunction

from drafter.corpus.embed import describe_embedding, embedding_identity, make_embedder
from drafter.corpus.store_errors import disk_problem, is_transport_error
from drafter.corpus.store_records import REVISION_ID, opt_int, validate_collection_name
from drafter.errors import ConfigError, DrafterError, StoreError
from drafter.settings import Settings, require_local_or_allowed

REGISTRY_SUFFIX = "__docs"
LOCK_FILE_NAME = ".drafter-write.lock"

_DUMMY_EMBEDDING = [1.0]
_RECORD_REVISION = "revision"

_UNSAFE_FILE_CHARS = re.compile(r"[^A-Za-z0-9.-]+")


class NotWriterError(StoreError, RuntimeError):
    """A mutating method was called outside ``with store.writer():`` (a programming error)."""


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


def embedder_identity(embedder: Any) -> tuple[str | None, dict[str, Any]]:
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


class StoreConnection:
    """The Chroma client and collections of one store, guarded and written under a lock.

    Reads may happen at any time (from several threads); mutating methods must run inside
    ``with store.writer():``.
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
    ) -> Self:
        """Open (creating if needed) the collection the settings name.

        Embedded ``PersistentClient(settings.store)`` unless ``settings.chroma_url`` names
        a Chroma server (which must be on this machine unless ``settings.allow_remote``).
        ``embedder`` defaults to :func:`drafter.corpus.embed.make_embedder`.
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

    def __enter__(self) -> Self:
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
            known = disk_problem(self._store_dir, exc, "打开")
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
        my_name, my_config = embedder_identity(self.embedder)
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
            if self._server is not None and is_transport_error(exc):
                raise self._unreachable(exc) from exc
            from chromadb.errors import ChromaError

            if isinstance(exc, ChromaError | OSError) and self._store_dir is not None:
                known = disk_problem(self._store_dir, exc, action)
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
    def writer(self, on_wait: Callable[[], None] | None = None) -> Iterator[Self]:
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
        got = self._docs.get(ids=[REVISION_ID], include=["metadatas"])
        metas = got.get("metadatas") or []
        if not metas or not metas[0]:
            return 0
        return opt_int(metas[0].get("revision")) or 0

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
            ids=[*ids, REVISION_ID],
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
