#!/usr/bin/env bash
# The demo command: sets everything up, then ingests the watchlist's recent
# trading days into the embedded MongoDB and the local lake, and shows the
# coverage. Offline synthetic data unless POLYGON_API_KEY is set; any of
# MONGODB_URI / LAKE_URI / POLYGON_API_KEY switches to the real service.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

if [[ "${1:-}" == "stop" ]]; then
  node --input-type=module -e 'import { stopEmbeddedMongo } from "./pipeline/dist/services/ferretdb.server.js"; console.log((await stopEmbeddedMongo(".data/ferretdb")) ? "stopped the embedded MongoDB (FerretDB and its PostgreSQL)" : "the embedded MongoDB was not running")'
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
  echo "MongoDB: the embedded FerretDB server ($(node -e 'console.log(JSON.parse(require("fs").readFileSync(".data/ferretdb/server.json","utf8")).uri)'), data in a PostgreSQL cluster in .data/ferretdb/pg), database ${MONGODB_DB:-stock_market}"
  echo "It keeps running for later commands; stop it with: ./scripts/demo.sh stop"
fi
echo "Try: npx stock-pipeline status   |   npx stock-pipeline run --date $latest --json"

# The web app on the same data: production build, served in the background.
# The demo editor's password and the session secret are random per run unless set.
echo >&2
echo "== building the web app" >&2
npm run build --workspace webapp --silent >&2
web_pid_file="$ROOT/.data/webapp.pid"
if [[ -f "$web_pid_file" ]] && kill -0 "$(cat "$web_pid_file")" 2>/dev/null; then
  kill "$(cat "$web_pid_file")" 2>/dev/null || true # the previous demo's web app
  sleep 1
fi
web_port="${PORT:-3000}"
if ! node -e 'const s=require("net").createServer().once("error",()=>process.exit(1)).listen(+process.argv[1],()=>s.close())' "$web_port"; then
  web_port="$(node -e 'const s=require("net").createServer().listen(0,()=>{console.log(s.address().port);s.close()})')"
fi
demo_user="${ADMIN_USERNAME:-editor}"
demo_password="${ADMIN_PASSWORD:-$(node -e 'console.log(require("crypto").randomBytes(12).toString("base64url"))')}"
(
  cd webapp
  # Plain-HTTP demo URL: the session cookie cannot be Secure-only here (SESSION_COOKIE_SECURE=true to force it).
  PORT="$web_port" ADMIN_USERNAME="$demo_user" ADMIN_PASSWORD="$demo_password" \
    SESSION_SECRET="${SESSION_SECRET:-$(node -e 'console.log(require("crypto").randomBytes(32).toString("base64url"))')}" \
    SESSION_COOKIE_SECURE="${SESSION_COOKIE_SECURE:-false}" NODE_ENV=production \
    nohup node ../node_modules/@remix-run/serve/dist/cli.js ./build/server/index.js >"$ROOT/.data/webapp.log" 2>&1 &
  echo $! >"$web_pid_file"
)
for _ in $(seq 1 60); do
  if node -e 'fetch(process.argv[1]).then((r)=>process.exit(r.ok?0:1),()=>process.exit(1))' "http://127.0.0.1:$web_port/healthz"; then break; fi
  if ! kill -0 "$(cat "$web_pid_file")" 2>/dev/null; then echo "the web app did not start; see .data/webapp.log:" >&2; tail -20 "$ROOT/.data/webapp.log" >&2; exit 1; fi
  sleep 0.5
done
echo
echo "Web app: http://localhost:$web_port   (charts, records, audit trail, data health)"
echo "Demo editor: user name '$demo_user', password '$demo_password'   (new for every demo run; not stored)"
echo "Stop the web app with: kill \$(cat .data/webapp.pid)"
