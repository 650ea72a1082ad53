"""The JSON bodies the stub server answers with, shaped as OpenAI's API shapes them.

Split out of :mod:`drafter.testing.stub_http`: building a chat completion, its streamed
chunks and an embeddings list is one concern; serving them over HTTP is another.
"""

from __future__ import annotations

import base64
import struct
import time
from collections.abc import Mapping, Sequence
from typing import Any

from drafter.testing.stub_faults import chat_messages, message_text
from drafter.testing.stub_modes import count_tokens, embed_text

COMMON = {"service_tier": "default", "system_fingerprint": "fp_stub"}


def usage(prompt_tokens: int, completion_tokens: int) -> dict[str, Any]:
    return {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": 0,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    }


def prompt_tokens(body: Mapping[str, Any]) -> int:
    return sum(count_tokens(message_text(m)) + 4 for m in chat_messages(body)) + 3


def completion_body(
    completion_id: str,
    model: str,
    content: str | None,
    finish: str | None,
    n_choices: int,
    p_tok: int,
    c_tok: int,
) -> dict[str, Any]:
    """A chat.completion with ``n_choices`` identical choices."""
    message: dict[str, Any] = {
        "role": "assistant",
        "content": content,
        "refusal": None,
        "annotations": [],
    }
    return {
        "id": completion_id,
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {"index": i, "message": message, "logprobs": None, "finish_reason": finish}
            for i in range(n_choices)
        ],
        "usage": usage(p_tok, c_tok * n_choices),
        **COMMON,
    }


def stream_events(
    completion_id: str,
    model: str,
    content: str | None,
    finish: str | None,
    *,
    step: int,
    include_usage: bool,
    p_tok: int,
    c_tok: int,
) -> list[dict[str, Any]]:
    """The chat.completion.chunk events of a streamed answer, ``step`` characters each."""
    base: dict[str, Any] = {
        "id": completion_id,
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        **COMMON,
    }

    def chunk(delta: dict[str, Any], finish_reason: str | None) -> dict[str, Any]:
        out = dict(base)
        out["choices"] = [
            {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}
        ]
        if include_usage:
            out["usage"] = None
        return out

    events: list[dict[str, Any]] = [
        chunk({"role": "assistant", "content": "", "refusal": None}, None)
    ]
    text = content or ""
    events.extend(chunk({"content": text[i : i + step]}, None) for i in range(0, len(text), step))
    events.append(chunk({}, finish))
    if include_usage:
        final = dict(base)
        final["choices"] = []
        final["usage"] = usage(p_tok, c_tok)
        events.append(final)
    return events


def embeddings_body(texts: Sequence[str], dim: int, as_base64: bool, model: str) -> dict[str, Any]:
    """An embeddings list: one deterministic vector per text, as floats or base64."""
    data = []
    for i, text in enumerate(texts):
        vec = embed_text(text, dim)
        emb: list[float] | str = (
            base64.b64encode(struct.pack(f"<{dim}f", *vec)).decode("ascii") if as_base64 else vec
        )
        data.append({"object": "embedding", "index": i, "embedding": emb})
    tokens = sum(count_tokens(t) for t in texts)
    return {
        "object": "list",
        "data": data,
        "model": model,
        "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
    }
