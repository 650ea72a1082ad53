"""The API keys never reach the disk: every file a full run writes is scanned for them.

One run does everything a writer does, with the chat key, the embedding key and an
OPENAI_API_KEY each set to a unique marker, against loopback stubs that refuse any other
key (so the keys were really used): ingest, search, corpus commands, draft (also
through the bundled-server path and once with a refused key, so error paths are
covered), status, regenerate, an interactive session, check, export with review copies,
compare with an HTML report, config. HOME, TMPDIR and the cache directory point into
the test directory, so every file the run writes is under it; each is scanned for every
marker raw, hex, URL-encoded, UTF-16, JSON-escaped and base64 (at all three alignments),
and so is everything the commands printed.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.parse
import uuid
from pathlib import Path

from conftest import EXAMPLES
from test_concurrency_cli import pty_session

from drafter.testing import ScriptedDrafter, StubLLMServer

FIGURES = EXAMPLES / "figures-2025.yaml"
LAST_YEAR = EXAMPLES / "示例县科学技术局2024年工作总结及2025年工作打算.txt"


def leaked_forms(secret: str) -> list[bytes]:
    """Byte strings any of which in a file means the secret was written down."""
    raw = secret.encode("utf-8")
    forms = {
        raw,
        raw.hex().encode(),
        raw.hex().upper().encode(),
        urllib.parse.quote(secret, safe="").encode(),
        secret.encode("utf-16-le"),
        secret.encode("utf-16-be"),
        json.dumps(secret)[1:-1].encode(),
        secret.split("-")[-1].encode(),  # the random part alone (a masked prefix)
    }
    for encode in (base64.b64encode, base64.urlsafe_b64encode):
        for pad in range(3):  # the secret may start at any offset within a base64 stream
            text = encode(b"\0" * pad + raw)
            first, last = -(-8 * pad // 6), (8 * pad + 8 * len(raw)) // 6
            forms.add(text[first:last])
    return sorted(forms)


def scan(root: Path, secrets: list[str]) -> tuple[list[str], int]:
    """(files holding a secret in any form, number of files scanned) under ``root``."""
    patterns = [form for s in secrets for form in leaked_forms(s)]
    hits: list[str] = []
    scanned = 0
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path.is_symlink():
            continue
        data = path.read_bytes()
        scanned += 1
        if any(p in data for p in patterns):
            hits.append(str(path))
    return hits, scanned


def test_the_scanner_finds_a_planted_secret_in_every_form(tmp_path: Path) -> None:
    secret = f"sk-plant-{uuid.uuid4().hex}"
    blobs = {
        "raw.txt": f"key={secret}".encode(),
        "b64.bin": base64.b64encode(b"xy" + secret.encode() + b"tail"),
        "url.log": urllib.parse.quote(f"a b {secret}").encode(),
        "u16.dat": f"({secret})".encode("utf-16-le"),
        "masked.txt": f"sk-***{secret.split('-')[-1]}".encode(),
    }
    for name, data in blobs.items():
        (tmp_path / name).write_bytes(data)
    (tmp_path / "clean.txt").write_text("nothing here", encoding="utf-8")
    hits, scanned = scan(tmp_path, [secret])
    assert sorted(Path(h).name for h in hits) == sorted(blobs)
    assert scanned == len(blobs) + 1


class Run:
    """Commands of one full run; every output is kept for the final scan."""

    def __init__(self, cwd: Path, env: dict[str, str]) -> None:
        self.cwd = cwd
        self.env = env
        self.printed: list[str] = []

    def __call__(self, *args: str, expect: int = 0, **extra: str) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "drafter.cli.main", *args],
            cwd=self.cwd,
            capture_output=True,
            text=True,
            timeout=300,
            env={**self.env, **extra},
        )
        self.printed += [result.stdout, result.stderr]
        assert "Traceback" not in result.stderr, result.stderr
        assert result.returncode == expect, f"{args}: exit {result.returncode}\n{result.stderr}"
        return result.stdout


def test_no_file_written_by_a_full_run_holds_an_api_key(tmp_path: Path) -> None:
    keys = {
        "DRAFTER_LLM_API_KEY": f"sk-llm-{uuid.uuid4().hex}",
        "DRAFTER_EMBEDDING_API_KEY": f"sk-emb-{uuid.uuid4().hex}",
        "OPENAI_API_KEY": f"sk-oai-{uuid.uuid4().hex}",
    }
    work, home, tmp = tmp_path / "work", tmp_path / "home", tmp_path / "tmp"
    for d in (work, home, tmp, work / "docs", work / "out"):
        d.mkdir(parents=True, exist_ok=True)
    for f in EXAMPLES.glob("*2023*.txt"):
        shutil.copy(f, work / "docs" / f.name)
    config = home / "config.toml"
    config.write_text('collection = "secret_scan"\n', encoding="utf-8")
    local_stub = [
        sys.executable,
        "-m",
        "drafter.testing.stub_llm",
        "--port",
        "{port}",
        "--verbose",
    ]
    with (
        StubLLMServer(ScriptedDrafter(), api_key=keys["DRAFTER_LLM_API_KEY"]) as chat,
        StubLLMServer(api_key=keys["DRAFTER_EMBEDDING_API_KEY"]) as embedder,
        StubLLMServer(ScriptedDrafter(), api_key="sk-some-other-key") as refusing,
    ):
        env = {
            **os.environ,
            **keys,
            "HOME": str(home),
            "TMPDIR": str(tmp),
            "XDG_CACHE_HOME": str(home / ".cache"),
            "XDG_CONFIG_HOME": str(home / ".config"),
            "DRAFTER_CONFIG": str(config),
            "DRAFTER_CACHE_DIR": str(home / ".cache" / "drafter"),
            "DRAFTER_EMBEDDING": "openai",
            "DRAFTER_EMBEDDING_BASE_URL": embedder.base_url,
            "DRAFTER_EMBEDDING_MODEL": "stub-embedding",
            "DRAFTER_STORE": str(work / "store"),
            "DRAFTER_DRAFT_MODE": "slots",
            "DRAFTER_LLM_BACKOFF": "0.01",
            "COLUMNS": "200",
        }
        run = Run(work, env)
        model = ["--llm-base-url", chat.base_url, "--llm-model", "stub-model"]

        run("ingest", "docs")
        run("search", "科技特派员", "--json")
        run("corpus", "list", "--json")
        run("corpus", "stats", "--json")
        run("corpus", "show", "示例县科学技术局2023年工作总结及2024年工作打算.txt")
        run("config", "--json")
        run("draft", str(FIGURES), "--out", "d", *model)
        run("status", "d", "--json")
        run("regenerate", "d", "--section", "area_ip", "--instruction", "更简洁", *model)
        run("check", "d/draft.md", "--figures", str(FIGURES), "--json")
        run("export", "d", "--review", "--date", "2026-01-15")
        run("export", "d", "--format", "md", "--review", "--out", "out/draft.md")
        run("compare", "d", str(LAST_YEAR), "--figures", str(FIGURES), "--html", "out/c.html")
        # The bundled-model path (a stub stands in for llama.cpp; its log is scanned too).
        run(
            "draft",
            str(FIGURES),
            "--out",
            "local",
            DRAFTER_LOCAL_SERVER_COMMAND=json.dumps(local_stub),
        )
        # An error path: the endpoint refuses the key; the message must not repeat it.
        refused = ["--llm-base-url", refusing.base_url, "--llm-model", "stub-model"]
        run("draft", str(FIGURES), "--out", "refused", *refused, expect=2)
        # The interactive session: open a section, accept it, quit (history file written).
        with pty_session(
            [sys.executable, "-m", "drafter.cli.main", "session", "d", *model], work, env
        ) as term:
            term.wait_for("drafter[-]>")
            term.send("open area_ip")
            term.wait_for("drafter[area_ip]>")
            term.send("accept")
            term.wait_for("已采纳")
            term.send("quit")
            deadline = time.monotonic() + 60
            while term.proc.poll() is None:
                assert time.monotonic() < deadline, term.screen[-2000:]
                term._pump(0.1)
            run.printed.append(term.screen)
        assert term.proc.returncode == 0

        # The keys were really in use: the stubs refuse anything else.
        assert chat.calls > 0 and all(r.authorization_present for r in chat.chat_requests)
        assert embedder.call_counts.get("/v1/embeddings", 0) > 0
        assert refusing.calls > 0

    written = {
        work / "store" / "chroma.sqlite3",
        work / "d" / "session.json",
        work / "d" / "sections" / "area_ip.json",
        work / "d" / "draft.docx",
        work / "d" / "draft-review.docx",
        work / "d" / ".drafter_history",
        work / "out" / "c.html",
        work / "refused" / "session.json",
        home / ".cache" / "drafter" / "models" / "server.log",
    }
    missing = [str(p) for p in written if not p.is_file()]
    assert not missing, f"the run did not write {missing}"
    hits, scanned = scan(tmp_path, list(keys.values()))
    assert hits == []
    assert scanned >= 40
    printed = "\n".join(run.printed).encode("utf-8")
    for secret in keys.values():
        assert not any(form in printed for form in leaked_forms(secret))
