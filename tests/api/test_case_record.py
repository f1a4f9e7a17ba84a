"""What else is recorded on a case: family communication (paras 17, 26), parallel proceedings
(para 29), direct information requests (paras 24, 35), and the Panel's response to involved areas."""

from __future__ import annotations

from datetime import datetime

import pytest

from hub.clock import LONDON, FixedClock
from tests.api.test_notification import BIRMINGHAM, CAMDEN, ISLINGTON, MET, area_members
from tests.api.test_rapid_review import (
    ANSWER,
    CONTRIBUTE,
    INBOX,
    RESPOND,
    SUBMISSION,
    SUBMIT,
    icb,
    notified_case,
    panel_decision,
    signed_off,
    started,
)
from tests.conftest import Api

FAMILY = """mutation($c: ID!, $i: FamilyCommunicationInput!) { recordFamilyCommunication(caseId: $c, input: $i) {
  case { familyCommunications { decision method communicatedOn recordedBy { code } } events { eventType actor { code } } }
  errors { code field } } }"""
PROCEEDING = """mutation($c: ID!, $i: ParallelProceedingInput!) { linkParallelProceeding(caseId: $c, input: $i) {
  case { parallelProceedings { kind reference startedOn } } errors { code field } } }"""
REQUEST = """mutation($i: RequestInformationInput!) { requestInformation(input: $i) {
  informationRequest { id status dueOn overdue addressees { organisation { code } } } errors { code field message } } }"""
REQUESTS = """query($f: InformationRequestFilter) { informationRequests(filter: $f) { totalCount nodes { id status overdue
  requestedBy { code } case { reference } } } }"""


@pytest.mark.rule("family-communication")
async def test_how_and_when_the_family_was_told_is_recorded_on_the_timeline(api: Api) -> None:
    case_id = await notified_case(api)
    entry = {"decision": "NO_LOCAL_REVIEW", "method": "MEETING", "communicatedOn": "2026-12-22", "notes": "With an advocate."}
    body = await api(FAMILY, {"c": case_id, "i": entry}, as_=(CAMDEN, "la"))
    case = body["data"]["recordFamilyCommunication"]["case"]
    assert case["familyCommunications"] == [{"decision": "NO_LOCAL_REVIEW", "method": "MEETING",
                                             "communicatedOn": "2026-12-22", "recordedBy": {"code": CAMDEN}}]
    assert case["events"][-1] == {"eventType": "family.communicated", "actor": {"code": CAMDEN}}
    future = await api(FAMILY, {"c": case_id, "i": {**entry, "communicatedOn": "2027-01-05"}}, as_=(CAMDEN, "la"))
    assert [e["code"] for e in future["data"]["recordFamilyCommunication"]["errors"]] == ["IN_FUTURE"]
    stranger = await api(FAMILY, {"c": case_id, "i": entry}, as_=(ISLINGTON, "la"))
    assert [e["code"] for e in stranger["data"]["recordFamilyCommunication"]["errors"]] == ["NOT_FOUND"]


@pytest.mark.rule("parallel-proceeding")
async def test_a_criminal_investigation_is_linked_to_the_case(api: Api) -> None:
    case_id = await notified_case(api)
    entry = {"kind": "CRIMINAL_INVESTIGATION", "reference": "OP-INVENTED-1", "startedOn": "2026-12-21"}
    body = await api(PROCEEDING, {"c": case_id, "i": entry}, as_=(MET, "police"))
    assert body["data"]["linkParallelProceeding"]["case"]["parallelProceedings"] == [
        {"kind": "CRIMINAL_INVESTIGATION", "reference": "OP-INVENTED-1", "startedOn": "2026-12-21"}]
    ofsted = await api(PROCEEDING, {"c": case_id, "i": entry}, as_=("OFSTED", "ofsted"))
    assert [e["extensions"]["code"] for e in ofsted["errors"]] == ["FORBIDDEN"]


