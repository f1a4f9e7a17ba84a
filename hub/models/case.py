"""The case and its statutory steps: notification, referral, routed messages, the timeline, the rapid review,
the Panel's response, information requests, the family, parallel proceedings, deadlines and hand-offs."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from hub.models.base import new_id, when


class Case(SQLModel, table=True):
    """One incident about up to four children, from referral or notification on."""

    __tablename__ = "case"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    reference: str = Field(max_length=32, unique=True)
    status: str = Field(max_length=32)
    lead_partnership_id: str = Field(foreign_key="partnership.id", max_length=36)
    created_by_id: str = Field(foreign_key="organisation.id", max_length=36)
    created_at: datetime = when(index=True)
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
    # DfE's notification form (hub.child_details); null: not given. Protected as the name is.
    ethnicity: str | None = Field(default=None, max_length=4)
    disability: str | None = Field(default=None, max_length=16)
    social_care_status: str | None = Field(default=None, max_length=32)
    education_setting: str | None = Field(default=None, max_length=48)
    harm_category: str | None = Field(default=None, max_length=40)
    suspected_perpetrator: str | None = Field(default=None, max_length=40)
    unborn_or_under_one: bool | None = None


class Notification(SQLModel, table=True):
    """The local authority's notification to the Panel (s16C; paras 12-13)."""

    __tablename__ = "notification"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    case_id: str = Field(foreign_key="case.id", max_length=36, unique=True)
    kind: str = Field(max_length=32)
    to_panel: bool
    notified_by_id: str = Field(foreign_key="organisation.id", max_length=36)
    submitted_at: datetime = when()
    submitted_on: date
    due_on: date
    on_time: bool
    late_reason: str | None = None
    # paras 10-12: withdrawn by its local authority, found not to meet the criteria
    withdrawn_at: datetime | None = when(default=None)
    withdrawal_reason: str | None = None


class Referral(SQLModel, table=True):
    """An incident told to the partners by another agency (para 14)."""

    __tablename__ = "referral"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    case_id: str = Field(foreign_key="case.id", max_length=36, unique=True)
    referred_by_id: str = Field(foreign_key="organisation.id", max_length=36, index=True)
    referred_at: datetime = when()


class RoutedMessage(SQLModel, table=True):
    """A hand-over the guidance requires: who, what, on which basis, by when."""

    __tablename__ = "routed_message"
    __table_args__ = (
        Index("ix_routed_message_recipient", "recipient_id", "created_at"),
        # a case's messages; with the recipient, whether a case was routed to an organisation is read from the
        # index alone (``hub.visibility``: what Ofsted and DfE see)
        Index("ix_routed_message_case_recipient", "case_id", "recipient_id"),
    )

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    case_id: str | None = Field(default=None, foreign_key="case.id", max_length=36)  # None: about the hub itself
    recipient_id: str = Field(foreign_key="organisation.id", max_length=36)
    sender_id: str | None = Field(default=None, foreign_key="organisation.id", max_length=36)
    event_type: str = Field(max_length=48)
    basis: str = Field(max_length=120)
    subject_id: str | None = Field(default=None, max_length=36, index=True)
    due_on: date | None = None
    created_at: datetime = when()
    delivered_at: datetime | None = when(default=None)
    acknowledged_at: datetime | None = when(default=None)


class CaseEvent(SQLModel, table=True):
    """The append-only timeline of a case."""

    __tablename__ = "case_event"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    case_id: str = Field(foreign_key="case.id", max_length=36, index=True)
    event_type: str = Field(max_length=48)
    actor_id: str | None = Field(default=None, foreign_key="organisation.id", max_length=36)
    occurred_at: datetime = when()
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class IdempotencyRecord(SQLModel, table=True):
    """The first result of a mutation sent with an ``idempotencyKey``."""

    __tablename__ = "idempotency_record"

    organisation_id: str = Field(foreign_key="organisation.id", primary_key=True, max_length=36)
    operation: str = Field(primary_key=True, max_length=48)
    key: str = Field(primary_key=True, max_length=200)
    request_hash: str = Field(max_length=64)
    case_id: str = Field(foreign_key="case.id", max_length=36)
    created_at: datetime = when()


