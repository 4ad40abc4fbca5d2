#!/usr/bin/env bash
# The benchmarks (not tests: nothing here passes or fails on time). Sets up the
# checkout (dependencies, FerretDB, the compiled CLI) and the web app's
# production build when it is missing or stale, then runs
#   1. pipeline/bench/run.ts: loading, API requests per job, memory -> bench-results/pipeline.json
#   2. webapp/bench/run.ts: chart and records loaders split into server and our time, chart JS -> webapp.json
#   3. webapp/bench/pages.ts: every page's round trip, warm and cold, on our default beside FerretDB on SQLite
#      with the same data, then 100 tickers × 10 years on our default -> pages.json
#   4. pipeline/bench/curated.ts: curating one whole-market session into Parquet -> curated.json
#   5. pipeline/bench/market.ts: the market screener (movers, snapshot, breadth series) over a curated
#      lake of 1 year × 11,000 tickers, warm and cold -> market.json
# (each starts its own FerretDB) and prints ONE table of every figure
# (webapp/bench/table.ts, including the last soak's figures when
# bench-results/soak.json exists) on stdout, writing bench-results/all.json.
# The parts' own tables and progress go to stderr.
#
#   npm run bench                     full size (1,000,000 records for the records page: about an hour on 2 cores)
#   npm run bench -- --quick          small sizes for development (also BENCH_QUICK=1): a few minutes
#   options: --runs N (both parts), --grow-days N (pipeline), --rows N and --budget SECONDS (web app)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

quick="${BENCH_QUICK:-0}"
pipeline_args=()
webapp_args=()
pages_args=()
lake_args=()
while (($#)); do
  case "$1" in
    --quick) quick=1 ;;
    --runs) pipeline_args+=(--runs "$2"); webapp_args+=(--runs "$2"); shift ;;
    --grow-days) pipeline_args+=(--grow-days "$2"); shift ;;
    --rows | --budget) webapp_args+=("$1" "$2"); shift ;;
    *)
      echo "bench: unknown option $1 (use --quick, --runs N, --grow-days N, --rows N, --budget SECONDS)" >&2
      exit 2
      ;;
  esac
  shift
done
if [[ "$quick" == "1" ]]; then
  export BENCH_QUICK=1
  # After the caller's options: both benches take the first occurrence of an option.
  pipeline_args+=(--runs 2 --grow-days 1)
  pages_args+=(--quick)
  lake_args+=(--quick)
fi

bash scripts/setup.sh
bash scripts/webapp-build-if-needed.sh

echo "== pipeline benchmark (its table and progress on stderr)" >&2
(cd pipeline && npx tsx bench/run.ts "${pipeline_args[@]}") >&2
echo "== web app benchmark (its table and progress on stderr)" >&2
(cd webapp && npx tsx bench/run.ts "${webapp_args[@]}") >&2
echo "== page round trips, our default beside FerretDB on SQLite (progress on stderr)" >&2
(cd webapp && npx tsx bench/pages.ts "${pages_args[@]}") >&2
echo "== curated lake: curate one whole-market session (its table and progress on stderr)" >&2
(cd pipeline && npx tsx bench/curated.ts "${lake_args[@]}") >&2
echo "== market screener over a year of the whole market (progress on stderr)" >&2
(cd pipeline && npx tsx bench/market.ts "${lake_args[@]}") >&2
echo "== all figures" >&2
cd webapp && exec npx tsx bench/table.ts
