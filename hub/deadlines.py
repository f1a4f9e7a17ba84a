"""England working days and the statutory deadlines counted in them.

Footnote 91: "'Working day' means any day which is not a Saturday, Sunday or
Bank Holiday." Bank holidays are England's (``subdiv="ENG"``): without the
subdivision Easter Monday and the August holiday would be missing.

"N working days after D" is the N-th working day after D; D itself never
counts (DOMAIN.md, working days). ``get_working_days_count`` counts both ends
and is not used for these rules.
"""

from __future__ import annotations

import calendar
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


PUBLICATION_MONTHS = 6  # paras 41, 50
AVAILABLE_YEARS_LOCAL = 1  # para 38
AVAILABLE_YEARS_NATIONAL = 3  # para 49


def add_months(start: date, months: int) -> date:
    """The same day ``months`` calendar months on, or that month's last day if it is shorter (31 Aug -> 28/29 Feb)."""
    year, month = divmod(start.year * 12 + start.month - 1 + months, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(start.day, last))


@rule("publication-due", "paras 41, 50",
      "a review's report is completed and published within six calendar months of the decision to initiate it")
def publication_due_on(decided_on: date) -> date:
    return add_months(decided_on, PUBLICATION_MONTHS)


@rule("prepublication-notice", "paras 40, 49; footnote 91",
      "copies reach the Panel, the Secretary of State (and Ofsted) at least seven working days before publication")
def earliest_publication(copies_sent_on: date) -> date:
    return add_working_days(copies_sent_on, PREPUBLICATION_WORKING_DAYS)


@rule("publication-availability", "paras 38, 49",
      "a published report stays publicly available for at least one year (local) or three years (national); "
      "availableUntil is the earliest day it may be withdrawn")
def available_until(published_on: date, *, national: bool) -> date:
    years = AVAILABLE_YEARS_NATIONAL if national else AVAILABLE_YEARS_LOCAL
    if (published_on.month, published_on.day) == (2, 29):
        return date(published_on.year + years, 3, 1)  # at least a year: never the 28th, a day short
    return published_on.replace(year=published_on.year + years)
