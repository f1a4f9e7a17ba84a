"""Connectors to agency systems: their configuration, the outbox of calls, attempts and receipts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from hub.models.base import new_id, when


class Connector(SQLModel, table=True):
    """An organisation's own system the hub reaches into (REST or FHIR); its secrets sealed at rest."""

    __tablename__ = "connector"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    organisation_id: str = Field(foreign_key="organisation.id", max_length=36, index=True)
    kind: str = Field(max_length=16)  # rest, fhir
    name: str | None = Field(default=None, max_length=200)
    config: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))  # no secret here
    sealed_secrets: str  # Fernet token of the secrets' JSON (key: CSPR_HUB_SECRET_KEY)
    active: bool = True
    consecutive_failures: int = 0  # the circuit breaker: failed calls in a row
    circuit_open_until: datetime | None = when(default=None)
    created_at: datetime = when()
    removed_at: datetime | None = when(default=None)


class ConnectorCall(SQLModel, table=True):
    """One information request (then its answer), or one routed message, to push to one organisation's system:
    the connectors' outbox."""

    __tablename__ = "connector_call"
    __table_args__ = (Index("ix_connector_call_due", "status", "next_attempt_at"),
                      UniqueConstraint("information_request_id", "organisation_id"),
                      UniqueConstraint("routed_message_id", "organisation_id"))

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)  # the Idempotency-Key sent
    connector_id: str = Field(foreign_key="connector.id", max_length=36, index=True)
    organisation_id: str = Field(foreign_key="organisation.id", max_length=36)
    case_id: str = Field(foreign_key="case.id", max_length=36, index=True)
    information_request_id: str | None = Field(default=None, foreign_key="information_request.id", max_length=36)
    routed_message_id: str | None = Field(default=None, foreign_key="routed_message.id", max_length=36)
    operation: str = Field(max_length=32)
    status: str = Field(max_length=16)  # PENDING, SENT, ANSWERED, FAILED, CLOSED
    attempts: int = 0
    polls: bool = False  # SENT and the answer is fetched by polling (FHIR Task)
    next_attempt_at: datetime = when()
    lease_until: datetime | None = when(default=None)
    lease_token: str | None = Field(default=None, max_length=36)  # who holds the lease: only they complete it
    external_ref: str | None = Field(default=None, max_length=200)  # the agency's id for it, e.g. Task/123
    created_at: datetime = when()
    sent_at: datetime | None = when(default=None)
    completed_at: datetime | None = when(default=None)
    traceparent: str | None = Field(default=None, max_length=55)  # W3C trace context of the request that caused it


class ConnectorAttempt(SQLModel, table=True):
    """One call to an agency system: what it said, how long it took, what went wrong."""

    __tablename__ = "connector_attempt"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    connector_id: str = Field(foreign_key="connector.id", max_length=36, index=True)
    call_id: str | None = Field(default=None, foreign_key="connector_call.id", max_length=36, index=True)
    operation: str = Field(max_length=32)  # push, poll, test
    attempted_at: datetime = when()
    status_code: int | None = None
    duration_ms: int
    error: str | None = Field(default=None, max_length=500)


class ConnectorReceipt(SQLModel, table=True):
    """An answer taken from an agency system, by the agency's own id: taken once, whatever the retries."""

    __tablename__ = "connector_receipt"

    connector_id: str = Field(foreign_key="connector.id", primary_key=True, max_length=36)
    external_id: str = Field(primary_key=True, max_length=200)  # the agency's answer id, within the request
    information_request_id: str = Field(foreign_key="information_request.id", primary_key=True, max_length=36,
                                        index=True)
    received_at: datetime = when()
