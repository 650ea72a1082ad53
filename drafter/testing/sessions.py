"""A fully drafted session made in-process with the fake model: the starting point of
tests and benchmarks that regenerate, lock or resume a draft directory."""

from __future__ import annotations

from pathlib import Path

from drafter.review.session import Session
from drafter.review.workflow import open_or_create_session, plan_draft, run_draft
from drafter.testing.fake_chat import FakeChatModel
from drafter.testing.stub_llm import ScriptedDrafter
from drafter.word.export import write_outputs


def drafted_session(directory: Path, figures: Path) -> Session:
    """Draft every section of ``figures`` into ``directory`` with a well-behaved fake model."""
    plan = plan_draft(figures, None)
    session = open_or_create_session(directory, plan, "fake")
    run_draft(
        session,
        plan,
        FakeChatModel(responder=ScriptedDrafter().complete),
        model_name="fake/fake",
        retriever=None,
        concurrency=4,
        max_retries=0,
        backoff=0.0,
        write_outputs=write_outputs,
    )
    return session
