"""Benchmark: what regenerating one section costs beyond the model call itself.

A drafted example session is regenerated section by section against the loopback stub,
whose every chat call takes a known ``--latency``. Two measurements:

* CLI: wall time of ``drafter regenerate DIR --section ID`` (a fresh process: Python
  start-up, imports, session and figures loading, the call, saving, draft.md/review.md
  and whatever else ``write_outputs`` writes) minus the model time (latency × calls);
  ``drafter version`` and ``drafter status DIR`` are timed too: the start-up floor, and a
  light command that reads a whole session (goal: ≤ 0.5 s each on a 2-core machine; the
  goal for regenerate's overhead beyond the model call is ≤ 1.5 s).
* In process: ``run_draft(section_ids=[ID])`` with the real OpenAI-compatible chat model
  against the same stub, minus the model time — the overhead an interactive session pays.

JSON on stdout, a one-line summary on stderr::

    .venv/bin/python bench/bench_regenerate.py --latency 0.5 --runs 5 [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from drafter.llm.client import make_chat_model
from drafter.llm.config import LLMConfig
from drafter.review.workflow import open_or_create_session, plan_draft, run_draft
from drafter.testing import ScriptedDrafter, StubLLMServer
from drafter.testing.sessions import drafted_session
from drafter.word.export import write_outputs

REPO = Path(__file__).resolve().parents[1]
FIGURES = REPO / "examples" / "figures-2025.yaml"
SECTIONS = ("area_entities", "area_ip", "problems", "plan_targets", "opening")


def _stats(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "median_s": round(statistics.median(ordered), 3),
        "p95_s": round(p95, 3),
        "min_s": round(ordered[0], 3),
        "max_s": round(ordered[-1], 3),
    }


def _cli(args: list[str], cwd: Path, env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "drafter.cli.main", *args],
        cwd=cwd,
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )
    return time.perf_counter() - t0


def run(latency: float, runs: int) -> dict[str, object]:
    env = {**os.environ, "ANONYMIZED_TELEMETRY": "False"}
    with (
        tempfile.TemporaryDirectory() as tmp,
        StubLLMServer(ScriptedDrafter(), latency=latency) as server,
    ):
        root = Path(tmp)
        empty = root / "empty.toml"
        empty.touch()
        env["DRAFTER_CONFIG"] = str(empty)
        drafted_session(root / "d", FIGURES)
        startup = [_cli(["version"], root, env) for _ in range(runs)]
        status = [_cli(["status", "d"], root, env) for _ in range(runs)]

        cli_total: list[float] = []
        cli_overhead: list[float] = []
        cli_runs: list[dict[str, object]] = []
        for i in range(runs):
            sid = SECTIONS[i % len(SECTIONS)]
            before = server.calls
            wall = _cli(
                [
                    "regenerate",
                    "d",
                    "--section",
                    sid,
                    "--llm-base-url",
                    server.base_url,
                    "--store",
                    str(root / "nostore"),
                ],
                root,
                env,
            )
            model_time = latency * (server.calls - before)
            cli_total.append(wall)
            cli_overhead.append(wall - model_time)
            cli_runs.append(
                {
                    "section": sid,
                    "model_calls": server.calls - before,
                    "wall_s": round(wall, 3),
                    "overhead_s": round(wall - model_time, 3),
                }
            )

        plan = plan_draft(FIGURES, None)
        model = make_chat_model(
            LLMConfig(provider="custom", base_url=server.base_url, model="stub-model", timeout=30)
        )
        session = open_or_create_session(root / "d", plan, "stub")
        in_total: list[float] = []
        in_overhead: list[float] = []
        for i in range(runs * 2):
            sid = SECTIONS[i % len(SECTIONS)]
            before = server.calls
            t0 = time.perf_counter()
            run_draft(
                session,
                plan,
                model,
                model_name="stub",
                retriever=None,
                concurrency=1,
                max_retries=0,
                backoff=0.0,
                section_ids=[sid],
                instruction="更简洁",
                write_outputs=write_outputs,
            )
            wall = time.perf_counter() - t0
            in_total.append(wall)
            in_overhead.append(wall - latency * (server.calls - before))
        calls = server.calls
    return {
        "benchmark": "regenerate_one_section_against_stub",
        "latency_per_call_s": latency,
        "runs": runs,
        "model_calls_total": calls,
        "cli_startup_drafter_version": _stats(startup),
        "cli_drafter_status": _stats(status),
        "goals": {
            "version_le_0_5s": statistics.median(startup) <= 0.5,
            "status_le_0_5s": statistics.median(status) <= 0.5,
            "regenerate_overhead_le_1_5s": statistics.median(cli_overhead) <= 1.5,
        },
        "cli_regenerate_wall": _stats(cli_total),
        "cli_regenerate_overhead": _stats(cli_overhead),
        "cli_regenerate_runs": cli_runs,
        "in_process_run_draft_wall": _stats(in_total),
        "in_process_run_draft_overhead": _stats(in_overhead),
        "note": "overhead = wall time - latency × model calls (stub adds the latency per call)",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--latency", type=float, default=0.5)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    result = run(args.latency, max(1, args.runs))
    text = json.dumps(result, ensure_ascii=False, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    cli = result["cli_regenerate_overhead"]
    inproc = result["in_process_run_draft_overhead"]
    start = result["cli_startup_drafter_version"]
    status = result["cli_drafter_status"]
    print(
        f"regenerate 命令行额外开销中位数 {cli['median_s']}s（其中启动约 {start['median_s']}s），"  # type: ignore[index]
        f"status 中位数 {status['median_s']}s，"  # type: ignore[index]
        f"进程内 run_draft 额外开销中位数 {inproc['median_s']}s",  # type: ignore[index]
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
