"""The llama.cpp build: CPU features from what the CPU and the OS allow, the wheel cache,
and the smoke test that falls back to the portable build when the child dies on SIGILL.

No compiler runs here: building and installing wheels are replaced by fakes.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from drafter.errors import DrafterError
from drafter.llm import build as localbuild
from drafter.llm import smoke as localsmoke
from drafter.settings import Settings, load_settings

EPYC = """processor\t: 0
model name\t: AMD EPYC 9B14
flags\t\t: fpu sse sse2 ssse3 fma sse4_1 sse4_2 avx f16c avx2 bmi1 bmi2 avx512f avx512dq \
avx512cd avx512bw avx512vl avx512vbmi avx512_vnni avx512_bf16
"""
XEON_AMX = """processor\t: 0
model name\t: Intel(R) Xeon(R) Platinum 8481C
flags\t\t: sse4_2 avx f16c fma avx2 bmi2 avx_vnni avx512f avx512dq avx512cd avx512bw \
avx512vl avx512vbmi avx512_vnni avx512_bf16 amx_bf16 amx_tile amx_int8
"""
OLD = """model name\t: Intel(R) Core(TM) i5-4570
flags\t\t: sse4_2 avx f16c fma avx2 bmi2
"""


def test_native_enables_every_listed_feature_but_amx() -> None:
    spec = localbuild.build_spec("native", cpuinfo=XEON_AMX, amx_ok=True)
    assert "AVX512_BF16" in spec.features and "AVX_VNNI" in spec.features
    assert not any(f.startswith("AMX") for f in spec.features)
    args = spec.cmake_args
    assert args[0] == "-DGGML_NATIVE=OFF"
    assert "-DGGML_AMX_TILE=OFF" in args and "-DGGML_AVX512=ON" in args
    assert spec.cpu_model.startswith("Intel(R) Xeon")


def test_amx_only_when_the_os_grants_tile_state() -> None:
    with pytest.raises(DrafterError, match="AMX"):
        localbuild.build_spec("amx", cpuinfo=XEON_AMX, amx_ok=False)
    with pytest.raises(DrafterError, match="AMX"):
        localbuild.build_spec("amx", cpuinfo=EPYC, amx_ok=True)
    spec = localbuild.build_spec("amx", cpuinfo=XEON_AMX, amx_ok=True)
    assert "-DGGML_AMX_TILE=ON" in spec.cmake_args


def test_amx_probe_answers_without_crashing() -> None:
    assert isinstance(localbuild.amx_permitted(), bool)


def test_portable_and_avx512_sets() -> None:
    portable = localbuild.build_spec("portable", cpuinfo=EPYC)
    assert portable.features == ("SSE42", "AVX", "AVX2", "FMA", "F16C", "BMI2")
    avx512 = localbuild.build_spec("avx512", cpuinfo=EPYC)
    assert avx512.features == (*portable.features, "AVX512")
    with pytest.raises(DrafterError, match="AVX-512"):
        localbuild.build_spec("avx512", cpuinfo=OLD)
    assert localbuild.build_spec("native", cpuinfo=OLD).features == portable.features


def test_extensions_need_the_avx512_base() -> None:
    partial = "flags\t: avx avx2 fma f16c avx512f avx512_vnni\n"  # no avx512bw/vl/...
    spec = localbuild.build_spec("native", cpuinfo=partial)
    assert not any(f.startswith("AVX512") for f in spec.features)


def test_cache_key_follows_flags_and_version() -> None:
    a = localbuild.build_spec("native", cpuinfo=EPYC)
    b = localbuild.build_spec("native", cpuinfo=XEON_AMX, amx_ok=False)
    assert a.key == localbuild.build_spec("native", cpuinfo=EPYC).key
    assert a.key != b.key  # other features, other wheel
    assert a.key != localbuild.build_spec("portable", cpuinfo=EPYC).key
    assert a.key.startswith(localbuild.LLAMA_CPP_VERSION + "-native-")


# --------------------------------------------------------------------------------------
# Wheel cache and the SIGILL fallback, with fake build and install steps
# --------------------------------------------------------------------------------------


class FakeInstall:
    """Stands in for pip: 'installs' a wheel by remembering its build record."""

    def __init__(self, cache: Path) -> None:
        self.cache = cache
        self.builds: list[str] = []
        self.installs: list[str] = []
        self.current: dict[str, Any] | None = None

    def build_wheel(self, settings: Settings, spec: localbuild.BuildSpec, **_: Any) -> Path:
        self.builds.append(spec.variant)
        directory = localbuild.build_dir(settings, spec)
        directory.mkdir(parents=True, exist_ok=True)
        wheel = directory / "llama_cpp_python-0.3.36-cp311-cp311-linux_x86_64.whl"
        wheel.write_bytes(b"fake wheel")
        localbuild.update_build_record(
            directory,
            key=spec.key,
            variant=spec.variant,
            features=list(spec.features),
            cmake_args=spec.cmake_args,
            cpu_model=spec.cpu_model,
        )
        return wheel

    def install_wheel(self, wheel: Path, **_: Any) -> None:
        self.installs.append(wheel.parent.name)
        record = localbuild.read_build_record(wheel.parent)
        self.current = {**record, "wheel_path": str(wheel)}
        (self.cache / "installed-variant").write_text(str(record["variant"]), encoding="utf-8")

    def installed_build(self) -> dict[str, Any] | None:
        if self.current is None:
            return None
        return {
            **localbuild.read_build_record(Path(self.current["wheel_path"]).parent),
            "wheel_path": self.current["wheel_path"],
        }


@pytest.fixture
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[FakeInstall, Settings]:
    monkeypatch.setenv("DRAFTER_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("DRAFTER_LLAMA_VARIANT", raising=False)
    monkeypatch.setattr(localbuild, "read_cpuinfo", lambda *a: EPYC)
    settings = load_settings()
    settings.cache_dir.mkdir(parents=True)
    f = FakeInstall(settings.cache_dir)
    monkeypatch.setattr(localbuild, "build_wheel", f.build_wheel)
    monkeypatch.setattr(localbuild, "install_wheel", f.install_wheel)
    monkeypatch.setattr(localbuild, "installed_build", f.installed_build)
    monkeypatch.setattr(localsmoke, "installed_build", f.installed_build)
    return f, settings


def test_second_setup_installs_the_cached_wheel_without_compiling(
    fake: tuple[FakeInstall, Settings],
) -> None:
    f, settings = fake
    first = localbuild.ensure_build(settings)
    assert first.action == "built" and f.builds == ["native"]
    assert localbuild.ensure_build(settings).action == "present"
    f.current = None  # rm -rf .venv
    again = localbuild.ensure_build(settings)
    assert again.action == "cached"
    assert f.builds == ["native"]  # no second compile
    assert again.wheel == first.wheel
    assert again.wheel.parent.parent == settings.cache_dir / "wheels"


FAKE_SMOKE = """
import json, os, signal, sys
variant = open(sys.argv[1], encoding="utf-8").read()
if variant != "portable":
    os.kill(os.getpid(), signal.SIGILL)
