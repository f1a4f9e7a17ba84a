"""Handing a case to another area (para 12, footnote 77)."""

from __future__ import annotations

import pytest

from tests.api.test_notification import BIRMINGHAM, CAMDEN, ISLINGTON, MET
from tests.api.test_rapid_review import INBOX, notified_case
from tests.conftest import Api

HAND_OFF = """mutation($c: ID!, $i: CaseHandoffInput!) { handOffCase(caseId: $c, input: $i) {
  handoff { id status from { code } to { code } } errors { code field } } }"""
ACCEPT = "mutation($h: ID!) { acceptCaseHandoff(handoffId: $h) { handoff { status } errors { code } } }"
DECLINE = "mutation($h: ID!, $r: String!) { declineCaseHandoff(handoffId: $h, reason: $r) { handoff { status declineReason } errors { code } } }"
CASE = "query($c: ID!) { case(id: $c) { leadPartnership { code } involvedPartnerships { code } } }"


@pytest.mark.rule("case-handoff", "route-handoff-requested-to-lead", "route-handoff-requested-to-receiving",
                  "route-handoff-accepted", "route-handoff-declined")
async def test_a_case_handed_to_another_area_is_led_there_and_stays_visible_to_the_first(api: Api) -> None:
    case_id = await notified_case(api)
    proposed = await api(HAND_OFF, {"c": case_id, "i": {"toLocalAuthorityCode": BIRMINGHAM,
                                                      "reason": "The child was placed in Birmingham."}}, as_=(CAMDEN, "la"))
    handoff = proposed["data"]["handOffCase"]["handoff"]
    assert (handoff["status"], handoff["from"]["code"], handoff["to"]["code"]) == (
        "PROPOSED", "SCP-E09000007", "SCP-E08000025")
    told = (await api(INBOX, {"f": {"eventTypes": ["case.handoff_requested"]}}, as_=(BIRMINGHAM, "la")))["data"]["inbox"]
    assert [m["basis"] for m in told["nodes"]] == ["WT2018 ch4 para 12, footnote 77"]
    camden_police = await api(ACCEPT, {"h": handoff["id"]}, as_=(MET, "police"))
    assert [e["extensions"]["code"] for e in camden_police["errors"]] == ["FORBIDDEN"]
    handing_area = await api(ACCEPT, {"h": handoff["id"]}, as_=(CAMDEN, "la"))
    assert [e["extensions"]["code"] for e in handing_area["errors"]] == ["FORBIDDEN"]
    accepted = await api(ACCEPT, {"h": handoff["id"]}, as_=(BIRMINGHAM, "la"))
    assert accepted["data"]["acceptCaseHandoff"] == {"handoff": {"status": "ACCEPTED"}, "errors": []}
    for who in ((BIRMINGHAM, "la"), (CAMDEN, "la")):
        seen = (await api(CASE, {"c": case_id}, as_=who))["data"]["case"]
        assert seen == {"leadPartnership": {"code": "SCP-E08000025"}, "involvedPartnerships": [{"code": "SCP-E09000007"}]}
    again = await api(DECLINE, {"h": handoff["id"], "r": "Too late."}, as_=(BIRMINGHAM, "la"))
    assert [e["code"] for e in again["data"]["declineCaseHandoff"]["errors"]] == ["ALREADY_ANSWERED"]


async def test_a_declined_hand_off_leaves_the_case_where_it_was(api: Api) -> None:
    case_id = await notified_case(api)
    proposed = await api(HAND_OFF, {"c": case_id, "i": {"toLocalAuthorityCode": ISLINGTON, "reason": "Moved."}},
                         as_=(CAMDEN, "la"))
    handoff_id = proposed["data"]["handOffCase"]["handoff"]["id"]
    declined = await api(DECLINE, {"h": handoff_id, "r": "The family did not move here."}, as_=(ISLINGTON, "la"))
    assert declined["data"]["declineCaseHandoff"]["handoff"] == {"status": "DECLINED",
                                                                 "declineReason": "The family did not move here."}
    assert (await api(CASE, {"c": case_id}, as_=(CAMDEN, "la")))["data"]["case"]["leadPartnership"] == {"code": "SCP-E09000007"}
    assert (await api(CASE, {"c": case_id}, as_=(ISLINGTON, "la")))["data"]["case"] is None


