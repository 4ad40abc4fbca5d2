#!/usr/bin/env bash
# Prepares a checkout: Node dependencies from the lockfile, the local service
# binaries (FerretDB, fake-gcs-server), PostgreSQL for the embedded MongoDB
# (Debian's package, installed when missing) and the compiled pipeline. Idempotent and
# cached: a second run does almost nothing. Used by scripts/test.sh and
# scripts/demo.sh; safe to run by hand.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
say() { printf 'setup: %s\n' "$*" >&2; }

need_node="20.19.0"
if ! command -v node >/dev/null 2>&1; then
  say "Node.js is not installed: install Node.js $need_node or newer (https://nodejs.org) and run again."
  exit 1
fi
if ! node -e "const [a,b]=process.versions.node.split('.').map(Number);process.exit(a>20||(a===20&&b>=19)?0:1)"; then
  say "Node.js $(node --version) is too old: this project needs $need_node or newer."
  exit 1
fi

# npm ci only when the lockfile changed since the last install.
lock_hash="$(sha256sum package-lock.json | cut -d' ' -f1)"
stamp="node_modules/.setup-lock-hash"
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$lock_hash" ]]; then
  say "installing Node dependencies from package-lock.json (npm ci)…"
  npm ci --no-audit --no-fund --loglevel=error >&2
  echo "$lock_hash" >"$stamp"
else
  say "Node dependencies: up to date"
fi

bash scripts/ensure-tools.sh
bash scripts/ensure-postgres.sh

# tsc only when a source or a compiler setting changed since the last good build.
stamp="pipeline/dist/.setup-build-stamp"
if [[ -f "$stamp" && -f pipeline/dist/cli.js && -z "$(find pipeline/src pipeline/package.json pipeline/tsconfig.build.json tsconfig.json package-lock.json -newer "$stamp" -print -quit)" ]]; then
  say "the compiled pipeline: up to date"
else
  say "compiling the pipeline (tsc)…"
  # Stamped with the build's start, so that an edit made during the build still counts as newer.
  rm -f "$stamp"
  mkdir -p pipeline/dist
  touch "$stamp.new"
  npm run build --workspace pipeline --silent >&2
  mv -f "$stamp.new" "$stamp"
fi
