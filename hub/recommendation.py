"""Following up a review's recommendations to completion (paras 37, 43).

"The safeguarding partners ... should regularly audit progress on the
implementation of recommended improvements." Each recommendation names who must
act and by when (para 37); the organisation named, or the review's
commissioners, record progress; completion needs evidence; every update is kept.
When the report is published and the last recommendation is completed, the
review is closed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from hub import events, routing
from hub.case import MAX_SUMMARY, check_text
from hub.clock import Clock, today_in_england
from hub.errors import Forbidden, Problem, Refused, refuse_if
from hub.models import Case, Organisation, PracticeReview, Recommendation, RecommendationUpdate
from hub.practice_review import ReviewStatus, find, supervises
from hub.principal import Principal
from hub.statute import rule
from hub.visibility import may_see_case_record, visible_cases
from hub.vocabulary import EventType, RecommendationStatus, ReviewKind


@dataclass(frozen=True)
class Progress:
    status: RecommendationStatus
    progress: str
    evidence: str | None = None


@dataclass(frozen=True)
class Updated:
    recommendation: Recommendation
    review: PracticeReview


async def _find(session: AsyncSession, principal: Principal, recommendation_id: str,
                today: date) -> tuple[Recommendation, PracticeReview, Case]:
    """The recommendation, for the organisation it names (which may not otherwise see the case) or for
    whoever sees the review's case; otherwise refused as not found."""
    recommendation = await session.get(Recommendation, recommendation_id)
    if recommendation is not None:
        if recommendation.addressee_id == principal.organisation_id:
            review = await session.get(PracticeReview, recommendation.review_id)
            case = await session.get(Case, review.case_id) if review else None
            if review is not None and case is not None:
                return recommendation, review, case
        try:
            review, case = await find(session, principal=principal, review_id=recommendation.review_id, today=today,
                                      field=("recommendationId",))
            return recommendation, review, case
        except Refused:
            pass
    raise Refused([Problem("NOT_FOUND", ("recommendationId",), "no such recommendation")])


@rule("recommendation-follow-up", "paras 37, 43",
      "the organisation named or the review's commissioners record progress on a recommendation; completion "
      "needs evidence; a completed recommendation stays completed; the last one completed after publication "
      "closes the review")
async def update(session: AsyncSession, *, clock: Clock, principal: Principal, recommendation_id: str,
                 progress: Progress) -> Updated:
    today, at = today_in_england(clock), clock.now()
    recommendation, review, case = await _find(session, principal, recommendation_id, today)
    if principal.organisation_id != recommendation.addressee_id and not await supervises(session, principal, review, today):
        raise Forbidden("progress is recorded by the organisation named or by the review's commissioners (para 43)")
    problems = check_text(progress.progress, ("input", "progress"), required=True, limit=MAX_SUMMARY)
    problems += check_text(progress.evidence, ("input", "evidence"), required=progress.status is RecommendationStatus.COMPLETED,
                           limit=MAX_SUMMARY)
    if progress.status is RecommendationStatus.OPEN:
        problems.append(Problem("STATUS_NOT_ALLOWED", ("input", "status"),
                                "report IN_PROGRESS or COMPLETED; OPEN is where a recommendation starts"))
    if recommendation.status == RecommendationStatus.COMPLETED.value:
        problems.append(Problem("RECOMMENDATION_COMPLETED", ("recommendationId",),
                                "the recommendation was already completed"))
    refuse_if(problems)
    recommendation.status, recommendation.progress, recommendation.updated_at = (
        progress.status.value, progress.progress, at)
    if progress.evidence:
        recommendation.evidence = progress.evidence
    if progress.status is RecommendationStatus.COMPLETED:
        recommendation.completed_at = at
    session.add(RecommendationUpdate(recommendation_id=recommendation.id, status=progress.status.value,
                                     progress=progress.progress, evidence=progress.evidence or None,
                                     recorded_by_id=principal.organisation_id, recorded_at=at))
    await session.flush()
    closes = review.status == ReviewStatus.PUBLISHED.value and await all_completed(session, review.id)
    if closes:
        review.status, review.closed_at = ReviewStatus.CLOSED.value, at
    named = [o for o in (await session.execute(select(Organisation).where(col(Organisation.id).in_(
        [recommendation.addressee_id, *([review.commissioned_by_id] if review.kind == ReviewKind.NATIONAL.value else [])]
    )))).scalars()]
    await routing.dispatch(session, event=EventType.RECOMMENDATION_UPDATED, case=case, subject_id=recommendation.id,
                           sender_id=principal.organisation_id, at=at, today=today, named=named,
                           area=review.partnership_id)
    events.record(session, case_id=case.id, event=EventType.RECOMMENDATION_UPDATED, actor_id=principal.organisation_id,
                  at=at, data={"reviewId": review.id, "recommendationId": recommendation.id,
                               "status": progress.status.value, "reviewClosed": closes})
    await session.flush()
    return Updated(recommendation, review)


async def all_completed(session: AsyncSession, review_id: str) -> bool:
    """Whether every recommendation of a review is completed (a review with none has nothing left to do)."""
    pending = (await session.execute(select(col(Recommendation.id)).where(
        col(Recommendation.review_id) == review_id,
        col(Recommendation.status) != RecommendationStatus.COMPLETED.value).limit(1))).first()
    return pending is None


@dataclass(frozen=True)
class RecommendationQuery:
    statuses: tuple[RecommendationStatus, ...] = ()
    overdue_on: date | None = None  # only those due before this day and not completed
    review_id: str | None = None


@rule("visibility-recommendations", "para 43; DOMAIN: who may see what",
      "partners and the Panel list the recommendations of the reviews they see; an organisation named in a "
      "recommendation sees the ones addressed to it")
async def visible(session: AsyncSession, principal: Principal, today: date,
                  wanted: RecommendationQuery) -> list[ColumnElement[bool]]:
    """SQL conditions on ``Recommendation`` for the caller and the filter."""
    mine = col(Recommendation.addressee_id) == principal.organisation_id
    if may_see_case_record(principal):
        cases = select(col(Case.id)).where(await visible_cases(session, principal, today))
        reviews = select(col(PracticeReview.id)).where(col(PracticeReview.case_id).in_(cases))
        where: list[ColumnElement[bool]] = [or_(col(Recommendation.review_id).in_(reviews), mine)]
    else:
        where = [mine]
    if wanted.statuses:
        where.append(col(Recommendation.status).in_([s.value for s in wanted.statuses]))
    if wanted.overdue_on is not None:
        where += [col(Recommendation.due_on) < wanted.overdue_on,
                  col(Recommendation.status) != RecommendationStatus.COMPLETED.value]
    if wanted.review_id is not None:
        where.append(col(Recommendation.review_id) == wanted.review_id)
    return where
