"""JSON over HTTP/1.1 on the standard library: keep-alive, proxies, one deadline, no key left
in freed memory.

Why not the openai SDK or httpx: importing the SDK costs 0.6–0.8 s on a 2-core machine
(its package init loads every type module and aiohttp), httpx alone 0.15 s, while
``regenerate`` has 1.5 s for everything beyond the model call. A chat completion or an
embedding is one POST of a JSON body and one JSON answer, which ``http.client`` does in a
few milliseconds of imports. The chat client (:mod:`drafter.llm.openai_chat`) and the
embedding client (:mod:`drafter.corpus.embed`) both use it.

What the client does, as httpx did for the SDK:

* **Keep-alive**: finished connections go back to a small pool and are reused; one the
  server has closed meanwhile is noticed before reuse (it reads as ready) and dropped, so
  a request is never sent twice.
* **Proxies** from ``HTTPS_PROXY`` / ``HTTP_PROXY`` / ``ALL_PROXY`` / ``NO_PROXY`` only
  when ``trust_env`` (never for loopback endpoints); ``http://`` proxies, HTTPS tunnelled
  with CONNECT, credentials in the proxy URL sent as Proxy-Authorization.
* **TLS** verified against the system store plus certifi's bundle when installed
  (``SSL_CERT_FILE`` / ``SSL_CERT_DIR`` are honoured by OpenSSL).
* **One deadline** for the whole call: connecting, sending, the status line and every
  read of the body get only what is left of ``timeout``, so a server that trickles the
  body a byte at a time cannot hold a call open for ever.
* **The key is wiped**: the ``Authorization`` line lives in a buffer of its own and the
  request head is assembled in a buffer that is zeroed once sent. Chroma's index files
  are written from memory it does not clear (a stored ``length.bin`` once held the
  request headers of the openai SDK, key included), so a key in freed memory could end up
  on disk.

Failures are raised as :class:`RequestTimeoutError` and :class:`RequestConnectionError`,
which name the URL without password or query; a non-2xx answer is returned, not raised.
"""

from __future__ import annotations

import base64
import http.client
import os
import select
import socket
import ssl
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Final
from urllib.parse import unquote, urlsplit

from drafter.errors import ConfigError
from drafter.settings import is_loopback_url, safe_url

__all__ = [
    "HTTPReply",
    "JSONPoster",
    "RequestConnectionError",
    "RequestTimeoutError",
    "UnsupportedProxyError",
    "get",
]


class RequestTimeoutError(Exception):
    """The endpoint did not answer within the call's timeout."""

    def __init__(self, message: str, request_url: str | None = None) -> None:
        super().__init__(message)
        self.request_url = request_url


class RequestConnectionError(Exception):
    """The endpoint could not be reached, or dropped the connection (the cause is chained)."""

    def __init__(self, message: str, request_url: str | None = None) -> None:
        super().__init__(message)
        self.request_url = request_url


class UnsupportedProxyError(ConfigError):
    """The environment names a proxy this client cannot use (the text says which).

    Raised when the client is made, so a run stops before it starts, with the CLI's usual
    message.
    """


#: Idle connections kept per client (drafting uses at most DRAFTER_LLM_CONCURRENCY at once).
_MAX_IDLE: Final = 8
_READ_CHUNK: Final = 64 * 1024


@dataclass(frozen=True)
class HTTPReply:
    """A complete answer: status, headers (lower-case names) and the whole body."""

    status: int
    headers: Mapping[str, str]
    body: bytes
    url: str


@dataclass(frozen=True)
class _Route:
    """Where to connect for one endpoint: directly, or through an HTTP proxy."""

    scheme: str
    host: str
    port: int
    proxy_host: str | None = None
    proxy_port: int | None = None
    proxy_auth: str | None = None  # "Basic …", from the proxy URL's user:password

    @property
    def tunnelled(self) -> bool:
        return self.proxy_host is not None and self.scheme == "https"

    @property
    def forwarded(self) -> bool:
        return self.proxy_host is not None and self.scheme == "http"


