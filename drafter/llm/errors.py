"""How a chat model call failed, and whether and when to try again.

:func:`classify_error` turns any exception raised while calling a model into one
:class:`LLMFailure` (retryable or not, a kind, a Chinese message and hint);
:class:`LLMError` is what the callers see; :func:`retry_delay` is the backoff policy.
Split from :mod:`drafter.llm.client`, which makes the calls.
"""

from __future__ import annotations

import email.utils
import json
import math
import random
import re
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from drafter.errors import DrafterError
from drafter.settings import safe_url
from drafter.transport import RequestConnectionError, RequestTimeoutError, UnsupportedProxyError

__all__ = [
    "MAX_BACKOFF",
    "MAX_RETRY_AFTER",
    "EmptyResponseError",
    "LLMError",
    "LLMFailure",
    "ResponseStatusError",
    "classify_error",
    "retry_delay",
]


class ResponseStatusError(Exception):
    """The endpoint answered with a non-2xx status.

    ``body`` is the parsed JSON answer, or its text when it is not JSON; ``headers`` has
    lower-case names; ``request_model`` is the model asked for, shown in a 404 message.
    """

    def __init__(
        self,
        status_code: int,
        *,
        body: object,
        headers: Mapping[str, str],
        request_url: str | None = None,
        request_model: str | None = None,
    ) -> None:
        super().__init__(f"HTTP {status_code}")
        self.status_code = status_code
        self.body = body
        self.headers = headers
        self.request_url = request_url
        self.request_model = request_model


@dataclass(frozen=True)
class _Status:
    """A status failure, whoever raised it (drafter's client or, when loaded, the openai SDK)."""

    code: int
    body: Any
    message: str
    headers: Mapping[str, str]
    model: str | None


def _loaded(name: str) -> Any:
    """A module already imported by someone else, or None.

    Exceptions of the openai SDK, httpx or httpx2 (a langchain chat model passed in, the
    embedding client) can only exist once their module is loaded; importing them here
    would cost `regenerate` most of a second.
    """
    return sys.modules.get(name)


def _foreign(attr: str) -> tuple[type[BaseException], ...]:
    """``attr`` of openai, httpx and httpx2, for those loaded (e.g. TimeoutException)."""
    found: list[type[BaseException]] = []
    for name in ("openai", "httpx", "httpx2"):
        module = _loaded(name)
        value = getattr(module, attr, None) if module is not None else None
        if isinstance(value, type) and issubclass(value, BaseException):
            found.append(value)
    return tuple(found)


def _timeout_exc() -> tuple[type[BaseException], ...]:
    return (
        RequestTimeoutError,
        TimeoutError,
        *_foreign("APITimeoutError"),
        *_foreign("TimeoutException"),
    )


def _transport_exc() -> tuple[type[BaseException], ...]:
    return (
        RequestConnectionError,
        ConnectionError,
        *_foreign("APIConnectionError"),
        *_foreign("TransportError"),
    )


def _connect_exc() -> tuple[type[BaseException], ...]:
    return _foreign("ConnectError")


def _status_of(exc: BaseException) -> _Status | None:
    """The status failure in ``exc``, if it is one (drafter's or the openai SDK's)."""
    if isinstance(exc, ResponseStatusError):
        # As the SDK words it: the text itself, or the parsed body after the status.
        body = exc.body
        if isinstance(body, str) or body is None:
            message = body or f"Error code: {exc.status_code}"
        else:
            message = f"Error code: {exc.status_code} - {body}"
        return _Status(exc.status_code, exc.body, message, exc.headers, exc.request_model)
    openai = _loaded("openai")
    if openai is not None and isinstance(exc, openai.APIStatusError):
        message = exc.message if isinstance(exc.message, str) else ""
        return _Status(
            exc.status_code, exc.body, message, exc.response.headers, _request_model(exc)
        )
    return None


def _is_malformed(exc: BaseException) -> bool:
    if isinstance(exc, (ValueError, *_foreign("APIResponseValidationError"))):
        return True
    return isinstance(exc, KeyError | TypeError) and "choices" in str(exc)


#: Longest wait between two attempts computed by exponential backoff (seconds).
MAX_BACKOFF: Final = 30.0
#: Longest server-requested wait (Retry-After) that is honoured as given (seconds).
MAX_RETRY_AFTER: Final = 60.0


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
    status = _status_of(exc)
    if status is not None:
        return _classify_status(status, model, _request_url(exc))
    # APITimeoutError is an APIConnectionError: test for timeouts first.
    if _is_timeout(exc):
        return LLMFailure(
            True,
            "timeout",
            "请求超时",
            hint="模型响应过慢：可调大 DRAFTER_LLM_TIMEOUT，或换用更小、更快的模型。",
        )
    if isinstance(exc, _transport_exc()):
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
    if isinstance(exc, UnsupportedProxyError):
        return LLMFailure(False, "connection", str(exc), hint=exc.hint)
    if _is_malformed(exc):
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


def _classify_status(status: _Status, model: str | None, url: str | None) -> LLMFailure:
    code = status.code
    server_msg, err_code = _error_details(status)
    retry_after = _retry_after(status.headers)
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
        name = model or status.model
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


def _error_details(status: _Status) -> tuple[str, str | None]:
    """The server's error message and code (OpenAI's ``{"error": {...}}`` or a bare body)."""
    body: Any = status.body
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
        message = status.message
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
    return isinstance(exc, _timeout_exc())


def _is_refused(exc: BaseException) -> bool:
    for e in _chain(exc):
        if isinstance(e, ConnectionRefusedError):
            return True
        if isinstance(e, _connect_exc()) and "refused" in str(e).lower():
            return True
    return False


def _request_url(exc: BaseException) -> str | None:
    for e in _chain(exc):
        own = getattr(e, "request_url", None)
        if isinstance(own, str):
            return safe_url(own)
        try:
            request = getattr(e, "request", None)
        except RuntimeError:  # httpx: ".request" accessed before it was set
            continue
        url = getattr(request, "url", None) if request is not None else None
        if url is not None:
            return safe_url(str(url))
    return None


def _request_model(exc: Any) -> str | None:
    """The model named in an openai SDK request's body."""
    try:
        body = json.loads(exc.request.content or b"null")
    except Exception:  # best effort: a streamed or unread body has no model to show
        return None
    name = body.get("model") if isinstance(body, dict) else None
    return name if isinstance(name, str) else None


def _scrub(text: str) -> str:
    """Mask anything in a server message that looks like a key."""
    return _BEARER.sub("Bearer ***", _SECRETISH.sub(lambda m: f"{m.group(1)}-***", text))


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
