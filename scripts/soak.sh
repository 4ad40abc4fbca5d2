#!/usr/bin/env bash
# The soak test (on demand, not part of scripts/test.sh): sets up the checkout,
# builds the web app when its build is missing or stale, then runs
# webapp/bench/soak.ts: the production server on loopback over a fresh
# FerretDB, concurrent readers and editors for --duration seconds (default 60),
# then a check from the database that no acknowledged edit was lost. Prints a
# table, writes bench-results/soak.json, exits 1 on any error or lost update.
# Options go to soak.ts: --duration S, --readers N, --editors N, --timeout S, --rate R, --symbols N, --years N.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash scripts/setup.sh
bash scripts/webapp-build-if-needed.sh
echo "== soak test (progress on stderr, table on stdout)" >&2
cd webapp && exec npx tsx bench/soak.ts "$@"
