"""A light OpenAI-compatible chat client: one POST to ``/chat/completions``, no SDK.

Why: importing langchain-openai, with langchain-core's chat-model and tracing machinery it
pulls in, costs about a second on a 2-core machine, and the openai SDK alone 0.6–0.8 s,
more than ``regenerate`` may spend on all else. drafter sends text messages and reads back
text and ``finish_reason``, which is one JSON request (:mod:`drafter.transport`). The
request is ChatOpenAI's (same payload: ``stream: false``, ``temperature``,
``max_completion_tokens`` for OpenAI or ``max_tokens`` elsewhere, ``developer`` role for
o-series models), and a failure is classified by
:func:`drafter.llm.errors.classify_error` as ChatOpenAI's was (tests/llm/test_openai_chat.py
compares both against the same stub).

The client never retries by itself (``max_retries=0``); every call has one ``timeout``
for connecting, sending and reading.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any, Final

from langchain_core.messages import AIMessage, BaseMessage, ChatMessage, HumanMessage
from pydantic import SecretStr

from drafter import __version__
from drafter.llm.errors import ResponseStatusError
from drafter.transport import HTTPReply, JSONPoster

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
        self.transport = JSONPoster(
            base_url,
            timeout=timeout,
            trust_env=trust_env,
            api_key=api_key.get_secret_value(),
            headers={
                "Content-Type": "application/json",
                "Accept": "application/json",
                "User-Agent": f"drafter/{__version__}",
            },
        )

    def __repr__(self) -> str:
        return (
            f"OpenAIChat(model_name={self.model_name!r}, base_url={self.base_url!r}, "
            f"timeout={self.request_timeout!r}, openai_api_key=SecretStr('**********'))"
        )

    def payload(self, messages: Sequence[BaseMessage]) -> dict[str, Any]:
        """The request body, as ChatOpenAI sends it for a chat completion."""
        body: dict[str, Any] = {"model": self.model_name, "stream": False}
        if self.temperature is not None:
            body["temperature"] = self.temperature
        if self.max_tokens is not None:
            body["max_completion_tokens"] = self.max_tokens
        if self.extra_body is not None:
            body.update(self.extra_body)  # the SDK merges extra_body into the top level
        body["messages"] = [message_dict(m, model=self.model_name) for m in messages]
        return body

    def invoke(self, input: str | Sequence[BaseMessage], /) -> AIMessage:
        """One chat completion; the text and ``finish_reason`` of its first choice.

        Transport failures and non-2xx answers raise drafter.llm.errors' errors; a 200
        answer that is not a completion raises ValueError, KeyError or TypeError naming
        ``choices``, as ChatOpenAI does, so both are classified alike.
        """
        messages = [HumanMessage(content=input)] if isinstance(input, str) else list(input)
        body = json.dumps(self.payload(messages), ensure_ascii=False).encode("utf-8")
        reply = self.transport.post("chat/completions", body)
        if not 200 <= reply.status < 300:
            raise ResponseStatusError(
                reply.status,
                body=_error_body(reply),
                headers=reply.headers,
                request_url=reply.url,
                request_model=self.model_name,
            )
        return self._message(_json_answer(reply))

    def close(self) -> None:
        """Close idle connections (the client stays usable)."""
        self.transport.close()

    def _message(self, data: Mapping[str, Any]) -> AIMessage:
        if data.get("error"):
            raise ValueError(data.get("error"))
        if "choices" not in data:
            raise KeyError(f"Response missing 'choices' key: {list(data)}")
        choices = data["choices"]
        if choices is None:
            raise TypeError("Received response with null value for 'choices'.")
        if not isinstance(choices, list):
            raise TypeError(f"'choices' is not a list: {type(choices).__name__}")
        if not choices:  # ChatOpenAI's invoke fails alike on an empty generation list
            raise IndexError("list index out of range")
        first = choices[0]
        message = first.get("message") if isinstance(first, Mapping) else None
        if not isinstance(message, Mapping):
            raise ValueError("malformed 'choices': the first choice has no message")
        usage = data.get("usage") if isinstance(data.get("usage"), Mapping) else {}
        return AIMessage(
            content=_text(message.get("content")),
            usage_metadata={
                "input_tokens": _count(usage.get("prompt_tokens")),
                "output_tokens": _count(usage.get("completion_tokens")),
                "total_tokens": _count(usage.get("total_tokens")),
            }
            if usage
            else None,
            response_metadata={
                "finish_reason": first.get("finish_reason"),
                "model_name": data.get("model", self.model_name),
                "model_provider": "openai",
            },
        )


def _json_answer(reply: HTTPReply) -> Mapping[str, Any]:
    """The parsed JSON object of a 200 answer; ValueError for anything else (an HTML
    login page served by a proxy, a truncated body, a JSON list)."""
    try:
        data = json.loads(reply.body)
    except ValueError as exc:
        preview = reply.body[:200].decode("utf-8", "replace")
        raise ValueError(
            f"Unexpected response type from OpenAI-compatible endpoint: {preview!r}"
        ) from exc
    if not isinstance(data, Mapping):
        raise ValueError(f"Unexpected response type from OpenAI-compatible endpoint: {data!r:.200}")
    return data


def _error_body(reply: HTTPReply) -> object:
    """An error answer's body: parsed JSON when it is JSON, else its text (as the SDK)."""
    text = reply.body.decode("utf-8", "replace").strip()
    try:
        return json.loads(text)
    except ValueError:
        return text


def _text(content: object) -> str:
    """The message text; a list of content parts (some servers) is joined."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(
            str(part.get("text") or "") if isinstance(part, Mapping) else str(part)
            for part in content
        )
    return str(content)


def _count(value: object) -> int:
    if isinstance(value, int | float | str):
        try:
            return int(value)
        except ValueError:
            return 0
    return 0
