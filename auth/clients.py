"""API clients: an agency system registered to act for one organisation in one role.

The secret is shown once and stored as a scrypt hash; a revoked client's
tokens stop working (the verifier checks, see ``auth.tokens``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from hub import data_versions, organisations
from hub.models import ApiClient, Organisation
from hub.vocabulary import ROLE_KINDS, OrganisationKind, Role

SCRYPT: dict[str, int] = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}


class ClientError(ValueError):
    """A client cannot be registered or changed as asked; the message says why."""


@dataclass(frozen=True)
class Registered:
    client_id: str
    client_secret: str
    organisation_code: str
    role: str


def hash_secret(secret: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(secret.encode(), salt=salt, **SCRYPT)
    return "scrypt$" + base64.b64encode(salt).decode() + "$" + base64.b64encode(digest).decode()


def secret_matches(secret: str, stored: str | None) -> bool:
    try:
        scheme, salt, digest = (stored or "").split("$")
        wanted = hashlib.scrypt(secret.encode(), salt=base64.b64decode(salt), **SCRYPT)
    except (ValueError, TypeError):
        return False
    return scheme == "scrypt" and hmac.compare_digest(wanted, base64.b64decode(digest))


async def create(session: AsyncSession, *, org_code: str, role: str, name: str | None, now: datetime,
                 jwks: dict[str, Any] | None = None) -> Registered:
    """Register a client: with ``jwks`` it authenticates by private_key_jwt and gets no secret."""
    try:
        wanted = Role(role)
    except ValueError as exc:
        raise ClientError(f"unknown role {role!r}; one of {[r.value for r in Role]}") from exc
    org = await organisations.by_code(session, org_code)
    if org is None:
        raise ClientError(f"no organisation has code {org_code!r}")
    if OrganisationKind(org.kind) not in ROLE_KINDS[wanted]:
        raise ClientError(f"role {role} does not suit {org.code} ({org.kind})")
    client_id = "cspr_" + secrets.token_urlsafe(18)
    secret = "" if jwks else secrets.token_urlsafe(32)
    if jwks is not None:
        _check_jwks(jwks)
    session.add(ApiClient(client_id=client_id, name=name, organisation_id=org.id, role=wanted.value,
                          secret_hash=hash_secret(secret) if secret else None, jwks=jwks, created_at=now))
    await session.flush()
    return Registered(client_id, secret, org.code, wanted.value)


def _check_jwks(jwks: dict[str, Any]) -> None:
    try:
        found = KeySet.import_key_set(jwks)  # type: ignore[arg-type]
    except (ValueError, TypeError, KeyError, JoseError) as exc:
        raise ClientError("the JWKS is not a JSON Web Key Set") from exc
    if not found.keys or any(k.is_private for k in found.keys):
        raise ClientError("the JWKS must hold public keys only")


async def listed(session: AsyncSession) -> list[tuple[ApiClient, Organisation]]:
    query = (select(ApiClient, Organisation).join(Organisation, col(Organisation.id) == col(ApiClient.organisation_id))
             .order_by(col(ApiClient.created_at)))
    return [(c, o) for c, o in (await session.execute(query)).all()]


async def revoke(session: AsyncSession, *, client_id: str, now: datetime) -> ApiClient:
    found = await session.get(ApiClient, client_id)
    if found is None:
        raise ClientError(f"no client {client_id!r}")
    found.revoked_at = found.revoked_at or now
    await session.flush()
    await data_versions.bump(session, data_versions.CLIENTS)  # tokens remembered by any process: verified again
    return found


async def active(session: AsyncSession, client_id: str) -> tuple[ApiClient, Organisation] | None:
    found = await session.get(ApiClient, client_id)
    if found is None or found.revoked_at is not None:
        return None
    org = await session.get(Organisation, found.organisation_id)
    return (found, org) if org is not None else None
