#!/usr/bin/env bash
# Test command: set up, then lint (ruff), type-check (mypy) and run the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export ANONYMIZED_TELEMETRY=False
.venv/bin/ruff check drafter tests bench
.venv/bin/mypy
.venv/bin/pytest "$@"
