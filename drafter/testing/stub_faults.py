"""What the stub LLM answers and how it fails: replies, faults, predicates, responders.

Split out of :mod:`drafter.testing.stub_llm`: the building blocks a test composes
(``fixed("…")``, ``status(429)``, ``prompt_contains("二、")``), the recorded requests
they are matched against, and the fault specs of a JSON script.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

CHAT_PATH = "/v1/chat/completions"


Body = dict[str, Any]


# --------------------------------------------------------------------------------------
# Replies, responders, faults
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reply:
    """What the server sends for one call.

    The default is a normal 200 completion. ``status != 200`` sends ``{"error": error}``;
    ``raw_body`` is sent verbatim (with ``content_type``) instead of any JSON the server
    would build; ``drop`` closes the socket without answering.
    """

    content: str | None = ""
    finish_reason: str | None = "stop"
    status: int = 200
    error: Mapping[str, Any] | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    raw_body: bytes | None = None
    content_type: str = "application/json"
    drop: bool = False
    prompt_tokens: int | None = None  # usage override; estimated when None
    completion_tokens: int | None = None


#: Builds the normal answer from the parsed JSON body of a chat request.
Responder = Callable[[Body], "Reply | str"]
#: Selects chat requests (by parsed JSON body) for a fault.
Predicate = Callable[[Body], bool]


def as_reply(value: Reply | str) -> Reply:
    return value if isinstance(value, Reply) else Reply(content=value)


class FaultContext:
    """Handed to a fault when it fires: the request body, the normal answer, a wait."""

    def __init__(self, body: Body, normal: Callable[[], Reply], stopping: threading.Event) -> None:
        self.body = body
        self._normal = normal
        self._stopping = stopping

    def normal(self) -> Reply:
        """The answer the responder would have given (computed only when asked)."""
        return self._normal()

    def wait(self, seconds: float) -> bool:
        """Sleep ``seconds``; False (early) when the server is shutting down."""
        return not self._stopping.wait(max(0.0, seconds))


class Fault:
    """A scripted misbehaviour: a named function of a :class:`FaultContext` to a Reply."""

    def __init__(self, name: str, apply: Callable[[FaultContext], Reply]) -> None:
        self.name = name
        self._apply = apply

    def __call__(self, ctx: FaultContext) -> Reply:
        return self._apply(ctx)

    def __repr__(self) -> str:
        return f"Fault({self.name})"


_ERROR_DEFAULTS: dict[int, tuple[str, str, str | None]] = {
    # status: (message, type, code) — modelled on api.openai.com answers
    400: ("Invalid request.", "invalid_request_error", None),
    401: (
        "Incorrect API key provided. You can find your API key at "
        "https://platform.openai.com/account/api-keys.",
        "invalid_request_error",
        "invalid_api_key",
    ),
    403: ("You are not allowed to access this resource.", "invalid_request_error", None),
    404: (
        "The model does not exist or you do not have access to it.",
        "invalid_request_error",
        "model_not_found",
    ),
    408: ("Request timed out.", "timeout", None),
    409: ("Conflict.", "invalid_request_error", None),
    422: ("Unprocessable entity.", "invalid_request_error", None),
    429: (
        "Rate limit reached for requests. Please try again in 1s.",
        "requests",
        "rate_limit_exceeded",
    ),
    500: ("The server had an error while processing your request.", "server_error", None),
    502: ("Bad gateway.", "server_error", None),
    503: ("The engine is currently overloaded, please try again later.", "server_error", None),
}


def error_reply(
    code: int,
    message: str | None = None,
    *,
    error_type: str | None = None,
    error_code: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> Reply:
    d_msg, d_type, d_code = _ERROR_DEFAULTS.get(
        code, ("Error.", "server_error" if code >= 500 else "invalid_request_error", None)
    )
    error = {
        "message": message if message is not None else d_msg,
        "type": error_type if error_type is not None else d_type,
        "param": None,
        "code": error_code if error_code is not None else d_code,
    }
    return Reply(status=code, error=error, headers=dict(headers or {}), finish_reason=None)


def status(
    code: int,
    message: str | None = None,
    *,
    retry_after: float | None = None,
    error_type: str | None = None,
    error_code: str | None = None,
) -> Fault:
    """An HTTP error with OpenAI's body ``{"error": {"message", "type", "param", "code"}}``.

    ``status(429, retry_after=1)`` also sends ``Retry-After: 1``; ``status(404, "model not
    found")`` overrides the message. Type/code default to what OpenAI sends for the status.
    """
    headers: dict[str, str] = {}
    if retry_after is not None:
        headers["Retry-After"] = _fmt_seconds(retry_after)
        headers["retry-after-ms"] = str(int(retry_after * 1000))
    reply = error_reply(
        code, message, error_type=error_type, error_code=error_code, headers=headers
    )
    return Fault(f"status({code})", lambda _ctx: reply)


def _fmt_seconds(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def malformed_json(
    body: str = '{"id": "chatcmpl-stub", "object": "chat.completion", "choices": [',
    *,
    status: int = 200,
) -> Fault:
    """A response with ``Content-Type: application/json`` whose body is not valid JSON.

    With the default ``status=200`` the openai client (3.x) raises ``json.JSONDecodeError``
    (a ``ValueError``, *not* an ``openai.APIError``); with an error status such as 502 it
    raises the matching ``openai.APIStatusError`` subclass.
    """
    raw = body.encode("utf-8")
    return Fault(f"malformed_json({status})", lambda _ctx: Reply(status=status, raw_body=raw))


def empty_content(*, null: bool = False) -> Fault:
    """A well-formed completion whose content is ``""`` (or ``null`` when ``null=True``)."""
    return Fault("empty_content", lambda _ctx: Reply(content=None if null else ""))


def truncated(finish_reason: str = "length", *, keep: float | int = 0.5) -> Fault:
    """The normal answer cut short (``keep``: fraction if float, characters if int)."""

    def apply(ctx: FaultContext) -> Reply:
        normal = ctx.normal()
        text = normal.content or ""
        n = int(len(text) * keep) if isinstance(keep, float) else keep
        return replace(normal, content=text[: max(0, n)], finish_reason=finish_reason)

    return Fault(f"truncated({finish_reason})", apply)


def hang(seconds: float = 60.0) -> Fault:
    """Say nothing for ``seconds``, then answer normally.

    Other requests are served meanwhile; on server shutdown the connection is dropped
    at once (shutdown never waits for a hung handler).
    """

    def apply(ctx: FaultContext) -> Reply:
        if not ctx.wait(seconds):
            return Reply(drop=True)
        return ctx.normal()

    return Fault(f"hang({seconds})", apply)


def delay(seconds: float) -> Fault:
    """Fixed extra latency, then the normal answer (same mechanics as :func:`hang`)."""
    fault = hang(seconds)
    return Fault(f"delay({seconds})", fault)


def close_connection() -> Fault:
    """Read the request, then close the socket without sending a byte."""
    return Fault("close_connection", lambda _ctx: Reply(drop=True))


# ----- predicates --------------------------------------------------------------------


def message_text(message: Mapping[str, Any]) -> str:
    """The text of an OpenAI-format message (string content or text parts)."""
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts: list[str] = []
        for part in content:
            if isinstance(part, Mapping) and isinstance(part.get("text"), str):
                parts.append(str(part["text"]))
            elif isinstance(part, str):
                parts.append(part)
        return "".join(parts)
    return ""


def chat_messages(body: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    msgs = body.get("messages")
    if not isinstance(msgs, list):
        return []
    return [m for m in msgs if isinstance(m, Mapping)]


def last_user_text(messages: Sequence[Mapping[str, Any]]) -> str:
    """Text of the last ``user`` message ("" when there is none)."""
    for m in reversed(messages):
        if m.get("role") in ("user", "human"):
            return message_text(m)
    return ""


def prompt_contains(text: str, *, last_user_only: bool = False) -> Predicate:
    """Matches chat requests whose prompt (all messages, or the last user one) has ``text``."""

    def pred(body: Body) -> bool:
        msgs = chat_messages(body)
        if last_user_only:
            return text in last_user_text(msgs)
        return any(text in message_text(m) for m in msgs)

    return pred


def model_is(name: str) -> Predicate:
    """Matches requests for the given model name."""
    return lambda body: body.get("model") == name


# ----- responders --------------------------------------------------------------------


def fixed(text: str) -> Responder:
    """Always answer ``text``."""
    reply = Reply(content=text)
    return lambda _body: reply


def sequence(items: Iterable[str | Reply], *, cycle: bool = False) -> Responder:
    """Answer the items in order; afterwards repeat the last one (or start over if cycle)."""
    replies = [as_reply(i) for i in items]
    if not replies:
        raise ValueError("sequence() needs at least one reply")
    lock = threading.Lock()
    index = [0]

    def responder(_body: Body) -> Reply:
        with lock:
            i = index[0]
            index[0] += 1
        if cycle:
            return replies[i % len(replies)]
        return replies[min(i, len(replies) - 1)]

    return responder


def echo_prompt(prefix: str = "") -> Responder:
    """Answer with the last user message (optionally prefixed)."""
    return lambda body: Reply(content=prefix + last_user_text(chat_messages(body)))


# --------------------------------------------------------------------------------------
# Recorded requests and fault rules
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordedRequest:
    """One request as received. Secret headers are absent; only their presence is kept."""

    index: int
    method: str
    path: str
    query: str
    headers: Mapping[str, str]  # lower-case names, secret headers removed
    authorization_present: bool
    redacted_headers: tuple[str, ...]
    body: Any  # parsed JSON (None for GET or an unparsable body)
    received_at: float

    @property
    def messages(self) -> list[Mapping[str, Any]]:
        return chat_messages(self.body) if isinstance(self.body, Mapping) else []

    @property
    def model(self) -> str | None:
        m = self.body.get("model") if isinstance(self.body, Mapping) else None
        return m if isinstance(m, str) else None

    @property
    def stream(self) -> bool:
        return bool(isinstance(self.body, Mapping) and self.body.get("stream"))

    @property
    def last_user_message(self) -> str:
        return last_user_text(self.messages)

    @property
    def prompt_text(self) -> str:
        return "\n".join(message_text(m) for m in self.messages)


@dataclass
class FaultRule:
    fault: Fault
    remaining: int | None  # None: unlimited
    when: Predicate | None
    path: str | None  # None: any POST endpoint


def fault_from_spec(spec: Mapping[str, Any]) -> Fault:
    kind = spec.get("fault")
    if kind == "status":
        retry = spec.get("retry_after")
        return status(
            int(spec["code"]),
            spec.get("message"),
            retry_after=float(retry) if retry is not None else None,
            error_type=spec.get("type"),
            error_code=spec.get("error_code"),
        )
    if kind == "malformed_json":
        code = int(spec.get("code", 200))
        if "body" in spec:
            return malformed_json(str(spec["body"]), status=code)
        return malformed_json(status=code)
    if kind == "empty_content":
        return empty_content(null=bool(spec.get("null", False)))
    if kind == "truncated":
        keep = spec.get("keep", 0.5)
        return truncated(spec.get("finish_reason", "length"), keep=keep)
    if kind == "hang":
        return hang(float(spec.get("seconds", 60.0)))
    if kind == "delay":
        return delay(float(spec["seconds"]))
    if kind == "close_connection":
        return close_connection()
    raise ValueError(f"unknown fault {kind!r} in script")
