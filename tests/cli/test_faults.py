"""Injected faults, end to end: each ends in a clear Chinese message and loses nothing.

FAULTS below is the one list of injected faults; its length is the count the README
gives. Every scenario runs the real command line in subprocesses against loopback
servers only (the stub OpenAI-compatible model and embedding server, a real
`chroma run`, the stub standing in for llama.cpp) and checks the same promises:

1. the command ends with exit code 2, a Chinese message on stderr naming the fault, and
   no Python traceback (or, for faults that can be survived, it carries on and says so);
2. what is stored stays readable — ``drafter status DIR --json``, ``drafter corpus list
   --json``, ``drafter search`` — with every section or document finished before the
   fault kept whole, and what a person accepted or edited never replaced;
3. rerunning the same command once the fault is gone completes the rest and only the
   rest (no finished section is drafted again, no finished document stored again).

System packages: none beyond Python (the Chroma server is the ``chroma`` CLI of the
chromadb wheel). Run as root, the read-only-store scenario drops root's permission
override (CAP_DAC_OVERRIDE) from the command it starts, since file modes bind root only
then. A full disk is a file-size limit (RLIMIT_FSIZE) on the command: no file of the store
can grow, which SQLite meets exactly as it meets a full disk, and needs no privileges.
"""

from __future__ import annotations

import contextlib
import ctypes
import itertools
import json
import os
import resource
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from conftest import EXAMPLES, write_small_corpus

from drafter.review.session import Session
from drafter.review.workflow import plan_draft
from drafter.testing import (
    EMBEDDINGS_PATH,
    Fault,
    FaultContext,
    Predicate,
    Reply,
    ScriptedDrafter,
    StubLLMServer,
    close_connection,
    empty_content,
    hang,
    malformed_json,
    status,
    truncated,
)

FIGURES = EXAMPLES / "figures-2025.yaml"
#: Sections with text, in the order a one-at-a-time run drafts them.
TEXT_IDS = [t.id for t in plan_draft(FIGURES, None).tasks if not t.container]
#: Sections a run finishes before the fault strikes.
DONE_BEFORE = 3
#: Documents an ingest stores before the fault strikes.
DOCS_BEFORE = 2
MAX_RETRIES = 2  # DRAFTER_LLM_MAX_RETRIES in these runs: three calls per failing section

CLI_ENV = {
    "COLUMNS": "200",  # Rich wraps at the terminal width; keep messages on one line
    "DRAFTER_DRAFT_MODE": "slots",  # ScriptedDrafter writes whole sections with slots
    "DRAFTER_LLM_CONCURRENCY": "1",  # sections one at a time: "the first 3" is exact
    "DRAFTER_LLM_MAX_RETRIES": str(MAX_RETRIES),
    "DRAFTER_LLM_BACKOFF": "0.01",
    "DRAFTER_LLM_TIMEOUT": "3",  # a hung call gives up after 3 s
    "DRAFTER_REQUEST_TIMEOUT": "2",
}
EDITED_TEXT = "一是人工修改的段落，突出重点工作和下一步打算。"


# --------------------------------------------------------------------------- helpers


def cli(
    *args: str,
    cwd: Path,
    env: dict[str, str] | None = None,
    expect: int = 0,
    preexec_fn: Callable[[], None] | None = None,
    timeout: float = 300,
) -> subprocess.CompletedProcess[str]:
    """Run `drafter ARGS` as a user would; never a traceback, always the expected exit code."""
    result = subprocess.run(
        [sys.executable, "-m", "drafter.cli.main", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **CLI_ENV, **(env or {})},
        preexec_fn=preexec_fn,
    )
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == expect, f"exit {result.returncode}\n{result.stderr}"
    return result


def flat(text: str) -> str:
    return text.replace("\n", "")


