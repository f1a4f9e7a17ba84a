"""Further information, asked for in writing and answered by each organisation named (paras 24, 35).

A request made in the Panel's loop belongs to the rapid review: while it is
open the review waits for the partners; when every organisation named has
answered, the review is back with the Panel. Any number of rounds; every
round is kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import col

from hub import connector_outbox, events, organisations, routing
from hub.case import MAX_SUMMARY, check_text, find_visible, partnership_ids
from hub.clock import Clock, today_in_england
from hub.errors import Forbidden, Problem, Refused, refuse_if
from hub.models import Case, InformationAddressee, InformationRequest, Organisation, RapidReview
from hub.policy import Policy
from hub.principal import Principal
from hub.rapid_review import Step, move
from hub.statute import rule
from hub.vocabulary import EventType, InformationRequestStatus, RapidReviewStatus, Role

MAX_QUESTIONS = 50
MAX_QUESTION = 5_000
REQUESTING_ROLES = frozenset({Role.PANEL, Role.LA, Role.POLICE, Role.HEALTH})


@dataclass(frozen=True)
class Ask:
    questions: tuple[str, ...]
    due_on: date | None
    from_codes: tuple[str, ...] = ()


def check_ask(ask: Ask, *, today: date, policy: Policy, path: tuple[str, ...], due_field: str,
              codes_field: str) -> list[Problem]:
    problems: list[Problem] = []
    if not ask.questions:
        problems.append(Problem("REQUIRED", (*path, "questions"), "ask at least one question"))
    if len(ask.questions) > MAX_QUESTIONS:
        problems.append(Problem("TOO_MANY", (*path, "questions"), f"at most {MAX_QUESTIONS} questions"))
    for i, question in enumerate(ask.questions[:MAX_QUESTIONS]):
        problems += check_text(question, (*path, "questions", str(i)), required=True, limit=MAX_QUESTION)
    if ask.due_on is None:
        problems.append(Problem("REQUIRED", (*path, due_field), "a request needs a due date"))
    elif ask.due_on <= today:
        problems.append(Problem("DUE_NOT_IN_FUTURE", (*path, due_field), "the due date must be after today"))
    elif ask.due_on > today + timedelta(days=policy.information_max_days):
        problems.append(Problem("DUE_TOO_FAR", (*path, due_field),
                                f"the due date must be within {policy.information_max_days} days"))
    return problems


async def addressees(session: AsyncSession, case: Case, codes: tuple[str, ...], today: date,
                     field: tuple[str, ...]) -> tuple[list[Organisation], list[Problem]]:
    """The organisations named, each a partner of the case; none named means the lead partners."""
    lead, involved = await partnership_ids(session, case.id)
    members = await organisations.members_of(session, [lead, *involved], today)
    involved_orgs = {o.code: o for group in members.values() for o in group}
    if not codes:
        return list(members.get(lead, [])), []
    found: dict[str, Organisation] = {}
    problems = []
    for i, code in enumerate(dict.fromkeys(codes)):
        org = involved_orgs.get(code)
        if org is None:
            problems.append(Problem("NOT_INVOLVED", (*field, str(i)),
                                    f"{code} is not a partner in this case"))
        else:
            found[org.id] = org
    return list(found.values()), problems


async def open_request(
    session: AsyncSession, *, case: Case, review: RapidReview | None, requester_id: str, ask: Ask,
    named: list[Organisation], at: datetime, today: date, reviewer_id: str | None = None,
) -> InformationRequest:
    """Open a request; addressed to a reviewer (para 35), ``named`` are told of it but do not owe answers."""
    assert ask.due_on is not None
    request = InformationRequest(
        case_id=case.id, rapid_review_id=review.id if review else None, requested_by_id=requester_id,
        status=InformationRequestStatus.OPEN.value, questions=list(ask.questions), due_on=ask.due_on,
        created_at=at, reviewer_id=reviewer_id)
    session.add(request)
    await session.flush()  # the addressees refer to it; without relationships the order is ours to keep
    if reviewer_id is None:
        session.add_all(InformationAddressee(request_id=request.id, organisation_id=o.id) for o in named)
    await session.flush()
    await routing.dispatch(session, event=EventType.INFORMATION_REQUESTED, case=case, subject_id=request.id,
                           sender_id=requester_id, at=at, today=today, due=ask.due_on, named=named)
    events.record(session, case_id=case.id, event=EventType.INFORMATION_REQUESTED, actor_id=requester_id, at=at,
                  data={"informationRequestId": request.id, "dueOn": ask.due_on.isoformat(),
                        **({"reviewerId": reviewer_id} if reviewer_id else {"addressed": [o.code for o in named]})})
    await connector_outbox.push_request(session, request=request, named=[] if reviewer_id else named, at=at)
    return request


async def open_round(session: AsyncSession, review: RapidReview) -> InformationRequest | None:
    query = select(InformationRequest).where(
        col(InformationRequest.rapid_review_id) == review.id,
        col(InformationRequest.status) == InformationRequestStatus.OPEN.value)
    return (await session.execute(query)).scalars().first()


async def close_open_round(session: AsyncSession, review: RapidReview, at: datetime) -> None:
    """The Panel moved on: the round closes, and so do its calls to the partners' own systems."""
    found = await open_round(session, review)
    if found is not None:
        found.status, found.closed_at = InformationRequestStatus.CLOSED.value, at
        await connector_outbox.close_calls(session, request_id=found.id, at=at)


