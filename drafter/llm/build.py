"""Build llama-cpp-python for what this CPU *and* its OS allow, and keep the wheel.

Why not ``-march=native``: on a VM whose /proc/cpuinfo lists ``amx_tile`` a native build
died with SIGILL (``tilezero``) at its first request — the kernel only grants AMX tile
state to a process that asks for it (``arch_prctl(ARCH_REQ_XCOMP_PERM, XTILEDATA)``),
and llama.cpp asks only from its main thread. So the default variant ``native`` enables
every x86 feature /proc/cpuinfo lists (the kernel hides AVX/AVX-512 when it does not
save their state) *except AMX*; ``amx`` adds AMX only when :func:`amx_permitted` shows
the OS grants tile state, and only when asked for; ``avx512`` and ``portable``
(AVX2/FMA/F16C) are the safer sets the smoke test falls back to.

The wheel is built once per (llama-cpp-python version, CMake flags, Python tag) and kept
in ``<cache_dir>/wheels/<key>/`` with ``build.json`` (CPU model, features, flags, build
time, smoke-test results); a second set-up installs it without compiling.

    python -m drafter.llm.build install [--variant native|avx512|portable|amx]
    python -m drafter.llm.build show
"""

from __future__ import annotations

import argparse
import ctypes
import hashlib
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any, Final
from urllib.parse import unquote, urlparse

from drafter.atomic import atomic_write_json
from drafter.errors import DrafterError
from drafter.llm.model_files import LLAMA_CPP_REQUIREMENT, pip_failed, run_pip
from drafter.settings import Settings, load_settings

LLAMA_CPP_VERSION: Final = LLAMA_CPP_REQUIREMENT.rsplit("==", 1)[1]
BUILD_FILE: Final = "build.json"

#: llama.cpp's CMake options (ggml/CMakeLists.txt: GGML_<name>) and the /proc/cpuinfo
#: flags each needs. Order matters only for display.
GGML_FEATURES: Final[tuple[tuple[str, tuple[str, ...]], ...]] = (
    ("SSE42", ("sse4_2",)),
    ("AVX", ("avx",)),
    ("AVX2", ("avx2",)),
    ("FMA", ("fma",)),
    ("F16C", ("f16c",)),
    ("BMI2", ("bmi2",)),
    ("AVX_VNNI", ("avx_vnni",)),
    ("AVX512", ("avx512f", "avx512cd", "avx512vl", "avx512dq", "avx512bw")),
    ("AVX512_VBMI", ("avx512vbmi",)),
    ("AVX512_VNNI", ("avx512_vnni",)),
    ("AVX512_BF16", ("avx512_bf16",)),
    ("AMX_TILE", ("amx_tile",)),
    ("AMX_INT8", ("amx_int8",)),
    ("AMX_BF16", ("amx_bf16",)),
)
PORTABLE: Final = ("SSE42", "AVX", "AVX2", "FMA", "F16C", "BMI2")
AMX: Final = ("AMX_TILE", "AMX_INT8", "AMX_BF16")
VARIANTS: Final = ("native", "avx512", "portable", "amx")
DEFAULT_VARIANT: Final = "native"
FALLBACK_VARIANT: Final = "portable"

# arch_prctl(2) codes (asm/prctl.h) and the XTILEDATA state component.
_SYS_ARCH_PRCTL: Final = 158
_ARCH_GET_XCOMP_PERM: Final = 0x1022
_ARCH_REQ_XCOMP_PERM: Final = 0x1023
_XFEATURE_XTILEDATA: Final = 18


# --------------------------------------------------------------------------------------
# What the CPU and the OS allow
# --------------------------------------------------------------------------------------


def read_cpuinfo(path: Path = Path("/proc/cpuinfo")) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def cpu_flags(cpuinfo: str) -> frozenset[str]:
    """The ``flags`` of the first processor in /proc/cpuinfo text."""
    for line in cpuinfo.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "flags":
            return frozenset(value.split())
    return frozenset()


def cpu_model(cpuinfo: str) -> str:
    for line in cpuinfo.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "model name":
            return value.strip()
    return platform.processor() or platform.machine()


