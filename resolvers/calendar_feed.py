"""Calendar feeds: fetch, call one core action, return."""

from __future__ import annotations

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

from hub import calendar_feed, models
from resolvers.errors import principal_of, unit_of_work
from resolvers.permissions import ANY_ROLE, described, roles
from schema.calendar_feed import CalendarFeed, CalendarFeedInput, CreateCalendarFeedPayload, RevokeCalendarFeedPayload
from schema.common import parse_id
from schema.context import HubInfo


def _base(info: HubInfo) -> str:
    if info.context.public_url:
        return info.context.public_url.rstrip("/")
    return str(info.context.request.base_url).rstrip("/")


async def _create(info: HubInfo, input: CalendarFeedInput | None = None) -> CreateCalendarFeedPayload:
    label = input.label if input is not None else None

    async def act(session: AsyncSession) -> tuple[models.CalendarFeed, str]:
        return await calendar_feed.create(session, clock=info.context.clock, principal=principal_of(info.context),
                                          label=label)

    done = await unit_of_work(info, act)
    if isinstance(done, list):
        return CreateCalendarFeedPayload(feed=None, errors=done)
    feed, secret = done
    url = _base(info) + calendar_feed.address(feed.id, secret)
    return CreateCalendarFeedPayload(feed=CalendarFeed.from_model(feed, url), errors=[])


async def _revoke(info: HubInfo, id: strawberry.ID) -> RevokeCalendarFeedPayload:
    wanted = parse_id(id)

    async def act(session: AsyncSession) -> models.CalendarFeed:
        return await calendar_feed.revoke(session, clock=info.context.clock, principal=principal_of(info.context),
                                          feed_id=wanted)

    done = await unit_of_work(info, act)
    if isinstance(done, list):
        return RevokeCalendarFeedPayload(feed=None, errors=done)
    return RevokeCalendarFeedPayload(feed=CalendarFeed.from_model(done), errors=[])


async def calendar_feeds(info: HubInfo) -> list[CalendarFeed]:
    principal = principal_of(info.context)
    async with info.context.sessions() as session:
        rows = await calendar_feed.of_organisation(session, principal)
    return [CalendarFeed.from_model(r) for r in rows]


@strawberry.type
class CalendarFeedMutations:
    create_calendar_feed: CreateCalendarFeedPayload = strawberry.field(
        resolver=_create, extensions=roles(*ANY_ROLE), description=described(
            "A calendar feed of the deadlines the caller's organisation owes (for the Panel, the ones it tracks); "
            "its url, with the secret, is returned this once.", ANY_ROLE))
    revoke_calendar_feed: RevokeCalendarFeedPayload = strawberry.field(
        resolver=_revoke, extensions=roles(*ANY_ROLE), description=described(
            "Revoke one of the caller's organisation's calendar feeds: its url answers 404 at once.", ANY_ROLE))


FEEDS_DESCRIPTION = described("The caller's organisation's calendar feeds, oldest first (never their secrets).",
                              ANY_ROLE)
