"""A non-editable install works: prompts and outlines ship inside the package.

The wheel is built from the working tree and installed with pip into a fresh venv that
sees the test environment's dependencies (a .pth path entry, so no editable finder of
this checkout is active there); the installed console script then drafts the example
bureau against the loopback stub model from a directory outside the repository.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

from drafter.testing import ScriptedDrafter, StubLLMServer

REPO = Path(__file__).resolve().parents[2]
FIGURES = REPO / "examples" / "figures-2025.yaml"


def _run(cmd: list[str], cwd: Path) -> str:
    """A command with the environment a fresh venv gets: no PYTHONPATH pointing elsewhere."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    result = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=600, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.mark.slow
def test_a_wheel_installed_into_a_fresh_venv_drafts_the_example(tmp_path: Path) -> None:
    _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(tmp_path / "dist"), str(REPO)],
        cwd=tmp_path,
    )  # fmt: skip
    wheel = next((tmp_path / "dist").glob("drafter-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    for data in (
        "drafter/drafting/templates/system.md",
        "drafter/drafting/templates/guided/measures_examples.yaml",
        "drafter/drafting/templates/outlines/annual.yaml",
        "drafter/lint/data/filler.txt",
    ):
        assert data in names, data

    fresh = tmp_path / "venv"
    venv.create(fresh, with_pip=False)
    py = fresh / "bin" / "python"
    _run([sys.executable, "-m", "pip", "--python", str(py), "install", "-q", "--no-deps",
          "--no-index", str(wheel)], cwd=tmp_path)  # fmt: skip
    fresh_site = _run(
        [str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], tmp_path
    ).strip()
    (Path(fresh_site) / "test-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    where = _run([str(py), "-c", "import drafter; print(drafter.__file__)"], tmp_path)
    assert where.startswith(fresh_site), where  # the installed copy, not this checkout

    with StubLLMServer(ScriptedDrafter()) as server:
        _run(
            [str(fresh / "bin" / "drafter"), "draft", str(FIGURES), "--out", "d",
             "--store", "nostore", "--llm-base-url", server.base_url, "--llm-model", "stub"],
            cwd=tmp_path,
        )  # fmt: skip
        assert server.calls > 0
    draft = (tmp_path / "d" / "draft.md").read_text(encoding="utf-8")
    assert "示例县科学技术局" in draft
    assert (tmp_path / "d" / "draft.docx").is_file()
