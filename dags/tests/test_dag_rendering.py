"""What each task would run, rendered by the real Airflow for real DAG runs.

Each test is a full `dag.test()` run (real scheduling loop, real templating,
real params) in which the container launch only records the rendered
entrypoint, command and environment.
"""

from __future__ import annotations

import copy
import json
from datetime import datetime, timezone

import pytest
from airflow.timetables.base import DataInterval, TimeRestriction

from conftest import load_dag
from dagrun import rendered_fields, run_dag, task_states
from launch import Recorder, install

UTC = timezone.utc


@pytest.fixture
def recorder(monkeypatch):
    rec = Recorder()
    install(monkeypatch, rec)
    return rec


@pytest.fixture
def dag(monkeypatch, secret_env):
    return load_dag(monkeypatch)


def scheduled_run_after(dag, previous_trigger: datetime):
    """The next run the timetable schedules after a run due at `previous_trigger`."""
    info = dag.timetable.next_dagrun_info(
        last_automated_data_interval=DataInterval(previous_trigger, previous_trigger),
        restriction=TimeRestriction(earliest=dag.start_date, latest=None, catchup=True),
    )
    assert info is not None
    return info


def test_the_schedule_fires_at_six_new_york_time_on_weekdays_only_across_dst(dag):
    triggers = []
    trigger = datetime(2025, 3, 6, 11, 0, tzinfo=UTC)  # Thu 06:00 EST
    for _ in range(4):
        info = scheduled_run_after(dag, trigger)
        trigger = info.run_after
        triggers.append(trigger)
        assert info.data_interval.start == info.data_interval.end == trigger == info.logical_date
    # Fri (EST, UTC-5), then Mon Tue Wed after the switch to EDT (UTC-4) on Sunday 2025-03-09.
    assert triggers == [
        datetime(2025, 3, 7, 11, 0, tzinfo=UTC),
        datetime(2025, 3, 10, 10, 0, tzinfo=UTC),
        datetime(2025, 3, 11, 10, 0, tzinfo=UTC),
        datetime(2025, 3, 12, 10, 0, tzinfo=UTC),
    ]


def test_a_scheduled_monday_run_passes_its_data_interval_end_as_as_of(dag, recorder):
    info = scheduled_run_after(dag, datetime(2025, 6, 27, 10, 0, tzinfo=UTC))  # after Friday's run
    assert info.logical_date == datetime(2025, 6, 30, 10, 0, tzinfo=UTC)  # Monday 06:00 EDT
    dag_run = run_dag(dag, logical_date=info.logical_date, run_after=info.run_after)
    assert dag_run.data_interval_end == info.data_interval.end
    assert dag_run.state == "success"
    # The CLI turns Monday 06:00 into Friday's session (test_dag_end_to_end runs it).
    assert recorder.commands() == {
        "extract": ["extract", "--as-of", "2025-06-30T10:00:00Z", "--json"],
        "load": ["load", "--as-of", "2025-06-30T10:00:00Z", "--json"],
        "check": ["check", "--as-of", "2025-06-30T10:00:00Z", "--json"],
    }
    assert {launch.image for launch in recorder.launches} == {"stock-pipeline:latest"}
    assert {tuple(launch.entrypoint) for launch in recorder.launches} == {("stock-pipeline",)}


def test_the_run_after_the_july_4th_holiday_passes_monday_morning_as_as_of(dag, recorder):
    info = scheduled_run_after(dag, datetime(2025, 7, 4, 10, 0, tzinfo=UTC))  # the run on the holiday itself
    assert info.logical_date == datetime(2025, 7, 7, 10, 0, tzinfo=UTC)
    dag_run = run_dag(dag, logical_date=info.logical_date, run_after=info.run_after)
    assert dag_run.state == "success"
    assert recorder.commands()["extract"] == ["extract", "--as-of", "2025-07-07T10:00:00Z", "--json"]
    assert recorder.commands()["load"] == ["load", "--as-of", "2025-07-07T10:00:00Z", "--json"]
    # What the UI shows as the rendered command is the same argument list.
    shown = rendered_fields(dag_run)
    assert json.loads(shown["extract"]["command"]) == ["extract", "--as-of", "2025-07-07T10:00:00Z", "--json"]


def test_a_manual_run_without_logical_date_passes_its_trigger_time_as_as_of(dag, recorder):
    # Triggered from the UI on 2025-07-04 (a holiday) at 14:00 New York time: no logical date, no data interval.
    dag_run = run_dag(dag, logical_date=None, run_after=datetime(2025, 7, 4, 18, 0, tzinfo=UTC))
    assert dag_run.logical_date is None and dag_run.data_interval_end is None
    assert dag_run.state == "success"
    assert recorder.commands()["extract"] == ["extract", "--as-of", "2025-07-04T18:00:00Z", "--json"]


def test_a_manual_daily_run_with_params_passes_date_tickers_and_overwrite(dag, recorder):
    conf = {"mode": "daily", "date": "2025-03-14", "tickers": "AAPL, BRK.A", "overwrite_manual": True}
    dag_run = run_dag(dag, logical_date=None, run_after=datetime(2025, 8, 1, 12, 0, tzinfo=UTC), conf=conf)
    assert dag_run.state == "success"
    assert recorder.commands() == {
        "extract": ["extract", "--date", "2025-03-14", "--json"],
        "load": ["load", "--date", "2025-03-14", "--tickers", "AAPL, BRK.A", "--overwrite-manual", "--json"],
        "check": ["check", "--date", "2025-03-14", "--tickers", "AAPL, BRK.A", "--json"],
    }


