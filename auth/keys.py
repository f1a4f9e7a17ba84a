"""The built-in issuer's signing keys, persisted so tokens survive a restart."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from joserfc.jwk import Key, KeySet, RSAKey
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from hub.models import SigningKey

ALGORITHM = "RS256"


def _kid(at: datetime) -> str:
    return at.strftime("%Y%m%dT%H%M%S%f")


async def active_key(session: AsyncSession, *, now: datetime) -> RSAKey:
    """The newest unretired key, made on first use."""
    query = (
        select(SigningKey).where(col(SigningKey.retired_at).is_(None))
        .order_by(col(SigningKey.created_at).desc()).limit(1)
    )
    found = (await session.execute(query)).scalar_one_or_none()
    if found is not None:
        return RSAKey.import_key(json.loads(found.private_jwk))
    key = RSAKey.generate_key(2048, parameters={"kid": _kid(now), "use": "sig", "alg": ALGORITHM})
    session.add(SigningKey(kid=key.kid or _kid(now), private_jwk=json.dumps(key.as_dict(private=True)),
                           created_at=now))
    await session.flush()
    return key


async def published(session: AsyncSession) -> KeySet:
    """Every key whose tokens may still be in use (public parts)."""
    rows = (await session.execute(select(SigningKey))).scalars()
    keys: list[Key] = [RSAKey.import_key(json.loads(row.private_jwk)) for row in rows]
    return KeySet(keys)


def public_jwks(keys: KeySet) -> dict[str, Any]:
    return {"keys": [k.as_dict(private=False) for k in keys.keys]}
