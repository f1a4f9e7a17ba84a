"""Time is injected: rules ask a ``Clock``, never ``datetime.now()``.

Dates in the guidance are calendar dates in England (Europe/London).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
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
    return clock.now().astimezone(LONDON).date()


def start_of_day(day: date) -> datetime:
    """Midnight at the start of an England calendar day, as an aware instant."""
    return datetime.combine(day, time.min, tzinfo=LONDON).astimezone(UTC)
