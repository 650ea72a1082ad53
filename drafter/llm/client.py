"""The chat model: endpoint resolution, the ChatOpenAI client, error classification, retries.

Every model is reached through one protocol, an OpenAI-compatible chat endpoint
(``langchain-openai``), whether it is OpenAI, DeepSeek, Qwen, GLM, Moonshot, Ollama, vLLM,
LM Studio or the bundled llama.cpp server. Text goes to a non-loopback endpoint only when
the user allowed it (``--allow-remote`` / ``DRAFTER_ALLOW_REMOTE``).

Resolution order (first given wins):

* base URL: ``base_url=`` (command line) > ``DRAFTER_LLM_BASE_URL`` > ``OPENAI_BASE_URL``
  (see below) > the provider preset;
* model: ``model=`` > ``DRAFTER_LLM_MODEL`` > ``OPENAI_MODEL`` (see below) > preset default;
* API key: ``DRAFTER_LLM_API_KEY`` > ``OPENAI_API_KEY`` (see below).

The ``OPENAI_*`` variables are fallbacks only where they belong to the endpoint: provider
``openai`` or ``custom``, or no provider configured at all. With an explicitly chosen
provider such as ``deepseek`` they are ignored, so an OpenAI key exported for other tools
is never sent to a third party (``OPENAI_MODEL`` is still used by ``ollama``/``vllm``/
``lmstudio``, which have no default model of their own).

Errors are classified once, by :func:`classify_error`; :func:`invoke_with_retries` retries
the retryable ones with exponential backoff and raises :class:`LLMError` otherwise.

The API key is kept as a :class:`~pydantic.SecretStr`; it is never shown in a repr, a log
line or an error message, and nothing in this module writes it anywhere.
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import math
import os
import random
import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Final
from urllib.parse import urlsplit, urlunsplit

import httpx
import openai
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage
from langchain_openai import ChatOpenAI
from pydantic import SecretStr

from drafter.errors import ConfigError, DrafterError
from drafter.settings import Settings, is_loopback_url, require_local_or_allowed


def _httpx_modules() -> tuple[Any, ...]:
    """httpx, and httpx2 when present (openai >= 3 speaks httpx2, older releases httpx)."""
    try:
        import httpx2
    except ImportError:  # pragma: no cover - depends on the installed openai
        return (httpx,)
    return (httpx, httpx2)


_HTTPX_MODULES = _httpx_modules()
_TIMEOUT_EXC: tuple[type[BaseException], ...] = (
    openai.APITimeoutError,
    TimeoutError,
    *(m.TimeoutException for m in _HTTPX_MODULES),
)
_TRANSPORT_EXC: tuple[type[BaseException], ...] = (
    openai.APIConnectionError,
    ConnectionError,
    *(m.TransportError for m in _HTTPX_MODULES),
)
_CONNECT_EXC: tuple[type[BaseException], ...] = tuple(m.ConnectError for m in _HTTPX_MODULES)

__all__ = [
    "LOCAL_MODEL_NAME",
    "MAX_BACKOFF",
    "MAX_RETRY_AFTER",
    "PRESETS",
    "PROVIDERS",
    "TRUNCATED_PROBLEM",
    "Completion",
    "EmptyResponseError",
    "LLMConfig",
    "LLMError",
    "LLMFailure",
    "Preset",
    "classify_error",
    "complete_with_retries",
    "describe_endpoint",
    "invoke_with_retries",
    "make_chat_model",
    "prompt_hash",
    "resolve_llm_config",
    "retry_delay",
]

#: Longest wait between two attempts computed by exponential backoff (seconds).
MAX_BACKOFF: Final = 30.0
#: Longest server-requested wait (Retry-After) that is honoured as given (seconds).
MAX_RETRY_AFTER: Final = 60.0
#: Model name sent to the bundled llama.cpp server (which serves whatever it loaded).
LOCAL_MODEL_NAME: Final = "qwen2.5-coder-1.5b-instruct"
#: Sent as the API key to keyless local servers (the openai client insists on one).
_NO_KEY: Final = "not-needed"


# --------------------------------------------------------------------------------------
# Providers and configuration
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Preset:
    """Where a provider is reached and which model it answers with by default.

    ``base_url`` is None for ``local`` (the bundled llama.cpp server, whose address is
    decided when it is started) and ``custom`` (the user gives it). ``model`` is None when
    the provider has no sensible default (the user must name the model).
    """

    label: str
    base_url: str | None
    model: str | None
    needs_local_server: bool = False


PRESETS: Final[Mapping[str, Preset]] = {
    "local": Preset("内置本地模型（llama.cpp）", None, LOCAL_MODEL_NAME, needs_local_server=True),
    "openai": Preset("OpenAI", "https://api.openai.com/v1", "gpt-4o-mini"),
    "deepseek": Preset("DeepSeek", "https://api.deepseek.com/v1", "deepseek-chat"),
    "qwen": Preset(
        "通义千问（DashScope 兼容模式）",
        "https://dashscope.aliyuncs.com/compatible-mode/v1",
        "qwen-plus",
    ),
    "zhipu": Preset("智谱 GLM", "https://open.bigmodel.cn/api/paas/v4", "glm-4-flash"),
    "moonshot": Preset("Moonshot（Kimi）", "https://api.moonshot.cn/v1", "moonshot-v1-8k"),
    "ollama": Preset("Ollama", "http://127.0.0.1:11434/v1", None),
    "vllm": Preset("vLLM", "http://127.0.0.1:8000/v1", None),
    "lmstudio": Preset("LM Studio", "http://127.0.0.1:1234/v1", None),
    "custom": Preset("自定义 OpenAI 兼容服务", None, None),
}

PROVIDERS: Final[tuple[str, ...]] = tuple(PRESETS)

#: Providers for which the generic OPENAI_* variables describe the same endpoint.
_OPENAI_ENV_PROVIDERS: Final = frozenset({"openai", "custom"})
#: Providers without a default model may take OPENAI_MODEL (no key or URL is involved).
_NO_DEFAULT_MODEL: Final = frozenset(p for p, preset in PRESETS.items() if preset.model is None)


@dataclass(frozen=True)
class LLMConfig:
    """A resolved chat endpoint. ``repr`` never shows the key.

    ``base_url`` is None only while ``needs_local_server`` is True: the bundled server's
    address is filled in (``dataclasses.replace(cfg, base_url=…, needs_local_server=False)``
    or :meth:`with_base_url`) by whoever starts it.
    """

    provider: str
    base_url: str | None
    model: str
    api_key: SecretStr | None = field(default=None, repr=False, compare=False)
    timeout: float = 120.0
    max_retries: int = 3
    backoff: float = 1.0
    temperature: float = 0.3
    max_tokens: int = 800
    concurrency: int = 4
    needs_local_server: bool = False

    @property
    def is_remote(self) -> bool:
        """True when text would leave this machine."""
        return self.base_url is not None and not is_loopback_url(self.base_url)

    @property
    def has_api_key(self) -> bool:
        return self.api_key is not None and bool(self.api_key.get_secret_value())

    def with_base_url(self, base_url: str) -> LLMConfig:
        """This config pointed at a running server (the bundled one once it is started)."""
        return replace(self, base_url=base_url.strip().rstrip("/"), needs_local_server=False)


def _env(name: str) -> str | None:
    value = os.environ.get(name, "").strip()
    return value or None


def resolve_llm_config(
    settings: Settings,
    *,
    base_url: str | None = None,
    model: str | None = None,
    allow_remote: bool | None = None,
) -> LLMConfig:
    """The chat endpoint to use: settings + command-line overrides (None = not given).

    Raises :class:`ConfigError` for an unknown provider, a missing base URL (``custom``) or
    model name, or a non-loopback endpoint when remote use is not allowed.
    """
    provider = settings.llm_provider
    preset = PRESETS.get(provider)
    if preset is None:
        raise ConfigError(
            f"未知的模型服务类型 {provider!r}。",
            hint=f"DRAFTER_LLM_PROVIDER 可取：{' | '.join(PROVIDERS)}。",
        )
    # The generic OPENAI_* variables apply only when they name this endpoint.
    openai_env = (
        provider in _OPENAI_ENV_PROVIDERS or "llm_provider" not in settings.model_fields_set
    )

    url = base_url or settings.llm_base_url or (_env("OPENAI_BASE_URL") if openai_env else None)
    url_given = url is not None
    if url is None:
        url = preset.base_url
    url = url.strip().rstrip("/") if url else None
    if url is not None and urlsplit(url).scheme not in ("http", "https"):
        raise ConfigError(
            f"模型服务地址 {_safe_url(url)} 无效：需以 http:// 或 https:// 开头。",
            hint="例如 --llm-base-url http://127.0.0.1:8080/v1。",
        )
    needs_local_server = url is None and preset.needs_local_server
    if url is None and not needs_local_server:
        raise ConfigError(
            f"模型服务类型 {provider} 需要指定服务地址。",
            hint="用 --llm-base-url 或 DRAFTER_LLM_BASE_URL 给出 OpenAI 兼容接口地址"
            "（通常以 /v1 结尾）。",
        )

    name = model or settings.llm_model
    if name is None and ((openai_env and not needs_local_server) or provider in _NO_DEFAULT_MODEL):
        name = _env("OPENAI_MODEL")
    if name is None:
        name = preset.model
    if not name or not name.strip():
        raise ConfigError(
            f"模型服务类型 {provider} 没有默认模型，需要指定模型名。",
            hint="用 --llm-model 或 DRAFTER_LLM_MODEL 指定服务中已有的模型名。",
        )

    key = settings.llm_api_key
    if (key is None or not key.get_secret_value()) and openai_env and not needs_local_server:
        env_key = _env("OPENAI_API_KEY")
        key = SecretStr(env_key) if env_key else None
    if key is not None and not key.get_secret_value():
        key = None

    if url is not None:
        allowed = settings.allow_remote if allow_remote is None else allow_remote
        require_local_or_allowed(_safe_url(url), allow_remote=allowed, what="模型服务")
        if key is None and not is_loopback_url(url) and not url_given:
            raise ConfigError(
                f"未设置 {preset.label} 的 API 密钥。",
                hint="设置环境变量 DRAFTER_LLM_API_KEY（密钥不会被写入任何文件）。",
            )

    return LLMConfig(
        provider=provider,
        base_url=url,
        model=name.strip(),
        api_key=key,
        timeout=settings.llm_timeout,
        max_retries=settings.llm_max_retries,
        backoff=settings.llm_backoff,
        temperature=settings.llm_temperature,
        max_tokens=settings.llm_max_tokens,
        concurrency=settings.llm_concurrency,
        needs_local_server=needs_local_server,
    )


def describe_endpoint(cfg: LLMConfig) -> str:
    """One line for logs and session records: provider, base URL, model — never the key."""
    where = _safe_url(cfg.base_url) if cfg.base_url else "本地模型服务（启动后确定地址）"
    return f"{cfg.provider} {where} 模型 {cfg.model}"


def make_chat_model(cfg: LLMConfig) -> ChatOpenAI:
    """A ChatOpenAI client for ``cfg``; it never retries by itself (see invoke_with_retries).

    For a loopback endpoint the HTTP client ignores proxy environment variables, so local
    traffic never passes through (and text never leaves the machine via) a proxy.
    """
    if cfg.base_url is None:
        raise ConfigError(
            "本地模型服务尚未启动，没有可用的服务地址。",
            hint="先启动内置模型服务，或用 --llm-base-url 指定已在运行的 OpenAI 兼容服务。",
        )
    api_key = cfg.api_key if cfg.has_api_key else SecretStr(_NO_KEY)
    extra: dict[str, Any] = {}
    if cfg.provider == "openai":
        # ChatOpenAI sends the limit as max_completion_tokens (OpenAI's current name) ...
        extra["max_completion_tokens"] = cfg.max_tokens
    else:
        # ... which DeepSeek, Ollama and older llama.cpp servers ignore: send max_tokens.
        extra["extra_body"] = {"max_tokens": cfg.max_tokens}
    if is_loopback_url(cfg.base_url):
        extra["http_client"] = openai.DefaultHttpxClient(trust_env=False)
        extra["http_async_client"] = openai.DefaultAsyncHttpxClient(trust_env=False)
    return ChatOpenAI(
        model=cfg.model,
        base_url=cfg.base_url,
        api_key=api_key,
        timeout=cfg.timeout,
        max_retries=0,
        temperature=cfg.temperature,
        use_responses_api=False,
        **extra,
    )


# --------------------------------------------------------------------------------------
# Error classification
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LLMFailure:
    """One failed call, classified: whether to retry, what kind, what to tell the user.

    ``message`` is short Simplified Chinese ("服务繁忙（429）") so the CLI can say
    "第2次重试：服务繁忙（429），3.0秒后重试…"; ``hint`` names the fix when there is one.
    ``kind`` is one of: rate_limited, quota, server_error, timeout, connection_refused,
    connection, malformed, empty, truncated, content_filter, auth, forbidden,
    model_not_found, url_not_found, context_length, bad_request, client_error, unexpected.
    """

    retryable: bool
    kind: str
    message: str
    retry_after: float | None = None
    hint: str | None = None
    status: int | None = None

    @property
    def endpoint_wide(self) -> bool:
        """True when any other call would fail alike (bad key, no such model, server gone).

        A drafting run stops starting new sections after such a failure instead of
        retrying every remaining section against a dead or refusing endpoint.
        """
        return self.kind not in _SECTION_SPECIFIC_KINDS


#: Failures that depend on the one prompt or answer: other sections may still succeed.
_SECTION_SPECIFIC_KINDS: Final = frozenset(
    {"context_length", "bad_request", "content_filter", "empty", "truncated", "unexpected"}
)


class EmptyResponseError(Exception):
    """The model answered without any text (``finish_reason`` says why, when known)."""

    def __init__(self, finish_reason: str | None = None) -> None:
        super().__init__(f"empty completion (finish_reason={finish_reason})")
        self.finish_reason = finish_reason


class LLMError(DrafterError):
    """A chat model call failed for good; ``failure`` says how, ``attempts`` how often tried."""

    def __init__(self, failure: LLMFailure, *, attempts: int = 1) -> None:
        message = failure.message
        if failure.retryable and attempts > 1:
            message = f"{message}；已尝试 {attempts} 次仍未成功。"
        super().__init__(message, hint=failure.hint)
        self.failure = failure
        self.attempts = attempts


_KEY_HINT = "检查 DRAFTER_LLM_API_KEY（或 OPENAI_API_KEY），密钥不会被写入任何文件。"
_URL_HINT = "检查 --llm-base-url / DRAFTER_LLM_BASE_URL 是否正确（通常以 /v1 结尾）。"
_SECRETISH = re.compile(r"\b(sk|ak|pk)-[A-Za-z0-9_\-*.]{6,}", re.IGNORECASE)
_BEARER = re.compile(r"(?i)bearer\s+\S+")


def classify_error(exc: BaseException, *, model: str | None = None) -> LLMFailure:
    """Classify any exception raised while calling a chat model (done once, here).

    ``model`` names the requested model in a 404 message (read from the request otherwise).
    """
    if isinstance(exc, EmptyResponseError):
        return _classify_empty(exc.finish_reason)
    if isinstance(exc, openai.APIStatusError):
        return _classify_status(exc, model)
    # APITimeoutError is an APIConnectionError: test for timeouts first.
    if _is_timeout(exc):
        return LLMFailure(
            True,
            "timeout",
            "请求超时",
            hint="模型响应过慢：可调大 DRAFTER_LLM_TIMEOUT，或换用更小、更快的模型。",
        )
    if isinstance(exc, _TRANSPORT_EXC):
        url = _request_url(exc)
        where = f" {url}" if url else ""
        if _is_refused(exc):
            return LLMFailure(
                True,
                "connection_refused",
                f"无法连接模型服务{where}（连接被拒绝）",
                hint="请先启动模型服务，或检查 --llm-base-url / DRAFTER_LLM_BASE_URL 是否正确。",
            )
        return LLMFailure(
            True,
            "connection",
            f"与模型服务{where}的连接中断",
            hint="检查模型服务是否仍在运行、网络是否通畅。",
        )
    if isinstance(exc, openai.APIResponseValidationError | ValueError) or (
        isinstance(exc, KeyError | TypeError) and "choices" in str(exc)
    ):
        return LLMFailure(
            True,
            "malformed",
            "模型服务返回了无法解析的响应",
            hint="确认该地址是 OpenAI 兼容的 chat/completions 接口。" + _URL_HINT,
        )
    return LLMFailure(
        False,
        "unexpected",
        f"调用模型时出现意外错误：{type(exc).__name__}: {_scrub(str(exc))}",
    )


def _classify_empty(finish_reason: str | None) -> LLMFailure:
    if finish_reason == "length":
        return LLMFailure(
            True,
            "truncated",
            "模型输出达到长度上限且没有正文",
            hint="可调大 DRAFTER_LLM_MAX_TOKENS。",
        )
    if finish_reason == "content_filter":
        return LLMFailure(
            True,
            "content_filter",
            "模型输出被服务的内容安全策略拦截",
            hint="检查输入材料中是否有被拦截的内容，或换用其他模型。",
        )
    return LLMFailure(True, "empty", "模型返回了空内容")


def _classify_status(exc: openai.APIStatusError, model: str | None) -> LLMFailure:
    code = exc.status_code
    server_msg, err_code = _error_details(exc)
    retry_after = _retry_after(exc.response.headers)
    if code == 429:
        if err_code == "insufficient_quota" or "quota" in server_msg.lower():
            return LLMFailure(
                False,
                "quota",
                "账户额度不足（429）",
                hint="到模型服务商控制台检查余额或额度。",
                status=code,
            )
        return LLMFailure(
            True,
            "rate_limited",
            "服务繁忙（429）",
            retry_after=retry_after,
            hint="可稍后再试，或调小 DRAFTER_LLM_CONCURRENCY。",
            status=code,
        )
    if code in (401, 403):
        what = "API 密钥无效" if code == 401 else "API 密钥无权访问该服务或模型"
        return LLMFailure(
            False,
            "auth" if code == 401 else "forbidden",
            f"{what}（{code}）：{_KEY_HINT}",
            status=code,
        )
    if code == 404:
        name = model or _request_model(exc)
        looks_like_model = err_code == "model_not_found" or "model" in server_msg.lower()
        if looks_like_model:
            named = f"模型 {name}" if name else "所请求的模型"
            return LLMFailure(
                False,
                "model_not_found",
                f"{named} 不存在或无权使用（404）：请用 --llm-model 指定服务中已有的模型名"
                "（或设置 DRAFTER_LLM_MODEL）。",
                status=code,
            )
        url = _request_url(exc)
        return LLMFailure(
            False,
            "url_not_found",
            f"接口地址 {url or ''} 不存在（404）。",
            hint=_URL_HINT
            + (f"地址无误时，也可能是模型 {name} 不存在，请用 --llm-model 指定。" if name else ""),
            status=code,
        )
    if code in (408, 409) or code >= 500:
        kind = "timeout" if code == 408 else "server_error"
        detail = "服务端超时" if code == 408 else "服务端错误"
        return LLMFailure(True, kind, f"{detail}（{code}）", retry_after=retry_after, status=code)
    if code == 400 and _is_context_overflow(server_msg, err_code):
        return LLMFailure(
            False,
            "context_length",
            "提示词超出模型的上下文长度（400）",
            hint="减少示例段落数量，或换用上下文更长的模型。",
            status=code,
        )
    detail = f"：{_scrub(server_msg)[:200]}" if server_msg else ""
    kind = "bad_request" if code == 400 else "client_error"
    return LLMFailure(False, kind, f"模型服务拒绝了请求（{code}）{detail}", status=code)


def _is_context_overflow(message: str, code: str | None) -> bool:
    text = message.lower()
    return code == "context_length_exceeded" or any(
        s in text for s in ("context length", "context_length", "maximum context", "too long")
    )


def _error_details(exc: openai.APIStatusError) -> tuple[str, str | None]:
    """The server's error message and code (OpenAI's ``{"error": {...}}`` or a bare body)."""
    body: Any = exc.body
    if isinstance(body, Mapping) and isinstance(body.get("error"), Mapping):
        body = body["error"]
    message: Any = None
    code: Any = None
    if isinstance(body, Mapping):
        message = body.get("message")
        code = body.get("code")
    elif isinstance(body, str):
        message = body
    if not isinstance(message, str):
        message = exc.message if isinstance(exc.message, str) else ""
    return message, str(code) if code is not None else None


def _retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds the server asked us to wait (retry-after-ms, Retry-After seconds or date)."""
    ms = headers.get("retry-after-ms")
    if ms:
        try:
            value = float(ms) / 1000.0
            if math.isfinite(value) and value >= 0:
                return value
        except ValueError:
            pass
    raw = headers.get("retry-after")
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(raw)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return max(0.0, (when - datetime.now(UTC)).total_seconds())
    return value if math.isfinite(value) and value >= 0 else None


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _is_timeout(exc: BaseException) -> bool:
    return isinstance(exc, _TIMEOUT_EXC)


