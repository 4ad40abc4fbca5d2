"""The DAG's NYSE calendar: published facts, and day-by-day agreement with the
pipeline's TypeScript calendar (pipeline/dist/calendar/nyse.js) for 2000-2035."""

from __future__ import annotations

import json
import subprocess
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

import pytest
import trading_calendar as cal

REPO = Path(__file__).resolve().parents[2]
NYSE_JS = REPO / "pipeline" / "dist" / "calendar" / "nyse.js"
UTC = timezone.utc


def ny(y, m, d, hh, mm=0, ss=0):
    return datetime(y, m, d, hh, mm, ss, tzinfo=cal.NEW_YORK)


def test_2025_holidays_match_the_published_nyse_list():
    assert sorted(cal.holidays(2025)) == [
        date(2025, 1, 1), date(2025, 1, 9), date(2025, 1, 20), date(2025, 2, 17), date(2025, 4, 18),
        date(2025, 5, 26), date(2025, 6, 19), date(2025, 7, 4), date(2025, 9, 1), date(2025, 11, 27), date(2025, 12, 25),
    ]


@pytest.mark.parametrize(
    "day, open_",
    [
        (date(2021, 12, 31), True),  # New Year's Day 2022 on a Saturday is not observed
        (date(2022, 12, 26), False),  # Christmas on a Sunday -> Monday
        (date(2021, 6, 18), True),  # Juneteenth only from 2022
        (date(2022, 6, 20), False),  # Juneteenth 2022 on a Sunday -> Monday
        (date(2026, 7, 3), False),  # Independence Day on a Saturday -> Friday
        (date(2024, 3, 29), False),  # Good Friday
        (date(2001, 9, 14), False),
        (date(2004, 6, 11), False),
        (date(2007, 1, 2), False),
        (date(2012, 10, 30), False),
        (date(2018, 12, 5), False),
        (date(2025, 1, 9), False),
    ],
)
def test_observance_rules_and_one_off_closures(day, open_):
    assert cal.is_trading_day(day) is open_


def test_early_closes_are_july_3rd_black_friday_and_christmas_eve_on_sessions_only():
    assert cal.close_time(date(2025, 7, 3)) == time(13, 0)
    assert cal.close_time(date(2025, 11, 28)) == time(13, 0)
    assert cal.close_time(date(2025, 12, 24)) == time(13, 0)
    assert cal.close_time(date(2026, 7, 3)) is None  # the observed holiday itself
    assert cal.close_time(date(2025, 7, 2)) == time(16, 0)


@pytest.mark.parametrize(
    "instant, session",
    [
        (ny(2025, 6, 30, 6), date(2025, 6, 27)),  # Monday morning -> Friday
        (ny(2025, 7, 7, 6), date(2025, 7, 3)),  # the run after Independence Day -> the early-close session before it
        (ny(2025, 7, 4, 6), date(2025, 7, 3)),  # on the holiday itself
        (ny(2025, 7, 3, 12, 59, 59), date(2025, 7, 2)),  # early close not reached yet
        (ny(2025, 7, 3, 13, 0), date(2025, 7, 3)),
        (ny(2025, 7, 2, 15, 59, 59), date(2025, 7, 1)),
        (ny(2025, 7, 2, 16, 0), date(2025, 7, 2)),
        (datetime(2025, 3, 10, 10, 0, tzinfo=UTC), date(2025, 3, 7)),  # 06:00 EDT, the Monday after the DST switch
        (datetime(2025, 1, 10, 11, 0, tzinfo=UTC), date(2025, 1, 8)),  # after the Carter day of mourning
        (datetime(2025, 4, 21, 10, 0, tzinfo=UTC), date(2025, 4, 17)),  # after Good Friday
    ],
)
def test_latest_completed_session(instant, session):
    assert cal.latest_completed_session(instant) == session


def test_a_naive_datetime_is_refused():
    with pytest.raises(ValueError):
        cal.latest_completed_session(datetime(2025, 7, 7, 6, 0))


def _typescript(script: str, payload: object) -> object:
    """Runs `script` (an ES module body with `input` bound) against the compiled TypeScript calendar."""
    assert NYSE_JS.is_file(), f"{NYSE_JS} is missing: build the pipeline (scripts/setup.sh)"
    program = f"import * as nyse from {json.dumps(NYSE_JS.as_uri())};\nconst input = JSON.parse(await new Response(process.stdin).text());\n{script}"
    out = subprocess.run(["node", "--input-type=module", "-e", program], input=json.dumps(payload), capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def test_sessions_and_early_closes_agree_with_the_typescript_calendar_2000_to_2035():
    ts = _typescript(
        """
        const days = nyse.tradingDaysBetween("2000-01-01", "2035-12-31");
        const early = days.filter((d) => nyse.marketDay(d).earlyClose);
        process.stdout.write(JSON.stringify({ days, early }));
        """,
        None,
    )
    days = cal.trading_days_between(date(2000, 1, 1), date(2035, 12, 31))
    py = {"days": [d.isoformat() for d in days], "early": [d.isoformat() for d in days if cal.close_time(d) == time(13, 0)]}
    assert len(py["days"]) > 9000
    assert set(py["days"]) ^ set(ts["days"]) == set(), "the calendars disagree on these dates"
    assert py == ts


def test_latest_completed_session_agrees_with_the_typescript_calendar_around_every_close():
    # Every day of 2000-2035 just before and at 13:00 and 16:00 New York time, and at 06:00 (the schedule).
    instants = []
    day = date(2000, 1, 3)
    while day <= date(2035, 12, 31):
        for t in (time(6, 0), time(12, 59, 59), time(13, 0), time(15, 59, 59), time(16, 0)):
            instants.append(datetime.combine(day, t, tzinfo=cal.NEW_YORK))
        day += timedelta(days=1)
    ts = _typescript(
        "process.stdout.write(JSON.stringify(input.map((ms) => nyse.latestCompletedSession(new Date(ms)))));",
        [int(i.timestamp() * 1000) for i in instants],
    )
    py = [cal.latest_completed_session(i).isoformat() for i in instants]
    mismatches = [(i.isoformat(), p, t) for i, p, t in zip(instants, py, ts) if p != t]
    assert not mismatches, mismatches[:10]
