"""Shared CLI plumbing: consoles, store options, JSON output."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

if TYPE_CHECKING:  # pydantic-settings costs a quarter second: `version` does without
    from drafter.settings import Settings


class Terminated(KeyboardInterrupt):
    """SIGTERM/SIGHUP, raised like Ctrl-C so the same clean-up runs (local server stopped).

    Whoever treats Ctrl-C as "cancel this and go on" (the session) must let it through."""


# Human output goes to stderr so that --json output on stdout stays machine-readable.
err_console = Console(stderr=True)
out_console = Console()

StoreOpt = Annotated[
    Path | None,
    typer.Option("--store", help="嵌入式向量库目录（默认 ./vectorstore，或 DRAFTER_STORE）。"),
]
ChromaUrlOpt = Annotated[
    str | None,
    typer.Option(
        "--chroma-url", help="Chroma 服务器地址，如 http://127.0.0.1:8000（替代嵌入式向量库）。"
    ),
]
CollectionOpt = Annotated[
    str | None, typer.Option("--collection", help="Chroma 集合名（默认 drafter_corpus）。")
]
AllowRemoteOpt = Annotated[
    bool,
    typer.Option("--allow-remote", help="允许连接非本机的服务（默认拒绝，防止数据外发）。"),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="以 JSON 输出到标准输出。")]


def store_settings(
    store: Path | None,
    chroma_url: str | None,
    collection: str | None,
    allow_remote: bool,
    provider: str | None = None,
) -> Settings:
    """Settings with the store (and, for drafting commands, provider) options applied."""
    from drafter.settings import load_settings

    return load_settings(
        store=store,
        chroma_url=chroma_url,
        collection=collection,
        allow_remote=True if allow_remote else None,
        llm_provider=provider,
    )


def print_json(data: Any) -> None:
    """Write JSON to stdout (UTF-8, Chinese unescaped)."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str))
    sys.stdout.write("\n")
    sys.stdout.flush()
