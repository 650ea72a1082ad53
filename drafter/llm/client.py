"""The chat model: the OpenAI-compatible client and calls with retries.

Every model is reached through one protocol, an OpenAI-compatible chat endpoint
(:class:`drafter.llm.openai_chat.OpenAIChat`, plain HTTP), whether it is OpenAI,
DeepSeek, Qwen, GLM, Moonshot, Ollama, vLLM, LM Studio or the bundled llama.cpp server.
Which endpoint is resolved by :mod:`drafter.llm.config` (kept free of openai and langchain
for light commands); errors are classified once, by :func:`drafter.llm.errors.classify_error`.
:func:`invoke_with_retries` retries the retryable ones with exponential backoff
(:func:`drafter.llm.errors.retry_delay`) and raises :class:`~drafter.llm.errors.LLMError`
otherwise.

The API key is kept as a :class:`~pydantic.SecretStr`; it is never shown in a repr, a log
line or an error message, and nothing in this module writes it anywhere.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Protocol

from pydantic import SecretStr

from drafter.errors import ConfigError
from drafter.llm.config import LLMConfig
from drafter.llm.errors import EmptyResponseError, LLMError, LLMFailure, classify_error, retry_delay

if TYPE_CHECKING:
    from langchain_core.messages import BaseMessage

    from drafter.llm.openai_chat import OpenAIChat

__all__ = [
    "TRUNCATED_PROBLEM",
    "ChatModel",
    "Completion",
    "complete_with_retries",
    "invoke_with_retries",
    "make_chat_model",
    "prompt_hash",
]

#: Sent as the API key to keyless local servers (ChatOpenAI sent one; some servers want one).
_NO_KEY: Final = "not-needed"


class ChatModel(Protocol):
    """What drafting needs of a chat model: messages in, one message (text and
    ``response_metadata["finish_reason"]``) out. OpenAIChat and any langchain chat model
    (the tests' FakeChatModel) fit."""

    def invoke(self, input: list[BaseMessage], /) -> BaseMessage: ...


def make_chat_model(cfg: LLMConfig) -> OpenAIChat:
    """The chat client for ``cfg``; it never retries by itself (see invoke_with_retries).

    For a loopback endpoint the HTTP client ignores proxy environment variables, so local
    traffic never passes through (and text never leaves the machine via) a proxy.
    """
    if cfg.base_url is None:
        raise ConfigError(
            "本地模型服务尚未启动，没有可用的服务地址。",
            hint="先启动内置模型服务，或用 --llm-base-url 指定已在运行的 OpenAI 兼容服务。",
        )
    from drafter.llm.openai_chat import OpenAIChat  # langchain-core messages: only when used

    api_key = cfg.api_key if cfg.api_key is not None and cfg.has_api_key else SecretStr(_NO_KEY)
    return OpenAIChat(
        model=cfg.model,
        base_url=cfg.base_url,
        api_key=api_key,
        timeout=cfg.timeout,
        temperature=cfg.temperature,
        max_tokens=cfg.max_tokens,
        # OpenAI's current name for the limit; other servers are sent max_tokens.
        max_tokens_as_completion_limit=cfg.provider == "openai",
    )


# --------------------------------------------------------------------------------------
# Calling with retries
# --------------------------------------------------------------------------------------


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
    model: ChatModel,
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
    model: ChatModel,
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


def _model_name(model: ChatModel) -> str | None:
    for attr in ("model_name", "model"):
        value = getattr(model, attr, None)
        if isinstance(value, str) and value:
            return value
    return None