def assert_clear_error(result: subprocess.CompletedProcess[str], *expected: str) -> str:
    """Exit code 2, one Chinese error line naming the fault, no traceback."""
    err = flat(result.stderr)
    assert result.returncode == 2, result.stderr
    assert "错误：" in err, result.stderr
    for text in expected:
        assert text in err, f"{text!r} missing from:\n{result.stderr}"
    return err


def after(n: int) -> Predicate:
    """Matches every request after the first ``n`` (counted on the path it guards)."""
    seen = itertools.count(1)
    return lambda _body: next(seen) > n


def shut_down(server: StubLLMServer) -> Fault:
    """The endpoint goes away: this call is dropped and every later one is refused."""

    def apply(_ctx: FaultContext) -> Reply:
        threading.Thread(target=server.close, daemon=True).start()
        return Reply(drop=True)

    return Fault("shut_down", apply)


def gate(opened: threading.Event) -> Fault:
    """Hold the call until ``opened`` is set (the test does something meanwhile)."""

    def apply(ctx: FaultContext) -> Reply:
        while not opened.is_set():
            if not ctx.wait(0.05):
                return Reply(drop=True)
        return ctx.normal()

    return Fault("gate", apply)


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


# ---------------------------------------------------------------- drafting helpers


def draft_args(base_url: str, *extra: str) -> list[str]:
    return [
        "draft",
        str(FIGURES),
        "--out",
        "d",
        "--store",
        "nostore",
        "--llm-base-url",
        base_url,
        "--llm-model",
        "stub-model",
        *extra,
    ]


def status_rows(tmp_path: Path) -> dict[str, dict[str, Any]]:
    """`drafter status d --json`, by section id; the directory must read without problems."""
    out = json.loads(cli("status", "d", "--json", cwd=tmp_path).stdout)
    assert out["problems"] == []
    return {row["id"]: row for row in out["sections"]}


def drafted_ids(rows: dict[str, dict[str, Any]]) -> list[str]:
    return [i for i in TEXT_IDS if rows[i]["version"]]


def touch_like_a_person(directory: Path) -> tuple[str, str]:
    """Accept the first finished section and edit the second, as `drafter session` does."""
    accepted, edited = TEXT_IDS[0], TEXT_IDS[1]
    session = Session.open(directory)
    with session.lock():
        session.save_section(session.section(accepted).accept())
        session.save_section(session.section(edited).edit(EDITED_TEXT))
    return accepted, edited


def resume_and_check(tmp_path: Path, done_before: list[str]) -> None:
    """Rerun on a healthy endpoint: only the unfinished sections are drafted; nothing lost."""
    accepted, edited = touch_like_a_person(tmp_path / "d")
    before = Session.open(tmp_path / "d")
    kept = {s.id: s.model_dump() for s in before.sections() if s.id in done_before}
    left = [i for i in TEXT_IDS if i not in done_before]
    with StubLLMServer(ScriptedDrafter()) as healthy:
        result = cli(*draft_args(healthy.base_url), cwd=tmp_path)
        assert healthy.calls == len(left)  # one call per unfinished section, none again
    assert f"只起草其余 {len(left)} 节" in flat(result.stderr)
    after_run = Session.open(tmp_path / "d")
    assert after_run.problems == []
    for section in after_run.sections():
        if section.id in kept:
            assert section.model_dump() == kept[section.id]  # untouched, byte for byte
        elif section.id in left:
            assert len(section.versions) == 1 and section.state in ("drafted", "flagged")
    assert after_run.section(accepted).state == "accepted"
    assert after_run.section(edited).text == EDITED_TEXT
    draft_md = (tmp_path / "d" / "draft.md").read_text(encoding="utf-8")
    assert EDITED_TEXT in draft_md and "（本节尚未起草）" not in draft_md


# ------------------------------------------------------------ chat endpoint faults


