"""A fake LangChain chat model driven by a responder function (no HTTP).

    from drafter.testing import FakeChatModel, ScriptedDrafter

    model = FakeChatModel(responder=ScriptedDrafter().complete)
    msg = model.invoke([SystemMessage("…"), HumanMessage("写一段，使用{F1}、{F2}")])
    model.prompts[-1]          # the BaseMessages it received
    model.openai_prompts[-1]   # the same as OpenAI-format dicts

The responder receives the messages in OpenAI format (``[{"role": "system", "content":
…}, …]``), the same shape the stub server's responders see, and returns the reply text.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    convert_to_openai_messages,
)
from langchain_core.messages.ai import UsageMetadata
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import Field, PrivateAttr

from drafter.testing.stub_llm import count_tokens, message_text

__all__ = ["FakeChatModel", "MessagesResponder"]

#: OpenAI-format messages → reply text.
MessagesResponder = Callable[[list[dict[str, Any]]], str]


def _default_responder(messages: list[dict[str, Any]]) -> str:
    return "好的。"


class FakeChatModel(BaseChatModel):
    """Chat model answering with ``responder(openai_messages)``; records every prompt.

    ``latency`` sleeps before each answer; ``stream_chunk_chars`` sets the chunk size
    for ``.stream()``. Exceptions raised by the responder propagate to the caller.
    """

    responder: MessagesResponder = Field(default=_default_responder)
    model_name: str = "fake-chat-model"
    latency: float = 0.0
    stream_chunk_chars: int = 4
    prompts: list[list[BaseMessage]] = Field(default_factory=list)
    openai_prompts: list[list[dict[str, Any]]] = Field(default_factory=list)

    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    @property
    def calls(self) -> int:
        with self._lock:
            return len(self.prompts)

    @property
    def last_prompt_text(self) -> str:
        """All message texts of the last prompt, newline-joined ("" before any call)."""
        with self._lock:
            last = self.openai_prompts[-1] if self.openai_prompts else []
        return "\n".join(message_text(m) for m in last)

    def _answer(self, messages: list[BaseMessage], stop: list[str] | None) -> AIMessage:
        as_openai = _to_openai(messages)
        with self._lock:
            self.prompts.append(list(messages))
            self.openai_prompts.append(as_openai)
        if self.latency > 0:
            time.sleep(self.latency)
        text = self.responder([dict(m) for m in as_openai])
        if stop:
            cut = min((i for s in stop if (i := text.find(s)) >= 0), default=-1)
            if cut >= 0:
                text = text[:cut]
        prompt_tokens = sum(count_tokens(message_text(m)) for m in as_openai)
        completion_tokens = count_tokens(text)
        usage = UsageMetadata(
            input_tokens=prompt_tokens,
            output_tokens=completion_tokens,
            total_tokens=prompt_tokens + completion_tokens,
        )
        return AIMessage(
            content=text,
            usage_metadata=usage,
            response_metadata={"model_name": self.model_name, "finish_reason": "stop"},
        )

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=self._answer(messages, stop))])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        message = self._answer(messages, stop)
        text = message.content if isinstance(message.content, str) else ""
        step = max(1, self.stream_chunk_chars)
        pieces = [text[i : i + step] for i in range(0, len(text), step)] or [""]
        for idx, piece in enumerate(pieces):
            last = idx == len(pieces) - 1
            chunk = ChatGenerationChunk(
                message=AIMessageChunk(
                    content=piece,
                    usage_metadata=message.usage_metadata if last else None,
                    response_metadata=dict(message.response_metadata) if last else {},
                    chunk_position="last" if last else None,
                )
            )
            if run_manager:
                run_manager.on_llm_new_token(piece, chunk=chunk)
            yield chunk

    @property
    def _llm_type(self) -> str:
        return "drafter-fake-chat"

    @property
    def _identifying_params(self) -> Mapping[str, Any]:
        return {"model_name": self.model_name}


def _to_openai(messages: Sequence[BaseMessage]) -> list[dict[str, Any]]:
    converted = convert_to_openai_messages(list(messages))
    out: list[dict[str, Any]] = []
    for m in converted:
        d = dict(m)
        content = d.get("content")
        if isinstance(content, list):  # flatten text parts so responders see a str
            d["content"] = "".join(
                str(p.get("text", "")) for p in content if isinstance(p, Mapping)
            )
        out.append(d)
    return out
