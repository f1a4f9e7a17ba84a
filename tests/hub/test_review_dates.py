"""The dates of a practice review: six months to publish, seven working days' notice, one or three years
available (paras 38, 40-41, 49-50; footnote 91); and the para 39 check on text naming the child."""

from __future__ import annotations

from datetime import date

import pytest

from hub.deadlines import add_months, available_until, earliest_publication, publication_due_on
from hub.naming import Identity, naming_problems


@pytest.mark.parametrize(("decided", "due"), [
    (date(2026, 8, 31), date(2027, 2, 28)),   # no 31 February: the month's last day
    (date(2027, 8, 31), date(2028, 2, 29)),   # a leap year
    (date(2026, 8, 29), date(2027, 2, 28)),
    (date(2026, 12, 31), date(2027, 6, 30)),
    (date(2026, 7, 15), date(2027, 1, 15)),   # across the year end
    (date(2027, 3, 31), date(2027, 9, 30)),
])
@pytest.mark.rule("publication-due")
def test_para_41_publication_is_due_six_calendar_months_after_the_decision(decided: date, due: date) -> None:
    assert publication_due_on(decided) == due


def test_adding_months_keeps_the_day_where_the_month_has_it() -> None:
    assert [add_months(date(2027, 1, 31), n) for n in (1, 2, 3, 12, -2)] == [
        date(2027, 2, 28), date(2027, 3, 31), date(2027, 4, 30), date(2028, 1, 31), date(2026, 11, 30)]


@pytest.mark.parametrize(("copies", "earliest"), [
    (date(2026, 12, 22), date(2027, 1, 5)),   # Christmas, Boxing Day (substitute Monday 28th), New Year's Day
    (date(2027, 3, 24), date(2027, 4, 6)),    # Good Friday 26 March and Easter Monday 29 March 2027
    (date(2027, 5, 26), date(2027, 6, 7)),    # the spring bank holiday, 31 May 2027
    (date(2027, 8, 25), date(2027, 9, 6)),    # the summer bank holiday in England, 30 August 2027
    (date(2027, 1, 4), date(2027, 1, 13)),    # an ordinary fortnight: Saturday and Sunday only
])
@pytest.mark.rule("prepublication-notice")
def test_paras_40_49_seven_working_days_notice_skips_weekends_and_english_bank_holidays(
    copies: date, earliest: date
) -> None:
    assert earliest_publication(copies) == earliest


@pytest.mark.parametrize(("published", "national", "until"), [
    (date(2027, 1, 5), False, date(2028, 1, 5)),   # para 38: one year
    (date(2027, 1, 5), True, date(2030, 1, 5)),    # para 49: three years
    (date(2028, 2, 29), False, date(2029, 3, 1)),  # never a day short of a year
    (date(2028, 2, 29), True, date(2031, 3, 1)),
])
@pytest.mark.rule("publication-availability")
def test_paras_38_49_reports_stay_available_one_or_three_years(published: date, national: bool, until: date) -> None:
    assert available_until(published, national=national) == until


CHILD = Identity(first_name="Kofi", last_name="Exampleson", date_of_birth=date(2019, 3, 4))


@pytest.mark.parametrize(("text", "found"), [
    ("Kofi attended nursery.", "first name"),
    ("kofi's nursery", "first name"),
    ("The EXAMPLESON household", "last name"),
    ("born 4 March 2019", "date of birth"),
    ("born 4th March 2019", "date of birth"),
    ("born on the 4th of March 2019", "date of birth"),
    ("DOB 04/03/2019", "date of birth"),
    ("DOB 4/3/2019", "date of birth"),
    ("2019-03-04", "date of birth"),
    ("born March 4, 2019", "date of birth"),
    ("born 4 Mar 2019", "date of birth"),
    ("Kofi Exampleson", "first name and last name"),
    ("born 04 March 2019", "date of birth"),
    ("born 4th March, 2019", "date of birth"),
    ("born March 4th 2019", "date of birth"),
    ("born 4 Mar. 2019", "date of birth"),
    ("DOB 4/3/19", "date of birth"),
    ("DOB 4.3.19", "date of birth"),
])
@pytest.mark.rule("report-names-child")
def test_para_39_text_naming_the_child_is_found(text: str, found: str) -> None:
    problems = naming_problems([(("text",), text)], [CHILD], justification=None)
    assert [(p.code, p.field) for p in problems] == [("NAMES_CHILD", ("text",))]
    assert found in problems[0].message and "Kofi" not in problems[0].message


@pytest.mark.parametrize("text", ["Kofiya is another child.", "The Examplesons' neighbour", "born 14 March 2019",
                                  "14/3/19", "4/3/2020", "March 14, 2019", "aged 4 3 19",
                                  "04/03/2018", "Child K attended nursery.", "K. was seen on 4 March 2020."])
@pytest.mark.rule("report-names-child")
def test_para_39_other_words_and_dates_are_not_the_child(text: str) -> None:
    assert naming_problems([(("text",), text)], [CHILD], justification=None) == []


@pytest.mark.rule("report-names-child")
def test_para_39_a_name_written_without_its_accent_is_still_the_childs_name() -> None:
    zoe = Identity(first_name="Zoë", last_name="O'Example", date_of_birth=None)
    found = naming_problems([(("a",), "zoe was seen"), (("b",), "the O'EXAMPLE home"), (("c",), "Zoey")], [zoe],
                            justification=None)
    assert [p.field for p in found] == [("a",), ("b",)]


def test_para_39_a_recorded_justification_lets_naming_through() -> None:
    assert naming_problems([(("text",), "Kofi")], [CHILD], justification="The family asked that he be named.") == []
    assert naming_problems([(("text",), "Kofi")], [CHILD], justification="  ") != []
