"""Live national statistics (incidentStatistics and its CSV), checked against counts made here by hand."""

from __future__ import annotations

import csv
import io
import itertools
import random
from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from app.main import Hub
from hub import national_statistics
from hub.clock import LONDON, FixedClock
from hub.national_statistics import IncidentDimension
from tests.api.test_notification import NOTIFY, serious_incident
from tests.conftest import Api

AREAS = {"E09000007": "London", "E08000003": "North West", "E08000025": "West Midlands"}
DIMENSIONS = ["QUARTER", "INCIDENT_KIND", "AGE_GROUP", "SEX", "ETHNICITY", "REGION", "SOCIAL_CARE_STATUS"]
FIELDS = {"QUARTER": "quarter", "INCIDENT_KIND": "incidentKind", "AGE_GROUP": "ageGroup", "SEX": "sex",
          "ETHNICITY": "ethnicity", "REGION": "region", "SOCIAL_CARE_STATUS": "socialCareStatus"}
STATISTICS = """query($from: Date!, $to: Date!, $by: [IncidentDimension!]!) {
  incidentStatistics(from: $from, to: $to, by: $by) {
    total rows { quarter incidentKind ageGroup sex ethnicity region socialCareStatus count suppressed } } }"""
WITHDRAW = """mutation($c: ID!, $r: String!) { withdrawNotification(caseId: $c, reason: $r) { errors { code } } }"""
FROM, TO = "2025-04-01", "2027-03-31"
LATER = datetime(2027, 1, 15, 11, 0, tzinfo=LONDON)  # 2026-27 Q3 is complete, Q4 is not
QUARTER_STARTS = [date(2025, 10, 1), date(2026, 1, 1), date(2026, 4, 1), date(2026, 7, 1), date(2026, 10, 1)]


def quarter_of(day: date) -> str:
    """Worked out here without the hub: April-June is Q1 of the year that starts in April."""
    year = day.year if day.month >= 4 else day.year - 1
    return f"{year}-{str(year + 1)[2:]} Q{ {4: 1, 7: 2, 10: 3, 1: 4}[day.month - (day.month - 1) % 3] }"


def band(age: int | None) -> str:
    if age is None:
        return "Unknown"
    for top, name in ((0, "Under 1"), (5, "1 to 5"), (10, "6 to 10"), (15, "11 to 15")):
        if age <= top:
            return name
    return "16 and over"


def weekday_in(start: date, rng: random.Random) -> date:
    day = start + timedelta(days=rng.randrange(5, 80))
    return day + timedelta(days=(7 - day.weekday()) % 7 if day.weekday() >= 5 else 0)


def invent(rng: random.Random, quarter_start: date) -> tuple[date, str, dict[str, Any], dict[str, str]]:
    """One notification: its day, notifier, input and the values it must be counted under."""
    day = weekday_in(quarter_start, rng)
    area = rng.choices(list(AREAS), weights=[6, 3, 1])[0]
    kind = rng.choices(["DEATH", "SERIOUS_HARM"], weights=[2, 3])[0]
    sex = rng.choices(["FEMALE", "MALE", "UNKNOWN"], weights=[8, 8, 1])[0]
    ethnicity = rng.choices(["WBRI", "BAFR", "MWBC", "AIND", None], weights=[10, 3, 2, 1, 2])[0]
    age = rng.choices([None, 0, 3, 8, 13, 16], weights=[1, 6, 3, 2, 3, 1])[0]
    plan = rng.random() < 0.3
    child: dict[str, Any] = {"sex": sex, "lookedAfter": False, "onChildProtectionPlan": plan}
    occurred = day - timedelta(days=1)
    if age is not None:
        child["dateOfBirth"] = (occurred - timedelta(days=365 * age + 40)).isoformat()
    if ethnicity:
        child["ethnicity"] = ethnicity
    status = "CHILD_PROTECTION_PLAN" if plan else rng.choice([None, "CHILD_IN_NEED", "NOT_KNOWN_TO_SOCIAL_CARE"])
    if status and not plan:
        child["socialCareStatus"] = status
    notice = serious_incident(incident={"kind": kind, "occurredOn": occurred.isoformat(), "awareOn": day.isoformat()})
    notice["child"] = child
    values = {"QUARTER": quarter_of(day), "INCIDENT_KIND": kind, "AGE_GROUP": band(age), "SEX": sex,
              "ETHNICITY": ethnicity or "NOT_KNOWN", "REGION": AREAS[area], "SOCIAL_CARE_STATUS": status or "NOT_KNOWN"}
    return day, area, notice, values


