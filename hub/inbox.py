"""What each organisation has been told, and its acknowledgement (DOMAIN: routing).

A routed message is *delivered* when its recipient first retrieves it (from
the inbox, or later by webhook or connector) and *acknowledged* when the
recipient says so: together they prove that a duty to tell was met.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from hub.clock import Clock
from hub.errors import Problem, Refused
from hub.models import Organisation, RoutedMessage
from hub.principal import Principal
from hub.visibility import inbox_codes, may_see_identity


@dataclass(frozen=True)
class InboxFilter:
    unacknowledged: bool | None = None
    event_types: tuple[str, ...] = ()
    case_id: str | None = None
    due_before: date | None = None


def shown_on_case(principal: Principal, recipient_code: str) -> bool:
    """Among a visible case's routed messages: partners and the Panel see every hand-over; others only their own."""
    return may_see_identity(principal) or recipient_code in inbox_codes(principal)


def recipients_of(principal: Principal) -> ColumnElement[bool]:
    mine = select(col(Organisation.id)).where(col(Organisation.code).in_(inbox_codes(principal)))
    return col(RoutedMessage.recipient_id).in_(mine)


def conditions(principal: Principal, wanted: InboxFilter) -> list[ColumnElement[bool]]:
    where = [recipients_of(principal)]
    if wanted.unacknowledged is True:
        where.append(col(RoutedMessage.acknowledged_at).is_(None))
    elif wanted.unacknowledged is False:
        where.append(col(RoutedMessage.acknowledged_at).is_not(None))
    if wanted.event_types:
        where.append(col(RoutedMessage.event_type).in_(wanted.event_types))
    if wanted.case_id is not None:
        where.append(col(RoutedMessage.case_id) == wanted.case_id)
    if wanted.due_before is not None:
        where.append(col(RoutedMessage.due_on) < wanted.due_before)
    return where


async def mark_delivered(session: AsyncSession, *, clock: Clock, message_ids: Sequence[str]) -> None:
    """The first retrieval is the delivery; later ones change nothing."""
    if not message_ids:
        return
    await session.execute(
        update(RoutedMessage)
        .where(col(RoutedMessage.id).in_(message_ids), col(RoutedMessage.delivered_at).is_(None))
        .values(delivered_at=clock.now())
    )


async def acknowledge(
    session: AsyncSession, *, clock: Clock, principal: Principal, message_id: str
) -> RoutedMessage:
    """Only the recipient acknowledges; a message addressed elsewhere is not found."""
    query = select(RoutedMessage).where(col(RoutedMessage.id) == message_id, recipients_of(principal))
    message = (await session.execute(query)).scalar_one_or_none()
    if message is None:
        raise Refused([Problem("NOT_FOUND", ("messageId",), "no such message in your inbox")])
    now = clock.now()
    if message.delivered_at is None:
        message.delivered_at = now
    if message.acknowledged_at is None:
        message.acknowledged_at = now
    await session.flush()
    return message