print(json.dumps({"ok": True, "prompt_tokens_per_s": 40.0, "gen_tokens_per_s": 10.0,
                  "threads": 2}))
"""


def test_sigill_in_the_smoke_test_rebuilds_portable_and_records_why(
    fake: tuple[FakeInstall, Settings], tmp_path: Path
) -> None:
    f, settings = fake
    localbuild.ensure_build(settings)
    script = tmp_path / "smoke.py"
    script.write_text(FAKE_SMOKE, encoding="utf-8")
    command = [sys.executable, str(script), str(settings.cache_dir / "installed-variant")]
    said: list[str] = []
    result = localsmoke.verify_build(settings, say=said.append, command=command)

    assert result.ok and result.stats["gen_tokens_per_s"] == 10.0
    assert f.builds == ["native", "portable"]
    text = "\n".join(said)
    assert "SIGILL" in text and "改用通用构建" in text
    native = localbuild.build_spec("native")
    portable = localbuild.build_spec("portable")
    crash = localbuild.read_build_record(localbuild.build_dir(settings, native))["crashed"]
    assert crash["signal"] == "SIGILL"
    record = localbuild.read_build_record(localbuild.build_dir(settings, portable))
    assert "SIGILL" in record["fallback_reason"]
    assert record["speed"]["prompt_tokens_per_s"] == 40.0

    # the next set-up on this machine goes straight to the portable build
    spec, why = localbuild.choose_spec(settings)
    assert spec.variant == "portable" and why and "SIGILL" in why
    f.current = None
    assert localbuild.ensure_build(settings).action == "cached"
    assert f.builds == ["native", "portable"]


def test_a_crash_of_the_portable_build_is_an_error_not_a_loop(
    fake: tuple[FakeInstall, Settings], tmp_path: Path
) -> None:
    _f, settings = fake
    localbuild.ensure_build(settings, variant="portable")
    script = tmp_path / "die.py"
    script.write_text("import os, signal\nos.kill(os.getpid(), signal.SIGILL)\n")
    with pytest.raises(DrafterError, match="通用构建"):
        localsmoke.verify_build(
            settings, say=lambda _t: None, command=[sys.executable, str(script)]
        )


def test_smoke_failure_without_a_signal_names_the_exit_code(
    fake: tuple[FakeInstall, Settings], tmp_path: Path
) -> None:
    _f, settings = fake
    script = tmp_path / "fail.py"
    script.write_text("import sys\nprint('boom', file=sys.stderr)\nsys.exit(3)\n")
    with pytest.raises(DrafterError, match="退出码 3"):
        localsmoke.verify_build(
            settings, say=lambda _t: None, command=[sys.executable, str(script)]
        )


def test_installed_build_reads_the_record_beside_the_wheel(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wheel = tmp_path / "k" / "llama_cpp_python-0.3.36-cp311-cp311-linux_x86_64.whl"
    wheel.parent.mkdir()
    localbuild.update_build_record(wheel.parent, key="k", variant="native")

    class Dist:
        version = "0.3.36"

        def read_text(self, name: str) -> str:
            return json.dumps({"url": wheel.as_uri()})

    monkeypatch.setattr(localbuild.metadata, "distribution", lambda _n: Dist())
    record = localbuild.installed_build()
    assert record is not None
    assert record["variant"] == "native" and record["wheel_path"] == str(wheel)


def test_prompt_cache_setting_adds_the_server_cache_options(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from drafter.llm.local import LocalServer

    monkeypatch.setenv("DRAFTER_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("DRAFTER_LOCAL_PROMPT_CACHE", "false")
    assert "--cache" not in LocalServer(load_settings()).argv(8000)
    monkeypatch.setenv("DRAFTER_LOCAL_PROMPT_CACHE", "true")
    argv = LocalServer(load_settings()).argv(8000)
    assert argv[argv.index("--cache") + 1] == "true"
    assert argv[argv.index("--cache_type") + 1] == "ram"


def test_model_status_json_reports_the_build(tmp_path: Path) -> None:
    import os
    import subprocess

    env = {**os.environ, "DRAFTER_CACHE_DIR": str(tmp_path)}
    proc = subprocess.run(
        [sys.executable, "-m", "drafter.cli.main", "model", "status", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert "llama_build" in data
    build = data["llama_build"]
    if build is not None and build.get("variant") != "unknown":  # installed by drafter
        assert build["cmake_args"][0] == "-DGGML_NATIVE=OFF"
        assert build["features"] and build["cpu_model"]
