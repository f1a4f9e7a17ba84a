"""RFC 9068 access tokens: minted by the development issuer, verified once and then remembered until they
expire (``auth.verified``; a revoked client's tokens stop working at once).

A token carries exactly one role scope and the organisation it acts for
(``org``, the organisation's code). The role must suit the organisation's
kind (``hub.vocabulary.ROLE_KINDS``).
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx2
from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, RSAKey
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from auth import issuers, keys
from auth.verified import Entry, VerifiedTokens, key_of
from hub import data_versions, organisations
from hub.clock import Clock
from hub.data_versions import Versions
from hub.errors import Unauthenticated
from hub.models import ApiClient
from hub.principal import Principal
from hub.reference_cache import ReferenceCache
from hub.sealing import Sealer
from hub.vocabulary import ROLE_KINDS, OrganisationKind, Role

MAX_TTL_SECONDS = 3600
LEEWAY_SECONDS = 30  # clock skew allowed on exp, nbf and a token's lifetime
DEV_CLIENT_PREFIX = "dev:"


@dataclass(frozen=True)
class TokenSettings:
    issuer: str
    audience: str
    ttl_seconds: int = MAX_TTL_SECONDS
    dev_tokens: bool = True  # accept tokens from `cspr-hub token` (the development issuer)


class TokenError(ValueError):
    """A token cannot be minted for this organisation and role."""


def role_suits(role: Role, kind: OrganisationKind) -> bool:
    return kind in ROLE_KINDS[role]


async def mint(
    session: AsyncSession, *, settings: TokenSettings, clock: Clock, org_code: str, role: str, sealer: Sealer,
    subject: str | None = None,
) -> str:
    try:
        wanted = Role(role)
    except ValueError as exc:
        raise TokenError(f"unknown role {role!r}; one of {[r.value for r in Role]}") from exc
    org = await organisations.by_code(session, org_code)
    if org is None:
        raise TokenError(f"no organisation has code {org_code!r}")
    if not role_suits(wanted, OrganisationKind(org.kind)):
        raise TokenError(f"role {role} does not suit {org.code} ({org.kind})")
    now = clock.now()
    key = await keys.active_key(session, now=now, sealer=sealer)
    return encode(key, settings=settings, now=now, org_code=org.code, role=wanted.value,
                  client_id=subject or f"{DEV_CLIENT_PREFIX}{org.code}")


def lifetime(settings: TokenSettings) -> int:
    return min(settings.ttl_seconds, MAX_TTL_SECONDS)


def encode(key: RSAKey, *, settings: TokenSettings, now: datetime, org_code: str, role: str, client_id: str) -> str:
    """An RFC 9068 access token: typ at+jwt; iss, sub, aud, exp (at most an hour), iat, jti, scope, org."""
    issued = int(now.timestamp())
    claims = {
        "iss": settings.issuer, "sub": client_id, "aud": settings.audience, "iat": issued,
        "exp": issued + lifetime(settings), "jti": str(uuid.uuid4()), "scope": role, "org": org_code,
        "client_id": client_id,
    }
    header = {"alg": keys.ALGORITHM, "typ": "at+jwt", "kid": key.kid}
    return jwt.encode(header, claims, key)


def _peek(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Header and claims before verification: only to choose how to verify."""
    try:
        compact = jws.extract_compact(token.encode())
        claims = json.loads(compact.payload)
    except (JoseError, ValueError, UnicodeError) as exc:
        raise Unauthenticated("the token does not verify") from exc
    if not isinstance(claims, dict):
        raise Unauthenticated("the token does not verify")
    return dict(compact.headers()), claims


