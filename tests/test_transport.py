"""drafter.transport: the standard-library transport under the chat and embedding clients.

What httpx did for the openai SDK, it must do too: reuse connections without ever sending
a request twice, honour proxy variables (only when asked to), keep one deadline for the
whole call, and keep keys and passwords out of what it raises. Every server here is a
loopback socket scripted by the test; nothing leaves the machine.
"""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest

from drafter.errors import ConfigError
from drafter.llm.errors import classify_error
from drafter.transport import (
    JSONPoster,
    RequestConnectionError,
    RequestTimeoutError,
    UnsupportedProxyError,
    get,
)

OK = b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 12\r\n\r\n{"ok": true}'
HEADERS = {"Content-Type": "application/json"}
KEY = "sk-secret-123456789"

#: A scripted connection: gets the accepted socket and the list of requests seen so far.
Script = Callable[[socket.socket, list[bytes]], None]


def read_request(conn: socket.socket) -> bytes:
    """One request (headers and Content-Length body), or b"" when the client hung up."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(body) < length:
        body += conn.recv(65536)
    return head + b"\r\n\r\n" + body


@contextmanager
def raw_server(script: Script) -> Iterator[tuple[int, list[bytes], list[int]]]:
    """A loopback server running ``script`` per connection: (port, requests, connections)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    requests: list[bytes] = []
    accepted: list[int] = []
    stop = threading.Event()

    def serve() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            accepted.append(1)
            threading.Thread(target=run, args=(conn,), daemon=True).start()

    def run(conn: socket.socket) -> None:
        with conn, suppress(OSError):
            script(conn, requests)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1], requests, accepted
    finally:
        stop.set()
        thread.join()
        listener.close()


def answer_each(conn: socket.socket, requests: list[bytes]) -> None:
    """A keep-alive server: answers every request on the connection."""
    while request := read_request(conn):
        requests.append(request)
        conn.sendall(OK)


def answer_once_then_close(conn: socket.socket, requests: list[bytes]) -> None:
    """Answers one request as keep-alive, then closes the connection while it is idle."""
    if request := read_request(conn):
        requests.append(request)
        conn.sendall(OK)
        time.sleep(0.05)


def poster(port: int, **kwargs: object) -> JSONPoster:
    options: dict[str, object] = {
        "timeout": 5.0,
        "headers": HEADERS,
        "api_key": KEY,
        "trust_env": False,
    }
    options.update(kwargs)
    return JSONPoster(f"http://127.0.0.1:{port}/v1", **options)  # type: ignore[arg-type]


def test_a_kept_alive_connection_carries_the_next_call() -> None:
    with raw_server(answer_each) as (port, requests, accepted), poster(port) as client:
        for _ in range(3):
            reply = client.post("chat/completions", b'{"model": "m"}')
            assert reply.status == 200 and reply.body == b'{"ok": true}'
        assert len(accepted) == 1 and len(requests) == 3
    head = requests[0].split(b"\r\n\r\n")[0].split(b"\r\n")
    assert head[0] == b"POST /v1/chat/completions HTTP/1.1"
    assert f"Host: 127.0.0.1:{port}".encode() in head
    assert f"Authorization: Bearer {KEY}".encode() in head
    assert b"Content-Length: 14" in head and b"Content-Type: application/json" in head
    assert requests[0].endswith(b'\r\n\r\n{"model": "m"}')


@pytest.mark.parametrize("key", ["sk-密钥", "sk-abc\r\nX-Injected: 1"])
def test_a_key_that_cannot_be_a_header_is_refused_before_any_request(key: str) -> None:
    with pytest.raises(ConfigError) as raised:
        JSONPoster("http://127.0.0.1:9/v1", timeout=1.0, headers=HEADERS, api_key=key)
    assert "API 密钥" in raised.value.message and key not in str(raised.value)


def test_a_connection_the_server_closed_is_not_reused_and_nothing_is_sent_twice() -> None:
    with raw_server(answer_once_then_close) as (port, requests, accepted), poster(port) as client:
        client.post("chat/completions", b"{}")
        time.sleep(0.3)  # the server has closed the idle connection by now
        assert client.post("chat/completions", b"{}").status == 200
        assert len(accepted) == 2 and len(requests) == 2


