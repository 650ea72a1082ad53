"""Benchmark: the bundled local model (llama.cpp server) on section-sized prompts.

Starts (or reuses) the LocalServer, sends N real section prompts built from the example
bureau's figures (system + section template + K exemplar passages from examples/*.txt,
numbers masked), one after another, streaming,
and reports per call: prompt tokens, time to first token (≈ prompt evaluation), generated
tokens, generation speed and wall time. When the server logs llama.cpp's own timings
(``prompt eval time`` / ``eval time``) they are reported too. JSON on stdout, table on stderr.

    .venv/bin/python bench/bench_local_model.py [--n 5] [--max-tokens 300] [--threads N] \
        [--out FILE]

With ``--variants native,portable,avx512`` it benchmarks llama.cpp build variants in one
run: each variant's wheel comes from drafter's wheel cache (compiled there first when
missing, one after another), is unpacked into its own directory and put first on
PYTHONPATH; the same prompts then go (a) through the server and (b) through a direct
``llama_cpp.Llama`` call in a child (``python -m drafter.llm.smoke``) with the same
threads, context and max tokens. A variant whose process dies on a signal is reported as
crashed. The summary names the CPU, the default variant and whether it is within 10% of
the fastest variant that did not crash (prompt tokens/s of the direct call).

Needs ``drafter model install`` first.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import openai
from langchain_core.language_models.fake_chat_models import FakeListChatModel
from langchain_core.messages import BaseMessage, SystemMessage
from openai.types.chat import (
    ChatCompletionMessageParam,
    ChatCompletionSystemMessageParam,
    ChatCompletionUserMessageParam,
)

from drafter.drafting.chain import DraftContext, build_messages, mask_numbers
from drafter.drafting.prompts import PromptSet
from drafter.drafting.records import Exemplar
from drafter.figures import build_slot_table
from drafter.llm import build as localbuild
from drafter.llm.config import LOCAL_MODEL_NAME
from drafter.llm.local import LocalServer, model_status
from drafter.review.workflow import plan_draft
from drafter.settings import Settings, load_settings

REPO = Path(__file__).resolve().parents[1]

_PROMPT_EVAL = re.compile(r"prompt eval time\s*=\s*([\d.]+) ms\s*/\s*(\d+) tokens", re.IGNORECASE)
_EVAL = re.compile(r"(?<!prompt )eval time\s*=\s*([\d.]+) ms\s*/\s*(\d+) runs", re.IGNORECASE)


def example_passages() -> list[str]:
    """Paragraphs of the example summaries (150–500 characters), numbers masked."""
    out = []
    for path in sorted((REPO / "examples").glob("*.txt")):
        for para in path.read_text(encoding="utf-8").splitlines():
            if 150 <= len(para.strip()) <= 500:
                out.append(mask_numbers(para.strip()))
    return out


def _to_openai(message: BaseMessage) -> ChatCompletionMessageParam:
    if isinstance(message, SystemMessage):
        return ChatCompletionSystemMessageParam(role="system", content=str(message.content))
    return ChatCompletionUserMessageParam(role="user", content=str(message.content))


def section_prompts(n: int, k: int) -> list[list[ChatCompletionMessageParam]]:
    """``n`` chat requests shaped like drafter's section calls (cycling the sections),
    each with ``k`` exemplar passages as retrieval would supply."""
    plan = plan_draft(REPO / "examples" / "figures-2025.yaml", None)
    ctx = DraftContext(
        figures=plan.figures,
        table=build_slot_table(plan.figures),
        prompts=PromptSet.load(),
        model=FakeListChatModel(responses=["-"]),
        model_name="bench",
    )
    tasks = [t for t in plan.tasks if not t.container]
    passages = example_passages()
    out = []
    for i in range(n):
        task = tasks[i % len(tasks)]
        exemplars = [
            Exemplar(
                chunk_id=f"c{j}",
                doc_id="example",
                source="examples",
                heading_path=task.heading or "",
                kind=str(task.kind),
                score=1.0,
                text=passages[(i * k + j) % len(passages)],
            )
            for j in range(k)
        ]
        messages: list[BaseMessage] = build_messages(task, ctx, exemplars, None)
        out.append([_to_openai(m) for m in messages])
    return out


def count_tokens(base_url: str, text: str) -> int | None:
    """Tokens of ``text`` by the server's own tokenizer (llama-cpp-python /extras)."""
    root = base_url.rsplit("/v1", 1)[0]
    try:
        r = httpx.post(
            root + "/extras/tokenize/count", json={"input": text}, timeout=30, trust_env=False
        )
        r.raise_for_status()
        return int(r.json()["count"])
    except (httpx.HTTPError, KeyError, ValueError):
        return None


