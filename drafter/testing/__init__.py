"""Test doubles: a loopback OpenAI-compatible stub server and a fake LangChain chat model.

Names are imported lazily, so ``python -m drafter.testing.stub_llm`` runs without
runpy's double-import warning and without importing langchain-core (``FakeChatModel``
is the only name that needs it).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from drafter.testing.fake_chat import FakeChatModel
    from drafter.testing.stub_llm import (
        CHAT_PATH,
        EMBEDDINGS_PATH,
        SLOT_RE,
        DraftOutcome,
        Fault,
        FaultContext,
        Predicate,
        RecordedRequest,
        Reply,
        Responder,
        ScriptedDrafter,
        StubLLMServer,
        close_connection,
        delay,
        echo_prompt,
        empty_content,
        fixed,
        hang,
        malformed_json,
        model_is,
        prompt_contains,
        sequence,
        status,
        truncated,
    )

__all__ = [
    "CHAT_PATH",
    "EMBEDDINGS_PATH",
    "SLOT_RE",
    "DraftOutcome",
    "FakeChatModel",
    "Fault",
    "FaultContext",
    "Predicate",
    "RecordedRequest",
    "Reply",
    "Responder",
    "ScriptedDrafter",
    "StubLLMServer",
    "close_connection",
    "delay",
    "echo_prompt",
    "empty_content",
    "fixed",
    "hang",
    "malformed_json",
    "model_is",
    "prompt_contains",
    "sequence",
    "status",
    "truncated",
]


def __getattr__(name: str) -> Any:
    if name == "FakeChatModel":
        return importlib.import_module("drafter.testing.fake_chat").FakeChatModel
    if name in __all__:
        return getattr(importlib.import_module("drafter.testing.stub_llm"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