def _is_refused(exc: BaseException) -> bool:
    for e in _chain(exc):
        if isinstance(e, ConnectionRefusedError):
            return True
        if isinstance(e, _CONNECT_EXC) and "refused" in str(e).lower():
            return True
    return False


def _request_url(exc: BaseException) -> str | None:
    for e in _chain(exc):
        try:
            request = getattr(e, "request", None)
        except RuntimeError:  # httpx: ".request" accessed before it was set
            continue
        url = getattr(request, "url", None) if request is not None else None
        if url is not None:
            return _safe_url(str(url))
    return None


def _request_model(exc: openai.APIStatusError) -> str | None:
    try:
        body = json.loads(exc.request.content or b"null")
    except Exception:  # best effort: a streamed or unread body has no model to show
        return None
    name = body.get("model") if isinstance(body, dict) else None
    return name if isinstance(name, str) else None


def _safe_url(url: str) -> str:
    """The URL without user:password@ and without a query string (either may hold a key)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "（无效地址）"
    netloc = parts.hostname or ""
    if ":" in netloc:  # IPv6
        netloc = f"[{netloc}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    if port is not None:
        netloc = f"{netloc}:{port}"
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def _scrub(text: str) -> str:
    """Mask anything in a server message that looks like a key."""
    return _BEARER.sub("Bearer ***", _SECRETISH.sub(lambda m: f"{m.group(1)}-***", text))


# --------------------------------------------------------------------------------------
# Calling with retries
# --------------------------------------------------------------------------------------


def retry_delay(
    attempt: int,
    backoff: float,
    retry_after: float | None = None,
    *,
    rand: Callable[[], float] = random.random,
) -> float:
    """Seconds to wait before retry number ``attempt`` (1-based).

    ``retry_after`` from the server wins (capped at MAX_RETRY_AFTER); otherwise
    ``backoff × 2^(attempt-1)`` with ±20 % jitter, capped at MAX_BACKOFF.
    """
    if retry_after is not None:
        return min(max(0.0, retry_after), MAX_RETRY_AFTER)
    if backoff <= 0:
        return 0.0
    base = min(MAX_BACKOFF, backoff * 2.0 ** max(0, attempt - 1))
    return min(MAX_BACKOFF, base * (0.8 + 0.4 * rand()))


def prompt_hash(messages: Sequence[BaseMessage]) -> str:
    """A short digest of exactly what was sent, kept with each version as provenance."""
    joined = "\x00".join(str(m.content) for m in messages)
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()[:16]


#: Sent back to the model when an answer stopped at the token limit (Completion.truncated).
TRUNCATED_PROBLEM = "上一稿写到长度上限被截断，没有写完。请写得更简短，保证段落完整。"


@dataclass(frozen=True)
class Completion:
    """A model's text and why it stopped (``"length"``: cut off at the token limit)."""

    text: str
    finish_reason: str | None = None

    @property
    def truncated(self) -> bool:
        return self.finish_reason == "length"