def log_timings(text: str) -> dict[str, float]:
    """llama.cpp's own timings for the last call in the server log, if it logs them."""
    out: dict[str, float] = {}
    pe = _PROMPT_EVAL.findall(text)
    ev = _EVAL.findall(text)
    if pe:
        ms, tokens = pe[-1]
        out["log_prompt_eval_s"] = float(ms) / 1000
        out["log_prompt_tokens"] = int(tokens)
        if float(ms) > 0:
            out["log_prompt_tokens_per_s"] = int(tokens) / (float(ms) / 1000)
    if ev:
        ms, runs = ev[-1]
        out["log_eval_s"] = float(ms) / 1000
        out["log_eval_tokens"] = int(runs)
        if float(ms) > 0:
            out["log_gen_tokens_per_s"] = int(runs) / (float(ms) / 1000)
    return out


def one_call(
    client: openai.OpenAI,
    base_url: str,
    messages: list[ChatCompletionMessageParam],
    max_tokens: int,
    log_path: Path,
) -> dict[str, Any]:
    offset = log_path.stat().st_size if log_path.exists() else 0
    t0 = time.perf_counter()
    first: float | None = None
    chunks = 0
    parts: list[str] = []
    stream = client.chat.completions.create(
        model=LOCAL_MODEL_NAME,
        messages=messages,
        max_tokens=max_tokens,
        temperature=0.3,
        stream=True,
    )
    finish = None
    for event in stream:
        if not event.choices:
            continue
        choice = event.choices[0]
        delta = choice.delta.content or ""
        if delta:
            if first is None:
                first = time.perf_counter()
            chunks += 1
            parts.append(delta)
        if choice.finish_reason:
            finish = choice.finish_reason
    end = time.perf_counter()
    text = "".join(parts)
    prompt_text = "\n".join(str(m.get("content", "")) for m in messages)
    gen_tokens = count_tokens(base_url, text) or chunks
    ttft = (first or end) - t0
    gen_time = end - (first or end)
    row: dict[str, Any] = {
        "prompt_chars": len(prompt_text),
        "prompt_tokens": count_tokens(base_url, prompt_text),
        "output_chars": len(text),
        "output_tokens": gen_tokens,
        "finish_reason": finish,
        "ttft_s": round(ttft, 3),
        "gen_s": round(gen_time, 3),
        "seconds": round(end - t0, 3),
        "gen_tokens_per_s": round((gen_tokens - 1) / gen_time, 2) if gen_time > 0 else None,
        "sample": text[:80],
    }
    time.sleep(0.2)  # let the server flush its timing lines
    try:
        with log_path.open("rb") as f:
            f.seek(offset)
            row.update(
                {
                    k: round(v, 3)
                    for k, v in log_timings(f.read().decode("utf-8", "replace")).items()
                }
            )
    except OSError:
        pass
    return row


