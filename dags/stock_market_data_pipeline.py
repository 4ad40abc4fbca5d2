"""
# stock_market_data_pipeline

Daily US stock bars and corporate actions: the Polygon/Massive API → the raw
data lake → MongoDB (`stock_market.daily_prices`, as traded, and
`stock_market.corporate_actions`). Each task runs one command of the
`stock-pipeline` CLI in a container of the pipeline image (`PIPELINE_IMAGE`,
default `stock-pipeline:latest`); all logic lives in the CLI.

| task | daily (scheduled) | backfill | reprocess |
|---|---|---|---|
| `extract` (API → lake) | `extract --as-of I` | `backfill --from F --to T --lake-only` | skipped |
| `load` (lake → MongoDB) | `load --as-of I` | `reprocess --from F --to T` | `reprocess --from F --to T` |
| `check` | `check --as-of I` (fails unless every ticker has a record) | `status --json` | `status --json` |

`I` is the run's data-interval end (a manual run's trigger time); a manual
daily run with a `date` passes `--date D` instead.

**Corporate actions.** The daily `extract` stores, besides the grouped bars
(requested `adjusted=false`, as traded), the whole market's splits executing
in the next 30 days and the dividends going ex on the session: 3 requests a
day (+ pages). `load` loads both; the web app and the read API apply them on
read. If the bars were stored but the actions could not be fetched, `extract`
exits 3 (the task retries); a later run also fetches the actions of the
previous 10 sessions that are missing from the lake.

**Schedule.** Monday to Friday at 06:00 New York time (`CronTriggerTimetable`,
DST-aware). The DAG holds no calendar: it passes its data-interval end as
`--as-of`, and the CLI ingests the latest NYSE session completed at that
instant: Monday's run takes Friday, the run after a holiday takes the session
before it (2025-07-07 → 2025-07-03). By then the day's bars are final (the
free plan refuses "today" before an undocumented end-of-day cut-off, and
volumes get revised after the close). Sessions missed since the last one
loaded for the watchlist (Airflow was down) are ingested first, at most
`MAX_CATCH_UP_SESSIONS` (default 10); the log names older ones and the
back-fill that fills them. A weekend or holiday `date` is not an error: the
CLI says the market was closed and exits 0.

**Manual runs** ("Trigger" with params): `mode` daily (one `date`; empty =
the latest completed session at trigger time), backfill (`from`, `to`: the
API → lake, then lake → MongoDB) or reprocess (`from`, `to`: lake → MongoDB,
no API calls); `tickers` (comma-separated, empty = the `TICKERS` of the
deployment); `overwrite_manual` to replace hand-edited records; `refetch`
(backfill) to fetch pages again. Contradictory params fail the run at once.

**Failures.** A non-zero CLI exit fails the task (2 usage/configuration,
3 API, 4 rows rejected and quarantined, 1 other); it is retried 3 times with
exponential backoff, then the run fails. Failed containers are kept for
`docker logs`; successful ones are removed.

**Configuration.** Non-secret settings (`LAKE_URI`, `MONGODB_DB`,
`POLYGON_BASE_URL`, `TICKERS`, ...) come from the Airflow services'
environment; `POLYGON_API_KEY` and `MONGODB_URI` from the worker's
environment or the Airflow Variables `stock_pipeline_polygon_api_key` /
`stock_pipeline_mongodb_uri`, read when the task runs and passed privately.
See docs/airflow.md.
"""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

import pendulum
from airflow.sdk import DAG, Param, TriggerRule
from airflow.timetables.trigger import CronTriggerTimetable

# Airflow's DAG processor and workers put the DAG folder on sys.path; a plain
# DagBag (astro dev parse, the integrity tests) does not.
if str(Path(__file__).resolve().parent) not in sys.path:
    sys.path.append(str(Path(__file__).resolve().parent))

from pipeline_cli import MODES
from pipeline_container import PipelineContainerOperator, container_settings, stock_pipeline_command

DAG_ID = "stock_market_data_pipeline"
NEW_YORK = "America/New_York"
TICKERS_PATTERN = r"^\s*(\*|[A-Za-z0-9][A-Za-z0-9.\-_:]*(\s*,\s*[A-Za-z0-9][A-Za-z0-9.\-_:]*)*)\s*$"


def _command(task: str) -> str:
    # Concatenated: the doubled braces an f-string or format() needs would hide the Jinja.
    return "{{ stock_pipeline_command('" + task + "', params, dag_run) }}"


with DAG(
    dag_id=DAG_ID,
    description="Polygon daily bars -> raw lake -> MongoDB, one stock-pipeline container per step",
    # Data interval = the trigger instant (interval 0); see docs/decisions/010-airflow-schedule.md.
    schedule=CronTriggerTimetable("0 6 * * 1-5", timezone=NEW_YORK, interval=timedelta(0), run_immediately=False),
    start_date=pendulum.datetime(2025, 1, 1, tz=NEW_YORK),
    catchup=False,  # history is filled with a manual backfill run, not one DAG run per day
    max_active_runs=1,
    is_paused_upon_creation=True,
    dagrun_timeout=timedelta(hours=12),
    default_args={
        "owner": "data-engineering",
        "retries": 3,
        "retry_delay": timedelta(minutes=5),
        "retry_exponential_backoff": True,
        "max_retry_delay": timedelta(minutes=45),
        "execution_timeout": timedelta(hours=4),
    },
    tags=["stock-market", "polygon", "mongodb", "elt", "docker"],
    doc_md=__doc__,
    params={
        "mode": Param(
            "daily",
            type="string",
            enum=list(MODES),
            title="Mode",
            description="daily: one session; backfill: API -> lake -> MongoDB for from..to; "
            "reprocess: lake -> MongoDB for from..to, no API calls",
        ),
        "date": Param(
            None,
            type=["null", "string"],
            format="date",
            title="Date (daily)",
            description="Session to ingest, YYYY-MM-DD. Empty: the latest session completed at trigger time, "
            "after any missed since the last load.",
        ),
        "from": Param(
            None, type=["null", "string"], format="date", title="From (backfill, reprocess)", description="First date, YYYY-MM-DD."
        ),
        "to": Param(None, type=["null", "string"], format="date", title="To (backfill, reprocess)", description="Last date, YYYY-MM-DD."),
        "tickers": Param(
            None,
            type=["null", "string"],
            pattern=TICKERS_PATTERN,
            title="Tickers",
            description="Comma-separated, e.g. AAPL,MSFT (* = all, load only). Empty: TICKERS.",
        ),
        "overwrite_manual": Param(
            False, type="boolean", title="Overwrite manual edits", description="Replace records a person edited or deleted by hand."
        ),
        "refetch": Param(
            False, type="boolean", title="Refetch (backfill)", description="Fetch range pages again even if the lake has them."
        ),
    },
    user_defined_macros={"stock_pipeline_command": stock_pipeline_command},
) as dag:
    container = {
        **container_settings(),
        "mount_tmp_dir": False,  # the Docker host may be remote: no bind mount of a worker temp dir
        "auto_remove": "success",  # failed containers stay for `docker logs`
        "force_pull": False,  # stock-pipeline:latest is loaded locally (docker load), not pulled
        "labels": {"io.stock-pipeline.dag": DAG_ID},
    }

    extract = PipelineContainerOperator(task_id="extract", command=_command("extract"), **container)
    # none_failed: in reprocess mode extract is skipped and load still runs.
    load = PipelineContainerOperator(task_id="load", command=_command("load"), trigger_rule=TriggerRule.NONE_FAILED, **container)
    check = PipelineContainerOperator(task_id="check", command=_command("check"), **container)

    extract >> load >> check
