"""Time is injected: rules ask a ``Clock``, never ``datetime.now()``.

Dates in the guidance are calendar dates in England (Europe/London).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware (UTC)."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock for tests and replays; ``advance`` moves it forward."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FixedClock needs a timezone-aware datetime")
        self._at = at.astimezone(UTC)

    def now(self) -> datetime:
        return self._at

    def set(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FixedClock needs a timezone-aware datetime")
        self._at = at.astimezone(UTC)


def today_in_england(clock: Clock) -> date:
    """The calendar date in England at this instant."""
    return england_day(clock.now())


# The England day last asked for, with the instants it starts and ends at: a page asks for today hundreds of
# times, and converting each instant to London time is most of the cost. Replaced whole, never changed.
_last_day: tuple[datetime, datetime, date] = (datetime.max.replace(tzinfo=UTC),) * 2 + (date.min,)


def england_day(at: datetime) -> date:
    """The calendar date in England at the instant ``at`` (timezone-aware)."""
    global _last_day
    starts, ends, day = _last_day
    if starts <= at < ends:
        return day
    day = at.astimezone(LONDON).date()
    _last_day = (start_of_day(day), start_of_day(day + timedelta(days=1)), day)
    return day


def start_of_day(day: date) -> datetime:
    """Midnight at the start of an England calendar day, as an aware instant."""
    return datetime.combine(day, time.min, tzinfo=LONDON).astimezone(UTC)