async def build(api: Api, clock: FixedClock) -> list[dict[str, str]]:
    """About 70 notifications over five quarters, a few withdrawn; returns what each must be counted as."""
    rng = random.Random(14)
    planned = sorted((invent(rng, q) for q in QUARTER_STARTS for _ in range(rng.randrange(8, 20))),
                     key=lambda p: p[0])
    counted = []
    for n, (day, area, notice, values) in enumerate(planned):
        clock.set(datetime.combine(day, datetime.min.time(), tzinfo=LONDON).replace(hour=11))
        body = await api(NOTIFY, {"input": notice}, as_=(area, "la"))
        payload = body["data"]["notifySeriousIncident"]
        assert payload["errors"] == [], payload["errors"]
        if n % 17 == 5:  # withdrawn: not counted
            done = await api(WITHDRAW, {"c": payload["case"]["id"], "r": "No abuse or neglect (para 10)."},
                             as_=(area, "la"))
            assert done["data"]["withdrawNotification"]["errors"] == []
        else:
            counted.append(values)
    clock.set(LATER)
    return counted


async def statistics(api: Api, by: list[str], as_: tuple[str, str] | None, start: str = FROM,
                     end: str = TO) -> dict[str, Any]:
    response = await api.post(STATISTICS, {"from": start, "to": end, "by": by}, as_=as_)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert "errors" not in body, body["errors"]
    return body["data"]["incidentStatistics"]  # type: ignore[no-any-return]


def key(row: dict[str, Any], by: list[str]) -> tuple[str, ...]:
    assert all(row[FIELDS[d]] is None for d in DIMENSIONS if d not in by)
    return tuple(row[FIELDS[d]] for d in by)


def subsets(size: int) -> list[list[str]]:
    return [list(s) for n in range(size + 1) for s in itertools.combinations(DIMENSIONS, n)]


async def test_the_panel_and_dfe_see_exact_counts_of_every_breakdown(api: Api, clock: FixedClock) -> None:
    # given notifications across quarters, ages, sexes, ethnicities and regions, some withdrawn
    counted = await build(api, clock)
    for reader in (("PANEL", "panel"), ("DFE", "dfe")):
        # when the Panel or DfE asks for every breakdown of one or two dimensions, and all seven at once
        for by in [*subsets(2), DIMENSIONS]:
            table = await statistics(api, by, reader)
            # then each count is the number counted here by hand, and nothing is suppressed
            expected = Counter(tuple(v[d] for d in by) for v in counted)
            assert {key(r, by): r["count"] for r in table["rows"]} == dict(expected), by
            assert not any(r["suppressed"] for r in table["rows"])
            assert table["total"] == len(counted)


def complete_quarters(counted: list[dict[str, str]]) -> list[dict[str, str]]:
    return [v for v in counted if v["QUARTER"] != "2026-27 Q4"]


@pytest.mark.rule("statistics-secondary-suppression")
async def test_a_public_reader_can_neither_see_nor_work_out_a_count_below_five(api: Api, clock: FixedClock) -> None:
    # given notifications over five quarters, the last complete one ending before today
    counted = complete_quarters(await build(api, clock))
    # then no quarter's one-way table shows or gives away a count below five
    await no_quarterly_cell_can_be_worked_out(api, counted)
    # and figures over several quarters are sums of the quarters' shown cells, so they add nothing
    await every_figure_over_quarters_adds_nothing(api, counted)
    # and the public sees only complete quarters, in one-way tables
    await only_complete_quarters_and_one_way_tables(api)


async def no_quarterly_cell_can_be_worked_out(api: Api, counted: list[dict[str, str]]) -> None:
    quarters = sorted({v["QUARTER"] for v in counted})
    totals = {r["quarter"]: r for r in (await statistics(api, ["QUARTER"], None))["rows"]}
    secondary = 0
    for dimension in DIMENSIONS[1:]:
        by = ["QUARTER", dimension]
        table = await statistics(api, by, None)
        for q in quarters:
            truth = Counter(v[dimension] for v in counted if v["QUARTER"] == q)
            line = {r[FIELDS[dimension]]: r for r in table["rows"] if r["quarter"] == q}
            # every cell shown is right and none is 1 to 4; every cell of 1 to 4 is suppressed
            assert set(line) == set(truth)
            for value, row in line.items():
                assert row["count"] in (None, truth[value]) and row["suppressed"] == (row["count"] is None)
                assert row["suppressed"] or row["count"] >= 5
                secondary += row["suppressed"] and truth[value] >= 5
            hidden = [v for v, r in line.items() if r["suppressed"]]
            total = totals[q]["count"]
            if total is None:
                # with the quarter's total hidden, no line may give it back whole
                assert hidden or not truth
                continue
            # with the total shown, the hidden cells' sum is known: at least two share it, and each could be 5 or more
            rest = total - sum(r["count"] for r in line.values() if not r["suppressed"])
            assert len(hidden) != 1
            if hidden:
                assert rest - (len(hidden) - 1) >= 5, (q, dimension, rest, hidden)
    assert secondary, "the data should need secondary suppression somewhere"


