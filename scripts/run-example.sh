#!/usr/bin/env bash
# Main job on the embedded defaults: set up, install the bundled model, ingest the example
# bureau's past summaries, draft its 2025 summary offline with the local model, check
# every number of the draft against the figures, and show that no model server is left.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export ANONYMIZED_TELEMETRY=False
drafter=.venv/bin/drafter
out=${DRAFTER_EXAMPLE_OUT:-out/draft-2025}
"$drafter" model install          # model file + smoke test of the llama.cpp build (rebuilds portable on SIGILL)
"$drafter" ingest examples/
"$drafter" corpus stats
echo
echo "=== drafter search \"科技特派员\" --k 3"
"$drafter" search "科技特派员" --k 3
echo
echo "=== drafter draft examples/figures-2025.yaml --out $out（内置本地模型，离线起草，约 2–4 分钟）"
"$drafter" draft examples/figures-2025.yaml --out "$out"
echo
echo "=== drafter check $out/draft.md --figures examples/figures-2025.yaml"
"$drafter" check "$out/draft.md" --figures examples/figures-2025.yaml
echo
"$drafter" model status
echo
echo "草稿：$out/draft.md（$(wc -m < "$out/draft.md") 字符）、$out/draft.docx；审阅报告：$out/review.md"
