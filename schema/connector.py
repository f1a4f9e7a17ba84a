"""Connector shapes (thin: the rules are in ``hub/connector.py``). No secret is ever a field."""

from __future__ import annotations

from datetime import datetime

import strawberry

from hub import models
from hub.connector import AuthMethod, ConnectorKind
from schema.context import HubInfo

strawberry.enum(ConnectorKind, name="ConnectorKind", description="How the hub speaks to an organisation's system.")
strawberry.enum(AuthMethod, name="ConnectorAuthMethod", description="How the hub authenticates to that system.")


@strawberry.type(description="The caller's organisation's own system, which the hub reaches into: further-"
                 "information requests are pushed to it and its answers taken back (paras 24, 35). Managed "
                 "by the hub's operators with `cspr-hub connectors`; its secrets are never shown.")
class Connector:
    id: strawberry.ID = strawberry.field(description="Stable identifier; the callback URL is /connectors/{id}/callback.")
    kind: ConnectorKind = strawberry.field(description="REST (the hub's JSON payloads) or FHIR (R4 Task).")
    name: str | None = strawberry.field(description="What the system is, for the operators.")
    base_url: str = strawberry.field(description="Where the hub calls the system.")
    auth_method: AuthMethod = strawberry.field(description="How the hub authenticates to it.")
    active: bool = strawberry.field(description="False once removed.")
    consecutive_failures: int = strawberry.field(description="Failed calls in a row; 5 open the circuit.")
    circuit_open_until: datetime | None = strawberry.field(
        description="While in the future, calls wait (the circuit breaker); none is lost.")
    created_at: datetime = strawberry.field(description="When it was added.")

    @classmethod
    def from_model(cls, row: models.Connector) -> Connector:
        return cls(id=strawberry.ID(row.id), kind=ConnectorKind(row.kind), name=row.name,
                   base_url=str(row.config.get("base_url", "")), auth_method=AuthMethod(row.config.get("auth", "none")),
                   active=row.active, consecutive_failures=row.consecutive_failures,
                   circuit_open_until=row.circuit_open_until, created_at=row.created_at)


@strawberry.type(description="One call to the organisation's system: what it said, how long it took, what went wrong.")
class ConnectorAttempt:
    attempted_at: datetime = strawberry.field(description="When.")
    operation: str = strawberry.field(description="push (the request sent), poll (its answer looked for), message "
                                      "(a routed message sent), summary (the case summary asked for), withdraw (the system told a "
                                      "request needs no answer now) or test.")
    status_code: int | None = strawberry.field(description="The system's HTTP status, if it answered.")
    duration_ms: int = strawberry.field(description="How long it took.")
    error: str | None = strawberry.field(description="What went wrong, if anything.")

    @classmethod
    def from_model(cls, row: models.ConnectorAttempt) -> ConnectorAttempt:
        return cls(attempted_at=row.attempted_at, operation=row.operation, status_code=row.status_code,
                   duration_ms=row.duration_ms, error=row.error)


@strawberry.type(description="One information request pushed to the organisation's system, and its answer; one "
                 "routed message pushed to it; or its summary of a case asked for when a rapid review started.")
class ConnectorCall:
    id: strawberry.ID = strawberry.field(description="The Idempotency-Key sent with it; the same on every retry.")
    operation: str = strawberry.field(description="information_request, routed_message or case_summary.")
    information_request_id: strawberry.ID | None = strawberry.field(description="The information request, if one.")
    routed_message_id: strawberry.ID | None = strawberry.field(description="The routed message, if one.")
    status: str = strawberry.field(description="PENDING (to be pushed), SENT (answer awaited), ANSWERED, DELIVERED "
                                   "(a routed message taken), WITHDRAWING (the system is being told the request needs no "
                                   "answer now), FAILED (answer, or read the message, through the hub instead) or "
                                   "CLOSED (answered or acknowledged otherwise, withdrawn, or removed).")
    attempt_count: int = strawberry.field(description="How many times the push was tried.")
    next_attempt_at: datetime | None = strawberry.field(description="When the next push or poll is due.")
    external_reference: str | None = strawberry.field(description="The system's own id for it, e.g. Task/42.")
    created_at: datetime = strawberry.field(description="When the request was asked.")
    sent_at: datetime | None = strawberry.field(description="When the system took it.")
    completed_at: datetime | None = strawberry.field(description="When it was answered, failed or closed.")

    @classmethod
    def from_model(cls, row: models.ConnectorCall) -> ConnectorCall:
        waiting = row.status == "PENDING" or (row.status == "SENT" and row.polls)
        return cls(id=strawberry.ID(row.id), operation=row.operation,
                   information_request_id=strawberry.ID(row.information_request_id) if row.information_request_id
                   else None,
                   routed_message_id=strawberry.ID(row.routed_message_id) if row.routed_message_id else None,
                   status=row.status, attempt_count=row.attempts,
                   next_attempt_at=row.next_attempt_at if waiting else None, external_reference=row.external_ref,
                   created_at=row.created_at, sent_at=row.sent_at, completed_at=row.completed_at)

    @strawberry.field(description="Every push and poll of this call, oldest first.")
    async def attempts(self, info: HubInfo) -> list[ConnectorAttempt]:
        rows = await info.context.loaders.connector_attempts.load(str(self.id))
        return [ConnectorAttempt.from_model(r) for r in rows]
