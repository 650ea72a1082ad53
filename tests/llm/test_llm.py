"""drafter.llm.client: endpoint resolution, the ChatOpenAI client, error classification, retries.

Network: loopback only (the stub server, or a bound port that does not listen).
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any, get_args

import httpx
import openai
import pytest
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage
from pydantic import SecretStr

from drafter.errors import ConfigError, DrafterError
from drafter.llm.client import invoke_with_retries, make_chat_model
from drafter.llm.config import PRESETS, PROVIDERS, LLMConfig, describe_endpoint, resolve_llm_config
from drafter.llm.errors import (
    MAX_BACKOFF,
    MAX_RETRY_AFTER,
    EmptyResponseError,
    LLMError,
    LLMFailure,
    classify_error,
    retry_delay,
)
from drafter.settings import Settings, load_settings
from drafter.testing import FakeChatModel
from drafter.testing.stub_llm import (
    StubLLMServer,
    close_connection,
    empty_content,
    fixed,
    hang,
    malformed_json,
    status,
    truncated,
)

SECRET = "sk-test-DO-NOT-LEAK-0123456789abcdef"
MESSAGES: list[BaseMessage] = [SystemMessage("你是办公室文字秘书。"), HumanMessage("写一句话。")]


def no_sleep(_seconds: float) -> None:
    return None


@pytest.fixture(autouse=True)
def _no_openai_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_MODEL", "OPENAI_PROXY"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def server() -> Iterator[StubLLMServer]:
    with StubLLMServer(responder=fixed("一是坚持高位统筹，二是强化要素保障。")) as srv:
        yield srv


def stub_config(srv: StubLLMServer, **changes: Any) -> LLMConfig:
    values: dict[str, Any] = {
        "provider": "custom",
        "base_url": srv.base_url,
        "model": "stub-model",
        "api_key": SecretStr(SECRET),
        "timeout": 5.0,
        "max_retries": 3,
        "backoff": 0.0,
    }
    values.update(changes)
    return LLMConfig(**values)


class Retries:
    """Records on_retry calls and sleeps."""

    def __init__(self) -> None:
        self.calls: list[tuple[int, LLMFailure, float]] = []
        self.slept: list[float] = []

    def on_retry(self, attempt: int, failure: LLMFailure, delay: float) -> None:
        self.calls.append((attempt, failure, delay))

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)


def call(srv: StubLLMServer, retries: Retries | None = None, **cfg: Any) -> str:
    config = stub_config(srv, **cfg)
    rec = retries or Retries()
    return invoke_with_retries(
        make_chat_model(config),
        MESSAGES,
        max_retries=config.max_retries,
        backoff=config.backoff,
        on_retry=rec.on_retry,
        sleep=rec.sleep,
    )


def closed_port_url() -> tuple[socket.socket, str]:
    """A loopback port that is bound but not listening: connecting is refused at once."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    return sock, f"http://127.0.0.1:{sock.getsockname()[1]}/v1"


# --------------------------------------------------------------------------------------
# Resolution
# --------------------------------------------------------------------------------------


def test_presets_cover_exactly_the_providers_settings_accept() -> None:
    annotation = Settings.model_fields["llm_provider"].annotation
    assert set(get_args(annotation)) == set(PRESETS) == set(PROVIDERS)


@pytest.mark.parametrize(
    ("provider", "url", "model"),
    [
        ("openai", "https://api.openai.com/v1", "gpt-4o-mini"),
        ("deepseek", "https://api.deepseek.com/v1", "deepseek-chat"),
        ("qwen", "https://dashscope.aliyuncs.com/compatible-mode/v1", "qwen-plus"),
        ("zhipu", "https://open.bigmodel.cn/api/paas/v4", "glm-4-flash"),
        ("moonshot", "https://api.moonshot.cn/v1", "moonshot-v1-8k"),
    ],
)
def test_remote_presets(provider: str, url: str, model: str) -> None:
    settings = Settings.model_validate({"llm_provider": provider, "llm_api_key": SECRET})
    cfg = resolve_llm_config(settings, allow_remote=True)
    assert (cfg.provider, cfg.base_url, cfg.model) == (provider, url, model)
    assert cfg.is_remote and not cfg.needs_local_server
    assert cfg.api_key is not None and cfg.api_key.get_secret_value() == SECRET


