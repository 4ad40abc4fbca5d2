#!/usr/bin/env bash
# Makes sure PostgreSQL's server programs (initdb, pg_ctl, postgres) are
# installed: the embedded MongoDB (FerretDB) keeps its data in a PostgreSQL
# cluster under DATA_DIR (docs/decisions/070). Installs Debian's `postgresql`
# package when they are missing (sudo when not root). The package's own
# "main" cluster is not wanted (ours is created by the pipeline, on a Unix
# socket only), so its creation is switched off before installing.
# Idempotent: does nothing when the programs are there.
# Usage: bash scripts/ensure-postgres.sh
set -euo pipefail
say() { printf 'setup: %s\n' "$*" >&2; }

find_bin_dir() {
  if [[ -n "${POSTGRES_BIN_DIR:-}" && -x "$POSTGRES_BIN_DIR/initdb" && -x "$POSTGRES_BIN_DIR/pg_ctl" ]]; then
    echo "$POSTGRES_BIN_DIR"
    return 0
  fi
  local dir
  # Debian keeps them off PATH, in /usr/lib/postgresql/<major>/bin; the newest wins.
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5 -n -r) "$(dirname "$(command -v pg_ctl 2>/dev/null || echo /nonexistent/pg_ctl)")"; do
    if [[ -x "$dir/initdb" && -x "$dir/pg_ctl" && -x "$dir/postgres" ]]; then
      echo "$dir"
      return 0
    fi
  done
  return 1
}

if dir="$(find_bin_dir)"; then
  say "PostgreSQL: $("$dir/postgres" --version) in $dir"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  say "PostgreSQL is not installed and this is not a Debian-like system: install PostgreSQL 13 or newer (initdb, pg_ctl), set POSTGRES_BIN_DIR to its bin directory, and run again; or set MONGODB_URI to use your own MongoDB."
  exit 1
fi
sudo=""
if [[ "$(id -u)" != "0" ]]; then sudo="sudo"; fi
say "installing PostgreSQL (Debian's postgresql package) for the embedded MongoDB…"
if [[ ! -e /etc/postgresql-common/createcluster.conf ]]; then
  $sudo mkdir -p /etc/postgresql-common/createcluster.d
  echo "create_main_cluster = false" | $sudo tee /etc/postgresql-common/createcluster.d/stock-market-no-main-cluster.conf >/dev/null
fi
# Passed through env: sudo's env_reset would drop an exported DEBIAN_FRONTEND.
apt_get() { $sudo env DEBIAN_FRONTEND=noninteractive apt-get "$@"; }
if ! apt_get install -y --no-install-recommends postgresql >&2; then
  apt_get update >&2
  apt_get install -y --no-install-recommends postgresql >&2
fi
if ! dir="$(find_bin_dir)"; then
  say "PostgreSQL was installed but initdb and pg_ctl are not under /usr/lib/postgresql/*/bin: set POSTGRES_BIN_DIR to the directory that has them and run again."
  exit 1
fi
say "PostgreSQL: $("$dir/postgres" --version) in $dir"
