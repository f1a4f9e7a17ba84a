"""Deadlines owed and their reminders: approaching and missed, announced once each."""

from __future__ import annotations

import asyncio
from datetime import date, datetime

import pytest
from sqlalchemy import event

from app.main import Hub
from hub import reminders
from hub.clock import LONDON, FixedClock
from hub.policy import Policy, RapidReviewClock
from tests.api.test_notification import CAMDEN, LOOKED_AFTER, MET, NOTIFY, serious_incident
from tests.api.test_rapid_review import INBOX, RESPOND, START, notified_case, started, submitted
from tests.conftest import Api

DEADLINES = """query($f: DeadlineFilter) { deadlines(filter: $f) { totalCount nodes { kind dueOn overdue basis
  owedBy { code } case { reference } } } }"""


async def sweep(hub: Hub) -> int:
    return await reminders.sweep(hub.sessions, clock=hub.clock, warn_working_days=3)


def at(clock: FixedClock, year: int, month: int, day: int) -> None:
    clock.set(datetime(year, month, day, 9, 0, tzinfo=LONDON))


@pytest.mark.rule("deadline-reminders", "route-rapid-review-deadline-approaching", "route-rapid-review-deadline-missed",
                  "route-rapid-review-deadline-missed-to-panel")
async def test_a_rapid_review_deadline_is_announced_approaching_then_missed_once_each(
    api: Api, hub: Hub, clock: FixedClock
) -> None:
    review = await started(api)  # due Friday 15 January 2027
    assert await sweep(hub) == 0
    at(clock, 2027, 1, 12)  # three working days before
    assert await sweep(hub) == 1
    assert await sweep(hub) == 0
    police = (await api(INBOX, {"f": {"eventTypes": ["deadline.approaching"]}}, as_=(MET, "police")))["data"]["inbox"]
    assert [(m["dueOn"], m["basis"]) for m in police["nodes"]] == [
        ("2027-01-15", "WT2018 ch4 paras 20-21; Panel practice guidance")]
    at(clock, 2027, 1, 18)
    assert await sweep(hub) == 1
    panel = (await api(INBOX, {"f": {"eventTypes": ["deadline.missed"]}}, as_=("PANEL", "panel")))["data"]["inbox"]
    assert [m["basis"] for m in panel["nodes"]] == ["WT2018 ch4 para 21"]
    overdue = await api(DEADLINES, {"f": {"overdue": True}}, as_=("PANEL", "panel"))
    assert [(d["kind"], d["dueOn"], d["overdue"]) for d in overdue["data"]["deadlines"]["nodes"]] == [
        ("RAPID_REVIEW", "2027-01-15", True)]
    assert overdue["data"]["deadlines"]["nodes"][0]["owedBy"] == [{"code": CAMDEN}]
    events = await api("query($c: ID!) { case(id: $c) { events { eventType } } }", {"c": review["caseId"]}, as_=(CAMDEN, "la"))
    assert [e["eventType"] for e in events["data"]["case"]["events"]][-2:] == ["deadline.approaching", "deadline.missed"]


@pytest.mark.rule("route-information-deadline-approaching", "route-information-deadline-missed")
async def test_an_unanswered_information_request_is_announced_missed_to_the_debtor_and_the_panel(
    api: Api, hub: Hub, clock: FixedClock
) -> None:
    review = await submitted(api)
    await api(RESPOND, {"r": review["id"], "i": {"outcome": "FURTHER_INFORMATION_REQUIRED", "rationale": "More.",
                                               "questions": ["Chronology?"], "informationDueOn": "2027-01-08",
                                               "informationFromCodes": [MET]}}, as_=("PANEL", "panel"))
    owed = await api(DEADLINES, {"f": {"kind": ["INFORMATION_REQUEST"]}}, as_=(MET, "police"))
    assert [(d["dueOn"], d["overdue"]) for d in owed["data"]["deadlines"]["nodes"]] == [("2027-01-08", False)]
    at(clock, 2027, 1, 11)
    assert await sweep(hub) == 1
    for who in [(MET, "police"), ("PANEL", "panel")]:
        missed = (await api(INBOX, {"f": {"eventTypes": ["deadline.missed"]}}, as_=who))["data"]["inbox"]["nodes"]
        assert [m["basis"] for m in missed] == ["WT2018 ch4 paras 24, 35"], who
    ofsted = await api(DEADLINES, {}, as_=("OFSTED", "ofsted"))
    assert ofsted["data"]["deadlines"]["totalCount"] == 0  # Ofsted owes nothing here


