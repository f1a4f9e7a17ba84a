"""Working days in England (footnote 91) and the deadlines counted in them."""

from __future__ import annotations

from datetime import date

import pytest

from hub.deadlines import add_working_days, is_working_day, notification_due_on


@pytest.mark.rule("working-day")
def test_weekends_and_england_bank_holidays_are_not_working_days() -> None:
    assert not is_working_day(date(2026, 12, 26))  # Saturday
    assert not is_working_day(date(2026, 12, 25))  # Christmas Day
    assert not is_working_day(date(2026, 12, 28))  # Boxing Day substitute
    assert not is_working_day(date(2027, 3, 29))  # Easter Monday: England, not Scotland
    assert not is_working_day(date(2027, 8, 30))  # Summer bank holiday in England
    assert is_working_day(date(2027, 8, 2))  # Scotland's summer holiday is a working day in England
    assert is_working_day(date(2026, 12, 29))


@pytest.mark.rule("notification-due", "add-working-days")
def test_notification_due_five_working_days_after_awareness_over_christmas() -> None:
    # given awareness on Tuesday 22 December 2026
    # then the notification is due on Thursday 31 December 2026 (para 12)
    assert notification_due_on(date(2026, 12, 22)) == date(2026, 12, 31)


@pytest.mark.rule("notification-due")
def test_notification_due_skips_good_friday_and_easter_monday_2027() -> None:
    assert notification_due_on(date(2027, 3, 24)) == date(2027, 4, 2)


@pytest.mark.rule("add-working-days")
def test_the_day_counted_from_never_counts_itself() -> None:
    assert add_working_days(date(2026, 12, 24), 1) == date(2026, 12, 29)
    assert add_working_days(date(2026, 12, 26), 1) == date(2026, 12, 29)  # from a Saturday
    assert add_working_days(date(2026, 12, 29), 0) == date(2026, 12, 29)


@pytest.mark.rule("add-working-days")
def test_negative_counts_go_back_over_holidays() -> None:
    assert add_working_days(date(2026, 12, 29), -1) == date(2026, 12, 24)


@pytest.mark.rule("add-working-days")
def test_fifteen_working_days_for_a_rapid_review_cross_the_new_year() -> None:
    # 23,24,29,30,31 Dec; 4..8 Jan; 11..15 Jan = 15 working days after 22 Dec 2026
    assert add_working_days(date(2026, 12, 22), 15) == date(2027, 1, 15)