def chat_fault_midway(
    tmp_path: Path, *, fault: Callable[[StubLLMServer], Fault], message: str, calls: int
) -> None:
    """The endpoint fails for good after 3 sections: stop, keep them, resume later.

    ``calls`` is how many calls the run makes after the fault strikes: when the fault
    is the endpoint's (bad key, server gone …) only the failing section's attempts, as
    no other section is started; when it may be the prompt's (an empty answer), every
    remaining section is still tried.
    """
    with StubLLMServer(ScriptedDrafter()) as server:
        server.fail_when(after(DONE_BEFORE), fault(server))
        result = cli(*draft_args(server.base_url), cwd=tmp_path, expect=2)
        assert server.calls == DONE_BEFORE + calls
    assert_clear_error(result, message, f"已起草并保存 {DONE_BEFORE} 节")
    rows = status_rows(tmp_path)
    assert drafted_ids(rows) == TEXT_IDS[:DONE_BEFORE]
    assert all(rows[i]["state"] == "pending" for i in TEXT_IDS[DONE_BEFORE:])
    resume_and_check(tmp_path, TEXT_IDS[:DONE_BEFORE])


def chat_fault_transient(tmp_path: Path, *, fault: Fault, times: int) -> None:
    """The endpoint fails a few times and recovers: retried with a notice, nothing shows."""
    with StubLLMServer(ScriptedDrafter()) as server:
        server.fail_when(after(DONE_BEFORE), fault, times=times)
        result = cli(*draft_args(server.base_url), cwd=tmp_path)
        assert server.calls == len(TEXT_IDS) + times
    assert "重试" in result.stderr
    rows = status_rows(tmp_path)
    assert drafted_ids(rows) == TEXT_IDS
    assert all(rows[i]["origin"] == "model" for i in TEXT_IDS)


def chat_truncated_output(tmp_path: Path) -> None:
    """Answers cut at the length limit lose figures: re-prompted, then written by code."""
    with StubLLMServer(ScriptedDrafter()) as server:
        server.fail_when(after(DONE_BEFORE), truncated("length", keep=0.3))
        cli(*draft_args(server.base_url), cwd=tmp_path)
    rows = status_rows(tmp_path)
    assert drafted_ids(rows) == TEXT_IDS
    for i in TEXT_IDS[DONE_BEFORE:]:
        assert rows[i]["origin"] == "fallback" and rows[i]["state"] == "flagged"
        assert any("程序按数据生成" in f for f in rows[i]["flags"])
    review = (tmp_path / "d" / "review.md").read_text(encoding="utf-8")
    assert "程序兜底" in review
    checked = cli("check", "d/draft.md", "--figures", str(FIGURES), "--json", cwd=tmp_path)
    assert json.loads(checked.stdout) == {"flagged": []}  # every number is still right


# ------------------------------------------------------------------ ingest helpers


def embedding_env(server: StubLLMServer) -> dict[str, str]:
    return {
        "DRAFTER_EMBEDDING": "openai",
        "DRAFTER_EMBEDDING_BASE_URL": server.base_url,
        "DRAFTER_EMBEDDING_MODEL": "stub-embedding",
    }


def where(chroma_url: str | None) -> list[str]:
    """The store option: the embedded store ./store, or a Chroma server."""
    return ["--chroma-url", chroma_url] if chroma_url else ["--store", "store"]


def documents(
    cwd: Path, env: dict[str, str], chroma_url: str | None = None
) -> tuple[dict[str, int], int]:
    """`drafter corpus list/stats --json`: (file name → chunks per document, chunks in all)."""
    listed = json.loads(
        cli("corpus", "list", "--json", *where(chroma_url), cwd=cwd, env=env).stdout
    )
    stats = json.loads(
        cli("corpus", "stats", "--json", *where(chroma_url), cwd=cwd, env=env).stdout
    )
    by_name = {Path(d["source"]).name: d["n_chunks"] for d in listed}
    assert all(n > 0 for n in by_name.values())
    assert stats["documents"] == len(listed)
    return by_name, int(stats["chunks"])


