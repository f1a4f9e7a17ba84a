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

from hub import paging
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
    return [recipients_of(principal), *_filters(wanted)]


async def page(
    session: AsyncSession, principal: Principal, wanted: InboxFilter, *, after: paging.Position | None, size: int
) -> paging.Page[RoutedMessage]:
    """The inbox newest first, as ``paging.newest_first`` over ``conditions`` would give it: one statement per
    inbox code (DfE's holds the Secretary of State's too), each for one recipient, so that the index on
    (recipient, created_at) gives the order and the page stops early; then merged."""
    pages = []
    for code in inbox_codes(principal):
        recipient = select(col(Organisation.id)).where(col(Organisation.code) == code).scalar_subquery()
        where = [col(RoutedMessage.recipient_id) == recipient, *_filters(wanted)]
        pages.append(await paging.newest_first(session, RoutedMessage, where, after=after, size=size))
    if len(pages) == 1:
        return pages[0]
    rows = sorted((r for p in pages for r in p.rows), key=lambda r: (r.created_at, r.id), reverse=True)
    return paging.Page(rows[:size], more=len(rows) > size or any(p.more for p in pages))


def _filters(wanted: InboxFilter) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
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
