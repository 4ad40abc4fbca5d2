#!/usr/bin/env bash
# The test command: sets everything up on a fresh clone, then runs every test
# against real local servers (FerretDB, fake-gcs-server, the fake Polygon
# server). Exits non-zero on any failure.
#
# Steps that share no server, database or port run side by side: on 2 cores
# most of them wait on child processes (the CLI, Airflow, the browser). A
# step run in the background writes to a log that is printed as one block
# when it ends; the command waits for every step and then fails if any did.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

LOGS="$(mktemp -d "${TMPDIR:-/tmp}/stock-test-logs-XXXXXX")"
pids=()
names=()
failed=()
# Ctrl-C or a failure of this script stops the background steps (each is its own process group).
cleanup() {
  for pid in "${pids[@]}"; do kill -- "-$pid" 2>/dev/null || true; done
  rm -rf "$LOGS"
}
trap cleanup EXIT

# in_background NAME COMMAND...: starts a step with its output into NAME's log.
in_background() {
  local name="$1"
  shift
  set -m
  (
    set +e
    start=$SECONDS
    "$@"
    status=$?
    echo "== $name: $([[ $status == 0 ]] && echo passed || echo "FAILED (exit $status)") in $((SECONDS - start)) s"
    exit $status
  ) >"$LOGS/$name.log" 2>&1 &
  set +m
  pids+=($!)
  names+=("$name")
  echo "== $name: started in the background" >&2
}

# wait_all: waits for every background step in turn and prints its log.
wait_all() {
  local i status
  for i in "${!pids[@]}"; do
    status=0
    wait "${pids[$i]}" || status=$?
    echo "======== ${names[$i]} ========" >&2
    cat "$LOGS/${names[$i]}.log" >&2
    if [[ $status != 0 ]]; then failed+=("${names[$i]}"); fi
  done
  pids=()
  names=()
}

# timed NAME COMMAND...: runs a step in the foreground, its output as it comes.
timed() {
  local name="$1" start=$SECONDS status=0
  shift
  echo "== $name" >&2
  "$@" || status=$?
  echo "== $name: $([[ $status == 0 ]] && echo passed || echo "FAILED (exit $status)") in $((SECONDS - start)) s" >&2
  if [[ $status != 0 ]]; then failed+=("$name"); fi
}

stop_if_failed() {
  if [[ ${#failed[@]} -gt 0 ]]; then
    echo "== FAILED: ${failed[*]}" >&2
    exit 1
  fi
}

total=$SECONDS
timed "set-up" bash scripts/setup.sh
stop_if_failed

# Static checks, one tsc per workspace at once (the second core is otherwise idle).
in_background "type-check pipeline" npm run typecheck --workspace pipeline --silent
in_background "type-check webapp" npm run typecheck --workspace webapp --silent
in_background "type-check ci" npm run typecheck --workspace ci --silent
in_background "lint (ESLint, Prettier, ruff)" npm run lint --silent
wait_all
stop_if_failed

# The pipeline's suite (its own FerretDB, two workers) alone: it fills both cores.
timed "pipeline tests (vitest)" bash -c 'cd pipeline && npx vitest run'

# Then the Dagger module and the web app beside the Airflow DAG tests: each starts its own servers.
export TEST_SKIP_TYPECHECK=1 WEBAPP_SKIP_SETUP=1
in_background "Airflow DAG tests" bash scripts/test-airflow.sh
timed "Dagger module and image content" bash scripts/test-image.sh
timed "web app" bash scripts/test-webapp.sh
wait_all

echo "== test command: $((SECONDS - total)) s" >&2
stop_if_failed
echo "== all tests passed" >&2
