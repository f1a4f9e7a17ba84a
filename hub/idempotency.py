"""A retried request with the same ``idempotencyKey`` changes nothing twice."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from hub.errors import Problem, Refused
from hub.models import IdempotencyRecord

MAX_KEY_LENGTH = 200


def fingerprint(payload: Any) -> str:
    canonical = json.dumps(payload, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


async def replay(
    session: AsyncSession, *, organisation_id: str, operation: str, key: str, request_hash: str
) -> str | None:
    """The case id of the first result for this key, or None if the key is new.

    The same key with a different input is refused: the caller has a bug, and
    answering with the first result would hide it.
    """
    found = await session.get(IdempotencyRecord, (organisation_id, operation, key))
    if found is None:
        return None
    if found.request_hash != request_hash:
        raise Refused([Problem(
            "IDEMPOTENCY_KEY_REUSED", ("input", "idempotencyKey"),
            "this idempotencyKey was already used with a different input",
        )])
    return found.case_id


def remember(
    session: AsyncSession, *, organisation_id: str, operation: str, key: str,
    request_hash: str, case_id: str, at: datetime,
) -> None:
    session.add(IdempotencyRecord(
        organisation_id=organisation_id, operation=operation, key=key,
        request_hash=request_hash, case_id=case_id, created_at=at,
    ))


async def exists(session: AsyncSession, *, organisation_id: str, operation: str, key: str) -> bool:
    query = select(col(IdempotencyRecord.case_id)).where(
        col(IdempotencyRecord.organisation_id) == organisation_id,
        col(IdempotencyRecord.operation) == operation,
        col(IdempotencyRecord.key) == key,
    )
    return (await session.execute(query)).first() is not None
