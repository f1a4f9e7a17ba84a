"""England working days and the statutory deadlines counted in them.

Footnote 91: "'Working day' means any day which is not a Saturday, Sunday or
Bank Holiday." Bank holidays are England's (``subdiv="ENG"``): without the
subdivision Easter Monday and the August holiday would be missing.

"N working days after D" is the N-th working day after D; D itself never
counts (DOMAIN.md, working days). ``get_working_days_count`` counts both ends
and is not used for these rules.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays

from hub.statute import rule

NOTIFICATION_WORKING_DAYS = 5  # para 12
RAPID_REVIEW_WORKING_DAYS = 15  # Panel practice guidance (para 9, 20)
PREPUBLICATION_WORKING_DAYS = 7  # paras 40, 49

EARLIEST = date(1900, 1, 1)
LATEST = date(2200, 12, 31)


@lru_cache(maxsize=512)
def _england_holidays(year: int) -> frozenset[date]:
    calendar = holidays.country_holidays("GB", subdiv="ENG", years=year)
    return frozenset(calendar.keys())


@rule("working-day", "footnote 91", "a working day is not a Saturday, Sunday or bank holiday in England")
def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _england_holidays(day.year)


@rule("add-working-days", "footnote 91", "N working days after D is the N-th working day after D")
def add_working_days(start: date, days: int) -> date:
    """The ``days``-th working day after ``start`` (before it when negative)."""
    step = 1 if days >= 0 else -1
    remaining = abs(days)
    day = start
    while remaining:
        day += timedelta(days=step)
        if is_working_day(day):
            remaining -= 1
    return day


@rule("notification-due", "para 12", "notify the Panel and the partners within 5 working days of awareness")
def notification_due_on(aware_on: date) -> date:
    return add_working_days(aware_on, NOTIFICATION_WORKING_DAYS)
