"""Usage errors (unknown command or option, missing argument, bad value) as one Chinese line.

typer ≥ 0.2x vendors click as ``typer._click`` and raises its own exception classes, so
catching ``click.ClickException`` alone misses them. ``click_exception_types`` returns
every ClickException class that may reach ``run()``: typer's vendored one when present,
and click's own (older typer releases raise that).
"""

from __future__ import annotations

import importlib
import re
from typing import Any

_MODULES = ("typer._click.exceptions", "click.exceptions")


def _classes(name: str) -> list[type[Exception]]:
    out: list[type[Exception]] = []
    for module_name in _MODULES:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        cls = getattr(module, name, None)
        if isinstance(cls, type) and issubclass(cls, Exception) and cls not in out:
            out.append(cls)
    return out


def click_exception_types() -> tuple[type[Exception], ...]:
    """The ClickException classes of the installed typer and click (at least one)."""
    return tuple(_classes("ClickException"))


def _is(exc: BaseException, name: str) -> bool:
    return any(isinstance(exc, cls) for cls in _classes(name))


def is_help_request(exc: BaseException) -> bool:
    """``drafter`` or ``drafter model`` without arguments: show the help, not an error."""
    return _is(exc, "NoArgsIsHelpError")


def _command_path(exc: BaseException) -> str:
    ctx = getattr(exc, "ctx", None)
    path = getattr(ctx, "command_path", None) if ctx is not None else None
    return str(path) if path else "drafter"


def _param_name(param: Any) -> str:
    """``--k`` for an option, ``FIGURES`` for an argument."""
    if param is None:
        return "参数"
    opts = [o for o in getattr(param, "opts", []) or [] if isinstance(o, str)]
    longs = [o for o in opts if o.startswith("--")]
    if longs:
        return longs[0]
    if opts and opts[0].startswith("-"):
        return opts[0]
    metavar = getattr(param, "metavar", None)
    name = metavar or getattr(param, "name", None) or "参数"
    return str(name).upper()


_VALUE_REASONS = (
    (re.compile(r"valid integer|is not a valid integer", re.I), "应为整数"),
    (re.compile(r"valid number|is not a valid float", re.I), "应为数字"),
    (re.compile(r"valid boolean", re.I), "应为 true 或 false"),
    (re.compile(r"does not exist", re.I), "文件或目录不存在"),
    (re.compile(r"is a directory", re.I), "应为文件，不是目录"),
    (re.compile(r"is a file", re.I), "应为目录，不是文件"),
    (
        re.compile(r"not in the range|greater than or equal|less than or equal|range", re.I),
        "超出允许范围",
    ),
    (re.compile(r"is not one of|is not '|should be", re.I), "不是可选值之一"),
)


def _value_reason(message: str) -> str:
    for pattern, reason in _VALUE_REASONS:
        if pattern.search(message):
            return reason
    return "格式不对"


def _choices(param: Any) -> str:
    choices = getattr(getattr(param, "type", None), "choices", None)
    if choices:
        return "（可选：" + "、".join(str(c) for c in choices) + "）"
    return ""


def usage_message(exc: BaseException) -> str:
    """One Chinese line that names the mistake and the fix."""
    path = _command_path(exc)
    help_hint = f"运行 {path} --help 查看用法。"
    message = str(getattr(exc, "message", "") or "")
    if _is(exc, "NoSuchOption"):
        option = str(getattr(exc, "option_name", "") or "")
        possible = sorted(getattr(exc, "possibilities", None) or [])
        guess = f"（是不是 {'、'.join(possible)}？）" if possible else ""
        return f"{path} 没有选项 {option}{guess}。{help_hint}"
    if _is(exc, "MissingParameter"):
        param = getattr(exc, "param", None)
        kind = "选项" if getattr(param, "param_type_name", "") == "option" else "参数"
        return f"{path} 缺少{kind} {_param_name(param)}。{help_hint}"
    if _is(exc, "BadParameter"):
        param = getattr(exc, "param", None)
        reason = _value_reason(message)
        extra = _choices(param) if reason == "不是可选值之一" else ""
        return f"{_param_name(param)} 的值无效：{reason}{extra}。{help_hint}"
    match = re.match(r"No such command '([^']*)'", message)
    if match:
        similar = re.search(r"Did you mean '([^']*)'", message)
        guess = f"（是不是 {similar.group(1)}？）" if similar else ""
        return f"{path} 没有命令 {match.group(1)}{guess}。运行 {path} --help 查看全部命令。"
    if _is(exc, "UsageError"):
        return f"用法不对（{message}）。{help_hint}"
    return f"{message}。{help_hint}" if message else help_hint