def server_run(
    settings: Settings,
    prompts: list[list[ChatCompletionMessageParam]],
    max_tokens: int,
    threads: int | None,
    *,
    reuse: bool = True,
) -> dict[str, Any]:
    """The section prompts through the llama.cpp server, one after another, streaming."""
    t_start = time.perf_counter()
    command = None
    if not reuse:  # llama_cpp may be importable only in the child (PYTHONPATH of a variant)
        command = LocalServer(settings, threads=threads).argv(0)
        command[command.index("--port") + 1] = "{port}"
    with LocalServer(settings, threads=threads, reuse=reuse, command=command) as server:
        startup = time.perf_counter() - t_start
        client = openai.OpenAI(
            base_url=server.base_url,
            api_key="not-needed",
            max_retries=0,
            timeout=600,
            http_client=openai.DefaultHttpxClient(trust_env=False),
        )
        # one short warm-up call (first call pays for allocations)
        client.chat.completions.create(
            model=LOCAL_MODEL_NAME, messages=[{"role": "user", "content": "你好"}], max_tokens=4
        )
        rows = [one_call(client, server.base_url, p, max_tokens, server.log_path) for p in prompts]
        reused = not server.started

    def med(key: str) -> float | None:
        values = [r[key] for r in rows if isinstance(r.get(key), int | float)]
        return round(statistics.median(values), 3) if values else None

    def rate(tokens: str, seconds: str) -> float | None:
        n = sum(r.get(tokens) or 0 for r in rows)
        t = sum(r.get(seconds) or 0 for r in rows)
        return round(n / t, 2) if t else None

    return {
        "server_reused": reused,
        "server_start_s": round(startup, 2),
        "calls": len(rows),
        "prompt_tokens_per_s": rate("log_prompt_tokens", "log_prompt_eval_s"),
        "gen_tokens_per_s": rate("log_eval_tokens", "log_eval_s"),
        "median": {
            k: med(k)
            for k in (
                "prompt_tokens",
                "output_tokens",
                "ttft_s",
                "gen_tokens_per_s",
                "seconds",
                "log_prompt_eval_s",
                "log_prompt_tokens_per_s",
                "log_gen_tokens_per_s",
            )
        },
        "total_seconds": round(sum(r["seconds"] for r in rows), 2),
        "rows": rows,
    }


def direct_run(
    settings: Settings,
    prompts: list[list[ChatCompletionMessageParam]],
    max_tokens: int,
    threads: int,
    env: dict[str, str],
    workdir: Path,
) -> dict[str, Any]:
    """The same prompts through ``llama_cpp.Llama`` in a child, same threads and context."""
    messages = workdir / "messages.json"
    messages.write_text(json.dumps(prompts, ensure_ascii=False), encoding="utf-8")
    argv = [
        sys.executable,
        "-m",
        "drafter.llm.smoke",
        "--model",
        str(model_status(settings).path),
        "--threads",
        str(threads),
        "--ctx",
        str(settings.local_ctx_size),
        "--max-tokens",
        str(max_tokens),
        "--messages",
        str(messages),
    ]
    t0 = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=3600)
    if proc.returncode < 0:
        return {"crashed": True, "signal": -proc.returncode, "stderr": proc.stderr[-500:]}
    try:
        data: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return {"failed": True, "returncode": proc.returncode, "stderr": proc.stderr[-500:]}
    data["seconds"] = round(time.perf_counter() - t0, 2)
    return data


def variant_run(
    settings: Settings,
    variant: str,
    prompts: list[list[ChatCompletionMessageParam]],
    args: argparse.Namespace,
    threads: int,
) -> dict[str, Any]:
    spec = localbuild.build_spec(variant)
    wheel = localbuild.cached_wheel(settings, spec)
    build_s = None
    if wheel is None:
        if args.no_build:
            return {"variant": variant, "skipped": "no cached wheel (--no-build)"}
        print(f"building {variant} ({spec.describe()}) …", file=sys.stderr, flush=True)
        t0 = time.perf_counter()
        wheel = localbuild.build_wheel(settings, spec)
        build_s = round(time.perf_counter() - t0, 1)
    record = localbuild.read_build_record(wheel.parent)
    target = settings.cache_dir / "bench" / spec.key
    if not (target / "llama_cpp").is_dir():
        target.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "install",
                "-q",
                "--no-deps",
                "--target",
                str(target),
                str(wheel),
            ],
            check=True,
        )
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(target), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    out: dict[str, Any] = {
        "variant": variant,
        "features": list(spec.features),
        "cmake_args": spec.cmake_args,
        "build_seconds": build_s or record.get("build_seconds"),
    }
    print(f"{variant}: direct llama_cpp …", file=sys.stderr, flush=True)
    out["direct"] = direct_run(settings, prompts, args.max_tokens, threads, env, target)
    print(f"{variant}: server …", file=sys.stderr, flush=True)
    saved = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = env["PYTHONPATH"]  # the server child inherits it
    try:
        out["server"] = server_run(settings, prompts, args.max_tokens, threads, reuse=False)
    except Exception as exc:  # a crashing build: report, go on with the next variant
        out["server"] = {"crashed": True, "error": str(exc)[-800:]}
    finally:
        if saved is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = saved
    return out


