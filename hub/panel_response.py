"""The Panel's response to a rapid review (paras 22-26).

The Panel decides against the para 22 criteria and circumstances, answering
each criterion it must take into account (``hub/criteria.py``), with its
rationale, and tells the partners promptly (para 25); it may first ask for
further information (paras 24-25), any number of times; a national review is
also notified to the Secretary of State (para 26).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from hub import criteria, events, information_request, rapid_review, routing
from hub.case import MAX_SUMMARY, check_text
from hub.clock import Clock, today_in_england
from hub.criteria import Considered
from hub.errors import Forbidden, Problem, refuse_if
from hub.models import InformationRequest, PanelResponse, RapidReview
from hub.policy import Policy
from hub.principal import Principal
from hub.rapid_review import Step, move, next_status
from hub.statute import rule
from hub.vocabulary import EventType, NationalReviewCriterion, PanelOutcome, RapidReviewStatus, Role


@dataclass(frozen=True)
class Response:
    outcome: PanelOutcome
    rationale: str
    criteria: tuple[str, ...] = ()
    questions: tuple[str, ...] = ()
    information_due_on: date | None = None
    information_from_codes: tuple[str, ...] = ()
    criteria_considered: tuple[Considered, ...] = ()


@dataclass(frozen=True)
class Responded:
    response: PanelResponse
    review: RapidReview
    request: InformationRequest | None


def _check(entry: Response, *, today: date, policy: Policy) -> list[Problem]:
    known = {c.value for c in NationalReviewCriterion}
    problems = check_text(entry.rationale, ("input", "rationale"), required=True, limit=MAX_SUMMARY)
    problems += [Problem("UNKNOWN_CRITERION", ("input", "criteria", str(i)),
                         f"{c!r} is not a para 22 criterion or circumstance; one of {sorted(known)}")
                 for i, c in enumerate(entry.criteria) if c not in known]
    asking = entry.outcome is PanelOutcome.FURTHER_INFORMATION_REQUIRED
    problems += criteria.national_review_problems(entry.criteria_considered, entry.criteria, deciding=not asking)
    if asking:
        ask = information_request.Ask(entry.questions, entry.information_due_on, entry.information_from_codes)
        problems += information_request.check_ask(ask, today=today, policy=policy, path=("input",),
                                                  due_field="informationDueOn", codes_field="informationFromCodes")
    elif entry.questions or entry.information_due_on or entry.information_from_codes:
        problems.append(Problem("QUESTIONS_WITHOUT_REQUEST", ("input", "questions"),
                                "questions go with FURTHER_INFORMATION_REQUIRED"))
    return problems


@rule("panel-response", "paras 22, 25-26",
      "the Panel responds to a submitted rapid review with its rationale, routed to the partners; a "
      "national review is also notified to the Secretary of State")
async def respond(session: AsyncSession, *, clock: Clock, principal: Principal, review_id: str, entry: Response,
                  policy: Policy) -> Responded:
    if principal.role is not Role.PANEL:
        raise Forbidden("only the Panel responds to a rapid review")
    today, at = today_in_england(clock), clock.now()
    review, case = await rapid_review.find(session, principal=principal, review_id=review_id, today=today)
    asking = entry.outcome is PanelOutcome.FURTHER_INFORMATION_REQUIRED
    next_status(RapidReviewStatus(review.status), Step.ASK if asking else Step.DECIDE)
    problems = _check(entry, today=today, policy=policy)
    named, more = await information_request.addressees(
        session, case, entry.information_from_codes, today, ("input", "informationFromCodes"))
    refuse_if(problems + (more if asking else []))
    response = PanelResponse(rapid_review_id=review.id, outcome=entry.outcome.value, rationale=entry.rationale,
                             criteria=criteria.met_criteria(entry.criteria_considered, entry.criteria),
                             criteria_considered=criteria.rows(entry.criteria_considered) or None,
                             responded_by_id=principal.organisation_id, responded_at=at)
    session.add(response)
    request = None
    if asking:
        ask = information_request.Ask(entry.questions, entry.information_due_on, entry.information_from_codes)
        request = await information_request.open_request(
            session, case=case, review=review, requester_id=principal.organisation_id, ask=ask, named=named,
            at=at, today=today)
        response.information_request_id = request.id
        move(review, Step.ASK, at)
    else:
        await information_request.close_open_round(session, review, at)
        move(review, Step.DECIDE, at)
    national = entry.outcome is PanelOutcome.NATIONAL_REVIEW
    await session.flush()
    await routing.dispatch(session, event=EventType.PANEL_RESPONDED, case=case, subject_id=response.id,
                           sender_id=principal.organisation_id, at=at, today=today,
                           variant=routing.Variant.NATIONAL_REVIEW if national else routing.Variant.ANY)
    events.record(session, case_id=case.id, event=EventType.PANEL_RESPONDED, actor_id=principal.organisation_id,
                  at=at, data={"rapidReviewId": review.id, "panelResponseId": response.id, "outcome": entry.outcome.value})
    await session.flush()
    return Responded(response, review, request)
