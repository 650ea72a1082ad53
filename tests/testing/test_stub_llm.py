"""The loopback stub LLM server and the fake chat model, exercised with real clients.

Everything is loopback and bounded: clients use short timeouts and max_retries=0.
"""

from __future__ import annotations

import base64
import json
import os
import re
import signal
import struct
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import openai
import pytest
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage
from langchain_openai import ChatOpenAI

from drafter.testing import (
    SLOT_RE,
    FakeChatModel,
    ScriptedDrafter,
    StubLLMServer,
    close_connection,
    delay,
    echo_prompt,
    empty_content,
    fixed,
    hang,
    malformed_json,
    prompt_contains,
    sequence,
    status,
    truncated,
)
from drafter.testing.stub_modes import INVENTED_PHRASES

KEY = "sk-test"
REPO = Path(__file__).resolve().parents[2]

SLOTTED_PROMPT = (
    "请参照范文风格写一段，必须且只能使用下列占位符：{F1}、{F1.yoy}、{YEAR}、{T1}、{K1}。"
)
EXEMPLAR = (
    "参考范文：\n全县有效高新技术企业达到54家，比上年增长20.0%；科技型中小企业评价入库163家。\n"
)


@pytest.fixture
def server() -> Iterator[StubLLMServer]:
    with StubLLMServer(fixed("一是……二是……三是……")) as srv:
        yield srv


def client(srv: StubLLMServer, timeout: float = 5.0) -> openai.OpenAI:
    return openai.OpenAI(base_url=srv.base_url, api_key=KEY, timeout=timeout, max_retries=0)


def chat_model(srv: StubLLMServer, timeout: float = 5.0) -> ChatOpenAI:
    return ChatOpenAI(
        base_url=srv.base_url,
        api_key=KEY,  # type: ignore[arg-type]
        model="stub-model",
        timeout=timeout,
        max_retries=0,
    )


def ask(c: openai.OpenAI, text: str = "你好") -> str | None:
    r = c.chat.completions.create(model="stub-model", messages=[{"role": "user", "content": text}])
    return r.choices[0].message.content


def digits_outside_slots(text: str) -> list[str]:
    return re.findall(r"\d+(?:\.\d+)?", SLOT_RE.sub("", text))


# ----- normal operation ---------------------------------------------------------------


def test_base_url_is_loopback_v1(server: StubLLMServer) -> None:
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/v1", server.base_url)
    assert server.port > 0


def test_normal_completion_openai_client(server: StubLLMServer) -> None:
    r = client(server).chat.completions.create(
        model="stub-model", messages=[{"role": "user", "content": "写一段"}]
    )
    assert r.choices[0].message.content == "一是……二是……三是……"
    assert r.choices[0].finish_reason == "stop"
    assert r.model == "stub-model"
    assert r.id.startswith("chatcmpl-")
    assert r.object == "chat.completion"
    assert r.usage is not None and r.usage.total_tokens == (
        r.usage.prompt_tokens + r.usage.completion_tokens
    )
    assert server.calls == 1


def test_normal_completion_langchain(server: StubLLMServer) -> None:
    msg = chat_model(server).invoke([SystemMessage("你是写作助手"), HumanMessage("写一段")])
    assert msg.content == "一是……二是……三是……"
    assert msg.response_metadata["finish_reason"] == "stop"
    assert msg.usage_metadata is not None and msg.usage_metadata["output_tokens"] > 0
    body = server.chat_requests[-1].body
    assert [m["role"] for m in body["messages"]] == ["system", "user"]


