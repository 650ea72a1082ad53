"""Benchmark: a whole example draft with the bundled local model, as `drafter draft` runs it.

Starts (or reuses) the llama.cpp server, drafts every section of examples/figures-2025.yaml
in guided mode one section at a time (as the CLI does for the local model), and reports
per model call (prompt and generated tokens, seconds), per section (seconds, calls,
whether code had to write it) and for the whole draft: wall time, generated tokens per
second of call time, and the share of sections that needed the fallback. JSON on stdout,
a table on stderr.

    .venv/bin/python bench/bench_local_draft.py [--threads N] [--out FILE]

Needs `drafter model install` first. Numbers depend heavily on other load on the machine.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from drafter.drafting.guided import resolve_mode
from drafter.drafting.outline import SectionTask
from drafter.drafting.records import Version
from drafter.figures import build_slot_table
from drafter.figures.check import check_text
from drafter.llm.client import make_chat_model
from drafter.llm.config import LOCAL_MODEL_NAME, LLMConfig
from drafter.llm.local import LocalServer, model_status
from drafter.review.workflow import open_or_create_session, plan_draft, run_draft
from drafter.settings import load_settings

REPO = Path(__file__).resolve().parents[1]
FIGURES = REPO / "examples" / "figures-2025.yaml"


class CallMeter:
    """Wraps the chat model: times every call and reads the token usage llama.cpp reports."""

    def __init__(self, model: Any) -> None:
        self.model = model
        self.calls: list[dict[str, float]] = []

    def invoke(self, messages: Any, /) -> Any:
        started = time.perf_counter()
        answer = self.model.invoke(messages)
        usage = getattr(answer, "usage_metadata", None) or {}
        self.calls.append(
            {
                "seconds": round(time.perf_counter() - started, 2),
                "prompt_tokens": usage.get("input_tokens", 0),
                "completion_tokens": usage.get("output_tokens", 0),
            }
        )
        return answer


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--threads", type=int, default=None, help="server threads (default all)")
    parser.add_argument(
        "--prompt-cache",
        choices=["on", "off"],
        default=None,
        help="server prompt cache (--cache); default: the local_prompt_cache setting",
    )
    parser.add_argument("--out", type=Path, default=None, help="also write the JSON here")
    args = parser.parse_args(argv)

    settings = load_settings()
    if args.prompt_cache is not None:
        settings = settings.model_copy(update={"local_prompt_cache": args.prompt_cache == "on"})
    if not model_status(settings).verified:
        print("本地模型未安装：请先运行 drafter model install", file=sys.stderr)
        return 2
    plan = plan_draft(FIGURES, None)
    section_times: dict[str, float] = {}
    marks = [time.perf_counter()]

    def on_done(task: SectionTask, version: Version) -> None:
        now = time.perf_counter()
        section_times[task.id] = now - marks[-1]
        marks.append(now)
        print(f"  {task.id}: {section_times[task.id]:.1f} s ({version.origin})", file=sys.stderr)

    with (
        tempfile.TemporaryDirectory() as tmp,
        LocalServer(settings, threads=args.threads, reuse=False) as server,
    ):
        cfg = LLMConfig(
            provider="local",
            base_url=server.base_url,
            model=LOCAL_MODEL_NAME,
            timeout=600,
            temperature=settings.llm_temperature,
            max_tokens=settings.llm_max_tokens,
            concurrency=1,
        )
        model = meter = CallMeter(make_chat_model(cfg))
        session = open_or_create_session(Path(tmp) / "d", plan, "bench")
        marks[0] = started = time.perf_counter()
        result = run_draft(
            session,
            plan,
            model,
            model_name=f"local/{LOCAL_MODEL_NAME}",
            retriever=None,
            concurrency=1,
            max_retries=cfg.max_retries,
            backoff=cfg.backoff,
            on_section_done=on_done,
            mode=resolve_mode("auto", LOCAL_MODEL_NAME),
        )
        total = time.perf_counter() - started
        sections = [s for s in session.sections() if s.current_version is not None]
        draft = session.draft_path.read_text(encoding="utf-8")
        table = plan.figures
        flags = check_text(
            draft,
            build_slot_table(table).allowed_values(),
            allowed_years={table.year - 1, table.year, table.year + 1},
        )
        threads = server.threads

    fallback = [
        s.id
        for s in sections
        if s.current_version
        and s.current_version.verification
        and s.current_version.verification.fallback
    ]
    whole = [s.id for s in sections if s.current_version and s.current_version.origin == "fallback"]
    gen_tokens = sum(c["completion_tokens"] for c in meter.calls)
    call_seconds = sum(c["seconds"] for c in meter.calls)
    report = {
        "model": LOCAL_MODEL_NAME,
        "threads": threads,
        "prompt_cache": settings.local_prompt_cache,
        "sections": len(sections),
        "failed": sorted(result.failed),
        "draft_chars": len(draft),
        "check_flags": len(flags),
        "whole_draft_s": round(total, 1),
        "section_s": {k: round(v, 1) for k, v in section_times.items()},
        "section_s_median": round(statistics.median(section_times.values()), 1),
        "section_s_max": round(max(section_times.values()), 1),
        "model_calls": len(meter.calls),
        "call_s_median": round(statistics.median(c["seconds"] for c in meter.calls), 2),
        "generated_tokens": gen_tokens,
        "prompt_tokens": sum(c["prompt_tokens"] for c in meter.calls),
        "generated_tokens_per_call_s": round(gen_tokens / call_seconds, 1)
        if call_seconds
        else None,
        "sections_with_any_fallback": fallback,
        "sections_fully_by_code": whole,
        "fallback_share": round(len(fallback) / len(sections), 3) if sections else None,
        "fully_by_code_share": round(len(whole) / len(sections), 3) if sections else None,
    }
    text = json.dumps(report, ensure_ascii=False, indent=2)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n", encoding="utf-8")
    print(
        f"整篇 {report['whole_draft_s']} 秒，{report['sections']} 节，每节中位 "
        f"{report['section_s_median']} 秒，{report['model_calls']} 次调用，生成 "
        f"{report['generated_tokens_per_call_s']} 词元/秒，兜底 {len(fallback)} 节",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
