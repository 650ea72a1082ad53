"""Benchmark: does the draft read like the bureau's own, with retrieved or with fixed examples?

For each bureau — the example county (examples/), a city and a district bureau
(bench/data/bureaus/) — and each condition — "retrieved": a temporary store holding every
bureau's past summaries (its own and its peers', as a real user's store would; with the
real web copies of ../shared/corpus when present), and
"fixed": no store, the fixed examples — runs the real draft workflow
(drafter.review.workflow) in guided mode and reports:

* ``fallback_share``: sections where code wrote a required part (the version's
  verification says fallback); ``fully_by_code``: sections code wrote whole (origin
  fallback); ``code_sections``: sections that needed no model call (not failures);
* ``repeated_frames``: lead/closing sentence frames (topic words removed, the repetition
  guard's own frame function) shared by more than MAX_FRAME_USES sections;
* ``copy_guard_hits``: retry problems raised by the copy guard in the sections' histories;
* ``style``: char-bigram cosine of number-free text between the draft body and the
  bureau's most recent past summary (drafter.compare.style);
* ``wall_s``, ``chars``, ``check_problems`` (what `drafter check` finds in the draft).

JSON on stdout, a table on stderr::

    .venv/bin/python bench/bench_style.py --model local --out bench/results/style.json
    .venv/bin/python bench/bench_style.py --model stub --bureau district   # quick smoke run

``--model local`` needs `drafter model install`; ``stub`` is the loopback stub server
(drafter.testing), whose answers say nothing about quality — it checks the harness runs.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from langchain_core.language_models import BaseChatModel

from drafter.compare.style import style_score, voice_score
from drafter.corpus.meta import infer_meta
from drafter.drafting.guards import MAX_FRAME_USES, lead_and_closing, same_frame, sentence_frame
from drafter.drafting.outline import SectionTask
from drafter.figures import build_slot_table
from drafter.figures.attribution import misattributions
from drafter.figures.check import check_text
from drafter.review.session import SectionState
from drafter.review.workflow import (
    DraftPlan,
    make_retriever,
    make_stock,
    open_or_create_session,
    plan_draft,
    run_draft,
)

REPO = Path(__file__).resolve().parents[1]
BUREAUS: dict[str, Path] = {
    "county": REPO / "examples",
    "city": REPO / "bench" / "data" / "bureaus" / "city",
    "district": REPO / "bench" / "data" / "bureaus" / "district",
}
CONDITIONS = ("retrieved", "fixed")
COPY_GUARD_MARK = "照抄了范文中的原句"  # the copy guard's problem (drafting.guards.copy_problems)


@dataclass(frozen=True)
class Bureau:
    key: str
    figures: Path
    summaries: tuple[Path, ...]

    @classmethod
    def at(cls, key: str, folder: Path) -> Bureau:
        return cls(key, folder / "figures-2025.yaml", tuple(sorted(folder.glob("*.txt"))))


# --------------------------------------------------------------------------- pure measures


def summary_year(path: Path) -> int:
    """The year a past summary reports on, from its title line (0 when unknown)."""
    text = path.read_text(encoding="utf-8")
    title = text.strip().splitlines()[0] if text.strip() else path.stem
    return infer_meta(title, text).year or 0


def latest_summary(paths: Sequence[Path]) -> Path | None:
    """The most recent past summary (the style reference)."""
    return max(paths, key=summary_year, default=None)


def section_topic(task: SectionTask) -> str:
    """What a section is about: its heading and the texts and names of its figures."""
    return task.heading + "".join(s.text + s.name for s in task.slots)


def repeated_frames(
    texts: dict[str, tuple[str, str]], limit: int = MAX_FRAME_USES
) -> list[dict[str, Any]]:
    """Lead and closing frames used by more than ``limit`` sections.

    ``texts``: section id → (its text, its topic). Frames are grouped greedily by the
    repetition guard's similarity (same_frame)."""
    found: list[dict[str, Any]] = []
    for role, index in (("lead", 0), ("closing", 1)):
        groups: list[tuple[str, list[str]]] = []
        for section, (text, topic) in texts.items():
            sentence = lead_and_closing(text)[index]
            frame = sentence_frame(sentence, topic) if sentence else ""
            if not frame:
                continue
            for first, members in groups:
                if same_frame(first, frame):
                    members.append(section)
                    break
            else:
                groups.append((frame, [section]))
        found += [
            {"role": role, "frame": frame, "sections": members}
            for frame, members in groups
            if len(members) > limit
        ]
    return found


