"""Webhook subscription and delivery shapes (thin: the rules are in ``hub/webhooks.py``)."""

from __future__ import annotations

from datetime import datetime

import strawberry

from hub import models
from schema.common import UserError
from schema.context import HubInfo


@strawberry.type(description="An organisation's endpoint for the events routed to it (Standard Webhooks).")
class WebhookSubscription:
    id: strawberry.ID = strawberry.field(description="Stable identifier.")
    url: str = strawberry.field(description="Where deliveries are posted.")
    event_types: list[str] = strawberry.field(description="The event types delivered.")
    description: str | None = strawberry.field(description="What it is for.")
    active: bool = strawberry.field(description="False once deleted, answered 410, or failing for 5 days.")
    disabled_reason: str | None = strawberry.field(description="Why it stopped.")
    created_at: datetime = strawberry.field(description="When it was made.")

    @classmethod
    def from_model(cls, row: models.WebhookSubscription) -> WebhookSubscription:
        return cls(id=strawberry.ID(row.id), url=row.url, event_types=list(row.event_types),
                   description=row.description, active=row.active, disabled_reason=row.disabled_reason,
                   created_at=row.created_at)


@strawberry.type(description="One try at a delivery.")
class WebhookAttempt:
    attempted_at: datetime = strawberry.field(description="When.")
    status_code: int | None = strawberry.field(description="The receiver's HTTP status, if it answered.")
    duration_ms: int = strawberry.field(description="How long it took.")
    error: str | None = strawberry.field(description="What went wrong, if anything.")


@strawberry.type(description="One event to one subscription; its webhook-id is its id.")
class WebhookDelivery:
    id: strawberry.ID = strawberry.field(description="The webhook-id header; the same on every retry.")
    event_type: str = strawberry.field(description="The event type.")
    status: str = strawberry.field(description="PENDING, DELIVERED or FAILED.")
    attempt_count: int = strawberry.field(description="How many tries so far.")
    created_at: datetime = strawberry.field(description="When the event was queued.")
    next_attempt_at: datetime | None = strawberry.field(description="When the next try is due, while pending.")
    delivered_at: datetime | None = strawberry.field(description="When the receiver accepted it.")

    @classmethod
    def from_model(cls, row: models.WebhookDelivery) -> WebhookDelivery:
        pending = row.status == "PENDING"
        return cls(id=strawberry.ID(row.id), event_type=row.event_type, status=row.status, attempt_count=row.attempts,
                   created_at=row.created_at, next_attempt_at=row.next_attempt_at if pending else None,
                   delivered_at=row.delivered_at)

    @strawberry.field(description="Every try, oldest first, with status code, duration and error.")
    async def attempts(self, info: HubInfo) -> list[WebhookAttempt]:
        rows = await info.context.loaders.webhook_attempts.load(str(self.id))
        return [WebhookAttempt(attempted_at=r.attempted_at, status_code=r.status_code, duration_ms=r.duration_ms,
                               error=r.error) for r in rows]


@strawberry.input(description="A new webhook subscription.")
class WebhookSubscriptionInput:
    url: str = strawberry.field(description="https:// on a public address (http and private addresses only where "
                                "CSPR_HUB_WEBHOOK_ALLOW_PRIVATE=true). Redirects are not followed.")
    event_types: list[str] = strawberry.field(description="Event types to deliver, e.g. notification.submitted.")
    description: str | None = strawberry.field(default=None, description="What it is for (at most 500 characters).")


@strawberry.type(description="The result of createWebhookSubscription: the secret is shown this once.")
class CreateWebhookSubscriptionPayload:
    subscription: WebhookSubscription | None = strawberry.field(description="The subscription.")
    secret: str | None = strawberry.field(description="whsec_...: the signing secret, shown only now.")
    errors: list[UserError] = strawberry.field(description="Why it was refused; empty on success.")


@strawberry.type(description="The result of a subscription change.")
class WebhookSubscriptionPayload:
    subscription: WebhookSubscription | None = strawberry.field(description="The subscription after the change.")
    errors: list[UserError] = strawberry.field(description="Why it was refused; empty on success.")


@strawberry.type(description="The result of redeliverWebhook.")
class WebhookDeliveryPayload:
    delivery: WebhookDelivery | None = strawberry.field(description="The delivery, queued again.")
    errors: list[UserError] = strawberry.field(description="Why it was refused; empty on success.")
