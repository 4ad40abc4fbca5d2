#!/usr/bin/env bash
# The benchmark (not a test): sets up the checkout (dependencies, FerretDB, the
# compiled CLI), then runs pipeline/bench/run.ts, which starts its own FerretDB
# and fake Polygon server, prints one table and writes bench-results/pipeline.json.
# Extra arguments go to the bench (--runs N, --grow-days N).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash scripts/setup.sh

echo "== benchmark (progress on stderr, table on stdout)" >&2
cd pipeline && exec npx tsx bench/run.ts "$@"