def search_sources(cwd: Path, env: dict[str, str], chroma_url: str | None = None) -> set[str]:
    """The source files of `drafter search` hits (there must be some)."""
    args = ["search", "高新技术企业", "--json", "--k", "5", *where(chroma_url)]
    hits = json.loads(cli(*args, cwd=cwd, env=env).stdout)
    assert hits
    return {Path(h["source"]).name for h in hits}


def ingest(
    cwd: Path,
    env: dict[str, str],
    chroma_url: str | None = None,
    *,
    expect: int = 0,
    preexec_fn: Callable[[], None] | None = None,
) -> subprocess.CompletedProcess[str]:
    args = ["ingest", "docs", *where(chroma_url), "--json"]
    return cli(*args, cwd=cwd, env=env, expect=expect, preexec_fn=preexec_fn)


def statuses(result: subprocess.CompletedProcess[str]) -> list[str]:
    return [f["status"] for f in json.loads(result.stdout)["files"]]


def stored_before_the_fault(
    cwd: Path, env: dict[str, str], names: list[str], chroma_url: str | None = None
) -> None:
    """Exactly the documents finished before the fault are listed, each whole, and found."""
    listed, chunks = documents(cwd, env, chroma_url)
    assert sorted(listed) == names[:DOCS_BEFORE]
    assert chunks == sum(listed.values())  # no chunk of the failed document is left over
    assert search_sources(cwd, env, chroma_url) <= set(names[:DOCS_BEFORE])


def resume_ingest(
    cwd: Path, env: dict[str, str], names: list[str], chroma_url: str | None = None
) -> None:
    """Rerun: the documents stored before the fault are unchanged, the rest are added."""
    again = ingest(cwd, env, chroma_url)
    assert statuses(again) == ["unchanged"] * DOCS_BEFORE + ["added"] * (len(names) - DOCS_BEFORE)
    final, chunks = documents(cwd, env, chroma_url)
    assert sorted(final) == names
    assert chunks == sum(final.values())


# --------------------------------------------------------------- embedding faults


def embedding_fault_midway(tmp_path: Path, *, fault: Fault, message: str) -> None:
    """The embedding engine fails at the third document: the first two stay whole."""
    names = [p.name for p in write_small_corpus(tmp_path / "docs")]
    with StubLLMServer() as server:
        env = embedding_env(server)
        server.schedule(fault, times=None, when=after(DOCS_BEFORE), path=EMBEDDINGS_PATH)
        result = ingest(tmp_path, env, expect=2)
        assert_clear_error(
            result, message, f"导入 docs/{names[DOCS_BEFORE]} 时出错", "此前的 2 个文件已完整入库"
        )
        server.clear_faults()
        stored_before_the_fault(tmp_path, env, names)
        resume_ingest(tmp_path, env, names)


# ------------------------------------------------------------------- store faults


def _without_root_powers() -> None:
    """Run as root minus the capabilities that let root write where permissions forbid.

    CAP_DAC_OVERRIDE / CAP_DAC_READ_SEARCH are dropped from the bounding set, so after
    exec the process obeys file modes like any user (it still owns its own files).
    """
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
        if libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


PR_CAPBSET_DROP = 24


def as_plain_user() -> Callable[[], None] | None:
    """What makes file modes bind the commands (None when not root: they already do)."""
    if os.geteuid() != 0:
        return None
    try:
        subprocess.run(["true"], check=True, preexec_fn=_without_root_powers)
    except (OSError, subprocess.SubprocessError):
        pytest.skip("running as root without CAP_SETPCAP: file modes cannot be made to bind")
    return _without_root_powers


def chmod_tree(top: Path, *, writable: bool) -> None:
    for path in [top, *top.rglob("*")]:
        if path.is_dir():
            path.chmod(0o755 if writable else 0o555)
        else:
            path.chmod(0o644 if writable else 0o444)


def store_bytes(store: Path) -> dict[str, bytes]:
    return {str(p.relative_to(store)): p.read_bytes() for p in store.rglob("*") if p.is_file()}


