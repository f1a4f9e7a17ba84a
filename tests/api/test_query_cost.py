"""Query cost analysis: a document is weighed from its selection set before anything runs, and refused over
the limit with QUERY_TOO_COSTLY (the reproduced fan-outs of issue 13, with and without a token)."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from graphql import parse

from app.main import Hub, create_app
from app.settings import Settings, SettingsError
from hub.reference_data import shipped
from resolvers import build_schema
from resolvers.cost import (
    DEFAULT_MAX_COST,
    DEFAULT_MAX_PUBLIC_COST,
    FIXED_BOUNDS,
    CostLimits,
    EstimateCache,
    ListBounds,
    Weigher,
    estimate,
)
from schema.common import DEFAULT_PAGE, MAX_PAGE
from schema.organisation import Organisation, SafeguardingPartnership
from tests.api.test_subscriptions import signed_in
from tests.conftest import Api, Statements, serving

MET = "E23000001"  # the Metropolitan Police Service: the most partnerships in the shipped reference data
CAMDEN = "E09000007"

# organisation -> partnerships -> members -> partnerships ..., within the depth limit of 10
FAN_OUT = """query($c: String!) { organisation(code: $c) { partnerships { members { partnerships { members {
  partnerships { members { partnerships { members { code } } } } } } } } } }"""
ORDINARY = """query($c: String!) { organisation(code: $c) { name partnerships { name members { code kind } } } }"""


def published_fan_out(aliases: int) -> str:
    one = "nodes { partnership { members { partnerships { members { partnerships { code } } } } } }"
    return "{ " + " ".join(f"r{i}: publishedReports(first: 100) {{ {one} }}" for i in range(aliases)) + " }"


def codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors", [])]


@pytest.fixture
def resolved(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every organisation and partnership a resolver turned into a GraphQL object."""
    seen: list[str] = []
    for kind in (Organisation, SafeguardingPartnership):
        original = kind.__dict__["from_model"].__func__

        def counting(cls: Any, row: Any, original: Any = original) -> Any:
            seen.append(cls.__name__)
            return original(cls, row)

        monkeypatch.setattr(kind, "from_model", classmethod(counting))
    yield seen


def refused(body: dict[str, Any], limit: int) -> int:
    assert codes(body) == ["QUERY_TOO_COSTLY"], body
    assert "data" not in body  # refused before execution: no data entry at all
    extensions = body["errors"][0]["extensions"]
    assert extensions["limit"] == limit
    assert extensions["cost"] > limit
    return int(extensions["cost"])


async def test_the_reference_data_bounds_partnerships_and_members(hub: Hub) -> None:
    today = hub.clock.now().date()
    live = [m for m in shipped().memberships if m.effective_to is None or m.effective_to >= today]
    per_organisation = Counter(m.member_code for m in {(m.partnership_code, m.member_code): m for m in live}.values())
    per_partnership = Counter(m.partnership_code for m in {(m.partnership_code, m.member_code): m for m in live}.values())
    assert hub.list_bounds.partnerships_per_organisation == max(per_organisation.values())  # the Met
    assert hub.list_bounds.members_per_partnership == max(per_partnership.values())
    assert hub.list_bounds.members_per_partnership >= 3  # the three safeguarding partners at least


async def test_the_nested_partnership_fan_out_is_refused_before_any_resolver_runs(
        api: Api, hub: Hub, resolved: list[str]) -> None:
    await api.token(CAMDEN, "la")
    body = await api(FAN_OUT, {"c": MET}, as_=(CAMDEN, "la"))
    refused(body, DEFAULT_MAX_COST)
    assert resolved == []  # not even the root organisation: the refusal costs nothing however deep the fan-out


async def test_an_ordinary_organisation_query_passes(api: Api, resolved: list[str]) -> None:
    body = await api(ORDINARY, {"c": MET}, as_=(CAMDEN, "la"))
    assert "errors" not in body, body
    today = api.hub.clock.now().date()
    met = {m.partnership_code for m in shipped().memberships
           if m.member_code == MET and (m.effective_to is None or m.effective_to >= today) and m.effective_from <= today}
    assert len(body["data"]["organisation"]["partnerships"]) == len(met) >= 30
    assert resolved


