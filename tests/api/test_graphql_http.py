"""GraphQL over HTTP: media types, status codes and the application/graphql-response+json answer."""

from __future__ import annotations

import json
from typing import Any

import pytest
from strawberry.asgi import GraphQL

from tests.api.test_notification import CAMDEN
from tests.conftest import Api

RESPONSE_TYPE = "application/graphql-response+json"


async def post(api: Api, query: str, *, accept: str, content_type: str = "application/json") -> tuple[int, str, Any]:
    token = await api.token(CAMDEN, "la")
    response = await api.http.post("/graphql", content=json.dumps({"query": query}).encode(), headers={
        "authorization": f"Bearer {token}", "accept": accept, "content-type": content_type})
    return response.status_code, response.headers["content-type"], response.json()


async def test_a_client_accepting_graphql_response_json_gets_it_and_400_for_a_request_error(api: Api) -> None:
    status, kind, body = await post(api, "{ me { role } }", accept=RESPONSE_TYPE)
    assert (status, kind.split(";")[0], body) == (200, RESPONSE_TYPE, {"data": {"me": {"role": "la"}}})
    status, kind, body = await post(api, "{ me { nope } }", accept=f"{RESPONSE_TYPE}, application/json;q=0.9")
    assert (status, kind.split(";")[0]) == (400, RESPONSE_TYPE)
    assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    status, _, body = await post(api, "{ me { ", accept=RESPONSE_TYPE)
    assert status == 400 and body["errors"][0]["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"


async def test_an_application_json_client_keeps_200_for_request_errors(api: Api) -> None:
    status, kind, _ = await post(api, "{ me { nope } }", accept="application/json")
    assert (status, kind.split(";")[0]) == (200, "application/json")


async def test_an_error_during_execution_is_still_200_with_partial_data(api: Api) -> None:
    status, _, body = await post(api, '{ me { role } case(id: "not-an-id") { id } }', accept=RESPONSE_TYPE)
    assert (status, body["data"]) == (200, {"me": {"role": "la"}, "case": None})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_unacceptable_media_types_get_406_and_415(api: Api) -> None:
    assert (await post(api, "{ me { role } }", accept="text/csv"))[0] == 406
    assert (await post(api, "{ me { role } }", accept="*/*", content_type="text/plain"))[0] == 415
    assert (await post(api, "{ me { role } }", accept="*/*", content_type="application/x-www-form-urlencoded"))[0] == 415


async def post_document(api: Api, body: dict[str, Any], *, accept: str) -> tuple[int, Any]:
    token = await api.token(CAMDEN, "la")
    response = await api.http.post("/graphql", json=body, headers={"authorization": f"Bearer {token}",
                                                                    "accept": accept})
    return response.status_code, response.json()


REQUEST_ERRORS: list[tuple[str, dict[str, Any], str]] = [
    ("parse error", {"query": "{ me { "}, "GRAPHQL_PARSE_FAILED"),
    ("validation error", {"query": "{ me { nope } }"}, "GRAPHQL_VALIDATION_FAILED"),
    ("unknown operation", {"query": "query A { me { role } }", "operationName": "B"}, "GRAPHQL_VALIDATION_FAILED"),
    ("several operations, none chosen", {"query": "query A { me { role } } query B { me { organisation { code } } }"},
     "GRAPHQL_VALIDATION_FAILED"),
    ("variables refused", {"query": "query($d: Date!) { addWorkingDays(from: $d, days: 1) }",
                           "variables": {"d": "not a date"}}, "BAD_USER_INPUT"),
    ("variable missing", {"query": "query($d: Date!) { addWorkingDays(from: $d, days: 1) }"}, "BAD_USER_INPUT"),
]


async def test_a_request_that_fails_before_execution_has_no_data_entry_at_all(api: Api) -> None:
    for why, body, code in REQUEST_ERRORS:
        for accept, status in ((RESPONSE_TYPE, 400), ("application/json", 200)):
            got_status, answer = await post_document(api, body, accept=accept)
            assert "data" not in answer, (why, accept, answer)
            assert [e["extensions"]["code"] for e in answer["errors"]] == [code], (why, answer)
            assert got_status == status, (why, accept)


async def test_an_error_while_executing_keeps_data_even_when_null(api: Api) -> None:
    from tests.api.test_notification import MET, NOTIFY, serious_incident

    body = await api(NOTIFY, {"input": serious_incident()}, as_=(MET, "police"))
    assert "data" in body and body["data"] is None and body["errors"][0]["path"]


async def test_a_get_carrying_a_query_is_405_with_allow_post_and_the_page_stays(api: Api) -> None:
    token = await api.token(CAMDEN, "la")
    auth = {"authorization": f"Bearer {token}"}
    for params in ({"query": "{ me { role } }"}, {"documentId": "sha256:00"}, {"query": "{ me { role } }",
                                                                               "operationName": "A"}):
        response = await api.http.get("/graphql", params=params, headers=auth)
        assert (response.status_code, response.headers["allow"]) == (405, "POST"), params
        assert response.json()["errors"][0]["extensions"]["code"] == "METHOD_NOT_ALLOWED"
    page = await api.http.get("/graphql", headers={"accept": "text/html"})
    assert page.status_code == 200 and "graphiql" in page.text.lower()


async def test_a_read_request_runs_without_strawberrys_view_and_answers_as_the_view_does(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    """``HubGraphQL`` runs a POST that ``GraphQLOverHTTP`` has read without reading it again; a caller that also
    accepts something other than JSON (a stream) goes through strawberry's view. Both answer alike."""
    viewed: list[str] = []
    original = GraphQL.run

    async def counting(self: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
        viewed.append(request.headers.get("accept", ""))
        return await original(self, request, *args, **kwargs)

    monkeypatch.setattr(GraphQL, "run", counting)
    queries = ["{ me { role } }", "{ me { nope } }", "{ me { ", '{ me { role } case(id: "not-an-id") { id } }',
               'query A { me { role } } query B { me { organisation { code } } }']
    token = await api.token(CAMDEN, "la")

    async def answer(query: str, accept: str) -> tuple[int, dict[str, str], Any]:
        response = await api.http.post("/graphql", content=json.dumps({"query": query}).encode(), headers={
            "authorization": f"Bearer {token}", "accept": accept, "content-type": "application/json"})
        headers = {k: v for k, v in response.headers.items() if k != "x-request-id"}
        return response.status_code, headers, response.json()

    for query in queries:
        for accept in (RESPONSE_TYPE, "application/json"):
            lean = await answer(query, accept)
            assert await answer(query, f"{accept}, text/plain;q=0.1") == lean, query
    assert viewed == [f"{a}, text/plain;q=0.1" for _ in queries for a in (RESPONSE_TYPE, "application/json")]
