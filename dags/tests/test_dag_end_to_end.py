"""Full DAG runs on the real Airflow (`dag.test()`) in which each task's rendered
command and environment run as a local process of the built CLI instead of a
container (the only replacement, see launch.py), against the fake Polygon
server, an embedded MongoDB (FerretDB) and a local lake folder.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta, timezone

import pymongo
import pytest

from conftest import load_dag
from dagrun import run_dag, task_states, xcom_value
from launch import LocalProcessLauncher, install
from services import control, fake_polygon, ferretdb

UTC = timezone.utc
WATCHLIST = ["AAPL", "GOOGL", "MSFT", "NVDA", "TSLA"]  # the CLI's default TICKERS


@pytest.fixture(scope="module")
def mongo_uri(tmp_path_factory):
    with ferretdb(tmp_path_factory.mktemp("ferretdb")) as uri:
        yield uri


@pytest.fixture
def pipeline(monkeypatch, tmp_path, mongo_uri):
    """The Airflow worker's environment for one test: fake API, its own database, its own lake."""
    key = f"pk-e2e-{uuid.uuid4().hex[:12]}"
    db_name = f"airflow_e2e_{uuid.uuid4().hex[:8]}"
    with fake_polygon(key) as url:
        env = {
            "POLYGON_BASE_URL": url,
            "POLYGON_API_KEY": key,
            "POLYGON_MAX_REQUESTS_PER_MINUTE": "6000",
            "POLYGON_RETRY_BASE_MS": "20",
            "MONGODB_URI": mongo_uri,
            "MONGODB_DB": db_name,
            "LAKE_URI": str(tmp_path / "lake"),
        }
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        launcher = LocalProcessLauncher(tmp_path)
        install(monkeypatch, launcher)
        client = pymongo.MongoClient(mongo_uri)
        try:
            yield {"url": url, "key": key, "db": client[db_name], "lake": tmp_path / "lake", "launcher": launcher}
        finally:
            client.drop_database(db_name)
            client.close()


def stored_records(db, day: datetime) -> list[dict]:
    return sorted(db.daily_prices.find({"date": day}), key=lambda d: d["symbol"])


def test_a_scheduled_run_loads_the_session_and_a_second_run_changes_nothing(pipeline):
    dag = load_dag()  # parsed with this worker environment, like the DAG processor would
    monday_run = datetime(2025, 6, 30, 10, 0, tzinfo=UTC)  # Monday 06:00 New York: Friday 2025-06-27's session

    first = run_dag(dag, logical_date=monday_run)
    assert first.state == "success", task_states(first)
    friday = datetime(2025, 6, 27, tzinfo=UTC)
    records = stored_records(pipeline["db"], friday)
    assert [r["symbol"] for r in records] == WATCHLIST
    for record in records:
        assert record["source"] == "pipeline" and record["feed"] == "polygon"
        assert record["low"] <= min(record["open"], record["close"]) <= max(record["open"], record["close"]) <= record["high"]
        assert record["lakeObject"] == "raw/polygon/grouped/date=2025-06-27/grouped.json"
    assert (pipeline["lake"] / "raw/polygon/grouped/date=2025-06-27/grouped.json").is_file()
    # One request each for the whole market: grouped bars, splits, dividends.
    assert control(pipeline["url"], "stats")["byRoute"] == {"grouped": 1, "splits": 1, "dividends": 1}
    assert (pipeline["lake"] / "raw/polygon/splits/date=2025-06-27/page-0001.json").is_file()
    assert (pipeline["lake"] / "raw/polygon/dividends/date=2025-06-27/page-0001.json").is_file()
    loaded = json.loads(xcom_value(first, "load"))
    assert loaded["outcome"] == "success" and loaded["counts"]["inserted"] == 5
    # The load task also curates the whole market's session as Parquet (docs/curated-lake.md).
    assert (pipeline["lake"] / "curated/daily_bars/date=2025-06-27/part-0.parquet").is_file()
    assert loaded["details"]["curated"]["sessions"] == 1 and loaded["details"]["curated"]["rows"] > len(WATCHLIST)
    checked = json.loads(xcom_value(first, "check"))  # check --date: every watched ticker has its record
    assert checked["outcome"] == "success" and checked["date"] == "2025-06-27"

    # The same session again, this time triggered by hand with a date (no logical date).
    second = run_dag(dag, logical_date=None, run_after=datetime(2025, 7, 1, 15, 0, tzinfo=UTC), conf={"date": "2025-06-27"})
    assert second.state == "success", task_states(second)
    assert stored_records(pipeline["db"], friday) == records  # every field, updatedAt included
    assert pipeline["db"].daily_prices.count_documents({}) == 5
    again = json.loads(xcom_value(second, "load"))
    assert again["counts"]["unchanged"] == 5 and again["counts"]["inserted"] == 0 and again["counts"]["updated"] == 0
    launched = [(launch.task_id, launch.exit_code) for launch in pipeline["launcher"].launches]
    assert launched == [("extract", 0), ("load", 0), ("check", 0)] * 2


