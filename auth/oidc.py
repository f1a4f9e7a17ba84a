"""People signing in to the console with their organisation's OpenID Connect provider.

Authorization code flow with PKCE (RFC 7636, S256) and a nonce: the hub sends the person to the
provider's authorization endpoint, receives a one-time code at its callback, exchanges it (with the
PKCE verifier, and the client secret when one is configured) at the provider's token endpoint, and
verifies the ID token's signature (the provider's JWKS), issuer, audience (the hub's client id), expiry
and nonce. The organisation and the role come from the ID token's claims by the provider's mapping,
as for ``CSPR_HUB_TRUSTED_ISSUERS`` (``auth/issuers.py``).

Providers are named in ``CSPR_HUB_CONSOLE_OIDC``, a JSON list of
``{name, issuer, authorization_endpoint, token_endpoint, jwks_uri, client_id[, client_secret,
org_claim, role_claim, organisation, role]}``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx2

from auth.issuers import KeyCache, TrustedIssuer, verify
from hub.errors import Unauthenticated

LOOPBACK = ("http://127.0.0.1", "http://localhost", "http://[::1]")


@dataclass(frozen=True)
class Provider:
    name: str
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    client_id: str
    client_secret: str | None = None
    org_claim: str = "org"
    role_claim: str = "role"
    organisation: str | None = None  # a fixed organisation code: the provider speaks for one agency
    role: str | None = None  # a fixed role

    def __repr__(self) -> str:
        return f"Provider({self.name!r}, {self.issuer!r})"  # never the client secret

    @property
    def as_issuer(self) -> TrustedIssuer:
        """The ID token is checked as a trusted issuer's token is, with the hub's client id as audience."""
        return TrustedIssuer(issuer=self.issuer, jwks_uri=self.jwks_uri, audience=self.client_id,
                             org_claim=self.org_claim, role_claim=self.role_claim,
                             organisation=self.organisation, role=self.role)


class ProviderSettingsProblem(ValueError):
    """CSPR_HUB_CONSOLE_OIDC cannot be read."""


def parse(raw: str | None) -> tuple[Provider, ...]:
    if not raw:
        return ()
    try:
        found = tuple(Provider(**entry) for entry in json.loads(raw))
    except (ValueError, TypeError) as exc:
        raise ProviderSettingsProblem(
            "CSPR_HUB_CONSOLE_OIDC must be a JSON list of {name, issuer, authorization_endpoint, token_endpoint, "
            "jwks_uri, client_id[, client_secret, org_claim, role_claim, organisation, role]}") from exc
    for provider in found:
        for url in (provider.authorization_endpoint, provider.token_endpoint, provider.jwks_uri):
            if not url.startswith(("https://", *LOOPBACK)):
                raise ProviderSettingsProblem(f"the endpoints of {provider.name} must be https")
    return found


@dataclass(frozen=True)
class Pending:
    """What the hub keeps (in the signed session cookie) between sending the person away and their return."""

    provider: int
    state: str
    nonce: str
    verifier: str


def begin(provider: Provider, index: int, *, redirect_uri: str) -> tuple[str, Pending]:
    """The authorization request's URL, and what to keep for the callback."""
    pending = Pending(index, secrets.token_urlsafe(24), secrets.token_urlsafe(24), secrets.token_urlsafe(48))
    challenge = base64.urlsafe_b64encode(hashlib.sha256(pending.verifier.encode()).digest()).rstrip(b"=").decode()
    query = {"response_type": "code", "client_id": provider.client_id, "redirect_uri": redirect_uri,
             "scope": "openid", "state": pending.state, "nonce": pending.nonce,
             "code_challenge": challenge, "code_challenge_method": "S256"}
    separator = "&" if "?" in provider.authorization_endpoint else "?"
    return f"{provider.authorization_endpoint}{separator}{urlencode(query)}", pending


@dataclass(frozen=True)
class SignedIn:
    organisation_code: str
    role: str
    subject: str


async def finish(provider: Provider, pending: Pending, *, code: str, redirect_uri: str, now: int,
                 client: httpx2.AsyncClient, keys: KeyCache) -> SignedIn:
    """Exchange the code and verify the ID token; Unauthenticated on any failure (the reason is not shown)."""
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
            "code_verifier": pending.verifier, "client_id": provider.client_id}
    try:
        if provider.client_secret:  # a confidential client: client_secret_basic
            response = await client.post(provider.token_endpoint, data=form, timeout=10.0, follow_redirects=False,
                                         auth=httpx2.BasicAuth(provider.client_id, provider.client_secret))
        else:  # a public client: PKCE alone
            response = await client.post(provider.token_endpoint, data=form, timeout=10.0, follow_redirects=False)
        response.raise_for_status()
        id_token = response.json()["id_token"]
    except (httpx2.HTTPError, ValueError, KeyError, TypeError) as exc:
        raise Unauthenticated("the identity provider did not complete the sign-in") from exc
    if not isinstance(id_token, str):
        raise Unauthenticated("the identity provider gave no ID token")
    claims = await verify(keys, provider.as_issuer, id_token, kid=_kid(id_token), now=now)
    if not isinstance(claims.get("nonce"), str) or not secrets.compare_digest(claims["nonce"], pending.nonce):
        raise Unauthenticated("the ID token is not the answer to this sign-in")
    organisation, role = provider.as_issuer.identity(claims)
    return SignedIn(organisation, role, f"{provider.name}:{claims.get('sub', '')}"[:200])


def _kid(token: str) -> str | None:
    try:
        header: dict[str, Any] = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    except (ValueError, IndexError):
        return None
    kid = header.get("kid")
    return kid if isinstance(kid, str) else None