class RapidReview(SQLModel, table=True):
    """The partners' rapid review of a case, sent to the Panel (paras 20-21)."""

    __tablename__ = "rapid_review"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    case_id: str = Field(foreign_key="case.id", max_length=36, unique=True)
    status: str = Field(max_length=40, index=True)
    started_by_id: str = Field(foreign_key="organisation.id", max_length=36)
    started_at: datetime = when()
    due_on: date
    recommendation: str | None = Field(default=None, max_length=48)
    rationale: str | None = None
    criteria: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # each para 18 criterion answered: {"criterion", "met", "how"}; null before submission and on older rows
    criteria_considered: list[dict[str, Any]] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    immediate_actions_taken: str | None = None
    learning_identified: str | None = None
    missing_contribution_reason: str | None = None
    submitted_at: datetime | None = when(default=None)
    submitted_on: date | None = None
    queued_at: datetime = when(index=True)  # last time it came to the Panel: the queue's order
    version: int = 1
    # the Panel's rapid review template (hub.rapid_review_content)
    lived_experience: str | None = None
    key_practice_episodes: str | None = None
    agencies_analysis: str | None = None
    immediate_learning: str | None = None
    family_involvement: str | None = None


class RapidReviewInvitation(SQLModel, table=True):
    """Another agency invited by the lead to contribute (para 14; paras 20-21)."""

    __tablename__ = "rapid_review_invitation"

    rapid_review_id: str = Field(foreign_key="rapid_review.id", primary_key=True, max_length=36)
    organisation_id: str = Field(foreign_key="organisation.id", primary_key=True, max_length=36, index=True)
    invited_by_id: str = Field(foreign_key="organisation.id", max_length=36)
    invited_at: datetime = when()


class RapidReviewSignOff(SQLModel, table=True):
    """A lead partner's agreement to the rapid review's recommendation, or the reason it is missing (paras 15-16)."""

    __tablename__ = "rapid_review_sign_off"

    rapid_review_id: str = Field(foreign_key="rapid_review.id", primary_key=True, max_length=36)
    organisation_id: str = Field(foreign_key="organisation.id", primary_key=True, max_length=36, index=True)
    recommendation: str | None = Field(default=None, max_length=48)  # what the partner agreed
    signed_off_at: datetime | None = when(default=None)
    missing_reason: str | None = None  # recorded by the lead at submission when the agreement is missing


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
    created_at: datetime = when()
    updated_at: datetime = when()


class PanelResponse(SQLModel, table=True):
    """The Panel's decision on a rapid review, with its rationale (paras 22-26)."""

    __tablename__ = "panel_response"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    rapid_review_id: str = Field(foreign_key="rapid_review.id", max_length=36, index=True)
    outcome: str = Field(max_length=48)
    rationale: str
    criteria: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # each para 22 criterion answered: {"criterion", "met", "how"}; null when only asking, and on older rows
    criteria_considered: list[dict[str, Any]] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    responded_by_id: str = Field(foreign_key="organisation.id", max_length=36)
    responded_at: datetime = when()
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
    created_at: datetime = when(index=True)
    closed_at: datetime | None = when(default=None)
    # a written supervision request to a reviewer (para 35): the answer is recorded by the supervisors
    reviewer_id: str | None = Field(default=None, foreign_key="review_reviewer.id", max_length=36)
    reviewer_answer: str | None = None
    reviewer_answered_at: datetime | None = when(default=None)


class InformationAddressee(SQLModel, table=True):
    """One organisation asked, and its answer."""

    __tablename__ = "information_addressee"

    request_id: str = Field(foreign_key="information_request.id", primary_key=True, max_length=36)
    organisation_id: str = Field(foreign_key="organisation.id", primary_key=True, max_length=36, index=True)
    answer: str | None = None
    answered_at: datetime | None = when(default=None)


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
    recorded_at: datetime = when()


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
    recorded_at: datetime = when()


class DeadlineNotice(SQLModel, table=True):
    """That a deadline's approach or miss was announced: once each, whatever the number of workers."""

    __tablename__ = "deadline_notice"

    subject_id: str = Field(primary_key=True, max_length=36)
    kind: str = Field(primary_key=True, max_length=32)
    notice: str = Field(primary_key=True, max_length=16)  # APPROACHING or MISSED
    case_id: str = Field(foreign_key="case.id", max_length=36, index=True)
    due_on: date
    sent_at: datetime = when()


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
    proposed_at: datetime = when()
    decided_by_id: str | None = Field(default=None, foreign_key="organisation.id", max_length=36)
    decided_at: datetime | None = when(default=None)
    decline_reason: str | None = None
