"""A loopback, OpenAI-compatible stub LLM server for tests and benchmarks.

Standard library only (``http.server`` + ``threading``), so it can run inside a test
process or as a separate one::

    python -m drafter.testing.stub_llm --port 0 --behaviour good [--latency 0.2] [--script F]

which prints its base URL (``http://127.0.0.1:PORT/v1``) on stdout and serves until
SIGTERM/SIGINT.

In-process use::

    with StubLLMServer(responder=fixed("一是……")) as srv:
        srv.fail_next(status(429, retry_after=1))
        client = openai.OpenAI(base_url=srv.base_url, api_key="sk-test", max_retries=0)
        ...
        assert srv.calls == 1

Endpoints: ``POST /v1/chat/completions`` (plain and ``stream: true`` SSE),
``GET /v1/models``, ``GET /v1/models/{id}``, ``POST /v1/embeddings`` (deterministic
hash-based vectors, ``float`` or ``base64``) and ``GET /health``.

Secrets: the Authorization header (and ``api-key``/``x-api-key``/cookies) is never stored;
a recorded request only says whether an Authorization header was present.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from types import FrameType
from typing import Any, Self

from drafter.testing.stub_faults import (
    CHAT_PATH,
    Fault,
    FaultContext,
    FaultRule,
    Predicate,
    RecordedRequest,
    Reply,
    Responder,
    close_connection,
    delay,
    echo_prompt,
    empty_content,
    fault_from_spec,
    fixed,
    hang,
    last_user_text,
    malformed_json,
    message_text,
    model_is,
    prompt_contains,
    sequence,
    status,
    truncated,
)
from drafter.testing.stub_http import EMBEDDINGS_PATH, StubCore
from drafter.testing.stub_modes import (
    BEHAVIOURS,
    SLOT_RE,
    DraftOutcome,
    ScriptedDrafter,
    count_tokens,
    load_script,
)

__all__ = [
    "CHAT_PATH",
    "EMBEDDINGS_PATH",
    "SLOT_RE",
    "DraftOutcome",
    "Fault",
    "FaultContext",
    "Predicate",
    "RecordedRequest",
    "Reply",
    "Responder",
    "ScriptedDrafter",
    "StubLLMServer",
    "close_connection",
    "count_tokens",
    "delay",
    "echo_prompt",
    "empty_content",
    "fixed",
    "hang",
    "last_user_text",
    "load_script",
    "main",
    "malformed_json",
    "message_text",
    "model_is",
    "prompt_contains",
    "sequence",
    "status",
    "truncated",
]


class StubLLMServer(StubCore):
    """OpenAI-compatible server on 127.0.0.1 (free port unless ``port`` is given).

    ``responder(body) -> Reply | str`` makes the normal chat answer (default: a
    :class:`ScriptedDrafter` behaving well). ``latency`` seconds are added to every chat
    and embeddings call. Faults are queued with :meth:`fail_next` / :meth:`fail_when` /
    :meth:`schedule`; the first matching rule (in scheduling order) fires.
    """

    def schedule(
        self,
        fault: Fault,
        *,
        times: int | None = 1,
        when: Predicate | None = None,
        path: str | None = CHAT_PATH,
    ) -> Self:
        """Apply ``fault`` to the next ``times`` calls (None: every call) that match."""
        with self._lock:
            self._rules.append(FaultRule(fault, times, when, path))
        return self

    def fail_next(self, fault: Fault, n: int = 1, *, path: str | None = CHAT_PATH) -> Self:
        """Apply ``fault`` to the next ``n`` chat calls."""
        return self.schedule(fault, times=n, path=path)

    def fail_when(
        self,
        when: Predicate,
        fault: Fault,
        *,
        times: int | None = None,
        path: str | None = CHAT_PATH,
    ) -> Self:
        """Apply ``fault`` to chat calls matching ``when`` (every time unless ``times``)."""
        return self.schedule(fault, times=times, when=when, path=path)

    def clear_faults(self) -> None:
        with self._lock:
            self._rules.clear()

    def reset(self) -> None:
        """Forget recorded requests, counters and fault rules."""
        with self._lock:
            self._requests.clear()
            self._counts.clear()
            self._rules.clear()
            self._fault_log.clear()

    # ----- observation ---------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received so far (a copy), in arrival order."""
        with self._lock:
            return list(self._requests)

    @property
    def chat_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path == CHAT_PATH]

    @property
    def calls(self) -> int:
        """Number of chat completion calls received (faulted ones included)."""
        with self._lock:
            return self._counts.get(CHAT_PATH, 0)

    @property
    def call_counts(self) -> dict[str, int]:
        """Requests received per path."""
        with self._lock:
            return dict(self._counts)

    @property
    def faults_fired(self) -> list[tuple[int, str]]:
        """(request index, fault name) for every fault that fired."""
        with self._lock:
            return list(self._fault_log)


def apply_fault_specs(server: StubLLMServer, specs: Iterable[Mapping[str, Any]]) -> None:
    """Schedule the fault rules of a script on ``server``."""
    for spec in specs:
        fault = fault_from_spec(spec)
        path = spec.get("path", CHAT_PATH)
        needle = spec.get("when_prompt_contains")
        if needle is not None:
            times = spec.get("times")
            server.fail_when(prompt_contains(str(needle)), fault, times=times, path=path)
        else:
            server.schedule(fault, times=spec.get("times", 1), path=path)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m drafter.testing.stub_llm",
        description="Loopback OpenAI-compatible stub LLM; prints its base URL on stdout.",
    )
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port (default)")
    parser.add_argument("--latency", type=float, default=None, help="seconds added per call")
    parser.add_argument(
        "--behaviour",
        "--behavior",
        choices=BEHAVIOURS,
        default=None,
        help="ScriptedDrafter mode (default good)",
    )
    parser.add_argument("--script", type=Path, default=None, help="JSON script (see load_script)")
    parser.add_argument("--model", action="append", default=None, help="model name(s) to list")
    parser.add_argument("--verbose", action="store_true", help="log requests on stderr")
    args = parser.parse_args(argv)

    responder: Responder = ScriptedDrafter.for_behaviour(args.behaviour or "good")
    latency = 0.0
    specs: list[dict[str, Any]] = []
    if args.script is not None:
        responder, script_latency, specs = load_script(args.script)
        if script_latency is not None:
            latency = script_latency
        if args.behaviour is not None:
            responder = ScriptedDrafter.for_behaviour(args.behaviour)
    if args.latency is not None:
        latency = args.latency

    stop = threading.Event()

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    server = StubLLMServer(
        responder,
        port=args.port,
        latency=latency,
        models=tuple(args.model) if args.model else ("stub-model",),
        verbose=args.verbose,
    )
    apply_fault_specs(server, specs)
    with server:
        sys.stdout.write(server.base_url + "\n")
        sys.stdout.flush()
        while not stop.wait(0.2):
            pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