@pytest.mark.rule("information-request")
async def test_the_panel_asks_directly_and_the_request_shows_as_overdue_after_its_due_date(api: Api, clock: FixedClock) -> None:
    case_id = await notified_case(api)
    body = await api(REQUEST, {"i": {"caseId": case_id, "questions": ["Was the child known to health visiting?"],
                                     "dueOn": "2026-12-24", "fromOrganisationCodes": [await icb(api)]}}, as_=("PANEL", "panel"))
    request = body["data"]["requestInformation"]["informationRequest"]
    assert (request["status"], request["overdue"]) == ("OPEN", False)
    clock.set(datetime(2026, 12, 29, 9, 0, tzinfo=LONDON))
    overdue = await api(REQUESTS, {"f": {"overdue": True}}, as_=("PANEL", "panel"))
    assert [n["id"] for n in overdue["data"]["informationRequests"]["nodes"]] == [request["id"]]
    assert overdue["data"]["informationRequests"]["nodes"][0]["overdue"] is True
    mine = await api(REQUESTS, {"f": {"addressedToMe": True}}, as_=(await icb(api), "health"))
    assert mine["data"]["informationRequests"]["totalCount"] == 1
    none = await api(REQUESTS, {"f": {"addressedToMe": True}}, as_=(MET, "police"))
    assert none["data"]["informationRequests"]["totalCount"] == 0
    answered = await api(ANSWER, {"q": request["id"], "a": "Yes, two visits."}, as_=(await icb(api), "health"))
    assert answered["data"]["respondToInformationRequest"]["informationRequest"]["status"] == "ANSWERED"


async def test_a_request_must_ask_something_of_someone_involved_by_a_future_date(api: Api) -> None:
    case_id = await notified_case(api)
    body = await api(REQUEST, {"i": {"caseId": case_id, "questions": [], "dueOn": "2026-12-22",
                                     "fromOrganisationCodes": [ISLINGTON]}}, as_=("PANEL", "panel"))
    assert sorted(e["code"] for e in body["data"]["requestInformation"]["errors"]) == [
        "DUE_NOT_IN_FUTURE", "NOT_INVOLVED", "REQUIRED"]
    reviewer = await api(REQUEST, {"i": {"caseId": case_id, "questions": ["Progress?"], "dueOn": "2027-01-08",
                                         "toReviewerId": "00000000-0000-0000-0000-000000000000"}}, as_=(CAMDEN, "la"))
    assert [e["code"] for e in reviewer["data"]["requestInformation"]["errors"]] == ["REVIEWER_NOT_FOUND"]


@pytest.mark.rule("route-panel-response-to-other-areas", "route-national-review-to-other-areas")
async def test_the_panels_response_reaches_the_partners_of_every_area_involved(api: Api) -> None:
    review = await started(api, otherAreaCodes=[BIRMINGHAM])
    for who in [(CAMDEN, "la"), (MET, "police"), (await icb(api), "health")]:
        await api(CONTRIBUTE, {"r": review["id"], "i": {"summary": "Facts."}}, as_=who)
    await signed_off(api, review["id"])
    submitted = await api(SUBMIT, {"r": review["id"], "i": SUBMISSION}, as_=(CAMDEN, "la"))
    assert submitted["data"]["submitRapidReview"]["errors"] == []
    decided = await api(RESPOND, {"r": review["id"], "i": panel_decision("NATIONAL_REVIEW", "National importance.")},
                        as_=("PANEL", "panel"))
    assert decided["data"]["respondToRapidReview"]["errors"] == []
    for code in await area_members(api, BIRMINGHAM):
        role = {"E08": "la", "E23": "police", "E54": "health"}[code[:3]]
        inbox = (await api(INBOX, {"f": {"eventTypes": ["panel.responded"]}}, as_=(code, role)))["data"]["inbox"]["nodes"]
        assert [m["basis"] for m in inbox] == ["WT2018 ch4 para 25"], code
