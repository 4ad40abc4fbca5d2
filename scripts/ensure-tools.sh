#!/usr/bin/env bash
# Builds the local service binaries the tests, the CLI and the demo run instead
# of mocks, into <repo>/.tools/bin/:
#   ferretdb-embedded  FerretDB v1.24.2, the embedded MongoDB (tools/ferretdb; on PostgreSQL,
#                      which scripts/ensure-postgres.sh installs, or on SQLite)
#   fake-gcs-server    fsouza/fake-gcs-server, the Google Cloud Storage emulator
# Idempotent: a build is skipped when the binary exists and its stamp file
# (<name>.stamp) holds the hash of the build inputs. Missing tools are built in
# parallel. Usage: bash scripts/ensure-tools.sh
set -euo pipefail

FAKE_GCS_VERSION="v1.55.1"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="$ROOT/.tools/bin"
mkdir -p "$BIN"

say() { printf '%s\n' "$*" >&2; }

GO="$(command -v go || true)"
if [[ -z "$GO" && -x /usr/local/go/bin/go ]]; then GO=/usr/local/go/bin/go; fi
if [[ -z "$GO" ]]; then
  say "ensure-tools: Go is not installed (no 'go' on PATH): install Go 1.24 or newer from https://go.dev/dl/ and run scripts/ensure-tools.sh again."
  exit 1
fi
GO_VERSION="$("$GO" version)"

if command -v sha256sum >/dev/null 2>&1; then
  sha() { sha256sum | cut -d' ' -f1; }
else
  sha() { shasum -a 256 | cut -d' ' -f1; }
fi

# Two concurrent runs (say, tests and the demo) must not build into the same place.
if command -v flock >/dev/null 2>&1; then
  exec 9>"$BIN/.ensure-tools.lock"
  flock 9
fi

ferretdb_hash() {
  local dir="$ROOT/tools/ferretdb"
  { sha256sum "$dir/go.mod" "$dir/go.sum" "$dir/main.go" 2>/dev/null \
      || shasum -a 256 "$dir/go.mod" "$dir/go.sum" "$dir/main.go"; } | cut -d' ' -f1
  printf '%s\n' "$GO_VERSION"
}
fake_gcs_hash() { printf 'fake-gcs-server %s\n%s\n' "$FAKE_GCS_VERSION" "$GO_VERSION"; }

build_ferretdb() {
  cd "$ROOT/tools/ferretdb" || return 1
  "$GO" build -buildvcs=false -o "$BIN/ferretdb-embedded.tmp" . && mv -f "$BIN/ferretdb-embedded.tmp" "$BIN/ferretdb-embedded"
}
build_fake_gcs() {
  cd "$ROOT"
  GOBIN="$BIN" "$GO" install "github.com/fsouza/fake-gcs-server@$FAKE_GCS_VERSION"
}

# up_to_date NAME HASH: the binary exists and its stamp matches.
up_to_date() {
  [[ -x "$BIN/$1" && -f "$BIN/$1.stamp" && "$(cat "$BIN/$1.stamp")" == "$2" ]]
}

pids=()
# schedule NAME LABEL DESCRIPTION HASH BUILD_FUNCTION: builds in the background unless cached.
schedule() {
  local name="$1" label="$2" what="$3" hash="$4" fn="$5"
  if up_to_date "$name" "$hash"; then
    say "$label: cached"
    return
  fi
  say "building $label ($what), ~2 min the first time…"
  rm -f "$BIN/$name.stamp"
  (
    start=$SECONDS
    if ( "$fn" ) >"$BIN/$name.build.log" 2>&1; then
      printf '%s\n' "$hash" >"$BIN/$name.stamp"
      rm -f "$BIN/$name.build.log"
      say "$label: built in $((SECONDS - start))s"
    else
      say "ensure-tools: building $label failed; the last lines of $BIN/$name.build.log:"
      tail -n 30 "$BIN/$name.build.log" >&2 || true
      exit 1
    fi
  ) &
  pids+=("$!")
}

schedule ferretdb-embedded FerretDB "embedded MongoDB" "$(ferretdb_hash | sha)" build_ferretdb
schedule fake-gcs-server fake-gcs-server "Cloud Storage emulator $FAKE_GCS_VERSION" "$(fake_gcs_hash | sha)" build_fake_gcs

failed=0
for pid in "${pids[@]+"${pids[@]}"}"; do
  wait "$pid" || failed=1
done
exit "$failed"
