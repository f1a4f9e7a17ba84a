"""Rapid review shapes (thin: the rules are in ``hub/rapid_review.py``)."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from hub import models
from hub.rapid_review import submitted_on_time
from schema.common import UserError
from schema.context import MISSING, HubInfo, settled
from schema.criteria import CriterionConsidered, CriterionConsideredInput
from schema.enums import RapidReviewRecommendation, RapidReviewStatus
from schema.organisation import Organisation

if TYPE_CHECKING:
    from schema.case import Case
    from schema.panel_response import PanelResponse


@strawberry.type(description="One organisation's part of a rapid review (para 20).")
class RapidReviewContribution:
    id: strawberry.ID = strawberry.field(description="Stable identifier.")
    summary: str = strawberry.field(description="Facts from the organisation's records.")
    immediate_actions: str | None = strawberry.field(description="Immediate actions for children's safety.")
    learning: str | None = strawberry.field(description="Learning identified.")
    version: int = strawberry.field(description="Pass as expectedVersion to revise it.")
    updated_at: datetime = strawberry.field(description="When it was last changed.")
    organisation_id: strawberry.Private[str]

    @classmethod
    def from_model(cls, row: models.RapidReviewContribution) -> RapidReviewContribution:
        return cls(id=strawberry.ID(row.id), summary=row.summary, immediate_actions=row.immediate_actions,
                   learning=row.learning, version=row.version, updated_at=row.updated_at,
                   organisation_id=row.organisation_id)

    @strawberry.field(description="Whose contribution it is.")
    async def organisation(self, info: HubInfo) -> Organisation:
        row = await info.context.loaders.organisation.load(self.organisation_id)
        assert row is not None
        return Organisation.from_model(row)


@strawberry.type(description="A lead partner's agreement to the rapid review's recommendation, or the lead's "
                             "recorded reason it is missing (paras 15-16).")
class RapidReviewSignOff:
    recommendation: RapidReviewRecommendation | None = strawberry.field(
        description="The recommendation the partner signed off; null if it never signed off.")
    signed_off_at: datetime | None = strawberry.field(description="When it signed off; null if it did not.")
    missing_reason: str | None = strawberry.field(
        description="Why its agreement to the submitted recommendation is missing, recorded by the lead at submission.")
    organisation_id: strawberry.Private[str]

    @classmethod
    def from_model(cls, row: models.RapidReviewSignOff) -> RapidReviewSignOff:
        return cls(recommendation=RapidReviewRecommendation(row.recommendation) if row.recommendation else None,
                   signed_off_at=row.signed_off_at, missing_reason=row.missing_reason,
                   organisation_id=row.organisation_id)

    @strawberry.field(description="The partner: local authority, police or integrated care board.")
    async def organisation(self, info: HubInfo) -> Organisation:
        row = await info.context.loaders.organisation.load(self.organisation_id)
        assert row is not None
        return Organisation.from_model(row)


@strawberry.type(description="The rapid review in the sections of the Panel's rapid review template, written by "
                             "the lead local authority while drafting (paras 20-21); null: not written yet.")
class RapidReviewContent:
    lived_experience: str | None = strawberry.field(description="The child's lived experience: daily life, voice, "
                                                    "needs and what was happening for the child.")
    key_practice_episodes: str | None = strawberry.field(description="The key episodes of practice with the child "
                                                         "and family.")
    agencies_analysis: str | None = strawberry.field(description="Analysis of how the agencies worked, together "
                                                     "and alone, including how race, ethnicity, culture and "
                                                     "disability were considered.")
    immediate_learning: str | None = strawberry.field(description="The immediate learning identified and the "
                                                      "actions taken on it.")
    family_involvement: str | None = strawberry.field(description="How the family was involved in the review.")

    @classmethod
    def from_model(cls, row: models.RapidReview) -> RapidReviewContent:
        return cls(lived_experience=row.lived_experience, key_practice_episodes=row.key_practice_episodes,
                   agencies_analysis=row.agencies_analysis, immediate_learning=row.immediate_learning,
                   family_involvement=row.family_involvement)


@strawberry.federation.type(keys=["id"], description="The partners' rapid review of a case (paras 20-21).")
class RapidReview:
    id: strawberry.ID = strawberry.field(description="Stable identifier.")
    status: RapidReviewStatus = strawberry.field(description="Where it is in the loop with the Panel.")
    due_on: date = strawberry.field(description="Notification date + 15 working days (Panel practice guidance).")
    started_at: datetime = strawberry.field(description="When the lead started it.")
    submitted_at: datetime | None = strawberry.field(description="When it was sent to the Panel.")
    on_time: bool | None = strawberry.field(description="Submitted by dueOn; null until submitted.")
    recommendation: RapidReviewRecommendation | None = strawberry.field(description="The partners' recommendation.")
    rationale: str | None = strawberry.field(description="Why, against the para 18 criteria and circumstances.")
    criteria: list[str] = strawberry.field(description="The para 18 criteria and circumstances the partners found met.")
    criteria_considered: list[CriterionConsidered] = strawberry.field(  # built when asked for: a queue seldom is
        resolver=lambda root: CriterionConsidered.from_rows(root.row.criteria_considered),
        description="Each para 18 criterion the partners took into account: met or not, and how (regulation 11).")
    immediate_actions_taken: str | None = strawberry.field(description="Immediate actions taken.")
    learning_identified: str | None = strawberry.field(description="Learning identified and shared.")
    missing_contribution_reason: str | None = strawberry.field(description="Why a partner's contribution is missing.")
    awaiting_panel: bool = strawberry.field(description="Submitted and not yet answered by the Panel.")
    version: int = strawberry.field(description="Changes with every step.")
    row: strawberry.Private[models.RapidReview]

    @classmethod
    def from_model(cls, row: models.RapidReview) -> RapidReview:
        on_time = submitted_on_time(row)
        return cls(
            id=strawberry.ID(row.id), status=RapidReviewStatus(row.status), due_on=row.due_on,
            started_at=row.started_at, submitted_at=row.submitted_at, on_time=on_time,
            recommendation=RapidReviewRecommendation(row.recommendation) if row.recommendation else None,
            rationale=row.rationale, criteria=list(row.criteria),
            immediate_actions_taken=row.immediate_actions_taken,
            learning_identified=row.learning_identified, missing_contribution_reason=row.missing_contribution_reason,
            awaiting_panel=row.status == RapidReviewStatus.SUBMITTED.value, version=row.version, row=row)

    @classmethod
    async def resolve_reference(cls, info: HubInfo, id: strawberry.ID) -> RapidReview | None:
        row = await info.context.loaders.rapid_review.load(str(id))
        if row is None or await info.context.loaders.visible_case.load(row.case_id) is None:
            return None
        return cls.from_model(row)

    @strawberry.field(description="The case reviewed.", graphql_type=Annotated["Case", strawberry.lazy("schema.case")])
    def case(self, info: HubInfo) -> Case | Awaitable[Case]:
        from schema.case import Case

        row = settled(info.context.loaders.visible_case, self.row.case_id)
        if row is not MISSING and row is not None:  # loaded ahead with the queue
            return Case.from_model(row)
        return self._case(info)

    async def _case(self, info: HubInfo) -> Case:
        from schema.case import Case

        row = await info.context.loaders.visible_case.load(self.row.case_id)
        assert row is not None
        return Case.from_model(row)

    @strawberry.field(description="The sections of the Panel's rapid review template (writeRapidReviewContent).")
    def content(self) -> RapidReviewContent:
        return RapidReviewContent.from_model(self.row)

    @strawberry.field(description="Each organisation's contribution.")
    async def contributions(self, info: HubInfo) -> list[RapidReviewContribution]:
        rows = await info.context.loaders.contributions.load(self.row.id)
        return [RapidReviewContribution.from_model(r) for r in rows]

    @strawberry.field(description="Each lead partner's sign-off of the recommendation, or the recorded reason it "
                                  "is missing (paras 15-16).")
    async def sign_offs(self, info: HubInfo) -> list[RapidReviewSignOff]:
        rows = await info.context.loaders.sign_offs.load(self.row.id)
        return [RapidReviewSignOff.from_model(r) for r in rows]

    @strawberry.field(description="The Panel's responses, oldest first (one per round).")
    async def panel_responses(
        self, info: HubInfo
    ) -> list[Annotated[PanelResponse, strawberry.lazy("schema.panel_response")]]:
        from schema.panel_response import PanelResponse

        rows = await info.context.loaders.panel_responses.load(self.row.id)
        return [PanelResponse.from_model(r) for r in rows]


@strawberry.input(description="An organisation's contribution (para 20).")
class RapidReviewContributionInput:
    summary: str = strawberry.field(description="Facts from the organisation's records. At most 20,000 characters.")
    immediate_actions: str | None = strawberry.field(default=None, description="Immediate actions for children's safety.")
    learning: str | None = strawberry.field(default=None, description="Learning identified.")
    expected_version: int | None = strawberry.field(
        default=None, description="Required to revise: the version read. A stale version is refused, never overwritten.")


@strawberry.input(description="The sections of the Panel's rapid review template to write; a section left out "
                             "stays as it is, an empty text clears it. Each at most 20,000 characters.")
class RapidReviewContentInput:
    lived_experience: str | None = strawberry.field(default=None, description="The child's lived experience.")
    key_practice_episodes: str | None = strawberry.field(default=None, description="Key practice episodes.")
    agencies_analysis: str | None = strawberry.field(default=None, description=(
        "Analysis of the agencies' work, including race, ethnicity, culture and disability."))
    immediate_learning: str | None = strawberry.field(default=None, description="Immediate learning and actions.")
    family_involvement: str | None = strawberry.field(default=None, description="Family involvement.")
    expected_version: int | None = strawberry.field(default=None, description=(
        "The rapid review's version read; when given and stale, refused with VERSION_CONFLICT."))


@strawberry.input(description="A partner signs off the rapid review's recommendation (paras 15-16).")
class AgreeRapidReviewInput:
    recommendation: RapidReviewRecommendation = strawberry.field(
        description="The recommendation the partner agrees; the submission must carry the same one.")


@strawberry.input(description="Why a lead partner's agreement is missing (paras 15-16).")
class MissingSignOffInput:
    organisation_code: str = strawberry.field(description="The partner's code, e.g. E23000001.")
    reason: str = strawberry.field(description="Why its agreement is missing. At most 5,000 characters.")


@strawberry.input(description="Send the rapid review to the Panel (para 21).")
class SubmitRapidReviewInput:
    recommendation: RapidReviewRecommendation = strawberry.field(description="The partners' recommendation.")
    rationale: str = strawberry.field(description="Why, against the para 18 criteria and circumstances.")
    immediate_actions_taken: str | None = strawberry.field(default=None, description="Immediate actions taken.")
    learning_identified: str | None = strawberry.field(default=None, description="Learning identified and shared.")
    criteria: list[str] | None = strawberry.field(
        default=None, description="Para 18 criteria and circumstances met: IMPROVEMENTS_NEEDED, RECURRENT_THEMES, "
        "AGENCIES_WORKING_TOGETHER, PANEL_CONSIDERS_LOCAL_REVIEW, SINGLE_AGENCY_CONCERN, NO_AGENCY_INVOLVEMENT, "
        "MORE_THAN_ONE_AREA, INSTITUTIONAL_SETTING.")
    missing_contribution_reason: str | None = strawberry.field(
        default=None, description="Required when a partner's contribution is missing.")
    criteria_considered: list[CriterionConsideredInput] | None = strawberry.field(
        default=None, description="Each para 18 criterion answered, met or not and how (regulation 11): "
        "IMPROVEMENTS_NEEDED, RECURRENT_THEMES, AGENCIES_WORKING_TOGETHER and PANEL_CONSIDERS_LOCAL_REVIEW are "
        "required (CRITERION_NOT_ADDRESSED); the circumstances may be answered too. Those met are added to criteria.")
    missing_sign_offs: list[MissingSignOffInput] | None = strawberry.field(
        default=None, description="For each lead partner that has not signed off this recommendation "
        "(agreeRapidReview), why its agreement is missing (paras 15-16); otherwise SIGN_OFF_MISSING or "
        "PARTNER_DISAGREES.")


@strawberry.input(description="Narrow the list of rapid reviews.")
class RapidReviewFilter:
    status: list[RapidReviewStatus] | None = strawberry.field(default=None, description="Only these states.")
    awaiting_panel: bool | None = strawberry.field(default=None, description="true: the Panel's queue.")
    submitted_after: date | None = strawberry.field(default=None, description="Submitted on or after this day.")
    overdue: bool | None = strawberry.field(default=None, description="true: not submitted and past dueOn.")


@strawberry.type(description="The result of a rapid-review mutation.")
class RapidReviewPayload:
    rapid_review: RapidReview | None = strawberry.field(description="The rapid review after the change.")
    errors: list[UserError] = strawberry.field(description="Why it was refused; empty on success.")