@pytest.mark.parametrize(
    ("provider", "url"),
    [
        ("ollama", "http://127.0.0.1:11434/v1"),
        ("vllm", "http://127.0.0.1:8000/v1"),
        ("lmstudio", "http://127.0.0.1:1234/v1"),
    ],
)
def test_loopback_presets_need_a_model_name(provider: str, url: str) -> None:
    settings = Settings.model_validate({"llm_provider": provider})
    with pytest.raises(ConfigError) as err:
        resolve_llm_config(settings)
    assert "--llm-model" in str(err.value)
    cfg = resolve_llm_config(settings, model="qwen2.5:7b")
    assert (cfg.base_url, cfg.model, cfg.is_remote, cfg.api_key) == (url, "qwen2.5:7b", False, None)


def test_local_default_needs_the_bundled_server() -> None:
    cfg = resolve_llm_config(Settings())
    assert cfg.provider == "local" and cfg.needs_local_server and cfg.base_url is None
    assert cfg.model == PRESETS["local"].model
    assert "本地模型服务" in describe_endpoint(cfg)
    with pytest.raises(ConfigError, match="尚未启动"):
        make_chat_model(cfg)
    started = cfg.with_base_url("http://127.0.0.1:8765/v1/")
    assert started.base_url == "http://127.0.0.1:8765/v1" and not started.needs_local_server
    assert make_chat_model(started).model_name == cfg.model


def test_settings_fields_come_from_drafter_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DRAFTER_LLM_PROVIDER", "vllm")
    monkeypatch.setenv("DRAFTER_LLM_MODEL", "Qwen2.5-7B-Instruct")
    monkeypatch.setenv("DRAFTER_LLM_TIMEOUT", "30")
    monkeypatch.setenv("DRAFTER_LLM_MAX_RETRIES", "5")
    monkeypatch.setenv("DRAFTER_LLM_BACKOFF", "0.5")
    monkeypatch.setenv("DRAFTER_LLM_TEMPERATURE", "0.1")
    monkeypatch.setenv("DRAFTER_LLM_MAX_TOKENS", "600")
    monkeypatch.setenv("DRAFTER_LLM_CONCURRENCY", "2")
    cfg = resolve_llm_config(load_settings())
    assert (cfg.provider, cfg.base_url, cfg.model) == (
        "vllm",
        "http://127.0.0.1:8000/v1",
        "Qwen2.5-7B-Instruct",
    )
    assert (cfg.timeout, cfg.max_retries, cfg.backoff) == (30.0, 5, 0.5)
    assert (cfg.temperature, cfg.max_tokens, cfg.concurrency) == (0.1, 600, 2)


def test_unknown_provider_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DRAFTER_LLM_PROVIDER", "chatglm-cloud")
    with pytest.raises(ConfigError, match="llm_provider"):
        load_settings()


def test_override_precedence() -> None:
    settings = Settings(
        llm_provider="ollama",
        llm_base_url="http://127.0.0.1:9001/v1",
        llm_model="from-settings",
    )
    cfg = resolve_llm_config(settings)
    assert (cfg.base_url, cfg.model) == ("http://127.0.0.1:9001/v1", "from-settings")
    cfg = resolve_llm_config(settings, base_url="http://127.0.0.1:9002/v1/", model="from-cli")
    assert (cfg.base_url, cfg.model) == ("http://127.0.0.1:9002/v1", "from-cli")
    assert cfg.provider == "ollama"


def test_explicit_base_url_wins_over_the_local_preset() -> None:
    cfg = resolve_llm_config(Settings(llm_provider="local"), base_url="http://localhost:8080/v1")
    assert cfg.base_url == "http://localhost:8080/v1" and not cfg.needs_local_server


