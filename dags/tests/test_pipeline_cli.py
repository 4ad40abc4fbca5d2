"""Which CLI arguments each task gets for a run's params and data interval."""

from __future__ import annotations

from datetime import datetime, timezone
from types import SimpleNamespace

import pytest
from pipeline_cli import InvalidParams, RunPlan, cli_args, plan_for, run_instant

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


def test_scheduled_defaults_take_the_latest_completed_session():
    plan = plan_for(DEFAULTS, run(data_interval_end=datetime(2025, 6, 30, 10, tzinfo=UTC)))
    assert plan == RunPlan("daily", date="2025-06-27")
    assert cli_args("extract", plan) == ["extract", "--date", "2025-06-27", "--json"]
    assert cli_args("load", plan) == ["load", "--date", "2025-06-27", "--json"]
    assert cli_args("check", plan) == ["check", "--date", "2025-06-27", "--json"]


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
    assert cli_args("extract", backfill) == ["backfill", "--from", "2024-01-02", "--to", "2024-12-31", "--lake-only", "--tickers", "AAPL", "--refetch", "--json"]
    assert cli_args("load", backfill) == ["reprocess", "--from", "2024-01-02", "--to", "2024-12-31", "--tickers", "AAPL", "--overwrite-manual", "--json"]
    reprocess = RunPlan("reprocess", start="2024-01-02", end="2024-01-31")
    assert cli_args("extract", reprocess) == []  # nothing to fetch: the task is skipped
    assert cli_args("load", reprocess) == ["reprocess", "--from", "2024-01-02", "--to", "2024-01-31", "--json"]
    with pytest.raises(ValueError):
        cli_args("publish", reprocess)
