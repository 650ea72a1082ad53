"""The stub LLM's HTTP side: the server core (state, lifecycle, recording) and the handler.

Split out of :mod:`drafter.testing.stub_llm`: :class:`StubCore` owns the listening socket,
the recorded requests and the fault rules, and the request handler turns each request
into an OpenAI-compatible response. :class:`~drafter.testing.stub_llm.StubLLMServer` adds
the public programming and observation API on top.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import socket
import sys
import threading
import time
import traceback
from collections.abc import Callable, Mapping, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import MappingProxyType, TracebackType
from typing import Any, Self

from drafter.testing.stub_bodies import (
    completion_body,
    embeddings_body,
    prompt_tokens,
    stream_events,
)
from drafter.testing.stub_faults import (
    CHAT_PATH,
    Body,
    Fault,
    FaultContext,
    FaultRule,
    RecordedRequest,
    Reply,
    Responder,
    as_reply,
    error_reply,
)
from drafter.testing.stub_modes import (
    ScriptedDrafter,
    count_tokens,
    cut_tokens,
    input_text,
)

EMBEDDINGS_PATH = "/v1/embeddings"
MODELS_PATH = "/v1/models"
HEALTH_PATH = "/health"


#: Headers whose values are never recorded (only their names, in ``redacted_headers``).
SECRET_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "api-key", "x-api-key", "cookie", "set-cookie"}
)


# --------------------------------------------------------------------------------------
# The server
# --------------------------------------------------------------------------------------


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    stub: StubCore

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        if isinstance(exc, OSError | ValueError):  # client went away / socket shut down
            return
        super().handle_error(request, client_address)


class StubCore:
    """The state of a stub server, its lifecycle and what its handler uses."""

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
        self._rules: list[FaultRule] = []
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


class _Handler(BaseHTTPRequestHandler):
    server: _HTTPServer
    protocol_version = "HTTP/1.1"
    server_version = "drafter-stub-llm/1.0"
    sys_version = ""
    timeout = 30  # idle keep-alive connections end after this
    # Headers and body go out in two writes: with Nagle on, the body waits for the client's
    # delayed ACK (~40 ms per call on a kept-alive connection), a stall no real server has
    # and that the benches would count as drafter's own overhead.
    disable_nagle_algorithm = True

    # ----- plumbing ------------------------------------------------------------------

    @property
    def stub(self) -> StubCore:
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
                self._send_error_reply(error_reply(404, f"The model `{name}` does not exist."))
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
            self._send_error_reply(error_reply(401))
            return
        if not ok or not isinstance(body, dict):
            self._send_error_reply(
                error_reply(
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
            reply = error_reply(500, f"stub responder raised {type(exc).__name__}: {exc}")
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
            error_reply(
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
        return as_reply(self.stub.responder(body))

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
            content = cut_tokens(content, limit)
            finish = "length"
        p_tok = reply.prompt_tokens if reply.prompt_tokens is not None else prompt_tokens(body)
        completion_tokens = (
            reply.completion_tokens
            if reply.completion_tokens is not None
            else count_tokens(content or "")
        )
        return content, finish, p_tok, completion_tokens

    def _model_name(self, body: Body) -> str:
        model = body.get("model")
        return model if isinstance(model, str) and model else self.stub.models[0]

    def _chat(self, body: Body, reply: Reply) -> None:
        content, finish, p_tok, c_tok = self._finalise(body, reply)
        n = body.get("n")
        n_choices = n if isinstance(n, int) and n > 1 else 1
        payload = completion_body(
            self.stub._next_id("chatcmpl"),
            self._model_name(body),
            content,
            finish,
            n_choices,
            p_tok,
            c_tok,
        )
        self._send_json(200, payload, reply.headers)

    def _chat_stream(self, body: Body, reply: Reply) -> None:
        content, finish, p_tok, c_tok = self._finalise(body, reply)
        options = body.get("stream_options")
        events = stream_events(
            self.stub._next_id("chatcmpl"),
            self._model_name(body),
            content,
            finish,
            step=self.stub.stream_chunk_chars,
            include_usage=isinstance(options, dict) and bool(options.get("include_usage")),
            p_tok=p_tok,
            c_tok=c_tok,
        )
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
            texts = [input_text(t) for t in raw_input]
        else:
            self._send_error_reply(error_reply(400, "'input' is a required property"))
            return
        dims = body.get("dimensions")
        dim = dims if isinstance(dims, int) and dims > 0 else self.stub.embedding_dim
        as_base64 = body.get("encoding_format") == "base64"
        self._send_json(200, embeddings_body(texts, dim, as_base64, self._model_name(body)))
