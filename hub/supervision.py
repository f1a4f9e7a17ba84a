"""Supervising a review: written requests to the reviewer (para 35; para 45 for the Panel).

"The safeguarding partners may request information from the reviewer during the
review to enable them to assess progress and quality; any such requests must be
made in writing." Such a request is an information request (paras 24, 35)
addressed to a reviewer of the case's review rather than to organisations. A
reviewer is a person, not an organisation with a system of its own: the
reviewer's written answer is recorded by the review's commissioners.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from hub import events, information_request, organisations, routing
from hub.case import MAX_SUMMARY, check_text, find_visible
from hub.clock import Clock, today_in_england
from hub.errors import Forbidden, Problem, Refused, refuse_if
from hub.information_request import Ask, check_ask
from hub.models import Case, InformationRequest, Organisation, PracticeReview, ReviewReviewer
from hub.policy import Policy
from hub.practice_review import ReviewStatus, supervises
from hub.principal import Principal
from hub.statute import rule
from hub.vocabulary import EventType, InformationRequestStatus, ReviewKind


async def _supervisors(session: AsyncSession, review: PracticeReview, today: date) -> list[Organisation]:
    if review.kind == ReviewKind.NATIONAL.value or review.partnership_id is None:
        return []
    return list((await organisations.members_of(session, [review.partnership_id], today)).get(review.partnership_id, []))


@rule("supervision-request-in-writing", "para 35; para 45",
      "the commissioners' requests to a reviewer are made in writing, as information requests with a due date")
async def ask_reviewer(session: AsyncSession, *, clock: Clock, principal: Principal, case_id: str, reviewer_id: str,
                       ask: Ask, policy: Policy) -> InformationRequest:
    today, at = today_in_england(clock), clock.now()
    case = await find_visible(session, principal=principal, case_id=case_id, today=today, field=("input", "caseId"))
    reviewer = await session.get(ReviewReviewer, reviewer_id)
    review = await session.get(PracticeReview, reviewer.review_id) if reviewer else None
    if reviewer is None or review is None or review.case_id != case.id:
        raise Refused([Problem("REVIEWER_NOT_FOUND", ("input", "toReviewerId"),
                               "no reviewer with this id has been commissioned for the case")])
    if not await supervises(session, principal, review, today):
        raise Forbidden("only the review's commissioners supervise its reviewer (paras 35, 45)")
    problems = check_ask(ask, today=today, policy=policy, path=("input",), due_field="dueOn",
                         codes_field="fromOrganisationCodes")
    if ask.from_codes:
        problems.append(Problem("ONE_ADDRESSEE_FORM", ("input", "fromOrganisationCodes"),
                                "ask either organisations or a reviewer, not both"))
    if review.status not in (ReviewStatus.COMMISSIONED.value, ReviewStatus.REPORT_SUBMITTED.value):
        problems.append(Problem("REVIEW_FINISHED", ("input", "toReviewerId"),
                                "supervision ends when the pre-publication copies are sent"))
    refuse_if(problems)
    request = await information_request.open_request(
        session, case=case, review=None, requester_id=principal.organisation_id, ask=ask,
        named=await _supervisors(session, review, today), at=at, today=today, reviewer_id=reviewer.id)
    await session.flush()
    return request


async def record_reviewer_answer(session: AsyncSession, *, clock: Clock, principal: Principal,
                                 request: InformationRequest, case: Case, text: str) -> InformationRequest:
    today, at = today_in_england(clock), clock.now()
    assert request.reviewer_id is not None
    reviewer = await session.get(ReviewReviewer, request.reviewer_id)
    review = await session.get(PracticeReview, reviewer.review_id) if reviewer else None
    if review is None or not await supervises(session, principal, review, today):
        raise Forbidden("the reviewer's written answer is recorded by the review's commissioners")
    if request.status != InformationRequestStatus.OPEN.value:
        raise Refused([Problem("REQUEST_NOT_OPEN", ("requestId",), f"the request is {request.status}")])
    refuse_if(check_text(text, ("input", "answer"), required=True, limit=MAX_SUMMARY))
    request.reviewer_answer, request.reviewer_answered_at = text, at
    request.status, request.closed_at = InformationRequestStatus.ANSWERED.value, at
    requester = await session.get(Organisation, request.requested_by_id)
    await routing.dispatch(session, event=EventType.INFORMATION_ANSWERED, case=case, subject_id=request.id,
                           sender_id=principal.organisation_id, at=at, today=today,
                           named=[requester] if requester else [])
    events.record(session, case_id=case.id, event=EventType.INFORMATION_ANSWERED, actor_id=principal.organisation_id,
                  at=at, data={"informationRequestId": request.id, "reviewerId": request.reviewer_id})
    await session.flush()
    return request
