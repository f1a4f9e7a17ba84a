"""The append-only case timeline, written in the same transaction as the change."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from hub.models import CaseEvent
from hub.vocabulary import EventType


def record(
    session: AsyncSession,
    *,
    case_id: str,
    event: EventType,
    actor_id: str | None,
    at: datetime,
    data: dict[str, Any] | None = None,
) -> CaseEvent:
    entry = CaseEvent(
        case_id=case_id, event_type=event.value, actor_id=actor_id, occurred_at=at, data=data or {}
    )
    session.add(entry)
    return entry