async def test_the_public_published_reports_fan_out_is_refused_without_a_statement(
        api: Api, statements: Statements) -> None:
    statements.recording = True
    response = await api.post(published_fan_out(10))
    statements.recording = False
    assert response.status_code == 200
    cost = refused(response.json(), DEFAULT_MAX_PUBLIC_COST)
    assert statements.count == 0
    one = refused((await api.post(published_fan_out(1))).json(), DEFAULT_MAX_PUBLIC_COST)
    assert cost == 10 * one  # linear in aliases, as the attack was


async def test_a_costly_document_is_a_request_error_in_graphql_over_http(api: Api) -> None:
    """Nothing ran: a client that accepts application/graphql-response+json gets 400, as for a parse error."""
    response = await api.http.post("/graphql", json={"query": published_fan_out(1)},
                                   headers={"accept": "application/graphql-response+json"})
    assert response.status_code == 400
    refused(response.json(), DEFAULT_MAX_PUBLIC_COST)


async def test_the_public_surface_has_its_own_lower_limit(api: Api) -> None:
    """What passes with a token (cost over the public limit, under the other) is refused without one."""
    query = "{ publishedReports(first: 100) { nodes { partnership { members { partnerships { code } } } } } }"
    public = (await api.post(query)).json()
    cost = refused(public, DEFAULT_MAX_PUBLIC_COST)
    assert cost < DEFAULT_MAX_COST
    assert "errors" not in await api(query, as_=(CAMDEN, "la"))
    small = "{ publishedReports(first: 10) { totalCount nodes { title partnership { name members { code } } } } }"
    assert "errors" not in (await api.post(small)).json()


async def test_named_and_inline_fragments_and_aliases_are_counted(api: Api) -> None:
    """The same fan-out spelled through fragments costs the same as written out, and aliases add up."""
    schema = build_schema()._schema
    bounds = ListBounds(partnerships_per_organisation=32, members_per_partnership=5)
    written = estimate(schema, bounds, parse(FAN_OUT))
    fragments = estimate(schema, bounds, parse("""
        query($c: String!) { organisation(code: $c) { ...P } }
        fragment P on Organisation { partnerships { members { ... on Organisation { ...Q } } } }
        fragment Q on Organisation { partnerships { members { partnerships { ...R } } } }
        fragment R on SafeguardingPartnership { members { ... { partnerships { members { code } } } } }
    """))
    assert fragments == written
    assert written == 1 + 32 * (1 + 5 * (1 + 32 * (1 + 5 * (1 + 32 * (1 + 5 * (1 + 32 * (1 + 5)))))))
    twice = estimate(schema, bounds, parse("{ a: organisation(code: \"X\") { partnerships { id } } "
                                           "b: organisation(code: \"X\") { partnerships { id } } }"))
    assert twice == 2 * (1 + 32)
    body = await api("""query($c: String!) { organisation(code: $c) { ...P } }
        fragment P on Organisation { partnerships { members { ... on Organisation { partnerships { members {
          partnerships { members { code } } } } } } } }""", {"c": MET}, as_=(CAMDEN, "la"))
    refused(body, DEFAULT_MAX_COST)


async def test_a_page_is_weighed_by_first_from_a_literal_a_variable_or_its_default() -> None:
    schema = build_schema()._schema
    bounds = ListBounds(partnerships_per_organisation=32, members_per_partnership=5)
    query = "query($n: Int = 7) { organisations(first: $n) { nodes { partnerships { id } } } }"
    assert estimate(schema, bounds, parse(query)) == 1 + 7 * (1 + 32)
    assert estimate(schema, bounds, parse(query), variables={"n": 3}) == 1 + 3 * (1 + 32)
    assert estimate(schema, bounds, parse(query), variables={"n": 10_000}) == 1 + MAX_PAGE * (1 + 32)
    plain = "{ organisations { edges { node { partnerships { id } } } } }"
    assert estimate(schema, bounds, parse(plain)) == 1 + DEFAULT_PAGE * (1 + 1 * (1 + 32))
    entities = 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Case { children { id } } } }'
    assert estimate(schema, bounds, parse(entities), variables={"r": [{}, {}, {}]}) == 3 * (1 + 4)