def test_custom_needs_a_base_url_and_a_model() -> None:
    with pytest.raises(ConfigError, match="--llm-base-url"):
        resolve_llm_config(Settings(llm_provider="custom"), model="m")
    with pytest.raises(ConfigError, match="--llm-model"):
        resolve_llm_config(Settings(llm_provider="custom"), base_url="http://127.0.0.1:1/v1")


def test_base_url_must_be_http() -> None:
    with pytest.raises(ConfigError, match="http://"):
        resolve_llm_config(Settings(llm_provider="custom"), base_url="127.0.0.1:8080", model="m")


def test_openai_env_fallbacks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:7000/v1")
    monkeypatch.setenv("OPENAI_MODEL", "env-model")
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    cfg = resolve_llm_config(Settings())  # no provider configured: OPENAI_* name the endpoint
    assert (cfg.base_url, cfg.model, cfg.needs_local_server) == (
        "http://127.0.0.1:7000/v1",
        "env-model",
        False,
    )
    assert cfg.api_key is not None and cfg.api_key.get_secret_value() == SECRET

    # DRAFTER_* win over OPENAI_*
    monkeypatch.setenv("DRAFTER_LLM_BASE_URL", "http://127.0.0.1:7001/v1")
    monkeypatch.setenv("DRAFTER_LLM_MODEL", "drafter-model")
    monkeypatch.setenv("DRAFTER_LLM_API_KEY", "sk-drafter-key")
    cfg = resolve_llm_config(load_settings())
    assert (cfg.base_url, cfg.model) == ("http://127.0.0.1:7001/v1", "drafter-model")
    assert cfg.api_key is not None and cfg.api_key.get_secret_value() == "sk-drafter-key"


def test_openai_provider_takes_openai_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    cfg = resolve_llm_config(Settings(llm_provider="openai"), allow_remote=True)
    assert cfg.base_url == "https://api.openai.com/v1"
    assert cfg.api_key is not None and cfg.api_key.get_secret_value() == SECRET
    monkeypatch.setenv("OPENAI_BASE_URL", "https://gateway.example.org/v1")
    cfg = resolve_llm_config(Settings(llm_provider="openai"), allow_remote=True)
    assert cfg.base_url == "https://gateway.example.org/v1"


