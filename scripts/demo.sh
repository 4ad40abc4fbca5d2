#!/usr/bin/env bash
# The demo command: sets everything up, then ingests the watchlist's recent
# trading days into the embedded MongoDB and the local lake, and shows the
# coverage. Offline synthetic data unless POLYGON_API_KEY is set; any of
# MONGODB_URI / LAKE_URI / POLYGON_API_KEY switches to the real service.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

if [[ "${1:-}" == "stop" ]]; then
  node --input-type=module -e 'import { stopEmbeddedMongo } from "./pipeline/dist/services/ferretdb.server.js"; console.log((await stopEmbeddedMongo(".data/ferretdb")) ? "stopped the embedded MongoDB" : "the embedded MongoDB was not running")'
  exit 0
fi

bash scripts/setup.sh

cli() { node pipeline/bin/stock-pipeline.js "$@"; }

# One year of daily bars per watchlist ticker: one request per ticker.
latest="$(node --input-type=module -e 'import { latestCompletedSession } from "./pipeline/dist/calendar/nyse.js"; console.log(latestCompletedSession(new Date()))')"
from="$(node --input-type=module -e 'import { addDays } from "./pipeline/dist/calendar/nyse.js"; console.log(addDays(process.argv[1], -365))' "$latest")"
echo "== back-filling ${TICKERS:-the default watchlist} from $from to $latest" >&2
cli backfill --from "$from" --to "$latest"
# And the daily path the scheduler runs: one grouped request for the whole market.
echo "== daily run for $latest" >&2
cli run --date "$latest"

echo >&2
echo "== status" >&2
cli status
echo
echo "Raw responses: ${LAKE_URI:-$ROOT/.data/lake}"
if [[ -z "${MONGODB_URI:-}" ]]; then
  echo "MongoDB: the embedded FerretDB server ($(node -e 'console.log(JSON.parse(require("fs").readFileSync(".data/ferretdb/server.json","utf8")).uri)'), data in .data/ferretdb), database ${MONGODB_DB:-stock_market}"
  echo "It keeps running for later commands; stop it with: ./scripts/demo.sh stop"
fi
echo "Try: npx stock-pipeline status   |   npx stock-pipeline run --date $latest --json"
