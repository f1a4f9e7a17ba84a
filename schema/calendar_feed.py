"""Calendar feed shapes (thin: the rules are in ``hub/calendar_feed.py``)."""

from __future__ import annotations

from datetime import datetime

import strawberry

from hub import models
from schema.common import UserError


@strawberry.type(description=(
    "An address where a calendar application reads the deadlines the organisation owes (for the Panel, the ones "
    "it tracks) as iCalendar (RFC 5545), without a token: the address is the secret."))
class CalendarFeed:
    id: strawberry.ID = strawberry.field(description="Stable identifier.")
    label: str | None = strawberry.field(description="What it is for, as its maker called it.")
    created_at: datetime = strawberry.field(description="When it was made.")
    revoked: bool = strawberry.field(description="True once revoked: its address answers 404.")
    url: str | None = strawberry.field(description=(
        "The feed's address, with its secret: given only by createCalendarFeed, null everywhere else."))

    @classmethod
    def from_model(cls, row: models.CalendarFeed, url: str | None = None) -> CalendarFeed:
        return cls(id=strawberry.ID(row.id), label=row.label, created_at=row.created_at,
                   revoked=row.revoked_at is not None, url=url)


@strawberry.input(description="A new calendar feed.")
class CalendarFeedInput:
    label: str | None = strawberry.field(default=None, description="What it is for (at most 100 characters).")


@strawberry.type(description="The result of createCalendarFeed: the address is shown this once.")
class CreateCalendarFeedPayload:
    feed: CalendarFeed | None = strawberry.field(description="The feed, with its url.")
    errors: list[UserError] = strawberry.field(description="Why it was refused; empty on success.")


@strawberry.type(description="The result of revokeCalendarFeed.")
class RevokeCalendarFeedPayload:
    feed: CalendarFeed | None = strawberry.field(description="The feed, revoked.")
    errors: list[UserError] = strawberry.field(description="Why it was refused; empty on success.")
