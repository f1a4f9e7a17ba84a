"""Others with functions relating to children inform the partners (para 14)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from hub.clock import LONDON, FixedClock
from tests.api.test_handoff import ACCEPT, HAND_OFF
from tests.api.test_notification import BIRMINGHAM, CAMDEN, ISLINGTON, MET, NOTIFY, area_members, serious_incident
from tests.conftest import Api, Statements

REFER = """
mutation Refer($input: ReferIncidentInput!) {
  referIncident(input: $input) {
    case { id status leadPartnership { code } notification { id } routedMessages { recipient { code } eventType basis dueOn } }
    errors { code field message }
  }
}"""


def referral(**overrides: Any) -> dict[str, Any]:
    base = serious_incident()
    value = {"localAuthorityCode": CAMDEN, "child": base["child"], "incident": base["incident"]}
    value.update(overrides)
    return value


@pytest.mark.rule("referral-to-partners", "route-referral-to-area-partners")
async def test_police_refer_an_incident_to_the_partners_of_the_area_with_no_deadline(api: Api) -> None:
    body = await api(REFER, {"input": referral()}, as_=(MET, "police"))
    payload = body["data"]["referIncident"]
    assert payload["errors"] == []
    case = payload["case"]
    assert case["status"] == "REFERRED" and case["notification"] is None
    routed = {(m["recipient"]["code"], m["eventType"], m["basis"], m["dueOn"]) for m in case["routedMessages"]}
    others = await area_members(api, CAMDEN) - {MET}
    assert routed == {(code, "incident.referred", "WT2018 ch4 para 14", None) for code in others}


@pytest.mark.rule("referral-to-partners")
async def test_a_referral_is_not_held_to_the_s16c_test_para_19(api: Api) -> None:
    value = referral(incident={**serious_incident()["incident"], "abuseOrNeglect": "NOT_SUSPECTED"})
    body = await api(REFER, {"input": value}, as_=(MET, "police"))
    assert body["data"]["referIncident"]["errors"] == []


@pytest.mark.rule("visibility-cases")
async def test_the_panel_does_not_see_a_referral_that_was_never_notified(api: Api) -> None:
    body = await api(REFER, {"input": referral()}, as_=(MET, "police"))
    case_id = body["data"]["referIncident"]["case"]["id"]
    seen = await api("query($id: ID!) { case(id: $id) { id } }", {"id": case_id}, as_=("PANEL", "panel"))
    assert seen["data"]["case"] is None
    partner = await api("query($id: ID!) { case(id: $id) { id } }", {"id": case_id}, as_=(CAMDEN, "la"))
    assert partner["data"]["case"]["id"] == case_id


async def test_a_referral_to_something_that_is_not_a_local_authority_is_refused(api: Api) -> None:
    body = await api(REFER, {"input": referral(localAuthorityCode=MET)}, as_=(MET, "police"))
    assert [e["code"] for e in body["data"]["referIncident"]["errors"]] == ["NOT_A_LOCAL_AUTHORITY"]
    unknown = await api(REFER, {"input": referral(localAuthorityCode="E09999999")}, as_=(MET, "police"))
    assert [e["code"] for e in unknown["data"]["referIncident"]["errors"]] == ["UNKNOWN_ORGANISATION"]


@pytest.mark.parametrize("role", [("PANEL", "panel"), ("OFSTED", "ofsted"), ("DFE", "dfe")])
async def test_roles_that_do_not_refer_get_forbidden(api: Api, role: tuple[str, str]) -> None:
    body = await api(REFER, {"input": referral()}, as_=role)
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]


async def test_an_idempotent_referral_retry_returns_the_first_case(api: Api) -> None:
    first = await api(REFER, {"input": referral(idempotencyKey="met-ref-1")}, as_=(MET, "police"))
    again = await api(REFER, {"input": referral(idempotencyKey="met-ref-1")}, as_=(MET, "police"))
    assert first["data"]["referIncident"]["case"]["id"] == again["data"]["referIncident"]["case"]["id"]
    listed = await api("{ cases { totalCount } }", as_=(ISLINGTON, "la"))
    assert listed["data"]["cases"]["totalCount"] == 0


NOTIFY_REFERRED = """
mutation Notify($input: NotifySeriousIncidentInput!) {
  notifySeriousIncident(input: $input) {
    case { id status child { firstName lastName pseudonym } children { pseudonym } }
    notification { dueOn onTime routedTo { recipient { code } eventType } }
    errors { code field message }
  }
}"""

CASE_FACTS = """query($id: ID!) { case(id: $id) { status incident { awareOn } notification { id } } }"""


async def referred_case(api: Api, **incident: str) -> str:
    value = referral(incident={**serious_incident()["incident"], "occurredOn": "2026-12-17",
                               "awareOn": "2026-12-18", **incident})
    body = await api(REFER, {"input": value}, as_=(MET, "police"))
    assert body["data"]["referIncident"]["errors"] == []
    return str(body["data"]["referIncident"]["case"]["id"])


def notice_of(case_id: str, **incident: str) -> dict[str, Any]:
    value = serious_incident(caseId=case_id, incident={"occurredOn": "2026-12-17", **incident})
    value["child"] = {"sex": "FEMALE", "lookedAfter": False, "onChildProtectionPlan": True}
    return value


@pytest.mark.rule("referral-becomes-notification")
async def test_para_14_a_referred_case_becomes_the_notified_case_and_its_awareness_starts_the_para_12_clock(
    api: Api,
) -> None:
    # given the police told Camden's partners on Friday 18 December 2026 (para 14)
    case_id = await referred_case(api)
    # when Camden notifies the Panel about that case on Tuesday 22 December, aware since that day itself
    body = await api(NOTIFY_REFERRED, {"input": notice_of(case_id)}, as_=(CAMDEN, "la"))
    payload = body["data"]["notifySeriousIncident"]
    assert payload["errors"] == []
    # then it is the one case, now notified, with the referral's child details kept
    assert payload["case"]["id"] == case_id and payload["case"]["status"] == "NOTIFIED"
    assert (payload["case"]["child"]["firstName"], payload["case"]["child"]["lastName"]) == ("Amara", "Testchild")
    assert len(payload["case"]["children"]) == 1
    # and the 5 working days run from the referral's awareness: 18 December + 5 = 29 December (para 12)
    assert (payload["notification"]["dueOn"], payload["notification"]["onTime"]) == ("2026-12-29", True)
    facts = await api(CASE_FACTS, {"id": case_id}, as_=(CAMDEN, "la"))
    assert facts["data"]["case"]["incident"]["awareOn"] == "2026-12-18"
    assert ("PANEL", "notification.submitted") in {
        (m["recipient"]["code"], m["eventType"]) for m in payload["notification"]["routedTo"]}
    listed = await api("{ cases { totalCount } }", as_=(CAMDEN, "la"))
    assert listed["data"]["cases"]["totalCount"] == 1
    seen = await api("query($id: ID!) { case(id: $id) { id } }", {"id": case_id}, as_=("PANEL", "panel"))
    assert seen["data"]["case"]["id"] == case_id


@pytest.mark.rule("referral-becomes-notification")
async def test_para_14_an_earlier_awareness_given_by_the_notifier_starts_the_clock_instead(api: Api) -> None:
    case_id = await referred_case(api)
    body = await api(NOTIFY_REFERRED, {"input": notice_of(case_id, awareOn="2026-12-17")}, as_=(CAMDEN, "la"))
    note = body["data"]["notifySeriousIncident"]["notification"]
    assert note["dueOn"] == "2026-12-24"


@pytest.mark.rule("referral-becomes-notification")
async def test_para_14_a_referral_notified_late_needs_the_late_reason_and_nothing_changes_when_refused(
    api: Api, clock: FixedClock,
) -> None:
    # given a referral made on 18 December 2026, notified on Wednesday 30 December: after the 29th
    case_id = await referred_case(api)
    clock.set(datetime(2026, 12, 30, 10, 0, tzinfo=LONDON))
    refused = await api(NOTIFY_REFERRED, {"input": notice_of(case_id, awareOn="2026-12-30")}, as_=(CAMDEN, "la"))
    assert [e["code"] for e in refused["data"]["notifySeriousIncident"]["errors"]] == ["LATE_REASON_REQUIRED"]
    unchanged = await api(CASE_FACTS, {"id": case_id}, as_=(CAMDEN, "la"))
    assert unchanged["data"]["case"] == {"status": "REFERRED", "incident": {"awareOn": "2026-12-18"},
                                         "notification": None}


@pytest.mark.rule("referral-becomes-notification")
async def test_para_14_only_the_referral_only_case_of_the_callers_area_can_become_the_notified_case(
    api: Api,
) -> None:
    case_id = await referred_case(api)
    # another area's local authority does not see it
    other = await api(NOTIFY_REFERRED, {"input": notice_of(case_id)}, as_=(ISLINGTON, "la"))
    assert [(e["code"], e["field"]) for e in other["data"]["notifySeriousIncident"]["errors"]] == [
        ("NOT_FOUND", ["input", "caseId"])]
    # a case notified directly was never a referral
    direct = await api(NOTIFY_REFERRED, {"input": serious_incident()}, as_=(CAMDEN, "la"))
    direct_id = direct["data"]["notifySeriousIncident"]["case"]["id"]
    again = await api(NOTIFY_REFERRED, {"input": notice_of(direct_id)}, as_=(CAMDEN, "la"))
    assert [e["code"] for e in again["data"]["notifySeriousIncident"]["errors"]] == ["NOT_A_REFERRAL"]
    # a referral is notified once
    first = await api(NOTIFY_REFERRED, {"input": notice_of(case_id)}, as_=(CAMDEN, "la"))
    assert first["data"]["notifySeriousIncident"]["errors"] == []
    twice = await api(NOTIFY_REFERRED, {"input": notice_of(case_id)}, as_=(CAMDEN, "la"))
    assert [e["code"] for e in twice["data"]["notifySeriousIncident"]["errors"]] == ["ALREADY_NOTIFIED"]
    assert (await api("{ cases { totalCount } }", as_=(CAMDEN, "la")))["data"]["cases"]["totalCount"] == 2


@pytest.mark.rule("referral-becomes-notification")
async def test_para_14_a_referral_handed_to_another_area_is_notified_there_not_by_the_first(api: Api) -> None:
    case_id = await referred_case(api)
    proposed = await api(HAND_OFF, {"c": case_id, "i": {"toLocalAuthorityCode": BIRMINGHAM,
                                                      "reason": "The child died in Birmingham."}}, as_=(CAMDEN, "la"))
    handoff = proposed["data"]["handOffCase"]["handoff"]
    await api(ACCEPT, {"h": handoff["id"]}, as_=(BIRMINGHAM, "la"))
    refused = await api(NOTIFY_REFERRED, {"input": notice_of(case_id)}, as_=(CAMDEN, "la"))
    assert [e["code"] for e in refused["data"]["notifySeriousIncident"]["errors"]] == ["NOT_YOUR_AREA"]
    accepted = await api(NOTIFY_REFERRED, {"input": notice_of(case_id)}, as_=(BIRMINGHAM, "la"))
    assert accepted["data"]["notifySeriousIncident"]["case"]["id"] == case_id


async def test_a_page_of_cases_reads_each_notification_with_it_and_a_referral_has_none(
        api: Api, statements: Statements) -> None:
    """The page's notifications come with its own statement (an outer join: at most one a case), so asking for
    them costs no statement more; a referral never notified shows none, beside a notified case that does."""
    referred = await referred_case(api)
    made = await api(NOTIFY, {"input": serious_incident(idempotencyKey="paged-notified")}, as_=(CAMDEN, "la"))
    notified = made["data"]["notifySeriousIncident"]["case"]["id"]
    bare = "{ cases(first: 50) { nodes { id status } } }"
    asked = "{ cases(first: 50) { nodes { id status notification { id dueOn onTime } } } }"
    spent, pages = [], []
    for query in (bare, asked):
        await api(query, as_=(CAMDEN, "la"))
        statements.count, statements.recording = 0, True
        pages.append((await api(query, as_=(CAMDEN, "la")))["data"]["cases"]["nodes"])
        statements.recording = False
        spent.append(statements.count)
    assert spent[0] == spent[1], spent
    by_id = {node["id"]: node for node in pages[1]}
    assert by_id[referred]["status"] == "REFERRED" and by_id[referred]["notification"] is None
    assert by_id[notified]["notification"]["onTime"] is True
    single = await api(CASE_FACTS, {"id": notified}, as_=(CAMDEN, "la"))
    assert by_id[notified]["notification"]["id"] == single["data"]["case"]["notification"]["id"]
