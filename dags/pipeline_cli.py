"""The ``stock-pipeline`` command each task of the DAG runs, for one DAG run.

Spells CLI flags; decides nothing about data. The CLI validates dates and
tickers, turns a weekend or holiday into "market closed" (exit 0), refuses
future dates, and owns every rule about what to fetch and load, including
which session a scheduled run is for: the DAG passes the run's data-interval
end as ``--as-of`` and the CLI takes the latest NYSE session completed at that
instant, after the sessions missed since the last load
(docs/decisions/010-airflow-schedule.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any

MODES = ("daily", "backfill", "reprocess")
TASKS = ("extract", "load", "check")


class InvalidParams(ValueError):
    """Manual-trigger params that contradict each other (the message says how)."""


@dataclass(frozen=True)
class RunPlan:
    mode: str
    date: str | None = None
    as_of: str | None = None
    start: str | None = None
    end: str | None = None
    tickers: str | None = None
    overwrite_manual: bool = False
    refetch: bool = False


def run_instant(dag_run: Any) -> datetime:
    """The instant a run is "as of": its data-interval end, else when it was due to run.

    Airflow 3 gives a manual run triggered without a logical date no data
    interval (and no ``ds``); ``run_after`` is always set.
    """
    for name in ("data_interval_end", "run_after", "logical_date"):
        value = getattr(dag_run, name, None)
        if value is not None:
            return value
    raise InvalidParams("the DAG run has neither a data interval nor run_after: cannot tell which session it is for")


def as_of_argument(instant: datetime) -> str:
    """The instant as the CLI's ``--as-of`` takes it: ISO 8601 in UTC, to the second."""
    if instant.tzinfo is None:
        raise InvalidParams(f"the run's instant {instant.isoformat()} has no time zone: cannot tell which session it is for")
    return instant.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _text(params: Mapping[str, Any], name: str) -> str | None:
    value = params.get(name)
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def plan_for(params: Mapping[str, Any], dag_run: Any) -> RunPlan:
    """What this run does, from its params (defaults for scheduled runs) and its data interval."""
    mode = _text(params, "mode") or "daily"
    if mode not in MODES:
        raise InvalidParams(f"param mode must be one of {', '.join(MODES)}, got {mode!r}")
    day, start, end = _text(params, "date"), _text(params, "from"), _text(params, "to")
    tickers = _text(params, "tickers")
    overwrite, refetch = bool(params.get("overwrite_manual")), bool(params.get("refetch"))

    if mode == "daily":
        if start or end:
            raise InvalidParams("params from/to belong to mode backfill or reprocess; mode daily takes one date (or none)")
        if refetch:
            raise InvalidParams("param refetch belongs to mode backfill (a daily extract always asks the API again)")
        if day is None:
            return RunPlan(mode, as_of=as_of_argument(run_instant(dag_run)), tickers=tickers, overwrite_manual=overwrite)
        return RunPlan(mode, date=day, tickers=tickers, overwrite_manual=overwrite)

    if day:
        raise InvalidParams(f"param date belongs to mode daily; mode {mode} takes from and to")
    if not (start and end):
        raise InvalidParams(f"mode {mode} needs both params from and to (YYYY-MM-DD)")
    if _as_date(start) > _as_date(end):
        raise InvalidParams(f"param from ({start}) is after param to ({end})")
    if refetch and mode != "backfill":
        raise InvalidParams("param refetch belongs to mode backfill (reprocess never calls the API)")
    return RunPlan(mode, start=start, end=end, tickers=tickers, overwrite_manual=overwrite, refetch=refetch)


def _as_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as e:
        raise InvalidParams(f"{text!r} is not a date written YYYY-MM-DD") from e


def cli_args(task: str, plan: RunPlan) -> list[str]:
    """Arguments after the image's ``stock-pipeline`` entrypoint; [] means the task has nothing to do."""
    tickers = ["--tickers", plan.tickers] if plan.tickers else []
    overwrite = ["--overwrite-manual"] if plan.overwrite_manual else []
    span = ["--from", plan.start or "", "--to", plan.end or ""]
    # An explicit date is that one session; otherwise the CLI decides from the instant (and heals missed sessions).
    session = ["--date", plan.date] if plan.date else ["--as-of", plan.as_of or ""]
    if task == "extract":  # API -> lake
        if plan.mode == "daily":
            # Without a date the watchlist decides which sessions were missed: the same one as load's.
            return ["extract", *session, *(tickers if plan.as_of else []), "--json"]
        if plan.mode == "backfill":
            return ["backfill", *span, "--lake-only", *tickers, *(["--refetch"] if plan.refetch else []), "--json"]
        return []  # reprocess: the lake already has everything, no API calls
    if task == "load":  # lake -> MongoDB
        if plan.mode == "daily":
            return ["load", *session, *tickers, *overwrite, "--json"]
        return ["reprocess", *span, *tickers, *overwrite, "--json"]
    if task == "check":
        # daily: fail the run unless every watched ticker has a record for the
        # session (a run that loaded nothing must not be green); ranges: coverage.
        if plan.mode == "daily":
            return ["check", *session, *tickers, "--json"]
        return ["status", *tickers, "--json"]
    raise ValueError(f"unknown task {task!r}; expected one of {', '.join(TASKS)}")
