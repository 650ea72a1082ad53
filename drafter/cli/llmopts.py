"""Model options shared by `draft`, `regenerate` and `session`, and the local-server scope.

When no endpoint is configured, the bundled llama.cpp server is started (or an already
running one reused) for the duration of the command and stopped afterwards — also on
errors and Ctrl-C — by `model_scope`.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator
from typing import Annotated

import typer

from drafter.cli.common import err_console
from drafter.llm import LLMConfig, resolve_llm_config
from drafter.settings import Settings

LlmBaseUrlOpt = Annotated[
    str | None,
    typer.Option("--llm-base-url", help="OpenAI 兼容接口地址，如 http://127.0.0.1:8080/v1。"),
]
LlmModelOpt = Annotated[str | None, typer.Option("--llm-model", help="模型名称。")]
LlmProviderOpt = Annotated[
    str | None,
    typer.Option(
        "--llm-provider",
        help="预设：local/openai/deepseek/qwen/zhipu/moonshot/ollama/vllm/lmstudio/custom。",
    ),
]

# llama.cpp serves one request at a time on a 2-core machine: parallel sections only
# queue up and time out, so the local model drafts sections one by one, patiently.
LOCAL_MIN_TIMEOUT = 600.0


@contextlib.contextmanager
def model_scope(
    settings: Settings,
    *,
    base_url: str | None,
    model: str | None,
    allow_remote: bool,
) -> Iterator[LLMConfig]:
    """Resolve the model endpoint; start the local server for the scope when needed."""
    cfg = resolve_llm_config(
        settings,
        base_url=base_url,
        model=model,
        allow_remote=True if allow_remote else None,
    )
    with contextlib.ExitStack() as stack:
        if cfg.needs_local_server:
            cfg = dataclasses.replace(
                cfg.with_base_url(_start_local_server(settings, stack)),
                concurrency=1,
                timeout=max(cfg.timeout, LOCAL_MIN_TIMEOUT),
            )
        yield cfg


def _start_local_server(settings: Settings, stack: contextlib.ExitStack) -> str:
    """Start (or reuse) the bundled llama.cpp server; it is stopped when the stack closes."""
    from drafter.localmodel import LocalServer, ensure_llama_cpp

    command = settings.local_server_command
    if command is None:
        ensure_llama_cpp()
    err_console.print("[cyan]未配置模型接口，使用内置本地模型（首次启动约需十几秒）…[/]")
    server = stack.enter_context(LocalServer(settings, command=command))
    return server.base_url