class Verifier:
    """Bearer token -> Principal, with the key set and organisations cached."""

    def __init__(
        self, *, sessions: async_sessionmaker[AsyncSession], settings: TokenSettings, clock: Clock, sealer: Sealer,
        trusted: tuple[issuers.TrustedIssuer, ...] = (), http: httpx2.AsyncClient | None = None,
        versions: Versions | None = None, reference: ReferenceCache | None = None,
    ) -> None:
        self._reference = reference  # None: organisations read from the database (cached a minute)
        self._versions = versions  # None: nothing remembered, every token verified on every request
        self._verified = VerifiedTokens()
        self._sealer = sealer
        self._trusted = {t.issuer: t for t in trusted if t.issuer != settings.issuer}
        self._key_cache = issuers.KeyCache(http)
        self._sessions = sessions
        self._settings = settings
        self._clock = clock
        self._keys: KeySet | None = None
        self._orgs: dict[str, tuple[str, OrganisationKind, float]] = {}

    async def _key_set(self, kid: str | None) -> KeySet:
        known = self._keys is not None and any(k.kid == kid for k in self._keys.keys)
        if self._keys is None or not known:
            async with self._sessions() as session:
                self._keys = await keys.published(session, now=self._clock.now(), sealer=self._sealer)
        return self._keys

    async def _organisation(self, code: str, stamp: tuple[object, ...] | None = None) -> tuple[str, OrganisationKind]:
        if self._reference is not None:
            held = (await self._reference.current(stamp)).by_code.get(code)
            if held is None:
                raise Unauthenticated("the token's organisation is unknown")
            return held.id, OrganisationKind(held.kind)
        cached = self._orgs.get(code)
        if cached is not None and cached[2] > time.monotonic():
            return cached[0], cached[1]
        async with self._sessions() as session:
            org = await organisations.by_code(session, code)
        if org is None:
            raise Unauthenticated("the token's organisation is unknown")
        self._orgs[code] = (org.id, OrganisationKind(org.kind), time.monotonic() + 60)
        return org.id, OrganisationKind(org.kind)

    async def principal(self, token: str) -> Principal:
        if self._versions is None:
            return (await self._verify(token))[0]
        # the stamps are read before verifying: a change committed meanwhile makes this entry stale at once
        stamp = await self._versions.stamp(data_versions.CLIENTS, data_versions.REFERENCE)
        key, now = key_of(token), self._clock.now().timestamp()
        found = self._verified.get(key, now=now, stamp=stamp)
        if found is not None:
            return found
        principal, expires = await self._verify(token, reference_stamp=(stamp[0], stamp[2]))
        if expires is not None and expires > now:
            self._verified.put(key, Entry(principal, expires, stamp))
        return principal

    async def _verify(self, token: str, reference_stamp: tuple[object, ...] | None = None
                      ) -> tuple[Principal, float | None]:
        """The token's Principal and until when it may be remembered (None: not at all)."""
        header, unverified = _peek(token)
        trusted = self._trusted.get(str(unverified.get("iss")))
        if trusted is not None:
            claims = await issuers.verify(self._key_cache, trusted, token, kid=header.get("kid"),
                                          now=int(self._clock.now().timestamp()))
            org_code, scope = trusted.identity(claims)
        else:
            claims = await self._claims(token)
            org_code, scope = str(claims.get("org", "")), str(claims.get("scope", ""))
        scopes = tuple(scope.split())
        if len(scopes) != 1:
            raise Unauthenticated("the token must carry exactly one role scope")
        try:
            role = Role(scopes[0])
        except ValueError as exc:
            raise Unauthenticated("the token's scope is not a role") from exc
        org_id, kind = await self._organisation(org_code, reference_stamp)
        if not role_suits(role, kind):
            raise Unauthenticated("the token's role does not suit its organisation")
        if trusted is None:
            await self._client_in_force(str(claims.get("client_id", "")), org_id, role)
        principal = Principal(org_id, org_code, role, scopes,
                              client_id=str(claims.get("client_id") or claims.get("sub") or ""))
        expires = claims.get("exp")
        if not isinstance(expires, int | float) or isinstance(expires, bool):
            return principal, None
        return principal, float(expires) + LEEWAY_SECONDS

    async def _client_in_force(self, client_id: str, org_id: str, role: Role) -> None:
        """A registered client's tokens stop working the moment it is revoked."""
        if client_id.startswith(DEV_CLIENT_PREFIX):
            if not self._settings.dev_tokens:
                raise Unauthenticated("development tokens are not accepted here")
            return
        async with self._sessions() as session:
            found = await session.get(ApiClient, client_id)
        if found is None or found.revoked_at is not None or (found.organisation_id, found.role) != (org_id, role.value):
            raise Unauthenticated("the token's client is unknown or revoked")

    async def _claims(self, token: str) -> dict[str, Any]:
        try:
            header = jws.extract_compact(token.encode()).headers()
            if header.get("typ") not in ("at+jwt", "application/at+jwt"):
                raise Unauthenticated("not an access token (typ must be at+jwt)")
            found = jwt.decode(token, await self._key_set(header.get("kid")), algorithms=[keys.ALGORITHM])
            now = int(self._clock.now().timestamp())
            jwt.JWTClaimsRegistry(
                now=now, leeway=LEEWAY_SECONDS,
                iss={"essential": True, "value": self._settings.issuer},
                aud={"essential": True, "value": self._settings.audience},
                exp={"essential": True}, iat={"essential": True}, org={"essential": True}, scope={"essential": True},
            ).validate(found.claims)
        except (JoseError, ValueError, KeyError) as exc:
            raise Unauthenticated("the token does not verify") from exc
        if not self._lifetime_allowed(found.claims):
            raise Unauthenticated("the token does not verify")
        return dict(found.claims)

    def _lifetime_allowed(self, claims: dict[str, Any]) -> bool:
        """Lifetimes are capped when verifying too: a key that leaked cannot mint a token that outlives the TTL."""
        issued, expires = claims.get("iat"), claims.get("exp")
        if not all(isinstance(t, int | float) and not isinstance(t, bool) for t in (issued, expires)):
            return False
        assert isinstance(issued, int | float) and isinstance(expires, int | float)
        return 0 < expires - issued <= lifetime(self._settings) + LEEWAY_SECONDS
