"""Reads of a child's identity and every change are audited; the lead local authority sees who outside
its partnership read its child's details (DPA 2018 s62), through HTTP."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlmodel import col

from app.main import Hub
from hub import models
from tests.api.test_notification import BIRMINGHAM, CAMDEN, ISLINGTON, MET, NOTIFY, serious_incident
from tests.api.test_rapid_review import START, notified_case
from tests.conftest import Api

ACCESS_LOG = """query($c: ID!) { caseAccessLog(caseId: $c) { organisation { code name } role at action fields } }"""
READ_CHILD = """query($c: ID!) { case(id: $c) { child { pseudonym firstName } } }"""


async def trail_of(hub: Hub, case_id: str) -> list[models.AuditEntry]:
    async with hub.sessions() as session:
        query = (select(models.AuditEntry).where(col(models.AuditEntry.case_id) == case_id)
                 .order_by(col(models.AuditEntry.seq)))
        return list((await session.execute(query)).scalars())


async def org_id(hub: Hub, code: str) -> str:
    async with hub.sessions() as session:
        found = await session.execute(select(col(models.Organisation.id)).where(col(models.Organisation.code) == code))
        return str(found.scalar_one())


def codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors", [])]


@pytest.mark.rule("audit-access-transparency", "audit-trail")
async def test_the_lead_local_authority_sees_an_involved_area_read_its_childs_name(api: Api) -> None:
    # given Camden notifies and names Birmingham, where the child was placed
    case_id = await notified_case(api, otherAreaCodes=[BIRMINGHAM])
    # when Birmingham reads the child's first name
    read = await api(READ_CHILD, {"c": case_id}, as_=(BIRMINGHAM, "la"))
    assert read["data"]["case"]["child"]["firstName"] == "Amara"
    # then Camden's access log lists Birmingham: who, in which role, when, through what, which fields
    body = await api(ACCESS_LOG, {"c": case_id}, as_=(CAMDEN, "la"))
    assert body["data"]["caseAccessLog"] == [{
        "organisation": {"code": BIRMINGHAM, "name": "Birmingham"}, "role": "la",
        "at": "2026-12-22T11:00:00+00:00", "action": "read:case", "fields": ["firstName"]}]


@pytest.mark.rule("audit-access-transparency")
async def test_the_lead_partnerships_own_partners_are_not_listed(api: Api) -> None:
    # given Camden's own police force and Camden itself read the child's details
    case_id = await notified_case(api, otherAreaCodes=[BIRMINGHAM])
    for who in [(MET, "police"), (CAMDEN, "la")]:
        read = await api(READ_CHILD, {"c": case_id}, as_=who)
        assert read["data"]["case"]["child"]["firstName"] == "Amara"
    # then they are in the trail but not in the access log: they are inside the lead partnership
    readers = {e.organisation_id for e in await trail_of(api.hub, case_id) if e.action.startswith("read:")}
    assert {await org_id(api.hub, MET), await org_id(api.hub, CAMDEN)} <= readers
    body = await api(ACCESS_LOG, {"c": case_id}, as_=(CAMDEN, "la"))
    assert body["data"]["caseAccessLog"] == []


@pytest.mark.rule("audit-trail")
async def test_ofsted_reading_a_case_discloses_no_identity_and_records_no_identity_read(api: Api) -> None:
    case_id = await notified_case(api)
    read = await api(READ_CHILD, {"c": case_id}, as_=("OFSTED", "ofsted"))
    assert read["data"]["case"]["child"]["firstName"] is None
    ofsted = await org_id(api.hub, "OFSTED")
    assert [e for e in await trail_of(api.hub, case_id) if e.organisation_id == ofsted] == []


@pytest.mark.rule("audit-trail")
async def test_a_request_records_one_entry_per_case_only_for_identity_it_asked_for(api: Api) -> None:
    case_id = await notified_case(api, otherAreaCodes=[BIRMINGHAM])
    birmingham = await org_id(api.hub, BIRMINGHAM)
    # given a request that reads the same case twice, under an alias, and the child's name and birth date
    both = """query($c: ID!) { case(id: $c) { child { firstName } children { dateOfBirth } }
                               again: case(id: $c) { children { lastName } } }"""
    body = await api(both, {"c": case_id}, as_=(BIRMINGHAM, "la"))
    assert body["data"]["again"]["children"][0]["lastName"] == "Testchild"
    # and requests that ask for no identifying field, or drop it with @include
    dropped = """query($c: ID!, $yes: Boolean!) { case(id: $c) { child { pseudonym firstName @include(if: $yes) } } }"""
    body = await api(dropped, {"c": case_id, "yes": False}, as_=(BIRMINGHAM, "la"))
    assert list(body["data"]["case"]["child"]) == ["pseudonym"]
    await api("query($c: ID!) { case(id: $c) { children { pseudonym sex } } }", {"c": case_id}, as_=(BIRMINGHAM, "la"))
    # then one entry, with every identifying field asked for, named by the root field, never the alias
    mine = [e for e in await trail_of(api.hub, case_id) if e.organisation_id == birmingham]
    assert [(e.action, e.fields) for e in mine] == [("read:case", ["dateOfBirth", "firstName", "lastName"])]


@pytest.mark.rule("audit-trail")
async def test_a_change_is_recorded_with_its_mutation_case_client_and_time(api: Api) -> None:
    case_id = await notified_case(api)
    started = await api(START, {"c": case_id}, as_=(CAMDEN, "la"))
    assert started["data"]["startRapidReview"]["errors"] == []
    camden = await org_id(api.hub, CAMDEN)
    changes = [(e.action, e.organisation_id, e.role, e.at.isoformat())
               for e in await trail_of(api.hub, case_id) if not e.action.startswith("read:")]
    assert changes == [("notifySeriousIncident", camden, "la", "2026-12-22T11:00:00+00:00"),
                       ("startRapidReview", camden, "la", "2026-12-22T11:00:00+00:00")]


@pytest.mark.rule("audit-trail")
async def test_a_refused_change_records_nothing(api: Api) -> None:
    async with api.hub.sessions() as session:
        before = len((await session.execute(select(col(models.AuditEntry.seq)))).all())
    refused = serious_incident(incident={"abuseOrNeglect": "NOT_SUSPECTED"})
    body = await api(NOTIFY, {"input": refused}, as_=(CAMDEN, "la"))
    assert body["data"]["notifySeriousIncident"]["errors"] != []
    async with api.hub.sessions() as session:
        assert len((await session.execute(select(col(models.AuditEntry.seq)))).all()) == before


@pytest.mark.rule("audit-trail")
async def test_the_trail_holds_no_childs_details_and_no_token(api: Api) -> None:
    case_id = await notified_case(api, otherAreaCodes=[BIRMINGHAM])
    await api(READ_CHILD, {"c": case_id}, as_=(BIRMINGHAM, "la"))
    token = await api.token(BIRMINGHAM, "la")
    text = repr([e.model_dump() for e in await trail_of(api.hub, case_id)])
    for secret in ("Amara", "Testchild", "2026-03-01", token, "neglect"):
        assert secret not in text


@pytest.mark.rule("audit-access-transparency")
async def test_only_the_local_authority_leading_the_case_may_see_its_access_log(api: Api) -> None:
    case_id = await notified_case(api, otherAreaCodes=[BIRMINGHAM])
    # an involved area's local authority, an uninvolved one, and a case that does not exist: one answer
    for who, asked in [((BIRMINGHAM, "la"), case_id), ((ISLINGTON, "la"), case_id),
                       ((CAMDEN, "la"), "00000000-0000-0000-0000-000000000000")]:
        body = await api(ACCESS_LOG, {"c": asked}, as_=who)
        assert (body["data"], codes(body)) == (None, ["FORBIDDEN"]), who
    # and a role that may not ask at all
    body = await api(ACCESS_LOG, {"c": case_id}, as_=(MET, "police"))
    assert (body["data"], codes(body)) == (None, ["FORBIDDEN"])
