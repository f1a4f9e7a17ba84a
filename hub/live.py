"""Which committed case events a principal may watch live (DOMAIN: who may see what).

Partners and the Panel watch every event of the cases they see; bodies that
receive copies watch only the events routed to them.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from hub.clock import Clock, today_in_england
from hub.models import Case, CaseEvent, Organisation, RoutedMessage
from hub.principal import Principal
from hub.statute import rule
from hub.visibility import inbox_codes, may_see_case_record, visible_cases
from hub.vocabulary import EventType

DECISIONS = frozenset({EventType.RAPID_REVIEW_SUBMITTED.value, EventType.REVIEW_DECIDED.value,
                       EventType.PANEL_RESPONDED.value})


@rule("visibility-live-events", "DOMAIN: who may see what",
      "a live subscriber receives an event only about a case it may see, and only what its role may read")
async def watchable(session: AsyncSession, *, clock: Clock, principal: Principal, event_id: str) -> CaseEvent | None:
    entry = await session.get(CaseEvent, event_id)
    if entry is None:
        return None
    visible = await visible_cases(session, principal, today_in_england(clock))
    seen = (await session.execute(select(func.count()).select_from(Case).where(
        visible, col(Case.id) == entry.case_id))).scalar_one()
    if not seen:
        return None
    if may_see_case_record(principal):
        return entry
    mine = select(col(Organisation.id)).where(col(Organisation.code).in_(inbox_codes(principal)))
    routed = (await session.execute(select(func.count()).select_from(RoutedMessage).where(
        col(RoutedMessage.case_id) == entry.case_id, col(RoutedMessage.event_type) == entry.event_type,
        col(RoutedMessage.recipient_id).in_(mine)))).scalar_one()
    return entry if routed else None
