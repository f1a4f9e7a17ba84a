"""An agency's own identity provider, trusted to sign tokens for the hub: keys fetched from its
JWKS (a real server on loopback), cached, and fetched again when it rotates."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx2
import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from app.main import Hub, create_app
from app.settings import Settings
from auth.issuers import TrustedIssuer
from tests.api.test_notification import CAMDEN, MET
from tests.conftest import serving

ISSUER = "https://idp.invented-council.example"


@dataclass
class IdentityProvider:
    keys: list[RSAKey] = field(default_factory=lambda: [RSAKey.generate_key(2048, parameters={"kid": "k1"})])
    fetches: int = 0
    url: str = ""

    async def jwks(self, request: Request) -> JSONResponse:
        self.fetches += 1
        return JSONResponse({"keys": [k.as_dict(private=False) for k in self.keys]})

    def token(self, now: int, **claims: Any) -> str:
        body = {"iss": ISSUER, "aud": "api://cspr-hub", "sub": "service-account-7", "iat": now, "exp": now + 600,
                "org_code": CAMDEN, "roles": ["la"], **claims}
        return jwt.encode({"alg": "RS256", "kid": self.keys[-1].kid, "typ": "JWT"}, body, self.keys[-1])


@pytest.fixture
async def idp() -> AsyncIterator[IdentityProvider]:
    found = IdentityProvider()
    async with serving(Starlette(routes=[Route("/keys", found.jwks)])) as base:
        found.url = f"{base}/keys"
        yield found


@pytest.fixture
async def http(hub: Hub, idp: IdentityProvider) -> AsyncIterator[httpx2.AsyncClient]:
    trusted = TrustedIssuer(issuer=ISSUER, jwks_uri=idp.url, audience="api://cspr-hub", org_claim="org_code",
                            role_claim="roles")
    settings = Settings(database_url=hub.settings.database_url, issuer=hub.settings.issuer,
                        audience=hub.settings.audience, trusted_issuers=(trusted,))
    app = create_app(hub=Hub(settings, hub.clock, hub.engine, hub.sessions, ready=True))
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url="http://testserver") as client:
        yield client


async def me(http: httpx2.AsyncClient, token: str) -> httpx2.Response:
    return await http.post("/graphql", json={"query": "{ me { role organisation { code } } }"},
                           headers={"authorization": f"Bearer {token}"})


async def test_a_trusted_issuers_token_acts_for_the_organisation_and_role_its_claims_map_to(
    http: httpx2.AsyncClient, idp: IdentityProvider, hub: Hub
) -> None:
    now = int(hub.clock.now().timestamp())
    response = await me(http, idp.token(now))
    assert response.json() == {"data": {"me": {"role": "la", "organisation": {"code": CAMDEN}}}}
    await me(http, idp.token(now))
    assert idp.fetches == 1  # cached


async def test_an_unknown_kid_fetches_the_keys_again(
    http: httpx2.AsyncClient, idp: IdentityProvider, hub: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = int(hub.clock.now().timestamp())
    assert (await me(http, idp.token(now))).status_code == 200
    idp.keys.append(RSAKey.generate_key(2048, parameters={"kid": "k2"}))
    monkeypatch.setattr("auth.issuers.REFETCH_AFTER", 0.0)  # the test cannot wait out the refetch interval
    assert (await me(http, idp.token(now))).status_code == 200
    assert idp.fetches == 2


async def test_wrong_audience_wrong_role_or_an_untrusted_issuer_gets_401(
    http: httpx2.AsyncClient, idp: IdentityProvider, hub: Hub
) -> None:
    now = int(hub.clock.now().timestamp())
    for why, token in {
        "audience": idp.token(now, aud="api://someone-else"),
        "role unsuited": idp.token(now, org_code=MET, roles=["la"]),
        "two roles": idp.token(now, roles=["la", "panel"]),
        "expired": idp.token(now - 3600),
        "untrusted issuer": idp.token(now, iss="https://idp.elsewhere.example"),
    }.items():
        assert (await me(http, token)).status_code == 401, why
