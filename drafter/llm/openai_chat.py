"""A light OpenAI-compatible chat client: the openai SDK's chat completions, no langchain-openai.

Why: importing langchain-openai, with langchain-core's chat-model and tracing machinery it
pulls in, costs about a second on a 2-core machine, more than ``regenerate`` spends on all
else. drafter sends text messages and reads back text and ``finish_reason``, so the openai
SDK alone suffices. The request follows ChatOpenAI's (same payload: ``stream: false``,
``temperature``, ``max_completion_tokens`` for OpenAI or ``extra_body.max_tokens``
elsewhere, ``developer`` role for o-series models) and so do the errors for a malformed
answer, so :func:`drafter.llm.errors.classify_error` sees the same exceptions.

The client never retries by itself (``max_retries=0``); every call has ``timeout``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Final

import openai
from langchain_core.messages import AIMessage, BaseMessage, ChatMessage, HumanMessage
from pydantic import SecretStr

__all__ = ["OpenAIChat", "message_dict"]

#: langchain message type → chat completions role.
_ROLES: Final = {"system": "system", "human": "user", "ai": "assistant", "tool": "tool"}
#: OpenAI's o-series reasoning models take the system prompt as a "developer" message.
_O_SERIES = re.compile(r"^o\d")


def message_dict(message: BaseMessage, *, model: str) -> dict[str, Any]:
    """One langchain message as a chat completions message (text content, as ChatOpenAI)."""
    role = message.role if isinstance(message, ChatMessage) else _ROLES.get(message.type)
    if role is None:
        raise TypeError(f"unsupported message type for a chat completion: {message.type}")
    if role == "system" and _O_SERIES.match(model):
        role = "developer"
    out: dict[str, Any] = {"role": role, "content": message.content}
    if message.name is not None:
        out["name"] = message.name
    return out


class OpenAIChat:
    """A chat model on one OpenAI-compatible endpoint; ``invoke`` returns an AIMessage.

    The attributes mirror ChatOpenAI's names (``model_name``, ``request_timeout``,
    ``max_retries``, ``openai_api_key``, ``max_tokens``, ``extra_body``) so callers and the
    error messages read the same. The key is a SecretStr and never appears in a repr.
    """

    max_retries: Final = 0

    def __init__(
        self,
        *,
        model: str,
        base_url: str,
        api_key: SecretStr,
        timeout: float,
        temperature: float | None,
        max_tokens: int,
        max_tokens_as_completion_limit: bool,
        trust_env: bool = True,
    ) -> None:
        self.model_name = model
        self.base_url = base_url
        self.openai_api_key = api_key
        self.request_timeout = timeout
        self.temperature = temperature
        # OpenAI takes the limit as max_completion_tokens; DeepSeek, Ollama and older
        # llama.cpp servers ignore that name and need max_tokens (sent as extra_body).
        self.max_tokens: int | None = max_tokens if max_tokens_as_completion_limit else None
        self.extra_body: dict[str, Any] | None = (
            None if max_tokens_as_completion_limit else {"max_tokens": max_tokens}
        )
        self.client = openai.OpenAI(
            api_key=api_key.get_secret_value(),
            base_url=base_url,
            timeout=timeout,
            max_retries=0,
            http_client=None if trust_env else openai.DefaultHttpxClient(trust_env=False),
        )

    def __repr__(self) -> str:
        return (
            f"OpenAIChat(model_name={self.model_name!r}, base_url={self.base_url!r}, "
            f"timeout={self.request_timeout!r}, openai_api_key=SecretStr('**********'))"
        )

    def payload(self, messages: Sequence[BaseMessage]) -> dict[str, Any]:
        """The request body's fields, as ChatOpenAI builds them for a chat completion."""
        body: dict[str, Any] = {"model": self.model_name, "stream": False}
        if self.temperature is not None:
            body["temperature"] = self.temperature
        if self.max_tokens is not None:
            body["max_completion_tokens"] = self.max_tokens
        if self.extra_body is not None:
            body["extra_body"] = self.extra_body
        body["messages"] = [message_dict(m, model=self.model_name) for m in messages]
        return body

    def invoke(self, input: str | Sequence[BaseMessage], /) -> AIMessage:
        """One chat completion; the text and ``finish_reason`` of its first choice.

        openai's own exceptions (status, timeout, connection) pass through untouched; an
        answer that is not a completion raises ValueError, KeyError or TypeError naming
        ``choices``, as ChatOpenAI does, so both are classified alike.
        """
        messages = [HumanMessage(content=input)] if isinstance(input, str) else list(input)
        raw = self.client.chat.completions.with_raw_response.create(**self.payload(messages))
        return self._message(raw.parse())

    def _message(self, response: object) -> AIMessage:
        if isinstance(response, openai.BaseModel):
            data: Mapping[str, Any] = response.model_dump(warnings=False)
        elif isinstance(response, Mapping):
            data = response
        else:  # a non-JSON body, e.g. an HTML error page served after a redirect
            preview = repr(response)[:200]
            raise ValueError(f"Unexpected response type from OpenAI-compatible endpoint: {preview}")
        if data.get("error"):
            raise ValueError(data.get("error"))
        if "choices" not in data:
            raise KeyError(f"Response missing 'choices' key: {list(data)}")
        choices = data["choices"]
        if choices is None:
            raise TypeError("Received response with null value for 'choices'.")
        if not choices:  # ChatOpenAI's invoke fails alike on an empty generation list
            raise IndexError("list index out of range")
        first = choices[0]
        message = first["message"]
        content = message.get("content", "") or ""
        usage = data.get("usage") or {}
        return AIMessage(
            content=content,
            usage_metadata={
                "input_tokens": int(usage.get("prompt_tokens") or 0),
                "output_tokens": int(usage.get("completion_tokens") or 0),
                "total_tokens": int(usage.get("total_tokens") or 0),
            }
            if usage
            else None,
            response_metadata={
                "finish_reason": first.get("finish_reason"),
                "model_name": data.get("model", self.model_name),
                "model_provider": "openai",
            },
        )
