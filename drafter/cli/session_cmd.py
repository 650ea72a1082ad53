"""`drafter session FIGURES|DIR`: read, judge and improve the draft section by section.

The whole directory is locked for the session (a second session or a `regenerate` is
refused). Every change is saved atomically the moment it is made, so a crash or a killed
terminal loses nothing. The model (and the bundled local server) is started only when
first needed and stopped on quit, on errors and on Ctrl-C. Ctrl-C cancels the input or
the running operation, never the session; quit or Ctrl-D leaves.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar, cast

import typer
from rich.console import Console
from rich.markup import escape
from rich.text import Text

from drafter.cli.common import (
    AllowRemoteOpt,
    ChromaUrlOpt,
    CollectionOpt,
    StoreOpt,
    Terminated,
    store_settings,
)
from drafter.cli.engine import (
    Engine,
    draft_progress,
    open_engine,
    open_store_if_any,
    retry_printer,
)
from drafter.cli.llmopts import LlmBaseUrlOpt, LlmModelOpt, LlmProviderOpt
from drafter.cli.regenerate import regenerate_section
from drafter.cli.session_views import (
    print_help,
    print_history,
    print_notes,
    print_outline,
    print_section,
    print_sources,
)
from drafter.drafting.house_source import HouseStore
from drafter.drafting.outline import SectionTask
from drafter.drafting.records import Version
from drafter.errors import DrafterError
from drafter.figures import SlotTable, build_slot_table
from drafter.llm.config import describe_endpoint
from drafter.review.edits import (
    COMMANDS,
    INSTRUCTION_PRESETS,
    Command,
    check_edited_text,
    diff_lines,
    edit_version,
    normalise_edit,
    parse_command,
    parse_version_numbers,
    pending_ids,
    resolve_section,
)
from drafter.review.render import heading_only_ids
from drafter.review.session import SectionState, Session, lock_session_dir
from drafter.review.workflow import (
    DraftPlan,
    open_or_create_session,
    plan_draft,
    plan_from_session,
)
from drafter.settings import Settings

if TYPE_CHECKING:  # prompt_toolkit costs ~0.2 s to import: only `session` loads it
    from prompt_toolkit import PromptSession
    from prompt_toolkit.completion import NestedCompleter

HISTORY_FILE = ".drafter_history"
T = TypeVar("T")


def register(app: typer.Typer) -> None:
    app.command("session")(session)


class Cancelled(Exception):
    """The user pressed Ctrl-C during an operation; nothing was saved."""


class Repl:
    """One interactive session on a locked draft directory."""

    def __init__(
        self,
        sess: Session,
        settings: Settings,
        *,
        console: Console,
        stack: contextlib.ExitStack,
        plan: DraftPlan | None,
        base_url: str | None,
        model: str | None,
        allow_remote: bool,
    ) -> None:
        self.session = sess
        self.settings = settings
        self.console = console
        self.stack = stack
        self._plan = plan
        self._plan_error: str | None = None
        self._table: SlotTable | None = None
        self._engine: Engine | None = None
        self._model_opts = (base_url, model, allow_remote)
        self.current: str | None = None
        from prompt_toolkit import PromptSession
        from prompt_toolkit.history import FileHistory

        self.prompt: PromptSession[str] = PromptSession(
            history=FileHistory(str(sess.dir / HISTORY_FILE)),
            completer=self._completer(),
            complete_while_typing=False,
        )

    # ----------------------------------------------------------- lazy resources

    @property
    def ids(self) -> list[str]:
        return [s.id for s in self.session.sections()]

    def plan(self) -> DraftPlan:
        if self._plan is None:
            self._plan = plan_from_session(self.session)
        return self._plan

    def table(self) -> SlotTable | None:
        """The figures' slot table for highlights and checks; None (once noted) if absent."""
        if self._table is None and self._plan_error is None:
            try:
                self._table = build_slot_table(self.plan().figures)
            except DrafterError as exc:
                self._plan_error = exc.message
                self.console.print(f"[yellow]{escape(exc.message)}数字高亮与核对从略。[/]")
        return self._table

    def engine(self) -> Engine:
        """Start the model scope the first time a model is needed; closed on exit."""
        if self._engine is None:
            base_url, model, allow_remote = self._model_opts
            self._engine = open_engine(
                self.stack,
                self.settings,
                base_url=base_url,
                model=model,
                allow_remote=allow_remote,
            )
            self.session.meta.model = describe_endpoint(self._engine.cfg)
            self.session.save_meta()
        return self._engine

    def _completer(self) -> NestedCompleter:
        from prompt_toolkit.completion import NestedCompleter

        sections: dict[str, None] = {i: None for i in self.ids}
        tree: dict[str, object] = {}
        for spec in COMMANDS:
            tree[spec.name] = None
        tree["open"] = sections
        tree["regen"] = {p: None for p in INSTRUCTION_PRESETS}
        return NestedCompleter.from_nested_dict(tree)  # type: ignore[arg-type]

    # ----------------------------------------------------------------- loop

    def run(self, *, offer_draft: bool) -> None:
        self.show_outline()
        for problem in self.session.problems:
            self.console.print(f"[red]{escape(problem)}[/]")
        todo = pending_ids(self.session.sections())
        if todo and offer_draft:
            if self._confirm(f"有 {len(todo)} 节待起草，现在起草吗？[Y/n] "):
                self.dispatch(Command("draft"))
            else:
                self.console.print("稍后可输入 draft 起草全部待起草章节。")
        elif todo:
            self.console.print(f"有 {len(todo)} 节待起草：输入 draft 起草。")
        self.console.print("输入 help 查看命令；open 序号 打开一节；quit 或 Ctrl-D 退出。")
        while True:
            try:
                line = self.prompt.prompt(f"drafter[{self.current or '-'}]> ")
            except Terminated:
                raise
            except KeyboardInterrupt:
                self.console.print("[dim]（已取消输入；quit 或 Ctrl-D 退出）[/]")
                continue
            except EOFError:
                break
            cmd = parse_command(line)
            if cmd.name == "quit":
                break
            self.dispatch(cmd)
        self.console.print(f"再见。草稿已保存在 {self.session.dir}。")

    def _confirm(self, question: str) -> bool:
        try:
            answer = self.prompt.prompt(question, completer=None)
        except Terminated:
            raise
        except (KeyboardInterrupt, EOFError):
            return False
        return answer.strip().lower() in ("", "y", "yes", "是", "好")

    def dispatch(self, cmd: Command) -> None:
        """Run one command; errors are shown in Chinese and the session goes on."""
        handlers: dict[str, Callable[[str], None]] = {
            "list": lambda _a: self.show_outline(),
            "open": self.cmd_open,
            "next": self.cmd_next,
            "regen": self.cmd_regen,
            "edit": self.cmd_edit,
            "accept": self.cmd_accept,
            "diff": self.cmd_diff,
            "undo": self.cmd_undo,
            "history": self.cmd_history,
            "sources": self.cmd_sources,
            "notes": self.cmd_notes,
            "draft": self.cmd_draft,
            "export": self.cmd_export,
            "help": lambda _a: self.show_help(),
        }
        if cmd.name == "empty":
            return
        handler = handlers.get(cmd.name)
        if handler is None:
            self.console.print(f"[red]不认识的命令：{escape(cmd.arg)}。输入 help 查看命令。[/]")
            return
        try:
            handler(cmd.arg)
        except Cancelled:
            self.console.print("[yellow]已取消，本次操作没有保存任何改动。[/]")
        except Terminated:
            raise
        except KeyboardInterrupt:
            self.console.print("[yellow]已取消。[/]")
        except DrafterError as exc:
            self.console.print(f"[bold red]错误：[/]{escape(exc.message)}")
            if exc.hint:
                self.console.print(f"[yellow]提示：[/]{escape(exc.hint)}")
        except ValueError as exc:
            self.console.print(f"[red]{escape(str(exc))}[/]")

    # -------------------------------------------------------------- display

    def show_help(self) -> None:
        print_help(self.console)

    def show_outline(self) -> None:
        print_outline(self.console, self.session, self.current)

    def show_section(self, state: SectionState) -> None:
        print_section(self.console, state, self.table)

    # ------------------------------------------------------------- commands

    def _need_section(self) -> SectionState:
        if self.current is None:
            raise DrafterError("还没有打开任何章节。", hint="先输入 open 序号 或 open 章节ID。")
        return self.session.section(self.current)

    def cmd_open(self, arg: str) -> None:
        if not arg:
            self._need_section()
            self.show_section(self.session.section(self.current or ""))
            return
        found = resolve_section(arg, self.ids)
        if found is None:
            raise DrafterError(
                f"找不到章节“{arg}”。",
                hint="输入 list 查看序号和章节ID（可用序号、ID 或 ID 开头）。",
            )
        self.current = found
        self.show_section(self.session.section(found))

    def cmd_next(self, _arg: str) -> None:
        ids = self.ids
        skip = heading_only_ids(self.session.sections())
        start = ids.index(self.current) + 1 if self.current in ids else 0
        for sid in ids[start:]:
            if sid not in skip:
                self.cmd_open(sid)
                return
        self.console.print("已是最后一节。")

    def cmd_regen(self, arg: str) -> None:
        state = self._need_section()
        instruction = arg.strip() or None
        engine = self.engine()
        previous = state.current
        label = f"正在重新起草 {state.label}" + (f"（要求：{instruction}）" if instruction else "")
        cancel = threading.Event()
        new = self._cancellable(
            lambda: regenerate_section(
                self.session,
                self.plan(),
                engine,
                state.id,
                instruction=instruction,
                on_retry=retry_printer(self.console.print),
                cancel=cancel,
            ),
            label + "…（Ctrl-C 取消）",
            cancel,
        )
        self.console.print(
            f"[green]已生成第 {new.current} 版[/]（原第 {previous or '—'} 版保留在历史中）。"
        )
        self.show_section(new)

    def cmd_edit(self, _arg: str) -> None:
        state = self._need_section()
        scratch = self.session.dir / f".edit-{state.id}.txt"
        scratch.write_text(state.text + "\n", encoding="utf-8")
        editor = editor_command()
        try:
            code = subprocess.call([*editor, str(scratch)])
            if code != 0:
                raise DrafterError(f"编辑器 {' '.join(editor)} 退出码为 {code}，未保存修改。")
            text = normalise_edit(scratch.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise DrafterError(
                f"找不到编辑器 {' '.join(editor)}。",
                hint="设置环境变量 EDITOR，如 export EDITOR=nano。",
            ) from None
        finally:
            scratch.unlink(missing_ok=True)
        if text == normalise_edit(state.text):
            self.console.print("内容没有改变，未新建版本。")
            return
        if not text:
            raise DrafterError("修改后的正文为空，未保存。", hint="如要放弃本节，请回退（undo）。")
        table = self.table()
        flags = check_edited_text(text, table) if table is not None else None
        new = state.model_copy(deep=True).add_version(edit_version(text, flags))
        self.session.save_section(new)
        self.console.print(f"[green]已保存为第 {new.current} 版（人工修改）。[/]")
        if flags:
            self.console.print(f"[bold red]数字核对：{len(flags)} 处与数据对不上[/]")
        elif flags is not None:
            self.console.print("[green]数字核对：全部与数据一致。[/]")
        self.show_section(new)

    def cmd_accept(self, _arg: str) -> None:
        state = self._need_section()
        new = state.model_copy(deep=True).accept()
        self.session.save_section(new)
        self.console.print(f"[green]已采纳 {escape(new.label)} 第 {new.current} 版。[/]")

    def cmd_undo(self, arg: str) -> None:
        state = self._need_section()
        numbers = parse_version_numbers(arg, len(state.versions))
        if numbers:
            target = numbers[0]
        elif state.current > 1:
            target = state.current - 1
        else:
            raise DrafterError("已是第 1 版，没有更早的版本。")
        new = state.model_copy(deep=True).undo_to(target)
        self.session.save_section(new)
        self.console.print(
            f"[green]已回到第 {target} 版[/]（共 {len(new.versions)} 版，之后的版本仍在历史中）。"
        )
        self.show_section(new)

    def cmd_diff(self, arg: str) -> None:
        state = self._need_section()
        numbers = parse_version_numbers(arg, len(state.versions))
        if len(numbers) >= 2:
            old_n, new_n = numbers[0], numbers[1]
        elif numbers:
            old_n, new_n = numbers[0], state.current
        elif state.current > 1:
            old_n, new_n = state.current - 1, state.current
        else:
            raise DrafterError("只有一个版本，没有可对比的。")
        lines = diff_lines(
            state.version(old_n).text, state.version(new_n).text, f"第{old_n}版", f"第{new_n}版"
        )
        if not lines:
            self.console.print(f"第 {old_n} 版与第 {new_n} 版内容相同。")
            return
        for line in lines:
            style = {"-": "red", "+": "green", "@": "cyan"}.get(line[:1], "")
            self.console.print(Text(line, style=style))

    def cmd_history(self, _arg: str) -> None:
        print_history(self.console, self._need_section())

    def cmd_sources(self, _arg: str) -> None:
        print_sources(self.console, self._need_section(), self.table)

    def cmd_notes(self, _arg: str) -> None:
        print_notes(self.console, self._need_section())

    def cmd_draft(self, _arg: str) -> None:
        todo = pending_ids(self.session.sections())
        if not todo:
            self.console.print("没有待起草的章节。")
            return
        engine = self.engine()
        plan = self.plan()
        cancel = threading.Event()
        with draft_progress(self.console) as progress:
            bar = progress.add_task("（Ctrl-C 取消）", total=len(todo))

            def on_done(task: SectionTask, _v: Version) -> None:
                progress.update(bar, advance=1, description=task.heading or task.id)

            result = self._cancellable(
                lambda: engine.run(
                    self.session,
                    plan,
                    concurrency=engine.cfg.concurrency,
                    section_ids=todo,
                    on_retry=retry_printer(progress.console.print),
                    on_section_done=on_done,
                    cancel=cancel,
                ),
                None,
                cancel,
            )
        self.console.print(f"[green]起草完成：{len(result.drafted)} 节。[/]")
        for sid, exc in result.failed.items():
            msg = exc.message if isinstance(exc, DrafterError) else str(exc)
            self.console.print(f"[red]{sid} 起草失败：{escape(msg)}[/]")
        self.show_outline()

    def cmd_export(self, _arg: str) -> None:
        from drafter.word.export import write_outputs

        paths = write_outputs(self.session)
        self.console.print("[green]已写出：[/]")
        for p in paths:
            self.console.print(f"  {p}", highlight=False)

    # ---------------------------------------------------------- operations

    def _cancellable(self, work: Callable[[], T], label: str | None, cancel: threading.Event) -> T:
        """Run ``work`` in a thread; Ctrl-C sets ``cancel`` and returns to the prompt at once.

        A cancelled run may still be waiting on the model; ``cancel`` makes it drop its
        result instead of saving it, so the draft does not change behind the user's back.
        """
        box: dict[str, object] = {}

        def target() -> None:
            try:
                box["result"] = work()
            except BaseException as exc:  # re-raised in the main thread
                box["error"] = exc

        worker = threading.Thread(target=target, name="drafter-op", daemon=True)
        status = self.console.status(label, spinner="dots") if label else contextlib.nullcontext()
        try:
            with status:
                worker.start()
                while worker.is_alive():
                    worker.join(0.1)
        except KeyboardInterrupt as exc:
            cancel.set()
            if isinstance(exc, Terminated):
                raise
            raise Cancelled from None
        if "error" in box:
            raise box["error"]  # type: ignore[misc]
        return box["result"]  # type: ignore[return-value]


def editor_command() -> list[str]:
    """$VISUAL, else $EDITOR, else the first of nano / vi found."""
    for name in ("VISUAL", "EDITOR"):
        value = os.environ.get(name, "").strip()
        if value:
            return shlex.split(value)
    for fallback in ("nano", "vi"):
        if shutil.which(fallback):
            return [fallback]
    return ["vi"]


def session(
    target: Annotated[Path, typer.Argument(help="数据文件（新建或继续草稿）或已有的草稿目录。")],
    out: Annotated[
        Path | None, typer.Option("--out", help="草稿目录（给数据文件时；默认 draft-<年份>）。")
    ] = None,
    outline: Annotated[Path | None, typer.Option("--outline", help="自定义提纲 YAML。")] = None,
    llm_base_url: LlmBaseUrlOpt = None,
    llm_model: LlmModelOpt = None,
    llm_provider: LlmProviderOpt = None,
    store: StoreOpt = None,
    chroma_url: ChromaUrlOpt = None,
    collection: CollectionOpt = None,
    allow_remote: AllowRemoteOpt = False,
) -> None:
    """交互式审阅和修改草稿：逐节查看、重写、修改、采纳、回退、对比、导出。"""
    settings = store_settings(store, chroma_url, collection, allow_remote, llm_provider)
    plan: DraftPlan | None = None
    if target.is_dir():
        directory = target
    elif target.is_file():
        store_obj = open_store_if_any(settings, quiet=True) if outline is None else None
        plan = plan_draft(target, outline, store=cast("HouseStore | None", store_obj))
        directory = out or Path(f"draft-{plan.figures.year}")
    else:
        raise DrafterError(
            f"找不到 {target}。", hint="给出数据文件（.yaml/.xlsx/.csv）或已有的草稿目录。"
        )
    console = Console()
    with contextlib.ExitStack() as stack:
        stack.enter_context(lock_session_dir(directory))
        if plan is not None:
            sess = open_or_create_session(directory, plan, None)
        else:
            sess = Session.open(directory)
        repl = Repl(
            sess,
            settings,
            console=console,
            stack=stack,
            plan=plan,
            base_url=llm_base_url,
            model=llm_model,
            allow_remote=allow_remote,
        )
        repl.run(offer_draft=plan is not None)