def test_one_deadline_covers_a_server_that_trickles() -> None:
    def trickle(conn: socket.socket, requests: list[bytes]) -> None:
        requests.append(read_request(conn))
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
        for _ in range(100):
            conn.sendall(b" ")
            time.sleep(0.1)

    with raw_server(trickle) as (port, _requests, _accepted), poster(port, timeout=1.0) as client:
        started = time.monotonic()
        with pytest.raises(RequestTimeoutError) as raised:
            client.post("chat/completions", b"{}")
        assert time.monotonic() - started < 3.0  # each byte arrives in time, the whole does not
    assert classify_error(raised.value).kind == "timeout"


def test_a_dropped_connection_is_a_retryable_connection_failure() -> None:
    def drop(conn: socket.socket, requests: list[bytes]) -> None:
        requests.append(read_request(conn))

    with raw_server(drop) as (port, requests, _accepted), poster(port) as client:
        with pytest.raises(RequestConnectionError) as raised:
            client.post("chat/completions", b"{}")
        assert len(requests) == 1
    failure = classify_error(raised.value)
    assert failure.kind == "connection" and failure.retryable
    assert f"127.0.0.1:{port}/v1/chat/completions" in failure.message


def test_an_answer_cut_off_before_its_length_is_a_dropped_connection() -> None:
    def cut_off(conn: socket.socket, requests: list[bytes]) -> None:
        requests.append(read_request(conn))
        conn.sendall(b'HTTP/1.1 200 OK\r\nContent-Length: 40\r\n\r\n{"choices": [')

    with raw_server(cut_off) as (port, _requests, accepted), poster(port) as client:
        with pytest.raises(RequestConnectionError) as raised:
            client.post("chat/completions", b"{}")
        assert classify_error(raised.value).kind == "connection"  # retried, not "malformed"
        with pytest.raises(RequestConnectionError):
            client.post("chat/completions", b"{}")
        assert len(accepted) == 2  # the cut-off connection was not reused


def test_a_refused_connection_names_the_address_without_the_password() -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    client = JSONPoster(
        f"http://user:pa55word@127.0.0.1:{port}/v1?key=sk-abcdefghijk",
        timeout=2.0,
        headers=HEADERS,
        trust_env=False,
    )
    with pytest.raises(RequestConnectionError) as raised:
        client.post("chat/completions", b"{}")
    failure = classify_error(raised.value)
    assert failure.kind == "connection_refused"
    assert f"http://127.0.0.1:{port}/v1/chat/completions" in failure.message
    assert "pa55word" not in failure.message and "sk-abc" not in failure.message


# ----------------------------------------------------------------------------- proxies


@pytest.fixture
def proxy_env(monkeypatch: pytest.MonkeyPatch) -> Callable[[str, str], None]:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    return monkeypatch.setenv


def test_a_remote_endpoint_goes_through_the_http_proxy_with_its_credentials(
    proxy_env: Callable[[str, str], None],
) -> None:
    with raw_server(answer_each) as (port, requests, _accepted):
        proxy_env("HTTP_PROXY", f"http://alice:s%40cret@127.0.0.1:{port}")
        client = JSONPoster(
            "http://model.intranet.example:8000/v1", timeout=5.0, headers=HEADERS, api_key=KEY
        )
        assert client.post("chat/completions", b"{}").status == 200
    head = requests[0].split(b"\r\n\r\n")[0].split(b"\r\n")
    assert head[0] == b"POST http://model.intranet.example:8000/v1/chat/completions HTTP/1.1"
    assert b"Proxy-Authorization: Basic YWxpY2U6c0BjcmV0" in head  # alice:s@cret


def test_https_is_tunnelled_through_the_proxy_with_connect(
    proxy_env: Callable[[str, str], None],
) -> None:
    def refuse_tunnel(conn: socket.socket, requests: list[bytes]) -> None:
        requests.append(read_request(conn))
        conn.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")

    with raw_server(refuse_tunnel) as (port, requests, _accepted):
        proxy_env("HTTPS_PROXY", f"http://bob:pw@127.0.0.1:{port}")
        client = JSONPoster("https://api.example.com/v1", timeout=5.0, headers=HEADERS, api_key=KEY)
        with pytest.raises(RequestConnectionError) as raised:
            client.post("chat/completions", b"{}")
    head = requests[0].split(b"\r\n")
    assert head[0] == b"CONNECT api.example.com:443 HTTP/1.0"
    assert b"Proxy-Authorization: Basic Ym9iOnB3" in head
    assert b"Authorization: Bearer" not in requests[0]  # the key never goes to the proxy
    assert "pw@" not in str(raised.value)


