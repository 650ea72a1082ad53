"""Light commands start light: `version`, `config`, `status`, `check`, `export` and `lint`
import none of chromadb, openai or langchain (they cost seconds on a 2-core machine);
`regenerate` imports langchain-core's messages and nothing heavier: its chat client is
plain HTTP on the standard library (the openai SDK alone costs 0.6 s or more)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from drafter.testing import ScriptedDrafter, StubLLMServer
from drafter.testing.sessions import drafted_session

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
FIGURES = EXAMPLES / "figures-2025.yaml"
HEAVY = ("chromadb", "openai", "langchain_core", "langchain_openai", "langchain")

PROBE = """
import json, sys
args, watched = json.loads(sys.argv[1]), set(json.loads(sys.argv[2]))
sys.argv = ["drafter", *args]
from drafter.cli.main import run
try:
    run()
except SystemExit as exc:
    code = exc.code
else:
    code = 0
heavy = sorted(w for w in watched if w in sys.modules)
print("PROBE" + json.dumps({"code": code, "heavy": heavy}), file=sys.stderr)
"""


def _probe(args: list[str], cwd: Path) -> dict[str, object]:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(args), json.dumps(HEAVY)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "Traceback" not in result.stderr, result.stderr
    line = next(ln for ln in result.stderr.splitlines() if ln.startswith("PROBE"))
    return dict(json.loads(line[len("PROBE") :]))


@pytest.fixture(scope="module")
def draft_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("startup") / "d"
    drafted_session(directory, FIGURES)
    return directory


@pytest.mark.parametrize(
    "command",
    [
        ["version"],
        ["config"],
        ["status", "{d}"],
        ["check", "{d}/draft.md", "--figures", str(FIGURES)],
        ["export", "{d}", "--format", "md"],
        ["lint", "{d}/draft.md"],
        ["status", "/no/such/dir"],  # the error path too
    ],
)
def test_light_commands_import_no_heavy_library(command: list[str], draft_dir: Path) -> None:
    args = [a.replace("{d}", str(draft_dir)) for a in command]
    probe = _probe(args, draft_dir.parent)
    assert probe["heavy"] == [], (args, probe)
    assert probe["code"] in (0, 1, 2, None)


def test_a_drafting_command_still_finds_its_libraries(draft_dir: Path) -> None:
    """The lazy command table loads a heavy command's module when it runs."""
    probe = _probe(["regenerate", "--help"], draft_dir.parent)
    assert probe["code"] in (0, None)
    assert "langchain_core" in probe["heavy"]


#: What regenerate must not load: the store (absent here), the openai SDK and the HTTP
#: libraries it brings, langchain-openai, and the parts of langchain-core that pull in its
#: tracing stack (well over a second together).
NOT_FOR_REGENERATE = (
    "chromadb",
    "openai",
    "httpx",
    "httpx2",
    "aiohttp",
    "langchain_openai",
    "langchain",
    "langsmith",
    "langchain_core.language_models",
    "langchain_core.runnables",
    "langchain_core.tracers",
)


def test_regenerate_loads_no_langchain_openai_or_chat_model_machinery(tmp_path: Path) -> None:
    drafted_session(tmp_path / "d", FIGURES)
    with StubLLMServer(ScriptedDrafter()) as server:
        args = ["regenerate", "d", "--section", "problems", "--llm-base-url", server.base_url]
        args += ["--store", str(tmp_path / "nostore")]
        result = subprocess.run(
            [sys.executable, "-c", PROBE, json.dumps(args), json.dumps(NOT_FOR_REGENERATE)],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert server.calls >= 1  # the section really was redrafted by the model
    assert "Traceback" not in result.stderr, result.stderr
    line = next(ln for ln in result.stderr.splitlines() if ln.startswith("PROBE"))
    probe = json.loads(line[len("PROBE") :])
    assert probe["code"] in (0, None), result.stderr
    assert probe["heavy"] == [], probe
