"""What is said about a review while it runs and about its publication (thin: the rules are in
``hub/review_statement.py``)."""

from __future__ import annotations

from datetime import datetime

import strawberry

from hub import models
from hub.vocabulary import NewInformationOutcome, PublicationCommentSubject
from schema.context import HubInfo
from schema.criteria import CriterionConsidered, CriterionConsideredInput
from schema.organisation import Organisation, organisation_by_id

strawberry.enum(NewInformationOutcome, description="The Panel's answer to new information during a local review "
                "(para 21).")
strawberry.enum(PublicationCommentSubject, description="What a comment on publication is about (paras 41, 50).")


@strawberry.type(description="New information during a local review that suggests a national review may be "
                 "appropriate, shared with the Panel, and the Panel's answer (para 21).")
class NewInformation:
    id: strawberry.ID = strawberry.field(description="Stable identifier: answer it with answerNewInformation.")
    information: str = strawberry.field(description="What came to light.")
    recorded_at: datetime = strawberry.field(description="When the partners shared it.")
    outcome: NewInformationOutcome | None = strawberry.field(description="The Panel's answer; null until it answers.")
    rationale: str | None = strawberry.field(description="The Panel's reasons (para 25).")
    answered_at: datetime | None = strawberry.field(description="When the Panel answered.")
    criteria_considered: list[CriterionConsidered] = strawberry.field(
        description="Each para 22 criterion the Panel answered with its decision; empty until it answers.")
    row: strawberry.Private[models.ReviewStatement]

    @classmethod
    def from_model(cls, row: models.ReviewStatement) -> NewInformation:
        return cls(id=strawberry.ID(row.id), information=row.text, recorded_at=row.recorded_at,
                   outcome=NewInformationOutcome(row.outcome) if row.outcome else None, rationale=row.answer,
                   answered_at=row.answered_at,
                   criteria_considered=CriterionConsidered.from_rows(row.criteria_considered), row=row)

    @strawberry.field(description="The partner who shared it.")
    async def recorded_by(self, info: HubInfo) -> Organisation:
        return await organisation_by_id(info, self.row.recorded_by_id)


@strawberry.type(description="Points about improvements shared while the review is in progress (paras 42, 50).")
class ReviewLearning:
    id: strawberry.ID = strawberry.field(description="Stable identifier.")
    learning: str = strawberry.field(description="The points about improvements needed.")
    recorded_at: datetime = strawberry.field(description="When it was shared.")
    row: strawberry.Private[models.ReviewStatement]

    @classmethod
    def from_model(cls, row: models.ReviewStatement) -> ReviewLearning:
        return cls(id=strawberry.ID(row.id), learning=row.text, recorded_at=row.recorded_at, row=row)

    @strawberry.field(description="Who shared it.")
    async def recorded_by(self, info: HubInfo) -> Organisation:
        return await organisation_by_id(info, self.row.recorded_by_id)


@strawberry.type(description="The Panel's or the Secretary of State's comment on a decision not to publish or on "
                 "a delay, to which the publisher should have regard (paras 41, 50).")
class PublicationComment:
    id: strawberry.ID = strawberry.field(description="Stable identifier.")
    subject: PublicationCommentSubject = strawberry.field(description="What it is about.")
    comment: str = strawberry.field(description="The comment.")
    recorded_at: datetime = strawberry.field(description="When it was made.")
    row: strawberry.Private[models.ReviewStatement]

    @classmethod
    def from_model(cls, row: models.ReviewStatement) -> PublicationComment:
        assert row.subject is not None
        return cls(id=strawberry.ID(row.id), subject=PublicationCommentSubject(row.subject), comment=row.text,
                   recorded_at=row.recorded_at, row=row)

    @strawberry.field(description="Who made it: the Panel, or DfE for the Secretary of State.")
    async def recorded_by(self, info: HubInfo) -> Organisation:
        return await organisation_by_id(info, self.row.recorded_by_id)


@strawberry.input(description="New information during a local review (para 21).")
class NewInformationInput:
    information: str = strawberry.field(description="What came to light that suggests a national review may be "
                                        "appropriate.")


@strawberry.input(description="The Panel's answer to new information (paras 21, 25-26).")
class NewInformationAnswerInput:
    outcome: NewInformationOutcome = strawberry.field(
        description="NATIONAL_REVIEW (then commission it with commissionReview) or LOCAL_REVIEW_CONTINUES.")
    rationale: str = strawberry.field(description="Why, communicated to the partners (para 25).")
    criteria_considered: list[CriterionConsideredInput] | None = strawberry.field(
        default=None, description="Each para 22 criterion answered: met or not, and how it was considered; "
        "required (CRITERION_NOT_ADDRESSED for each one missing), since either answer decides whether a national "
        "review is carried out (para 22; regulation 3).")


@strawberry.input(description="Points about improvements shared during a review (paras 42, 50).")
class ReviewLearningInput:
    learning: str = strawberry.field(description="The points about improvements needed; must not name the child.")
    also_to_codes: list[str] | None = strawberry.field(
        default=None, description="Codes of other organisations to share it with, as applicable (para 50); at most "
        "20.")


@strawberry.input(description="A comment on publication (paras 41, 50).")
class PublicationCommentInput:
    subject: PublicationCommentSubject = strawberry.field(
        description="DECISION_NOT_TO_PUBLISH (the report was withheld) or DELAY (a delay was reported).")
    comment: str = strawberry.field(description="The comment, to which the publisher should have regard.")