async def every_figure_over_quarters_adds_nothing(api: Api, counted: list[dict[str, str]]) -> None:
    quarterly_totals = (await statistics(api, ["QUARTER"], None))["rows"]
    for dimension in [None, *DIMENSIONS[1:]]:
        by = [dimension] if dimension else []
        whole = await statistics(api, by, None)
        per_quarter = (await statistics(api, ["QUARTER", *by], None))["rows"]
        for row in whole["rows"]:
            parts = [r for r in per_quarter if not dimension or r[FIELDS[dimension]] == row[FIELDS[dimension]]]
            if any(p["suppressed"] for p in parts):
                assert row["suppressed"] and row["count"] is None
            else:  # shown only as the sum of the quarters' shown cells
                assert row["count"] == sum(p["count"] for p in parts)
        if any(r["suppressed"] for r in quarterly_totals):
            assert whole["total"] is None
        else:
            assert whole["total"] == sum(r["count"] for r in quarterly_totals) == len(counted)


async def only_complete_quarters_and_one_way_tables(api: Api) -> None:
    # a period that starts within a quarter leaves that quarter out; the current quarter is never counted
    table = await statistics(api, ["QUARTER"], None, start="2025-11-15", end=TO)
    assert [r["quarter"] for r in table["rows"]] == ["2025-26 Q4", "2026-27 Q1", "2026-27 Q2", "2026-27 Q3"]
    # a local authority's token gets the public table too
    assert await statistics(api, ["QUARTER", "SEX"], ("E09000007", "la")) == await statistics(api, ["QUARTER", "SEX"], None)
    # two dimensions besides the quarter are for the Panel and DfE
    response = await api.post(STATISTICS, {"from": FROM, "to": TO, "by": ["SEX", "ETHNICITY"]})
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    response = await api.post(STATISTICS, {"from": TO, "to": FROM, "by": []})
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_the_same_table_as_csv_under_the_same_rules(api: Api, clock: FixedClock) -> None:
    await build(api, clock)
    url = f"/statistics/incidents.csv?from={FROM}&to={TO}&by=QUARTER,INCIDENT_KIND"
    for reader in (None, ("PANEL", "panel")):
        headers = {"authorization": f"Bearer {await api.token(*reader)}"} if reader else {}
        response = await api.http.get(url, headers=headers)
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(response.text)))
        table = await statistics(api, ["QUARTER", "INCIDENT_KIND"], reader)
        expected = [{"quarter": r["quarter"], "incident_kind": r["incidentKind"],
                     "count": "" if r["count"] is None else str(r["count"]),
                     "suppressed": str(r["suppressed"]).lower()} for r in table["rows"]]
        assert rows[:-1] == expected
        assert rows[-1]["quarter"] == "Total" and rows[-1]["count"] == str(table["total"] or "")
    assert (await api.http.get(f"/statistics/incidents.csv?from={FROM}&to=nope&by=QUARTER")).status_code == 400
    assert (await api.http.get(f"/statistics/incidents.csv?from={FROM}&to={TO}&by=COLOUR")).status_code == 400
    bad = await api.http.get(url, headers={"authorization": "Bearer not-a-token"})
    assert bad.status_code == 401 and "www-authenticate" in bad.headers


async def test_notifications_alike_are_counted_by_the_database_not_read_one_by_one(api: Api, hub: Hub) -> None:
    # given six notifications alike (the same day, area and child's facts)
    for n in range(6):
        body = await api(NOTIFY, {"input": serious_incident(idempotencyKey=f"alike{n}")}, as_=("E09000007", "la"))
        assert body["data"]["notifySeriousIncident"]["errors"] == []
    # when the statistics read them
    async with hub.sessions() as session:
        found = await national_statistics.notifications(session, date(2000, 4, 1), date(2099, 3, 31))
    # then they come as one combination counted six times: memory follows combinations, not cases
    assert [c.n for c in found] == [6]
    assert found[0].values[IncidentDimension.REGION] == "London"
