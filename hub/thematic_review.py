"""Thematic national reviews: the Panel groups cases under one theme (para 28).

"There will be instances where a local review has been carried out which could
then form part of a thematic review that the Panel undertakes at a later date
... the Panel should engage with safeguarding partners to agree the conduct of
the review." Each case included is told to its area's partners and, as every national review is, to the
Secretary of State (para 26): one message per case the national review covers, when it is included.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from hub import events, routing
from hub.case import MAX_SUMMARY, check_text, find_visible
from hub.clock import Clock, today_in_england
from hub.errors import Forbidden, Problem, Refused, refuse_if
from hub.models import Case, ThematicReview, ThematicReviewCase
from hub.naming import naming_problems
from hub.practice_review import children_of
from hub.principal import Principal
from hub.statute import rule
from hub.vocabulary import EventType, Role

MAX_TITLE = 300
MAX_CASES = 500


@dataclass(frozen=True)
class Theme:
    title: str
    theme: str
    case_ids: tuple[str, ...]


@rule("thematic-review", "para 28",
      "the Panel may group cases, reviewed locally or not, under a thematic national review, and tells the "
      "partners of each case's area and the Secretary of State (para 26)")
async def start(session: AsyncSession, *, clock: Clock, principal: Principal, theme: Theme) -> ThematicReview:
    if principal.role is not Role.PANEL:
        raise Forbidden("thematic reviews are the Panel's (para 28)")
    problems = check_text(theme.title, ("input", "title"), required=True, limit=MAX_TITLE)
    problems += check_text(theme.theme, ("input", "theme"), required=True, limit=MAX_SUMMARY)
    refuse_if(problems)
    review = ThematicReview(title=theme.title.strip(), theme=theme.theme, started_by_id=principal.organisation_id,
                            created_at=clock.now())
    session.add(review)
    await session.flush()
    await include(session, clock=clock, principal=principal, thematic_review_id=review.id, case_ids=theme.case_ids,
                  field=("input", "caseIds"), title_field=("input", "title"))
    return review


@rule("thematic-review-title-names-no-child", "para 39",
      "a thematic review's title, read by every role that sees an included case (pseudonym-only roles too), "
      "does not name a child of a case it includes")
async def _title_problems(session: AsyncSession, review: ThematicReview, cases: Iterable[Case],
                          path: tuple[str, ...]) -> list[Problem]:
    children = [child for case in cases for child in await children_of(session, case.id)]
    return naming_problems([(path, review.title)], children, justification=None,
                           basis="para 39: read by roles that see the child only by pseudonym")


async def include(session: AsyncSession, *, clock: Clock, principal: Principal, thematic_review_id: str,
                  case_ids: Sequence[str], field: tuple[str, ...] = ("caseIds",),
                  title_field: tuple[str, ...] = ("thematicReviewId",)) -> ThematicReview:
    if principal.role is not Role.PANEL:
        raise Forbidden("thematic reviews are the Panel's (para 28)")
    review = await session.get(ThematicReview, thematic_review_id)
    if review is None:
        raise Refused([Problem("NOT_FOUND", ("thematicReviewId",), "no such thematic review")])
    if len(case_ids) > MAX_CASES:
        raise Refused([Problem("TOO_MANY", field, f"at most {MAX_CASES} cases at once")])
    today, at = today_in_england(clock), clock.now()
    already = set((await session.execute(select(col(ThematicReviewCase.case_id)).where(
        col(ThematicReviewCase.thematic_review_id) == review.id))).scalars())
    cases: dict[str, Case] = {}
    for i, case_id in enumerate(case_ids):
        if case_id not in cases:
            cases[case_id] = await find_visible(session, principal=principal, case_id=case_id, today=today,
                                                field=(*field, str(i)))
    refuse_if(await _title_problems(session, review, cases.values(), title_field))
    for case in cases.values():
        if case.id in already:
            continue
        session.add(ThematicReviewCase(thematic_review_id=review.id, case_id=case.id, added_at=at))
        await session.flush()
        await routing.dispatch(session, event=EventType.THEMATIC_REVIEW_INCLUDED, case=case, subject_id=review.id,
                               sender_id=principal.organisation_id, at=at, today=today)
        events.record(session, case_id=case.id, event=EventType.THEMATIC_REVIEW_INCLUDED,
                      actor_id=principal.organisation_id, at=at, data={"thematicReviewId": review.id})
    return review