def ingest_first_two(tmp_path: Path, env: dict[str, str], names: list[str]) -> None:
    """A store holding the first two documents (by the same paths a later run uses)."""
    cli(
        "ingest",
        *(f"docs/{n}" for n in names[:DOCS_BEFORE]),
        "--store",
        "store",
        cwd=tmp_path,
        env=env,
    )


def store_read_only(tmp_path: Path) -> None:
    """The store directory cannot be written: every command says so; nothing is touched."""
    names = [p.name for p in write_small_corpus(tmp_path / "docs")]
    store = tmp_path / "store"
    with StubLLMServer() as server:
        env = embedding_env(server)
        plain_user = as_plain_user()
        ingest_first_two(tmp_path, env, names)
        chmod_tree(store, writable=False)
        before = store_bytes(store)
        try:
            result = ingest(tmp_path, env, expect=2, preexec_fn=plain_user)
            assert_clear_error(
                result, str(store), "不可写（只读或权限不足）", "库中已有内容不受影响"
            )
            # Chroma writes even to open a store for reading: listing is refused as clearly.
            listing = cli(
                "corpus",
                "list",
                "--store",
                "store",
                cwd=tmp_path,
                env=env,
                expect=2,
                preexec_fn=plain_user,
            )
            assert_clear_error(listing, "不可写（只读或权限不足）")
            assert store_bytes(store) == before  # not one byte written
        finally:
            chmod_tree(store, writable=True)
        stored_before_the_fault(tmp_path, env, names)
        resume_ingest(tmp_path, env, names)


def _file_size_limit(limit: int) -> Callable[[], None]:
    """A process whose files cannot grow past ``limit`` bytes: a full disk, as Chroma sees it.

    SIGXFSZ is ignored so the write fails with EFBIG (as it would with ENOSPC) instead of
    the process being killed; ignored signals stay ignored across exec.
    """

    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def store_disk_full(tmp_path: Path) -> None:
    """The disk fills up while the third document is written: it is not half-stored."""
    names = [p.name for p in write_small_corpus(tmp_path / "docs")]
    with StubLLMServer() as server:
        env = embedding_env(server)
        ingest_first_two(tmp_path, env, names)
        # No file of the store may grow any more: the database cannot take one more row.
        largest = max(p.stat().st_size for p in (tmp_path / "store").rglob("*") if p.is_file())
        result = ingest(tmp_path, env, expect=2, preexec_fn=_file_size_limit(largest))
        assert_clear_error(
            result,
            "磁盘已满或无法写入",
            "此前已入库的内容完好",
            f"导入 docs/{names[DOCS_BEFORE]} 时出错",
            f"此前的 {DOCS_BEFORE} 个文件已完整入库",
        )
        stored_before_the_fault(tmp_path, env, names)
        resume_ingest(tmp_path, env, names)


# ------------------------------------------------------------------ Chroma server


CHROMA = Path(sys.executable).parent / "chroma"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


@dataclass
class ChromaServer:
    url: str
    process: subprocess.Popen[bytes]

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=30)