def amx_permitted() -> bool:
    """True when the kernel grants this process AMX tile data (XTILEDATA) state.

    Asks with ``arch_prctl(ARCH_REQ_XCOMP_PERM)`` if not yet granted, as llama.cpp does.
    False off Linux x86-64, on kernels without the call, or when the request is refused.
    """
    if not sys.platform.startswith("linux") or platform.machine() not in ("x86_64", "AMD64"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        mask = ctypes.c_uint64(0)
        if libc.syscall(_SYS_ARCH_PRCTL, _ARCH_GET_XCOMP_PERM, ctypes.byref(mask)) != 0:
            return False
        if mask.value & (1 << _XFEATURE_XTILEDATA):
            return True
        if libc.syscall(_SYS_ARCH_PRCTL, _ARCH_REQ_XCOMP_PERM, _XFEATURE_XTILEDATA) != 0:
            return False
        if libc.syscall(_SYS_ARCH_PRCTL, _ARCH_GET_XCOMP_PERM, ctypes.byref(mask)) != 0:
            return False
        return bool(mask.value & (1 << _XFEATURE_XTILEDATA))
    except (OSError, AttributeError):
        return False


def available_features(flags: frozenset[str], *, amx_ok: bool) -> tuple[str, ...]:
    """GGML options this CPU supports; AMX only when ``amx_ok`` (the OS grants tiles)."""
    out = [name for name, needs in GGML_FEATURES if all(f in flags for f in needs)]
    if "AVX512" not in out:  # the AVX-512 extensions need the base set
        out = [f for f in out if not f.startswith("AVX512") and f not in AMX]
    if not amx_ok:
        out = [f for f in out if f not in AMX]
    return tuple(out)


# --------------------------------------------------------------------------------------
# Build specs
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BuildSpec:
    """One llama-cpp-python build: which GGML CPU features it is compiled with."""

    variant: str
    features: tuple[str, ...]
    cpu_model: str
    version: str = LLAMA_CPP_VERSION

    @property
    def cmake_args(self) -> list[str]:
        """``-DGGML_NATIVE=OFF`` and every CPU option set explicitly ON or OFF."""
        args = ["-DGGML_NATIVE=OFF"]
        for name, _needs in GGML_FEATURES:
            args.append(f"-DGGML_{name}={'ON' if name in self.features else 'OFF'}")
        return args

    @property
    def key(self) -> str:
        """Cache key: version, variant and a hash of the flags and the Python ABI."""
        tag = f"cp{sys.version_info.major}{sys.version_info.minor}-{platform.machine()}"
        blob = json.dumps([self.version, self.cmake_args, tag]).encode()
        return f"{self.version}-{self.variant}-{hashlib.sha256(blob).hexdigest()[:12]}"

    def describe(self) -> str:
        return "/".join(self.features) or "（无 SIMD 扩展）"


def build_spec(
    variant: str = DEFAULT_VARIANT, *, cpuinfo: str | None = None, amx_ok: bool | None = None
) -> BuildSpec:
    """The spec of ``variant`` on this machine (``cpuinfo`` and ``amx_ok`` for tests)."""
    if variant not in VARIANTS:
        raise DrafterError(
            f"未知的构建类型 {variant}。", hint=f"可选：{'、'.join(VARIANTS)}（默认 native）。"
        )
    text = read_cpuinfo() if cpuinfo is None else cpuinfo
    flags = cpu_flags(text)
    if variant == "amx":
        granted = amx_permitted() if amx_ok is None else amx_ok
        if not (granted and all(f in flags for f in ("amx_tile", "amx_int8"))):
            raise DrafterError(
                "本机不能使用 AMX：CPU 未列出 amx_tile/amx_int8，或系统未授予 AMX 寄存器状态。",
                hint="使用默认的 native 构建（不含 AMX）。",
            )
        features = available_features(flags, amx_ok=True)
    else:
        features = available_features(flags, amx_ok=False)
    if variant == "avx512":
        if "AVX512" not in features:
            raise DrafterError("本机 CPU 不支持 AVX-512。", hint="使用 native 或 portable 构建。")
        features = tuple(f for f in features if f in (*PORTABLE, "AVX512"))
    elif variant == "portable":
        features = tuple(f for f in features if f in PORTABLE)
    return BuildSpec(variant=variant, features=features, cpu_model=cpu_model(text))


# --------------------------------------------------------------------------------------
# The wheel cache
# --------------------------------------------------------------------------------------


def wheels_dir(settings: Settings) -> Path:
    return settings.cache_dir / "wheels"


def build_dir(settings: Settings, spec: BuildSpec) -> Path:
    return wheels_dir(settings) / spec.key


def read_build_record(directory: Path) -> dict[str, Any]:
    try:
        data = json.loads((directory / BUILD_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def update_build_record(directory: Path, **fields: Any) -> dict[str, Any]:
    data = read_build_record(directory)
    data.update(fields)
    atomic_write_json(directory / BUILD_FILE, data)
    return data


def cached_wheel(settings: Settings, spec: BuildSpec) -> Path | None:
    found = sorted(build_dir(settings, spec).glob("llama_cpp_python-*.whl"))
    return found[-1] if found else None


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def build_wheel(
    settings: Settings,
    spec: BuildSpec,
    *,
    python: str = sys.executable,
    on_line: Callable[[str], None] | None = None,
) -> Path:
    """Compile llama-cpp-python with ``spec``'s flags into the wheel cache (minutes)."""
    target = build_dir(settings, spec)
    target.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env["CMAKE_ARGS"] = " ".join(spec.cmake_args)
    env["FORCE_CMAKE"] = "1"
    env.setdefault("CMAKE_BUILD_PARALLEL_LEVEL", str(os.cpu_count() or 1))
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix=".build-", dir=wheels_dir(settings)) as tmp:
        # --no-cache-dir: pip's wheel cache ignores CMAKE_ARGS and would hand back a
        # wheel built with other flags
        code, tail = run_pip(
            [
                "wheel",
                "--no-input",
                "--no-deps",
                "--no-cache-dir",
                "--no-binary",
                "llama-cpp-python",
                "-w",
                tmp,
                f"llama-cpp-python=={spec.version}",
            ],
            python=python,
            env=env,
            on_line=on_line,
        )
        if code != 0:
            raise pip_failed(
                f"编译 llama-cpp-python {spec.version}（{spec.variant}）",
                code,
                tail,
                "编译需要 C/C++ 编译器与 cmake（如 apt-get install build-essential cmake）。",
            )
        wheels = sorted(Path(tmp).glob("llama_cpp_python-*.whl"))
        if not wheels:
            raise DrafterError(f"编译完成但没有找到 wheel 文件（{tmp}）。")
        final = target / wheels[0].name
        shutil.move(str(wheels[0]), final)
    update_build_record(
        target,
        key=spec.key,
        variant=spec.variant,
        version=spec.version,
        features=list(spec.features),
        cmake_args=spec.cmake_args,
        cpu_model=spec.cpu_model,
        built_at=_now(),
        build_seconds=round(time.monotonic() - t0, 1),
        wheel=final.name,
    )
    return final


def install_wheel(
    wheel: Path, *, python: str = sys.executable, on_line: Callable[[str], None] | None = None
) -> None:
    """``pip install --no-deps --force-reinstall WHEEL`` (its dependencies come from the lock)."""
    code, tail = run_pip(
        ["install", "--no-input", "--no-deps", "--force-reinstall", str(wheel)],
        python=python,
        on_line=on_line,
    )
    if code != 0:
        raise pip_failed(f"安装 {wheel.name}", code, tail, f"wheel 文件：{wheel}")


def installed_build() -> dict[str, Any] | None:
    """The build record of the installed llama-cpp-python (None when not installed).

    pip records the wheel's path in ``direct_url.json``; a wheel from drafter's cache has
    ``build.json`` beside it. Otherwise ``variant`` is ``"unknown"`` (installed by hand).
    """
    try:
        dist = metadata.distribution("llama_cpp_python")
    except metadata.PackageNotFoundError:
        return None
    record: dict[str, Any] = {"variant": "unknown", "version": dist.version}
    try:
        url = json.loads(dist.read_text("direct_url.json") or "{}").get("url", "")
    except ValueError:
        url = ""
    if isinstance(url, str) and url.startswith("file://"):
        wheel = Path(unquote(urlparse(url).path))
        found = read_build_record(wheel.parent)
        if found:
            record = found
        record["wheel_path"] = str(wheel)
    return record


def crashed_variants(settings: Settings, spec: BuildSpec) -> dict[str, Any] | None:
    """The crash recorded for ``spec`` on this machine by an earlier smoke test, if any."""
    crash = read_build_record(build_dir(settings, spec)).get("crashed")
    return crash if isinstance(crash, dict) else None


def choose_spec(settings: Settings, variant: str | None = None) -> tuple[BuildSpec, str | None]:
    """The spec to install and why it is not the default (a recorded crash), if so."""
    wanted = variant or os.environ.get("DRAFTER_LLAMA_VARIANT") or DEFAULT_VARIANT
    spec = build_spec(wanted)
    if variant is None and spec.variant != FALLBACK_VARIANT:
        crash = crashed_variants(settings, spec)
        if crash:
            return build_spec(FALLBACK_VARIANT), str(crash.get("reason") or "试运行崩溃")
    return spec, None


def build_is_current(settings: Settings | None = None) -> bool:
    """True when the installed llama-cpp-python is the build :func:`choose_spec` picks."""
    settings = settings or load_settings()
    spec, _why = choose_spec(settings)
    current = installed_build()
    return bool(current and current.get("key") == spec.key and cached_wheel(settings, spec))


@dataclass(frozen=True)
class EnsureResult:
    spec: BuildSpec
    wheel: Path
    action: str  # "present" | "cached" | "built"
    seconds: float


def ensure_build(
    settings: Settings,
    *,
    variant: str | None = None,
    reason: str | None = None,
    python: str = sys.executable,
    on_line: Callable[[str], None] | None = None,
    say: Callable[[str], None] | None = None,
) -> EnsureResult:
    """Install llama-cpp-python built for this CPU: as is, from the wheel cache, or compiled."""
    spec, why = choose_spec(settings, variant)
    reason = reason or why
    t0 = time.monotonic()
    wheel = cached_wheel(settings, spec)
    current = installed_build() if python == sys.executable else None
    if wheel is not None and current and current.get("key") == spec.key:
        action = "present"
    elif wheel is not None:
        if say:
            say(
                f"使用已缓存的 llama-cpp-python 构建（{spec.variant}：{spec.describe()}），无需编译。"
            )
        install_wheel(wheel, python=python, on_line=on_line)
        action = "cached"
    else:
        if say:
            say(
                f"编译 llama-cpp-python {spec.version}（{spec.variant}：{spec.describe()}），"
                "双核机器约 8–10 分钟……"
            )
        wheel = build_wheel(settings, spec, python=python, on_line=on_line)
        install_wheel(wheel, python=python, on_line=on_line)
        action = "built"
    if reason:
        update_build_record(build_dir(settings, spec), fallback_reason=reason)
    return EnsureResult(spec, wheel, action, round(time.monotonic() - t0, 1))


def _main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m drafter.llm.build")
    sub = parser.add_subparsers(dest="command", required=True)
    inst = sub.add_parser("install", help="install llama-cpp-python built for this CPU")
    inst.add_argument("--variant", choices=VARIANTS, default=None)
    inst.add_argument("--python", default=sys.executable, help="interpreter to install into")
    show = sub.add_parser("show", help="print the spec of a variant and the installed build")
    show.add_argument("--variant", choices=VARIANTS, default=DEFAULT_VARIANT)
    args = parser.parse_args(argv)
    settings = load_settings()

    def say(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    try:
        if args.command == "show":
            spec = build_spec(args.variant)
            data = {
                "variant": spec.variant,
                "key": spec.key,
                "cpu_model": spec.cpu_model,
                "features": list(spec.features),
                "cmake_args": spec.cmake_args,
                "cached_wheel": str(cached_wheel(settings, spec) or ""),
                "amx_permitted": amx_permitted(),
                "installed": installed_build(),
            }
            print(json.dumps(data, ensure_ascii=False, indent=2))
            return 0
        result = ensure_build(settings, variant=args.variant, python=args.python, say=say)
    except DrafterError as exc:
        say(f"错误：{exc.message}")
        if exc.hint:
            say(f"提示：{exc.hint}")
        return exc.exit_code
    words = {"present": "已安装", "cached": "已从缓存安装", "built": "已编译并安装"}
    say(
        f"llama-cpp-python {result.spec.version}（{result.spec.variant}："
        f"{result.spec.describe()}）{words[result.action]}，用时 {result.seconds:.0f} 秒。"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(_main())
