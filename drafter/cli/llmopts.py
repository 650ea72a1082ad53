"""Model options shared by `draft`, `regenerate` and `session`, and the local-server scope.

When no endpoint is configured, the bundled llama.cpp server is started (or an already
running one reused) for the duration of the command and stopped afterwards — also on
errors and Ctrl-C — by `model_scope`.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator
from typing import TYPE_CHECKING, Annotated

import typer

from drafter.cli.common import err_console
from drafter.errors import DrafterError
from drafter.llm.config import LLMConfig, resolve_llm_config
from drafter.settings import Settings

if TYPE_CHECKING:
    from drafter.llm.local import LocalServer

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
        server: LocalServer | None = None
        if cfg.needs_local_server:
            server = _start_local_server(settings, stack)
            cfg = dataclasses.replace(
                cfg.with_base_url(server.base_url),
                concurrency=1,
                timeout=max(cfg.timeout, LOCAL_MIN_TIMEOUT),
            )
        try:
            yield cfg
        except DrafterError as exc:
            died = _died(server)
            if died is not None:
                raise died from exc
            raise


def _start_local_server(settings: Settings, stack: contextlib.ExitStack) -> LocalServer:
    """Start (or reuse) the bundled llama.cpp server; it is stopped when the stack closes."""
    from drafter.llm.local import LocalServer, ensure_llama_cpp

    command = settings.local_server_command
    if command is None:
        ensure_llama_cpp()
    err_console.print("[cyan]未配置模型接口，使用内置本地模型（首次启动约需十几秒）…[/]")
    return stack.enter_context(LocalServer(settings, command=command))


def _died(server: LocalServer | None) -> DrafterError | None:
    """A clear error when the local server this command started has exited under it.

    Otherwise the user, who configured no endpoint, would only read "connection refused"
    and a hint to check --llm-base-url.
    """
    proc = server.process if server is not None else None
    if server is None or proc is None:
        return None
    code = proc.poll()
    if code is None:
        return None
    how = f"被信号 {-code} 终止" if code < 0 else f"退出码 {code}"
    return DrafterError(
        f"内置本地模型服务在运行中意外退出（{how}）。日志末尾：\n{server.log_tail()}",
        hint=f"完整日志：{server.log_path}。已完成的部分已保存，重新运行同一命令即可继续"
        "（内存不足时可关闭其他程序，或用 --llm-base-url 改用其他模型服务）。",
    )
