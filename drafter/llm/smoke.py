"""Smoke test of the installed llama-cpp-python build: a short real generation in a child.

A build that uses an instruction the CPU or the OS refuses (AMX tiles on a VM, AVX-512
where the hypervisor hides it) dies on SIGILL at its first matrix product, not at import.
So :func:`verify_build` runs a short generation with the real model in a subprocess
(``python -m drafter.llm.smoke``); if that process dies on a signal, it rebuilds with the
portable set (AVX2/FMA/F16C), records why in both builds' ``build.json`` (so later
set-ups on this machine go straight to the portable build), and checks again.

The child prints one JSON line: prompt and generation tokens per second measured by
llama.cpp's own counters (``llama_perf_context``), with the same settings as the server.
"""

from __future__ import annotations

import argparse
import json
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from drafter.errors import DrafterError
from drafter.llm.build import (
    FALLBACK_VARIANT,
    BuildSpec,
    EnsureResult,
    build_dir,
    ensure_build,
    installed_build,
    update_build_record,
)
from drafter.llm.local import model_path
from drafter.settings import Settings

SMOKE_TIMEOUT: Final = 600.0
SMOKE_MESSAGES: Final[list[dict[str, str]]] = [
    {"role": "system", "content": "你是县科学技术局办公室的文字秘书，用规范的公文语言写作。"},
    {
        "role": "user",
        "content": "请用两句话概括本局今年推进科技创新工作的总体情况，不要写任何数字。",
    },
]


# --------------------------------------------------------------------------------------
# The child: load the model, generate, report llama.cpp's timings
# --------------------------------------------------------------------------------------


def measure(
    model: str,
    conversations: Sequence[Sequence[dict[str, str]]],
    *,
    threads: int,
    ctx: int,
    max_tokens: int,
    temperature: float = 0.3,
) -> dict[str, Any]:
    """Run each conversation once with a cold KV cache; totals of llama.cpp's counters."""
    import llama_cpp  # in the child only: a bad build must not take the parent down

    t0 = time.perf_counter()
    llm = llama_cpp.Llama(
        model_path=model,
        n_ctx=ctx,
        n_threads=threads,
        n_threads_batch=threads,
        chat_format="chatml",
        verbose=False,
    )
    load_s = time.perf_counter() - t0
    p_ms = e_ms = 0.0
    p_n = e_n = 0
    text = ""
    for messages in conversations:
        llm.reset()  # type: ignore[no-untyped-call]  # cold: every call evaluates its whole prompt
        llama_cpp.llama_perf_context_reset(llm._ctx.ctx)
        out = llm.create_chat_completion(
            messages=list(messages),  # type: ignore[arg-type]
            max_tokens=max_tokens,
            temperature=temperature,
        )
        perf = llama_cpp.llama_perf_context(llm._ctx.ctx)
        p_ms += perf.t_p_eval_ms
        e_ms += perf.t_eval_ms
        p_n += perf.n_p_eval
        e_n += perf.n_eval
        text = str(out["choices"][0]["message"]["content"] or "")  # type: ignore[index]
    return {
        "ok": True,
        "load_s": round(load_s, 2),
        "calls": len(conversations),
        "prompt_tokens": p_n,
        "prompt_tokens_per_s": round(p_n / (p_ms / 1000), 2) if p_ms > 0 else None,
        "gen_tokens": e_n,
        "gen_tokens_per_s": round(e_n / (e_ms / 1000), 2) if e_ms > 0 else None,
        "threads": threads,
        "sample": text[:60],
    }