def copy_guard_hits(states: Sequence[SectionState]) -> int:
    """Retry problems the copy guard raised, over every section's current history."""
    return sum(
        COPY_GUARD_MARK in problem
        for s in states
        if s.current_version and s.current_version.verification
        for problem in s.current_version.verification.violations
    )


def draft_body(draft: str) -> str:
    """draft.md without its title line (the reference's title is cut likewise)."""
    lines = draft.strip().splitlines()
    return "\n".join(lines[1:]) if lines else ""


def check_problems(draft: str, plan: DraftPlan) -> int:
    """What `drafter check` reports: unmatched numbers, then misattributed ones."""
    table = build_slot_table(plan.figures)
    flags = check_text(draft, table.allowed_values(), allowed_years=table.allowed_years())
    spans = [(f.start, f.end) for f in flags]
    wrong = [
        m
        for m in misattributions(draft, plan.figures)
        if not any(a < m.end and m.start < b for a, b in spans)
    ]
    return len(flags) + len(wrong)


# --------------------------------------------------------------------------- one run


def measure(
    bureau: Bureau,
    condition: str,
    model: BaseChatModel,
    model_name: str,
    mode: str,
    store: object | None,
    workdir: Path,
    design: str = "leads",
) -> dict[str, Any]:
    """Draft one bureau's figures under one condition and measure the draft.

    As `drafter draft` does, the "retrieved" condition also takes the outline from the
    bureau's own past summary in the store (the house outline) and its leadership line."""
    retrieved = condition == "retrieved"
    plan = plan_draft(bureau.figures, None, store=store if retrieved else None)  # type: ignore[arg-type]
    session = open_or_create_session(
        workdir / f"{bureau.key}-{condition}-{design}", plan, model_name
    )
    started = time.perf_counter()
    result = run_draft(
        session,
        plan,
        model,
        model_name=model_name,
        retriever=make_retriever(store) if retrieved else None,
        stock=make_stock(store) if retrieved else None,
        concurrency=1,
        max_retries=1,
        backoff=0.5,
        mode=mode,
        measures_design=design,
    )
    wall = time.perf_counter() - started
    tasks = {t.id: t for t in plan.tasks}
    states = [s for s in session.sections() if s.current_version is not None]
    drafted = len(states)

    def share(ids: list[str]) -> float | None:
        return round(len(ids) / drafted, 3) if drafted else None

    fallback = [
        s.id
        for s in states
        if s.current_version
        and s.current_version.verification
        and s.current_version.verification.fallback
    ]
    whole = [s.id for s in states if s.current_version and s.current_version.origin == "fallback"]
    code = [s.id for s in states if s.current_version and s.current_version.origin == "code"]
    draft = session.draft_path.read_text(encoding="utf-8")
    reference = latest_summary(bureau.summaries)
    texts = {
        s.id: (s.current_version.text, section_topic(tasks[s.id]))
        for s in states
        if s.current_version and s.id in tasks
    }
    frames = repeated_frames(texts)
    with_exemplars = [s.id for s in states if s.current_version and s.current_version.exemplars]
    return {
        "bureau": bureau.key,
        "condition": condition,
        "design": design,
        "outline": plan.outline_note if hasattr(plan, "outline_note") else None,
        "sections": drafted,
        "failed": sorted(result.failed),
        "fallback_sections": fallback,
        "fallback_share": share(fallback),
        "fully_by_code": whole,
        "code_sections": code,
        "sections_with_exemplars": len(with_exemplars),
        "repeated_frames": frames,
        "repeated_frame_count": len(frames),
        "copy_guard_hits": copy_guard_hits(states),
        "style": style_score(draft_body(draft), draft_body(reference.read_text(encoding="utf-8")))
        if reference
        else None,
        # the same, on the draft's own wording only (no figure, no fact: compare.style)
        "style_voice": voice_score(
            draft_body(draft),
            draft_body(reference.read_text(encoding="utf-8")),
            build_slot_table(plan.figures).data_texts(),
        )
        if reference
        else None,
        "style_reference": reference.name if reference else None,
        "wall_s": round(wall, 1),
        "chars": len(draft),
        "check_problems": check_problems(draft, plan),
    }


# --------------------------------------------------------------------------- store and models


SHARED_CORPUS = REPO.parent / "shared" / "corpus"


def build_store(root: Path, summaries: Sequence[Path]) -> object:
    """A fresh embedded store holding ``summaries`` (ingested as `drafter ingest` does)."""
    from drafter.corpus.store import CorpusStore
    from drafter.settings import Settings

    subprocess.run(
        [
            sys.executable,
            "-m",
            "drafter.cli.main",
            "ingest",
            *map(str, summaries),
            "--store",
            str(root),
        ],
        check=True,
        capture_output=True,
        timeout=900,
        cwd=REPO,
    )
    return CorpusStore.open(Settings(store=root, cache_dir=root / "cache"))


