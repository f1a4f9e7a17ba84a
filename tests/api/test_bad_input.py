"""Bad input of every kind gets a clear error with a code, never a 500, and changes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from app.main import Hub
from tests.api.test_notification import CAMDEN, NOTIFY, case_rows, serious_incident
from tests.conftest import Api


def with_child(**child: Any) -> dict[str, Any]:
    value = serious_incident()
    value["child"].update(child)
    return value


PAYLOAD_REFUSALS = [
    ("unknown other area", serious_incident(otherAreaCodes=["E09999999"]), "UNKNOWN_ORGANISATION"),
    ("other area not a local authority", serious_incident(otherAreaCodes=["E23000001"]), "NOT_A_LOCAL_AUTHORITY"),
    ("empty summary", serious_incident(incident={"summary": "   "}), "REQUIRED"),
    ("huge summary", serious_incident(incident={"summary": "x" * 20_001}), "TOO_LONG"),
    ("huge name", with_child(firstName="A" * 101), "TOO_LONG"),
    ("NUL in summary", serious_incident(incident={"summary": "bad\x00text"}), "INVALID_CHARACTERS"),
    ("born after the incident", with_child(dateOfBirth="2026-12-21"), "BORN_AFTER_INCIDENT"),
    ("an adult", with_child(dateOfBirth="2000-01-01"), "NOT_A_CHILD"),
    ("aware before it happened", serious_incident(incident={"occurredOn": "2026-12-22", "awareOn": "2026-12-21"}), "AWARE_BEFORE_OCCURRED"),
    ("happened in the future", serious_incident(incident={"occurredOn": "2027-01-05", "awareOn": "2027-01-05"}), "OCCURRED_IN_FUTURE"),
    ("empty idempotency key", serious_incident(idempotencyKey=" "), "REQUIRED"),
    ("huge idempotency key", serious_incident(idempotencyKey="k" * 201), "TOO_LONG"),
]


@pytest.mark.parametrize(("why", "value", "code"), PAYLOAD_REFUSALS, ids=[p[0] for p in PAYLOAD_REFUSALS])
async def test_refused_input_is_reported_in_the_payload_and_changes_nothing(
    api: Api, hub: Hub, why: str, value: dict[str, Any], code: str
) -> None:
    body = await api(NOTIFY, {"input": value}, as_=(CAMDEN, "la"))
    payload = body["data"]["notifySeriousIncident"]
    assert code in [e["code"] for e in payload["errors"]], why
    assert all(e["message"] for e in payload["errors"])
    assert payload["case"] is None
    assert await case_rows(hub) == 0


GRAPHQL_REFUSALS = [
    ("malformed date", serious_incident(incident={"awareOn": "22/12/2026"}), "BAD_USER_INPUT"),
    ("impossible date", serious_incident(incident={"awareOn": "2026-02-30"}), "BAD_USER_INPUT"),
    ("date before 1900", serious_incident(incident={"occurredOn": "1899-12-31"}), "BAD_USER_INPUT"),
    ("date after 2200", with_child(dateOfBirth="2201-01-01"), "BAD_USER_INPUT"),
    ("wrong enum value", serious_incident(incident={"kind": "INJURY"}), "BAD_USER_INPUT"),
    ("missing required field", {"child": {"sex": "MALE"}, "incident": {}}, "BAD_USER_INPUT"),
    ("number for a string", serious_incident(incident={"summary": 42}), "BAD_USER_INPUT"),
]


@pytest.mark.parametrize(("why", "value", "code"), GRAPHQL_REFUSALS, ids=[p[0] for p in GRAPHQL_REFUSALS])
async def test_malformed_variables_get_a_graphql_error_with_a_code(
    api: Api, hub: Hub, why: str, value: dict[str, Any], code: str
) -> None:
    response = await api.post(NOTIFY, {"input": value}, as_=(CAMDEN, "la"))
    assert response.status_code in (200, 400), why
    body = response.json()
    assert body.get("data") is None
    assert [e["extensions"]["code"] for e in body["errors"]] == [code] * len(body["errors"])
    assert await case_rows(hub) == 0


QUERY_REFUSALS = [
    ("page too large", "{ cases(first: 101) { totalCount } }", "BAD_USER_INPUT"),
    ("negative page", "{ cases(first: -1) { totalCount } }", "BAD_USER_INPUT"),
    ("malformed id", '{ case(id: "not-an-id") { id } }', "BAD_USER_INPUT"),
    ("forged cursor", '{ cases(after: "!!!") { totalCount } }', "BAD_USER_INPUT"),
    ("literal date out of range", '{ addWorkingDays(from: "1800-01-01", days: 1) }', "BAD_USER_INPUT"),
    ("too many working days", '{ addWorkingDays(from: "2026-01-01", days: 100000) }', "BAD_USER_INPUT"),
    ("unknown field", "{ nope }", "GRAPHQL_VALIDATION_FAILED"),
    ("syntax error", "{ cases { ", "GRAPHQL_PARSE_FAILED"),
]


@pytest.mark.parametrize(("why", "query", "code"), QUERY_REFUSALS, ids=[p[0] for p in QUERY_REFUSALS])
async def test_bad_arguments_get_a_coded_error_never_a_500(api: Api, why: str, query: str, code: str) -> None:
    response = await api.post(query, as_=(CAMDEN, "la"))
    assert response.status_code in (200, 400), why
    codes = [e["extensions"]["code"] for e in response.json()["errors"]]
    assert codes and set(codes) == {code}, why


async def test_malformed_http_requests_get_4xx(api: Api) -> None:
    token = await api.token(CAMDEN, "la")
    auth = {"authorization": f"Bearer {token}"}
    bad_json = await api.http.post("/graphql", content=b"{not json", headers={**auth, "content-type": "application/json"})
    assert bad_json.status_code == 400
    missing = await api.http.post("/graphql", json={"variables": {}}, headers=auth)
    assert missing.status_code == 400
    huge = await api.http.post("/graphql", content=b" " * 1_000_001, headers={**auth, "content-type": "application/json"})
    assert huge.status_code == 413
    get = await api.http.get("/graphql", params={"query": "{ me { role } }"}, headers=auth)
    assert (get.status_code, get.headers["allow"]) == (405, "POST")


async def test_queries_too_deep_too_aliased_or_too_long_are_refused(api: Api) -> None:
    deep = "{ cases { nodes { leadPartnership " + "{ members { partnerships " * 4 + "{ code }" + " } }" * 4 + " } } }"
    aliased = "{ " + " ".join(f"a{i}: me {{ role }}" for i in range(16)) + " }"
    long = "{ me { " + " ".join(["role"] * 2001) + " } }"
    for query in (deep, aliased, long):
        response = await api.post(query, as_=(CAMDEN, "la"))
        body = response.json()
        assert body.get("data") is None and body["errors"], query[:40]
        assert all(e["extensions"]["code"] in ("GRAPHQL_VALIDATION_FAILED", "GRAPHQL_PARSE_FAILED") for e in body["errors"])
    fine = await api("{ " + " ".join(f"a{i}: me {{ role }}" for i in range(15)) + " }", as_=(CAMDEN, "la"))
    assert fine["data"]["a14"] == {"role": "la"}


async def test_validation_errors_suggest_no_field_names(api: Api) -> None:
    body = (await api.post("{ case { ids } }", as_=(CAMDEN, "la"))).json()
    assert body["errors"] and all("Did you mean" not in e["message"] for e in body["errors"])


async def test_production_mode_turns_off_introspection_graphiql_and_the_dev_issuer(hub: Hub) -> None:
    import httpx2

    from app.main import create_app
    from app.settings import Settings

    settings = Settings.from_env({"CSPR_HUB_ENV": "production", "CSPR_HUB_DATABASE_URL": hub.settings.database_url,
                                  "CSPR_HUB_SECRET_KEY": ",".join(hub.settings.sealing_keys())})
    assert (settings.dev_issuer, settings.graphiql, settings.introspection) == (False, False, False)
    app = create_app(hub=Hub(settings, hub.clock, hub.engine, hub.sessions, ready=True))
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url="http://testserver") as http:
        schema = await http.post("/graphql", json={"query": "{ __schema { types { name } } }"})
        assert "data" not in schema.json() and schema.json()["errors"]  # refused before execution
        sdl = await http.post("/graphql", json={"query": "{ _service { sdl } }"})
        assert sdl.status_code == 401  # the SDL needs a token in production unless CSPR_HUB_PUBLIC_SDL=true
        page = await http.get("/graphql", headers={"accept": "text/html"})
        assert page.status_code in (404, 405, 400)


async def test_production_mode_refuses_development_tokens(hub: Hub, api: Api) -> None:
    import httpx2

    from app.main import create_app
    from app.settings import Settings

    token = await api.token(CAMDEN, "la")
    settings = Settings.from_env({"CSPR_HUB_ENV": "production", "CSPR_HUB_DATABASE_URL": hub.settings.database_url,
                                  "CSPR_HUB_SECRET_KEY": ",".join(hub.settings.sealing_keys()),
                                  "CSPR_HUB_ISSUER": hub.settings.issuer})
    app = create_app(hub=Hub(settings, hub.clock, hub.engine, hub.sessions, ready=True))
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url="http://testserver") as http:
        response = await http.post("/graphql", json={"query": "{ me { role } }"}, headers={"authorization": f"Bearer {token}"})
    assert response.status_code == 401


@pytest.mark.parametrize("summary", ["Amara was found unresponsive.", "The Testchild family called 999.",
                                     "Born 1 March 2026; found unresponsive."])
@pytest.mark.rule("summary-names-no-child")
async def test_footnote_76_a_summary_copied_to_ofsted_and_dfe_must_not_name_the_child(
    api: Api, hub: Hub, summary: str
) -> None:
    body = await api(NOTIFY, {"input": serious_incident(incident={"summary": summary})}, as_=(CAMDEN, "la"))
    errors = body["data"]["notifySeriousIncident"]["errors"]
    assert [(e["code"], e["field"]) for e in errors] == [("NAMES_CHILD", ["input", "incident", "summary"])]
    assert "Amara" not in str(body) and "Testchild" not in str(body)
    assert await case_rows(hub) == 0
    refer = """mutation($i: ReferIncidentInput!) { referIncident(input: $i) { errors { code field } } }"""
    value = serious_incident(incident={"summary": summary})
    referred = await api(refer, {"i": {"localAuthorityCode": CAMDEN, "child": value["child"],
                                       "incident": value["incident"]}}, as_=("E23000001", "police"))
    assert [e["code"] for e in referred["data"]["referIncident"]["errors"]] == ["NAMES_CHILD"]
