"""No input reaches a server error: hostile bodies, text that is not Unicode, deep nesting, broken representations.

A lone surrogate (``"\\ud800"``) is valid JSON but no text: it is refused as BAD_USER_INPUT before anything runs.
A body that is not a JSON object, or nests deeper than the bound, is a 400 before any token is looked at.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.main import Hub, create_app
from hub.case import check_text
from tests.api.test_connectors import Loop, add_council, loop_fixture  # noqa: F401  (the fixture)
from tests.api.test_notification import CAMDEN, NOTIFY, case_rows, serious_incident
from tests.api.test_subscriptions import signed_in
from tests.conftest import Api, serving
from tests.stubs.council import ANSWER_MEDIA_TYPE

SURROGATES = ["\ud800", "case \udfff", "\udc00\ud800"]
ENTITIES = "query($r: [_Any!]!) { _entities(representations: $r) { __typename } }"
CASE = "query($i: ID!) { case(id: $i) { id } }"
ORGANISATION = "query($c: String!) { organisation(code: $c) { name } }"
REPORTS = "query($a: String) { publishedReports(after: $a) { totalCount } }"


def nested(depth: int) -> bytes:
    return b'{"query": "{ addWorkingDays(from: \\"2026-01-05\\", days: 1) }", "variables": {"v": ' + \
        b"[" * depth + b"1" + b"]" * depth + b"}}"


async def post_escaped(api: Api, query: str, variables: dict[str, Any], **headers: str) -> httpx2.Response:
    """POST the request as JSON with every non-ASCII character escaped (a lone surrogate stays valid JSON)."""
    body = json.dumps({"query": query, "variables": variables}).encode()
    return await api.http.post("/graphql", content=body, headers={"content-type": "application/json", **headers})


def codes(response: httpx2.Response) -> list[str]:
    return [e["extensions"]["code"] for e in response.json()["errors"]]


def surrogate_inputs(text: str) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        ("a mutation's text", NOTIFY, {"input": serious_incident(incident={"summary": text})}),
        ("a child's name", NOTIFY, {"input": {**serious_incident(), "child": {
            **serious_incident()["child"], "firstName": text}}}),
        ("an idempotency key", NOTIFY, {"input": serious_incident(idempotencyKey=text)}),
        ("an id", CASE, {"i": text}),
        ("an organisation code", ORGANISATION, {"c": text}),
        ("a cursor", REPORTS, {"a": text}),
        ("a representation", ENTITIES, {"r": [{"__typename": "Case", "id": text}]}),
    ]


@pytest.mark.parametrize("text", SURROGATES)
async def test_a_lone_surrogate_in_any_string_argument_is_bad_user_input_and_changes_nothing(
    api: Api, hub: Hub, text: str
) -> None:
    token = await api.token(CAMDEN, "la")
    for why, query, variables in surrogate_inputs(text):
        response = await post_escaped(api, query, variables, authorization=f"Bearer {token}")
        assert (response.status_code, codes(response)) == (400, ["BAD_USER_INPUT"]), why
        assert response.json().get("data") is None, why
    assert await case_rows(hub) == 0


async def test_a_lone_surrogate_is_refused_before_authentication_and_in_the_graphql_response_media_type(
    api: Api,
) -> None:
    response = await post_escaped(api, REPORTS, {"a": "\ud800"}, accept="application/graphql-response+json")
    assert (response.status_code, codes(response)) == (400, ["BAD_USER_INPUT"])
    assert response.headers["content-type"].startswith("application/graphql-response+json")


@pytest.fixture
async def ws_url(hub: Hub) -> AsyncIterator[str]:
    async with serving(create_app(hub=hub)) as base:
        yield base.replace("http://", "ws://") + "/graphql"


async def test_over_graphql_transport_ws_a_lone_surrogate_or_deep_nesting_closes_the_socket_with_4400(
    api: Api, hub: Hub, ws_url: str
) -> None:
    import websockets

    messages = [json.dumps({"id": "1", "type": "subscribe", "payload": {"query": why_query[1], "variables": why_query[2]}})
                for why_query in surrogate_inputs("\ud800")]
    messages.append('{"id": "1", "type": "subscribe", "payload": {"query": "{ me { role } }", "variables": {"v": '
                    + "[" * 5000 + "]" * 5000 + "}}}")
    for message in messages:
        client = await signed_in(ws_url, api, (CAMDEN, "la"))
        await client.socket.send(message)
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await client.next()
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4400
    assert await case_rows(hub) == 0


def test_a_lone_surrogate_in_checked_text_is_invalid_characters() -> None:
    problems = check_text("Invented \ud800 text", ("input", "reason"), required=True, limit=100)
    assert [(p.code, p.field) for p in problems] == [("INVALID_CHARACTERS", ("input", "reason"))]


@pytest.mark.parametrize("body", [b"[]", b'"x"', b"1", b"null", b"true", b'[{"query": "{ me { role } }"}]',
                                  b'{"query": 5}', b'{"query": "{ me { role } }", "variables": []}',
                                  b'{"query": "{ me { role } }", "operationName": {}}'])
@pytest.mark.parametrize("signed_in", [True, False])
async def test_a_body_that_is_not_a_graphql_request_object_is_a_400_with_a_graphql_error(
    api: Api, body: bytes, signed_in: bool
) -> None:
    headers = {"content-type": "application/json"}
    if signed_in:
        headers["authorization"] = f"Bearer {await api.token(CAMDEN, 'la')}"
    response = await api.http.post("/graphql", content=body, headers=headers)
    assert (response.status_code, codes(response)) == (400, ["BAD_REQUEST"])
    assert response.json()["errors"][0]["message"]


@pytest.mark.parametrize("authorization", [None, "Bearer not-a-token", "Basic x"])
async def test_variables_nested_5000_deep_are_a_400_before_authentication(
    api: Api, authorization: str | None
) -> None:
    headers = {"content-type": "application/json", **({"authorization": authorization} if authorization else {})}
    for depth in (65, 1000, 5000):
        response = await api.http.post("/graphql", content=nested(depth), headers=headers)
        assert (response.status_code, codes(response)) == (400, ["BAD_REQUEST"]), depth
        assert "64" in response.json()["errors"][0]["message"]


async def test_nesting_within_the_bound_is_served(api: Api) -> None:
    response = await api.http.post("/graphql", content=nested(62), headers={"content-type": "application/json"})
    assert (response.status_code, response.json()["data"]) == (200, {"addWorkingDays": "2026-01-06"})


async def test_the_nesting_bound_is_a_setting(hub: Hub) -> None:
    from dataclasses import replace

    from app.settings import Settings

    assert Settings.from_env({"CSPR_HUB_MAX_JSON_DEPTH": "8"}).max_json_depth == 8
    shallow = Hub(replace(hub.settings, max_json_depth=8), hub.clock, hub.engine, hub.sessions, ready=True)
    transport = httpx2.ASGITransport(app=create_app(hub=shallow))
    async with httpx2.AsyncClient(transport=transport, base_url="http://testserver") as http:
        response = await http.post("/graphql", content=nested(10), headers={"content-type": "application/json"})
    assert (response.status_code, codes(response)) == (400, ["BAD_REQUEST"])


REPRESENTATIONS = [
    ("empty", [{}]),
    ("no key", [{"__typename": "Case"}]),
    ("unknown type", [{"__typename": "Nope", "id": "x"}]),
    ("not an object", [1]),
    ("a string", ["Case"]),
    ("a number for the key", [{"__typename": "Case", "id": 5}]),
    ("a field that is not the key", [{"__typename": "Case", "id": "x", "reference": "y"}]),
    ("a type that is no entity", [{"__typename": "Query", "id": "x"}]),
]


@pytest.mark.parametrize(("why", "representations"), REPRESENTATIONS, ids=[r[0] for r in REPRESENTATIONS])
async def test_malformed_entities_representations_are_bad_user_input(
    api: Api, why: str, representations: list[Any]
) -> None:
    response = await api.post(ENTITIES, {"r": representations}, as_=(CAMDEN, "la"))
    assert response.status_code == 200, why
    body = response.json()
    assert body["data"] == {"_entities": [None]}, why
    assert [(e["extensions"]["code"], e["path"]) for e in body["errors"]] == [("BAD_USER_INPUT", ["_entities", 0])]


async def test_a_malformed_representation_does_not_hide_the_well_formed_ones(api: Api) -> None:
    organisation = (await api("{ organisation(code: \"E09000007\") { id } }", as_=(CAMDEN, "la")))["data"]
    good = {"__typename": "Organisation", "id": organisation["organisation"]["id"]}
    body = (await api.post("query($r: [_Any!]!) { _entities(representations: $r) { ... on Organisation { code } } }",
                           {"r": [good, {}, good]}, as_=(CAMDEN, "la"))).json()
    assert body["data"]["_entities"] == [{"code": "E09000007"}, None, {"code": "E09000007"}]
    assert [e["path"] for e in body["errors"]] == [["_entities", 1]]


async def callback(url: str, body: bytes, token: str, content_type: str = ANSWER_MEDIA_TYPE) -> httpx2.Response:
    async with httpx2.AsyncClient() as client:
        return await client.post(url, content=body, headers={"content-type": content_type,
                                                              "authorization": f"Bearer {token}"})


async def test_a_connector_callback_with_a_lone_surrogate_or_deep_nesting_is_a_400(hub: Hub, loop: Loop) -> None:
    council = await add_council(hub, loop.council, loop.council_url)
    url = f"{loop.hub_url}/connectors/{council.id}/callback"
    token = council.secrets.callback_token
    request_id = "00000000-0000-7000-8000-000000000000"
    for text in SURROGATES:
        body = json.dumps({"requestId": request_id, "answer": text, "answerId": "a1"}).encode()
        response = await callback(url, body, token)
        assert (response.status_code, response.json()["error"]) == (400, "MALFORMED")
        assert token not in response.text
    deep = b'{"requestId": "x", "answer": "y", "more": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    for content_type in (ANSWER_MEDIA_TYPE, "application/fhir+json"):
        response = await callback(url, deep, token, content_type)
        assert (response.status_code, response.json()["error"]) == (400, "MALFORMED")
    task = json.dumps({"resourceType": "Task", "status": "completed", "output": 5, "identifier": "x"}).encode()
    response = await callback(url, task, token, "application/fhir+json")
    assert response.status_code < 500


# --- generated hostile input: no request gets a 5xx, and a 200 never hides a server error --------------------

HOSTILE_TEXT = st.one_of(st.text(max_size=20), st.sampled_from([*SURROGATES, "\x00", "é€", "'; DROP TABLE case;--",
                                                                  "{ __schema { types { name } } }", "x" * 300]))
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | HOSTILE_TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(HOSTILE_TEXT, inner, max_size=4),
    max_leaves=20)
QUERIES = [NOTIFY, ENTITIES, CASE, ORGANISATION, REPORTS, "{ me { role } }", "{ cases { totalCount } }",
           "query($f: Date!, $d: Int!) { addWorkingDays(from: $f, days: $d) }"]


def _deep(depth: int) -> bytes:
    return b'{"query": "{ me { role } }", "variables": {"v": ' + b'{"a":' * depth + b"1" + b"}" * depth + b"}}"


def _with_hostile_leaf(value: Any, text: str, path: list[int]) -> Any:
    """The value with one string inside it (chosen by path) replaced by ``text``."""
    if isinstance(value, dict) and value:
        key = sorted(value)[path[0] % len(value)] if path else None
        return {k: (_with_hostile_leaf(v, text, path[1:]) if k == key else v) for k, v in value.items()}
    return text if isinstance(value, str) else value


GRAPHQL_BODIES = st.one_of(
    JSON_VALUES.map(lambda v: json.dumps(v).encode()),
    st.builds(lambda q, v, o: json.dumps({"query": q, "variables": v, "operationName": o}).encode(),
              st.sampled_from(QUERIES) | HOSTILE_TEXT, JSON_VALUES, st.none() | HOSTILE_TEXT),
    st.builds(lambda t, p: json.dumps({"query": NOTIFY, "variables": {"input": _with_hostile_leaf(
        serious_incident(), t, p)}}).encode(), HOSTILE_TEXT, st.lists(st.integers(0, 10), max_size=4)),
    st.builds(lambda r: json.dumps({"query": ENTITIES, "variables": {"r": r}}).encode(), JSON_VALUES),
    st.integers(1, 6000).map(_deep),
    st.binary(max_size=200),
)


def _no_server_error(response: httpx2.Response) -> None:
    assert response.status_code < 500, (response.status_code, response.text[:200])
    if response.status_code == 200:
        assert "INTERNAL_SERVER_ERROR" not in response.text, response.text[:300]


async def test_generated_hostile_json_never_gets_a_server_error(api: Api, hub: Hub, loop: Loop) -> None:
    council = await add_council(hub, loop.council, loop.council_url)
    token = await api.token(CAMDEN, "la")
    callback_url = f"/connectors/{council.id}/callback"
    ways_in = st.one_of(
        st.tuples(st.just("/graphql"), GRAPHQL_BODIES, st.sampled_from([{}, {"authorization": f"Bearer {token}"}]),
                  st.just("application/json")),
        st.tuples(st.just("/oauth/token"), st.one_of(GRAPHQL_BODIES, st.binary(max_size=100),
                                                     HOSTILE_TEXT.map(lambda t: f"grant_type={t}&client_id=x".encode(
                                                         "utf-8", "surrogatepass"))),
                  st.just({}), st.sampled_from(["application/json", "application/x-www-form-urlencoded"])),
        st.tuples(st.just(callback_url), GRAPHQL_BODIES,
                  st.sampled_from([{}, {"authorization": f"Bearer {council.secrets.callback_token}"}]),
                  st.sampled_from([ANSWER_MEDIA_TYPE, "application/fhir+json", "application/json"])),
    )

    @settings(max_examples=150, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(ways_in)
    def hostile(request: tuple[str, bytes, dict[str, str], str]) -> None:
        path, body, headers, content_type = request
        print("EX", path, body[:40])
        with httpx2.Client(base_url=loop.hub_url, timeout=30) as client:
            _no_server_error(client.post(path, content=body, headers={**headers, "content-type": content_type}))

    await asyncio.to_thread(hostile)  # the hub serves on this event loop while the examples run in a thread
