"""Which CLI arguments each task gets for a run's params and data interval."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest

from pipeline_cli import InvalidParams, RunPlan, as_of_argument, cli_args, plan_for, run_instant

UTC = timezone.utc
DEFAULTS = {"mode": "daily", "date": None, "from": None, "to": None, "tickers": None, "overwrite_manual": False, "refetch": False}


def run(data_interval_end=None, run_after=None, logical_date=None):
    return SimpleNamespace(data_interval_end=data_interval_end, run_after=run_after, logical_date=logical_date)


def test_the_run_instant_is_the_data_interval_end_else_run_after():
    end, after = datetime(2025, 7, 7, 10, tzinfo=UTC), datetime(2025, 7, 7, 12, tzinfo=UTC)
    assert run_instant(run(data_interval_end=end, run_after=after)) == end
    assert run_instant(run(run_after=after)) == after  # manual run without a logical date
    with pytest.raises(InvalidParams):
        run_instant(run())


def test_scheduled_defaults_pass_the_data_interval_end_as_as_of():
    plan = plan_for(DEFAULTS, run(data_interval_end=datetime(2025, 6, 30, 10, tzinfo=UTC)))
    assert plan == RunPlan("daily", as_of="2025-06-30T10:00:00Z")
    assert cli_args("extract", plan) == ["extract", "--as-of", "2025-06-30T10:00:00Z", "--json"]
    assert cli_args("load", plan) == ["load", "--as-of", "2025-06-30T10:00:00Z", "--json"]
    assert cli_args("check", plan) == ["check", "--as-of", "2025-06-30T10:00:00Z", "--json"]


def test_the_as_of_instant_is_written_in_utc_and_a_naive_one_is_refused():
    new_york = timezone(timedelta(hours=-4))
    assert as_of_argument(datetime(2025, 7, 7, 6, 0, 0, 999999, tzinfo=new_york)) == "2025-07-07T10:00:00Z"
    with pytest.raises(InvalidParams, match="no time zone"):
        as_of_argument(datetime(2025, 7, 7, 6, 0))  # noqa: DTZ001 - a naive instant is what is refused


def test_without_a_date_extract_gets_the_tickers_too_since_they_decide_the_missed_sessions():
    plan = plan_for({**DEFAULTS, "tickers": "AAPL"}, run(run_after=datetime(2025, 7, 4, 18, tzinfo=UTC)))
    assert cli_args("extract", plan) == ["extract", "--as-of", "2025-07-04T18:00:00Z", "--tickers", "AAPL", "--json"]
    assert cli_args("load", plan) == ["load", "--as-of", "2025-07-04T18:00:00Z", "--tickers", "AAPL", "--json"]


def test_an_explicit_date_wins_and_blank_values_count_as_empty():
    params = {**DEFAULTS, "date": " 2025-03-14 ", "tickers": "  ", "from": ""}
    assert plan_for(params, run(run_after=datetime(2025, 8, 1, tzinfo=UTC))) == RunPlan("daily", date="2025-03-14")


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"from": "2025-01-02"}, "belong to mode backfill or reprocess"),
        ({"refetch": True}, "refetch belongs to mode backfill"),
        ({"mode": "backfill", "from": "2025-01-02"}, "needs both params from and to"),
        ({"mode": "backfill", "from": "2025-02-01", "to": "2025-01-01"}, "is after param to"),
        ({"mode": "reprocess", "from": "2025-01-02", "to": "2025-01-03", "date": "2025-01-02"}, "date belongs to mode daily"),
        ({"mode": "reprocess", "from": "2025-01-02", "to": "2025-01-03", "refetch": True}, "reprocess never calls the API"),
        ({"mode": "backfill", "from": "2025-1-2", "to": "2025-01-03"}, "not a date"),
        ({"mode": "hourly"}, "must be one of daily, backfill, reprocess"),
    ],
)
def test_contradictory_params_are_refused_with_a_sentence(changes, message):
    with pytest.raises(InvalidParams, match=message):
        plan_for({**DEFAULTS, **changes}, run(run_after=datetime(2025, 8, 1, tzinfo=UTC)))


def test_backfill_and_reprocess_spell_their_flags():
    backfill = RunPlan("backfill", start="2024-01-02", end="2024-12-31", tickers="AAPL", overwrite_manual=True, refetch=True)
    assert cli_args("extract", backfill) == [
        "backfill",
        "--from",
        "2024-01-02",
        "--to",
        "2024-12-31",
        "--lake-only",
        "--tickers",
        "AAPL",
        "--refetch",
        "--json",
    ]
    assert cli_args("load", backfill) == [
        "reprocess",
        "--from",
        "2024-01-02",
        "--to",
        "2024-12-31",
        "--tickers",
        "AAPL",
        "--overwrite-manual",
        "--json",
    ]
    reprocess = RunPlan("reprocess", start="2024-01-02", end="2024-01-31")
    assert cli_args("extract", reprocess) == []  # nothing to fetch: the task is skipped
    assert cli_args("load", reprocess) == ["reprocess", "--from", "2024-01-02", "--to", "2024-01-31", "--json"]
    with pytest.raises(ValueError):
        cli_args("publish", reprocess)
