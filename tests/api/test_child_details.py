"""The child's details from DfE's notification form, and each local authority's region, on a real database."""

from __future__ import annotations

from typing import Any

import pytest

from hub import reference_data, registers
from hub.reference_data import ReferenceDataError
from tests.api.test_notification import NOTIFY, serious_incident
from tests.conftest import Api

CAMDEN = "E09000007"
MANCHESTER = "E08000003"
BIRMINGHAM = "E08000025"

DETAILS = """ethnicity disability socialCareStatus educationSetting harmCategory suspectedPerpetrator
              unbornOrUnderOne"""
CASE = "query($id: ID!) { case(id: $id) { child { pseudonym " + DETAILS + " } } }"
REGION = "query($code: String!) { organisation(code: $code) { code region } }"

FORM = {"ethnicity": "MWBC", "disability": "NOT_KNOWN", "socialCareStatus": "CHILD_PROTECTION_PLAN",
        "educationSetting": "NOT_OF_SCHOOL_AGE", "harmCategory": "NEGLECT",
        "suspectedPerpetrator": "BOTH_PARENTS", "unbornOrUnderOne": True}


def with_details(**details: Any) -> dict[str, Any]:
    value = serious_incident()
    value["child"] = {**value["child"], **details}
    return value


async def test_each_local_authority_has_its_ons_region_and_other_bodies_none(api: Api) -> None:
    found = {}
    for code in (CAMDEN, MANCHESTER, BIRMINGHAM, "PANEL", "E23000001"):
        body = await api(REGION, {"code": code}, as_=(CAMDEN, "la"))
        found[code] = body["data"]["organisation"]["region"]
    assert found == {CAMDEN: "London", MANCHESTER: "North West", BIRMINGHAM: "West Midlands",
                     "PANEL": None, "E23000001": None}


def test_organisations_file_is_read_with_or_without_a_region_column() -> None:
    old = reference_data.parse_file("code,name,kind\nE09000007,Camden,LOCAL_AUTHORITY\n")
    new = reference_data.parse_file("code,name,kind,region\nE06000014,York,LOCAL_AUTHORITY,Yorkshire and The Humber\n"
                                    "PANEL,Panel,PANEL,\n")
    assert [o.region for o in old.organisations] == [None]
    assert [o.region for o in new.organisations] == ["Yorkshire and The Humber", None]
    with pytest.raises(ReferenceDataError, match="line 2: unknown region"):
        reference_data.parse_file("code,name,kind,region\nE09000007,Camden,LOCAL_AUTHORITY,Londinium\n")


def test_a_register_with_a_region_column_gives_each_authority_its_region() -> None:
    data = registers.parse_register("LAD23CD,LAD23NM,RGN23CD,RGN23NM,PFA23CD,PFA23NM\n"
                                    "E06000014,York,E12000003,Yorkshire and The Humber,E23000011,North Yorkshire\n")
    regions = {o.code: o.region for o in data.organisations}
    assert regions == {"E06000014": "Yorkshire and The Humber", "E23000011": None}


@pytest.mark.rule("visibility-child-identity")
async def test_the_forms_details_are_kept_and_shown_only_to_partners_and_the_panel(api: Api) -> None:
    # given Camden notifies with every detail the form asks for
    body = await api(NOTIFY, {"input": with_details(**FORM)}, as_=(CAMDEN, "la"))
    payload = body["data"]["notifySeriousIncident"]
    assert payload["errors"] == []
    case_id = payload["case"]["id"]
    # then the partners and the Panel read them back
    for reader in ((CAMDEN, "la"), ("E23000001", "police"), ("PANEL", "panel")):
        child = (await api(CASE, {"id": case_id}, as_=reader))["data"]["case"]["child"]
        assert {k: child[k] for k in FORM} == FORM, reader
    # and DfE and Ofsted, who see the child by pseudonym only, read none of them
    for reader in (("DFE", "dfe"), ("OFSTED", "ofsted")):
        child = (await api(CASE, {"id": case_id}, as_=reader))["data"]["case"]["child"]
        assert child["pseudonym"] and all(child[k] is None for k in FORM), reader


async def test_the_forms_details_may_all_be_left_out(api: Api) -> None:
    body = await api(NOTIFY, {"input": serious_incident()}, as_=(CAMDEN, "la"))
    case_id = body["data"]["notifySeriousIncident"]["case"]["id"]
    child = (await api(CASE, {"id": case_id}, as_=(CAMDEN, "la")))["data"]["case"]["child"]
    assert all(child[k] is None for k in FORM)


@pytest.mark.parametrize(("details", "code", "field"), [
    ({"socialCareStatus": "NOT_KNOWN_TO_SOCIAL_CARE"}, "SOCIAL_CARE_STATUS_CONFLICT", "socialCareStatus"),
    ({"socialCareStatus": "LOOKED_AFTER"}, "SOCIAL_CARE_STATUS_CONFLICT", "socialCareStatus"),
    ({"unbornOrUnderOne": False}, "UNDER_ONE_MISMATCH", "unbornOrUnderOne"),
])
@pytest.mark.rule("child-details-consistent")
async def test_details_that_contradict_the_rest_of_the_form_are_refused(
    api: Api, details: dict[str, Any], code: str, field: str
) -> None:
    # given a child on a protection plan, not looked after, born in March 2026 (under one in December)
    body = await api(NOTIFY, {"input": with_details(**details)}, as_=(CAMDEN, "la"))
    payload = body["data"]["notifySeriousIncident"]
    assert payload["case"] is None
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [(code, ["input", "child", field])]


async def test_an_unknown_ethnicity_code_is_not_accepted(api: Api) -> None:
    response = await api.post(NOTIFY, {"input": with_details(ethnicity="XXXX")}, as_=(CAMDEN, "la"))
    assert "errors" in response.json() and response.json().get("data") is None
