#!/usr/bin/env bash
# The web app's tests: unit tests next to the code, then the production build
# served by remix-serve on a free port against a FerretDB on a temp directory
# with seeded data, driven in Debian's Chromium by playwright-core
# (webapp/tests/e2e; the server and database are started by its global set-up).
# Installs Debian's chromium when /usr/bin/chromium is missing.
# UPDATE_SCREENSHOTS=1 also refreshes docs/screenshots/*.png.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

# scripts/test.sh has already run the set-up; standalone, do it here (cached).
if [[ "${WEBAPP_SKIP_SETUP:-}" != "1" ]]; then bash scripts/setup.sh; fi

if [[ -z "${CHROMIUM_PATH:-}" && ! -x /usr/bin/chromium ]]; then
  echo "== installing Debian's chromium for the browser tests" >&2
  sudo=""
  if [[ "$(id -u)" != "0" ]]; then sudo="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  if ! $sudo apt-get install -y --no-install-recommends chromium >&2; then
    $sudo apt-get update >&2
    $sudo apt-get install -y --no-install-recommends chromium >&2
  fi
fi

echo "== web app unit tests (vitest)" >&2
(cd webapp && npx vitest run)

# Rebuilt only when a source is newer than the bundle (always on a fresh clone).
bash scripts/webapp-build-if-needed.sh

echo "== web app browser tests (vitest + playwright-core + chromium)" >&2
(cd webapp && npx vitest run --config vitest.e2e.config.ts)
