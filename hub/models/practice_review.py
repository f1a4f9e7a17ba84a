"""Practice reviews after the rapid review: commissioning, reviewers and the Panel's pool, supervision,
the final report, publication and recommendations (paras 28, 30-51)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from hub.models.base import new_id, when


class PoolReviewer(SQLModel, table=True):
    """The Panel's pool of potential reviewers for national reviews, publicly listed (para 44)."""

    __tablename__ = "pool_reviewer"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    name: str = Field(max_length=200)
    expertise: str | None = Field(default=None, max_length=2000)
    active: bool = True
    added_at: datetime = when(index=True)
    removed_at: datetime | None = when(default=None)


class ThematicReview(SQLModel, table=True):
    """A national review of a theme across cases (para 28)."""

    __tablename__ = "thematic_review"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    title: str = Field(max_length=300)
    theme: str
    started_by_id: str = Field(foreign_key="organisation.id", max_length=36)
    created_at: datetime = when(index=True)


class ThematicReviewCase(SQLModel, table=True):
    __tablename__ = "thematic_review_case"

    thematic_review_id: str = Field(foreign_key="thematic_review.id", primary_key=True, max_length=36)
    case_id: str = Field(foreign_key="case.id", primary_key=True, max_length=36, index=True)
    added_at: datetime = when()


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
    created_at: datetime = when(index=True)
    decided_on: date
    publication_due_on: date
    outside_pool_reason: str | None = None
    title: str | None = Field(default=None, max_length=300)
    improvements_summary: str | None = None
    systemic_analysis: str | None = None
    publication_text: str | None = None
    names_child_justification: str | None = None
    report_submitted_at: datetime | None = when(default=None)
    copies_sent_on: date | None = None
    scheduled_publication_on: date | None = None
    withheld: bool = False
    withheld_justification: str | None = None
    improvements_information: str | None = None
    published_on: date | None = Field(default=None, index=True)
    published_url: str | None = Field(default=None, max_length=2000)
    available_until: date | None = Field(default=None, index=True)  # the earliest day it may be removed
    removed_on: date | None = None  # paras 38, 49: taken down by its publisher, on or after available_until
    removal_reason: str | None = None
    closed_at: datetime | None = when(default=None)


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
    recorded_at: datetime = when()


class PublicationDelay(SQLModel, table=True):
    """Why publication is delayed, told to the Panel and the Secretary of State (paras 41, 50)."""

    __tablename__ = "publication_delay"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    review_id: str = Field(foreign_key="practice_review.id", max_length=36, index=True)
    reason: str
    details: str | None = None
    recorded_by_id: str = Field(foreign_key="organisation.id", max_length=36)
    recorded_at: datetime = when()


class ReviewStatement(SQLModel, table=True):
    """What was said about a review: new information that may call for a national review, with the Panel's
    answer (para 21); learning shared while the review runs (paras 42, 50); the Panel's or the Secretary of
    State's comment on a decision not to publish or on a delay (paras 41, 50)."""

    __tablename__ = "review_statement"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    review_id: str = Field(foreign_key="practice_review.id", max_length=36, index=True)
    kind: str = Field(max_length=32)
    subject: str | None = Field(default=None, max_length=32)  # PUBLICATION_COMMENT: what it is about
    text: str
    recorded_by_id: str = Field(foreign_key="organisation.id", max_length=36)
    recorded_at: datetime = when()
    outcome: str | None = Field(default=None, max_length=32)  # NEW_INFORMATION: the Panel's answer
    answer: str | None = None
    answered_by_id: str | None = Field(default=None, foreign_key="organisation.id", max_length=36)
    answered_at: datetime | None = when(default=None)
    # NEW_INFORMATION: the para 22 criteria the Panel answered with its decision
    criteria_considered: list[dict[str, Any]] | None = Field(default=None, sa_column=Column(JSON, nullable=True))


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
    created_at: datetime = when()
    updated_at: datetime = when()
    completed_at: datetime | None = when(default=None)


class RecommendationUpdate(SQLModel, table=True):
    """One report of progress on a recommendation: the audit of implementation (para 43)."""

    __tablename__ = "recommendation_update"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    recommendation_id: str = Field(foreign_key="recommendation.id", max_length=36, index=True)
    status: str = Field(max_length=16)
    progress: str
    evidence: str | None = None
    recorded_by_id: str = Field(foreign_key="organisation.id", max_length=36)
    recorded_at: datetime = when()
