"""drafter.llm.openai_chat against the client it replaced (langchain-openai's ChatOpenAI).

The light client exists so that `regenerate` does not import langchain-openai; it must
send the same request and fail the same way. Each case runs both clients against the
loopback stub and compares the request bodies, the answers, and how a bad answer is
classified (drafter.llm.errors.classify_error).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import openai
import pytest
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from langchain_openai import ChatOpenAI
from pydantic import SecretStr

from drafter.llm.client import make_chat_model
from drafter.llm.config import LLMConfig
from drafter.llm.errors import ResponseStatusError, classify_error
from drafter.llm.openai_chat import OpenAIChat
from drafter.settings import is_loopback_url
from drafter.testing import StubLLMServer
from drafter.testing.stub_faults import Fault, Reply, fixed

SECRET = "sk-test-DO-NOT-LEAK-0123456789abcdef"
CONVERSATION: list[BaseMessage] = [
    SystemMessage("你是办公室文字秘书。"),
    HumanMessage("写一句话。"),
    AIMessage("一是……"),
    HumanMessage("上一稿写到长度上限被截断，没有写完。"),
]


def reference_model(cfg: LLMConfig) -> ChatOpenAI:
    """The client drafter used before (make_chat_model as it was), for comparison."""
    assert cfg.base_url is not None
    extra: dict[str, Any] = {}
    if cfg.provider == "openai":
        extra["max_completion_tokens"] = cfg.max_tokens
    else:
        extra["extra_body"] = {"max_tokens": cfg.max_tokens}
    if is_loopback_url(cfg.base_url):
        extra["http_client"] = openai.DefaultHttpxClient(trust_env=False)
    return ChatOpenAI(
        model=cfg.model,
        base_url=cfg.base_url,
        api_key=cfg.api_key or SecretStr("not-needed"),
        timeout=cfg.timeout,
        max_retries=0,
        temperature=cfg.temperature,
        use_responses_api=False,
        **extra,
    )


@pytest.fixture
def server() -> Iterator[StubLLMServer]:
    with StubLLMServer(responder=fixed("一是坚持高位统筹，二是强化要素保障。")) as srv:
        yield srv


def config(srv: StubLLMServer, **changes: Any) -> LLMConfig:
    values: dict[str, Any] = {
        "provider": "custom",
        "base_url": srv.base_url,
        "model": "stub-model",
        "api_key": SecretStr(SECRET),
        "timeout": 5.0,
    }
    values.update(changes)
    return LLMConfig(**values)


@pytest.mark.parametrize(
    "changes",
    [
        {},  # an OpenAI-compatible server: the limit as extra_body max_tokens
        {"provider": "openai", "model": "gpt-4o-mini"},  # OpenAI: max_completion_tokens
        {"provider": "openai", "model": "o3-mini"},  # o-series: the system role is "developer"
        {"model": "o1-local"},  # the role follows the model name, whatever the provider
        {"temperature": 0.0, "max_tokens": 64},
        {"api_key": None},  # a keyless local server still gets a placeholder key
    ],
    ids=["custom", "openai", "o-series", "o-named-local", "settings", "keyless"],
)
def test_the_request_is_the_one_chatopenai_sent(
    server: StubLLMServer, changes: dict[str, Any]
) -> None:
    cfg = config(server, **changes)
    reference_model(cfg).invoke(CONVERSATION)
    make_chat_model(cfg).invoke(CONVERSATION)
    before, after = server.chat_requests
    assert after.body == before.body
    assert after.authorization_present and before.authorization_present


def fault(reply: Reply) -> Fault:
    return Fault("reply", lambda _ctx: reply)


def outcome(model: Any) -> tuple[str, ...]:
    """(text, finish_reason) of an answer, or the classified failure's kind and retryability."""
    try:
        message = model.invoke(CONVERSATION)
    except Exception as exc:
        failure = classify_error(exc)
        return ("failed", failure.kind, str(failure.retryable))
    return (str(message.text), str(message.response_metadata.get("finish_reason")))


ANSWERS = [
    ("normal", Reply(content="一是……二是……")),
    ("cut off", Reply(content="一是…", finish_reason="length")),
    ("null content", Reply(content=None)),
    ("filtered", Reply(content="", finish_reason="content_filter")),
    ("error in a 200 body", Reply(raw_body=b'{"error": {"message": "overloaded"}}')),
    ("no choices key", Reply(raw_body=b'{"id": "x", "object": "chat.completion"}')),
    ("null choices", Reply(raw_body=b'{"id": "x", "choices": null}')),
    ("empty choices", Reply(raw_body=b'{"id": "x", "choices": []}')),
    ("invalid json", Reply(raw_body=b'{"choices": [')),
    ("html page", Reply(raw_body=b"<html>login</html>", content_type="text/html")),
    ("429", Reply(status=429, error={"message": "slow down", "code": "rate_limit"})),
    ("500", Reply(status=500, error={"message": "boom"})),
    ("400 context", Reply(status=400, error={"message": "maximum context length is 4096"})),
    ("401", Reply(status=401, error={"message": "bad key"})),
]


@pytest.mark.parametrize("reply", [r for _, r in ANSWERS], ids=[n for n, _ in ANSWERS])
def test_answers_and_failures_read_as_with_chatopenai(server: StubLLMServer, reply: Reply) -> None:
    cfg = config(server)
    server.fail_next(fault(reply), n=2)
    expected = outcome(reference_model(cfg))
    assert outcome(make_chat_model(cfg)) == expected


def test_a_plain_string_is_one_user_message(server: StubLLMServer) -> None:
    reply = make_chat_model(config(server)).invoke("写一句话")
    assert reply.text == "一是坚持高位统筹，二是强化要素保障。"
    assert server.chat_requests[0].body["messages"] == [{"role": "user", "content": "写一句话"}]


def test_the_client_never_retries_and_keeps_its_timeout(server: StubLLMServer) -> None:
    model = make_chat_model(config(server, timeout=7.5))
    assert isinstance(model, OpenAIChat)
    assert model.max_retries == 0 and model.transport.timeout == 7.5
    server.fail_next(fault(Reply(status=503, error={"message": "busy"})))
    with pytest.raises(ResponseStatusError) as raised:
        model.invoke(CONVERSATION)
    assert raised.value.status_code == 503
    assert server.calls == 1  # retries are invoke_with_retries' job, with backoff


def test_the_key_is_not_in_the_repr(server: StubLLMServer) -> None:
    assert SECRET not in repr(make_chat_model(config(server)))
