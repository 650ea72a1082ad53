"""`drafter model`: install the bundled local model, run its server, show its status."""

from __future__ import annotations

import time
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from drafter.cli.common import JsonOpt, err_console, out_console, print_json
from drafter.llm.build import build_is_current, ensure_build, installed_build
from drafter.llm.config import LOCAL_MODEL_NAME
from drafter.llm.local import (
    LLAMA_CPP_REQUIREMENT,
    MODEL_SHA256,
    find_running_server,
    install_model,
    llama_cpp_available,
    model_status,
    serve_forever,
    stop_recorded_server,
)
from drafter.llm.smoke import verify_build
from drafter.settings import load_settings

model_app = typer.Typer(help="内置本地模型：安装、启动服务、查看状态。", no_args_is_help=True)

_PHASES = {"download": "下载分片", "join": "拼接模型", "verify": "校验模型"}


def _say(text: str) -> None:
    """One line on stdout, never wrapped in the middle of a path or URL."""
    out_console.print(text, soft_wrap=True, highlight=False)


def register(app: typer.Typer) -> None:
    app.add_typer(model_app, name="model")


@model_app.command("install")
def install(
    force: Annotated[bool, typer.Option("--force", help="重新下载并拼接模型文件。")] = False,
    model_only: Annotated[
        bool, typer.Option("--model-only", help="只安装模型文件，不安装 llama-cpp-python。")
    ] = False,
) -> None:
    """安装本地模型服务（llama-cpp-python，需编译数分钟）和模型文件（约 1.1 GB）。"""
    settings = load_settings()
    if not model_only:
        if llama_cpp_available() and build_is_current(settings):
            err_console.print(
                f"[green]✓[/] {LLAMA_CPP_REQUIREMENT} 已安装（本机 CPU 适用的构建）。"
            )
        else:
            t0 = time.monotonic()
            with err_console.status("安装 llama-cpp-python……") as status:

                def on_line(line: str) -> None:
                    status.update(f"安装 llama-cpp-python……[dim]{line[:90]}[/]")

                result = ensure_build(settings, on_line=on_line, say=_say)
            err_console.print(
                f"[green]✓[/] {LLAMA_CPP_REQUIREMENT} 安装完成（{result.spec.variant}："
                f"{result.spec.describe()}，{time.monotonic() - t0:.0f} 秒）。"
            )

    t0 = time.monotonic()
    with Progress(
        TextColumn("[bold]{task.description}[/]"),
        BarColumn(),
        TextColumn("{task.fields[amount]}"),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    ) as progress:
        tasks: dict[str, TaskID] = {}

        def on_progress(phase: str, done: int, total: int) -> None:
            if phase == "download":
                amount = f"{done}/{total} 个分片包"
            else:
                amount = f"{done / 1e6:,.0f}/{total / 1e6:,.0f} MB"
            if phase not in tasks:
                tasks[phase] = progress.add_task(_PHASES.get(phase, phase), total=total, amount="")
            progress.update(tasks[phase], completed=done, total=total, amount=amount)

        path = install_model(settings, on_progress=on_progress, force=force)
    size = path.stat().st_size
    _say(f"[green]✓[/] 模型文件：{path}")
    _say(f"  大小 {size:,} 字节，sha256 {MODEL_SHA256[:16]}… 校验通过")
    if tasks:
        _say(f"  用时 {time.monotonic() - t0:.0f} 秒")
    if not model_only:
        _say("试运行本地模型（短生成，检查本机能否运行这个构建）……")
        verify_build(settings, say=_say)
    _say("启动服务：drafter model serve（显示 OpenAI 兼容接口地址）。")


@model_app.command("serve")
def serve(
    port: Annotated[
        int | None, typer.Option("--port", help="监听端口（仅 127.0.0.1；默认自动选择）。")
    ] = None,
    threads: Annotated[
        int | None, typer.Option("--threads", min=1, help="CPU 线程数（默认全部核心）。")
    ] = None,
) -> None:
    """启动本地模型服务（OpenAI 兼容接口，仅本机可访问），按 Ctrl-C 停止。"""
    settings = load_settings()
    serve_forever(settings, port, threads=threads, echo=_say)


@model_app.command("stop")
def stop() -> None:
    """停止记录在案的本地模型服务（如 drafter model serve 在别处运行）。"""
    settings = load_settings()
    info = stop_recorded_server(settings)
    if info is None:
        _say("没有正在运行的本地模型服务。")
    else:
        _say(f"已停止本地模型服务 {info.base_url}（进程 {info.pid}）。")


@model_app.command("status")
def status(as_json: JsonOpt = False) -> None:
    """显示本地模型文件、llama-cpp-python 与服务的状态。"""
    settings = load_settings()
    st = model_status(settings)
    llama = llama_cpp_available()
    running = find_running_server(settings)
    data = {
        "model_path": str(st.path),
        "model_present": st.present,
        "model_size": st.size,
        "model_size_ok": st.size_ok,
        "model_verified": st.verified,
        "partial_left": st.partial_left,
        "llama_cpp_installed": llama,
        "server_running": running is not None,
        "server_url": running.base_url if running else None,
        "server_pid": running.pid if running else None,
        "model_name": LOCAL_MODEL_NAME,
        "llama_build": installed_build(),
    }
    if as_json:
        print_json(data)
        return
    ok, no = "[green]✓[/]", "[red]✗[/]"
    if st.verified:
        _say(f"{ok} 模型文件已安装并校验：{st.path}（{st.size:,} 字节）")
    elif st.present:
        _say(
            f"{no} 模型文件存在但未通过校验：{st.path}（{st.size:,} 字节）。"
            "运行 drafter model install 修复。"
        )
    else:
        _say(f"{no} 模型文件未安装（{st.path}）。运行 drafter model install。")
    if llama:
        _say(f"{ok} llama-cpp-python[server] 已安装")
    else:
        _say(f"{no} llama-cpp-python[server] 未安装。运行 drafter model install。")
    build = data["llama_build"]
    if isinstance(build, dict) and build.get("variant") != "unknown":
        speed = build.get("speed") or {}
        _say(
            f"  构建：{build.get('variant')}（{'/'.join(build.get('features') or [])}），"
            f"CPU {build.get('cpu_model')}；试运行 提示 {speed.get('prompt_tokens_per_s')} / "
            f"生成 {speed.get('gen_tokens_per_s')} 词元/秒"
        )
        if build.get("fallback_reason"):
            _say(f"  [yellow]改用此构建的原因：{build['fallback_reason']}[/]")
    if running:
        _say(f"{ok} 服务运行中：{running.base_url}（进程 {running.pid}）")
    else:
        _say("  服务未运行（drafter model serve 可启动）。")