def test_a_remembered_estimate_follows_the_variables_and_the_bounds() -> None:
    """The estimate of a document asked again is remembered, but never for other variables or other bounds,
    and a list variable (``_entities``' representations) is weighed every time."""
    schema = build_schema()._schema
    bounds = ListBounds(partnerships_per_organisation=32, members_per_partnership=5)
    limiter = Weigher(schema=lambda: schema, bounds=bounds, limits=CostLimits(), known=EstimateCache(size=2))
    query = "query($n: Int = 7) { organisations(first: $n) { nodes { partnerships { id } } } }"
    document = parse(query)
    assert limiter.cost(document, query, None, None) == 1 + 7 * (1 + 32)
    assert limiter.cost(document, query, None, {"n": 3}) == 1 + 3 * (1 + 32)
    assert limiter.cost(document, query, None, None) == 1 + 7 * (1 + 32)  # remembered, not the last one
    assert len(limiter.known.entries) == 2
    bounds.partnerships_per_organisation = 40  # the reference data changed
    assert limiter.cost(document, query, None, None) == 1 + 7 * (1 + 40)
    assert len(limiter.known.entries) == 2  # bounded: the least recently used went
    entities = 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Case { children { id } } } }'
    assert limiter.cost(parse(entities), entities, None, {"r": [{}, {}, {}]}) == 3 * (1 + 4)
    assert limiter.cost(parse(entities), entities, None, {"r": [{}]}) == 1 * (1 + 4)
    assert len(limiter.known.entries) == 2


async def test_the_same_costly_document_is_refused_every_time_and_a_cheaper_page_still_passes(api: Api) -> None:
    query = "query($n: Int!) { publishedReports(first: $n) { nodes { partnership { members { partnerships { code } } } } } }"
    for _ in range(2):
        refused((await api.post(query, {"n": 100})).json(), DEFAULT_MAX_PUBLIC_COST)
    assert "errors" not in (await api.post(query, {"n": 1})).json()
    refused((await api.post(query, {"n": 100})).json(), DEFAULT_MAX_PUBLIC_COST)


def test_every_plain_list_of_objects_has_a_stated_bound() -> None:
    """A new list field must say how long it can be: a page, the reference data or FIXED_BOUNDS."""
    from graphql import get_named_type, get_nullable_type, is_leaf_type, is_list_type, is_object_type

    schema = build_schema()._schema
    unbounded = []
    for name, kind in schema.type_map.items():
        if name.startswith("__") or not is_object_type(kind) or name.endswith("Connection"):
            continue
        for field_name, field in kind.fields.items():
            if not is_list_type(get_nullable_type(field.type)) or is_leaf_type(get_named_type(field.type)):
                continue
            if field_name == "errors" or (name, field_name) in FIXED_BOUNDS or (name, field_name) in {
                    ("Organisation", "partnerships"), ("SafeguardingPartnership", "members"),
                    ("Query", "_entities")}:
                continue
            unbounded.append(f"{name}.{field_name}")
    assert unbounded == []


async def test_the_limits_are_settings(hub: Hub, api: Api) -> None:
    settings = Settings.from_env({"CSPR_HUB_MAX_QUERY_COST": "50", "CSPR_HUB_MAX_PUBLIC_QUERY_COST": "20"})
    assert (settings.max_query_cost, settings.max_public_query_cost) == (50, 20)
    with pytest.raises(SettingsError, match="CSPR_HUB_MAX_QUERY_COST"):
        Settings.from_env({"CSPR_HUB_MAX_QUERY_COST": "lots"})
    tight = Hub(replace(hub.settings, max_query_cost=50, max_public_query_cost=20), hub.clock, hub.engine,
                hub.sessions, ready=True, list_bounds=hub.list_bounds)
    import httpx2

    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=create_app(hub=tight)),
                                  base_url="http://testserver") as http:
        small = Api(tight, http)
        refused(await small(ORDINARY, {"c": MET}, as_=(CAMDEN, "la")), 50)
        assert "errors" not in await small("{ organisation(code: \"E09000007\") { partnerships { name } } }",
                                           as_=(CAMDEN, "la"))
        refused((await small.post("{ publishedReports(first: 30) { nodes { title } } }")).json(), 20)


async def test_a_costly_subscription_is_refused_over_the_websocket(api: Api, hub: Hub) -> None:
    query = """subscription { decisions { case { involvedPartnerships { members { partnerships { members {
      partnerships { members { code } } } } } } } } }"""
    async with hub.listening(), serving(create_app(hub=hub)) as base:
        client = await signed_in(base.replace("http://", "ws://") + "/graphql", api, (CAMDEN, "la"))
        await client.subscribe(query)
        message = await client.next(timeout=5)
        await client.socket.close()
    assert message["type"] in ("error", "next"), message
    errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
    assert [e["extensions"]["code"] for e in errors] == ["QUERY_TOO_COSTLY"], json.dumps(message)
    await asyncio.sleep(0)
