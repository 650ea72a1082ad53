"""Which chat endpoint to use: provider presets, the resolved :class:`LLMConfig`, and the
remote-endpoint check. Text goes to a non-loopback endpoint only when the user allowed it
(``--allow-remote`` / ``DRAFTER_ALLOW_REMOTE``).

Resolution order (first given wins):

* base URL: ``base_url=`` (command line) > ``DRAFTER_LLM_BASE_URL`` > ``OPENAI_BASE_URL``
  (see below) > the provider preset;
* model: ``model=`` > ``DRAFTER_LLM_MODEL`` > ``OPENAI_MODEL`` (see below) > preset default;
* API key: ``DRAFTER_LLM_API_KEY`` > ``OPENAI_API_KEY`` (see below).

The ``OPENAI_*`` variables are fallbacks only where they belong to the endpoint: provider
``openai`` or ``custom``, or no provider configured at all. With an explicitly chosen
provider such as ``deepseek`` they are ignored, so an OpenAI key exported for other tools
is never sent to a third party (``OPENAI_MODEL`` is still used by ``ollama``/``vllm``/
``lmstudio``, which have no default model of their own).

Split from the client so that commands which only read or show the configuration
(``config``, ``status``, ``model``) import neither openai nor langchain: this module must
not import them at module level.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Final
from urllib.parse import urlsplit

from pydantic import SecretStr

from drafter.errors import ConfigError
from drafter.settings import Settings, is_loopback_url, require_local_or_allowed, safe_url

__all__ = [
    "LOCAL_MODEL_NAME",
    "PRESETS",
    "PROVIDERS",
    "LLMConfig",
    "Preset",
    "describe_endpoint",
    "resolve_llm_config",
    "safe_url",
]


#: Model name sent to the bundled llama.cpp server (which serves whatever it loaded).
LOCAL_MODEL_NAME: Final = "qwen2.5-coder-1.5b-instruct"


@dataclass(frozen=True)
class Preset:
    """Where a provider is reached and which model it answers with by default.

    ``base_url`` is None for ``local`` (the bundled llama.cpp server, whose address is
    decided when it is started) and ``custom`` (the user gives it). ``model`` is None when
    the provider has no sensible default (the user must name the model).
    """

    label: str
    base_url: str | None
    model: str | None
    needs_local_server: bool = False


PRESETS: Final[Mapping[str, Preset]] = {
    "local": Preset("内置本地模型（llama.cpp）", None, LOCAL_MODEL_NAME, needs_local_server=True),
    "openai": Preset("OpenAI", "https://api.openai.com/v1", "gpt-4o-mini"),
    "deepseek": Preset("DeepSeek", "https://api.deepseek.com/v1", "deepseek-chat"),
    "qwen": Preset(
        "通义千问（DashScope 兼容模式）",
        "https://dashscope.aliyuncs.com/compatible-mode/v1",
        "qwen-plus",
    ),
    "zhipu": Preset("智谱 GLM", "https://open.bigmodel.cn/api/paas/v4", "glm-4-flash"),
    "moonshot": Preset("Moonshot（Kimi）", "https://api.moonshot.cn/v1", "moonshot-v1-8k"),
    "ollama": Preset("Ollama", "http://127.0.0.1:11434/v1", None),
    "vllm": Preset("vLLM", "http://127.0.0.1:8000/v1", None),
    "lmstudio": Preset("LM Studio", "http://127.0.0.1:1234/v1", None),
    "custom": Preset("自定义 OpenAI 兼容服务", None, None),
}
PROVIDERS: Final[tuple[str, ...]] = tuple(PRESETS)
#: Providers for which the generic OPENAI_* variables describe the same endpoint.
_OPENAI_ENV_PROVIDERS: Final = frozenset({"openai", "custom"})
#: Providers without a default model may take OPENAI_MODEL (no key or URL is involved).
_NO_DEFAULT_MODEL: Final = frozenset(p for p, preset in PRESETS.items() if preset.model is None)


@dataclass(frozen=True)
class LLMConfig:
    """A resolved chat endpoint. ``repr`` never shows the key.

    ``base_url`` is None only while ``needs_local_server`` is True: the bundled server's
    address is filled in (``dataclasses.replace(cfg, base_url=…, needs_local_server=False)``
    or :meth:`with_base_url`) by whoever starts it.
    """

    provider: str
    base_url: str | None
    model: str
    api_key: SecretStr | None = field(default=None, repr=False, compare=False)
    timeout: float = 120.0
    max_retries: int = 3
    backoff: float = 1.0
    temperature: float = 0.3
    max_tokens: int = 800
    concurrency: int = 4
    needs_local_server: bool = False

    @property
    def is_remote(self) -> bool:
        """True when text would leave this machine."""
        return self.base_url is not None and not is_loopback_url(self.base_url)

    @property
    def has_api_key(self) -> bool:
        return self.api_key is not None and bool(self.api_key.get_secret_value())

    def with_base_url(self, base_url: str) -> LLMConfig:
        """This config pointed at a running server (the bundled one once it is started)."""
        return replace(self, base_url=base_url.strip().rstrip("/"), needs_local_server=False)


def _env(name: str) -> str | None:
    value = os.environ.get(name, "").strip()
    return value or None


def resolve_llm_config(
    settings: Settings,
    *,
    base_url: str | None = None,
    model: str | None = None,
    allow_remote: bool | None = None,
) -> LLMConfig:
    """The chat endpoint to use: settings + command-line overrides (None = not given).

    Raises :class:`ConfigError` for an unknown provider, a missing base URL (``custom``) or
    model name, or a non-loopback endpoint when remote use is not allowed.
    """
    provider = settings.llm_provider
    preset = PRESETS.get(provider)
    if preset is None:
        raise ConfigError(
            f"未知的模型服务类型 {provider!r}。",
            hint=f"DRAFTER_LLM_PROVIDER 可取：{' | '.join(PROVIDERS)}。",
        )
    # The generic OPENAI_* variables apply only when they name this endpoint.
    openai_env = (
        provider in _OPENAI_ENV_PROVIDERS or "llm_provider" not in settings.model_fields_set
    )

    url = base_url or settings.llm_base_url or (_env("OPENAI_BASE_URL") if openai_env else None)
    url_given = url is not None
    if url is None:
        url = preset.base_url
    url = url.strip().rstrip("/") if url else None
    if url is not None and urlsplit(url).scheme not in ("http", "https"):
        raise ConfigError(
            f"模型服务地址 {safe_url(url)} 无效：需以 http:// 或 https:// 开头。",
            hint="例如 --llm-base-url http://127.0.0.1:8080/v1。",
        )
    needs_local_server = url is None and preset.needs_local_server
    if url is None and not needs_local_server:
        raise ConfigError(
            f"模型服务类型 {provider} 需要指定服务地址。",
            hint="用 --llm-base-url 或 DRAFTER_LLM_BASE_URL 给出 OpenAI 兼容接口地址"
            "（通常以 /v1 结尾）。",
        )

    name = model or settings.llm_model
    if name is None and ((openai_env and not needs_local_server) or provider in _NO_DEFAULT_MODEL):
        name = _env("OPENAI_MODEL")
    if name is None:
        name = preset.model
    if not name or not name.strip():
        raise ConfigError(
            f"模型服务类型 {provider} 没有默认模型，需要指定模型名。",
            hint="用 --llm-model 或 DRAFTER_LLM_MODEL 指定服务中已有的模型名。",
        )

    key = settings.llm_api_key
    if (key is None or not key.get_secret_value()) and openai_env and not needs_local_server:
        env_key = _env("OPENAI_API_KEY")
        key = SecretStr(env_key) if env_key else None
    if key is not None and not key.get_secret_value():
        key = None

    if url is not None:
        allowed = settings.allow_remote if allow_remote is None else allow_remote
        require_local_or_allowed(safe_url(url), allow_remote=allowed, what="模型服务")
        if key is None and not is_loopback_url(url) and not url_given:
            raise ConfigError(
                f"未设置 {preset.label} 的 API 密钥。",
                hint="设置环境变量 DRAFTER_LLM_API_KEY（密钥不会被写入任何文件）。",
            )

    return LLMConfig(
        provider=provider,
        base_url=url,
        model=name.strip(),
        api_key=key,
        timeout=settings.llm_timeout,
        max_retries=settings.llm_max_retries,
        backoff=settings.llm_backoff,
        temperature=settings.llm_temperature,
        max_tokens=settings.llm_max_tokens,
        concurrency=settings.llm_concurrency,
        needs_local_server=needs_local_server,
    )


def describe_endpoint(cfg: LLMConfig) -> str:
    """One line for logs and session records: provider, base URL, model — never the key."""
    where = safe_url(cfg.base_url) if cfg.base_url else "本地模型服务（启动后确定地址）"
    return f"{cfg.provider} {where} 模型 {cfg.model}"
