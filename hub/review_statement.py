"""What is said about a practice review while it runs, and about its publication (paras 21, 41-42, 50).

New information during a local review that suggests a national review may be appropriate goes from the
partners to the Panel, which answers with its rationale (para 21; paras 22, 25-26). Points about improvements
are shared while a review is in progress: a local review's with the Panel and the partners (para 42), a
national review's with the partners of every area it covers and others as applicable (para 50). The Panel and
the Secretary of State may comment on a decision not to publish or on a delay, and the publisher should have
regard to the comment (paras 41, 50).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from hub import criteria, events, organisations, routing
from hub.case import MAX_SUMMARY, check_text
from hub.clock import Clock, today_in_england
from hub.errors import Forbidden, Problem, Refused, refuse_if
from hub.models import Case, Organisation, PracticeReview, PublicationDelay, ReviewStatement
from hub.naming import naming_problems
from hub.practice_review import ReviewStatus, children_of, find, find_supervised, variant
from hub.principal import Principal
from hub.statute import rule
from hub.visibility import may_see_case_record
from hub.vocabulary import (
    EventType,
    NewInformationOutcome,
    PublicationCommentSubject,
    ReviewKind,
    ReviewStatementKind,
    Role,
)

IN_PROGRESS = (ReviewStatus.COMMISSIONED.value, ReviewStatus.REPORT_SUBMITTED.value,
               ReviewStatus.PUBLICATION_SCHEDULED.value)
MAX_ALSO_TO = 20


@dataclass(frozen=True)
class Learning:
    text: str
    also_to_codes: tuple[str, ...] = ()


def _in_progress(review: PracticeReview) -> list[Problem]:
    if review.status in IN_PROGRESS:
        return []
    return [Problem("REVIEW_FINISHED", ("reviewId",), "the review has been published: its report is the learning")]


async def _tell(session: AsyncSession, *, event: EventType, review: PracticeReview, case: Case,
                principal: Principal, clock: Clock, route_as: routing.Variant, data: dict[str, Any],
                named: Sequence[Organisation] = ()) -> None:
    at, today = clock.now(), today_in_england(clock)
    await routing.dispatch(session, event=event, case=case, subject_id=review.id, sender_id=principal.organisation_id,
                           at=at, today=today, variant=route_as, named=named, area=review.partnership_id)
    events.record(session, case_id=case.id, event=event, actor_id=principal.organisation_id, at=at,
                  data={"reviewId": review.id, **data})


def _statement(review: PracticeReview, principal: Principal, clock: Clock, kind: ReviewStatementKind, text: str,
               subject: str | None = None) -> ReviewStatement:
    return ReviewStatement(review_id=review.id, kind=kind.value, subject=subject, text=text,
                           recorded_by_id=principal.organisation_id, recorded_at=clock.now())


@rule("new-information-to-panel", "para 21",
      "new information during a local review that suggests a national review may be appropriate is shared by the "
      "partners with the Panel")
async def report_new_information(session: AsyncSession, *, clock: Clock, principal: Principal, review_id: str,
                                 information: str) -> PracticeReview:
    review, case = await find_supervised(session, principal=principal, review_id=review_id,
                                         today=today_in_england(clock))
    problems = check_text(information, ("input", "information"), required=True, limit=MAX_SUMMARY)
    if review.kind != ReviewKind.LOCAL.value:
        problems.append(Problem("NOT_A_LOCAL_REVIEW", ("reviewId",),
                                "the Panel already runs this national review (para 21 is about local reviews)"))
    problems += _in_progress(review)
    refuse_if(problems)
    statement = _statement(review, principal, clock, ReviewStatementKind.NEW_INFORMATION, information)
    session.add(statement)
    await session.flush()
    await _tell(session, event=EventType.REVIEW_NEW_INFORMATION, review=review, case=case, principal=principal,
                clock=clock, route_as=routing.Variant.LOCAL_REVIEW, data={"newInformationId": statement.id})
    return review


async def _new_information(session: AsyncSession, principal: Principal, statement_id: str,
                           today: date) -> tuple[ReviewStatement, PracticeReview, Case]:
    field = ("newInformationId",)
    statement = await session.get(ReviewStatement, statement_id)
    if statement is None or statement.kind != ReviewStatementKind.NEW_INFORMATION.value:
        raise Refused([Problem("NOT_FOUND", field, "no such new information")])
    review, case = await find(session, principal=principal, review_id=statement.review_id, today=today, field=field)
    return statement, review, case


@rule("panel-answers-new-information", "paras 21-22, 25-26",
      "the Panel answers new information from a local review with its rationale and each para 22 criterion "
      "answered, routed to the partners: a national review (also routed to the Secretary of State, para 26) or the "
      "local review continues")
async def answer_new_information(session: AsyncSession, *, clock: Clock, principal: Principal, statement_id: str,
                                 outcome: NewInformationOutcome, rationale: str,
                                 considered: tuple[criteria.Considered, ...] = ()) -> PracticeReview:
    if principal.role is not Role.PANEL:
        raise Forbidden("the Panel answers new information (para 21)")
    statement, review, case = await _new_information(session, principal, statement_id, today_in_england(clock))
    problems = check_text(rationale, ("input", "rationale"), required=True, limit=MAX_SUMMARY)
    problems += criteria.national_review_problems(considered, (), deciding=True)  # para 22: a decision either way
    if statement.answered_at is not None:
        problems.append(Problem("ALREADY_ANSWERED", ("newInformationId",),
                                f"the Panel already answered {statement.outcome}"))
    refuse_if(problems)
    statement.outcome, statement.answer = outcome.value, rationale
    statement.criteria_considered = criteria.rows(considered)
    statement.answered_by_id, statement.answered_at = principal.organisation_id, clock.now()
    await session.flush()
    national = outcome is NewInformationOutcome.NATIONAL_REVIEW
    route_as = routing.Variant.NATIONAL_REVIEW if national else routing.Variant.LOCAL_REVIEW
    await _tell(session, event=EventType.REVIEW_NEW_INFORMATION_ANSWERED, review=review, case=case,
                principal=principal, clock=clock, route_as=route_as,
                data={"newInformationId": statement.id, "outcome": outcome.value})
    return review


async def _also_to(session: AsyncSession, codes: Sequence[str]) -> tuple[list[Organisation], list[Problem]]:
    path = ("input", "alsoToCodes")
    if len(codes) > MAX_ALSO_TO:
        return [], [Problem("TOO_MANY", path, f"at most {MAX_ALSO_TO} organisations")]
    found = await organisations.by_codes(session, codes)
    problems = [Problem("UNKNOWN_ORGANISATION", (*path, str(i)), "name each organisation by its code")
                for i, code in enumerate(codes) if code not in found]
    return list({found[c].id: found[c] for c in codes if c in found}.values()), problems


@rule("share-review-learning", "paras 42, 50",
      "points about improvements are shared while a review is in progress: a local review's with the Panel and "
      "the partners (para 42), a national review's with the partners of every area covered (para 50), and with "
      "others as applicable; the text must not name the child")
async def share_learning(session: AsyncSession, *, clock: Clock, principal: Principal, review_id: str,
                         learning: Learning) -> PracticeReview:
    review, case = await find_supervised(session, principal=principal, review_id=review_id,
                                         today=today_in_england(clock))
    problems = check_text(learning.text, ("input", "learning"), required=True, limit=MAX_SUMMARY)
    problems += naming_problems([(("input", "learning"), learning.text)], await children_of(session, case.id),
                                justification=None)
    problems += _in_progress(review)
    named, more = await _also_to(session, learning.also_to_codes)
    refuse_if(problems + more)
    statement = _statement(review, principal, clock, ReviewStatementKind.LEARNING, learning.text)
    session.add(statement)
    await session.flush()
    await _tell(session, event=EventType.REVIEW_LEARNING_SHARED, review=review, case=case, principal=principal,
                clock=clock, route_as=variant(review), named=named, data={"learningId": statement.id})
    return review


async def _subject_problems(session: AsyncSession, review: PracticeReview,
                            subject: PublicationCommentSubject) -> list[Problem]:
    path = ("input", "subject")
    if subject is PublicationCommentSubject.DECISION_NOT_TO_PUBLISH and not review.withheld:
        return [Problem("NOT_WITHHELD", path, "the publisher has not decided against publishing the report")]
    if subject is PublicationCommentSubject.DELAY:
        delays = await session.execute(select(col(PublicationDelay.id)).where(
            col(PublicationDelay.review_id) == review.id).limit(1))
        if delays.first() is None:
            return [Problem("NO_DELAY_REPORTED", path, "no delay to publication has been reported")]
    return []


@rule("publication-comment", "paras 41, 50",
      "the Panel (of a local review) or the Secretary of State comments on a decision not to publish or on a "
      "delay; the comment goes to the publisher, who should have regard to it")
async def comment_on_publication(session: AsyncSession, *, clock: Clock, principal: Principal, review_id: str,
                                 subject: PublicationCommentSubject, comment: str) -> PracticeReview:
    if principal.role not in (Role.PANEL, Role.DFE):
        raise Forbidden("the Panel and the Secretary of State comment on publication (paras 41, 50)")
    review, case = await find(session, principal=principal, review_id=review_id, today=today_in_england(clock))
    if principal.role is Role.PANEL and review.kind == ReviewKind.NATIONAL.value:
        raise Forbidden("the Panel publishes a national review: the Secretary of State comments on it (para 50)")
    problems = check_text(comment, ("input", "comment"), required=True, limit=MAX_SUMMARY)
    problems += await _subject_problems(session, review, subject)
    if review.published_on is not None:
        problems.append(Problem("ALREADY_PUBLISHED", ("reviewId",), "the review was already published"))
    refuse_if(problems)
    statement = _statement(review, principal, clock, ReviewStatementKind.PUBLICATION_COMMENT, comment, subject.value)
    session.add(statement)
    await session.flush()
    await _tell(session, event=EventType.PUBLICATION_COMMENTED, review=review, case=case, principal=principal,
                clock=clock, route_as=variant(review), data={"commentId": statement.id, "subject": subject.value})
    return review


SECRETARY_OF_STATE_NOTICES = frozenset({EventType.REPORT_WITHHELD.value, EventType.PUBLICATION_DELAYED.value,
                                        EventType.PUBLICATION_COMMENTED.value})


@rule("visibility-review-statements", "paras 21, 41-42, 50; DOMAIN: who may see what",
      "new information is for the partners and the Panel; learning also for those it was shared with; comments on "
      "publication also for the Secretary of State (through DfE)")
def may_read(principal: Principal, kind: ReviewStatementKind, received: frozenset[str]) -> bool:
    if may_see_case_record(principal):
        return True
    if kind is ReviewStatementKind.LEARNING:
        return EventType.REVIEW_LEARNING_SHARED.value in received
    if kind is ReviewStatementKind.PUBLICATION_COMMENT:
        return principal.role is Role.DFE and bool(received & SECRETARY_OF_STATE_NOTICES)
    return False