class JSONPoster:
    """POSTs JSON bodies to one base URL; thread-safe, never retries by itself."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float,
        headers: Mapping[str, str],
        api_key: str | None = None,
        trust_env: bool = True,
    ) -> None:
        """``api_key`` is sent as ``Authorization: Bearer …``; never pass it in ``headers``."""
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {safe_url(base_url)}")
        self.base_url = base_url.rstrip("/")
        self._shown_base = safe_url(base_url).rstrip("/")  # for errors: no password, no query
        self.timeout = timeout
        self._headers = dict(headers)
        self._route = _route(parts.scheme, parts.hostname, parts.port, trust_env=trust_env)
        self._path_prefix = parts.path.rstrip("/")
        self._host_header = _host_header(parts.scheme, parts.hostname, parts.port)
        self._auth = _auth_line(api_key)
        self._idle: list[http.client.HTTPConnection] = []
        self._lock = threading.Lock()
        self._tls: ssl.SSLContext | None = None

    def post(self, path: str, body: bytes) -> HTTPReply:
        """POST ``body`` (JSON) to ``base_url/path``; the whole answer, whatever its status.

        Raises RequestTimeoutError when the deadline passes, RequestConnectionError when
        the server cannot be reached or drops the connection.
        """
        shown = f"{self._shown_base}/{path.lstrip('/')}"
        deadline = time.monotonic() + self.timeout
        conn = self._checkout(deadline, shown)
        try:
            reply = self._exchange(conn, path, body, deadline, shown)
        except BaseException:
            conn.close()
            raise
        return reply

    def close(self) -> None:
        """Close the idle connections (connections in use close when their call ends)."""
        with self._lock:
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()

    def __del__(self) -> None:
        auth = getattr(self, "_auth", None)  # absent when __init__ failed
        if auth:
            _wipe(auth)  # the key does not outlive the client in readable memory

    def __enter__(self) -> JSONPoster:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # ----------------------------------------------------------------- one exchange

    def _exchange(
        self,
        conn: http.client.HTTPConnection,
        path: str,
        body: bytes,
        deadline: float,
        shown: str,
    ) -> HTTPReply:
        route = self._route
        target = f"{self._path_prefix}/{path.lstrip('/')}"
        if route.forwarded:  # a plain-HTTP proxy takes the absolute URL
            target = f"http://{_netloc(route.host, route.port)}{target}"
        lines = [
            f"POST {target} HTTP/1.1",
            f"Host: {self._host_header}",
            "Accept-Encoding: identity",
            *(f"{name}: {value}" for name, value in self._headers.items()),
            f"Content-Length: {len(body)}",
        ]
        if route.forwarded and route.proxy_auth:
            lines.append(f"Proxy-Authorization: {route.proxy_auth}")
        head = _request_head(lines, self._auth)
        sock = conn.sock
        assert sock is not None  # connected by _checkout
        with _transport_errors(shown, self.timeout):
            try:
                _set_deadline(conn, deadline, shown)
                sock.sendall(head)  # TCP_NODELAY: head and body go out at once, no stall
            finally:
                _wipe(head)
            _set_deadline(conn, deadline, shown)
            sock.sendall(body)
            _set_deadline(conn, deadline, shown)
            response = http.client.HTTPResponse(sock, method="POST")
            response.begin()
            data = _read_all(conn, response, deadline, shown)
        reply = HTTPReply(
            status=response.status,
            headers={k.lower(): v for k, v in response.getheaders()},
            body=data,
            url=shown,
        )
        if response.will_close:
            conn.close()
        else:
            self._checkin(conn)
        return reply

    # ------------------------------------------------------------------ connections

    def _checkout(self, deadline: float, shown: str) -> http.client.HTTPConnection:
        with self._lock:
            while self._idle:
                conn = self._idle.pop()
                if _still_open(conn):
                    return conn
                conn.close()
        return self._connect(deadline, shown)

    def _checkin(self, conn: http.client.HTTPConnection) -> None:
        with self._lock:
            if len(self._idle) < _MAX_IDLE:
                self._idle.append(conn)
                return
        conn.close()

    def _connect(self, deadline: float, shown: str) -> http.client.HTTPConnection:
        route = self._route
        remaining = _remaining(deadline, shown)
        conn: http.client.HTTPConnection
        host, port = route.host, route.port
        if route.proxy_host is not None and route.proxy_port is not None:
            host, port = route.proxy_host, route.proxy_port
        if route.scheme == "https":
            conn = http.client.HTTPSConnection(
                host, port, timeout=remaining, context=self._tls_context()
            )
            if route.tunnelled:
                tunnel_headers = (
                    {"Proxy-Authorization": route.proxy_auth} if route.proxy_auth else None
                )
                conn.set_tunnel(route.host, route.port, headers=tunnel_headers)
        else:
            conn = http.client.HTTPConnection(host, port, timeout=remaining)
        try:
            with _transport_errors(shown, self.timeout):
                conn.connect()
                if conn.sock is not None:
                    conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except BaseException:
            conn.close()
            raise
        return conn

    def _tls_context(self) -> ssl.SSLContext:
        if self._tls is None:
            context = ssl.create_default_context()  # system store; SSL_CERT_FILE/DIR
            try:
                import certifi  # what httpx verified against; present with most installs
            except ImportError:
                pass
            else:
                context.load_verify_locations(certifi.where())
            self._tls = context
        return self._tls


def get(url: str, *, timeout: float) -> HTTPReply:
    """One GET on a fresh connection, no proxy (health checks of the bundled server).

    Raises RequestTimeoutError or RequestConnectionError as :meth:`JSONPoster.post`.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {safe_url(url)}")
    shown = safe_url(url)
    deadline = time.monotonic() + timeout
    conn_type = (
        http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    )
    conn = conn_type(parts.hostname, parts.port, timeout=timeout)
    target = parts.path or "/"
    if parts.query:
        target += f"?{parts.query}"
    try:
        with _transport_errors(shown, timeout):
            conn.request("GET", target, headers={"Accept": "application/json"})
            _set_deadline(conn, deadline, shown)
            response = conn.getresponse()
            data = _read_all(conn, response, deadline, shown)
    finally:
        conn.close()
    headers = {k.lower(): v for k, v in response.getheaders()}
    return HTTPReply(status=response.status, headers=headers, body=data, url=shown)


