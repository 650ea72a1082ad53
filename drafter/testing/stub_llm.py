"""A loopback, OpenAI-compatible stub LLM server for tests and benchmarks.

Standard library only (``http.server`` + ``threading``), so it can run inside a test
process or as a separate one::

    python -m drafter.testing.stub_llm --port 0 --behaviour good [--latency 0.2] [--script F]

which prints its base URL (``http://127.0.0.1:PORT/v1``) on stdout and serves until
SIGTERM/SIGINT.

In-process use::

    with StubLLMServer(responder=fixed("一是……")) as srv:
        srv.fail_next(status(429, retry_after=1))
        client = openai.OpenAI(base_url=srv.base_url, api_key="sk-test", max_retries=0)
        ...
        assert srv.calls == 1

Endpoints: ``POST /v1/chat/completions`` (plain and ``stream: true`` SSE),
``GET /v1/models``, ``GET /v1/models/{id}``, ``POST /v1/embeddings`` (deterministic
hash-based vectors, ``float`` or ``base64``) and ``GET /health``.

Secrets: the Authorization header (and ``api-key``/``x-api-key``/cookies) is never stored;
a recorded request only says whether an Authorization header was present.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import hashlib
import json
import math
import re
import signal
import socket
import struct
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import FrameType, MappingProxyType, TracebackType
from typing import Any, Literal, Self

from drafter.testing.placing import placed_units

__all__ = [
    "CHAT_PATH",
    "EMBEDDINGS_PATH",
    "SLOT_RE",
    "DraftOutcome",
    "Fault",
    "FaultContext",
    "Predicate",
    "RecordedRequest",
    "Reply",
    "Responder",
    "ScriptedDrafter",
    "StubLLMServer",
    "close_connection",
    "count_tokens",
    "delay",
    "echo_prompt",
    "empty_content",
    "fixed",
    "hang",
    "last_user_text",
    "load_script",
    "main",
    "malformed_json",
    "message_text",
    "model_is",
    "prompt_contains",
    "sequence",
    "status",
    "truncated",
]

CHAT_PATH = "/v1/chat/completions"
EMBEDDINGS_PATH = "/v1/embeddings"
MODELS_PATH = "/v1/models"
HEALTH_PATH = "/health"

#: A slot placeholder offered to the model: {F1}, {F1.yoy}, {YEAR}, {T1}, {K1}.
SLOT_RE = re.compile(r"\{[A-Z]+\d*(?:\.[a-z]+)?\}")

#: Headers whose values are never recorded (only their names, in ``redacted_headers``).
SECRET_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "api-key", "x-api-key", "cookie", "set-cookie"}
)

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


def _as_reply(value: Reply | str) -> Reply:
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


def _error_reply(
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
    reply = _error_reply(
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


def _messages(body: Mapping[str, Any]) -> list[Mapping[str, Any]]:
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
        msgs = _messages(body)
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
    replies = [_as_reply(i) for i in items]
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
    return lambda body: Reply(content=prefix + last_user_text(_messages(body)))


# --------------------------------------------------------------------------------------
# ScriptedDrafter
# --------------------------------------------------------------------------------------

_NUMBER_WITH_UNIT = re.compile(
    r"\d+(?:\.\d+)?\s*(?:%|％|个百分点|万元|亿元|元|万人|人次|人|家|个|件|项|次|台|套|篇|所|户|亩|吨|平方米|公里)"
)
_DIGITS = re.compile(r"\d+(?:\.\d+)?")
_CLAUSE_SPLIT = re.compile(r"[，,；;：:。！!？?\n]")

#: Invented facts, tried in order; one whose numbers occur in the prompt is skipped.
INVENTED_PHRASES: tuple[str, ...] = (
    "新增高新技术企业15家，增长二成",
    "完成技术合同成交额3.7亿元，同比增长27.4%",
    "引进高层次科技人才38人",
    "新建省级工程技术研究中心6个",
)

_CLAUSES: tuple[tuple[str, str], ...] = (
    ("一是", "坚持高位统筹，推动重点任务落地见效"),
    ("二是", "强化要素保障，持续优化创新生态"),
    ("三是", "狠抓工作落实，确保各项目标顺利完成"),
)

Behaviour = Literal["good", "invent", "copy", "drop", "swap"]
BEHAVIOURS: tuple[Behaviour, ...] = ("good", "invent", "copy", "drop", "swap")


@dataclass(frozen=True)
class DraftOutcome:
    """What a :class:`ScriptedDrafter` did for one prompt."""

    text: str
    offered_slots: tuple[str, ...]
    used_slots: tuple[str, ...]
    dropped_slots: tuple[str, ...]
    invented: tuple[str, ...]
    copied: tuple[str, ...]


class ScriptedDrafter:
    """A responder that writes a short 一是…二是…三是… paragraph from the prompt's slots.

    Slots (``SLOT_RE``) are parsed from the last user message. Flags:

    * ``invent_numbers``: add facts with numbers absent from the prompt
      (e.g. "新增高新技术企业15家，增长二成");
    * ``copy_exemplar_numbers``: copy up to ``copy_count`` clauses carrying a number with a
      unit from the exemplar text (default: every prompt line that has no slot in it);
    * ``drop_slots``: omit the last N offered slots;
    * ``swap_slots``: use every offered slot, in the wrong places: indicator slots rotated
      against their names, numbers inside a fact swapped or moved to another fact
      (:mod:`drafter.testing.placing`);
    * none of these: use every offered slot once, each indicator slot after its name and
      each derived slot after its base, and no other digits.

    Usable as a server responder (``__call__(body)``) or, via :meth:`complete`, on a list of
    OpenAI-format messages (for the fake chat model). Outcomes are kept in ``history``.
    """

    def __init__(
        self,
        *,
        invent_numbers: bool = False,
        copy_exemplar_numbers: bool = False,
        drop_slots: int = 0,
        copy_count: int = 2,
        exemplar_text: Callable[[Sequence[Mapping[str, Any]]], str] | None = None,
        swap_slots: bool = False,
    ) -> None:
        self.swap_slots = swap_slots
        self.invent_numbers = invent_numbers
        self.copy_exemplar_numbers = copy_exemplar_numbers
        self.drop_slots = max(0, drop_slots)
        self.copy_count = copy_count
        self.exemplar_text = exemplar_text or _default_exemplar_text
        self._lock = threading.Lock()
        self._history: list[DraftOutcome] = []

    @classmethod
    def for_behaviour(cls, behaviour: str) -> ScriptedDrafter:
        """``good`` | ``invent`` | ``copy`` | ``drop`` (drops the last 2 offered slots)."""
        if behaviour == "good":
            return cls()
        if behaviour == "invent":
            return cls(invent_numbers=True)
        if behaviour == "copy":
            return cls(copy_exemplar_numbers=True)
        if behaviour == "drop":
            return cls(drop_slots=2)
        if behaviour == "swap":
            return cls(swap_slots=True)
        raise ValueError(f"unknown behaviour {behaviour!r}; expected one of {BEHAVIOURS}")

    @property
    def history(self) -> list[DraftOutcome]:
        with self._lock:
            return list(self._history)

    @property
    def last(self) -> DraftOutcome | None:
        with self._lock:
            return self._history[-1] if self._history else None

    def __call__(self, body: Body) -> Reply:
        return Reply(content=self.complete(_messages(body)))

    def complete(self, messages: Sequence[Mapping[str, Any]]) -> str:
        """messages (OpenAI format) → paragraph text."""
        return self.draft(messages).text

    def draft(self, messages: Sequence[Mapping[str, Any]]) -> DraftOutcome:
        """messages (OpenAI format) → the paragraph and what went into it."""
        offered = tuple(dict.fromkeys(SLOT_RE.findall(last_user_text(messages))))
        n_drop = min(self.drop_slots, len(offered))
        used = offered[: len(offered) - n_drop]
        dropped = offered[len(offered) - n_drop :]

        prompt = "\n".join(message_text(m) for m in messages)
        extras: list[list[str]] = [[] for _ in _CLAUSES]
        invented: list[str] = []
        copied: list[str] = []
        if self.invent_numbers:
            present = set(_DIGITS.findall(SLOT_RE.sub("", prompt)))
            for phrase in INVENTED_PHRASES:
                if not set(_DIGITS.findall(phrase)) & present:
                    invented.append(phrase)
                if len(invented) == 2:
                    break
            for i, phrase in enumerate(invented):
                extras[i].append(phrase)
        if self.copy_exemplar_numbers:
            source = SLOT_RE.sub("", self.exemplar_text(messages))
            for clause in _CLAUSE_SPLIT.split(source):
                clause = clause.strip()
                if clause and _NUMBER_WITH_UNIT.search(clause) and clause not in copied:
                    copied.append(clause)
                if len(copied) >= self.copy_count:
                    break
            for i, clause in enumerate(copied):
                extras[min(i, len(extras) - 1)].append(clause)

        # names and facts from the slot list, which a re-prompt does not repeat
        units = placed_units(used, prompt, swap=self.swap_slots)
        groups = _split_even(units, len(_CLAUSES))
        sentences = []
        for (ordinal, phrase), slots, extra in zip(_CLAUSES, groups, extras, strict=True):
            parts = [ordinal + phrase, *slots, *extra]
            sentences.append("，".join(parts) + "。")
        outcome = DraftOutcome(
            text="".join(sentences),
            offered_slots=offered,
            used_slots=used,
            dropped_slots=dropped,
            invented=tuple(invented),
            copied=tuple(copied),
        )
        with self._lock:
            self._history.append(outcome)
        return outcome


def _default_exemplar_text(messages: Sequence[Mapping[str, Any]]) -> str:
    lines = "\n".join(message_text(m) for m in messages).splitlines()
    return "\n".join(line for line in lines if not SLOT_RE.search(line))


def _split_even(items: list[str], n: int) -> list[list[str]]:
    """Contiguous groups, sizes differing by at most one (earlier groups larger)."""
    q, r = divmod(len(items), n)
    out: list[list[str]] = []
    start = 0
    for i in range(n):
        size = q + (1 if i < r else 0)
        out.append(items[start : start + size])
        start += size
    return out


# --------------------------------------------------------------------------------------
# Token estimate, embeddings
# --------------------------------------------------------------------------------------

_TOKEN_RE = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]|[A-Za-z]+|\d+|[^\sA-Za-z\d]")


def count_tokens(text: str) -> int:
    """A deterministic token estimate: one per CJK character, word, digit run or symbol."""
    return len(_TOKEN_RE.findall(text))


def _cut_tokens(text: str, limit: int) -> str:
    for i, m in enumerate(_TOKEN_RE.finditer(text)):
        if i == limit:
            return text[: m.start()]
    return text


def _embed(text: str, dim: int) -> list[float]:
    """Hashed bag of character uni/bi-grams, L2-normalised: similar texts, similar vectors."""
    vec = [0.0] * dim
    grams = list(text) + [text[i : i + 2] for i in range(len(text) - 1)]
    for g in grams:
        h = hashlib.blake2b(g.encode("utf-8"), digest_size=8).digest()
        idx = int.from_bytes(h[:4], "little") % dim
        vec[idx] += 1.0 if h[4] & 1 else -1.0
    norm = math.sqrt(sum(v * v for v in vec))
    if norm == 0.0:
        vec[0] = 1.0
        return vec
    return [v / norm for v in vec]


def _input_text(item: Any) -> str:
    if isinstance(item, str):
        return item
    if isinstance(item, list):
        return " ".join(str(x) for x in item)
    return str(item)


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
        return _messages(self.body) if isinstance(self.body, Mapping) else []

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
class _Rule:
    fault: Fault
    remaining: int | None  # None: unlimited
    when: Predicate | None
    path: str | None  # None: any POST endpoint


# --------------------------------------------------------------------------------------
# The server
# --------------------------------------------------------------------------------------


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    stub: StubLLMServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        if isinstance(exc, OSError | ValueError):  # client went away / socket shut down
            return
        super().handle_error(request, client_address)


class StubLLMServer:
    """OpenAI-compatible server on 127.0.0.1 (free port unless ``port`` is given).

    ``responder(body) -> Reply | str`` makes the normal chat answer (default: a
    :class:`ScriptedDrafter` behaving well). ``latency`` seconds are added to every chat
    and embeddings call. Faults are queued with :meth:`fail_next` / :meth:`fail_when` /
    :meth:`schedule`; the first matching rule (in scheduling order) fires.
    """

    def __init__(
        self,
        responder: Responder | None = None,
        *,
        port: int = 0,
        latency: float = 0.0,
        models: Sequence[str] = ("stub-model",),
        embedding_dim: int = 64,
        stream_chunk_chars: int = 4,
        enforce_max_tokens: bool = True,
        api_key: str | None = None,
        verbose: bool = False,
    ) -> None:
        self._lock = threading.Lock()
        self._responder: Responder = responder or ScriptedDrafter()
        self._latency = latency
        self.models = tuple(models)
        self.embedding_dim = embedding_dim
        self.stream_chunk_chars = max(1, stream_chunk_chars)
        self.enforce_max_tokens = enforce_max_tokens
        self._api_key_digest = (
            hashlib.sha256(api_key.encode()).digest() if api_key is not None else None
        )
        self.verbose = verbose
        self._port = port
        self._requests: list[RecordedRequest] = []
        self._counts: dict[str, int] = {}
        self._rules: list[_Rule] = []
        self._fault_log: list[tuple[int, str]] = []
        self._stopping = threading.Event()
        self._connections: set[socket.socket] = set()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._id_counter = 0

    # ----- lifecycle -----------------------------------------------------------------

    def start(self) -> Self:
        if self._httpd is not None:
            return self
        httpd = _HTTPServer(("127.0.0.1", self._port), _Handler)
        httpd.stub = self
        self._httpd = httpd
        self._stopping.clear()
        self._thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"stub-llm-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop at once: hung handlers are woken and their connections dropped."""
        httpd = self._httpd
        if httpd is None:
            return
        self._stopping.set()
        httpd.shutdown()
        with self._lock:
            conns = list(self._connections)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None
        self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # ----- addresses -----------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("StubLLMServer is not running")
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT`` (no ``/v1``)."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT/v1`` — pass to OpenAI clients as base_url."""
        return f"{self.url}/v1"

    # ----- programming ---------------------------------------------------------------

    @property
    def responder(self) -> Responder:
        with self._lock:
            return self._responder

    @responder.setter
    def responder(self, value: Responder) -> None:
        with self._lock:
            self._responder = value

    @property
    def latency(self) -> float:
        with self._lock:
            return self._latency

    @latency.setter
    def latency(self, value: float) -> None:
        with self._lock:
            self._latency = value

    def schedule(
        self,
        fault: Fault,
        *,
        times: int | None = 1,
        when: Predicate | None = None,
        path: str | None = CHAT_PATH,
    ) -> Self:
        """Apply ``fault`` to the next ``times`` calls (None: every call) that match."""
        with self._lock:
            self._rules.append(_Rule(fault, times, when, path))
        return self

    def fail_next(self, fault: Fault, n: int = 1, *, path: str | None = CHAT_PATH) -> Self:
        """Apply ``fault`` to the next ``n`` chat calls."""
        return self.schedule(fault, times=n, path=path)

    def fail_when(
        self,
        when: Predicate,
        fault: Fault,
        *,
        times: int | None = None,
        path: str | None = CHAT_PATH,
    ) -> Self:
        """Apply ``fault`` to chat calls matching ``when`` (every time unless ``times``)."""
        return self.schedule(fault, times=times, when=when, path=path)

    def clear_faults(self) -> None:
        with self._lock:
            self._rules.clear()

    def reset(self) -> None:
        """Forget recorded requests, counters and fault rules."""
        with self._lock:
            self._requests.clear()
            self._counts.clear()
            self._rules.clear()
            self._fault_log.clear()

    # ----- observation ---------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received so far (a copy), in arrival order."""
        with self._lock:
            return list(self._requests)

    @property
    def chat_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path == CHAT_PATH]

    @property
    def calls(self) -> int:
        """Number of chat completion calls received (faulted ones included)."""
        with self._lock:
            return self._counts.get(CHAT_PATH, 0)

    @property
    def call_counts(self) -> dict[str, int]:
        """Requests received per path."""
        with self._lock:
            return dict(self._counts)

    @property
    def faults_fired(self) -> list[tuple[int, str]]:
        """(request index, fault name) for every fault that fired."""
        with self._lock:
            return list(self._fault_log)

    # ----- internals used by the handler ---------------------------------------------

    def _record(
        self, method: str, raw_path: str, headers: Mapping[str, str], body: Any
    ) -> RecordedRequest:
        path, _, query = raw_path.partition("?")
        kept: dict[str, str] = {}
        redacted: list[str] = []
        for name, value in headers.items():
            lname = name.lower()
            if lname in SECRET_HEADERS:
                redacted.append(lname)
            else:
                kept[lname] = value
        with self._lock:
            rec = RecordedRequest(
                index=len(self._requests),
                method=method,
                path=path,
                query=query,
                headers=MappingProxyType(kept),
                authorization_present="authorization" in redacted,
                redacted_headers=tuple(redacted),
                body=body,
                received_at=time.time(),
            )
            self._requests.append(rec)
            self._counts[path] = self._counts.get(path, 0) + 1
        return rec

    def _pick_fault(self, rec: RecordedRequest) -> Fault | None:
        body = rec.body if isinstance(rec.body, dict) else {}
        with self._lock:
            for rule in self._rules:
                if rule.path is not None and rule.path != rec.path:
                    continue
                if rule.remaining is not None and rule.remaining <= 0:
                    continue
                if rule.when is not None:
                    try:
                        if not rule.when(body):
                            continue
                    except Exception:
                        continue
                if rule.remaining is not None:
                    rule.remaining -= 1
                self._fault_log.append((rec.index, rule.fault.name))
                return rule.fault
        return None

    def _authorized(self, headers: Mapping[str, str]) -> bool:
        if self._api_key_digest is None:
            return True
        value = ""
        for name, v in headers.items():
            if name.lower() == "authorization":
                value = v
        token = value.removeprefix("Bearer ").strip()
        return hashlib.sha256(token.encode()).digest() == self._api_key_digest

    def _next_id(self, prefix: str) -> str:
        with self._lock:
            self._id_counter += 1
            n = self._id_counter
        return f"{prefix}-stub{n:010d}"


