"""The calendar date in England (DOMAIN: dates are England's), found without converting every instant."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from hub.clock import LONDON, FixedClock, england_day, today_in_england

INSTANTS = st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2040, 1, 1), timezones=st.just(UTC))


@settings(max_examples=500, deadline=None)
@given(st.lists(INSTANTS, min_size=1, max_size=20))
def test_the_day_is_londons_whatever_was_asked_before(instants: list[datetime]) -> None:
    for at in instants:
        assert england_day(at) == at.astimezone(LONDON).date()


def test_around_the_clocks_changing_and_midnight() -> None:
    # the clocks go forward on 29 March 2026 at 01:00 UTC and back on 25 October 2026 at 01:00 UTC
    cases = {
        datetime(2026, 3, 28, 23, 59, 59, tzinfo=UTC): date(2026, 3, 28),  # GMT: still the 28th
        datetime(2026, 3, 29, 0, 0, tzinfo=UTC): date(2026, 3, 29),
        datetime(2026, 3, 29, 22, 59, 59, tzinfo=UTC): date(2026, 3, 29),
        datetime(2026, 3, 29, 23, 0, tzinfo=UTC): date(2026, 3, 30),  # BST: midnight is 23:00 UTC
        datetime(2026, 10, 24, 23, 0, tzinfo=UTC): date(2026, 10, 25),
        datetime(2026, 10, 25, 23, 59, 59, tzinfo=UTC): date(2026, 10, 25),  # GMT again: a 25-hour day
        datetime(2026, 10, 26, 0, 0, tzinfo=UTC): date(2026, 10, 26),
    }
    for at, day in [*cases.items(), *reversed(cases.items())]:
        assert england_day(at) == day, at
        assert today_in_england(FixedClock(at)) == day
        assert england_day(at + timedelta(microseconds=1)) == (at + timedelta(microseconds=1)).astimezone(LONDON).date()
