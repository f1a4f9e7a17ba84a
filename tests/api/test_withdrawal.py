"""Withdrawing a notification found not to meet the criteria (paras 10-12), and its clocks (paras 20-21)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from app.main import Hub
from hub import reminders
from hub.clock import LONDON, FixedClock
from tests.api.reviews import COMMISSION, REVIEWER
from tests.api.test_notification import CAMDEN, ISLINGTON, LOOKED_AFTER, MET, NOTIFY, serious_incident
from tests.api.test_rapid_review import CONTRIBUTE, INBOX, START, notified_case, started, submitted
from tests.api.test_referral import REFER, referral
from tests.conftest import Api

WITHDRAW = """mutation($c: ID!, $r: String!) { withdrawNotification(caseId: $c, reason: $r) {
  case { id status } notification { id withdrawnAt withdrawalReason } errors { code field message } } }"""
CASE = """query($c: ID!) { case(id: $c) { status rapidReview { status } events { eventType }
  notification { id withdrawalReason routedTo { recipient { code } eventType basis dueOn } } } }"""
DEADLINES = "query { deadlines { totalCount nodes { kind } } }"
REASON = "  The post-mortem found natural causes: no abuse or neglect known or suspected (para 10).  "


async def sweep(hub: Hub) -> int:
    return await reminders.sweep(hub.sessions, clock=hub.clock, warn_working_days=3)


def at(clock: FixedClock, year: int, month: int, day: int) -> None:
    clock.set(datetime(year, month, day, 9, 0, tzinfo=LONDON))


def errors(body: dict[str, Any]) -> list[str]:
    return [e["code"] for e in body["data"]["withdrawNotification"]["errors"]]


@pytest.mark.rule("notification-withdrawal", "route-notification-withdrawn-to-recipients", "rapid-review-clock")
async def test_para_12_a_withdrawn_notification_is_told_to_everyone_it_reached_and_its_clock_stops(
    api: Api, hub: Hub, clock: FixedClock
) -> None:
    # given Camden notified on 22 December 2026 and the rapid review's clock runs (paras 20-21)
    case_id = await notified_case(api)
    assert (await api(DEADLINES, as_=(CAMDEN, "la")))["data"]["deadlines"]["totalCount"] == 1

    # when Camden finds the criteria were not met and withdraws it, with its reasons
    body = await api(WITHDRAW, {"c": case_id, "r": REASON}, as_=(CAMDEN, "la"))
    payload = body["data"]["withdrawNotification"]
    assert payload["errors"] == []
    assert payload["case"]["status"] == "WITHDRAWN"
    assert payload["notification"]["withdrawalReason"] == REASON.strip()
    assert payload["notification"]["withdrawnAt"].startswith("2026-12-22")

    # then everyone the notification reached is told, citing para 12, and nobody else
    record = (await api(CASE, {"c": case_id}, as_=(CAMDEN, "la")))["data"]["case"]
    routed = record["notification"]["routedTo"]
    reached = {m["recipient"]["code"] for m in routed if m["eventType"] == "notification.submitted"}
    told = {(m["recipient"]["code"], m["basis"], m["dueOn"]) for m in routed if m["eventType"] == "notification.withdrawn"}
    assert {"PANEL", "OFSTED", "DFE", MET} <= reached
    assert told == {(code, "WT2018 ch4 para 12", "2026-12-22") for code in reached}
    ofsted = (await api(INBOX, {"f": {"eventTypes": ["notification.withdrawn"]}}, as_=("OFSTED", "ofsted")))["data"]
    assert [m["basis"] for m in ofsted["inbox"]["nodes"]] == ["WT2018 ch4 para 12"]
    assert record["events"][-1] == {"eventType": "notification.withdrawn"}

    # and no deadline or reminder is owed on it, ever; no rapid review can start
    assert (await api(DEADLINES, as_=("PANEL", "panel")))["data"]["deadlines"]["totalCount"] == 0
    at(clock, 2027, 1, 18)
    assert await sweep(hub) == 0
    start = await api(START, {"c": case_id}, as_=(CAMDEN, "la"))
    assert [e["code"] for e in start["data"]["startRapidReview"]["errors"]] == ["NOTIFICATION_WITHDRAWN"]


@pytest.mark.rule("notification-withdrawal", "rapid-review-transitions", "rapid-review-clock")
async def test_paras_12_20_21_withdrawing_closes_a_rapid_review_being_written_and_its_reminders(
    api: Api, hub: Hub, clock: FixedClock
) -> None:
    # given a rapid review started, whose approach was announced on 12 January 2027
    review = await started(api)
    at(clock, 2027, 1, 12)
    assert await sweep(hub) == 1

    # when the notification is withdrawn before the review reaches the Panel
    body = await api(WITHDRAW, {"c": review["caseId"], "r": "Serious harm not established (para 11)."},
                     as_=(CAMDEN, "la"))
    assert errors(body) == []

    # then the rapid review is closed, owes nothing, and is never announced missed
    record = (await api(CASE, {"c": review["caseId"]}, as_=(CAMDEN, "la")))["data"]["case"]
    assert record["rapidReview"] == {"status": "WITHDRAWN"}
    assert (await api(DEADLINES, as_=(CAMDEN, "la")))["data"]["deadlines"]["totalCount"] == 0
    at(clock, 2027, 1, 18)
    assert await sweep(hub) == 0
    late = await api(CONTRIBUTE, {"r": review["id"], "i": {"summary": "Police records."}}, as_=(MET, "police"))
    assert [e["code"] for e in late["data"]["contributeToRapidReview"]["errors"]] == ["NOTIFICATION_WITHDRAWN"]


async def _unchanged(api: Api, case_id: str) -> tuple[str, int]:
    record = (await api(CASE, {"c": case_id}, as_=(CAMDEN, "la")))["data"]["case"]
    return record["status"], len(record["notification"]["routedTo"])


@pytest.mark.rule("notification-withdrawal")
async def test_para_12_only_the_notifier_withdraws_with_reasons_and_a_refusal_changes_nothing(api: Api) -> None:
    # given a notification by Camden that involves Islington's partnership too (footnote 77)
    case_id = await notified_case(api, otherAreaCodes=[ISLINGTON])
    before = await _unchanged(api, case_id)

    unknown = await api(WITHDRAW, {"c": "0190a3f2-0000-7000-8000-000000000000", "r": "x"}, as_=(CAMDEN, "la"))
    assert errors(unknown) == ["NOT_FOUND"]
    islington = await api(WITHDRAW, {"c": case_id, "r": "Not ours."}, as_=(ISLINGTON, "la"))
    assert errors(islington) == ["NOT_THE_NOTIFIER"]
    police = await api(WITHDRAW, {"c": case_id, "r": "No abuse."}, as_=(MET, "police"))
    assert [e["extensions"]["code"] for e in police["errors"]] == ["FORBIDDEN"]
    blank = await api(WITHDRAW, {"c": case_id, "r": "   "}, as_=(CAMDEN, "la"))
    assert [(e["code"], e["field"]) for e in blank["data"]["withdrawNotification"]["errors"]] == [
        ("REQUIRED", ["reason"])]
    too_long = await api(WITHDRAW, {"c": case_id, "r": "x" * 5_001}, as_=(CAMDEN, "la"))
    assert errors(too_long) == ["TOO_LONG"]
    naming = await api(WITHDRAW, {"c": case_id, "r": "Amara's injuries were accidental."}, as_=(CAMDEN, "la"))
    assert errors(naming) == ["NAMES_CHILD"]
    assert await _unchanged(api, case_id) == before

    # a second withdrawal is refused, and changes nothing either
    assert errors(await api(WITHDRAW, {"c": case_id, "r": "Accidental."}, as_=(CAMDEN, "la"))) == []
    after = await _unchanged(api, case_id)
    assert errors(await api(WITHDRAW, {"c": case_id, "r": "Again."}, as_=(CAMDEN, "la"))) == ["ALREADY_WITHDRAWN"]
    assert await _unchanged(api, case_id) == after


@pytest.mark.rule("notification-withdrawal")
async def test_paras_21_22_too_late_once_the_rapid_review_is_with_the_panel(api: Api) -> None:
    review = await submitted(api)
    body = await api(WITHDRAW, {"c": review["caseId"], "r": "No abuse after all."}, as_=(CAMDEN, "la"))
    assert errors(body) == ["RAPID_REVIEW_SUBMITTED"]
    record = (await api(CASE, {"c": review["caseId"]}, as_=(CAMDEN, "la")))["data"]["case"]
    assert (record["status"], record["rapidReview"]["status"]) == ("NOTIFIED", "SUBMITTED")


@pytest.mark.rule("notification-withdrawal")
async def test_paras_13_14_a_referral_or_a_para_13_notice_alone_has_no_notification_to_the_panel_to_withdraw(
    api: Api,
) -> None:
    referred = await api(REFER, {"input": referral()}, as_=(MET, "police"))
    referred_id = referred["data"]["referIncident"]["case"]["id"]
    assert errors(await api(WITHDRAW, {"c": referred_id, "r": "No abuse."}, as_=(CAMDEN, "la"))) == ["NOT_NOTIFIED"]
    died = {"child": {"sex": "FEMALE", "lookedAfter": True, "onChildProtectionPlan": False},
            "diedOn": "2026-12-20", "awareOn": "2026-12-22", "abuseOrNeglect": "NOT_SUSPECTED",
            "summary": "Died of a long-standing illness."}
    made = await api(LOOKED_AFTER, {"input": died}, as_=(CAMDEN, "la"))
    case_id = made["data"]["notifyLookedAfterChildDeath"]["case"]["id"]
    body = await api(WITHDRAW, {"c": case_id, "r": "No abuse."}, as_=(CAMDEN, "la"))
    assert errors(body) == ["NOT_NOTIFIED_TO_PANEL"]


async def test_para_12_the_notification_and_its_hand_overs_stay_on_record_beside_the_withdrawal(api: Api) -> None:
    # the withdrawal does not undo the hand-over: the notification and its messages stay on record
    body = await api(NOTIFY, {"input": serious_incident()}, as_=(CAMDEN, "la"))
    case_id = body["data"]["notifySeriousIncident"]["case"]["id"]
    routed = len(body["data"]["notifySeriousIncident"]["notification"]["routedTo"])
    await api(WITHDRAW, {"c": case_id, "r": "Accidental injury."}, as_=(CAMDEN, "la"))
    record = (await api(CASE, {"c": case_id}, as_=("PANEL", "panel")))["data"]["case"]
    kinds = [m["eventType"] for m in record["notification"]["routedTo"]]
    assert kinds.count("notification.submitted") == routed
    assert kinds.count("notification.withdrawn") == routed


@pytest.mark.rule("notification-withdrawal")
async def test_para_13_withdrawing_a_looked_after_childs_death_withdraws_only_its_notification_to_the_panel(
    api: Api,
) -> None:
    # given a looked-after child's death with neglect suspected: para 13 notice and s16C notification in one
    died = {"child": {"sex": "MALE", "lookedAfter": True, "onChildProtectionPlan": False},
            "diedOn": "2026-12-20", "awareOn": "2026-12-22", "abuseOrNeglect": "SUSPECTED",
            "summary": "Died in hospital; neglect suspected at first."}
    made = await api(LOOKED_AFTER, {"input": died}, as_=(CAMDEN, "la"))
    case_id = made["data"]["notifyLookedAfterChildDeath"]["case"]["id"]
    # when the criteria of para 10 turn out not to be met
    body = await api(WITHDRAW, {"c": case_id, "r": "No abuse or neglect after all."}, as_=(CAMDEN, "la"))
    assert errors(body) == []
    # then those the notification to the Panel reached are told; the Secretary of State's para 13 notice stands
    routed = (await api(CASE, {"c": case_id}, as_=(CAMDEN, "la")))["data"]["case"]["notification"]["routedTo"]
    told = {m["recipient"]["code"] for m in routed if m["eventType"] == "notification.withdrawn"}
    assert "PANEL" in told and "SOS" not in told
    assert {m["recipient"]["code"] for m in routed if m["eventType"] == "looked_after_death.notified"} >= {"SOS"}


@pytest.mark.rule("notification-withdrawal", "local-review-route")
async def test_paras_12_19_a_withdrawn_notification_may_still_be_reviewed_locally_at_the_partners_choice(
    api: Api,
) -> None:
    case_id = await notified_case(api)
    assert errors(await api(WITHDRAW, {"c": case_id, "r": "Accidental injury."}, as_=(CAMDEN, "la"))) == []
    body = await api(COMMISSION, {"c": case_id, "i": {"kind": "LOCAL", "reviewers": [REVIEWER]}},
                     as_=(CAMDEN, "la"))
    assert body["data"]["commissionReview"]["errors"] == []
    assert body["data"]["commissionReview"]["review"]["decidedOn"] == "2026-12-22"