def summarize(results: list[dict[str, Any]]) -> dict[str, Any]:
    ok = [r for r in results if r.get("direct", {}).get("ok")]
    if not ok:
        return {"fastest": None}
    best = max(ok, key=lambda r: r["direct"]["prompt_tokens_per_s"] or 0)
    default = next((r for r in ok if r["variant"] == localbuild.DEFAULT_VARIANT), None)
    summary: dict[str, Any] = {"fastest": best["variant"], "default": localbuild.DEFAULT_VARIANT}
    if default is not None:
        ratio = default["direct"]["prompt_tokens_per_s"] / best["direct"]["prompt_tokens_per_s"]
        summary["default_vs_fastest_prompt"] = round(ratio, 3)
        summary["default_within_10pct"] = ratio >= 0.9
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--n", type=int, default=5, help="number of section calls (default 5)")
    parser.add_argument("--max-tokens", type=int, default=300, help="max tokens per call")
    parser.add_argument("--exemplars", type=int, default=3, help="exemplar passages per prompt")
    parser.add_argument("--threads", type=int, default=None, help="server threads (default all)")
    parser.add_argument(
        "--variants", default=None, help="comma list of build variants, e.g. native,portable"
    )
    parser.add_argument("--no-build", action="store_true", help="skip variants not yet built")
    parser.add_argument("--out", type=Path, default=None, help="also write the JSON here")
    args = parser.parse_args(argv)

    settings = load_settings()
    status = model_status(settings)
    if not status.verified:
        print(f"model not installed at {status.path}: run drafter model install", file=sys.stderr)
        return 2
    prompts = section_prompts(args.n, args.exemplars)
    threads = args.threads or settings.local_threads or os.cpu_count() or 1
    base = {
        "model": status.path.name,
        "cpu_model": localbuild.cpu_model(localbuild.read_cpuinfo()),
        "threads": threads,
        "cpu_count": os.cpu_count(),
        "max_tokens": args.max_tokens,
        "exemplars": args.exemplars,
    }
    if args.variants:
        results = [
            variant_run(settings, v.strip(), prompts, args, threads)
            for v in args.variants.split(",")
            if v.strip()
        ]
        result: dict[str, Any] = {
            **base,
            "calls": len(prompts),
            "variants": results,
            "summary": summarize(results),
        }
        rows_out = [
            (
                r["variant"],
                r.get("direct", {}).get("prompt_tokens_per_s"),
                r.get("direct", {}).get("gen_tokens_per_s"),
                r.get("server", {}).get("prompt_tokens_per_s"),
                r.get("server", {}).get("gen_tokens_per_s"),
            )
            for r in results
        ]
        _emit(result, args.out)
        print(
            f"{'variant':<10} {'direct p/s':>10} {'direct g/s':>10} {'server p/s':>10} "
            f"{'server g/s':>10}",
            file=sys.stderr,
        )
        for v, dp, dg, sp, sg in rows_out:
            print(
                f"{v:<10} {dp or '-':>10} {dg or '-':>10} {sp or '-':>10} {sg or '-':>10}",
                file=sys.stderr,
            )
        return 0

    run = server_run(settings, prompts, args.max_tokens, args.threads)
    result = {**base, **run}
    _emit(result, args.out)
    print(
        f"{'#':>2} {'prompt tok':>10} {'out tok':>7} {'TTFT s':>7} {'gen tok/s':>9} {'call s':>7}",
        file=sys.stderr,
    )
    for i, r in enumerate(run["rows"], 1):
        print(
            f"{i:>2} {r['prompt_tokens'] or '?':>10} {r['output_tokens']:>7} {r['ttft_s']:>7} "
            f"{r['gen_tokens_per_s'] or '?':>9} {r['seconds']:>7}",
            file=sys.stderr,
        )
    return 0


def _emit(result: dict[str, Any], out: Path | None) -> None:
    text = json.dumps(result, ensure_ascii=False, indent=2)
    print(text)
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
