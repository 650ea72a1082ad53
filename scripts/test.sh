#!/usr/bin/env bash
# Test command: set up (including the bundled model, for the end-to-end test with the
# real model), then lint (ruff), type-check (mypy) and run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export ANONYMIZED_TELEMETRY=False
.venv/bin/drafter model install   # model file + smoke test of the llama.cpp build
# The real-model end-to-end test fails instead of skipping if the model is missing.
export DRAFTER_REQUIRE_LOCAL_MODEL=1
.venv/bin/ruff check drafter tests bench
.venv/bin/mypy
# the stage packages import downward only (pyproject.toml [tool.importlinter])
.venv/bin/lint-imports
.venv/bin/pytest "$@"