@contextlib.contextmanager
def chat_model(kind: str) -> Iterator[tuple[BaseChatModel, str, str]]:
    """(model, name for the record, drafting mode) for ``local`` or ``stub``."""
    from drafter.drafting.guided import resolve_mode
    from drafter.llm.client import make_chat_model
    from drafter.llm.config import LOCAL_MODEL_NAME, LLMConfig

    if kind == "stub":
        from drafter.testing import ScriptedDrafter, StubLLMServer

        with StubLLMServer(ScriptedDrafter()) as server:
            cfg = LLMConfig(
                provider="custom", base_url=server.base_url, model="stub-model", max_retries=0
            )
            yield make_chat_model(cfg), "stub/stub-model", "guided"
        return
    from drafter.llm.local import LocalServer, model_status
    from drafter.settings import load_settings

    settings = load_settings()
    if not model_status(settings).verified:
        raise SystemExit("本地模型未安装：请先运行 drafter model install")
    with LocalServer(settings, reuse=False) as server:
        cfg = LLMConfig(
            provider="local",
            base_url=server.base_url,
            model=LOCAL_MODEL_NAME,
            timeout=600,
            temperature=settings.llm_temperature,
            max_tokens=settings.llm_max_tokens,
            concurrency=1,
        )
        yield (
            make_chat_model(cfg),
            f"local/{LOCAL_MODEL_NAME}",
            resolve_mode("auto", LOCAL_MODEL_NAME),
        )


def run(
    bureaus: Sequence[str],
    conditions: Sequence[str],
    model_kind: str,
    workdir: Path,
    designs: Sequence[str] = ("leads",),
) -> dict[str, Any]:
    chosen = [Bureau.at(key, BUREAUS[key]) for key in bureaus]
    store = None
    if "retrieved" in conditions:
        every = [p for key in BUREAUS for p in Bureau.at(key, BUREAUS[key]).summaries]
        # real peers from the web, as a real user's store holds them (when present)
        every += (
            sorted(p for p in SHARED_CORPUS.glob("*") if p.is_file())
            if SHARED_CORPUS.is_dir()
            else []
        )
        store = build_store(workdir / "store", every)
    rows = []
    with chat_model(model_kind) as (model, name, mode):
        for bureau in chosen:
            for condition in conditions:
                for design in designs:
                    print(f"  {bureau.key} / {condition} / {design} …", file=sys.stderr)
                    rows.append(
                        measure(bureau, condition, model, name, mode, store, workdir, design)
                    )
    return {"model": model_kind, "rows": rows}


def table(report: dict[str, Any]) -> str:
    head = f"{'bureau':<9}{'condition':<11}{'design':<9}{'fallback':>9}{'frames':>7}{'copies':>7}{'style':>7}{'voice':>7}{'wall s':>8}{'chars':>7}{'check':>6}"
    lines = [head]
    for r in report["rows"]:
        lines.append(
            f"{r['bureau']:<9}{r['condition']:<11}{r['design']:<9}{len(r['fallback_sections']):>4}/{r['sections']:<4}"
            f"{r['repeated_frame_count']:>7}{r['copy_guard_hits']:>7}{r['style'] or 0:>7.3f}{r['style_voice'] or 0:>7.3f}"
            f"{r['wall_s']:>8}{r['chars']:>7}{r['check_problems']:>6}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--bureau", action="append", choices=sorted(BUREAUS), help="repeatable; default all"
    )
    parser.add_argument("--condition", choices=[*CONDITIONS, "both"], default="both")
    parser.add_argument("--model", choices=["local", "stub"], default="local")
    parser.add_argument("--out", type=Path, default=None, help="also write the JSON here")
    parser.add_argument(
        "--design",
        action="append",
        choices=["leads", "passage"],
        help="guided work-area design (DRAFTER_GUIDED_MEASURES), repeatable; default leads",
    )
    parser.add_argument(
        "--keep",
        type=Path,
        default=None,
        help="keep the store and the draft sessions in this directory",
    )
    args = parser.parse_args(argv)
    bureaus = args.bureau or list(BUREAUS)
    conditions = list(CONDITIONS) if args.condition == "both" else [args.condition]
    designs = args.design or ["leads"]
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        report = run(bureaus, conditions, args.model, args.keep, designs)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            report = run(bureaus, conditions, args.model, Path(tmp), designs)
    text = json.dumps(report, ensure_ascii=False, indent=2)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n", encoding="utf-8")
    print(table(report), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