def test_no_proxy_and_loopback_endpoints_go_direct(
    proxy_env: Callable[[str, str], None],
) -> None:
    with raw_server(answer_each) as (port, requests, _accepted):
        proxy_env("HTTP_PROXY", "http://127.0.0.1:9")  # nothing listens: would fail
        proxy_env("NO_PROXY", "127.0.0.1")
        assert poster(port, trust_env=True).post("chat/completions", b"{}").status == 200
        proxy_env("NO_PROXY", "")
        assert poster(port, trust_env=False).post("chat/completions", b"{}").status == 200
        # a loopback endpoint goes direct even when the environment's proxies are trusted
        assert poster(port, trust_env=True).post("chat/completions", b"{}").status == 200
    assert all(r.startswith(b"POST /v1/") for r in requests)


def test_a_socks_proxy_is_refused_with_a_clear_message(
    proxy_env: Callable[[str, str], None],
) -> None:
    proxy_env("ALL_PROXY", "socks5://127.0.0.1:1080")
    with pytest.raises(UnsupportedProxyError) as raised:
        JSONPoster("https://api.example.com/v1", timeout=5.0, headers=HEADERS)
    assert "仅支持 http:// 代理" in raised.value.message
    assert "NO_PROXY" in (raised.value.hint or "") and "api.example.com" in raised.value.hint
    failure = classify_error(raised.value)
    assert not failure.retryable and failure.kind == "connection"


# ------------------------------------------------------------------------------- GET


def test_get_reads_a_health_answer_and_reports_a_dead_port() -> None:
    with raw_server(answer_each) as (port, requests, _accepted):
        reply = get(f"http://127.0.0.1:{port}/v1/models", timeout=2.0)
    assert reply.status == 200 and reply.body == b'{"ok": true}'
    assert requests[0].startswith(b"GET /v1/models HTTP/1.1")
    with pytest.raises(RequestConnectionError):
        get(f"http://127.0.0.1:{port}/v1/models", timeout=2.0)


# ------------------------------------------------------------------------------- TLS


@pytest.fixture(scope="module")
def self_signed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 that no store trusts (made with the openssl command)."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is not installed")
    where = tmp_path_factory.mktemp("tls")
    cert, key = where / "cert.pem", where / "key.pem"
    command = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
    command += ["-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1"]
    command += ["-addext", "subjectAltName=IP:127.0.0.1"]
    subprocess.run(
        command,
        check=True,
        capture_output=True,
    )
    return cert, key


def tls_server(cert: Path, key: Path) -> Script:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)

    def script(conn: socket.socket, requests: list[bytes]) -> None:
        with context.wrap_socket(conn, server_side=True) as tls:
            answer_each(tls, requests)

    return script


def test_https_checks_the_certificate(self_signed: tuple[Path, Path]) -> None:
    cert, key = self_signed
    with raw_server(tls_server(cert, key)) as (port, requests, _accepted):
        client = JSONPoster(
            f"https://127.0.0.1:{port}/v1", timeout=5.0, headers=HEADERS, trust_env=False
        )
        with pytest.raises(RequestConnectionError) as raised:
            client.post("chat/completions", b"{}")
        assert requests == []  # nothing was sent to a server that could not prove itself
    assert isinstance(raised.value.__cause__, ssl.SSLCertVerificationError)
    assert classify_error(raised.value).kind == "connection"


def test_https_trusts_a_certificate_named_by_ssl_cert_file(
    self_signed: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    cert, key = self_signed
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # an intranet's own CA, as OpenSSL reads it
    with raw_server(tls_server(cert, key)) as (port, requests, accepted):
        client = JSONPoster(
            f"https://127.0.0.1:{port}/v1", timeout=5.0, headers=HEADERS, trust_env=False
        )
        for _ in range(2):
            assert client.post("chat/completions", b"{}").body == b'{"ok": true}'
        assert len(requests) == 2 and len(accepted) == 1  # kept alive over TLS too
