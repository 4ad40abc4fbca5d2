#!/usr/bin/env bash
# Builds the web app's production bundle (webapp/build) when it is missing or
# older than anything it is built from, so `npm run bench` and `npm run soak`
# measure the current code without rebuilding every time. Run after setup.sh.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
built="webapp/build/server/index.js"
# pipeline/src, not pipeline/dist: setup.sh recompiles dist whenever a pipeline source changed, so dist can look newer than the web app build.
sources=(webapp/app webapp/vite.config.ts webapp/package.json pipeline/src package-lock.json)
if [[ -f "$built" && -z "$(find "${sources[@]}" -newer "$built" -print -quit 2>/dev/null)" ]]; then
  echo "== web app production build: up to date" >&2
else
  echo "== web app production build (npm run build --workspace webapp)" >&2
  npm run build --workspace webapp --silent >&2
fi