# ------------------------------------------------------------------------- helpers


def _auth_line(api_key: str | None) -> bytearray:
    """``Authorization: Bearer <key>`` and CRLF in a buffer of its own, filled byte by byte.

    Encoding the key whole would leave a temporary copy in freed memory; a bytearray made
    at its final size is never reallocated, so :func:`_wipe` clears the only copy.
    """
    if not api_key:
        return bytearray()
    if not api_key.isascii() or any(c in api_key for c in "\r\n"):
        raise ConfigError(
            "API 密钥含有非 ASCII 字符或换行，不能放进 HTTP 请求头。",
            hint="检查 DRAFTER_LLM_API_KEY / DRAFTER_EMBEDDING_API_KEY 是否复制完整、没有多余字符。",
        )
    prefix, suffix = b"Authorization: Bearer ", b"\r\n"
    line = bytearray(len(prefix) + len(api_key) + len(suffix))
    line[: len(prefix)] = prefix
    for i, char in enumerate(api_key, start=len(prefix)):
        line[i] = ord(char)
    line[-len(suffix) :] = suffix
    return line


def _request_head(lines: list[str], auth: bytearray) -> bytearray:
    """The request line and headers, the Authorization line included, in one buffer the
    caller wipes after sending (no bytes object ever holds the key)."""
    plain = ("\r\n".join(lines) + "\r\n").encode("latin-1")
    head = bytearray(len(plain) + len(auth) + 2)
    head[: len(plain)] = plain
    head[len(plain) : len(plain) + len(auth)] = auth
    head[-2:] = b"\r\n"
    return head


def _wipe(buffer: bytearray) -> None:
    buffer[:] = bytes(len(buffer))


def _host_header(scheme: str, host: str, port: int | None) -> str:
    default = 443 if scheme == "https" else 80
    if port in (None, default):
        return f"[{host}]" if ":" in host else host
    return _netloc(host, port)


