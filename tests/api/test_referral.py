"""Others with functions relating to children inform the partners (para 14)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.test_notification import CAMDEN, ISLINGTON, MET, area_members, serious_incident
from tests.conftest import Api

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
