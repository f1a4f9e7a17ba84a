"""Bearer tokens for every request but the public fields (CONTRACT: roles)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey

from app.main import Hub
from auth import keys
from hub.clock import FixedClock
from hub.store import transaction
from tests.api.test_notification import CAMDEN, MET
from tests.api.test_oauth import forged, me
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
