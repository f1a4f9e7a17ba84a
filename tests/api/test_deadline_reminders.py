"""Deadlines owed and their reminders: approaching and missed, announced once each."""

from __future__ import annotations

import asyncio
from datetime import datetime

import pytest

from app.main import Hub
from hub import reminders
from hub.clock import LONDON, FixedClock
from tests.api.test_notification import CAMDEN, MET
from tests.api.test_rapid_review import INBOX, RESPOND, started, submitted
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