@contextlib.contextmanager
def chroma_server(data: Path) -> Iterator[ChromaServer]:
    """A real `chroma run` on loopback, killed on exit."""
    port = free_port()
    log = data.parent / f"chroma-{port}.log"
    with log.open("ab") as out:
        process = subprocess.Popen(
            [str(CHROMA), "run", "--path", str(data), "--host", "127.0.0.1", "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = ChromaServer(f"http://127.0.0.1:{port}", process)
    try:

        def answers() -> bool:
            assert process.poll() is None, log.read_text(errors="replace")[-2000:]
            try:
                with urllib.request.urlopen(f"{server.url}/api/v2/heartbeat", timeout=2) as r:
                    return bool(r.status == 200)
            except OSError:
                return False

        wait_until(answers, "chroma run to answer", timeout=60)
        yield server
    finally:
        server.kill()


def chroma_server_dies_mid_ingest(tmp_path: Path) -> None:
    """The Chroma server is killed while a document is embedded: stop, keep, resume."""
    names = [p.name for p in write_small_corpus(tmp_path / "docs")]
    data = tmp_path / "chroma-data"
    opened = threading.Event()
    with StubLLMServer() as embedder:
        env = embedding_env(embedder)
        embedder.schedule(gate(opened), times=1, when=after(DOCS_BEFORE), path=EMBEDDINGS_PATH)
        with chroma_server(data) as server:
            proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "drafter.cli.main",
                    "ingest",
                    "docs",
                    "--json",
                    "--chroma-url",
                    server.url,
                ],
                cwd=tmp_path,
                env={**os.environ, **CLI_ENV, **env},
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            try:
                wait_until(
                    lambda: embedder.call_counts.get(EMBEDDINGS_PATH, 0) > DOCS_BEFORE,
                    "the third document to be embedded",
                )
                server.kill()  # mid-run: two documents stored, the third on its way
                opened.set()
                stdout, stderr = proc.communicate(timeout=120)
            finally:
                if proc.poll() is None:
                    proc.kill()
        result = subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)
        assert "Traceback" not in stderr
        assert_clear_error(
            result, "无法连接 Chroma 服务", "chroma run", f"导入 docs/{names[DOCS_BEFORE]} 时出错"
        )
        with chroma_server(data) as restarted:  # the same data, a new server
            stored_before_the_fault(tmp_path, env, names, restarted.url)
            resume_ingest(tmp_path, env, names, restarted.url)


# ------------------------------------------------------------- local model server


def local_env(tmp_path: Path) -> dict[str, str]:
    command = [
        sys.executable,
        "-m",
        "drafter.testing.stub_llm",
        "--port",
        "{port}",
        "--latency",
        "0.4",
        "--verbose",
    ]
    return {
        "DRAFTER_CACHE_DIR": str(tmp_path / "cache"),
        "DRAFTER_LOCAL_SERVER_COMMAND": json.dumps(command),
        "DRAFTER_STORE": str(tmp_path / "no-store"),
    }


