"""The safeguarding partnership's figures for its yearly report (para 43; chapter 3 para 41).

For a period, about the partnership's own cases (those it leads) and its local
reviews: how many rapid reviews it sent to the Panel (cases considered for a
review, paras 16, 21), how many local reviews it commissioned (decided on in
the period) and published; and how its local reviews' recommendations stand
today: open (not completed), overdue (not completed and due before today) and
completed within the period (para 43: "regularly audit progress on the
implementation of recommended improvements"). Only the partnership's own
members (its local authority, police and ICB today) read them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from hub.clock import start_of_day
from hub.errors import BadUserInput, Forbidden
from hub.models import Case, PracticeReview, RapidReview, Recommendation
from hub.organisations import partnerships_of
from hub.principal import Principal
from hub.statute import rule
from hub.vocabulary import RecommendationStatus, ReviewKind


@dataclass(frozen=True)
class Figures:
    reviews_considered: int
    reviews_commissioned: int
    reviews_published: int
    recommendations_open: int
    recommendations_overdue: int
    recommendations_completed: int


async def _count(session: AsyncSession, entity: object, *where: ColumnElement[bool]) -> int:
    query = select(func.count()).select_from(entity).where(*where)  # type: ignore[arg-type]
    return int((await session.execute(query)).scalar_one())


@rule("partnership-yearly-figures", "para 43; chapter 3 para 41",
      "a partnership's own members read its reviews considered, commissioned and published in a period and "
      "how its recommendations stand: open, overdue, completed")
async def figures(session: AsyncSession, *, principal: Principal, partnership_id: str, start: date, end: date,
                  today: date) -> Figures:
    if not principal.is_partner or partnership_id not in await partnerships_of(session, principal.organisation_id,
                                                                               today):
        raise Forbidden("only the partnership's own members read its figures")
    if end < start:
        raise BadUserInput("to is before from")
    own_cases = select(col(Case.id)).where(col(Case.lead_partnership_id) == partnership_id)
    local = [col(PracticeReview.partnership_id) == partnership_id, col(PracticeReview.kind) == ReviewKind.LOCAL.value]
    reviews = select(col(PracticeReview.id)).where(*local)
    in_reviews = col(Recommendation.review_id).in_(reviews)
    not_done = col(Recommendation.status) != RecommendationStatus.COMPLETED.value
    after = start_of_day(date.fromordinal(end.toordinal() + 1))
    return Figures(
        reviews_considered=await _count(session, RapidReview, col(RapidReview.case_id).in_(own_cases),
                                        col(RapidReview.submitted_on) >= start, col(RapidReview.submitted_on) <= end),
        reviews_commissioned=await _count(session, PracticeReview, *local, col(PracticeReview.decided_on) >= start,
                                          col(PracticeReview.decided_on) <= end),
        reviews_published=await _count(session, PracticeReview, *local, col(PracticeReview.published_on) >= start,
                                       col(PracticeReview.published_on) <= end),
        recommendations_open=await _count(session, Recommendation, in_reviews, not_done),
        recommendations_overdue=await _count(session, Recommendation, in_reviews, not_done,
                                             col(Recommendation.due_on) < today),
        recommendations_completed=await _count(
            session, Recommendation, in_reviews, col(Recommendation.status) == RecommendationStatus.COMPLETED.value,
            col(Recommendation.completed_at) >= start_of_day(start), col(Recommendation.completed_at) < after),
    )
