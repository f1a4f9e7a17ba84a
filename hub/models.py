"""The store's tables (SQLModel). Changed only through ``migrations/``."""

from __future__ import annotations

import secrets
import threading
import time
import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from hub.types import AwareDateTime

_last_id = 0
_id_lock = threading.Lock()


def new_id() -> str:
    """A UUIDv7 (RFC 9562): time-ordered, so rows made in one instant keep the order they were made in."""
    global _last_id
    with _id_lock:
        _last_id = max(_last_id + 1, (time.time_ns() // 1_000_000) << 12)
        stamp = _last_id
    value = ((stamp >> 12) << 80) | (0x7 << 76) | ((stamp & 0xFFF) << 64) | (0b10 << 62) | secrets.randbits(62)
    return str(uuid.UUID(int=value))


def _when(**kw: Any) -> Any:
    return Field(sa_type=AwareDateTime, **kw)


class Organisation(SQLModel, table=True):
    __tablename__ = "organisation"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    code: str = Field(max_length=16, unique=True, index=True)
    name: str = Field(max_length=200)
    kind: str = Field(max_length=32, index=True)


class Partnership(SQLModel, table=True):
    """Safeguarding partners for an area: LA, ICB and chief officer of police (para 5ff)."""

    __tablename__ = "partnership"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    code: str = Field(max_length=40, unique=True, index=True)
    name: str = Field(max_length=200)


class PartnershipMembership(SQLModel, table=True):
    __tablename__ = "partnership_membership"
    __table_args__ = (
        UniqueConstraint("partnership_id", "organisation_id", "effective_from"),
        Index("ix_membership_organisation", "organisation_id"),
    )

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    partnership_id: str = Field(foreign_key="partnership.id", max_length=36)
    organisation_id: str = Field(foreign_key="organisation.id", max_length=36)
    effective_from: date
    effective_to: date | None = None


class Case(SQLModel, table=True):
    """One incident about up to four children, from referral or notification on."""

    __tablename__ = "case"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    reference: str = Field(max_length=32, unique=True)
    status: str = Field(max_length=32)
    lead_partnership_id: str = Field(foreign_key="partnership.id", max_length=36)
    created_by_id: str = Field(foreign_key="organisation.id", max_length=36)
    created_at: datetime = _when(index=True)
    incident_kind: str = Field(max_length=16)
    occurred_on: date
    aware_on: date
    abuse_or_neglect: str = Field(max_length=16)
    location: str = Field(max_length=32)
    summary: str


class CasePartnership(SQLModel, table=True):
    """A partnership's part in a case: LEAD, or INVOLVED (para 12, footnote 77)."""

    __tablename__ = "case_partnership"

    case_id: str = Field(foreign_key="case.id", primary_key=True, max_length=36)
    partnership_id: str = Field(
        foreign_key="partnership.id", primary_key=True, max_length=36, index=True
    )
    role: str = Field(max_length=16)


class Child(SQLModel, table=True):
    __tablename__ = "child"
    __table_args__ = (UniqueConstraint("case_id", "position"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    case_id: str = Field(foreign_key="case.id", max_length=36, index=True)
    position: int
    pseudonym: str = Field(max_length=16, unique=True)
    first_name: str | None = Field(default=None, max_length=100)
    last_name: str | None = Field(default=None, max_length=100)
    date_of_birth: date | None = None
    # Children's Wellbeing and Schools Act 2026 s16LC: reserved, protected as the name is
    consistent_child_identifier: str | None = Field(default=None, max_length=64)
    age_years: int | None = None
    sex: str = Field(max_length=16)
    looked_after: bool
    on_child_protection_plan: bool
    care_leaver: bool = False


class Notification(SQLModel, table=True):
    """The local authority's notification to the Panel (s16C; paras 12-13)."""

    __tablename__ = "notification"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    case_id: str = Field(foreign_key="case.id", max_length=36, unique=True)
    kind: str = Field(max_length=32)
    to_panel: bool
    notified_by_id: str = Field(foreign_key="organisation.id", max_length=36)
    submitted_at: datetime = _when()
    submitted_on: date
    due_on: date
    on_time: bool
    late_reason: str | None = None


class Referral(SQLModel, table=True):
    """An incident told to the partners by another agency (para 14)."""

    __tablename__ = "referral"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    case_id: str = Field(foreign_key="case.id", max_length=36, unique=True)
    referred_by_id: str = Field(foreign_key="organisation.id", max_length=36, index=True)
    referred_at: datetime = _when()


class RoutedMessage(SQLModel, table=True):
    """A hand-over the guidance requires: who, what, on which basis, by when."""

    __tablename__ = "routed_message"
    __table_args__ = (Index("ix_routed_message_recipient", "recipient_id", "created_at"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    case_id: str | None = Field(default=None, foreign_key="case.id", max_length=36, index=True)  # None: about the hub itself
    recipient_id: str = Field(foreign_key="organisation.id", max_length=36)
    sender_id: str | None = Field(default=None, foreign_key="organisation.id", max_length=36)
    event_type: str = Field(max_length=48)
    basis: str = Field(max_length=120)
    subject_id: str | None = Field(default=None, max_length=36, index=True)
    due_on: date | None = None
    created_at: datetime = _when()
    delivered_at: datetime | None = _when(default=None)
    acknowledged_at: datetime | None = _when(default=None)


class CaseEvent(SQLModel, table=True):
    """The append-only timeline of a case."""

    __tablename__ = "case_event"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    case_id: str = Field(foreign_key="case.id", max_length=36, index=True)
    event_type: str = Field(max_length=48)
    actor_id: str | None = Field(default=None, foreign_key="organisation.id", max_length=36)
    occurred_at: datetime = _when()
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class IdempotencyRecord(SQLModel, table=True):
    """The first result of a mutation sent with an ``idempotencyKey``."""

    __tablename__ = "idempotency_record"

    organisation_id: str = Field(foreign_key="organisation.id", primary_key=True, max_length=36)
    operation: str = Field(primary_key=True, max_length=48)
    key: str = Field(primary_key=True, max_length=200)
    request_hash: str = Field(max_length=64)
    case_id: str = Field(foreign_key="case.id", max_length=36)
    created_at: datetime = _when()


class SigningKey(SQLModel, table=True):
    """A private key of the built-in token issuer, persisted so tokens survive restarts."""

    __tablename__ = "signing_key"

    kid: str = Field(primary_key=True, max_length=64)
    private_jwk: str
    created_at: datetime = _when()
    retired_at: datetime | None = _when(default=None)


class RapidReview(SQLModel, table=True):
    """The partners' rapid review of a case, sent to the Panel (paras 20-21)."""

    __tablename__ = "rapid_review"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    case_id: str = Field(foreign_key="case.id", max_length=36, unique=True)
    status: str = Field(max_length=40, index=True)
    started_by_id: str = Field(foreign_key="organisation.id", max_length=36)
    started_at: datetime = _when()
    due_on: date
    recommendation: str | None = Field(default=None, max_length=48)
    rationale: str | None = None
    criteria: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    immediate_actions_taken: str | None = None
    learning_identified: str | None = None
    missing_contribution_reason: str | None = None
    submitted_at: datetime | None = _when(default=None)
    submitted_on: date | None = None
    queued_at: datetime = _when(index=True)  # last time it came to the Panel: the queue's order
    version: int = 1


class RapidReviewInvitation(SQLModel, table=True):
    """Another agency invited by the lead to contribute (para 14; paras 20-21)."""

    __tablename__ = "rapid_review_invitation"

    rapid_review_id: str = Field(foreign_key="rapid_review.id", primary_key=True, max_length=36)
    organisation_id: str = Field(foreign_key="organisation.id", primary_key=True, max_length=36, index=True)
    invited_by_id: str = Field(foreign_key="organisation.id", max_length=36)
    invited_at: datetime = _when()


class RapidReviewContribution(SQLModel, table=True):
    """One partner's part of a rapid review: facts, immediate actions, learning (para 20)."""

    __tablename__ = "rapid_review_contribution"
    __table_args__ = (UniqueConstraint("rapid_review_id", "organisation_id"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    rapid_review_id: str = Field(foreign_key="rapid_review.id", max_length=36, index=True)
    organisation_id: str = Field(foreign_key="organisation.id", max_length=36)
    summary: str
    immediate_actions: str | None = None
    learning: str | None = None
    version: int = 1
    created_at: datetime = _when()
    updated_at: datetime = _when()


class PanelResponse(SQLModel, table=True):
    """The Panel's decision on a rapid review, with its rationale (paras 22-26)."""

    __tablename__ = "panel_response"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    rapid_review_id: str = Field(foreign_key="rapid_review.id", max_length=36, index=True)
    outcome: str = Field(max_length=48)
    rationale: str
    criteria: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    responded_by_id: str = Field(foreign_key="organisation.id", max_length=36)
    responded_at: datetime = _when()
    information_request_id: str | None = Field(default=None, max_length=36)


class InformationRequest(SQLModel, table=True):
    """Further information asked for in writing, with a due date (paras 24, 35)."""

    __tablename__ = "information_request"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    case_id: str = Field(foreign_key="case.id", max_length=36, index=True)
    rapid_review_id: str | None = Field(default=None, foreign_key="rapid_review.id", max_length=36, index=True)
    requested_by_id: str = Field(foreign_key="organisation.id", max_length=36)
    status: str = Field(max_length=16, index=True)
    questions: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    due_on: date
    created_at: datetime = _when(index=True)
    closed_at: datetime | None = _when(default=None)
    # a written supervision request to a reviewer (para 35): the answer is recorded by the supervisors
    reviewer_id: str | None = Field(default=None, foreign_key="review_reviewer.id", max_length=36)
    reviewer_answer: str | None = None
    reviewer_answered_at: datetime | None = _when(default=None)


class InformationAddressee(SQLModel, table=True):
    """One organisation asked, and its answer."""

    __tablename__ = "information_addressee"

    request_id: str = Field(foreign_key="information_request.id", primary_key=True, max_length=36)
    organisation_id: str = Field(foreign_key="organisation.id", primary_key=True, max_length=36, index=True)
    answer: str | None = None
    answered_at: datetime | None = _when(default=None)


class FamilyCommunication(SQLModel, table=True):
    """How and when a decision's rationale reached the family (paras 17, 26)."""

    __tablename__ = "family_communication"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    case_id: str = Field(foreign_key="case.id", max_length=36, index=True)
    decision: str = Field(max_length=48)
    method: str = Field(max_length=32)
    communicated_on: date
    notes: str | None = None
    recorded_by_id: str = Field(foreign_key="organisation.id", max_length=36)
    recorded_at: datetime = _when()


class ParallelProceeding(SQLModel, table=True):
    """An investigation or review running alongside (para 29)."""

    __tablename__ = "parallel_proceeding"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    case_id: str = Field(foreign_key="case.id", max_length=36, index=True)
    kind: str = Field(max_length=48)
    reference: str | None = Field(default=None, max_length=200)
    description: str | None = None
    started_on: date | None = None
    recorded_by_id: str = Field(foreign_key="organisation.id", max_length=36)
    recorded_at: datetime = _when()


class WebhookSubscription(SQLModel, table=True):
    """An organisation's endpoint for the events routed to it (CONTRACT: webhooks)."""

    __tablename__ = "webhook_subscription"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    organisation_id: str = Field(foreign_key="organisation.id", max_length=36, index=True)
    url: str = Field(max_length=2000)
    event_types: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    description: str | None = Field(default=None, max_length=500)
    secret: str = Field(max_length=100)
    previous_secret: str | None = Field(default=None, max_length=100)
    previous_secret_until: datetime | None = _when(default=None)
    active: bool = True
    disabled_reason: str | None = Field(default=None, max_length=200)
    failing_since: datetime | None = _when(default=None)
    created_at: datetime = _when()


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
    next_attempt_at: datetime = _when()
    lease_until: datetime | None = _when(default=None)
    created_at: datetime = _when()
    delivered_at: datetime | None = _when(default=None)


class WebhookAttempt(SQLModel, table=True):
    """One try at a delivery: what the receiver said, how long it took, what went wrong."""

    __tablename__ = "webhook_attempt"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    delivery_id: str = Field(foreign_key="webhook_delivery.id", max_length=36, index=True)
    attempted_at: datetime = _when()
    status_code: int | None = None
    duration_ms: int
    error: str | None = Field(default=None, max_length=500)


class DeadlineNotice(SQLModel, table=True):
    """That a deadline's approach or miss was announced: once each, whatever the number of workers."""

    __tablename__ = "deadline_notice"

    subject_id: str = Field(primary_key=True, max_length=36)
    kind: str = Field(primary_key=True, max_length=32)
    notice: str = Field(primary_key=True, max_length=16)  # APPROACHING or MISSED
    case_id: str = Field(foreign_key="case.id", max_length=36, index=True)
    due_on: date
    sent_at: datetime = _when()


class AuditEntry(SQLModel, table=True):
    """Who read or changed what, when and why; each entry's hash covers the one before (DPA 2018 s62)."""

    __tablename__ = "audit_entry"

    seq: int | None = Field(default=None, primary_key=True)
    at: datetime = _when(index=True)
    organisation_id: str | None = Field(default=None, max_length=36, index=True)
    client_id: str | None = Field(default=None, max_length=200)
    role: str | None = Field(default=None, max_length=16)
    action: str = Field(max_length=80)  # the operation, e.g. "read:Case.child" or "notifySeriousIncident"
    case_id: str | None = Field(default=None, max_length=36, index=True)
    fields: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    previous_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)


class ApiClient(SQLModel, table=True):
    """An agency system registered to call the hub as one organisation in one role (RFC 6749 §4.4)."""

    __tablename__ = "api_client"

    client_id: str = Field(primary_key=True, max_length=64)
    name: str | None = Field(default=None, max_length=200)
    organisation_id: str = Field(foreign_key="organisation.id", max_length=36, index=True)
    role: str = Field(max_length=16)
    secret_hash: str | None = Field(default=None, max_length=200)  # client_secret_basic / _post
    jwks: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))  # private_key_jwt
    created_at: datetime = _when()
    revoked_at: datetime | None = _when(default=None)


class UsedAssertion(SQLModel, table=True):
    """A private_key_jwt client assertion already used: a replay is refused (RFC 7523 §3)."""

    __tablename__ = "used_assertion"

    jti: str = Field(primary_key=True, max_length=200)
    client_id: str = Field(max_length=64)
    expires_at: datetime = _when(index=True)


class CaseHandoff(SQLModel, table=True):
    """A case handed to another area's partnership (para 12, footnote 77)."""

    __tablename__ = "case_handoff"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    case_id: str = Field(foreign_key="case.id", max_length=36, index=True)
    from_partnership_id: str = Field(foreign_key="partnership.id", max_length=36)
    to_partnership_id: str = Field(foreign_key="partnership.id", max_length=36, index=True)
    reason: str
    status: str = Field(max_length=16)  # PROPOSED, ACCEPTED, DECLINED
    proposed_by_id: str = Field(foreign_key="organisation.id", max_length=36)
    proposed_at: datetime = _when()
    decided_by_id: str | None = Field(default=None, foreign_key="organisation.id", max_length=36)
    decided_at: datetime | None = _when(default=None)
    decline_reason: str | None = None


class PoolReviewer(SQLModel, table=True):
    """The Panel's pool of potential reviewers for national reviews, publicly listed (para 44)."""

    __tablename__ = "pool_reviewer"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    name: str = Field(max_length=200)
    expertise: str | None = Field(default=None, max_length=2000)
    active: bool = True
    added_at: datetime = _when(index=True)
    removed_at: datetime | None = _when(default=None)


class ThematicReview(SQLModel, table=True):
    """A national review of a theme across cases (para 28)."""

    __tablename__ = "thematic_review"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    title: str = Field(max_length=300)
    theme: str
    started_by_id: str = Field(foreign_key="organisation.id", max_length=36)
    created_at: datetime = _when(index=True)


class ThematicReviewCase(SQLModel, table=True):
    __tablename__ = "thematic_review_case"

    thematic_review_id: str = Field(foreign_key="thematic_review.id", primary_key=True, max_length=36)
    case_id: str = Field(foreign_key="case.id", primary_key=True, max_length=36, index=True)
    added_at: datetime = _when()


class PracticeReview(SQLModel, table=True):
    """A local or national child safeguarding practice review, commissioning to follow-up (paras 30-51)."""

    __tablename__ = "practice_review"
    __table_args__ = (UniqueConstraint("case_id", "kind"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    case_id: str = Field(foreign_key="case.id", max_length=36, index=True)
    kind: str = Field(max_length=16)
    status: str = Field(max_length=32, index=True)
    partnership_id: str | None = Field(default=None, foreign_key="partnership.id", max_length=36)  # LOCAL: supervisors
    commissioned_by_id: str = Field(foreign_key="organisation.id", max_length=36)
    created_at: datetime = _when(index=True)
    decided_on: date
    publication_due_on: date
    outside_pool_reason: str | None = None
    title: str | None = Field(default=None, max_length=300)
    improvements_summary: str | None = None
    systemic_analysis: str | None = None
    publication_text: str | None = None
    names_child_justification: str | None = None
    report_submitted_at: datetime | None = _when(default=None)
    copies_sent_on: date | None = None
    scheduled_publication_on: date | None = None
    withheld: bool = False
    withheld_justification: str | None = None
    improvements_information: str | None = None
    published_on: date | None = Field(default=None, index=True)
    published_url: str | None = Field(default=None, max_length=2000)
    available_until: date | None = Field(default=None, index=True)
    closed_at: datetime | None = _when(default=None)


class ReviewReviewer(SQLModel, table=True):
    """A reviewer commissioned, with the para 31 criteria considered and any conflict declared."""

    __tablename__ = "review_reviewer"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    review_id: str = Field(foreign_key="practice_review.id", max_length=36, index=True)
    position: int
    name: str = Field(max_length=200)
    pool_reviewer_id: str | None = Field(default=None, foreign_key="pool_reviewer.id", max_length=36)
    conflict_of_interest: str | None = None
    conflict_mitigation: str | None = None
    criteria_met: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class SupervisionNote(SQLModel, table=True):
    """A progress note or quality check by the supervisors (para 35; para 45 for the Panel)."""

    __tablename__ = "supervision_note"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    review_id: str = Field(foreign_key="practice_review.id", max_length=36, index=True)
    kind: str = Field(max_length=16)
    note: str
    satisfactory: bool | None = None
    recorded_by_id: str = Field(foreign_key="organisation.id", max_length=36)
    recorded_at: datetime = _when()


class PublicationDelay(SQLModel, table=True):
    """Why publication is delayed, told to the Panel and the Secretary of State (paras 41, 50)."""

    __tablename__ = "publication_delay"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    review_id: str = Field(foreign_key="practice_review.id", max_length=36, index=True)
    reason: str
    details: str | None = None
    recorded_by_id: str = Field(foreign_key="organisation.id", max_length=36)
    recorded_at: datetime = _when()


class Recommendation(SQLModel, table=True):
    """What the final report asks of whom, by when (para 37), followed up to completion (para 43)."""

    __tablename__ = "recommendation"
    __table_args__ = (UniqueConstraint("review_id", "position"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    review_id: str = Field(foreign_key="practice_review.id", max_length=36, index=True)
    position: int
    addressee_id: str = Field(foreign_key="organisation.id", max_length=36, index=True)
    action: str
    due_on: date
    status: str = Field(max_length=16, index=True)
    progress: str | None = None
    evidence: str | None = None
    created_at: datetime = _when()
    updated_at: datetime = _when()
    completed_at: datetime | None = _when(default=None)


class RecommendationUpdate(SQLModel, table=True):
    """One report of progress on a recommendation: the audit of implementation (para 43)."""

    __tablename__ = "recommendation_update"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    recommendation_id: str = Field(foreign_key="recommendation.id", max_length=36, index=True)
    status: str = Field(max_length=16)
    progress: str
    evidence: str | None = None
    recorded_by_id: str = Field(foreign_key="organisation.id", max_length=36)
    recorded_at: datetime = _when()
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
    circuit_open_until: datetime | None = _when(default=None)
    created_at: datetime = _when()
    removed_at: datetime | None = _when(default=None)


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
    next_attempt_at: datetime = _when()
    lease_until: datetime | None = _when(default=None)
    lease_token: str | None = Field(default=None, max_length=36)  # who holds the lease: only they complete it
    external_ref: str | None = Field(default=None, max_length=200)  # the agency's id for it, e.g. Task/123
    created_at: datetime = _when()
    sent_at: datetime | None = _when(default=None)
    completed_at: datetime | None = _when(default=None)


class ConnectorAttempt(SQLModel, table=True):
    """One call to an agency system: what it said, how long it took, what went wrong."""

    __tablename__ = "connector_attempt"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    connector_id: str = Field(foreign_key="connector.id", max_length=36, index=True)
    call_id: str | None = Field(default=None, foreign_key="connector_call.id", max_length=36, index=True)
    operation: str = Field(max_length=32)  # push, poll, test
    attempted_at: datetime = _when()
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
    received_at: datetime = _when()
