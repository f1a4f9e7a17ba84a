"""Notifying a serious incident (s16C; paras 10-13), through HTTP, on a real database."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from app.main import Hub
from hub import models
from hub.clock import LONDON, FixedClock
from tests.conftest import Api

CAMDEN = "E09000007"
ISLINGTON = "E09000019"
BIRMINGHAM = "E08000025"
MET = "E23000001"

NOTIFY = """
mutation Notify($input: NotifySeriousIncidentInput!) {
  notifySeriousIncident(input: $input) {
    case { id reference status leadPartnership { name } involvedPartnerships { name }
           child { firstName pseudonym ageYears } children { pseudonym } }
    notification { id submittedOn dueOn onTime lateReason
      routedTo { recipient { code kind } eventType basis dueOn } }
    errors { code field message }
  }
}"""

LOOKED_AFTER = """
mutation Died($input: NotifyLookedAfterChildDeathInput!) {
  notifyLookedAfterChildDeath(input: $input) {
    case { id }
    notification { kind toPanel routedTo { recipient { code } eventType basis dueOn } }
    errors { code field message }
  }
}"""

MEMBERS = """query($code: String!) { organisation(code: $code) { partnerships { members { code kind } } } }"""


def serious_incident(**overrides: Any) -> dict[str, Any]:
    incident = {
        "kind": "DEATH", "occurredOn": "2026-12-20", "awareOn": "2026-12-22",
        "abuseOrNeglect": "SUSPECTED", "location": "IN_AREA",
        "summary": "Infant found unresponsive at home; neglect suspected.",
    }
    incident.update(overrides.pop("incident", {}))
    value = {
        "child": {"firstName": "Amara", "lastName": "Testchild", "dateOfBirth": "2026-03-01",
                  "sex": "FEMALE", "lookedAfter": False, "onChildProtectionPlan": True},
        "incident": incident,
    }
    value.update(overrides)
    return value


async def area_members(api: Api, code: str) -> set[str]:
    found = await api(MEMBERS, {"code": code}, as_=(code, "la"))
    return {m["code"] for p in found["data"]["organisation"]["partnerships"] for m in p["members"]}


async def case_rows(hub: Hub) -> int:
    async with hub.sessions() as session:
        total = 0
        for model in (models.Case, models.Notification, models.RoutedMessage, models.Child,
                      models.CaseEvent, models.IdempotencyRecord):
            total += (await session.execute(select(func.count()).select_from(model))).scalar_one()
        return total


@pytest.mark.rule("notification-due", "route-notification-to-panel", "route-notification-copy-to-ofsted",
                  "route-notification-copy-to-dfe", "route-notification-to-area-partners")
async def test_notification_reaches_panel_ofsted_dfe_and_area_partners_due_in_five_working_days(api: Api) -> None:
    # given Camden became aware on Tuesday 22 December 2026, and notifies the same day
    body = await api(NOTIFY, {"input": serious_incident()}, as_=(CAMDEN, "la"))
    payload = body["data"]["notifySeriousIncident"]
    assert payload["errors"] == []
    note = payload["notification"]
    # then it is due on Thursday 31 December 2026 and on time (para 12)
    assert (note["submittedOn"], note["dueOn"], note["onTime"]) == ("2026-12-22", "2026-12-31", True)
    routed = {(m["recipient"]["code"], m["eventType"]): m for m in note["routedTo"]}
    partners = await area_members(api, CAMDEN) - {CAMDEN}
    assert {MET} <= partners and any(c.startswith("E54") for c in partners)
    assert {code for code, _ in routed} == {"PANEL", "OFSTED", "DFE"} | partners
    assert routed[("PANEL", "notification.submitted")]["basis"] == "Children Act 2004 s16C; WT2018 ch4 para 12"
    assert routed[("PANEL", "notification.submitted")]["dueOn"] == "2026-12-31"
    assert routed[("OFSTED", "notification.submitted")]["basis"] == "WT2018 ch4 footnote 76"
    assert routed[("DFE", "notification.submitted")]["dueOn"] == "2026-12-22"  # on receipt
    assert all(routed[(c, "notification.submitted")]["basis"] == "WT2018 ch4 para 12" for c in partners)
    assert payload["case"]["status"] == "NOTIFIED"
    assert payload["case"]["child"]["ageYears"] == 0


@pytest.mark.rule("route-notification-to-other-areas")
async def test_cross_area_notification_reaches_the_partners_of_every_other_area_named(api: Api) -> None:
    # given a child placed out of area: Camden notifies and names Birmingham (footnote 77)
    body = await api(NOTIFY, {"input": serious_incident(otherAreaCodes=[BIRMINGHAM])}, as_=(CAMDEN, "la"))
    payload = body["data"]["notifySeriousIncident"]
    assert payload["errors"] == []
    routed = {(m["recipient"]["code"], m["basis"]) for m in payload["notification"]["routedTo"]}
    for code in await area_members(api, BIRMINGHAM):
        assert (code, "WT2018 ch4 para 12, footnote 77; para 18") in routed
    assert len(payload["case"]["involvedPartnerships"]) == 1
    # and Birmingham sees the case as an involved partnership
    seen = await api("query($id: ID!) { case(id: $id) { reference } }", {"id": payload["case"]["id"]},
                     as_=(BIRMINGHAM, "la"))
    assert seen["data"]["case"]["reference"] == payload["case"]["reference"]


@pytest.mark.rule("visibility-cases")
async def test_an_uninvolved_local_authority_gets_null_not_forbidden(api: Api) -> None:
    made = await api(NOTIFY, {"input": serious_incident()}, as_=(CAMDEN, "la"))
    case_id = made["data"]["notifySeriousIncident"]["case"]["id"]
    seen = await api("query($id: ID!) { case(id: $id) { id } }", {"id": case_id}, as_=(ISLINGTON, "la"))
    assert seen == {"data": {"case": None}}
    listed = await api("{ cases { totalCount nodes { id } } }", as_=(ISLINGTON, "la"))
    assert listed["data"]["cases"] == {"totalCount": 0, "nodes": []}


@pytest.mark.rule("visibility-child-identity")
async def test_ofsted_sees_the_case_routed_to_it_with_a_pseudonymous_child(api: Api) -> None:
    made = await api(NOTIFY, {"input": serious_incident()}, as_=(CAMDEN, "la"))
    case = made["data"]["notifySeriousIncident"]["case"]
    query = """query($id: ID!) { case(id: $id) { child { firstName lastName dateOfBirth pseudonym ageYears sex } } }"""
    seen = await api(query, {"id": case["id"]}, as_=("OFSTED", "ofsted"))
    child = seen["data"]["case"]["child"]
    assert (child["firstName"], child["lastName"], child["dateOfBirth"]) == (None, None, None)
    assert child["pseudonym"] == case["child"]["pseudonym"] and child["ageYears"] == 0
    panel = await api(query, {"id": case["id"]}, as_=("PANEL", "panel"))
    assert panel["data"]["case"]["child"]["firstName"] == "Amara"


async def test_police_calling_notify_get_forbidden_and_nothing_changes(api: Api, hub: Hub) -> None:
    body = await api(NOTIFY, {"input": serious_incident()}, as_=(MET, "police"))
    assert body["data"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]
    assert await case_rows(hub) == 0


async def test_an_idempotent_retry_creates_nothing_new(api: Api, hub: Hub) -> None:
    first = await api(NOTIFY, {"input": serious_incident(idempotencyKey="camden-2026-0042")}, as_=(CAMDEN, "la"))
    rows = await case_rows(hub)
    again = await api(NOTIFY, {"input": serious_incident(idempotencyKey="camden-2026-0042")}, as_=(CAMDEN, "la"))
    assert again["data"]["notifySeriousIncident"]["case"]["id"] == first["data"]["notifySeriousIncident"]["case"]["id"]
    assert await case_rows(hub) == rows
    changed = serious_incident(idempotencyKey="camden-2026-0042", incident={"summary": "Different text."})
    reused = await api(NOTIFY, {"input": changed}, as_=(CAMDEN, "la"))
    assert [e["code"] for e in reused["data"]["notifySeriousIncident"]["errors"]] == ["IDEMPOTENCY_KEY_REUSED"]
    assert await case_rows(hub) == rows


@pytest.mark.rule("s16c-notifiable")
async def test_not_suspected_abuse_is_refused_naming_the_para_10_limb_and_nothing_is_stored(api: Api, hub: Hub) -> None:
    body = await api(NOTIFY, {"input": serious_incident(incident={"abuseOrNeglect": "NOT_SUSPECTED"})}, as_=(CAMDEN, "la"))
    payload = body["data"]["notifySeriousIncident"]
    assert payload["case"] is None and payload["notification"] is None
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [
        ("NOT_NOTIFIABLE_NO_ABUSE_OR_NEGLECT", ["input", "incident", "abuseOrNeglect"])]
    assert "para 10" in payload["errors"][0]["message"]
    assert await case_rows(hub) == 0


@pytest.mark.rule("s16c-notifiable")
async def test_harm_elsewhere_in_england_is_refused_naming_s16c_and_outside_england_is_accepted(api: Api) -> None:
    refused = await api(NOTIFY, {"input": serious_incident(incident={"location": "ELSEWHERE_IN_ENGLAND"})}, as_=(CAMDEN, "la"))
    assert [e["code"] for e in refused["data"]["notifySeriousIncident"]["errors"]] == ["NOT_NOTIFIABLE_NOT_IN_AREA"]
    assert "s16C(1)" in refused["data"]["notifySeriousIncident"]["errors"][0]["message"]
    accepted = await api(NOTIFY, {"input": serious_incident(incident={"location": "OUTSIDE_ENGLAND"})}, as_=(CAMDEN, "la"))
    assert accepted["data"]["notifySeriousIncident"]["errors"] == []


@pytest.mark.rule("late-reason-required")
async def test_a_late_notification_needs_a_reason_and_is_then_accepted_as_late(api: Api, clock: FixedClock) -> None:
    # given it is Monday 4 January 2027, after the due date of 31 December 2026
    clock.set(datetime(2027, 1, 4, 9, 30, tzinfo=LONDON))
    refused = await api(NOTIFY, {"input": serious_incident()}, as_=(CAMDEN, "la"))
    errors = refused["data"]["notifySeriousIncident"]["errors"]
    assert [(e["code"], e["field"]) for e in errors] == [("LATE_REASON_REQUIRED", ["input", "lateReason"])]
    assert "2026-12-31" in errors[0]["message"]
    accepted = await api(NOTIFY, {"input": serious_incident(lateReason="Awareness recorded late by the out-of-hours team.")},
                         as_=(CAMDEN, "la"))
    note = accepted["data"]["notifySeriousIncident"]["notification"]
    assert (note["onTime"], note["dueOn"], note["submittedOn"]) == (False, "2026-12-31", "2027-01-04")
    assert note["lateReason"].startswith("Awareness")


@pytest.mark.rule("incident-dates")
async def test_awareness_in_the_future_is_refused(api: Api, hub: Hub) -> None:
    body = await api(NOTIFY, {"input": serious_incident(incident={"awareOn": "2026-12-23"})}, as_=(CAMDEN, "la"))
    assert [e["code"] for e in body["data"]["notifySeriousIncident"]["errors"]] == ["AWARE_IN_FUTURE"]
    assert await case_rows(hub) == 0


async def test_up_to_four_children_and_no_more(api: Api) -> None:
    sibling = {"sex": "MALE", "lookedAfter": False, "onChildProtectionPlan": False}
    four = await api(NOTIFY, {"input": serious_incident(otherChildren=[sibling] * 3)}, as_=(CAMDEN, "la"))
    assert len(four["data"]["notifySeriousIncident"]["case"]["children"]) == 4
    five = await api(NOTIFY, {"input": serious_incident(otherChildren=[sibling] * 4)}, as_=(CAMDEN, "la"))
    assert [e["code"] for e in five["data"]["notifySeriousIncident"]["errors"]] == ["TOO_MANY_CHILDREN"]


@pytest.mark.rule("route-looked-after-death-to-sos", "route-looked-after-death-to-ofsted")
async def test_a_looked_after_childs_death_is_routed_to_the_secretary_of_state_and_ofsted(api: Api) -> None:
    value = serious_incident()
    value["child"]["lookedAfter"] = True
    body = await api(NOTIFY, {"input": value}, as_=(CAMDEN, "la"))
    routed = {(m["recipient"]["code"], m["eventType"], m["basis"])
              for m in body["data"]["notifySeriousIncident"]["notification"]["routedTo"]}
    assert ("SOS", "looked_after_death.notified", "WT2018 ch4 para 13") in routed
    assert ("OFSTED", "looked_after_death.notified", "WT2018 ch4 para 13") in routed
    assert ("PANEL", "notification.submitted", "Children Act 2004 s16C; WT2018 ch4 para 12") in routed


@pytest.mark.rule("looked-after-death")
async def test_looked_after_death_without_suspected_abuse_goes_to_sos_and_ofsted_not_the_panel(api: Api) -> None:
    value = {"child": {"sex": "MALE", "lookedAfter": True, "onChildProtectionPlan": False, "dateOfBirth": "2011-05-05"},
             "diedOn": "2026-12-21", "awareOn": "2026-12-21", "abuseOrNeglect": "NOT_SUSPECTED",
             "summary": "Died in hospital after a long illness."}
    body = await api(LOOKED_AFTER, {"input": value}, as_=(CAMDEN, "la"))
    payload = body["data"]["notifyLookedAfterChildDeath"]
    assert payload["errors"] == []
    assert payload["notification"]["toPanel"] is False
    assert {m["recipient"]["code"] for m in payload["notification"]["routedTo"]} == {"SOS", "OFSTED"}
    hidden = await api("query($id: ID!) { case(id: $id) { id } }", {"id": payload["case"]["id"]}, as_=("PANEL", "panel"))
    assert hidden["data"]["case"] is None


@pytest.mark.rule("looked-after-death")
async def test_looked_after_death_with_suspected_abuse_is_also_a_notification_to_the_panel(api: Api) -> None:
    value = {"child": {"sex": "FEMALE", "lookedAfter": True, "onChildProtectionPlan": False},
             "diedOn": "2026-12-21", "awareOn": "2026-12-22", "abuseOrNeglect": "SUSPECTED",
             "summary": "Died at a placement; neglect suspected."}
    body = await api(LOOKED_AFTER, {"input": value}, as_=(CAMDEN, "la"))
    routed = {(m["recipient"]["code"], m["eventType"]) for m in body["data"]["notifyLookedAfterChildDeath"]["notification"]["routedTo"]}
    assert {("PANEL", "notification.submitted"), ("SOS", "looked_after_death.notified"),
            ("OFSTED", "looked_after_death.notified"), ("DFE", "notification.submitted")} <= routed


@pytest.mark.rule("route-care-leaver-death-to-sos", "route-care-leaver-death-to-ofsted")
async def test_a_care_leavers_death_up_to_age_24_is_notified_and_25_is_refused(api: Api) -> None:
    def leaver(born: str) -> dict[str, Any]:
        return {"child": {"sex": "MALE", "lookedAfter": False, "onChildProtectionPlan": False, "dateOfBirth": born},
                "diedOn": "2026-12-20", "awareOn": "2026-12-21", "abuseOrNeglect": "NOT_SUSPECTED",
                "summary": "A care leaver died.", "careLeaver": True}
    aged_24 = await api(LOOKED_AFTER, {"input": leaver("2002-06-01")}, as_=(CAMDEN, "la"))
    routed = aged_24["data"]["notifyLookedAfterChildDeath"]["notification"]["routedTo"]
    assert {m["recipient"]["code"] for m in routed} == {"SOS", "OFSTED"}
    assert all("Working Together 2023" in m["basis"] for m in routed)
    aged_25 = await api(LOOKED_AFTER, {"input": leaver("2001-06-01")}, as_=(CAMDEN, "la"))
    assert [e["code"] for e in aged_25["data"]["notifyLookedAfterChildDeath"]["errors"]] == ["NOT_A_CHILD"]


PLACED = """
mutation Died($input: NotifyLookedAfterChildDeathInput!) {
  notifyLookedAfterChildDeath(input: $input) {
    case { id leadPartnership { code } involvedPartnerships { code } child { ageYears } }
    notification { toPanel dueOn routedTo { recipient { code } eventType basis dueOn } }
    errors { code field message }
  }
}"""

DIED_ELSEWHERE_BASIS = "Children Act 2004 s16C(1)(a); WT2018 ch4 para 13, footnote 77"


def looked_after_death(**overrides: Any) -> dict[str, Any]:
    value: dict[str, Any] = {
        "child": {"sex": "FEMALE", "lookedAfter": True, "onChildProtectionPlan": False, "dateOfBirth": "2012-04-04"},
        "diedOn": "2026-12-21", "awareOn": "2026-12-22", "abuseOrNeglect": "SUSPECTED",
        "summary": "Died at a residential placement; neglect suspected.",
    }
    value.update(overrides)
    return value


def care_leaver_death(**overrides: Any) -> dict[str, Any]:
    child = {"sex": "MALE", "lookedAfter": False, "onChildProtectionPlan": False}
    return looked_after_death(child=child, careLeaver=True, summary="A care leaver died; neglect suspected.",
                              **overrides)


async def seen_by_panel(api: Api, case_id: str) -> bool:
    seen = await api("query($id: ID!) { case(id: $id) { id } }", {"id": case_id}, as_=("PANEL", "panel"))
    return seen["data"]["case"] is not None


@pytest.mark.rule("looked-after-death-panel-notifier", "route-looked-after-death-to-died-in-authority",
                  "route-looked-after-death-to-died-in-area-partners")
async def test_para_13_footnote_77_a_looked_after_child_placed_out_of_area_who_died_there_is_that_areas_s16c_notification(
    api: Api,
) -> None:
    # given Camden placed a child in Birmingham, where she died with neglect suspected
    value = looked_after_death(location="ELSEWHERE_IN_ENGLAND", diedInAreaCode=BIRMINGHAM)
    body = await api(PLACED, {"input": value}, as_=(CAMDEN, "la"))
    payload = body["data"]["notifyLookedAfterChildDeath"]
    assert payload["errors"] == []
    # then Camden's notice goes to the Secretary of State and Ofsted (para 13) and is not a Panel notification
    note = payload["notification"]
    assert note["toPanel"] is False and note["dueOn"] == "2026-12-31"
    routed = {(m["recipient"]["code"], m["eventType"], m["basis"], m["dueOn"]) for m in note["routedTo"]}
    para_13 = {(code, "looked_after_death.notified", "WT2018 ch4 para 13", "2026-12-31") for code in ("SOS", "OFSTED")}
    # and Birmingham's local authority and partners are told the Panel notification is theirs (s16C, footnote 77)
    birmingham = await area_members(api, BIRMINGHAM)
    assert BIRMINGHAM in birmingham
    told = {(code, "looked_after_death.notified", DIED_ELSEWHERE_BASIS, "2026-12-31") for code in birmingham}
    assert routed == para_13 | told
    assert not any(code in {"PANEL", "DFE"} for code, *_ in routed)
    # and Birmingham's partnership is involved while Camden's leads
    case = payload["case"]
    assert case["leadPartnership"] == {"code": "SCP-E09000007"}
    assert case["involvedPartnerships"] == [{"code": "SCP-E08000025"}]
    seen = await api("query($id: ID!) { case(id: $id) { id } }", {"id": case["id"]}, as_=(BIRMINGHAM, "la"))
    assert seen["data"]["case"]["id"] == case["id"]
    assert not await seen_by_panel(api, case["id"])


@pytest.mark.rule("looked-after-death-panel-notifier")
async def test_s16c_1_b_a_looked_after_child_who_died_outside_england_is_still_the_placing_authoritys_panel_notification(
    api: Api,
) -> None:
    body = await api(PLACED, {"input": looked_after_death(location="OUTSIDE_ENGLAND")}, as_=(CAMDEN, "la"))
    payload = body["data"]["notifyLookedAfterChildDeath"]
    assert payload["errors"] == [] and payload["notification"]["toPanel"] is True
    routed = {(m["recipient"]["code"], m["eventType"]) for m in payload["notification"]["routedTo"]}
    assert {("PANEL", "notification.submitted"), ("SOS", "looked_after_death.notified"),
            ("OFSTED", "looked_after_death.notified")} <= routed
    assert payload["case"]["involvedPartnerships"] == []
    assert await seen_by_panel(api, payload["case"]["id"])


@pytest.mark.rule("looked-after-death-panel-notifier")
async def test_para_13_a_looked_after_death_elsewhere_in_england_without_abuse_goes_to_sos_and_ofsted_only(
    api: Api,
) -> None:
    value = looked_after_death(location="ELSEWHERE_IN_ENGLAND", diedInAreaCode=BIRMINGHAM,
                               abuseOrNeglect="NOT_SUSPECTED", summary="Died in hospital after a long illness.")
    body = await api(PLACED, {"input": value}, as_=(CAMDEN, "la"))
    payload = body["data"]["notifyLookedAfterChildDeath"]
    assert payload["errors"] == [] and payload["notification"]["toPanel"] is False
    assert {m["recipient"]["code"] for m in payload["notification"]["routedTo"]} == {"SOS", "OFSTED"}
    assert payload["case"]["involvedPartnerships"] == []


@pytest.mark.rule("looked-after-death-panel-notifier")
async def test_footnote_77_the_area_where_the_child_died_must_be_another_local_authority_and_nothing_is_stored(
    api: Api, hub: Hub,
) -> None:
    cases = [
        ({"location": "ELSEWHERE_IN_ENGLAND"}, "REQUIRED"),
        ({"location": "IN_AREA", "diedInAreaCode": BIRMINGHAM}, "DIED_IN_AREA_CODE_NOT_EXPECTED"),
        ({"location": "OUTSIDE_ENGLAND", "diedInAreaCode": BIRMINGHAM}, "DIED_IN_AREA_CODE_NOT_EXPECTED"),
        ({"location": "ELSEWHERE_IN_ENGLAND", "diedInAreaCode": "E09999999"}, "UNKNOWN_ORGANISATION"),
        ({"location": "ELSEWHERE_IN_ENGLAND", "diedInAreaCode": MET}, "NOT_A_LOCAL_AUTHORITY"),
        ({"location": "ELSEWHERE_IN_ENGLAND", "diedInAreaCode": CAMDEN}, "DIED_IN_OWN_AREA"),
    ]
    for overrides, code in cases:
        body = await api(PLACED, {"input": looked_after_death(**overrides)}, as_=(CAMDEN, "la"))
        errors = body["data"]["notifyLookedAfterChildDeath"]["errors"]
        assert [(e["code"], e["field"]) for e in errors] == [(code, ["input", "diedInAreaCode"])], overrides
    assert await case_rows(hub) == 0


@pytest.mark.rule("care-leaver-adult-not-s16c")
async def test_s16c_a_care_leaver_aged_18_or_over_is_not_a_child_and_never_reaches_the_panel(api: Api) -> None:
    # given a care leaver aged 19 (by date of birth) and one aged 20 (by age alone), neglect suspected
    by_birth = care_leaver_death()
    by_birth["child"]["dateOfBirth"] = "2007-01-10"
    for value in (by_birth, care_leaver_death(ageAtDeath=20)):
        body = await api(PLACED, {"input": value}, as_=(CAMDEN, "la"))
        payload = body["data"]["notifyLookedAfterChildDeath"]
        assert payload["errors"] == []
        # then the death goes to the Secretary of State and Ofsted only (para 13; Working Together 2023)
        assert payload["notification"]["toPanel"] is False
        routed = payload["notification"]["routedTo"]
        assert {(m["recipient"]["code"], m["eventType"]) for m in routed} == {
            ("SOS", "looked_after_death.notified"), ("OFSTED", "looked_after_death.notified")}
        assert not await seen_by_panel(api, payload["case"]["id"])
    assert payload["case"]["child"]["ageYears"] == 20


@pytest.mark.rule("care-leaver-adult-not-s16c")
async def test_s16c_a_care_leaver_under_18_whose_death_involves_neglect_is_a_child_notified_to_the_panel(
    api: Api,
) -> None:
    body = await api(PLACED, {"input": care_leaver_death(ageAtDeath=17)}, as_=(CAMDEN, "la"))
    payload = body["data"]["notifyLookedAfterChildDeath"]
    assert payload["errors"] == [] and payload["notification"]["toPanel"] is True
    routed = {(m["recipient"]["code"], m["eventType"]) for m in payload["notification"]["routedTo"]}
    assert {("PANEL", "notification.submitted"), ("SOS", "looked_after_death.notified")} <= routed


@pytest.mark.rule("care-leaver-adult-not-s16c")
async def test_para_13_a_care_leaver_needs_a_date_of_birth_or_an_age_at_death_within_the_limit(
    api: Api, hub: Hub,
) -> None:
    mismatch = care_leaver_death(ageAtDeath=18)
    mismatch["child"]["dateOfBirth"] = "2007-01-10"  # 19 on 21 December 2026
    cases = [
        (care_leaver_death(), "REQUIRED", ["input", "child", "dateOfBirth"]),
        (care_leaver_death(ageAtDeath=25), "NOT_A_CHILD", ["input", "ageAtDeath"]),
        (care_leaver_death(ageAtDeath=-1), "AGE_OUT_OF_RANGE", ["input", "ageAtDeath"]),
        (mismatch, "AGE_AT_DEATH_MISMATCH", ["input", "ageAtDeath"]),
        (looked_after_death(ageAtDeath=18, child={"sex": "MALE", "lookedAfter": True, "onChildProtectionPlan": False}),
         "NOT_A_CHILD", ["input", "ageAtDeath"]),
    ]
    for value, code, field in cases:
        body = await api(PLACED, {"input": value}, as_=(CAMDEN, "la"))
        errors = body["data"]["notifyLookedAfterChildDeath"]["errors"]
        assert [(e["code"], e["field"]) for e in errors] == [(code, field)], value
    assert await case_rows(hub) == 0