def _child(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m drafter.llm.smoke")
    parser.add_argument("--model", required=True)
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--ctx", type=int, default=4096)
    parser.add_argument("--max-tokens", type=int, default=48)
    parser.add_argument("--messages", type=Path, default=None, help="JSON list of chats")
    args = parser.parse_args(argv)
    chats = (
        json.loads(args.messages.read_text(encoding="utf-8")) if args.messages else [SMOKE_MESSAGES]
    )
    result = measure(
        args.model, chats, threads=args.threads, ctx=args.ctx, max_tokens=args.max_tokens
    )
    print(json.dumps(result, ensure_ascii=False), flush=True)
    return 0


# --------------------------------------------------------------------------------------
# The parent: run the child, fall back on a crash
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SmokeResult:
    ok: bool
    returncode: int
    signal: int | None = None
    stats: dict[str, Any] = field(default_factory=dict)
    tail: str = ""

    @property
    def signal_name(self) -> str:
        if self.signal is None:
            return ""
        try:
            return signal.Signals(self.signal).name
        except ValueError:
            return f"信号 {self.signal}"


def smoke_command(settings: Settings) -> list[str]:
    threads = settings.local_threads or _cpu_count()
    return [
        sys.executable,
        "-m",
        "drafter.llm.smoke",
        "--model",
        str(model_path(settings)),
        "--threads",
        str(threads),
        "--ctx",
        str(settings.local_ctx_size),
    ]


def _cpu_count() -> int:
    import os

    return os.cpu_count() or 1


def run_smoke(
    settings: Settings, command: Sequence[str] | None = None, timeout: float = SMOKE_TIMEOUT
) -> SmokeResult:
    """Run the smoke child; a signal death is reported, not raised."""
    argv = list(command) if command is not None else smoke_command(settings)
    try:
        proc = subprocess.run(
            argv,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return SmokeResult(ok=False, returncode=-1, tail=f"试运行超过 {timeout:.0f} 秒未结束")
    except OSError as exc:
        return SmokeResult(ok=False, returncode=-1, tail=str(exc))
    tail = "\n".join((proc.stderr or "").strip().splitlines()[-8:])
    if proc.returncode < 0:
        return SmokeResult(False, proc.returncode, signal=-proc.returncode, tail=tail)
    stats: dict[str, Any] = {}
    for line in reversed((proc.stdout or "").splitlines()):
        try:
            found = json.loads(line)
        except ValueError:
            continue
        if isinstance(found, dict):
            stats = found
            break
    ok = proc.returncode == 0 and bool(stats.get("ok"))
    return SmokeResult(ok, proc.returncode, stats=stats, tail=tail)


Rebuild = Callable[..., EnsureResult]


def _record_ok(directory: Path, result: SmokeResult) -> None:
    stats = {k: result.stats.get(k) for k in ("prompt_tokens_per_s", "gen_tokens_per_s")}
    update_build_record(
        directory,
        smoke={"ok": True, "at": time.strftime("%Y-%m-%dT%H:%M:%S"), **result.stats},
        speed={**stats, "threads": result.stats.get("threads"), "measured_by": "smoke test"},
    )


def _current_spec_dir(settings: Settings) -> tuple[str, Path | None]:
    record = installed_build() or {}
    variant = str(record.get("variant") or "unknown")
    path = record.get("wheel_path")
    return variant, (Path(path).parent if isinstance(path, str) and record.get("key") else None)


def verify_build(
    settings: Settings,
    *,
    say: Callable[[str], None],
    command: Sequence[str] | None = None,
    rebuild: Rebuild = ensure_build,
    on_line: Callable[[str], None] | None = None,
) -> SmokeResult:
    """Smoke-test the installed build; on a signal death rebuild portable and test again."""
    variant, directory = _current_spec_dir(settings)
    result = run_smoke(settings, command)
    if result.ok:
        if directory is not None:
            _record_ok(directory, result)
        say(_speed_line(result))
        return result
    if result.signal is None:
        raise DrafterError(
            f"本地模型试运行失败（退出码 {result.returncode}）。输出末尾：\n{result.tail}",
            hint="运行 drafter model install --force 重新安装模型文件；仍失败请附上此输出报告问题。",
        )
    reason = (
        f"{variant} 构建试运行时被 {result.signal_name} 终止"
        "（CPU 或操作系统不允许其中的某些指令，如虚拟机上的 AMX/AVX-512）"
    )
    if variant == FALLBACK_VARIANT:
        raise DrafterError(
            f"本地模型试运行被 {result.signal_name} 终止，通用构建（AVX2/FMA/F16C）也无法运行。",
            hint="本机 CPU 可能不支持 AVX2；可用 DRAFTER_LOCAL_SERVER_COMMAND 指定自己编译的 llama.cpp 服务。",
        )
    if directory is not None:
        update_build_record(
            directory,
            crashed={"signal": result.signal_name, "reason": reason, "tail": result.tail},
        )
    say(
        f"[yellow]试运行进程被 {result.signal_name} 终止：本机不能运行 {variant} 构建。"
        "现在自动改用通用构建（AVX2/FMA/F16C）重新安装，首次需编译约 8–10 分钟……[/]"
    )
    fallback = rebuild(settings, variant=FALLBACK_VARIANT, reason=reason, on_line=on_line, say=say)
    second = run_smoke(settings, command)
    if not second.ok:
        raise DrafterError(
            f"改用通用构建后试运行仍失败（{second.signal_name or f'退出码 {second.returncode}'}）。"
            f"输出末尾：\n{second.tail}",
            hint="可用 DRAFTER_LOCAL_SERVER_COMMAND 指定自己编译的 llama.cpp 服务。",
        )
    _record_ok(build_dir(settings, fallback.spec), second)
    say(f"[green]✓[/] 已改用通用构建（原因：{reason}）。")
    say(_speed_line(second))
    return second


def _speed_line(result: SmokeResult) -> str:
    s = result.stats
    return (
        f"[green]✓[/] 试运行通过：提示处理 {s.get('prompt_tokens_per_s')} 词元/秒，"
        f"生成 {s.get('gen_tokens_per_s')} 词元/秒（{s.get('threads')} 线程）。"
    )


def spec_summary(spec: BuildSpec) -> dict[str, Any]:
    return {"variant": spec.variant, "features": list(spec.features), "key": spec.key}


if __name__ == "__main__":
    raise SystemExit(_child())
