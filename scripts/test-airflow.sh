#!/usr/bin/env bash
# The DAG tests on the real Airflow 3 (dags/tests/ and the Astro integrity
# test): a cached virtualenv pinned by dags/requirements-test.lock
# (scripts/airflow-venv.sh), a throw-away AIRFLOW_HOME with a migrated SQLite
# database, and the built CLI, FerretDB and the fake Polygon server for the
# end-to-end runs. Extra arguments go to pytest (e.g. -k calendar).
# Exits non-zero on any failure, and when no test ran.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
say() { printf 'test-airflow: %s\n' "$*" >&2; }

# The end-to-end tests run the compiled CLI and the embedded MongoDB.
if [[ ! -f pipeline/dist/cli.js || ! -x .tools/bin/ferretdb-embedded ]]; then
  say "the CLI or FerretDB is not built yet: running scripts/setup.sh"
  bash scripts/setup.sh
fi

VENV="$(bash scripts/airflow-venv.sh)"

AIRFLOW_HOME="$(mktemp -d "${TMPDIR:-/tmp}/airflow-home-XXXXXX")"
cleanup() { rm -rf "$AIRFLOW_HOME"; }
trap cleanup EXIT
export AIRFLOW_HOME
export AIRFLOW__CORE__DAGS_FOLDER="$ROOT/dags"
export AIRFLOW__CORE__LOAD_EXAMPLES=False
export PYTHONDONTWRITEBYTECODE=1
# The tests set the pipeline's variables themselves; none may come from the caller's shell.
unset POLYGON_API_KEY POLYGON_API_KEY_FILE POLYGON_BASE_URL MONGODB_URI MONGODB_URI_FILE MONGODB_DB LAKE_URI \
  GCS_API_ENDPOINT GCS_PROJECT_ID GOOGLE_APPLICATION_CREDENTIALS TICKERS MAX_CATCH_UP_SESSIONS ALLOW_SYNTHETIC_DATA \
  PIPELINE_IMAGE PIPELINE_DOCKER_NETWORK PIPELINE_DOCKER_URL PIPELINE_GCP_CREDENTIALS_FILE

say "airflow db migrate (SQLite in $AIRFLOW_HOME)"
"$VENV/bin/airflow" db migrate >"$AIRFLOW_HOME/db-migrate.log" 2>&1 || { cat "$AIRFLOW_HOME/db-migrate.log" >&2; exit 1; }

say "pytest dags/tests astro/.astro (Airflow $("$VENV/bin/python" -c 'import airflow; print(airflow.__version__)'))"
set +e
"$VENV/bin/python" -m pytest -p no:cacheprovider -c dags/tests/pytest.ini --rootdir "$ROOT" dags/tests astro/.astro/test_dag_integrity_default.py "$@"
status=$?
set -e
if [[ $status -eq 5 ]]; then
  say "pytest collected no test: that is a failure here"
  exit 1
fi
exit $status