def test_a_manual_backfill_fills_the_lake_then_loads_it(dag, recorder):
    conf = {"mode": "backfill", "from": "2024-01-02", "to": "2024-12-31", "tickers": "AAPL,MSFT", "refetch": True}
    dag_run = run_dag(dag, logical_date=None, run_after=datetime(2025, 8, 2, 12, 0, tzinfo=UTC), conf=conf)
    assert dag_run.state == "success"
    assert recorder.commands() == {
        "extract": [
            "backfill",
            "--from",
            "2024-01-02",
            "--to",
            "2024-12-31",
            "--lake-only",
            "--tickers",
            "AAPL,MSFT",
            "--refetch",
            "--json",
        ],
        "load": ["reprocess", "--from", "2024-01-02", "--to", "2024-12-31", "--tickers", "AAPL,MSFT", "--json"],
        "check": ["status", "--tickers", "AAPL,MSFT", "--json"],
    }


def test_a_manual_reprocess_skips_extract_and_still_loads_and_checks(dag, recorder):
    conf = {"mode": "reprocess", "from": "2025-01-02", "to": "2025-01-31"}
    dag_run = run_dag(dag, logical_date=None, run_after=datetime(2025, 8, 3, 12, 0, tzinfo=UTC), conf=conf)
    assert dag_run.state == "success"
    assert recorder.commands() == {
        "load": ["reprocess", "--from", "2025-01-02", "--to", "2025-01-31", "--json"],
        "check": ["status", "--json"],
    }
    assert task_states(dag_run)["extract"][0] == "skipped"


def test_contradictory_params_fail_the_run_at_once_without_retries(dag, recorder):
    conf = {"mode": "backfill", "from": "2025-01-02"}  # no "to"
    dag_run = run_dag(dag, logical_date=None, run_after=datetime(2025, 8, 4, 12, 0, tzinfo=UTC), conf=conf)
    assert dag_run.state == "failed"
    states = task_states(dag_run)
    assert states["extract"] == ("failed", 1)  # AirflowFailException: no retry
    assert states["load"][0] == "upstream_failed" and states["check"][0] == "upstream_failed"
    assert recorder.launches == []


def test_params_outside_their_schema_are_refused_before_a_run(dag):
    from airflow.exceptions import ParamValidationError

    bad_values = {"mode": "weekly", "date": "2025-13-01", "from": "01/02/2025", "tickers": "AAPL;rm -rf /", "overwrite_manual": "yes"}
    for name, value in bad_values.items():
        params = copy.deepcopy(dag.params)
        with pytest.raises(ParamValidationError):
            params[name] = value  # what the trigger form and API do with each value
    params = copy.deepcopy(dag.params)
    params.update({"mode": "backfill", "from": "2025-01-02", "to": "2025-01-31", "tickers": "*"})
    assert params.validate()["mode"] == "backfill"
    assert copy.deepcopy(dag.params).validate() == {
        "mode": "daily",
        "date": None,
        "from": None,
        "to": None,
        "tickers": None,
        "overwrite_manual": False,
        "refetch": False,
    }


def test_no_secret_reaches_a_rendered_field_or_the_serialized_dag_but_each_container_gets_them(dag, recorder, secret_env):
    from airflow.serialization.serialized_objects import SerializedDAG

    dag_run = run_dag(dag, logical_date=datetime(2025, 9, 2, 10, 0, tzinfo=UTC))
    assert dag_run.state == "success"
    shown = rendered_fields(dag_run)  # what the UI's "Rendered Template" shows
    assert set(shown) == {"extract", "load", "check"}
    assert all(set(fields) >= {"command", "environment", "image"} for fields in shown.values())
    serialized = json.dumps(SerializedDAG.to_dict(dag))  # what the DAG processor stores, parsed with the secrets set
    for name, value in secret_env.items():
        password = value.split(":")[2].split("@")[0] if name == "MONGODB_URI" else value
        for where, text in (("rendered fields", json.dumps(shown)), ("serialized DAG", serialized)):
            assert value not in text and password not in text, f"{name} leaked into the {where}"
        for launch in recorder.launches:
            assert launch.private_environment[name] == value
            assert name not in launch.environment
    assert all(launch.environment["LAKE_URI"] == "gs://stock-lake/lake" for launch in recorder.launches)


def test_a_secret_can_come_from_an_airflow_variable_instead_of_the_worker_environment(monkeypatch, recorder):
    monkeypatch.delenv("POLYGON_API_KEY", raising=False)
    # AIRFLOW_VAR_* is Airflow's environment-variable secrets backend: the same lookup as any other backend.
    monkeypatch.setenv("AIRFLOW_VAR_STOCK_PIPELINE_POLYGON_API_KEY", "pk-from-a-variable-5e1b")
    dag = load_dag(monkeypatch, MONGODB_URI="mongodb://mongo:27017", LAKE_URI="gs://stock-lake/lake")
    dag_run = run_dag(dag, logical_date=datetime(2025, 9, 3, 10, 0, tzinfo=UTC))
    assert dag_run.state == "success"
    assert {launch.private_environment["POLYGON_API_KEY"] for launch in recorder.launches} == {"pk-from-a-variable-5e1b"}
    assert "pk-from-a-variable-5e1b" not in json.dumps(rendered_fields(dag_run))


def test_a_task_without_a_shared_lake_fails_at_once_saying_what_to_set(monkeypatch, recorder, capfd):
    monkeypatch.delenv("LAKE_URI", raising=False)
    dag = load_dag(monkeypatch, MONGODB_URI="mongodb://mongo:27017")
    dag_run = run_dag(dag, logical_date=datetime(2025, 9, 4, 10, 0, tzinfo=UTC))
    assert dag_run.state == "failed"
    assert task_states(dag_run)["extract"] == ("failed", 1)
    assert recorder.launches == []
    assert "LAKE_URI not set for the pipeline containers" in "".join(capfd.readouterr())
