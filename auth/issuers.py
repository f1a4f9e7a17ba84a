"""Identity providers an agency already runs, trusted to sign access tokens for the hub.

Each trusted issuer is named in settings (``CSPR_HUB_TRUSTED_ISSUERS``, a JSON
list) with its JWKS URL, the audience its tokens carry for the hub, and where
the organisation and the role are found: a claim, or a fixed value when an
agency's IdP speaks for that agency alone. Keys are fetched with httpx2,
cached, and fetched again (at most every 30 seconds) when a token names a key
the cache does not hold.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

import httpx2
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from hub.errors import Unauthenticated

ALGORITHMS = ["RS256", "PS256", "ES256"]
REFETCH_AFTER = 30.0


@dataclass(frozen=True)
class TrustedIssuer:
    issuer: str
    jwks_uri: str
    audience: str
    org_claim: str = "org"
    role_claim: str = "scope"
    organisation: str | None = None  # a fixed organisation code: the IdP speaks for one agency
    role: str | None = None  # a fixed role

    def identity(self, claims: dict[str, Any]) -> tuple[str, str]:
        """(organisation code, role) from the verified claims, by this issuer's mapping."""
        org = self.organisation or claims.get(self.org_claim)
        role = self.role or claims.get(self.role_claim)
        if isinstance(role, list):
            role = " ".join(str(r) for r in role)
        if not isinstance(org, str) or not isinstance(role, str):
            raise Unauthenticated("the token does not say which organisation and role it acts for")
        return org, role


class SettingsProblem(ValueError):
    """CSPR_HUB_TRUSTED_ISSUERS cannot be read."""


def parse(raw: str | None) -> tuple[TrustedIssuer, ...]:
    if not raw:
        return ()
    try:
        entries = json.loads(raw)
        found = tuple(TrustedIssuer(**entry) for entry in entries)
    except (ValueError, TypeError) as exc:
        raise SettingsProblem("CSPR_HUB_TRUSTED_ISSUERS must be a JSON list of "
                              "{issuer, jwks_uri, audience[, org_claim, role_claim, organisation, role]}") from exc
    for entry in found:
        if not entry.jwks_uri.startswith(("https://", "http://127.0.0.1", "http://localhost")):
            raise SettingsProblem(f"the JWKS URL of {entry.issuer} must be https")
    return found


class KeyCache:
    """Each trusted issuer's keys, fetched when first needed and again on an unknown kid."""

    def __init__(self, client: httpx2.AsyncClient | None = None) -> None:
        self.client = client  # made on first use: most deployments trust no other issuer
        self.keys: dict[str, KeySet] = {}
        self.fetched_at: dict[str, float] = {}

    async def for_token(self, issuer: TrustedIssuer, kid: str | None) -> KeySet:
        cached = self.keys.get(issuer.issuer)
        known = cached is not None and any(k.kid == kid for k in cached.keys)
        stale = time.monotonic() - self.fetched_at.get(issuer.issuer, 0.0) > REFETCH_AFTER
        if cached is None or (not known and stale):
            cached = await self._fetch(issuer)
        return cached

    async def _fetch(self, issuer: TrustedIssuer) -> KeySet:
        self.fetched_at[issuer.issuer] = time.monotonic()
        if self.client is None:
            self.client = httpx2.AsyncClient()
        try:
            response = await self.client.get(issuer.jwks_uri, timeout=5.0, follow_redirects=False)
            response.raise_for_status()
            found = KeySet.import_key_set(response.json())
        except (httpx2.HTTPError, ValueError, JoseError) as exc:
            raise Unauthenticated("the issuer's keys cannot be fetched") from exc
        self.keys[issuer.issuer] = found
        return found


async def verify(cache: KeyCache, issuer: TrustedIssuer, token: str, *, kid: str | None, now: int) -> dict[str, Any]:
    try:
        found = jwt.decode(token, await cache.for_token(issuer, kid), algorithms=ALGORITHMS)
        jwt.JWTClaimsRegistry(
            now=now, leeway=60, iss={"essential": True, "value": issuer.issuer},
            aud={"essential": True, "value": issuer.audience}, exp={"essential": True},
        ).validate(found.claims)
    except (JoseError, ValueError, KeyError) as exc:
        raise Unauthenticated("the token does not verify") from exc
    return dict(found.claims)