async def test_two_sweeps_at_once_announce_each_notice_once(api: Api, hub: Hub, clock: FixedClock) -> None:
    for _ in range(3):
        await started(api)
    at(clock, 2027, 1, 18)
    counts = await asyncio.gather(sweep(hub), sweep(hub))
    assert sum(counts) == 3
    missed = (await api(INBOX, {"f": {"eventTypes": ["deadline.missed"]}}, as_=("PANEL", "panel")))["data"]["inbox"]
    assert len(missed["nodes"]) == 3


DEADLINE_SUBJECTS = """query { deadlines(filter: {kind: [RAPID_REVIEW]}) { totalCount nodes { kind subjectId dueOn basis
  owedBy { code } } } }"""


@pytest.mark.rule("rapid-review-clock", "deadline-reminders", "route-rapid-review-deadline-approaching",
                  "route-rapid-review-deadline-missed", "route-rapid-review-deadline-missed-to-panel")
async def test_para_12_20_21_the_rapid_review_clock_runs_from_the_notification_before_anyone_starts_it(
    api: Api, hub: Hub, clock: FixedClock
) -> None:
    # given Camden notified on Tuesday 22 December 2026 and nobody has started the rapid review
    body = await api(NOTIFY, {"input": serious_incident()}, as_=(CAMDEN, "la"))
    case_id = body["data"]["notifySeriousIncident"]["case"]["id"]
    notification_id = body["data"]["notifySeriousIncident"]["notification"]["id"]
    owed = (await api(DEADLINE_SUBJECTS, as_=(CAMDEN, "la")))["data"]["deadlines"]
    assert owed["nodes"] == [{"kind": "RAPID_REVIEW", "subjectId": notification_id, "dueOn": "2027-01-15",
                              "basis": "WT2018 ch4 paras 20-21", "owedBy": [{"code": CAMDEN}]}]

    # when its approach is announced, and only then is the rapid review started
    at(clock, 2027, 1, 12)
    assert await sweep(hub) == 1
    started = await api(START, {"c": case_id}, as_=(CAMDEN, "la"))
    review = started["data"]["startRapidReview"]["rapidReview"]
    assert review["dueOn"] == "2027-01-15"

    # then it is still the one deadline, now the rapid review's, and its approach is not announced twice
    owed = (await api(DEADLINE_SUBJECTS, as_=("PANEL", "panel")))["data"]["deadlines"]
    assert [(d["subjectId"], d["dueOn"]) for d in owed["nodes"]] == [(review["id"], "2027-01-15")]
    assert await sweep(hub) == 0
    at(clock, 2027, 1, 18)
    assert await sweep(hub) == 1
    assert await sweep(hub) == 0
    police = (await api(INBOX, {"f": {"eventTypes": ["deadline.approaching", "deadline.missed"]}},
                        as_=(MET, "police")))["data"]["inbox"]["nodes"]
    assert sorted(m["eventType"] for m in police) == ["deadline.approaching", "deadline.missed"]
    panel = (await api(INBOX, {"f": {"eventTypes": ["deadline.missed"]}}, as_=("PANEL", "panel")))["data"]["inbox"]
    assert [(m["dueOn"], m["basis"]) for m in panel["nodes"]] == [("2027-01-15", "WT2018 ch4 para 21")]