def local_server_dies_mid_draft(tmp_path: Path) -> None:
    """The bundled model server is killed mid-draft: named as such, sections kept, resumable."""
    env = local_env(tmp_path)
    state = tmp_path / "cache" / "models" / "server.json"
    log = tmp_path / "cache" / "models" / "server.log"

    def served() -> int:
        return (
            log.read_text(errors="replace").count("POST /v1/chat/completions")
            if log.exists()
            else 0
        )

    proc = subprocess.Popen(
        [sys.executable, "-m", "drafter.cli.main", "draft", str(FIGURES), "--out", "d"],
        cwd=tmp_path,
        env={**os.environ, **CLI_ENV, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_until(lambda: served() >= DONE_BEFORE, "three sections from the local server")
        pid = json.loads(state.read_text(encoding="utf-8"))["pid"]
        time.sleep(0.15)  # the fourth call is waiting in the server (latency 0.4 s)
        os.kill(pid, signal.SIGKILL)
        stdout, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    result = subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)
    assert "Traceback" not in stderr
    assert_clear_error(
        result,
        "内置本地模型服务在运行中意外退出（被信号 9 终止）",
        "server.log",
        f"已起草并保存 {DONE_BEFORE} 节",
    )
    assert not state.exists()  # no dead server left on record
    rows = status_rows(tmp_path)
    assert drafted_ids(rows) == TEXT_IDS[:DONE_BEFORE]
    again = cli("draft", str(FIGURES), "--out", "d", cwd=tmp_path, env=env)
    assert f"只起草其余 {len(TEXT_IDS) - DONE_BEFORE} 节" in flat(again.stderr)
    assert drafted_ids(status_rows(tmp_path)) == TEXT_IDS


# ----------------------------------------------------------------- the fault list


def fault(name: str, scenario: Callable[[Path], None], *, slow: bool = True) -> Any:
    """One injected fault (slow: over ~10 s, mostly CLI start-ups; CI runs them all)."""
    return pytest.param(scenario, id=name, marks=[pytest.mark.slow] if slow else [])


def chat_fails(make: Callable[[StubLLMServer], Fault], message: str, calls: int) -> Any:
    return partial(chat_fault_midway, fault=make, message=message, calls=calls)


def chat_recovers(injected: Fault, times: int) -> Any:
    return partial(chat_fault_transient, fault=injected, times=times)


def embedding_fails(injected: Fault, message: str) -> Any:
    return partial(embedding_fault_midway, fault=injected, message=message)


RETRIED = MAX_RETRIES + 1  # calls of a section whose every attempt fails
EVERY_SECTION = (len(TEXT_IDS) - DONE_BEFORE) * RETRIED  # each remaining section tried

FAULTS = [
    # The chat endpoint fails for good after three sections (the run stops, resumes later).
    fault(
        "chat-429",
        chat_fails(lambda s: status(429, retry_after=0), "服务繁忙（429）", RETRIED),
        slow=False,
    ),
    fault("chat-500", chat_fails(lambda s: status(500), "服务端错误（500）", RETRIED), slow=False),
    fault("chat-401", chat_fails(lambda s: status(401), "API 密钥无效（401）", 1), slow=False),
    fault(
        "chat-404-model",
        chat_fails(
            lambda s: status(404, error_code="model_not_found"), "模型 stub-model 不存在", 1
        ),
        slow=False,
    ),
    fault(
        "chat-malformed-json",
        chat_fails(lambda s: malformed_json(), "无法解析的响应", RETRIED),
        slow=False,
    ),
    fault(
        "chat-empty-content",
        chat_fails(lambda s: empty_content(), "模型返回了空内容", EVERY_SECTION),
    ),
    fault(
        "chat-truncated-to-nothing",
        chat_fails(lambda s: truncated(keep=0), "达到长度上限且没有正文", EVERY_SECTION),
    ),
    fault("chat-hang", chat_fails(lambda s: hang(60), "请求超时", RETRIED)),
    fault(
        "chat-connection-dropped",
        chat_fails(lambda s: close_connection(), "连接中断", RETRIED),
        slow=False,
    ),
    fault("chat-connection-refused", chat_fails(shut_down, "连接被拒绝", 1), slow=False),
    # Faults a run survives: answers cut short, and outages that retries bridge.
    fault("chat-truncated-output", chat_truncated_output, slow=False),
    fault("chat-429-twice", chat_recovers(status(429, retry_after=0), 2), slow=False),
    fault("chat-503-twice", chat_recovers(status(503), 2), slow=False),
    fault("chat-malformed-once", chat_recovers(malformed_json(), 1), slow=False),
    fault("chat-hang-once", chat_recovers(hang(60), 1)),
    # The embedding engine fails at the third document of five.
    fault("embedding-500", embedding_fails(status(500), "返回错误（HTTP 500）")),
    fault("embedding-connection-dropped", embedding_fails(close_connection(), "无法连接嵌入服务")),
    fault("embedding-hang", embedding_fails(hang(60), "秒内没有响应")),
    fault("embedding-malformed-json", embedding_fails(malformed_json(), "无法解析的响应")),
    # The store, and the servers behind the store and the model.
    fault("store-read-only", store_read_only),
    fault("store-disk-full", store_disk_full),
    fault("chroma-server-killed", chroma_server_dies_mid_ingest),
    fault("local-model-killed", local_server_dies_mid_draft),
]


@pytest.mark.parametrize("scenario", FAULTS)
def test_fault_ends_clearly_and_loses_nothing(
    scenario: Callable[[Path], None], tmp_path: Path
) -> None:
    scenario(tmp_path)