@rule("information-request", "paras 24, 35",
      "further information is asked for in writing, of named partners, by a due date; "
      "the Panel's request on a submitted rapid review opens a new round")
async def request_information(session: AsyncSession, *, clock: Clock, principal: Principal, case_id: str,
                              ask: Ask, policy: Policy) -> InformationRequest:
    if principal.role not in REQUESTING_ROLES:
        raise Forbidden("this role does not request information")
    today, at = today_in_england(clock), clock.now()
    case = await find_visible(session, principal=principal, case_id=case_id, today=today, field=("input", "caseId"))
    problems = check_ask(ask, today=today, policy=policy, path=("input",), due_field="dueOn",
                         codes_field="fromOrganisationCodes")
    named, more = await addressees(session, case, ask.from_codes, today, ("input", "fromOrganisationCodes"))
    refuse_if(problems + more)
    review = None
    if principal.role is Role.PANEL:
        review = (await session.execute(select(RapidReview).where(col(RapidReview.case_id) == case.id))).scalar_one_or_none()
        if review is not None and review.status != RapidReviewStatus.IN_PROGRESS.value:
            move(review, Step.ASK, at)
        else:
            review = None
    request = await open_request(session, case=case, review=review, requester_id=principal.organisation_id,
                                 ask=ask, named=named, at=at, today=today)
    await session.flush()
    return request


async def find(session: AsyncSession, *, principal: Principal, request_id: str, today: date) -> tuple[InformationRequest, Case]:
    """The request, if the caller may see its case; otherwise refused exactly as an unknown id."""
    request = await session.get(InformationRequest, request_id)
    missing = "no such information request"
    if request is not None:
        case = await find_visible(session, principal=principal, case_id=request.case_id, today=today,
                                  field=("requestId",), missing=missing)
        return request, case
    raise Refused([Problem("NOT_FOUND", ("requestId",), missing)])


@rule("information-answer", "para 24",
      "the partners must share further information as requested; when every organisation asked has "
      "answered, the rapid review is back with the Panel")
async def answer(session: AsyncSession, *, clock: Clock, principal: Principal, request_id: str,
                 text: str) -> InformationRequest:
    today, at = today_in_england(clock), clock.now()
    request, case = await find(session, principal=principal, request_id=request_id, today=today)
    if request.reviewer_id is not None:
        from hub.supervision import record_reviewer_answer  # supervision builds on this module

        return await record_reviewer_answer(session, clock=clock, principal=principal, request=request, case=case,
                                            text=text)
    mine = await session.get(InformationAddressee, (request.id, principal.organisation_id))
    if mine is None:
        raise Forbidden("this request was not addressed to the caller's organisation")
    # answers to one request are decided one at a time (PostgreSQL: the request's row is locked; SQLite
    # serialises writers), so that whoever answers last sees every other answer and closes the request
    request = (await session.execute(select(InformationRequest).where(col(InformationRequest.id) == request.id)
                                     .with_for_update().execution_options(populate_existing=True))).scalar_one()
    if request.status != InformationRequestStatus.OPEN.value:
        raise Refused([Problem("REQUEST_NOT_OPEN", ("requestId",), f"the request is {request.status}")])
    refuse_if(check_text(text, ("input", "answer"), required=True, limit=MAX_SUMMARY))
    taken = await session.execute(update(InformationAddressee).where(
        col(InformationAddressee.request_id) == request.id,
        col(InformationAddressee.organisation_id) == principal.organisation_id,
        col(InformationAddressee.answered_at).is_(None)).values(answer=text, answered_at=at)
        .execution_options(synchronize_session=False))
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        raise Refused([Problem("ALREADY_ANSWERED", ("requestId",), "this organisation has already answered")])
    set_committed_value(mine, "answer", text)
    set_committed_value(mine, "answered_at", at)
    await connector_outbox.close_calls(session, request_id=request.id, organisation_id=principal.organisation_id,
                                       at=at)  # answered here: its own system is no longer asked
    requester = await session.get(Organisation, request.requested_by_id)
    await routing.dispatch(session, event=EventType.INFORMATION_ANSWERED, case=case, subject_id=request.id,
                           sender_id=principal.organisation_id, at=at, today=today,
                           named=[requester] if requester else [])
    events.record(session, case_id=case.id, event=EventType.INFORMATION_ANSWERED, actor_id=principal.organisation_id,
                  at=at, data={"informationRequestId": request.id})
    await session.flush()
    pending = (await session.execute(select(InformationAddressee).where(
        col(InformationAddressee.request_id) == request.id, col(InformationAddressee.answered_at).is_(None)))).first()
    if pending is None:
        request.status, request.closed_at = InformationRequestStatus.ANSWERED.value, at
        review = await session.get(RapidReview, request.rapid_review_id) if request.rapid_review_id else None
        if review is not None and review.status == RapidReviewStatus.FURTHER_INFORMATION_REQUESTED.value:
            move(review, Step.ANSWERED, at)
    await session.flush()
    return request