@pytest.mark.rule("rapid-review-clock", "deadline-reminders", "route-rapid-review-deadline-missed-to-panel")
async def test_para_12_20_21_a_notification_never_started_is_overdue_and_missed_to_the_panel(
    api: Api, hub: Hub, clock: FixedClock
) -> None:
    await notified_case(api)
    at(clock, 2027, 1, 18)
    overdue = await api(DEADLINES, {"f": {"overdue": True}}, as_=("PANEL", "panel"))
    assert [(d["kind"], d["dueOn"], d["overdue"]) for d in overdue["data"]["deadlines"]["nodes"]] == [
        ("RAPID_REVIEW", "2027-01-15", True)]
    assert await sweep(hub) == 1  # missed: the approach had passed unannounced
    panel = (await api(INBOX, {"f": {"eventTypes": ["deadline.missed"]}}, as_=("PANEL", "panel")))["data"]["inbox"]
    assert [m["dueOn"] for m in panel["nodes"]] == ["2027-01-15"]


@pytest.mark.rule("rapid-review-clock")
async def test_para_13_a_looked_after_childs_death_with_no_abuse_suspected_starts_no_rapid_review_clock(
    api: Api, hub: Hub, clock: FixedClock
) -> None:
    # given a para 13 notice only: it goes to the Secretary of State and Ofsted, not to the Panel
    died = {"child": {"sex": "MALE", "lookedAfter": True, "onChildProtectionPlan": False},
            "diedOn": "2026-12-20", "awareOn": "2026-12-22", "abuseOrNeglect": "NOT_SUSPECTED",
            "summary": "Died in hospital of a long-standing illness."}
    made = await api(LOOKED_AFTER, {"input": died}, as_=(CAMDEN, "la"))
    assert made["data"]["notifyLookedAfterChildDeath"]["notification"]["toPanel"] is False
    assert (await api(DEADLINES, {}, as_=(CAMDEN, "la")))["data"]["deadlines"]["totalCount"] == 0
    at(clock, 2027, 1, 18)
    assert await sweep(hub) == 0


@pytest.mark.rule("rapid-review-clock", "rapid-review-due")
async def test_para_20_21_before_the_start_the_clock_counts_from_awareness_where_the_deployment_says_so(
    api: Api, hub: Hub, clock: FixedClock
) -> None:
    # given awareness on Friday 18 December 2026 and the notification on Tuesday 22 December
    await notified_case(api, incident={"awareOn": "2026-12-18", "occurredOn": "2026-12-17"})
    async with hub.sessions() as session:
        by_notification = await reminders.open_deadlines(session, today=date(2026, 12, 22), policy=Policy())
        by_awareness = await reminders.open_deadlines(
            session, today=date(2026, 12, 22), policy=Policy(rapid_review_counts_from=RapidReviewClock.AWARENESS))
    assert [d.due_on for d in by_notification] == [date(2027, 1, 15)]
    assert [d.due_on for d in by_awareness] == [date(2027, 1, 13)]


async def test_the_panels_deadlines_are_found_in_the_database_not_through_a_parameter_per_case(
    api: Api, hub: Hub
) -> None:
    # given more notified cases than any statement of the request may carry parameters
    for n in range(12):
        body = await api(NOTIFY, {"input": serious_incident(idempotencyKey=f"d{n}")}, as_=(CAMDEN, "la"))
        assert body["data"]["notifySeriousIncident"]["errors"] == []
    carried: list[int] = []

    def record(conn: object, cursor: object, statement: str, parameters: object, *_: object) -> None:
        carried.append(len(parameters) if isinstance(parameters, tuple | list | dict) else 0)

    # when the Panel, which sees every notified case, asks for its deadlines
    event.listen(hub.engine.sync_engine, "before_cursor_execute", record)
    try:
        found = await api("{ deadlines(first: 5) { totalCount nodes { kind dueOn owedBy { code } case { reference } } } }",
                          as_=("PANEL", "panel"))
    finally:
        event.remove(hub.engine.sync_engine, "before_cursor_execute", record)
    # then every case's deadline is counted, and no statement carried the cases' ids (100,000 would not fit)
    assert found["data"]["deadlines"]["totalCount"] == 12
    assert carried and max(carried) < 12, carried