def test_streaming_openai_client(server: StubLLMServer) -> None:
    server.stream_chunk_chars = 2
    stream = client(server).chat.completions.create(
        model="stub-model",
        messages=[{"role": "user", "content": "写"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    pieces: list[str] = []
    finish: list[str | None] = []
    usage = None
    for chunk in stream:
        assert chunk.object == "chat.completion.chunk"
        if chunk.choices:
            pieces.append(chunk.choices[0].delta.content or "")
            finish.append(chunk.choices[0].finish_reason)
        else:
            usage = chunk.usage
    assert "".join(pieces) == "一是……二是……三是……"
    assert len([p for p in pieces if p]) > 1
    assert finish[-1] == "stop"
    assert usage is not None and usage.completion_tokens > 0
    assert server.chat_requests[-1].stream


def test_streaming_langchain(server: StubLLMServer) -> None:
    chunks = list(chat_model(server).stream("写"))
    assert "".join(str(c.content) for c in chunks) == "一是……二是……三是……"


def test_models_health_and_embeddings(server: StubLLMServer) -> None:
    c = client(server)
    assert [m.id for m in c.models.list().data] == ["stub-model"]
    with urllib.request.urlopen(server.url + "/health", timeout=5) as resp:
        assert json.loads(resp.read()) == {"status": "ok"}

    e1 = c.embeddings.create(model="emb", input=["科技局工作总结", "科技局工作打算", "天气"])
    e2 = c.embeddings.create(model="emb", input="科技局工作总结", encoding_format="float")
    v = [d.embedding for d in e1.data]
    assert len(v[0]) == 64
    assert v[0] == pytest.approx(e2.data[0].embedding, abs=1e-6)  # base64 default == float

    def dot(a: list[float], b: list[float]) -> float:
        return sum(x * y for x, y in zip(a, b, strict=True))

    assert dot(v[0], v[0]) == pytest.approx(1.0, abs=1e-5)
    assert dot(v[0], v[1]) > dot(v[0], v[2])
    e3 = c.embeddings.create(model="emb", input="x", dimensions=16)
    assert len(e3.data[0].embedding) == 16


def test_embeddings_raw_base64_shape(server: StubLLMServer) -> None:
    req = urllib.request.Request(
        server.base_url + "/embeddings",
        data=json.dumps({"model": "e", "input": "科技", "encoding_format": "base64"}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=5) as resp:
        payload = json.loads(resp.read())
    raw = base64.b64decode(payload["data"][0]["embedding"])
    assert len(struct.unpack(f"<{len(raw) // 4}f", raw)) == 64
    assert payload["usage"]["prompt_tokens"] == 2


# ----- faults ---------------------------------------------------------------------------


def test_429_rate_limit_with_retry_after(server: StubLLMServer) -> None:
    server.fail_next(status(429, retry_after=1))
    with pytest.raises(openai.RateLimitError) as info:
        ask(client(server))
    assert info.value.response.headers["retry-after"] == "1"
    body = info.value.body
    assert isinstance(body, dict) and set(body) >= {"message", "type", "code"}
    assert ask(client(server)) == "一是……二是……三是……"  # only the next call failed


def test_500_401_404(server: StubLLMServer) -> None:
    c = client(server)
    server.fail_next(status(500))
    with pytest.raises(openai.InternalServerError):
        ask(c)
    server.fail_next(status(401))
    with pytest.raises(openai.AuthenticationError) as auth:
        ask(c)
    assert KEY not in str(auth.value)
    server.fail_next(status(404, "model not found"))
    with pytest.raises(openai.NotFoundError, match="model not found"):
        ask(c)


def test_faults_through_langchain(server: StubLLMServer) -> None:
    model = chat_model(server)
    server.fail_next(status(429, retry_after=1))
    with pytest.raises(openai.RateLimitError):
        model.invoke("x")
    server.fail_next(status(500))
    with pytest.raises(openai.InternalServerError):
        model.invoke("x")
    server.fail_next(status(401))
    with pytest.raises(openai.AuthenticationError):
        model.invoke("x")


def test_fail_next_n_then_recovers(server: StubLLMServer) -> None:
    server.fail_next(status(500), n=2)
    c = client(server)
    for _ in range(2):
        with pytest.raises(openai.InternalServerError):
            ask(c)
    assert ask(c) == "一是……二是……三是……"
    assert [name for _, name in server.faults_fired] == ["status(500)", "status(500)"]
    assert server.calls == 3


def test_malformed_json_200_is_a_json_decode_error(server: StubLLMServer) -> None:
    # openai 3.x does not wrap a 200 with an unparsable body: callers must catch ValueError.
    server.fail_next(malformed_json(), n=2)
    with pytest.raises(json.JSONDecodeError):
        ask(client(server))
    with pytest.raises(ValueError):
        chat_model(server).invoke("x")


def test_malformed_json_error_status_is_api_error(server: StubLLMServer) -> None:
    server.fail_next(malformed_json("<html>Bad Gateway</html>", status=502))
    with pytest.raises(openai.APIStatusError) as info:
        ask(client(server))
    assert isinstance(info.value, openai.APIError)
    assert info.value.status_code == 502


def test_empty_content_and_null(server: StubLLMServer) -> None:
    server.fail_next(empty_content())
    assert ask(client(server)) == ""
    server.fail_next(empty_content(null=True))
    assert ask(client(server)) is None


def test_truncated_finish_reason_length(server: StubLLMServer) -> None:
    server.fail_next(truncated())
    msg = chat_model(server).invoke("x")
    assert msg.response_metadata["finish_reason"] == "length"
    assert str(msg.content) == "一是……二是……三是……"[: len("一是……二是……三是……") // 2]


def test_max_tokens_cuts_with_length(server: StubLLMServer) -> None:
    r = client(server).chat.completions.create(
        model="stub-model", messages=[{"role": "user", "content": "x"}], max_tokens=3
    )
    assert r.choices[0].finish_reason == "length"
    assert r.choices[0].message.content == "一是…"


def test_hang_times_out_and_shutdown_is_prompt() -> None:
    srv = StubLLMServer(fixed("ok")).start()
    try:
        srv.fail_next(hang(30))
        t0 = time.monotonic()
        with pytest.raises(openai.APITimeoutError):
            ask(client(srv, timeout=0.5))
        assert time.monotonic() - t0 < 3
        srv.fail_next(hang(30))
        t0 = time.monotonic()
        with pytest.raises(openai.APITimeoutError):
            chat_model(srv, timeout=0.5).invoke("x")
        assert time.monotonic() - t0 < 3
    finally:
        t0 = time.monotonic()
        srv.close()
        assert time.monotonic() - t0 < 2


def test_hang_does_not_block_others_and_close_wakes_it() -> None:
    srv = StubLLMServer(fixed("ok")).start()
    srv.fail_next(hang(60))
    errors: list[BaseException] = []

    def hung_call() -> None:
        try:
            ask(client(srv, timeout=20))
        except BaseException as exc:
            errors.append(exc)

    t = threading.Thread(target=hung_call, daemon=True)
    t.start()
    deadline = time.monotonic() + 5
    while srv.calls < 1 and time.monotonic() < deadline:
        time.sleep(0.01)
    t0 = time.monotonic()
    assert ask(client(srv, timeout=5)) == "ok"  # served while the other one hangs
    assert time.monotonic() - t0 < 2

    t0 = time.monotonic()
    srv.close()
    t.join(timeout=5)
    assert time.monotonic() - t0 < 3
    assert not t.is_alive()
    assert errors and isinstance(errors[0], openai.APIConnectionError)
    deadline = time.monotonic() + 3  # handler threads end too
    while time.monotonic() < deadline and any(
        "process_request_thread" in th.name for th in threading.enumerate()
    ):
        time.sleep(0.02)
    assert not any("process_request_thread" in th.name for th in threading.enumerate())


def test_delay_and_latency() -> None:
    with StubLLMServer(fixed("ok"), latency=0.2) as srv:
        t0 = time.monotonic()
        assert ask(client(srv)) == "ok"
        assert 0.2 <= time.monotonic() - t0 < 2
        srv.latency = 0.0
        srv.fail_next(delay(0.3))
        t0 = time.monotonic()
        assert ask(client(srv)) == "ok"
        assert 0.3 <= time.monotonic() - t0 < 2


def test_latency_is_per_call_in_parallel() -> None:
    with StubLLMServer(fixed("ok"), latency=0.4) as srv:
        results: list[str | None] = []
        c = client(srv)
        threads = [
            threading.Thread(target=lambda: results.append(ask(c)), daemon=True) for _ in range(8)
        ]
        t0 = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=10)
        assert results == ["ok"] * 8
        assert time.monotonic() - t0 < 2.5  # concurrent, not 8 × 0.4 s
        assert srv.calls == 8


def test_close_connection(server: StubLLMServer) -> None:
    server.fail_next(close_connection())
    with pytest.raises(openai.APIConnectionError):
        ask(client(server))
    assert ask(client(server)) == "一是……二是……三是……"


def test_fault_when_prompt_contains_heading(server: StubLLMServer) -> None:
    server.fail_when(prompt_contains("二、存在的问题"), status(500))
    c = client(server)
    assert ask(c, "一、主要工作") == "一是……二是……三是……"
    for _ in range(2):
        with pytest.raises(openai.InternalServerError):
            ask(c, "请写：二、存在的问题和不足")
    assert ask(c, "三、下步打算") == "一是……二是……三是……"


def test_faults_do_not_consume_sequence_items() -> None:
    with StubLLMServer(sequence(["第一", "第二"])) as srv:
        c = client(srv)
        srv.fail_next(status(500))
        with pytest.raises(openai.InternalServerError):
            ask(c)
        assert [ask(c), ask(c), ask(c)] == ["第一", "第二", "第二"]
    with StubLLMServer(sequence(["甲", "乙"], cycle=True)) as srv:
        assert [ask(client(srv)) for _ in range(3)] == ["甲", "乙", "甲"]


def test_echo_prompt() -> None:
    with StubLLMServer(echo_prompt("回声：")) as srv:
        assert ask(client(srv), "原文{F1}") == "回声：原文{F1}"


# ----- recording and secrets ------------------------------------------------------------


def test_requests_recorded_without_secret(server: StubLLMServer) -> None:
    c = client(server)
    ask(c, "甲")
    server.fail_next(status(401))
    with pytest.raises(openai.AuthenticationError):
        ask(c, "乙")
    c.embeddings.create(model="e", input="丙")
    c.models.list()
    list(chat_model(server).stream("丁"))
    reqs = server.requests
    assert [r.path for r in reqs] == [
        "/v1/chat/completions",
        "/v1/chat/completions",
        "/v1/embeddings",
        "/v1/models",
        "/v1/chat/completions",
    ]
    assert all(r.authorization_present for r in reqs)
    assert all("authorization" not in r.headers for r in reqs)
    assert reqs[0].last_user_message == "甲"
    assert reqs[0].model == "stub-model"
    assert reqs[-1].stream
    assert KEY not in repr(reqs)
    assert KEY not in json.dumps([dict(r.headers) for r in reqs])
    assert server.call_counts["/v1/chat/completions"] == 3


def test_missing_authorization_is_recorded(server: StubLLMServer) -> None:
    req = urllib.request.Request(
        server.base_url + "/chat/completions",
        data=json.dumps({"model": "m", "messages": [{"role": "user", "content": "x"}]}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=5) as resp:
        assert json.loads(resp.read())["choices"][0]["message"]["content"]
    assert server.requests[-1].authorization_present is False


def test_required_api_key() -> None:
    with StubLLMServer(fixed("ok"), api_key="sk-right") as srv:
        with pytest.raises(openai.AuthenticationError):
            ask(client(srv))
        ok = openai.OpenAI(base_url=srv.base_url, api_key="sk-right", timeout=5, max_retries=0)
        assert ask(ok) == "ok"
        assert "sk-right" not in repr(srv.requests)


def test_unknown_path_and_bad_json(server: StubLLMServer) -> None:
    c = client(server)
    with pytest.raises(openai.NotFoundError):
        c.completions.create(model="m", prompt="x")
    req = urllib.request.Request(
        server.base_url + "/chat/completions",
        data=b"{not json",
        headers={"Content-Type": "application/json"},
    )
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(req, timeout=5)
    assert info.value.code == 400
    assert "error" in json.loads(info.value.read())


# ----- ScriptedDrafter --------------------------------------------------------------------


def _drafter_call(drafter: ScriptedDrafter, user: str, system: str = "") -> str:
    with StubLLMServer(drafter) as srv:
        messages: list[dict[str, str]] = []
        if system:
            messages.append({"role": "system", "content": system})
        messages.append({"role": "user", "content": user})
        r = client(srv).chat.completions.create(model="stub-model", messages=messages)  # type: ignore[arg-type]
        return r.choices[0].message.content or ""


def test_scripted_good_uses_every_slot_and_no_digits() -> None:
    d = ScriptedDrafter()
    text = _drafter_call(d, SLOTTED_PROMPT, system=EXEMPLAR)
    for slot in ("{F1}", "{F1.yoy}", "{YEAR}", "{T1}", "{K1}"):
        assert text.count(slot) == 1
    assert "一是" in text and "二是" in text and "三是" in text
    assert digits_outside_slots(text) == []
    assert d.last is not None and d.last.dropped_slots == ()


def test_scripted_invent_adds_numbers_absent_from_prompt() -> None:
    d = ScriptedDrafter.for_behaviour("invent")
    text = _drafter_call(d, SLOTTED_PROMPT, system=EXEMPLAR)
    assert INVENTED_PHRASES[0] in text  # 新增高新技术企业15家，增长二成
    prompt_numbers = set(digits_outside_slots(SLOTTED_PROMPT + EXEMPLAR))
    invented = set(digits_outside_slots(text)) - prompt_numbers
    assert invented
    assert all(s in text for s in SLOT_RE.findall(SLOTTED_PROMPT))


def test_scripted_invent_avoids_numbers_in_prompt() -> None:
    d = ScriptedDrafter(invent_numbers=True)
    text = _drafter_call(d, "写{F1}，去年新增15家")
    assert INVENTED_PHRASES[0] not in text
    assert d.last is not None and d.last.invented
    assert all("15" not in p for p in d.last.invented)


def test_scripted_copy_takes_exemplar_numbers() -> None:
    d = ScriptedDrafter.for_behaviour("copy")
    text = _drafter_call(d, SLOTTED_PROMPT, system=EXEMPLAR)
    assert "全县有效高新技术企业达到54家" in text
    assert "54" in digits_outside_slots(text)
    assert d.last is not None and len(d.last.copied) == 2


def test_scripted_copy_ignores_slot_definition_lines() -> None:
    prompt = "可用数据：\n{F1}：高新技术企业54家\n范文：专利申请586件。\n写一段，使用{F1}"
    d = ScriptedDrafter(copy_exemplar_numbers=True, copy_count=5)
    text = _drafter_call(d, prompt)
    assert "专利申请586件" in text
    assert "54" not in digits_outside_slots(text)


def test_scripted_drop_omits_offered_slots() -> None:
    d = ScriptedDrafter.for_behaviour("drop")
    text = _drafter_call(d, SLOTTED_PROMPT)
    assert d.last is not None
    assert d.last.dropped_slots == ("{T1}", "{K1}")
    assert "{T1}" not in text and "{K1}" not in text
    assert "{F1}" in text and "{F1.yoy}" in text and "{YEAR}" in text


def test_scripted_slots_only_from_last_user_message() -> None:
    d = ScriptedDrafter()
    text = _drafter_call(d, "写一段，使用{F2}", system="示例：{F9} 不是本次的占位符")
    assert "{F2}" in text and "{F9}" not in text


def test_behaviour_names() -> None:
    with pytest.raises(ValueError):
        ScriptedDrafter.for_behaviour("lazy")


# ----- fake chat model ---------------------------------------------------------------------


def test_fake_chat_model_invoke_and_records() -> None:
    drafter = ScriptedDrafter()
    model = FakeChatModel(responder=drafter.complete)
    msg = model.invoke([SystemMessage("你是写作助手"), HumanMessage(SLOTTED_PROMPT)])
    assert isinstance(msg, AIMessage)
    assert isinstance(msg.content, str) and "{F1.yoy}" in msg.content
    assert msg.usage_metadata is not None and msg.usage_metadata["output_tokens"] > 0
    assert model.calls == 1
    assert [m.type for m in model.prompts[0]] == ["system", "human"]
    assert model.openai_prompts[0][1] == {"role": "user", "content": SLOTTED_PROMPT}
    assert SLOTTED_PROMPT in model.last_prompt_text


def test_fake_chat_model_stream_and_plain_function() -> None:
    model = FakeChatModel(responder=lambda msgs: "收到：" + str(msgs[-1]["content"]))
    chunks = list(model.stream("写总结"))
    assert len(chunks) > 1
    assert "".join(str(c.content) for c in chunks) == "收到：写总结"
    assert model.invoke("甲").content == "收到：甲"
    assert model.calls == 2


def test_fake_chat_model_async() -> None:
    import asyncio

    model = FakeChatModel(responder=lambda msgs: "异步")
    assert asyncio.run(model.ainvoke("x")).content == "异步"


# ----- separate process --------------------------------------------------------------------


def _spawn(*args: str) -> tuple[subprocess.Popen[str], str]:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.Popen(
        [sys.executable, "-m", "drafter.testing.stub_llm", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=REPO,
    )
    assert proc.stdout is not None
    line: list[str] = []
    reader = threading.Thread(target=lambda: line.append(proc.stdout.readline()), daemon=True)  # type: ignore[union-attr]
    reader.start()
    reader.join(timeout=15)
    if not line:
        proc.kill()
        raise AssertionError("stub server printed no URL")
    return proc, line[0].strip()


def _stop(proc: subprocess.Popen[str]) -> int:
    proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise


def test_cli_process_behaviour_and_sigterm() -> None:
    proc, url = _spawn("--behaviour", "invent", "--latency", "0.05")
    try:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/v1", url)
        c = openai.OpenAI(base_url=url, api_key=KEY, timeout=5, max_retries=0)
        text = ask(c, "写一段，使用{F1}") or ""
        assert "{F1}" in text and INVENTED_PHRASES[0] in text
    finally:
        assert _stop(proc) == 0


def test_cli_process_script(tmp_path: Path) -> None:
    script = tmp_path / "script.json"
    script.write_text(
        json.dumps(
            {
                "replies": ["第一段", "第二段"],
                "faults": [
                    {"fault": "status", "code": 429, "retry_after": 1},
                    {"fault": "status", "code": 500, "when_prompt_contains": "二、"},
                ],
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    proc, url = _spawn("--script", str(script))
    try:
        c = openai.OpenAI(base_url=url, api_key=KEY, timeout=5, max_retries=0)
        with pytest.raises(openai.RateLimitError):
            ask(c)
        assert ask(c) == "第一段"
        with pytest.raises(openai.InternalServerError):
            ask(c, "二、存在的问题")
        assert ask(c) == "第二段"
    finally:
        assert _stop(proc) == 0


def test_broken_responder_is_a_500(capsys: pytest.CaptureFixture[str]) -> None:
    def broken(_body: dict[str, object]) -> str:
        raise ValueError("boom")

    with StubLLMServer(broken) as srv:
        with pytest.raises(openai.InternalServerError, match="boom"):
            ask(client(srv))
        srv.responder = fixed("恢复")
        assert ask(client(srv)) == "恢复"