async def test_a_hand_off_needs_another_area_and_a_reason(api: Api) -> None:
    case_id = await notified_case(api)
    same = await api(HAND_OFF, {"c": case_id, "i": {"toLocalAuthorityCode": CAMDEN, "reason": " "}}, as_=(CAMDEN, "la"))
    assert sorted(e["code"] for e in same["data"]["handOffCase"]["errors"]) == ["REQUIRED", "SAME_AREA"]
    police = await api(HAND_OFF, {"c": case_id, "i": {"toLocalAuthorityCode": MET, "reason": "x"}}, as_=(CAMDEN, "la"))
    assert [e["code"] for e in police["data"]["handOffCase"]["errors"]] == ["NOT_A_LOCAL_AUTHORITY"]


@pytest.mark.rule("case-handoff", "visibility-cases", "visibility-child-identity")
async def test_a_looked_after_childs_case_moves_from_the_placing_authority_to_the_host_and_visibility_follows(
    api: Api,
) -> None:
    from tests.api.test_notification import LOOKED_AFTER
    from tests.api.test_rapid_review import START

    placed = {"child": {"firstName": "Nia", "lastName": "Placedchild", "dateOfBirth": "2014-05-02", "sex": "FEMALE",
                        "lookedAfter": True, "onChildProtectionPlan": False},
              "diedOn": "2026-12-21", "awareOn": "2026-12-22", "abuseOrNeglect": "SUSPECTED",
              "summary": "Died at a foster placement outside the placing authority's area."}
    made = await api(LOOKED_AFTER, {"input": placed}, as_=(CAMDEN, "la"))
    case_id = made["data"]["notifyLookedAfterChildDeath"]["case"]["id"]
    started = await api(START, {"c": case_id}, as_=(CAMDEN, "la"))
    due_on = started["data"]["startRapidReview"]["rapidReview"]["dueOn"]
    read = """query($c: ID!) { case(id: $c) { leadPartnership { code } child { firstName pseudonym }
      rapidReview { dueOn } } }"""
    west_midlands_police = ("E23000014", "police")

    async def seen(who: tuple[str, str]) -> tuple[str, str | None, bool] | None:
        case = (await api(read, {"c": case_id}, as_=who))["data"]["case"]
        if case is None:
            return None
        return case["leadPartnership"]["code"], case["child"]["firstName"], case["rapidReview"] is not None

    before = {who: await seen(who) for who in ((CAMDEN, "la"), (MET, "police"), (BIRMINGHAM, "la"),
                                               west_midlands_police, ("OFSTED", "ofsted"))}
    assert before == {(CAMDEN, "la"): ("SCP-E09000007", "Nia", True), (MET, "police"): ("SCP-E09000007", "Nia", True),
                      (BIRMINGHAM, "la"): None, west_midlands_police: None,
                      ("OFSTED", "ofsted"): ("SCP-E09000007", None, False)}
    proposed = await api(HAND_OFF, {"c": case_id, "i": {"toLocalAuthorityCode": BIRMINGHAM,
                                                      "reason": "Placed with foster carers in Birmingham."}},
                         as_=(CAMDEN, "la"))
    handoff_id = proposed["data"]["handOffCase"]["handoff"]["id"]
    assert await seen((BIRMINGHAM, "la")) is None  # proposing shares nothing until the host accepts
    assert (await api(ACCEPT, {"h": handoff_id}, as_=(BIRMINGHAM, "la")))["data"]["acceptCaseHandoff"]["errors"] == []
    after = {who: await seen(who) for who in before}
    assert after == {(CAMDEN, "la"): ("SCP-E08000025", "Nia", True), (MET, "police"): ("SCP-E08000025", "Nia", True),
                     (BIRMINGHAM, "la"): ("SCP-E08000025", "Nia", True),
                     west_midlands_police: ("SCP-E08000025", "Nia", True),
                     ("OFSTED", "ofsted"): ("SCP-E08000025", None, False)}
    assert (await api(read, {"c": case_id}, as_=(ISLINGTON, "la")))["data"]["case"] is None
    kept = (await api(read, {"c": case_id}, as_=(BIRMINGHAM, "la")))["data"]["case"]["rapidReview"]["dueOn"]
    assert kept == due_on  # the deadline already running keeps running
    told = await api(INBOX, {"f": {"eventTypes": ["case.handoff_accepted"]}}, as_=(MET, "police"))
    assert [m["basis"] for m in told["data"]["inbox"]["nodes"]] == ["WT2018 ch4 para 12, footnote 77"]
