#!/usr/bin/env bash
# Runs ruff (the Python linter and formatter used on dags/) at the version pinned
# below, from a small virtualenv of its own in .cache/ruff-venv: the Airflow venv
# is 130 packages and a minute to build, ruff is one wheel and needs none of them.
# Built on first use (downloads cached in .cache/pip), rebuilt only when the pin
# changes. Arguments go to ruff:
#   bash scripts/ruff.sh check            # lint (configuration: ruff.toml)
#   bash scripts/ruff.sh format --check   # formatting
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
say() { printf 'ruff: %s\n' "$*" >&2; }

RUFF_VERSION="0.17.6"
CACHE="$ROOT/.cache"
VENV="$CACHE/ruff-venv"
export PIP_CACHE_DIR="$CACHE/pip" PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1
mkdir -p "$CACHE"

if [[ "$(cat "$VENV/.version" 2>/dev/null)" != "$RUFF_VERSION" ]]; then
  # Two runs at once must not build the same venv.
  if command -v flock >/dev/null 2>&1; then
    exec 8>"$CACHE/ruff-venv.lock"
    flock 8
  fi
  if [[ "$(cat "$VENV/.version" 2>/dev/null)" != "$RUFF_VERSION" ]]; then
    python="$(command -v python3 || true)"
    [[ -n "$python" ]] || { say "python3 is not installed: install it (ruff comes from PyPI) and run again."; exit 1; }
    say "installing ruff $RUFF_VERSION into $VENV..."
    rm -rf "$VENV"
    "$python" -m venv "$VENV" >&2
    "$VENV/bin/pip" install --quiet --prefer-binary "ruff==$RUFF_VERSION" >&2
    # Written last: an interrupted install is redone from scratch next time.
    echo "$RUFF_VERSION" >"$VENV/.version"
  fi
fi
exec "$VENV/bin/ruff" "$@"
