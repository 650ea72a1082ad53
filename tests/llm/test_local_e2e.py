"""End to end with the real bundled model: `drafter draft` on the example bureau, offline.

Slow (minutes on 2 cores). It skips where the model or llama-cpp-python is not installed,
unless DRAFTER_REQUIRE_LOCAL_MODEL=1 (set by scripts/test.sh, so CI always runs it).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import EXAMPLES

from drafter.llm import local as localmodel
from drafter.llm.local import find_running_server, model_status
from drafter.settings import Settings

FIGURES = EXAMPLES / "figures-2025.yaml"
# Read before the autouse fixture clears DRAFTER_* for each test.
REAL_CACHE = Path(
    os.environ.get("DRAFTER_CACHE_DIR") or str(Settings.model_fields["cache_dir"].default)
).expanduser()
REQUIRED = os.environ.get("DRAFTER_REQUIRE_LOCAL_MODEL") == "1"


def cli(
    *args: str, cwd: Path, env: dict[str, str], timeout: float
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "drafter.cli.main", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.mark.slow
@pytest.mark.local_model
def test_offline_draft_of_the_example_bureau_with_the_real_model(tmp_path: Path) -> None:
    settings = Settings(cache_dir=REAL_CACHE)
    missing = []
    if not model_status(settings).verified:
        missing.append(f"model not installed in {REAL_CACHE} (drafter model install)")
    if not localmodel.llama_cpp_available():
        missing.append("llama-cpp-python[server] not installed")
    if missing:
        if REQUIRED:
            pytest.fail("; ".join(missing))
        pytest.skip("; ".join(missing))
    already_running = find_running_server(settings) is not None
    env = {
        **os.environ,
        "DRAFTER_CACHE_DIR": str(REAL_CACHE),
        "DRAFTER_STORE": str(tmp_path / "store"),
        # no network but loopback: a remote endpoint would be refused anyway
        "DRAFTER_ALLOW_REMOTE": "false",
    }
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "DRAFTER_LLM_BASE_URL"):
        env.pop(name, None)

    result = cli("draft", str(FIGURES), "--out", "d", "--json", cwd=tmp_path, env=env, timeout=3600)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    report = json.loads(result.stdout)
    assert report["failed"] == {}

    draft = (tmp_path / "d" / "draft.md").read_text(encoding="utf-8")
    assert len(draft) >= 2000
    assert (tmp_path / "d" / "draft.docx").stat().st_size > 0
    drafted = [s for s in report["sections"] if s["version"]]
    assert drafted and all(s["state"] != "pending" for s in drafted)
    by_model = [s for s in drafted if s["origin"] == "model"]
    # The guided pieces are small enough for the 1.5B model: most prose is its own.
    assert len(by_model) >= len(drafted) // 2, [(s["id"], s["origin"]) for s in drafted]

    check = cli(
        "check",
        str(tmp_path / "d" / "draft.md"),
        "--figures",
        str(FIGURES),
        "--json",
        cwd=tmp_path,
        env=env,
        timeout=300,
    )
    assert check.returncode == 0, check.stdout
    assert json.loads(check.stdout)["flagged"] == []

    if not already_running:
        assert find_running_server(settings) is None  # the server drafter started is gone
