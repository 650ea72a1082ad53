#!/usr/bin/env bash
# Main job on the embedded defaults: set up, ingest the example bureau, search it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export ANONYMIZED_TELEMETRY=False
.venv/bin/drafter ingest examples/
.venv/bin/drafter corpus stats
for q in "科技特派员" "知识产权 专利" "存在问题"; do
  echo
  echo "=== drafter search \"$q\" --k 3"
  .venv/bin/drafter search "$q" --k 3
done
