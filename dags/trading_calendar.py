"""NYSE trading calendar for the DAG: which session a run is for.

A line-for-line port of the rules in ``pipeline/src/calendar/nyse.ts`` (see
docs/decisions/002-nyse-calendar.md), kept dependency-free so the Airflow image
needs no calendar package. ``dags/tests/test_trading_calendar.py`` compares it
with the compiled TypeScript calendar for every day of 2000-2035 (sessions,
early closes and ``latestCompletedSession``), so the two cannot drift apart.

Rules: weekends; New Year's Day (a Saturday one is not observed, NYSE Rule
7.2), Martin Luther King Jr. Day (from 1998), Washington's Birthday, Good
Friday, Memorial Day, Juneteenth (from 2022), Independence Day, Labor Day,
Thanksgiving, Christmas; Saturday holidays move to Friday, Sunday ones to
Monday; one-off closures below. Early closes (13:00 ET): July 3, the day after
Thanksgiving and December 24, each only when it is a weekday session.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

NEW_YORK = ZoneInfo("America/New_York")
FULL_CLOSE = time(16, 0)
EARLY_CLOSE = time(13, 0)

ONE_OFF_CLOSURES: frozenset[date] = frozenset(
    [
        date(2001, 9, 11),  # September 11 attacks
        date(2001, 9, 12),
        date(2001, 9, 13),
        date(2001, 9, 14),
        date(2004, 6, 11),  # Ronald Reagan day of mourning
        date(2007, 1, 2),  # Gerald Ford day of mourning
        date(2012, 10, 29),  # Hurricane Sandy
        date(2012, 10, 30),
        date(2018, 12, 5),  # George H.W. Bush day of mourning
        date(2025, 1, 9),  # Jimmy Carter day of mourning
    ]
)

MONDAY, THURSDAY, SATURDAY, SUNDAY = 0, 3, 5, 6


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))


def _last_weekday(year: int, month: int, weekday: int) -> date:
    next_month = date(year + month // 12, month % 12 + 1, 1)
    last = next_month - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def _easter(year: int) -> date:
    """Anonymous Gregorian algorithm (Meeus/Jones/Butcher)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    l = (32 + 2 * e + 2 * i - h - k) % 7  # noqa: E741 - the algorithm's own name
    m = (a + 11 * h + 22 * l) // 451
    month = (h + l - 7 * m + 114) // 31
    day = (h + l - 7 * m + 114) % 31 + 1
    return date(year, month, day)


def _observed(day: date) -> date:
    if day.weekday() == SATURDAY:
        return day - timedelta(days=1)
    if day.weekday() == SUNDAY:
        return day + timedelta(days=1)
    return day


@lru_cache(maxsize=None)
def holidays(year: int) -> frozenset[date]:
    """Weekday dates of ``year`` on which the NYSE is closed."""
    days = set()
    new_year = date(year, 1, 1)
    if new_year.weekday() != SATURDAY:
        days.add(_observed(new_year))
    if year >= 1998:
        days.add(_nth_weekday(year, 1, MONDAY, 3))
    days.add(_nth_weekday(year, 2, MONDAY, 3))
    days.add(_easter(year) - timedelta(days=2))
    days.add(_last_weekday(year, 5, MONDAY))
    if year >= 2022:
        days.add(_observed(date(year, 6, 19)))
    days.add(_observed(date(year, 7, 4)))
    days.add(_nth_weekday(year, 9, MONDAY, 1))
    days.add(_nth_weekday(year, 11, THURSDAY, 4))
    days.add(_observed(date(year, 12, 25)))
    days.update(d for d in ONE_OFF_CLOSURES if d.year == year)
    return frozenset(days)


def is_trading_day(day: date) -> bool:
    return day.weekday() < SATURDAY and day not in holidays(day.year)


def close_time(day: date) -> time | None:
    """New York close of the session on ``day``; None when the market is closed."""
    if not is_trading_day(day):
        return None
    thanksgiving = _nth_weekday(day.year, 11, THURSDAY, 4)
    early = {date(day.year, 7, 3), thanksgiving + timedelta(days=1), date(day.year, 12, 24)}
    return EARLY_CLOSE if day in early else FULL_CLOSE


def previous_trading_day(day: date) -> date:
    """The last session strictly before ``day``."""
    candidate = day - timedelta(days=1)
    while not is_trading_day(candidate):
        candidate -= timedelta(days=1)
    return candidate


def trading_days_between(first: date, last: date) -> list[date]:
    """Sessions from ``first`` to ``last``, both inclusive."""
    out, day = [], first
    while day <= last:
        if is_trading_day(day):
            out.append(day)
        day += timedelta(days=1)
    return out


def latest_completed_session(instant: datetime) -> date:
    """The latest session whose close is at or before ``instant`` (an aware datetime)."""
    if instant.tzinfo is None:
        raise ValueError("latest_completed_session needs a timezone-aware datetime")
    local = instant.astimezone(NEW_YORK)
    closes = close_time(local.date())
    if closes is not None and local.time() >= closes:
        return local.date()
    return previous_trading_day(local.date())
