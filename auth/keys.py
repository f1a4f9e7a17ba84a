"""The built-in issuer's signing keys, persisted so tokens survive a restart; sealed at rest.

A private key is stored sealed under ``CSPR_HUB_SECRET_KEY`` (``hub.sealing``). A key stored as plain JWK
JSON before sealing still works, and is sealed the first time it is used to sign (or by
``cspr-hub connectors reseal``).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from joserfc.jwk import Key, KeySet, RSAKey
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from hub.models import SigningKey
from hub.sealing import Sealer

ALGORITHM = "RS256"
STILL_PUBLISHED = timedelta(hours=1, minutes=5)  # the longest token life, and some leeway


def _kid(at: datetime) -> str:
    return at.strftime("%Y%m%dT%H%M%S%f")


def is_plain(stored: str) -> bool:
    """A key written before keys were sealed: the JWK's JSON itself."""
    return stored.lstrip().startswith("{")


def _opened(row: SigningKey, sealer: Sealer) -> RSAKey:
    return _imported(sealer.open_stored(row.private_jwk, plain=is_plain))


@lru_cache(maxsize=16)
def _imported(private_jwk: str) -> RSAKey:
    """A private key from its JWK, made once: building it checks the RSA numbers (tens of milliseconds of
    CPU), and every token minted and every key set published would otherwise pay that again. The key is
    still opened with the sealer each time, so a sealer that cannot open it is refused as before."""
    return RSAKey.import_key(json.loads(private_jwk))


async def active_key(session: AsyncSession, *, now: datetime, sealer: Sealer) -> RSAKey:
    """The newest unretired key, made on first use."""
    query = (
        select(SigningKey).where(col(SigningKey.retired_at).is_(None))
        .order_by(col(SigningKey.created_at).desc()).limit(1)
    )
    found = (await session.execute(query)).scalar_one_or_none()
    if found is not None:
        if is_plain(found.private_jwk):  # the lazy reseal: sealed on first use
            found.private_jwk = sealer.seal(found.private_jwk)
            await session.flush()
        return _opened(found, sealer)
    key = RSAKey.generate_key(2048, parameters={"kid": _kid(now), "use": "sig", "alg": ALGORITHM})
    session.add(SigningKey(kid=key.kid or _kid(now), private_jwk=sealer.seal(json.dumps(key.as_dict(private=True))),
                           created_at=now))
    await session.flush()
    return key


async def rotate(session: AsyncSession, *, now: datetime, sealer: Sealer) -> RSAKey:
    """Retire the active key and make a new one; the old one stays published while its tokens live."""
    for row in (await session.execute(select(SigningKey).where(col(SigningKey.retired_at).is_(None)))).scalars():
        row.retired_at = now
    await session.flush()
    return await active_key(session, now=now + timedelta(microseconds=1), sealer=sealer)


async def published(session: AsyncSession, *, sealer: Sealer, now: datetime | None = None) -> KeySet:
    """Every key whose tokens may still be in use (public parts): unretired, or retired within a token's life."""
    query = select(SigningKey)
    if now is not None:
        query = query.where(or_(col(SigningKey.retired_at).is_(None), col(SigningKey.retired_at) > now - STILL_PUBLISHED))
    rows = (await session.execute(query)).scalars()
    keys: list[Key] = [_opened(row, sealer) for row in rows]
    return KeySet(keys)


def public_jwks(keys: KeySet) -> dict[str, Any]:
    return {"keys": [k.as_dict(private=False) for k in keys.keys]}


async def reseal(session: AsyncSession, *, sealer: Sealer) -> int:
    """Seal every signing key under the first key (plaintext ones included); how many there were."""
    rows = list((await session.execute(select(SigningKey))).scalars())
    for row in rows:
        row.private_jwk = sealer.seal_stored(row.private_jwk, plain=is_plain)
    await session.flush()
    return len(rows)