# --------------------------------------------------------------------------------------
# Response bodies
# --------------------------------------------------------------------------------------


def _usage(prompt_tokens: int, completion_tokens: int) -> dict[str, Any]:
    return {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": 0,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    }


def _prompt_tokens(body: Mapping[str, Any]) -> int:
    return sum(count_tokens(message_text(m)) + 4 for m in _messages(body)) + 3


class _Handler(BaseHTTPRequestHandler):
    server: _HTTPServer
    protocol_version = "HTTP/1.1"
    server_version = "drafter-stub-llm/1.0"
    sys_version = ""
    timeout = 30  # idle keep-alive connections end after this

    # ----- plumbing ------------------------------------------------------------------

    @property
    def stub(self) -> StubLLMServer:
        return self.server.stub

    def setup(self) -> None:
        super().setup()
        with self.stub._lock:
            self.stub._connections.add(self.connection)

    def finish(self) -> None:
        with self.stub._lock:
            self.stub._connections.discard(self.connection)
        with contextlib.suppress(OSError):
            super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        if self.stub.verbose:
            sys.stderr.write(f"stub-llm {self.address_string()} {format % args}\n")

    def _read_body(self) -> tuple[bytes, Any, bool]:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length > 0 else b""
        if not raw:
            return raw, None, True
        try:
            return raw, json.loads(raw.decode("utf-8")), True
        except (ValueError, UnicodeDecodeError):
            return raw, None, False

    def _send_json(self, code: int, payload: Any, headers: Mapping[str, str] | None = None) -> None:
        self._send_bytes(
            code, json.dumps(payload, ensure_ascii=False).encode("utf-8"), headers=headers
        )

    def _send_bytes(
        self,
        code: int,
        data: bytes,
        *,
        content_type: str = "application/json",
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-request-id", self.stub._next_id("req"))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()

    def _send_error_reply(self, reply: Reply) -> None:
        self._send_json(reply.status, {"error": dict(reply.error or {})}, reply.headers)

    def _drop(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    # ----- routes --------------------------------------------------------------------

    def do_GET(self) -> None:
        rec = self.stub._record("GET", self.path, dict(self.headers.items()), None)
        if rec.path == HEALTH_PATH:
            self._send_json(200, {"status": "ok"})
        elif rec.path == MODELS_PATH:
            self._send_json(
                200, {"object": "list", "data": [self._model_obj(m) for m in self.stub.models]}
            )
        elif rec.path.startswith(MODELS_PATH + "/"):
            name = rec.path[len(MODELS_PATH) + 1 :]
            if name in self.stub.models:
                self._send_json(200, self._model_obj(name))
            else:
                self._send_error_reply(_error_reply(404, f"The model `{name}` does not exist."))
        else:
            self._not_found("GET", rec.path)

    def do_POST(self) -> None:
        _raw, body, ok = self._read_body()
        headers = dict(self.headers.items())
        rec = self.stub._record("POST", self.path, headers, body)
        if rec.path not in (CHAT_PATH, EMBEDDINGS_PATH):
            self._not_found("POST", rec.path)
            return
        if not self.stub._authorized(headers):
            self._send_error_reply(_error_reply(401))
            return
        if not ok or not isinstance(body, dict):
            self._send_error_reply(
                _error_reply(
                    400,
                    "We could not parse the JSON body of your request.",
                    error_code=None,
                )
            )
            return
        fault = self.stub._pick_fault(rec)
        stopping = self.stub._stopping
        latency = self.stub.latency
        if latency > 0 and stopping.wait(latency):
            self._drop()
            return
        if rec.path == CHAT_PATH:
            normal: Callable[[], Reply] = lambda: self._normal_chat(body)  # noqa: E731
        else:
            normal = lambda: Reply()  # noqa: E731
        try:
            reply = fault(FaultContext(body, normal, stopping)) if fault else normal()
        except Exception as exc:  # a broken responder: say so loudly, as a 500
            traceback.print_exc(file=sys.stderr)
            reply = _error_reply(500, f"stub responder raised {type(exc).__name__}: {exc}")
        if reply.drop or stopping.is_set():
            self._drop()
            return
        if reply.raw_body is not None:
            self._send_bytes(
                reply.status,
                reply.raw_body,
                content_type=reply.content_type,
                headers=reply.headers,
            )
            return
        if reply.status != 200:
            self._send_error_reply(reply)
            return
        if rec.path == EMBEDDINGS_PATH:
            self._embeddings(body)
        elif body.get("stream"):
            self._chat_stream(body, reply)
        else:
            self._chat(body, reply)

    def _not_found(self, method: str, path: str) -> None:
        self._send_error_reply(
            _error_reply(
                404,
                f"Unknown request URL: {method} {path}.",
                error_code="unknown_url",
            )
        )

    @staticmethod
    def _model_obj(name: str) -> dict[str, Any]:
        return {"id": name, "object": "model", "created": 1700000000, "owned_by": "drafter-stub"}

    # ----- chat ----------------------------------------------------------------------

    def _normal_chat(self, body: Body) -> Reply:
        return _as_reply(self.stub.responder(body))

    def _finalise(self, body: Body, reply: Reply) -> tuple[str | None, str | None, int, int]:
        content = reply.content
        finish = reply.finish_reason
        limit = body.get("max_completion_tokens") or body.get("max_tokens")
        if (
            self.stub.enforce_max_tokens
            and isinstance(limit, int)
            and limit > 0
            and content
            and count_tokens(content) > limit
        ):
            content = _cut_tokens(content, limit)
            finish = "length"
        prompt_tokens = (
            reply.prompt_tokens if reply.prompt_tokens is not None else _prompt_tokens(body)
        )
        completion_tokens = (
            reply.completion_tokens
            if reply.completion_tokens is not None
            else count_tokens(content or "")
        )
        return content, finish, prompt_tokens, completion_tokens

    def _model_name(self, body: Body) -> str:
        model = body.get("model")
        return model if isinstance(model, str) and model else self.stub.models[0]

    def _chat(self, body: Body, reply: Reply) -> None:
        content, finish, p_tok, c_tok = self._finalise(body, reply)
        n = body.get("n")
        n_choices = n if isinstance(n, int) and n > 1 else 1
        message: dict[str, Any] = {
            "role": "assistant",
            "content": content,
            "refusal": None,
            "annotations": [],
        }
        payload = {
            "id": self.stub._next_id("chatcmpl"),
            "object": "chat.completion",
            "created": int(time.time()),
            "model": self._model_name(body),
            "choices": [
                {"index": i, "message": message, "logprobs": None, "finish_reason": finish}
                for i in range(n_choices)
            ],
            "usage": _usage(p_tok, c_tok * n_choices),
            "service_tier": "default",
            "system_fingerprint": "fp_stub",
        }
        self._send_json(200, payload, reply.headers)

    def _chat_stream(self, body: Body, reply: Reply) -> None:
        content, finish, p_tok, c_tok = self._finalise(body, reply)
        options = body.get("stream_options")
        include_usage = isinstance(options, dict) and bool(options.get("include_usage"))
        base: dict[str, Any] = {
            "id": self.stub._next_id("chatcmpl"),
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": self._model_name(body),
            "service_tier": "default",
            "system_fingerprint": "fp_stub",
        }

        def chunk(delta: dict[str, Any], finish_reason: str | None) -> dict[str, Any]:
            out = dict(base)
            out["choices"] = [
                {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}
            ]
            if include_usage:
                out["usage"] = None
            return out

        events: list[dict[str, Any]] = [
            chunk({"role": "assistant", "content": "", "refusal": None}, None)
        ]
        text = content or ""
        step = self.stub.stream_chunk_chars
        events.extend(
            chunk({"content": text[i : i + step]}, None) for i in range(0, len(text), step)
        )
        events.append(chunk({}, finish))
        if include_usage:
            final = dict(base)
            final["choices"] = []
            final["usage"] = _usage(p_tok, c_tok)
            events.append(final)

        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("x-request-id", self.stub._next_id("req"))
        for k, v in reply.headers.items():
            self.send_header(k, v)
        self.end_headers()
        for event in events:
            self._write_chunk(f"data: {json.dumps(event, ensure_ascii=False)}\n\n".encode())
        self._write_chunk(b"data: [DONE]\n\n")
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def _write_chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):X}\r\n".encode("ascii") + data + b"\r\n")
        self.wfile.flush()

    # ----- embeddings ----------------------------------------------------------------

    def _embeddings(self, body: Body) -> None:
        raw_input = body.get("input")
        texts: list[str]
        if isinstance(raw_input, str):
            texts = [raw_input]
        elif (
            isinstance(raw_input, list) and raw_input and all(isinstance(t, int) for t in raw_input)
        ):
            texts = [" ".join(str(t) for t in raw_input)]  # one input given as token ids
        elif isinstance(raw_input, list) and raw_input:
            texts = [_input_text(t) for t in raw_input]
        else:
            self._send_error_reply(_error_reply(400, "'input' is a required property"))
            return
        dims = body.get("dimensions")
        dim = dims if isinstance(dims, int) and dims > 0 else self.stub.embedding_dim
        as_base64 = body.get("encoding_format") == "base64"
        data = []
        for i, text in enumerate(texts):
            vec = _embed(text, dim)
            emb: list[float] | str = (
                base64.b64encode(struct.pack(f"<{dim}f", *vec)).decode("ascii")
                if as_base64
                else vec
            )
            data.append({"object": "embedding", "index": i, "embedding": emb})
        tokens = sum(count_tokens(t) for t in texts)
        self._send_json(
            200,
            {
                "object": "list",
                "data": data,
                "model": self._model_name(body),
                "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
            },
        )


# --------------------------------------------------------------------------------------
# Script files and the command line
# --------------------------------------------------------------------------------------


def _fault_from_spec(spec: Mapping[str, Any]) -> Fault:
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


def load_script(path: str | Path) -> tuple[Responder, float | None, list[dict[str, Any]]]:
    """Read a JSON script; returns (responder, latency or None, fault rule specs).

    Format (every key optional)::

        {
          "behaviour": "good" | "invent" | "copy" | "drop",   # ScriptedDrafter mode
          "replies": ["…", "…"], "cycle": false,               # or: sequence(replies)
          "fixed": "…",                                        # or: fixed(text)
          "echo": true,                                        # or: echo_prompt()
          "latency": 0.2,
          "faults": [
            {"fault": "status", "code": 429, "retry_after": 1, "times": 2},
            {"fault": "hang", "seconds": 30, "when_prompt_contains": "二、"},
            {"fault": "close_connection", "path": "/v1/embeddings"}
          ]
        }

    A fault without ``when_prompt_contains`` fires ``times`` (default 1) times; with it,
    every matching call unless ``times`` is given.
    """
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError("script must be a JSON object")
    responder: Responder
    if "replies" in data:
        responder = sequence([str(r) for r in data["replies"]], cycle=bool(data.get("cycle")))
    elif "fixed" in data:
        responder = fixed(str(data["fixed"]))
    elif data.get("echo"):
        responder = echo_prompt()
    else:
        responder = ScriptedDrafter.for_behaviour(str(data.get("behaviour", "good")))
    latency = data.get("latency")
    faults = data.get("faults", [])
    if not isinstance(faults, list):
        raise ValueError("'faults' must be a list")
    for spec in faults:
        _fault_from_spec(spec)  # validate early
    return responder, float(latency) if latency is not None else None, faults


def apply_fault_specs(server: StubLLMServer, specs: Iterable[Mapping[str, Any]]) -> None:
    """Schedule the fault rules of a script on ``server``."""
    for spec in specs:
        fault = _fault_from_spec(spec)
        path = spec.get("path", CHAT_PATH)
        needle = spec.get("when_prompt_contains")
        if needle is not None:
            times = spec.get("times")
            server.fail_when(prompt_contains(str(needle)), fault, times=times, path=path)
        else:
            server.schedule(fault, times=spec.get("times", 1), path=path)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m drafter.testing.stub_llm",
        description="Loopback OpenAI-compatible stub LLM; prints its base URL on stdout.",
    )
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port (default)")
    parser.add_argument("--latency", type=float, default=None, help="seconds added per call")
    parser.add_argument(
        "--behaviour",
        "--behavior",
        choices=BEHAVIOURS,
        default=None,
        help="ScriptedDrafter mode (default good)",
    )
    parser.add_argument("--script", type=Path, default=None, help="JSON script (see load_script)")
    parser.add_argument("--model", action="append", default=None, help="model name(s) to list")
    parser.add_argument("--verbose", action="store_true", help="log requests on stderr")
    args = parser.parse_args(argv)

    responder: Responder = ScriptedDrafter.for_behaviour(args.behaviour or "good")
    latency = 0.0
    specs: list[dict[str, Any]] = []
    if args.script is not None:
        responder, script_latency, specs = load_script(args.script)
        if script_latency is not None:
            latency = script_latency
        if args.behaviour is not None:
            responder = ScriptedDrafter.for_behaviour(args.behaviour)
    if args.latency is not None:
        latency = args.latency

    stop = threading.Event()

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    server = StubLLMServer(
        responder,
        port=args.port,
        latency=latency,
        models=tuple(args.model) if args.model else ("stub-model",),
        verbose=args.verbose,
    )
    apply_fault_specs(server, specs)
    with server:
        sys.stdout.write(server.base_url + "\n")
        sys.stdout.flush()
        while not stop.wait(0.2):
            pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
