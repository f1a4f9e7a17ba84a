"""GraphQL over HTTP: media types, status codes and the application/graphql-response+json answer."""

from __future__ import annotations

import json
from typing import Any

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