@contextmanager
def _transport_errors(shown: str, timeout: float) -> Iterator[None]:
    """The socket's and http.client's errors in one exchange as drafter's transport
    errors, which name the (key-free) URL and keep the cause chained."""
    try:
        yield
    except (RequestTimeoutError, RequestConnectionError):
        raise
    except TimeoutError as exc:
        raise RequestTimeoutError(f"no answer within {timeout:g} s", shown) from exc
    except (OSError, http.client.HTTPException) as exc:
        raise RequestConnectionError(f"{type(exc).__name__}: {exc}", shown) from exc


def _remaining(deadline: float, shown: str) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise RequestTimeoutError("deadline passed", shown)
    return left


def _set_deadline(conn: http.client.HTTPConnection, deadline: float, shown: str) -> None:
    if conn.sock is not None:
        conn.sock.settimeout(_remaining(deadline, shown))


def _read_all(
    conn: http.client.HTTPConnection,
    response: http.client.HTTPResponse,
    deadline: float,
    shown: str,
) -> bytes:
    """The whole body, each read bounded by what is left of the deadline.

    ``read1`` returns what one receive brings, so a server trickling a byte at a time
    still meets the deadline (``read(n)`` would wait for n bytes however long it takes).
    It returns b"" both at the end and when the server hangs up before Content-Length
    bytes came, so the length left tells them apart (a cut-off answer is a dropped
    connection, not a malformed one). It does not mark the response finished when the
    last byte is in, so ``close`` does: the connection is then ready for the next request.
    """
    chunks: list[bytes] = []
    while True:
        _set_deadline(conn, deadline, shown)
        chunk = response.read1(_READ_CHUNK)
        if not chunk:
            break
        chunks.append(chunk)
    data = b"".join(chunks)
    if response.length:  # read1 returns b"" when the server hangs up mid-body
        raise http.client.IncompleteRead(data, response.length)
    response.close()
    return data


def _still_open(conn: http.client.HTTPConnection) -> bool:
    """An idle keep-alive connection has nothing to read; if it reads as ready, the
    server has closed it (or sent something unasked), so it must not carry a request."""
    sock = conn.sock
    if sock is None:
        return False
    try:
        ready, _, _ = select.select([sock], [], [], 0)
    except (OSError, ValueError):
        return False
    return not ready


def _netloc(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"{shown}:{port}"


def _route(scheme: str, host: str, port: int | None, *, trust_env: bool) -> _Route:
    port = port or (443 if scheme == "https" else 80)
    # Text for a model on this machine never passes through (or leaves via) a proxy.
    direct = not trust_env or is_loopback_url(f"{scheme}://{_netloc(host, port)}")
    proxy = None if direct else _env_proxy(scheme, host)
    if proxy is None:
        return _Route(scheme, host, port)
    parts = urlsplit(proxy if "://" in proxy else f"http://{proxy}")
    if parts.scheme != "http" or not parts.hostname:
        raise UnsupportedProxyError(
            f"代理地址 {safe_url(proxy)} 不受支持：仅支持 http:// 代理。",
            hint=f"改用 http:// 代理，或在 NO_PROXY 中加入 {host} 以绕过代理。",
        )
    auth = None
    if parts.username is not None:
        pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
        auth = "Basic " + base64.b64encode(pair.encode("utf-8")).decode("ascii")
    return _Route(scheme, host, port, parts.hostname, parts.port or 80, auth)


def _env_proxy(scheme: str, host: str) -> str | None:
    """The proxy the environment names for ``scheme://host``, or None (NO_PROXY honoured)."""
    if not any(k.lower().endswith("_proxy") for k in os.environ):
        return None
    import urllib.request  # 35 ms: only when proxy variables are set

    proxies = urllib.request.getproxies_environment()
    # Public but undocumented (and missing from typeshed): NO_PROXY as urllib reads it.
    bypass = getattr(urllib.request, "proxy_bypass_environment")  # noqa: B009
    if bypass(host, proxies):
        return None
    return proxies.get(scheme) or proxies.get("all")
