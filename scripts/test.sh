#!/usr/bin/env bash
# The test command: sets everything up on a fresh clone, then runs every test
# against real local servers (FerretDB, fake-gcs-server, the fake Polygon
# server). Exits non-zero on any failure.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash scripts/setup.sh

echo "== type-check" >&2
npm run typecheck --silent

echo "== lint (ESLint, Prettier, ruff)" >&2
npm run lint --silent

echo "== pipeline tests (vitest)" >&2
(cd pipeline && npx vitest run)
bash scripts/test-image.sh
bash scripts/test-airflow.sh
WEBAPP_SKIP_SETUP=1 bash scripts/test-webapp.sh
