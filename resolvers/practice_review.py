"""Practice reviews: commissioning, supervision, final report, publication, recommendations, the pool and
thematic reviews. Fetch, call one core action, return."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date

import strawberry
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from hub import (
    models,
    practice_review,
    publication,
    recommendation,
    reviewer_pool,
    thematic_review,
)
from hub.clock import today_in_england
from hub.visibility import visible_cases
from hub.vocabulary import Role
from resolvers.errors import principal_of, unit_of_work
from resolvers.pages import keyset_connection
from resolvers.permissions import ANY_ROLE, described, roles
from schema.common import Connection, Edge, UserError, parse_id
from schema.context import HubInfo
from schema.practice_review import (
    CommissionReviewInput,
    FinalReportInput,
    PoolReviewerInput,
    PoolReviewerPayload,
    PracticeReview,
    PracticeReviewFilter,
    PracticeReviewPayload,
    PublicationDelayInput,
    PublishedReport,
    PublishReportInput,
    Recommendation,
    RecommendationFilter,
    RecommendationPayload,
    RecommendationProgressInput,
    Reviewer,
    SupervisionInput,
    ThematicReview,
    ThematicReviewInput,
    ThematicReviewPayload,
    WithholdPublicationInput,
)

COMMISSIONERS = tuple(sorted(practice_review.COMMISSIONING_ROLES))
PARTNERS_AND_PANEL = (Role.HEALTH, Role.LA, Role.PANEL, Role.POLICE)
FOLLOW_UP = (Role.AGENCY, Role.HEALTH, Role.LA, Role.PANEL, Role.POLICE)
PANEL = (Role.PANEL,)

Act = Callable[[AsyncSession], Awaitable[models.PracticeReview]]


async def _review_payload(info: HubInfo, act: Act) -> PracticeReviewPayload:
    done = await unit_of_work(info, act)
    if isinstance(done, list):
        return PracticeReviewPayload(review=None, errors=done)
    return PracticeReviewPayload(review=PracticeReview.from_model(done, today=today_in_england(info.context.clock)),
                                 errors=[])


async def _commission(info: HubInfo, case_id: strawberry.ID, input: CommissionReviewInput) -> PracticeReviewPayload:
    wanted = parse_id(case_id, "caseId")
    commission = practice_review.Commission(
        kind=input.kind, decided_on=input.decided_on, outside_pool_reason=input.outside_pool_reason,
        reviewers=tuple(practice_review.ReviewerFacts(
            name=r.name, conflict_of_interest=r.conflict_of_interest, conflict_mitigation=r.conflict_mitigation,
            criteria_met=tuple(r.criteria_met or ()),
            pool_reviewer_id=parse_id(r.pool_reviewer_id, "poolReviewerId") if r.pool_reviewer_id else None)
            for r in input.reviewers))

    async def act(session: AsyncSession) -> models.PracticeReview:
        return await practice_review.commission(session, clock=info.context.clock,
                                                principal=principal_of(info.context), case_id=wanted,
                                                commission=commission)

    return await _review_payload(info, act)


async def _supervise(info: HubInfo, review_id: strawberry.ID, input: SupervisionInput) -> PracticeReviewPayload:
    wanted = parse_id(review_id, "reviewId")

    async def act(session: AsyncSession) -> models.PracticeReview:
        return await practice_review.supervise(session, clock=info.context.clock, principal=principal_of(info.context),
                                               review_id=wanted, kind=input.kind, note=input.note,
                                               satisfactory=input.satisfactory)

    return await _review_payload(info, act)


async def _submit(info: HubInfo, review_id: strawberry.ID, input: FinalReportInput) -> PracticeReviewPayload:
    wanted = parse_id(review_id, "reviewId")
    report = practice_review.FinalReport(
        improvements_summary=input.improvements_summary, systemic_analysis=input.systemic_analysis,
        publication_text=input.publication_text, names_child_justification=input.names_child_justification,
        title=input.title, recommendations=tuple(practice_review.RecommendationFacts(
            addressee_code=r.addressee_code, action=r.action, due_on=r.due_on) for r in input.recommendations))

    async def act(session: AsyncSession) -> models.PracticeReview:
        return await practice_review.submit_final_report(session, clock=info.context.clock,
                                                         principal=principal_of(info.context), review_id=wanted,
                                                         report=report)

    return await _review_payload(info, act)


async def _schedule(info: HubInfo, review_id: strawberry.ID, publish_on: date) -> PracticeReviewPayload:
    wanted = parse_id(review_id, "reviewId")

    async def act(session: AsyncSession) -> models.PracticeReview:
        return await publication.schedule(session, clock=info.context.clock, principal=principal_of(info.context),
                                          review_id=wanted, publish_on=publish_on)

    return await _review_payload(info, act)


async def _publish(info: HubInfo, review_id: strawberry.ID, input: PublishReportInput) -> PracticeReviewPayload:
    wanted = parse_id(review_id, "reviewId")

    async def act(session: AsyncSession) -> models.PracticeReview:
        return await publication.publish(session, clock=info.context.clock, principal=principal_of(info.context),
                                         review_id=wanted, published_on=input.published_on, url=input.url)

    return await _review_payload(info, act)


async def _withhold(info: HubInfo, review_id: strawberry.ID, input: WithholdPublicationInput) -> PracticeReviewPayload:
    wanted = parse_id(review_id, "reviewId")
    withholding = publication.Withholding(justification=input.justification,
                                          improvements_information=input.improvements_information,
                                          publish_on=input.publish_on)

    async def act(session: AsyncSession) -> models.PracticeReview:
        return await publication.withhold(session, clock=info.context.clock, principal=principal_of(info.context),
                                          review_id=wanted, withholding=withholding)

    return await _review_payload(info, act)


async def _delay(info: HubInfo, review_id: strawberry.ID, input: PublicationDelayInput) -> PracticeReviewPayload:
    wanted = parse_id(review_id, "reviewId")

    async def act(session: AsyncSession) -> models.PracticeReview:
        return await publication.delay(session, clock=info.context.clock, principal=principal_of(info.context),
                                       review_id=wanted, reason=input.reason, details=input.details)

    return await _review_payload(info, act)


async def _remove(info: HubInfo, review_id: strawberry.ID, reason: str) -> PracticeReviewPayload:
    wanted = parse_id(review_id, "reviewId")

    async def act(session: AsyncSession) -> models.PracticeReview:
        return await publication.remove(session, clock=info.context.clock, principal=principal_of(info.context),
                                        review_id=wanted, reason=reason)

    return await _review_payload(info, act)


async def _update_recommendation(info: HubInfo, recommendation_id: strawberry.ID,
                                 input: RecommendationProgressInput) -> RecommendationPayload:
    wanted = parse_id(recommendation_id, "recommendationId")
    progress = recommendation.Progress(status=input.status, progress=input.progress, evidence=input.evidence)

    async def act(session: AsyncSession) -> recommendation.Updated:
        return await recommendation.update(session, clock=info.context.clock, principal=principal_of(info.context),
                                           recommendation_id=wanted, progress=progress)

    done = await unit_of_work(info, act)
    if isinstance(done, list):
        return RecommendationPayload(recommendation=None, errors=done)
    today = today_in_england(info.context.clock)
    return RecommendationPayload(recommendation=Recommendation.from_model(done.recommendation, today=today), errors=[])


def _pool_payload(done: models.PoolReviewer | list[UserError]) -> PoolReviewerPayload:
    if isinstance(done, list):
        return PoolReviewerPayload(reviewer=None, errors=done)
    return PoolReviewerPayload(reviewer=Reviewer.from_pool(done), errors=[])


async def _add_pool_reviewer(info: HubInfo, input: PoolReviewerInput) -> PoolReviewerPayload:
    async def act(session: AsyncSession) -> models.PoolReviewer:
        return await reviewer_pool.add(session, clock=info.context.clock, principal=principal_of(info.context),
                                       name=input.name, expertise=input.expertise)

    return _pool_payload(await unit_of_work(info, act))


async def _remove_pool_reviewer(info: HubInfo, id: strawberry.ID) -> PoolReviewerPayload:
    wanted = parse_id(id)

    async def act(session: AsyncSession) -> models.PoolReviewer:
        return await reviewer_pool.remove(session, clock=info.context.clock, principal=principal_of(info.context),
                                          reviewer_id=wanted)

    return _pool_payload(await unit_of_work(info, act))


def _thematic_payload(done: models.ThematicReview | list[UserError]) -> ThematicReviewPayload:
    if isinstance(done, list):
        return ThematicReviewPayload(thematic_review=None, errors=done)
    return ThematicReviewPayload(thematic_review=ThematicReview.from_model(done), errors=[])


async def _start_thematic(info: HubInfo, input: ThematicReviewInput) -> ThematicReviewPayload:
    theme = thematic_review.Theme(title=input.title, theme=input.theme,
                                  case_ids=tuple(parse_id(c, "caseIds") for c in input.case_ids))

    async def act(session: AsyncSession) -> models.ThematicReview:
        return await thematic_review.start(session, clock=info.context.clock, principal=principal_of(info.context),
                                           theme=theme)

    return _thematic_payload(await unit_of_work(info, act))


async def _include_in_thematic(info: HubInfo, thematic_review_id: strawberry.ID,
                               case_ids: list[strawberry.ID]) -> ThematicReviewPayload:
    wanted = parse_id(thematic_review_id, "thematicReviewId")
    cases = tuple(parse_id(c, "caseIds") for c in case_ids)

    async def act(session: AsyncSession) -> models.ThematicReview:
        return await thematic_review.include(session, clock=info.context.clock, principal=principal_of(info.context),
                                             thematic_review_id=wanted, case_ids=cases)

    return _thematic_payload(await unit_of_work(info, act))


@strawberry.type
class PracticeReviewMutations:
    commission_review: PracticeReviewPayload = strawberry.field(
        resolver=_commission, extensions=roles(*COMMISSIONERS), description=described(
            "Commission a review: LOCAL by a partner of the lead area, NATIONAL by the Panel; each reviewer with "
            "the para 31 criteria and any conflict of interest (with its mitigation). A local review of a notified "
            "case follows its rapid review: once the partners decided a local review there, otherwise after the "
            "Panel's response (RAPID_REVIEW_NOT_SUBMITTED, AWAITING_PANEL_RESPONSE; paras 21, 25); a case referred "
            "but not notified may be reviewed at the partners' choice (para 19). Publication is due six months "
            "after the recorded decision, decidedOn (paras 41, 50). A local review following a rapid review is "
            "routed to the Panel, Ofsted and DfE (para 21), a para 19 review to the area's partners only; a national "
            "review to the Secretary of State (para 26).", COMMISSIONERS))
    record_review_supervision: PracticeReviewPayload = strawberry.field(
        resolver=_supervise, extensions=roles(*COMMISSIONERS), description=described(
            "Record a progress note or quality check on a review the caller supervises (paras 35, 45).",
            COMMISSIONERS))
    submit_final_report: PracticeReviewPayload = strawberry.field(
        resolver=_submit, extensions=roles(*COMMISSIONERS), description=described(
            "Submit the final report: improvements summary, systemic analysis, recommendations naming who acts by "
            "when (paras 36-37, 46). Text naming the child is refused unless namesChildJustification is given "
            "(para 39). Once per review.", COMMISSIONERS))
    schedule_publication: PracticeReviewPayload = strawberry.field(
        resolver=_schedule, extensions=roles(*COMMISSIONERS), description=described(
            "Send the pre-publication copies (local: Panel, Secretary of State, Ofsted, para 40; national: "
            "Secretary of State, para 49) and set the publication date, at least seven working days after them.",
            COMMISSIONERS))
    publish_report: PracticeReviewPayload = strawberry.field(
        resolver=_publish, extensions=roles(*COMMISSIONERS), description=described(
            "Record the publication, not before the notice ends; it stays in publishedReports until removed, and "
            "availableUntil (one year on, local, para 38; three, national, para 49) is the earliest removal date. "
            "Routed under paras 49 and 51.", COMMISSIONERS))
    withhold_publication: PracticeReviewPayload = strawberry.field(
        resolver=_withhold, extensions=roles(*COMMISSIONERS), description=described(
            "Publish the improvements information instead of the report, with the justification routed to the "
            "Panel and the Secretary of State (paras 38, 40-41, 47, 49-50).", COMMISSIONERS))
    record_publication_delay: PracticeReviewPayload = strawberry.field(
        resolver=_delay, extensions=roles(*COMMISSIONERS), description=described(
            "Report why publication is delayed, e.g. by a criminal investigation or inquest (paras 41, 50).",
            COMMISSIONERS))
    remove_published_report: PracticeReviewPayload = strawberry.field(
        resolver=_remove, extensions=roles(*COMMISSIONERS), description=described(
            "Remove a published report (or the improvements information) from publishedReports, by its publisher: "
            "not before availableUntil, as it must stay publicly available at least one year (local, para 38) or "
            "three (national, para 49); a reason is required.", COMMISSIONERS))
    update_recommendation: RecommendationPayload = strawberry.field(
        resolver=_update_recommendation, extensions=roles(*FOLLOW_UP), description=described(
            "Record progress on a recommendation, by the organisation named or the review's commissioners "
            "(para 43); COMPLETED needs evidence.", FOLLOW_UP))
    add_pool_reviewer: PoolReviewerPayload = strawberry.field(
        resolver=_add_pool_reviewer, extensions=roles(*PANEL), description=described(
            "Add a reviewer to the Panel's public pool (para 44).", PANEL))
    remove_pool_reviewer: PoolReviewerPayload = strawberry.field(
        resolver=_remove_pool_reviewer, extensions=roles(*PANEL), description=described(
            "Remove a reviewer from the pool; reviews that named them keep them.", PANEL))
    start_thematic_review: ThematicReviewPayload = strawberry.field(
        resolver=_start_thematic, extensions=roles(*PANEL), description=described(
            "Start a thematic national review over cases; each case's partners are told (para 28).", PANEL))
    include_in_thematic_review: ThematicReviewPayload = strawberry.field(
        resolver=_include_in_thematic, extensions=roles(*PANEL), description=described(
            "Add cases to a thematic national review (para 28).", PANEL))


async def practice_reviews(info: HubInfo, filter: PracticeReviewFilter | None = None, first: int | None = None,
                           after: str | None = None) -> Connection[PracticeReview]:
    principal = principal_of(info.context)
    today = today_in_england(info.context.clock)
    async with info.context.sessions() as session:
        visible = await visible_cases(session, principal, today)
    where: list[ColumnElement[bool]] = [col(models.PracticeReview.case_id).in_(select(col(models.Case.id)).where(visible))]
    if filter is not None and filter.kind is not None:
        where.append(col(models.PracticeReview.kind) == filter.kind.value)
    if filter is not None and filter.status:
        where.append(col(models.PracticeReview.status).in_([s.value for s in filter.status]))
    return await keyset_connection(info, models.PracticeReview, where, first=first, after=after,
                                   convert=lambda r: PracticeReview.from_model(r, today=today))


async def recommendations(info: HubInfo, filter: RecommendationFilter | None = None, first: int | None = None,
                          after: str | None = None) -> Connection[Recommendation]:
    principal = principal_of(info.context)
    today = today_in_england(info.context.clock)
    wanted = recommendation.RecommendationQuery(
        statuses=tuple(filter.status or ()) if filter else (),
        overdue_on=today if filter and filter.overdue else None,
        review_id=parse_id(filter.review_id, "reviewId") if filter and filter.review_id else None)
    async with info.context.sessions() as session:
        where = await recommendation.visible(session, principal, today, wanted)
    return await keyset_connection(info, models.Recommendation, where, first=first, after=after,
                                   convert=lambda r: Recommendation.from_model(r, today=today), newest=False)


async def published_reports(info: HubInfo, first: int | None = None, after: str | None = None,
                            ) -> Connection[PublishedReport]:
    today = today_in_england(info.context.clock)
    page: Connection[models.PracticeReview] = await keyset_connection(
        info, models.PracticeReview, [publication.publicly_available(today)], first=first, after=after,
        convert=lambda r: r)
    reviewers = await info.context.loaders.reviewers.load_many([r.id for r in page.nodes])
    reports = [PublishedReport.from_model(r, names) for r, names in zip(page.nodes, reviewers, strict=True)]
    edges = [Edge(cursor=e.cursor, node=report) for e, report in zip(page.edges, reports, strict=True)]
    return Connection(edges=edges, nodes=reports, page_info=page.page_info, count=page.count)


async def reviewer_pool_page(info: HubInfo, first: int | None = None, after: str | None = None,
                             ) -> Connection[Reviewer]:
    return await keyset_connection(info, models.PoolReviewer, [col(models.PoolReviewer.active).is_(True)],
                                   first=first, after=after, convert=Reviewer.from_pool, by="added_at", newest=False)


async def thematic_reviews(info: HubInfo, first: int | None = None, after: str | None = None,
                           ) -> Connection[ThematicReview]:
    return await keyset_connection(info, models.ThematicReview, [], first=first, after=after,
                                   convert=ThematicReview.from_model)


THEMATIC_REVIEWS_DESCRIPTION = described("The Panel's thematic national reviews, newest first (para 28).", PANEL)
PRACTICE_REVIEWS_DESCRIPTION = described(
    "Practice reviews of the cases the caller may see, newest first (paras 30-51).", ANY_ROLE)
RECOMMENDATIONS_DESCRIPTION = described(
    "Recommendations of the reviews the caller sees, and those addressed to its organisation, oldest first: a "
    "partnership's open recommendations across all its reviews (para 43).", FOLLOW_UP)
PUBLISHED_REPORTS_DESCRIPTION = (
    "Published reports and improvements information, until their publisher removes them (removePublishedReport, "
    "possible from availableUntil: at least one year local, para 38, three national, para 49), most recently "
    "commissioned first (paras 38, 47). Public: no token needed.")
REVIEWER_POOL_DESCRIPTION = "The Panel's pool of reviewers for national reviews (para 44). Public: no token needed."
