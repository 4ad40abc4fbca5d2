#!/usr/bin/env bash
# `npm run lint`: ESLint (type-aware, every workspace), Prettier's check, ruff's
# lint and format check over dags/. Every step runs, whatever the one before
# found; exits 1 when any of them found something. `--fix` (`npm run format`)
# rewrites instead: ESLint's fixes, then Prettier, then ruff.
# ESLint and Prettier keep their caches in node_modules/.cache, ruff in
# .cache/ruff. ESLint's cache is per file: a change to a type that another file
# uses is seen there only once that file changes too (or with a cold cache:
# rm -rf node_modules/.cache/eslint).
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
say() { printf 'lint: %s\n' "$*" >&2; }

fix=false
case "${1:-}" in
  --fix) fix=true ;;
  "") ;;
  *) say "unknown argument '$1': use no argument (check) or --fix"; exit 2 ;;
esac

BIN="$ROOT/node_modules/.bin"
if [[ ! -x "$BIN/eslint" || ! -x "$BIN/prettier" ]]; then
  say "ESLint or Prettier is not installed: run bash scripts/setup.sh first."
  exit 1
fi

failed=()
step() {
  local name="$1"
  shift
  local start=$SECONDS
  if "$@"; then say "$name: ok ($((SECONDS - start)) s)"; else failed+=("$name"); fi
}

ESLINT=("$BIN/eslint" --cache --cache-location node_modules/.cache/eslint/ --max-warnings 0)
PRETTIER=("$BIN/prettier" --cache --log-level warn)
if $fix; then
  step "eslint --fix" "${ESLINT[@]}" --fix .
  # Twice, the second time without the cache: how Prettier lays out a method
  # chain depends on the line breaks it is given, so a first pass over
  # hand-formatted code can leave a few files that a second pass changes again.
  step "prettier --write" "${PRETTIER[@]}" --write .
  step "prettier --write (second pass)" "$BIN/prettier" --log-level warn --write .
  step "ruff check --fix" bash scripts/ruff.sh check --fix dags
  step "ruff format" bash scripts/ruff.sh format dags
else
  step "eslint" "${ESLINT[@]}" .
  step "prettier --check" "${PRETTIER[@]}" --check .
  step "ruff check" bash scripts/ruff.sh check dags
  step "ruff format --check" bash scripts/ruff.sh format --check dags
fi

if ((${#failed[@]})); then
  say "failed: ${failed[*]}"
  $fix || say "npm run format fixes formatting and what ESLint and ruff can fix themselves."
  exit 1
fi
