#!/usr/bin/env bash
# Create .venv in the repository root and install drafter with its dev tools and the
# bundled-model runtime (llama-cpp-python, compiled from source on first install).
# Idempotent: reinstalls only when pyproject.toml changed since the last install.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if ! "$PY" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)'; then
  echo "需要 Python 3.11 或更高版本（当前：$("$PY" --version 2>&1)）。可用 PYTHON=/path/to/python3.11 指定。" >&2
  exit 1
fi
if [ ! -x .venv/bin/python ]; then
  echo "创建虚拟环境 .venv …" >&2
  "$PY" -m venv .venv
fi
stamp=.venv/.drafter-installed
want=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  bash scripts/system-deps.sh --build
  echo "安装依赖（首次需编译 llama-cpp-python，双核机器约 10 分钟；之后约 1 分钟）…" >&2
  export CMAKE_BUILD_PARALLEL_LEVEL=${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc)}
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip >&2
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[dev,local]" >&2
  echo "$want" > "$stamp"
fi