def invoke_with_retries(
    model: BaseChatModel,
    messages: list[BaseMessage],
    *,
    max_retries: int,
    backoff: float,
    on_retry: Callable[[int, LLMFailure, float], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> str:
    """Call ``model`` and return its text; retry retryable failures up to ``max_retries`` times.

    Empty or whitespace-only text counts as a (retryable) failure. Before retry number
    ``n`` (1-based), ``on_retry(n, failure, delay)`` is called, then ``sleep(delay)``.
    A non-retryable failure raises :class:`LLMError` at once; after ``max_retries``
    retries (``max_retries + 1`` calls) the last failure is raised as :class:`LLMError`.
    KeyboardInterrupt and other non-``Exception`` exceptions pass through untouched.
    """
    return complete_with_retries(
        model, messages, max_retries=max_retries, backoff=backoff, on_retry=on_retry, sleep=sleep
    ).text


def complete_with_retries(
    model: BaseChatModel,
    messages: list[BaseMessage],
    *,
    max_retries: int,
    backoff: float,
    on_retry: Callable[[int, LLMFailure, float], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Completion:
    """:func:`invoke_with_retries`, also telling whether the text was cut off at the limit."""
    name = _model_name(model)
    attempt = 0
    while True:
        try:
            result = model.invoke(messages)
            text = str(result.text)
            raw_finish = result.response_metadata.get("finish_reason")
            finish = raw_finish if isinstance(raw_finish, str) else None
            if not text.strip():
                raise EmptyResponseError(finish)
            return Completion(text, finish)
        except Exception as exc:
            failure = classify_error(exc, model=name)
            if not failure.retryable or attempt >= max_retries:
                raise LLMError(failure, attempts=attempt + 1) from exc
        attempt += 1
        delay = retry_delay(attempt, backoff, failure.retry_after)
        if on_retry is not None:
            on_retry(attempt, failure, delay)
        sleep(delay)


def _model_name(model: BaseChatModel) -> str | None:
    for attr in ("model_name", "model"):
        value = getattr(model, attr, None)
        if isinstance(value, str) and value:
            return value
    return None
