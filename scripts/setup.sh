#!/usr/bin/env bash
# Create .venv in the repository root and install exactly the locked dependency set
# (requirements.lock, with hashes; refresh it on purpose with scripts/lock.sh), drafter
# itself, and llama-cpp-python built for this machine's CPU (python -m drafter.llm.build:
# native features minus AMX; the wheel is kept in ~/.cache/drafter/wheels, so a second
# set-up — even after rm -rf .venv — installs it in seconds instead of compiling).
# Idempotent: reinstalls the Python packages only when the lock or pyproject.toml changed.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if ! "$PY" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)'; then
  echo "需要 Python 3.11 或更高版本（当前：$("$PY" --version 2>&1)）。可用 PYTHON=/path/to/python3.11 指定。" >&2
  exit 1
fi
if ! "$PY" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else 1)'; then
  echo "注意：requirements.lock 按 Python 3.11 锁定，当前为 $("$PY" --version 2>&1)，个别包可能没有对应的 wheel。" >&2
fi
if [ ! -x .venv/bin/python ]; then
  echo "创建虚拟环境 .venv …" >&2
  "$PY" -m venv .venv
fi
stamp=.venv/.drafter-installed
want=$(cat requirements.lock pyproject.toml | sha256sum | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "安装锁定的依赖（requirements.lock）…" >&2
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock >&2
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps -e . >&2
  echo "$want" > "$stamp"
fi
# llama-cpp-python for this CPU: at once when installed, seconds from the wheel cache,
# otherwise compiled (needs cmake and a C++ compiler).
if ! .venv/bin/python -c 'import drafter.llm.build as b, sys; sys.exit(0 if b.build_is_current() else 1)' 2>/dev/null; then
  bash scripts/system-deps.sh --build
  export CMAKE_BUILD_PARALLEL_LEVEL=${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc)}
  .venv/bin/python -m drafter.llm.build install
fi
