"""Practice review shapes (thin: the rules are in ``hub/practice_review.py``, ``hub/publication.py``,
``hub/recommendation.py``)."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from hub import models, practice_review, publication, review_statement
from hub.clock import today_in_england
from hub.visibility import may_see_case_record
from hub.vocabulary import (
    PracticeReviewStatus,
    PublishedContent,
    RecommendationStatus,
    ReviewerCriterion,
    ReviewKind,
    ReviewStatementKind,
    SupervisionKind,
)
from schema.common import UserError
from schema.context import HubInfo
from schema.organisation import Organisation, SafeguardingPartnership, organisation_by_id
from schema.review_statement import NewInformation, PublicationComment, ReviewLearning

if TYPE_CHECKING:
    from schema.case import Case

strawberry.enum(ReviewKind, description="Local (the area's partners) or national (the Panel).")
strawberry.enum(PracticeReviewStatus, description="Where a practice review is, commissioning to follow-up.")
strawberry.enum(ReviewerCriterion, description="What a reviewer should have (para 31).")
strawberry.enum(SupervisionKind, description="What the supervisors recorded (para 35).")
strawberry.enum(RecommendationStatus, description="How far a recommendation has been carried out (para 43).")
strawberry.enum(PublishedContent, description="What was published (paras 38, 47).")


@strawberry.type(description="A reviewer: in the Panel's public pool (para 44), or commissioned for a review "
                 "with the para 31 criteria considered and any conflict of interest declared.")
class Reviewer:
    id: strawberry.ID = strawberry.field(description="Stable identifier.")
    name: str = strawberry.field(description="The reviewer's name (published with the report, paras 38, 47).")
    in_pool: bool = strawberry.field(description="From the Panel's pool of reviewers (para 44).")
    conflict_of_interest: str | None = strawberry.field(
        description="A real or perceived conflict declared (para 31): for the review's commissioners and the Panel; "
                    "null for others.")
    conflict_mitigation: str | None = strawberry.field(
        description="How the declared conflict is mitigated: for the review's commissioners and the Panel; null for "
                    "others.")
    criteria_met: list[ReviewerCriterion] = strawberry.field(description="The para 31 criteria the reviewer meets.")
    expertise: str | None = strawberry.field(description="The pool reviewer's experience, as the Panel lists it.")

    @classmethod
    def from_model(cls, row: models.ReviewReviewer, *, conflicts: bool) -> Reviewer:
        """``conflicts``: whether the caller reads the declared conflict and its mitigation (para 31)."""
        return cls(id=strawberry.ID(row.id), name=row.name, in_pool=row.pool_reviewer_id is not None,
                   conflict_of_interest=row.conflict_of_interest if conflicts else None,
                   conflict_mitigation=row.conflict_mitigation if conflicts else None,
                   criteria_met=[ReviewerCriterion(c) for c in row.criteria_met], expertise=None)

    @classmethod
    def from_pool(cls, row: models.PoolReviewer) -> Reviewer:
        return cls(id=strawberry.ID(row.id), name=row.name, in_pool=True, conflict_of_interest=None,
                   conflict_mitigation=None, criteria_met=[], expertise=row.expertise)


@strawberry.type(description="One report of progress on a recommendation (para 43).")
class RecommendationUpdate:
    status: RecommendationStatus = strawberry.field(description="The status reported.")
    progress: str = strawberry.field(description="What was done.")
    evidence: str | None = strawberry.field(description="What shows it.")
    recorded_at: datetime = strawberry.field(description="When it was recorded.")
    recorded_by_id: strawberry.Private[str]

    @strawberry.field(description="Who recorded it.")
    async def recorded_by(self, info: HubInfo) -> Organisation:
        return await organisation_by_id(info, self.recorded_by_id)


@strawberry.type(description="What a final report asks of whom, by when (para 37), followed up (para 43).")
class Recommendation:
    id: strawberry.ID = strawberry.field(description="Stable identifier.")
    action: str = strawberry.field(description="What is required.")
    due_on: date = strawberry.field(description="By when.")
    status: RecommendationStatus = strawberry.field(description="How far it has been carried out.")
    progress: str | None = strawberry.field(description="The latest progress reported.")
    evidence: str | None = strawberry.field(description="The latest evidence given.")
    updated_at: datetime = strawberry.field(description="When it last changed.")
    completed_at: datetime | None = strawberry.field(description="When it was completed.")
    overdue: bool = strawberry.field(description="Past its date and not completed.")
    row: strawberry.Private[models.Recommendation]

    @classmethod
    def from_model(cls, row: models.Recommendation, *, today: date) -> Recommendation:
        overdue = row.status != RecommendationStatus.COMPLETED.value and today > row.due_on
        return cls(id=strawberry.ID(row.id), action=row.action, due_on=row.due_on,
                   status=RecommendationStatus(row.status), progress=row.progress, evidence=row.evidence,
                   updated_at=row.updated_at, completed_at=row.completed_at, overdue=overdue, row=row)

    @strawberry.field(description="Who must act.")
    async def addressee(self, info: HubInfo) -> Organisation:
        return await organisation_by_id(info, self.row.addressee_id)

    @strawberry.field(description="Every progress report, oldest first.")
    async def updates(self, info: HubInfo) -> list[RecommendationUpdate]:
        rows = await info.context.loaders.recommendation_updates.load(self.row.id)
        return [RecommendationUpdate(status=RecommendationStatus(r.status), progress=r.progress, evidence=r.evidence,
                                     recorded_at=r.recorded_at, recorded_by_id=r.recorded_by_id) for r in rows]

    @strawberry.field(description="The review that made it, if the caller may see its case.")
    async def review(self, info: HubInfo) -> PracticeReview | None:
        row = await info.context.loaders.practice_review.load(self.row.review_id)
        if row is None or await info.context.loaders.visible_case.load(row.case_id) is None:
            return None
        return PracticeReview.from_model(row)


@strawberry.type(description="The final report (paras 36-37, 46): for the partners, the Panel, and the bodies "
                 "it was copied to.")
class FinalReport:
    title: str | None = strawberry.field(description="The report's title.")
    improvements_summary: str = strawberry.field(description="The recommended improvements (paras 36, 46).")
    systemic_analysis: str = strawberry.field(description="Systemic or underlying reasons (paras 36, 46).")
    publication_text: str | None = strawberry.field(description="The text to publish, if given apart.")
    names_child_justification: str | None = strawberry.field(
        description="Why the text may name the child, where it does (para 39).")
    submitted_at: datetime = strawberry.field(description="When it was submitted.")
    withholding_justification: str | None = strawberry.field(
        description="Why the report is not published (paras 38, 41, 47, 50).")
    improvements_information: str | None = strawberry.field(
        description="What is published instead of a withheld report.")


@strawberry.type(description="A progress note or quality check by the supervisors (para 35).")
class SupervisionNote:
    kind: SupervisionKind = strawberry.field(description="Progress or quality.")
    note: str = strawberry.field(description="What was found.")
    satisfactory: bool | None = strawberry.field(description="Whether progress or quality was satisfactory.")
    recorded_at: datetime = strawberry.field(description="When.")
    recorded_by_id: strawberry.Private[str]

    @strawberry.field(description="Who recorded it.")
    async def recorded_by(self, info: HubInfo) -> Organisation:
        return await organisation_by_id(info, self.recorded_by_id)


@strawberry.type(description="Why publication is delayed (paras 41, 50).")
class PublicationDelay:
    reason: str = strawberry.field(description="The proceedings or reason.")
    details: str | None = strawberry.field(description="More detail.")
    recorded_at: datetime = strawberry.field(description="When it was reported.")


@strawberry.federation.type(keys=["id"], description="A local or national child safeguarding practice review "
                            "(paras 30-51).")
class PracticeReview:
    id: strawberry.ID = strawberry.field(description="Stable identifier.")
    kind: ReviewKind = strawberry.field(description="LOCAL or NATIONAL.")
    status: PracticeReviewStatus = strawberry.field(description="Where the review is.")
    decided_on: date = strawberry.field(description="The decision to initiate the review.")
    publication_due_on: date = strawberry.field(description="decidedOn + 6 calendar months (paras 41, 50).")
    copies_sent_on: date | None = strawberry.field(description="When the pre-publication copies went (paras 40, 49).")
    scheduled_publication_on: date | None = strawberry.field(description="The planned date of publication.")
    withheld: bool = strawberry.field(description="The improvements information is published instead of the report.")
    published_on: date | None = strawberry.field(description="When it was published.")
    published_url: str | None = strawberry.field(description="Where it is published.")
    available_until: date | None = strawberry.field(
        description="publishedOn + 1 year (LOCAL, para 38) or + 3 years (NATIONAL, para 49): the minimum period, "
        "so the earliest day its publisher may remove it (removePublishedReport); it stays public until removed.")
    removed_on: date | None = strawberry.field(
        description="When its publisher removed it from publishedReports (on or after availableUntil).")
    removal_reason: str | None = strawberry.field(description="Why its publisher removed it.")
    outside_pool_reason: str | None = strawberry.field(
        description="Why no reviewer from the pool was suitable (national reviews, para 44).")
    overdue: bool = strawberry.field(description="Not published by publicationDueOn.")
    created_at: datetime = strawberry.field(description="When it was commissioned in the hub.")
    row: strawberry.Private[models.PracticeReview]

    @classmethod
    def from_model(cls, row: models.PracticeReview, *, today: date | None = None) -> PracticeReview:
        unpublished = row.published_on is None
        return cls(id=strawberry.ID(row.id), kind=ReviewKind(row.kind), status=PracticeReviewStatus(row.status),
                   decided_on=row.decided_on, publication_due_on=row.publication_due_on,
                   copies_sent_on=row.copies_sent_on, scheduled_publication_on=row.scheduled_publication_on,
                   withheld=row.withheld, published_on=row.published_on, published_url=row.published_url,
                   available_until=row.available_until, removed_on=row.removed_on,
                   removal_reason=row.removal_reason, outside_pool_reason=row.outside_pool_reason,
                   overdue=unpublished and today is not None and today > row.publication_due_on,
                   created_at=row.created_at, row=row)

    @classmethod
    async def resolve_reference(cls, info: HubInfo, id: strawberry.ID) -> PracticeReview | None:
        row = await info.context.loaders.practice_review.load(str(id))
        if row is None or await info.context.loaders.visible_case.load(row.case_id) is None:
            return None
        return cls.from_model(row, today=today_in_england(info.context.clock))

    @strawberry.field(description="The reviewers, in the order named; their declared conflicts of interest only for "
                      "the review's commissioners and the Panel (para 31).")
    async def reviewers(self, info: HubInfo) -> list[Reviewer]:
        rows = await info.context.loaders.reviewers.load(self.row.id)
        partners = await info.context.loaders.members.load(self.row.partnership_id) if self.row.partnership_id else []
        conflicts = practice_review.reads_conflicts(info.context.principal, self.row, partners)
        return [Reviewer.from_model(r, conflicts=conflicts) for r in rows]

    @strawberry.field(description="Who commissioned it.")
    async def commissioned_by(self, info: HubInfo) -> Organisation:
        return await organisation_by_id(info, self.row.commissioned_by_id)

    @strawberry.field(description="The partnership that supervises a local review (para 30).")
    async def partnership(self, info: HubInfo) -> SafeguardingPartnership | None:
        if self.row.partnership_id is None:
            return None
        row = await info.context.loaders.partnership.load(self.row.partnership_id)
        return SafeguardingPartnership.from_model(row) if row else None

    async def _report_visible(self, info: HubInfo) -> bool:
        principal = info.context.principal
        if principal is None:
            return False
        if may_see_case_record(principal):
            return True
        received = await info.context.loaders.review_notices.load(self.row.id)
        return publication.may_read_report(principal, self.row, received)

    @strawberry.field(description="The final report, once submitted, for the partners, the Panel and the bodies "
                      "it was copied to; null for others.")
    async def final_report(self, info: HubInfo) -> FinalReport | None:
        r = self.row
        if r.report_submitted_at is None or r.improvements_summary is None or r.systemic_analysis is None:
            return None
        if not await self._report_visible(info):
            return None
        return FinalReport(title=r.title, improvements_summary=r.improvements_summary,
                           systemic_analysis=r.systemic_analysis, publication_text=r.publication_text,
                           names_child_justification=r.names_child_justification, submitted_at=r.report_submitted_at,
                           withholding_justification=r.withheld_justification,
                           improvements_information=r.improvements_information)

    @strawberry.field(description="Its recommendations (para 37), for those who may read the report.")
    async def recommendations(self, info: HubInfo) -> list[Recommendation]:
        if self.row.report_submitted_at is None or not await self._report_visible(info):
            return []
        today = today_in_england(info.context.clock)
        return [Recommendation.from_model(r, today=today)
                for r in await info.context.loaders.recommendations.load(self.row.id)]

    @strawberry.field(description="Progress notes and quality checks (para 35): partners and the Panel only.")
    async def supervision_notes(self, info: HubInfo) -> list[SupervisionNote]:
        principal = info.context.principal
        if principal is None or not may_see_case_record(principal):
            return []
        rows = await info.context.loaders.supervision_notes.load(self.row.id)
        return [SupervisionNote(kind=SupervisionKind(r.kind), note=r.note, satisfactory=r.satisfactory,
                                recorded_at=r.recorded_at, recorded_by_id=r.recorded_by_id) for r in rows]

    @strawberry.field(description="Delays reported, with their reasons (paras 41, 50): for the partners, the Panel "
                      "and the Secretary of State.")
    async def publication_delays(self, info: HubInfo) -> list[PublicationDelay]:
        principal = info.context.principal
        if principal is None:
            return []
        if not may_see_case_record(principal):
            received = await info.context.loaders.review_notices.load(self.row.id)
            if not publication.may_read_delays(principal, received):
                return []
        rows = await info.context.loaders.publication_delays.load(self.row.id)
        return [PublicationDelay(reason=r.reason, details=r.details, recorded_at=r.recorded_at) for r in rows]

    async def _statements(self, info: HubInfo, kind: ReviewStatementKind) -> list[models.ReviewStatement]:
        principal = info.context.principal
        if principal is None:
            return []
        received = frozenset[str]()
        if not may_see_case_record(principal):
            received = await info.context.loaders.review_notices.load(self.row.id)
        if not review_statement.may_read(principal, kind, received):
            return []
        return [r for r in await info.context.loaders.review_statements.load(self.row.id) if r.kind == kind.value]

    @strawberry.field(description="New information shared with the Panel during a local review, with the Panel's "
                      "answers (para 21): for the partners and the Panel.")
    async def new_information(self, info: HubInfo) -> list[NewInformation]:
        return [NewInformation.from_model(r) for r in await self._statements(info, ReviewStatementKind.NEW_INFORMATION)]

    @strawberry.field(description="Points about improvements shared while the review is in progress (paras 42, 50): "
                      "for the partners, the Panel and those it was shared with.")
    async def learning_shared(self, info: HubInfo) -> list[ReviewLearning]:
        return [ReviewLearning.from_model(r) for r in await self._statements(info, ReviewStatementKind.LEARNING)]

    @strawberry.field(description="The Panel's and the Secretary of State's comments on a decision not to publish "
                      "or on a delay (paras 41, 50): for the partners, the Panel and the Secretary of State.")
    async def publication_comments(self, info: HubInfo) -> list[PublicationComment]:
        rows = await self._statements(info, ReviewStatementKind.PUBLICATION_COMMENT)
        return [PublicationComment.from_model(r) for r in rows]

    @strawberry.field(description="The case reviewed.")
    async def case(self, info: HubInfo) -> Annotated[Case, strawberry.lazy("schema.case")] | None:
        from schema.case import Case

        row = await info.context.loaders.visible_case.load(self.row.case_id)
        return Case.from_model(row) if row else None


@strawberry.type(description="A published report, or the improvements information published instead, until its "
                 "publisher removes it (paras 38, 47, 49). Public: no token needed, and nothing identifies the child.")
class PublishedReport:
    id: strawberry.ID = strawberry.field(description="The review's identifier.")
    kind: ReviewKind = strawberry.field(description="LOCAL or NATIONAL.")
    content: PublishedContent = strawberry.field(description="The report, or the improvements information.")
    title: str = strawberry.field(description="The title.")
    text: str = strawberry.field(description="What is published.")
    reviewer_names: list[str] = strawberry.field(description="The reviewers (paras 38, 47).")
    published_on: date = strawberry.field(description="When it was published.")
    available_until: date = strawberry.field(
        description="The end of the minimum period (one year local, para 38; three years national, para 49): it stays "
        "listed after this day until its publisher removes it.")
    url: str | None = strawberry.field(description="Where it is published.")
    partnership_id: strawberry.Private[str | None]

    @strawberry.field(description="The partnership that published a local review.")
    async def partnership(self, info: HubInfo) -> SafeguardingPartnership | None:
        if self.partnership_id is None:
            return None
        row = await info.context.loaders.partnership.load(self.partnership_id)
        return SafeguardingPartnership.from_model(row) if row else None

    @classmethod
    def from_model(cls, row: models.PracticeReview, reviewers: list[models.ReviewReviewer]) -> PublishedReport:
        assert row.published_on is not None and row.available_until is not None
        national = row.kind == ReviewKind.NATIONAL.value
        title = row.title or ("National child safeguarding practice review" if national
                              else "Local child safeguarding practice review")
        return cls(id=strawberry.ID(row.id), kind=ReviewKind(row.kind),
                   content=PublishedContent.IMPROVEMENTS_INFORMATION if row.withheld else PublishedContent.FULL_REPORT,
                   title=title, text=publication.published_text(row), reviewer_names=[r.name for r in reviewers],
                   published_on=row.published_on, available_until=row.available_until, url=row.published_url,
                   partnership_id=row.partnership_id)


@strawberry.type(description="A thematic national review grouping cases (para 28).")
class ThematicReview:
    id: strawberry.ID = strawberry.field(description="Stable identifier.")
    title: str = strawberry.field(description="The title.")
    theme: str = strawberry.field(description="The theme reviewed.")
    created_at: datetime = strawberry.field(description="When the Panel started it.")

    @classmethod
    def from_model(cls, row: models.ThematicReview) -> ThematicReview:
        return cls(id=strawberry.ID(row.id), title=row.title, theme=row.theme, created_at=row.created_at)

    @strawberry.field(description="The cases it covers that the caller may see.")
    async def cases(self, info: HubInfo) -> list[Annotated[Case, strawberry.lazy("schema.case")]]:
        from schema.case import Case

        ids = await info.context.loaders.cases_of_thematic_review.load(str(self.id))
        rows = await info.context.loaders.visible_case.load_many(ids)
        return [Case.from_model(r) for r in rows if r is not None]


@strawberry.input(description="A reviewer commissioned (paras 31, 44).")
class ReviewerInput:
    name: str = strawberry.field(description="The reviewer's name.")
    pool_reviewer_id: strawberry.ID | None = strawberry.field(
        default=None, description="The reviewer's entry in the Panel's pool, if from it (para 44; footnote 87).")
    conflict_of_interest: str | None = strawberry.field(
        default=None, description="A real or perceived conflict of interest; null: none declared (para 31).")
    conflict_mitigation: str | None = strawberry.field(
        default=None, description="How a declared conflict is mitigated: required with one.")
    criteria_met: list[str] | None = strawberry.field(
        default=None, description="The para 31 criteria met: PROFESSIONAL_KNOWLEDGE, RESEARCH_KNOWLEDGE, "
        "COMPLEX_CIRCUMSTANCES, PRACTICE_WITHOUT_HINDSIGHT, COMMUNICATES_FINDINGS.")


@strawberry.input(description="Commission a local or national review.")
class CommissionReviewInput:
    kind: ReviewKind = strawberry.field(description="LOCAL (the partners) or NATIONAL (the Panel).")
    decided_on: date | None = strawberry.field(
        default=None, description="The day of the decision to initiate the review; publication is due six months "
        "later (paras 41, 50). Where the hub recorded the decision (the partners' review.decided at the rapid review, "
        "or the Panel's NATIONAL_REVIEW response), that day is used: leave this out, or a different day is refused "
        "with DECIDED_ON_DIFFERS_FROM_RECORD. Otherwise (a para 19 review, a local review decided after the Panel's "
        "response, a national review commissioned directly) this commissioning records the decision: on this day, "
        "not in the future nor before the case was known, or today if left out.")
    reviewers: list[ReviewerInput] = strawberry.field(description="The reviewers (at most 10).")
    outside_pool_reason: str | None = strawberry.field(
        default=None, description="National reviews: why no reviewer in the pool was suitable or available (para 44).")


@strawberry.input(description="What a recommendation asks of whom, by when (para 37).")
class RecommendationInput:
    addressee_code: str = strawberry.field(description="The code of the organisation that must act.")
    action: str = strawberry.field(description="What is required.")
    due_on: date = strawberry.field(description="By when; after today.")


@strawberry.input(description="The final report (paras 36-37, 46).")
class FinalReportInput:
    improvements_summary: str = strawberry.field(description="A summary of recommended improvements.")
    systemic_analysis: str = strawberry.field(description="An analysis of systemic or underlying reasons.")
    recommendations: list[RecommendationInput] = strawberry.field(description="At most 100 recommendations.")
    publication_text: str | None = strawberry.field(
        default=None, description="The text to publish, if not the summary and analysis.")
    names_child_justification: str | None = strawberry.field(
        default=None, description="Why publishing text that names the child is justified (para 39).")
    title: str | None = strawberry.field(default=None, description="The report's title.")


@strawberry.input(description="Record the publication (paras 38, 47).")
class PublishReportInput:
    published_on: date = strawberry.field(description="The day it was published: not before the notice ends.")
    url: str | None = strawberry.field(default=None, description="Where it is published.")


@strawberry.input(description="Publish the improvements information instead of the report (paras 38, 41, 47, 50).")
class WithholdPublicationInput:
    justification: str = strawberry.field(description="Why publishing the report is inappropriate.")
    improvements_information: str = strawberry.field(description="What is published instead.")
    publish_on: date = strawberry.field(description="When: at least seven working days from today (paras 40, 49).")


@strawberry.input(description="Why publication is delayed (paras 41, 50).")
class PublicationDelayInput:
    reason: str = strawberry.field(description="e.g. an ongoing criminal investigation, inquest or prosecution.")
    details: str | None = strawberry.field(default=None, description="More detail.")


@strawberry.input(description="Progress on a recommendation (para 43).")
class RecommendationProgressInput:
    status: RecommendationStatus = strawberry.field(description="IN_PROGRESS, or COMPLETED (evidence needed); "
                                                    "OPEN is refused.")
    progress: str = strawberry.field(description="What was done.")
    evidence: str | None = strawberry.field(default=None, description="What shows it.")


@strawberry.input(description="A progress note or quality check (para 35).")
class SupervisionInput:
    kind: SupervisionKind = strawberry.field(description="Progress or quality.")
    note: str = strawberry.field(description="What was found.")
    satisfactory: bool | None = strawberry.field(default=None, description="Whether it was satisfactory.")


@strawberry.input(description="A reviewer added to the Panel's pool (para 44).")
class PoolReviewerInput:
    name: str = strawberry.field(description="The reviewer's name, as publicly listed.")
    expertise: str | None = strawberry.field(default=None, description="Experience, as publicly listed.")


@strawberry.input(description="A thematic national review (para 28).")
class ThematicReviewInput:
    title: str = strawberry.field(description="The title.")
    theme: str = strawberry.field(description="The theme.")
    case_ids: list[strawberry.ID] = strawberry.field(description="The cases it covers.")


@strawberry.input(description="Narrow the list of reviews.")
class PracticeReviewFilter:
    kind: ReviewKind | None = strawberry.field(default=None, description="Only this kind.")
    status: list[PracticeReviewStatus] | None = strawberry.field(default=None, description="Only these states.")


@strawberry.input(description="Narrow the list of recommendations.")
class RecommendationFilter:
    status: list[RecommendationStatus] | None = strawberry.field(default=None, description="Only these states.")
    overdue: bool | None = strawberry.field(default=None, description="true: only past due and not completed.")
    review_id: strawberry.ID | None = strawberry.field(default=None, description="Only this review's.")


@strawberry.type(description="The result of a practice review mutation.")
class PracticeReviewPayload:
    review: PracticeReview | None = strawberry.field(description="The review after the change.")
    errors: list[UserError] = strawberry.field(description="Why it was refused; empty on success.")


@strawberry.type(description="The result of updateRecommendation.")
class RecommendationPayload:
    recommendation: Recommendation | None = strawberry.field(description="The recommendation after the change.")
    errors: list[UserError] = strawberry.field(description="Why it was refused; empty on success.")


@strawberry.type(description="The result of a change to the reviewer pool.")
class PoolReviewerPayload:
    reviewer: Reviewer | None = strawberry.field(description="The pool reviewer after the change.")
    errors: list[UserError] = strawberry.field(description="Why it was refused; empty on success.")


@strawberry.type(description="The result of a thematic review mutation.")
class ThematicReviewPayload:
    thematic_review: ThematicReview | None = strawberry.field(description="The thematic review after the change.")
    errors: list[UserError] = strawberry.field(description="Why it was refused; empty on success.")
