"""Subscription root over graphql-transport-ws: committed case events, filtered by visibility."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry

from hub import live
from hub.clock import today_in_england
from hub.models import CaseEvent as CaseEventRow
from resolvers.errors import principal_of
from resolvers.loaders import build
from resolvers.permissions import ANY_ROLE, described, roles
from schema.case_record import CaseEvent
from schema.common import parse_id
from schema.context import HubInfo
from schema.decision import Decision


async def _watch(info: HubInfo, case_id: str | None, types: frozenset[str] | None) -> AsyncGenerator[CaseEventRow, None]:
    principal = principal_of(info.context)
    feed = info.context.feed
    assert feed is not None
    async with feed.subscribe() as queue:
        while True:
            event_id = await queue.get()
            async with info.context.sessions() as session:
                entry = await live.watchable(session, clock=info.context.clock, principal=principal, event_id=event_id)
            if entry is None or (case_id and entry.case_id != case_id) or (types and entry.event_type not in types):
                continue
            # nested fields read afresh for each event: a long-lived connection must not serve stale answers
            info.context.loaders = build(info.context.sessions, principal, today_in_england(info.context.clock))
            yield entry


@strawberry.type
class Subscription:
    @strawberry.subscription(extensions=roles(*ANY_ROLE), description=described(
        "Events on cases the caller may see, as they are committed; one case with caseId. Partners and the "
        "Panel see every step; bodies that receive copies see the events routed to them.", ANY_ROLE))
    async def case_events(self, info: HubInfo, case_id: strawberry.ID | None = None) -> AsyncGenerator[CaseEvent, None]:
        wanted = parse_id(case_id, "caseId") if case_id else None
        async for entry in _watch(info, wanted, None):
            yield CaseEvent.from_model(entry)

    @strawberry.subscription(extensions=roles(*ANY_ROLE), description=described(
        "Rapid-review submissions, local-review decisions and Panel responses on the caller's cases "
        "(paras 21, 25-26), as they are committed.", ANY_ROLE))
    async def decisions(self, info: HubInfo) -> AsyncGenerator[Decision, None]:
        async for entry in _watch(info, None, live.DECISIONS):
            data = entry.data
            yield Decision(event_type=entry.event_type, occurred_at=entry.occurred_at, case_id=entry.case_id,
                           rapid_review_id=data.get("rapidReviewId"), panel_response_id=data.get("panelResponseId"))