def test_the_run_after_july_4th_loads_july_3rd_and_a_run_after_missed_days_heals_them(pipeline):
    dag = load_dag()
    after_holiday = run_dag(dag, logical_date=datetime(2025, 7, 7, 10, 0, tzinfo=UTC))  # Monday 06:00 New York
    assert after_holiday.state == "success", task_states(after_holiday)
    loaded = json.loads(xcom_value(after_holiday, "load"))
    assert loaded["date"] == "2025-07-03" and loaded["details"]["sessions"] == ["2025-07-03"]  # empty database: no history
    assert len(stored_records(pipeline["db"], datetime(2025, 7, 3, tzinfo=UTC))) == len(WATCHLIST)

    # Airflow was down on Tuesday and Wednesday: Thursday's run ingests Mon 07-07 and Tue 07-08 before Wed 07-09.
    control(pipeline["url"], "reset-stats", {})
    thursday = run_dag(dag, logical_date=datetime(2025, 7, 10, 10, 0, tzinfo=UTC))
    assert thursday.state == "success", task_states(thursday)
    assert control(pipeline["url"], "stats")["byRoute"]["grouped"] == 3
    healed = json.loads(xcom_value(thursday, "load"))
    assert healed["details"]["sessions"] == ["2025-07-07", "2025-07-08", "2025-07-09"]
    assert healed["counts"]["inserted"] == 3 * len(WATCHLIST)
    assert json.loads(xcom_value(thursday, "check"))["date"] == "2025-07-09"


def test_a_rejected_api_key_fails_the_run_after_bounded_retries_and_the_log_names_the_cause(pipeline, capfd):
    control(pipeline["url"], "faults", {"kind": "status", "status": 401, "times": 100})
    dag = load_dag()
    for task in dag.tasks:  # keep retries and backoff, but wait seconds instead of minutes
        task.retry_delay, task.max_retry_delay = timedelta(seconds=1), timedelta(seconds=2)
    capfd.readouterr()

    dag_run = run_dag(dag, logical_date=datetime(2025, 7, 14, 10, 0, tzinfo=UTC))

    assert dag_run.state == "failed"
    states = task_states(dag_run)
    assert states["extract"] == ("failed", 1 + dag.task_dict["extract"].retries)
    assert states["load"][0] == "upstream_failed" and states["check"][0] == "upstream_failed"
    assert [launch.exit_code for launch in pipeline["launcher"].launches] == [3] * 4  # exit 3: the API failed
    log = "".join(capfd.readouterr())
    assert "Polygon API: the API key was rejected (HTTP 401" in log
    assert "check POLYGON_API_KEY" in log
    assert pipeline["key"] not in log
    assert pipeline["db"].daily_prices.count_documents({}) == 0


def test_a_manual_run_for_a_market_holiday_is_green_and_calls_no_api(pipeline):
    dag = load_dag()
    dag_run = run_dag(dag, logical_date=None, run_after=datetime(2025, 7, 8, 15, 0, tzinfo=UTC), conf={"date": "2025-07-04"})
    assert dag_run.state == "success", task_states(dag_run)
    for task_id in ("extract", "load"):
        summary = json.loads(xcom_value(dag_run, task_id))
        assert summary["outcome"] == "market-closed" and summary["exitCode"] == 0
        assert "market holiday (Independence Day)" in summary["message"]
    assert control(pipeline["url"], "stats")["total"] == 0
    assert pipeline["db"].daily_prices.count_documents({}) == 0


def test_a_run_that_loads_no_record_for_a_watched_ticker_fails_at_the_check(pipeline, capfd):
    # NOPE is not traded: extract and load succeed (load warns), and the check must turn the run red.
    dag = load_dag()
    for task in dag.tasks:
        task.retries = 0
    capfd.readouterr()
    conf = {"date": "2025-06-27", "tickers": "AAPL,NOPE"}
    dag_run = run_dag(dag, logical_date=None, run_after=datetime(2025, 7, 1, 15, 0, tzinfo=UTC), conf=conf)
    assert dag_run.state == "failed"
    states = task_states(dag_run)
    assert states["extract"][0] == "success" and states["load"][0] == "success" and states["check"][0] == "failed"
    assert "1 of 2 ticker(s) have no record for 2025-06-27: NOPE" in "".join(capfd.readouterr())
    assert [r["symbol"] for r in stored_records(pipeline["db"], datetime(2025, 6, 27, tzinfo=UTC))] == ["AAPL"]