def test_openai_key_is_not_sent_to_another_chosen_provider(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    monkeypatch.setenv("OPENAI_BASE_URL", "https://api.openai.com/v1")
    with pytest.raises(ConfigError) as err:
        resolve_llm_config(Settings(llm_provider="deepseek"), allow_remote=True)
    assert "DRAFTER_LLM_API_KEY" in str(err.value)
    assert SECRET not in str(err.value)
    cfg = resolve_llm_config(
        Settings(llm_provider="deepseek", llm_api_key=SecretStr("sk-deepseek")), allow_remote=True
    )
    assert cfg.base_url == "https://api.deepseek.com/v1"


def test_explicit_local_provider_ignores_openai_base_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", "https://api.openai.com/v1")
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    cfg = resolve_llm_config(Settings(llm_provider="local"))
    assert cfg.needs_local_server and cfg.base_url is None and cfg.api_key is None


def test_remote_endpoint_refused_unless_allowed() -> None:
    settings = Settings(llm_provider="deepseek", llm_api_key=SecretStr(SECRET))
    with pytest.raises(ConfigError) as err:
        resolve_llm_config(settings)
    text = str(err.value)
    assert "https://api.deepseek.com/v1" in text and "--allow-remote" in text
    assert "不在本机" in text  # says why
    assert resolve_llm_config(settings, allow_remote=True).is_remote
    allowed = Settings(llm_provider="deepseek", llm_api_key=SecretStr(SECRET), allow_remote=True)
    assert resolve_llm_config(allowed).is_remote
    with pytest.raises(ConfigError):  # the command line can also say no
        resolve_llm_config(allowed, allow_remote=False)
    with pytest.raises(ConfigError):
        resolve_llm_config(Settings(), base_url="http://10.1.2.3:8000/v1", model="m")


def test_key_never_shown() -> None:
    settings = Settings(llm_provider="openai", llm_api_key=SecretStr(SECRET))
    cfg = resolve_llm_config(settings, allow_remote=True)
    for text in (repr(cfg), str(cfg), describe_endpoint(cfg), repr(make_chat_model(cfg))):
        assert SECRET not in text
    line = describe_endpoint(cfg)
    assert "openai" in line and "https://api.openai.com/v1" in line and "gpt-4o-mini" in line


def test_describe_endpoint_drops_credentials_in_the_url() -> None:
    cfg = LLMConfig(
        provider="custom", base_url="http://user:pa55@127.0.0.1:8080/v1?key=abc", model="m"
    )
    line = describe_endpoint(cfg)
    assert "pa55" not in line and "abc" not in line and "127.0.0.1:8080/v1" in line


def test_make_chat_model_settings() -> None:
    cfg = LLMConfig(
        provider="custom",
        base_url="http://127.0.0.1:1/v1",
        model="m",
        timeout=7.5,
        temperature=0.2,
        max_tokens=321,
    )
    model = make_chat_model(cfg)
    assert model.max_retries == 0 and model.request_timeout == 7.5
    assert model.temperature == 0.2 and model.model_name == "m"
    assert isinstance(model.openai_api_key, SecretStr)
    assert model.openai_api_key.get_secret_value() == "not-needed"
    assert model.extra_body == {"max_tokens": 321}
    openai_cfg = LLMConfig(provider="openai", base_url="https://api.openai.com/v1", model="x")
    assert make_chat_model(openai_cfg).max_tokens == 800


# --------------------------------------------------------------------------------------
# Against the stub server
# --------------------------------------------------------------------------------------


def test_normal_call(server: StubLLMServer) -> None:
    retries = Retries()
    text = call(server, retries, max_tokens=200)
    assert text == "一是坚持高位统筹，二是强化要素保障。"
    assert server.calls == 1 and retries.calls == [] and retries.slept == []
    body = server.chat_requests[0].body
    assert body["model"] == "stub-model" and body["max_tokens"] == 200
    assert server.chat_requests[0].authorization_present


def test_keyless_local_server(server: StubLLMServer) -> None:
    assert call(server, api_key=None).startswith("一是")


def test_loopback_calls_ignore_proxy_variables(
    server: StubLLMServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    sock, dead_proxy = closed_port_url()
    with sock:
        for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "all_proxy"):
            monkeypatch.setenv(name, dead_proxy.removesuffix("/v1"))
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        assert call(server, max_retries=0).startswith("一是")


def test_429_twice_then_ok_honours_retry_after(server: StubLLMServer) -> None:
    server.fail_next(status(429, retry_after=3), 2)
    retries = Retries()
    text = call(server, retries, backoff=1.0)
    assert text.startswith("一是")
    assert server.calls == 3
    assert [(a, f.kind, d) for a, f, d in retries.calls] == [
        (1, "rate_limited", 3.0),
        (2, "rate_limited", 3.0),
    ]
    assert retries.slept == [3.0, 3.0]
    failure = retries.calls[0][1]
    assert failure.retryable and failure.retry_after == 3.0 and failure.status == 429
    assert failure.message == "服务繁忙（429）"


def test_500_then_ok(server: StubLLMServer) -> None:
    server.fail_next(status(500))
    retries = Retries()
    assert call(server, retries, backoff=0.5).startswith("一是")
    assert server.calls == 2
    ((attempt, failure, delay),) = retries.calls
    assert attempt == 1 and failure.kind == "server_error" and failure.status == 500
    assert 0.4 <= delay <= 0.6  # 0.5 s ± 20 % jitter


@pytest.mark.parametrize("code", [502, 503, 504])
def test_gateway_errors_are_retried(server: StubLLMServer, code: int) -> None:
    server.fail_next(status(code))
    assert call(server).startswith("一是")
    assert server.calls == 2


def test_retries_exhausted_raise_the_last_failure(server: StubLLMServer) -> None:
    server.fail_next(status(503), 10)
    retries = Retries()
    with pytest.raises(LLMError) as err:
        call(server, retries, max_retries=2)
    assert server.calls == 3 and len(retries.calls) == 2
    assert err.value.failure.kind == "server_error" and err.value.attempts == 3
    assert "503" in str(err.value) and "3 次" in str(err.value)
    assert isinstance(err.value, DrafterError)


def test_401_fails_at_once(server: StubLLMServer) -> None:
    server.fail_next(status(401))
    retries = Retries()
    with pytest.raises(LLMError) as err:
        call(server, retries)
    assert server.calls == 1 and retries.calls == []
    text = str(err.value)
    assert "API 密钥无效" in text and "DRAFTER_LLM_API_KEY" in text
    assert "密钥不会被写入任何文件" in text
    assert SECRET not in text and SECRET not in repr(err.value.failure)
    assert err.value.failure.kind == "auth" and not err.value.failure.retryable


def test_wrong_key_against_a_server_that_checks_it() -> None:
    with StubLLMServer(responder=fixed("好。"), api_key="sk-right") as srv:
        with pytest.raises(LLMError, match="401"):
            call(srv)
        assert srv.calls == 1
        assert call(srv, api_key=SecretStr("sk-right")) == "好。"


def test_403_is_not_retried(server: StubLLMServer) -> None:
    server.fail_next(status(403))
    with pytest.raises(LLMError) as err:
        call(server)
    assert server.calls == 1 and err.value.failure.kind == "forbidden"


def test_404_model_not_found(server: StubLLMServer) -> None:
    server.fail_next(status(404))
    with pytest.raises(LLMError) as err:
        call(server, model="qwen-max-typo")
    assert server.calls == 1
    failure = err.value.failure
    assert failure.kind == "model_not_found" and not failure.retryable
    assert "qwen-max-typo" in str(err.value) and "--llm-model" in str(err.value)


def test_404_wrong_path_points_at_the_base_url(server: StubLLMServer) -> None:
    cfg = stub_config(server, base_url=server.base_url.removesuffix("/v1"))
    with pytest.raises(LLMError) as err:
        invoke_with_retries(make_chat_model(cfg), MESSAGES, max_retries=3, backoff=0)
    assert err.value.failure.kind == "url_not_found"
    assert "--llm-base-url" in str(err.value) and "/chat/completions" in str(err.value)
    assert server.calls == 0


def test_400_is_not_retried(server: StubLLMServer) -> None:
    server.fail_next(status(400, "Unknown parameter: 'foo'."))
    with pytest.raises(LLMError) as err:
        call(server)
    assert server.calls == 1
    assert err.value.failure.kind == "bad_request" and "foo" in str(err.value)


def test_context_overflow_is_named(server: StubLLMServer) -> None:
    server.fail_next(
        status(
            400,
            "This model's maximum context length is 4096 tokens.",
            error_code="context_length_exceeded",
        )
    )
    with pytest.raises(LLMError) as err:
        call(server)
    assert err.value.failure.kind == "context_length" and "上下文" in str(err.value)


def test_quota_exhausted_is_not_retried(server: StubLLMServer) -> None:
    server.fail_next(
        status(429, "You exceeded your current quota.", error_code="insufficient_quota")
    )
    with pytest.raises(LLMError) as err:
        call(server)
    assert server.calls == 1 and err.value.failure.kind == "quota"


def test_hang_times_out_retries_then_fails_in_bounded_time(server: StubLLMServer) -> None:
    server.fail_next(hang(30), 5)
    retries = Retries()
    started = time.monotonic()
    with pytest.raises(LLMError) as err:
        call(server, retries, timeout=0.5, max_retries=1)
    elapsed = time.monotonic() - started
    assert elapsed < 5
    assert server.calls == 2 and [f.kind for _, f, _ in retries.calls] == ["timeout"]
    assert err.value.failure.kind == "timeout" and "超时" in str(err.value)
    assert "DRAFTER_LLM_TIMEOUT" in str(err.value)


def test_hang_once_then_ok(server: StubLLMServer) -> None:
    server.fail_next(hang(30))
    assert call(server, timeout=0.5).startswith("一是")
    assert server.calls == 2


def test_connection_refused_names_the_url() -> None:
    sock, url = closed_port_url()
    with sock:
        cfg = LLMConfig(provider="custom", base_url=url, model="m", timeout=2.0)
        retries = Retries()
        started = time.monotonic()
        with pytest.raises(LLMError) as err:
            invoke_with_retries(
                make_chat_model(cfg),
                MESSAGES,
                max_retries=2,
                backoff=0.0,
                on_retry=retries.on_retry,
                sleep=retries.sleep,
            )
    assert time.monotonic() - started < 5
    assert err.value.failure.kind == "connection_refused" and err.value.failure.retryable
    assert len(retries.calls) == 2
    text = str(err.value)
    assert url in text and "连接被拒绝" in text
    assert "启动" in text and "DRAFTER_LLM_BASE_URL" in text


def test_dropped_connection_is_retried(server: StubLLMServer) -> None:
    server.fail_next(close_connection())
    retries = Retries()
    assert call(server, retries).startswith("一是")
    assert [f.kind for _, f, _ in retries.calls] == ["connection"]


def test_malformed_json_is_retried(server: StubLLMServer) -> None:
    server.fail_next(malformed_json())
    retries = Retries()
    assert call(server, retries).startswith("一是")
    assert server.calls == 2 and [f.kind for _, f, _ in retries.calls] == ["malformed"]


def test_malformed_json_with_an_error_status_is_a_server_error(server: StubLLMServer) -> None:
    server.fail_next(malformed_json(status=502))
    retries = Retries()
    assert call(server, retries).startswith("一是")
    assert [f.kind for _, f, _ in retries.calls] == ["server_error"]


@pytest.mark.parametrize("null", [False, True])
def test_empty_content_is_retried(server: StubLLMServer, null: bool) -> None:
    server.fail_next(empty_content(null=null))
    retries = Retries()
    assert call(server, retries).startswith("一是")
    assert server.calls == 2 and [f.kind for _, f, _ in retries.calls] == ["empty"]


def test_empty_content_every_time_fails(server: StubLLMServer) -> None:
    server.fail_next(empty_content(), 10)
    with pytest.raises(LLMError) as err:
        call(server, max_retries=1)
    assert server.calls == 2 and err.value.failure.kind == "empty"
    assert "空内容" in str(err.value)


def test_truncated_without_text_is_retried(server: StubLLMServer) -> None:
    server.fail_next(truncated(keep=0))
    retries = Retries()
    assert call(server, retries).startswith("一是")
    ((_, failure, _),) = retries.calls
    assert failure.kind == "truncated" and "DRAFTER_LLM_MAX_TOKENS" in (failure.hint or "")


def test_truncated_with_text_is_returned(server: StubLLMServer) -> None:
    server.fail_next(truncated(keep=4))
    assert call(server) == "一是坚持"
    assert server.calls == 1


# --------------------------------------------------------------------------------------
# Any BaseChatModel; classification and delays without a server
# --------------------------------------------------------------------------------------


def test_fake_chat_model_whitespace_is_empty() -> None:
    replies = iter(["  \n ", "二是狠抓落实。"])
    model = FakeChatModel(responder=lambda _m: next(replies))
    retries = Retries()
    text = invoke_with_retries(
        model, MESSAGES, max_retries=2, backoff=0, on_retry=retries.on_retry, sleep=no_sleep
    )
    assert text == "二是狠抓落实。" and model.calls == 2
    assert [f.kind for _, f, _ in retries.calls] == ["empty"]


def test_unexpected_errors_are_not_retried() -> None:
    def boom(_m: list[dict[str, Any]]) -> str:
        raise RuntimeError("responder broke")

    model = FakeChatModel(responder=boom)
    with pytest.raises(LLMError) as err:
        invoke_with_retries(model, MESSAGES, max_retries=3, backoff=0, sleep=no_sleep)
    assert model.calls == 1 and err.value.failure.kind == "unexpected"
    assert isinstance(err.value.__cause__, RuntimeError)


def test_keyboard_interrupt_passes_through() -> None:
    def stop(_m: list[dict[str, Any]]) -> str:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        invoke_with_retries(FakeChatModel(responder=stop), MESSAGES, max_retries=3, backoff=0)


def test_max_retries_zero_means_one_call() -> None:
    model = FakeChatModel(responder=lambda _m: "")
    with pytest.raises(LLMError) as err:
        invoke_with_retries(model, MESSAGES, max_retries=0, backoff=0, sleep=no_sleep)
    assert model.calls == 1 and err.value.attempts == 1


def _status_error(code: int, headers: dict[str, str] | None = None) -> openai.APIStatusError:
    request = httpx.Request("POST", "http://127.0.0.1:9/v1/chat/completions")
    response = httpx.Response(code, headers=headers or {}, request=request)
    return openai.APIStatusError("error", response=response, body=None)  # type: ignore[arg-type]


def test_retry_after_forms() -> None:
    assert classify_error(_status_error(429, {"retry-after": "2"})).retry_after == 2.0
    assert classify_error(_status_error(429, {"retry-after-ms": "1500"})).retry_after == 1.5
    when = datetime.now(UTC) + timedelta(seconds=20)
    date_failure = classify_error(_status_error(503, {"retry-after": format_datetime(when)}))
    assert date_failure.retry_after is not None and 15 <= date_failure.retry_after <= 21
    assert classify_error(_status_error(429, {"retry-after": "soon"})).retry_after is None
    assert classify_error(_status_error(429)).retry_after is None


@pytest.mark.parametrize(
    ("exc", "kind", "retryable"),
    [
        (EmptyResponseError("stop"), "empty", True),
        (EmptyResponseError("length"), "truncated", True),
        (EmptyResponseError("content_filter"), "content_filter", True),
        (ValueError("Expecting value"), "malformed", True),
        (KeyError("Response missing 'choices' key"), "malformed", True),
        (httpx.ReadTimeout("read timed out"), "timeout", True),
        (TimeoutError(), "timeout", True),
        (ConnectionRefusedError(111, "Connection refused"), "connection_refused", True),
        (ConnectionResetError(104, "reset"), "connection", True),
        (RuntimeError("bug"), "unexpected", False),
    ],
)
def test_classify_error_table(exc: BaseException, kind: str, retryable: bool) -> None:
    failure = classify_error(exc)
    assert (failure.kind, failure.retryable) == (kind, retryable)
    assert failure.message  # always something to tell the user


def test_server_messages_are_scrubbed_of_keys() -> None:
    request = httpx.Request("POST", "http://127.0.0.1:9/v1/chat/completions")
    response = httpx.Response(422, request=request)
    body = {"error": {"message": f"bad key {SECRET} and Bearer {SECRET}"}}
    exc = openai.APIStatusError("x", response=response, body=body)  # type: ignore[arg-type]
    failure = classify_error(exc)
    assert SECRET not in failure.message and not failure.retryable


def test_retry_delay() -> None:
    assert retry_delay(1, 1.0, rand=lambda: 0.5) == pytest.approx(1.0)
    assert retry_delay(2, 1.0, rand=lambda: 0.5) == pytest.approx(2.0)
    assert retry_delay(3, 1.0, rand=lambda: 0.5) == pytest.approx(4.0)
    assert 0.8 <= retry_delay(1, 1.0) <= 1.2
    assert retry_delay(10, 1.0, rand=lambda: 1.0) == MAX_BACKOFF
    assert retry_delay(3, 0.0) == 0.0
    assert retry_delay(1, 1.0, retry_after=3.0) == 3.0
    assert retry_delay(1, 1.0, retry_after=3600.0) == MAX_RETRY_AFTER
