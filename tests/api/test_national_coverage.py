"""Every English children's services authority can notify, and its notification reaches its own area's
partners (s16C; para 12): all 153, through HTTP, on a real database."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx2
import pytest

from app.main import Hub
from auth import keys, tokens
from hub.reference_data import shipped
from hub.store import transaction
from hub.vocabulary import OrganisationKind as Kind
from tests.api.test_notification import NOTIFY, serious_incident
from tests.conftest import Api

TODAY = date(2026, 12, 22)  # the tests' clock
LIST = """query($after: String) { organisations(kind: LOCAL_AUTHORITY, first: 100, after: $after) {
  totalCount nodes { code kind } pageInfo { hasNextPage endCursor } } }"""
AREA_BASIS = "WT2018 ch4 para 12"


def expected_partners() -> dict[str, set[str]]:
    """For each authority, the other current members of its partnership, from the shipped files."""
    data = shipped()
    kinds = {o.code: o.kind for o in data.organisations}
    members: dict[str, set[str]] = {}
    for m in data.memberships:
        if m.effective_from <= TODAY and (m.effective_to is None or TODAY <= m.effective_to):
            members.setdefault(m.partnership_code, set()).add(m.member_code)
    partners = {}
    for group in members.values():
        for code in group:
            if kinds[code] is Kind.LOCAL_AUTHORITY:
                partners[code] = group - {code}
    return partners


async def all_local_authorities(api: Api) -> tuple[int, list[dict[str, Any]]]:
    nodes: list[dict[str, Any]] = []
    after = None
    while True:
        body = await api(LIST, {"after": after}, as_=("PANEL", "panel"))
        page = body["data"]["organisations"]
        nodes += page["nodes"]
        if not page["pageInfo"]["hasNextPage"]:
            return page["totalCount"], nodes
        after = page["pageInfo"]["endCursor"]


async def test_organisations_lists_every_one_of_the_153_authorities(api: Api) -> None:
    total, nodes = await all_local_authorities(api)
    assert total == len(nodes) == 153
    assert {n["kind"] for n in nodes} == {"LOCAL_AUTHORITY"}
    assert {n["code"] for n in nodes} == set(expected_partners())


async def bearer_tokens(hub: Hub, codes: list[str]) -> dict[str, str]:
    """One local-authority token each, signed with the hub's key read once (minting one by one reads it each time)."""
    now = hub.clock.now()
    async with transaction(hub.sessions) as session:
        key = await keys.active_key(session, now=now, sealer=hub.sealer())
    return {code: tokens.encode(key, settings=hub.token_settings, now=now, org_code=code, role="la",
                                client_id=f"{tokens.DEV_CLIENT_PREFIX}{code}") for code in codes}


@pytest.mark.rule("route-notification-to-area-partners")
async def test_a_notification_from_every_authority_reaches_its_partnerships_partners(
    hub: Hub, client: httpx2.AsyncClient
) -> None:
    partners = expected_partners()
    assert len(partners) == 153
    bearer = await bearer_tokens(hub, sorted(partners))
    wrong: dict[str, object] = {}
    reached: dict[str, set[str]] = {}
    for n, (la, others) in enumerate(sorted(partners.items())):  # one at a time: SQLite takes one writer
        child = {"firstName": "Amara", "lastName": f"Testchild{n}", "dateOfBirth": "2026-03-01", "sex": "FEMALE",
                 "lookedAfter": False, "onChildProtectionPlan": True}
        request = {"query": NOTIFY, "variables": {"input": serious_incident(child=child)}}
        response = await client.post("/graphql", json=request, headers={"authorization": f"Bearer {bearer[la]}"})
        assert response.status_code == 200, response.text
        payload = response.json()["data"]["notifySeriousIncident"]
        if payload["errors"]:
            wrong[la] = payload["errors"]
            continue
        area = [m for m in payload["notification"]["routedTo"] if m["basis"] == AREA_BASIS]
        routed, kinds = {m["recipient"]["code"] for m in area}, {m["recipient"]["kind"] for m in area}
        reached[la] = routed
        if routed != others or not {"POLICE", "HEALTH"} <= kinds:
            wrong[la] = (sorted(routed), sorted(others))
    assert wrong == {}
    # Westmorland and Furness reaches both its ICBs (corrected route; sources in hub/reference/README.md):
    # Lancashire and South Cumbria, and North East and North Cumbria for Eden
    assert {"E23000002", "E54000048", "E54000050"} <= reached["E06000064"]
