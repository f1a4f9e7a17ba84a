"""Bearer tokens for every request but the public fields (CONTRACT: roles)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import httpx2
import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey

from app.main import Hub, create_app
from app.settings import Settings
from auth import keys
from hub.clock import FixedClock
from hub.store import transaction
from tests.api.test_notification import CAMDEN, MET
from tests.api.test_oauth import basic, forged, me, register
from tests.conftest import Api


async def test_no_token_gets_401_with_a_bearer_challenge(api: Api) -> None:
    response = await api.post("{ me { role } }")
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_public_fields_need_no_token(api: Api) -> None:
    response = await api.post('{ addWorkingDays(from: "2026-12-22", days: 5) }')
    assert response.status_code == 200
    assert response.json() == {"data": {"addWorkingDays": "2026-12-31"}}


async def test_a_public_field_beside_a_private_one_still_needs_a_token(api: Api) -> None:
    response = await api.post('{ addWorkingDays(from: "2026-12-22", days: 5) me { role } }')
    assert response.status_code == 401


async def test_me_says_who_the_token_acts_for(api: Api) -> None:
    body = await api("{ me { role scopes organisation { code kind } } }", as_=(MET, "police"))
    assert body["data"]["me"] == {"role": "police", "scopes": ["police"],
                                  "organisation": {"code": MET, "kind": "POLICE"}}


@pytest.mark.parametrize("token", ["garbage", "a.b.c", ""])
async def test_a_bad_token_gets_401_invalid_token(api: Api, token: str) -> None:
    response = await api.http.post("/graphql", json={"query": "{ me { role } }"},
                                   headers={"authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert "Bearer" in response.headers["www-authenticate"]


async def test_an_expired_token_gets_401(api: Api, clock: FixedClock) -> None:
    token = await api.token(CAMDEN, "la")
    clock.set(clock.now() + timedelta(hours=2))
    response = await api.http.post("/graphql", json={"query": "{ me { role } }"},
                                   headers={"authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["www-authenticate"]


async def test_a_token_signed_by_another_key_gets_401(api: Api, clock: FixedClock) -> None:
    stranger = RSAKey.generate_key(2048, parameters={"kid": "stranger"})
    now = int(clock.now().timestamp())
    forged = jwt.encode({"alg": "RS256", "typ": "at+jwt", "kid": "stranger"},
                        {"iss": "http://127.0.0.1:8000", "aud": "cspr-hub", "sub": "x", "iat": now,
                         "exp": now + 600, "scope": "panel", "org": "PANEL", "jti": "1"}, stranger)
    response = await api.http.post("/graphql", json={"query": "{ me { role } }"},
                                   headers={"authorization": f"Bearer {forged}"})
    assert response.status_code == 401


async def test_a_role_that_does_not_suit_the_organisation_cannot_be_minted(api: Api) -> None:
    from auth.tokens import TokenError

    with pytest.raises(TokenError):
        await api.token(MET, "la")


async def test_the_jwks_publishes_the_signing_key_without_its_private_part(api: Api) -> None:
    response = await api.http.get("/.well-known/jwks.json")
    keys = response.json()["keys"]
    assert keys and all(k["kty"] == "RSA" and "d" not in k and "p" not in k for k in keys)


async def test_health_and_readiness(api: Api) -> None:
    assert (await api.http.get("/healthz")).json() == {"status": "ok"}
    ready = await api.http.get("/readyz")
    assert ready.status_code == 200 and ready.json()["migrated"] is True


@asynccontextmanager
async def production(hub: Hub, **env: str) -> AsyncIterator[httpx2.AsyncClient]:
    """The same hub and database, configured as production (CSPR_HUB_ENV=production) plus ``env``."""
    settings = Settings.from_env({"CSPR_HUB_ENV": "production", "CSPR_HUB_DATABASE_URL": hub.settings.database_url,
                                  "CSPR_HUB_ISSUER": hub.settings.issuer,
                                  "CSPR_HUB_SECRET_KEY": ",".join(hub.settings.sealing_keys()), **env})
    app = create_app(hub=Hub(settings, hub.clock, hub.engine, hub.sessions, ready=True))
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url="http://testserver") as http:
        yield http


async def production_token(hub: Hub, http: httpx2.AsyncClient) -> dict[str, str]:
    """A token from the production token endpoint, for an invented Camden case system."""
    made = await register(hub)
    response = await http.post("/oauth/token", content=b"grant_type=client_credentials",
                               headers=basic(made.client_id, made.client_secret))
    return {"authorization": f"Bearer {response.json()['access_token']}"}


SDL = {"query": "{ _service { sdl } }"}


async def test_production_gives_the_sdl_only_with_a_token_unless_it_is_made_public(hub: Hub) -> None:
    async with production(hub) as http:
        anonymous = await http.post("/graphql", json=SDL)
        assert anonymous.status_code == 401 and "type Case" not in anonymous.text
        signed = await http.post("/graphql", json=SDL, headers=await production_token(hub, http))
        assert "type Case" in signed.json()["data"]["_service"]["sdl"]
    async with production(hub, CSPR_HUB_PUBLIC_SDL="true") as http:
        public = await http.post("/graphql", json=SDL)
        assert "type Case" in public.json()["data"]["_service"]["sdl"]


async def test_development_still_gives_the_sdl_without_a_token(api: Api) -> None:
    assert "type Case" in (await api.post(SDL["query"])).json()["data"]["_service"]["sdl"]


FAMILY = """mutation($i: FamilyCommunicationInput!) { recordFamilyCommunication(caseId: "x", input: $i) {
  errors { code } } }"""
FAMILY_LITERAL = """mutation {{ recordFamilyCommunication(caseId: "x", input: {{ {fields} }}) {{ errors {{ code }} }} }}"""
TOLD = {"decision": "NO_LOCAL_REVIEW", "method": "MEETING", "communicatedOn": "2026-12-22"}
MISSPELT = {
    "field": ("{ me { rol } }", None),
    "argument": ('{ case(idd: "x") { id } }', None),
    "type": ("query($x: FamilyCommunicationInpt) { me { role } }", None),
    "input field": (FAMILY_LITERAL.format(fields='decison: "NO_LOCAL_REVIEW", method: MEETING, communicatedOn: "2026-12-22"'),
                    None),
    "enum value": (FAMILY_LITERAL.format(fields='decision: "NO_LOCAL_REVIEW", method: MEETNG, communicatedOn: "2026-12-22"'),
                   None),
    "input field in variables": (FAMILY, {"i": {**TOLD, "decison": "NO_LOCAL_REVIEW"}}),
    "enum value in variables": (FAMILY, {"i": {**TOLD, "method": "MEETNG"}}),
}


@pytest.mark.parametrize("what", list(MISSPELT))
async def test_production_suggests_no_field_argument_type_input_field_or_enum_value(hub: Hub, api: Api, what: str) -> None:
    query, variables = MISSPELT[what]
    async with production(hub) as http:
        response = await http.post("/graphql", json={"query": query, "variables": variables},
                                   headers=await production_token(hub, http))
    errors = response.json()["errors"]
    assert errors and not any("Did you mean" in e["message"] for e in errors), errors
    assert all(e["extensions"]["code"] in ("GRAPHQL_VALIDATION_FAILED", "BAD_USER_INPUT") for e in errors), errors


@pytest.mark.parametrize("what", [w for w in MISSPELT if w != "field"])
async def test_development_still_suggests_what_was_meant(api: Api, what: str) -> None:
    query, variables = MISSPELT[what]
    body = (await api.post(query, variables, as_=(CAMDEN, "la"))).json()
    assert any("Did you mean" in e["message"] for e in body["errors"]), body


async def test_a_year_long_token_signed_with_the_hubs_own_key_gets_401(api: Api, hub: Hub, clock: FixedClock) -> None:
    """Lifetimes are capped when verifying as well as when minting: exp - iat at most the TTL and a leeway."""
    async with transaction(hub.sessions) as session:
        key = await keys.active_key(session, now=clock.now(), sealer=hub.sealer())
    now = int(clock.now().timestamp())
    normal, year_long, no_iat = forged(key, now), forged(key, now, exp=now + 365 * 86_400), forged(key, now, iat=None)
    assert (await me(api, normal)).status_code == 200
    for token in (year_long, no_iat):
        response = await me(api, token)
        assert response.status_code == 401
        assert 'error="invalid_token"' in response.headers["www-authenticate"]
    assert (await me(api, forged(key, now, exp=now + hub.settings.token_ttl_seconds + 20))).status_code == 200
