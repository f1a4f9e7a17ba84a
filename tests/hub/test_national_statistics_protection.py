"""The public table's protection, tried on many invented quarters without a database (hub.national_statistics)."""

from __future__ import annotations

import itertools
import random
from datetime import date

import pytest

from hub.national_statistics import (
    AGE_GROUPS,
    Counted,
    IncidentDimension,
    age_group,
    financial_quarter,
    protect_quarter,
    public_window,
)

D = IncidentDimension
CHOICES = {D.INCIDENT_KIND: ["DEATH", "SERIOUS_HARM"], D.AGE_GROUP: list(AGE_GROUPS), D.SEX: ["FEMALE", "MALE", "UNKNOWN"],
           D.ETHNICITY: ["WBRI", "BAFR", "AIND", "MWBC", "NOT_KNOWN"], D.REGION: ["London", "North West", "South West"],
           D.SOCIAL_CARE_STATUS: ["CHILD_IN_NEED", "LOOKED_AFTER", "NOT_KNOWN"]}


def invented(rng: random.Random, size: int) -> list[Counted]:
    weights = {d: [rng.random() ** 3 for _ in values] for d, values in CHOICES.items()}
    return [Counted({D.QUARTER: "2026-27 Q1", **{d: rng.choices(v, weights[d])[0] for d, v in CHOICES.items()}})
            for _ in range(size)]


def feasible(hidden: int, rest: int) -> set[int]:
    """Every value one of ``hidden`` cells (each at least 1) summing to ``rest`` can take."""
    return {first for first in range(1, rest + 1) if rest - first >= hidden - 1} if hidden else set()


@pytest.mark.rule("statistics-secondary-suppression")
def test_no_hidden_cell_of_any_invented_quarter_can_be_worked_out_or_shown_to_be_small() -> None:
    rng = random.Random(43)
    totals_hidden = secondary = 0
    for size in itertools.chain(range(40), [rng.randrange(40, 200) for _ in range(60)]):
        table = protect_quarter(invented(rng, size))
        assert table.total_hidden or not 0 < size < 5  # a total of 1 to 4 is itself hidden
        totals_hidden += table.total_hidden
        for d in CHOICES:
            counts, hidden = table.counts[d], table.hidden[d]
            assert {v for v, n in counts.items() if 0 < n < 5} <= hidden  # primary suppression
            secondary += sum(counts[v] >= 5 for v in hidden)
            if table.total_hidden:
                assert hidden or not counts  # a line shown whole would give the hidden total back
                continue
            rest = table.total - sum(n for v, n in counts.items() if v not in hidden)
            values = feasible(len(hidden), rest)
            # each hidden cell could take more than one value, and one of 5 or more
            assert not hidden or (len(values) > 1 and max(values) >= 5), (d, dict(counts), hidden)
    assert totals_hidden and secondary


def test_financial_quarters_start_in_april() -> None:
    assert [financial_quarter(date(2026, m, 1)) for m in (3, 4, 6, 7, 10, 12)] == [
        "2025-26 Q4", "2026-27 Q1", "2026-27 Q1", "2026-27 Q2", "2026-27 Q3", "2026-27 Q3"]
    assert financial_quarter(date(2099, 4, 1)) == "2099-00 Q1"


def test_dfes_age_bands_put_the_unborn_and_under_ones_first() -> None:
    assert [age_group(a, None) for a in (None, 0, 1, 5, 6, 10, 11, 15, 16, 24)] == [
        "Unknown", "Under 1", "1 to 5", "1 to 5", "6 to 10", "6 to 10", "11 to 15", "11 to 15", "16 and over",
        "16 and over"]
    assert age_group(None, True) == "Under 1"


def test_the_public_window_holds_only_whole_quarters_ended_before_today() -> None:
    assert public_window(date(2026, 4, 2), date(2027, 3, 31), date(2027, 1, 1)) == ["2026-27 Q2", "2026-27 Q3"]
    assert public_window(date(2026, 10, 1), date(2026, 12, 31), date(2026, 12, 31)) == []
