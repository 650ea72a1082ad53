"""Benchmark: draft the example bureau against the loopback stub with a fixed latency.

Reports the whole draft's wall time against the slowest single section (target ≤ 1.3×)
and against the sequential sum of the sections, as JSON on stdout (table on stderr).

    .venv/bin/python bench/bench_draft.py --latency 0.5 [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from drafter.llm.client import LLMConfig, make_chat_model
from drafter.review.workflow import open_or_create_session, plan_draft, run_draft
from drafter.testing import ScriptedDrafter, StubLLMServer

REPO = Path(__file__).resolve().parents[1]


def run(latency: float, concurrency: int | None) -> dict[str, object]:
    plan = plan_draft(REPO / "examples" / "figures-2025.yaml", None)
    sections = [t for t in plan.tasks if not t.container]
    with StubLLMServer(ScriptedDrafter(), latency=latency) as server:
        cfg = LLMConfig(provider="custom", base_url=server.base_url, model="stub-model", timeout=30)
        model = make_chat_model(cfg)

        def concurrent_wall(limit: int) -> float:
            with tempfile.TemporaryDirectory() as tmp:
                session = open_or_create_session(Path(tmp) / "d", plan, "stub")
                t0 = time.perf_counter()
                run_draft(
                    session,
                    plan,
                    model,
                    model_name="stub",
                    retriever=None,
                    concurrency=limit,
                    max_retries=0,
                    backoff=0.0,
                )
                return time.perf_counter() - t0

        # Each section alone, one after another: its own time, and the sequential sum.
        seq_times: dict[str, float] = {}
        for task in sections:
            single = plan.__class__(
                plan.figures_path, plan.figures, [task], plan.title, plan.outline_name
            )
            with tempfile.TemporaryDirectory() as tmp:
                session = open_or_create_session(Path(tmp) / "d", single, "stub")
                t0 = time.perf_counter()
                run_draft(
                    session,
                    single,
                    model,
                    model_name="stub",
                    retriever=None,
                    concurrency=1,
                    max_retries=0,
                    backoff=0.0,
                )
                seq_times[task.id] = time.perf_counter() - t0
        limit = concurrency or len(sections)
        wall = concurrent_wall(limit)
        calls = server.calls
    slowest = max(seq_times.values())
    total = sum(seq_times.values())
    return {
        "benchmark": "draft_example_against_stub",
        "latency_per_call_s": latency,
        "sections": len(sections),
        "concurrency": limit,
        "model_calls": calls,
        "wall_time_s": round(wall, 3),
        "slowest_section_s": round(slowest, 3),
        "sequential_sum_s": round(total, 3),
        "wall_over_slowest": round(wall / slowest, 3),
        "wall_over_sequential": round(wall / total, 3),
        "target_wall_over_slowest": 1.3,
        "meets_target": wall / slowest <= 1.3,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--latency", type=float, default=0.5)
    parser.add_argument(
        "--concurrency", type=int, default=None, help="default: one worker per section"
    )
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    result = run(args.latency, args.concurrency)
    text = json.dumps(result, ensure_ascii=False, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    print(
        f"整稿 {result['wall_time_s']}s，最慢单节 {result['slowest_section_s']}s"
        f"（{result['wall_over_slowest']}×，目标 ≤1.3×），顺序合计 {result['sequential_sum_s']}s",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
