"""Routed messages and the inbox (thin: shapes only)."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from hub import models
from hub.inbox import shown_on_case
from hub.vocabulary import EventType
from schema.case import Case
from schema.common import UserError
from schema.context import HubInfo
from schema.organisation import Organisation

if TYPE_CHECKING:
    from schema.practice_review import PracticeReview

Routed = tuple[models.RoutedMessage, models.Organisation]
REVIEW_EVENTS = frozenset(e.value for e in (
    EventType.REVIEW_COMMISSIONED, EventType.REPORT_SUBMITTED, EventType.REPORT_PREPUBLICATION_SENT,
    EventType.REPORT_PUBLISHED, EventType.REPORT_WITHHELD, EventType.PUBLICATION_DELAYED))


def visible_messages(info: HubInfo, pairs: list[Routed]) -> list[RoutedMessage]:
    """Partners and the Panel see every hand-over of a case they see; others only their own."""
    principal = info.context.principal
    if principal is None:
        return []
    return [RoutedMessage.from_model(m, recipient=o) for m, o in pairs if shown_on_case(principal, o.code)]


@strawberry.type(description="A hand-over the guidance requires: recipient, event, basis, due date, "
                 "and when it was delivered and acknowledged.")
class RoutedMessage:
    id: strawberry.ID = strawberry.field(description="Stable identifier.")
    event_type: str = strawberry.field(description="e.g. notification.submitted (CONTRACT: event types).")
    basis: str = strawberry.field(description="The paragraph that requires it, e.g. 'WT2018 ch4 para 12'.")
    due_on: date | None = strawberry.field(description="When the recipient must have been told.")
    created_at: datetime = strawberry.field(description="When it was routed.")
    delivered_at: datetime | None = strawberry.field(description="When the recipient first retrieved it.")
    acknowledged_at: datetime | None = strawberry.field(description="When the recipient acknowledged it.")
    # a plain attribute, not a resolver: a page of cases completes it hundreds of times
    recipient: Organisation = strawberry.field(description="Who must be told.")
    row: strawberry.Private[models.RoutedMessage]

    @classmethod
    def from_model(cls, row: models.RoutedMessage, *, recipient: models.Organisation) -> RoutedMessage:
        assert recipient.id == row.recipient_id
        return cls(id=strawberry.ID(row.id), event_type=row.event_type, basis=row.basis,
                   due_on=row.due_on, created_at=row.created_at, delivered_at=row.delivered_at,
                   acknowledged_at=row.acknowledged_at, recipient=Organisation.from_model(recipient), row=row)

    @strawberry.field(description="Who it came from, when an organisation acted.")
    async def sender(self, info: HubInfo) -> Organisation | None:
        if self.row.sender_id is None:
            return None
        row = await info.context.loaders.organisation.load(self.row.sender_id)
        return Organisation.from_model(row) if row else None

    @strawberry.field(description="The case it is about, if the caller may see it.")
    async def case(self, info: HubInfo) -> Case | None:
        if self.row.case_id is None:
            return None
        row = await info.context.loaders.visible_case.load(self.row.case_id)
        return Case.from_model(row) if row else None


    @strawberry.field(description="The practice review it is about, for a review's events: its kind, dates and "
                      "reviewers (para 21: the reviewer's name goes with a local review's commissioning).")
    async def review(
        self, info: HubInfo
    ) -> Annotated[PracticeReview, strawberry.lazy("schema.practice_review")] | None:
        from schema.practice_review import PracticeReview

        if self.row.event_type not in REVIEW_EVENTS or self.row.subject_id is None or self.row.case_id is None:
            return None
        if await info.context.loaders.visible_case.load(self.row.case_id) is None:
            return None
        row = await info.context.loaders.practice_review.load(self.row.subject_id)
        return PracticeReview.from_model(row) if row else None


@strawberry.input(description="Narrow the inbox.")
class InboxFilter:
    unacknowledged: bool | None = strawberry.field(default=None, description="true: only messages not yet acknowledged.")
    event_types: list[str] | None = strawberry.field(default=None, description="Only these event types.")
    case_id: strawberry.ID | None = strawberry.field(default=None, description="Only messages about this case.")
    due_before: date | None = strawberry.field(default=None, description="Only messages due before this day.")


@strawberry.type(description="The result of acknowledgeMessage.")
class RoutedMessagePayload:
    message: RoutedMessage | None = strawberry.field(description="The message acknowledged.")
    errors: list[UserError] = strawberry.field(description="Why it was refused; empty on success.")
