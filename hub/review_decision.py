"""The decision to initiate a practice review: which route leads to it and on which day it was taken
(paras 16-21, 25-26, 41, 50).

The six months to publication run "from the date of the decision to initiate a review" (paras 41, 50), so
commissioning reads that date from what the hub recorded when the decision was taken and cannot move it:

- a local review the partners decided at (or after) their rapid review: the ``review.decided`` record (para 21);
- a national review the Panel decided in its response to a rapid review: that response (paras 22, 26).

With no earlier record, the commissioning records the decision, on a day no later than today and no earlier than
the day the case became known: a para 19 review of a case referred but not notified; a local review the partners
decide after the Panel's response; a national review the Panel commissions directly.

Routing (para 21). Para 21 asks the partners to tell the Panel, Ofsted and DfE "as soon as they have determined
that a local review will be carried out", as the step after a rapid review of a notified serious incident. A para 19
review of a case that was never notified to the Panel (a near miss, good or poor practice) is one the partners "may
choose" to carry out for their own area: para 21 does not reach it, and the case is not the Panel's to see, so its
commissioning is told to the area's partners only (para 30). Its report still goes to the Panel, the Secretary of
State and Ofsted before publication (para 40), as every local report does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import Enum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from hub.clock import LONDON
from hub.errors import Problem
from hub.models import Case, CaseEvent, Notification, PanelResponse, PracticeReview, RapidReview, ReviewStatement
from hub.statute import rule
from hub.vocabulary import (
    EventType,
    NewInformationOutcome,
    PanelOutcome,
    RapidReviewStatus,
    ReviewKind,
    ReviewStatementKind,
)

DECIDED_ON = ("input", "decidedOn")


class Source(str, Enum):
    """Where the decision to initiate a review is recorded."""

    RAPID_REVIEW = "RAPID_REVIEW"  # review.decided: the partners, at or after the rapid review (para 21)
    PANEL_RESPONSE = "PANEL_RESPONSE"  # the Panel's NATIONAL_REVIEW response (paras 22, 26)
    COMMISSIONING = "COMMISSIONING"  # nothing earlier: the commissioning records it


@dataclass(frozen=True)
class Decision:
    recorded_on: date | None
    source: Source
    after_rapid_review: bool = True  # False: a para 19 review of a case not notified to the Panel


async def notified_to_panel(session: AsyncSession, case_id: str) -> bool:
    """Whether a notification to the Panel stands: a withdrawn one (paras 10-12) leaves the case to para 19."""
    query = select(col(Notification.id)).where(col(Notification.case_id) == case_id, col(Notification.to_panel),
                                               col(Notification.withdrawn_at).is_(None))
    return (await session.execute(query)).first() is not None


async def _rapid_review(session: AsyncSession, case_id: str) -> RapidReview | None:
    query = select(RapidReview).where(col(RapidReview.case_id) == case_id)
    return (await session.execute(query)).scalar_one_or_none()


async def local_decided_on(session: AsyncSession, case_id: str) -> date | None:
    """The first ``review.decided`` record of a local review for the case, as a date in England."""
    query = select(CaseEvent).where(col(CaseEvent.case_id) == case_id,
                                    col(CaseEvent.event_type) == EventType.REVIEW_DECIDED.value)
    found = [e.occurred_at for e in (await session.execute(query)).scalars()
             if e.data.get("kind") == ReviewKind.LOCAL.value]
    return min(found).astimezone(LONDON).date() if found else None


async def national_decided_on(session: AsyncSession, case_id: str) -> date | None:
    """The day of the Panel's latest decision for a national review of the case (para 26): its NATIONAL_REVIEW
    response to the rapid review, or its NATIONAL_REVIEW answer to new information from a local review (para 21)."""
    responses = (select(col(PanelResponse.responded_at))
                 .join(RapidReview, col(RapidReview.id) == col(PanelResponse.rapid_review_id))
                 .where(col(RapidReview.case_id) == case_id,
                        col(PanelResponse.outcome) == PanelOutcome.NATIONAL_REVIEW.value))
    answers = (select(col(ReviewStatement.answered_at))
               .join(PracticeReview, col(PracticeReview.id) == col(ReviewStatement.review_id))
               .where(col(PracticeReview.case_id) == case_id,
                      col(ReviewStatement.kind) == ReviewStatementKind.NEW_INFORMATION.value,
                      col(ReviewStatement.outcome) == NewInformationOutcome.NATIONAL_REVIEW.value))
    found = [at for query in (responses, answers) for at in (await session.execute(query)).scalars() if at]
    return max(found).astimezone(LONDON).date() if found else None


def _recorded(on: date | None, source: Source, *, after_rapid_review: bool = True) -> Decision:
    return Decision(on, source if on else Source.COMMISSIONING, after_rapid_review)


@rule("local-review-route", "paras 16, 19, 21, 25",
      "a local review of a case notified to the Panel follows its rapid review: the partners' decision for a "
      "local review (review.decided) or, failing that, the Panel's response; a case referred but not notified "
      "(para 14) may be reviewed locally at the partners' choice (para 19), and para 21's routing does not apply")
async def local_route(session: AsyncSession, case: Case) -> tuple[Decision, list[Problem]]:
    decided = await local_decided_on(session, case.id)
    if not await notified_to_panel(session, case.id):
        return _recorded(decided, Source.RAPID_REVIEW, after_rapid_review=False), []
    rapid = await _rapid_review(session, case.id)
    if rapid is None or rapid.status == RapidReviewStatus.IN_PROGRESS.value:
        return _recorded(decided, Source.RAPID_REVIEW), [Problem(
            "RAPID_REVIEW_NOT_SUBMITTED", ("caseId",),
            "a local review of a notified case follows the rapid review sent to the Panel (paras 16, 20-21)")]
    if decided is None and rapid.status != RapidReviewStatus.RESPONDED.value:
        return _recorded(decided, Source.RAPID_REVIEW), [Problem(
            "AWAITING_PANEL_RESPONSE", ("caseId",),
            "the rapid review did not decide a local review and the Panel has not yet responded: commission one "
            "after the Panel's response (paras 21, 25)")]
    return _recorded(decided, Source.RAPID_REVIEW), []


async def national_route(session: AsyncSession, case: Case) -> Decision:
    return _recorded(await national_decided_on(session, case.id), Source.PANEL_RESPONSE)


async def decision_for(session: AsyncSession, case: Case, kind: ReviewKind) -> tuple[Decision, list[Problem]]:
    if kind is ReviewKind.NATIONAL:
        return await national_route(session, case), []
    return await local_route(session, case)


@rule("review-decision-date", "paras 41, 50",
      "a review's decidedOn is the recorded decision to initiate it (review.decided, or the Panel's NATIONAL_REVIEW "
      "response), so the six months to publication cannot be moved by the commissioning; with none recorded, the "
      "commissioning records it, neither in the future nor before the case became known")
def decided_on(decision: Decision, given: date | None, *, today: date, aware_on: date) -> tuple[date, list[Problem]]:
    if decision.recorded_on is not None:
        if given is not None and given != decision.recorded_on:
            return decision.recorded_on, [Problem(
                "DECIDED_ON_DIFFERS_FROM_RECORD", DECIDED_ON,
                f"the decision to initiate this review was recorded on {decision.recorded_on.isoformat()} "
                f"({decision.source.value}); publication is due six months from it (paras 41, 50): "
                "leave decidedOn out or give that date")]
        return decision.recorded_on, []
    day = given or today
    if day > today:
        return day, [Problem("DECIDED_IN_FUTURE", DECIDED_ON, "the decision cannot be in the future")]
    if day < aware_on:
        return day, [Problem("DECIDED_BEFORE_AWARE", DECIDED_ON,
                             "the decision cannot come before the incident was known")]
    return day, []
