"""Webhook subscriptions and the outbox of their deliveries (CONTRACT: webhooks)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from hub.models.base import new_id, when


class WebhookSubscription(SQLModel, table=True):
    """An organisation's endpoint for the events routed to it (CONTRACT: webhooks)."""

    __tablename__ = "webhook_subscription"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    organisation_id: str = Field(foreign_key="organisation.id", max_length=36, index=True)
    url: str = Field(max_length=2000)
    event_types: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    description: str | None = Field(default=None, max_length=500)
    secret: str = Field(max_length=400)  # sealed (hub.sealing)
    previous_secret: str | None = Field(default=None, max_length=400)
    previous_secret_until: datetime | None = when(default=None)
    active: bool = True
    disabled_reason: str | None = Field(default=None, max_length=200)
    failing_since: datetime | None = when(default=None)
    created_at: datetime = when()


class WebhookDelivery(SQLModel, table=True):
    """One event to one subscription: written with the change, delivered afterwards (the outbox)."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (Index("ix_webhook_delivery_due", "status", "next_attempt_at"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)  # the webhook-id
    subscription_id: str = Field(foreign_key="webhook_subscription.id", max_length=36, index=True)
    routed_message_id: str | None = Field(default=None, foreign_key="routed_message.id", max_length=36)
    event_type: str = Field(max_length=48)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(max_length=16)  # PENDING, DELIVERED, FAILED
    attempts: int = 0
    next_attempt_at: datetime = when()
    lease_until: datetime | None = when(default=None)
    created_at: datetime = when()
    delivered_at: datetime | None = when(default=None)
    traceparent: str | None = Field(default=None, max_length=55)  # W3C trace context of the request that caused it


class WebhookAttempt(SQLModel, table=True):
    """One try at a delivery: what the receiver said, how long it took, what went wrong."""

    __tablename__ = "webhook_attempt"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    delivery_id: str = Field(foreign_key="webhook_delivery.id", max_length=36, index=True)
    attempted_at: datetime = when()
    status_code: int | None = None
    duration_ms: int
    error: str | None = Field(default=None, max_length=500)
