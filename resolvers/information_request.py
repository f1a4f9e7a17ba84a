"""Information requests: ask, answer, and the list of them. Fetch, call one core action, return."""

from __future__ import annotations

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

from hub import information_request, models, queues, supervision
from hub.clock import today_in_england
from hub.visibility import visible_cases
from resolvers.errors import principal_of, unit_of_work
from resolvers.pages import keyset_connection
from resolvers.permissions import ANY_ROLE, described, roles
from schema.common import (
    Connection,
    UserError,
    parse_id,
)
from schema.context import HubInfo
from schema.information_request import (
    InformationRequest,
    InformationRequestFilter,
    InformationRequestPayload,
    InformationResponseInput,
    RequestInformationInput,
)

REQUESTERS = tuple(sorted(information_request.REQUESTING_ROLES))


def _payload(info: HubInfo, done: models.InformationRequest | list[UserError]) -> InformationRequestPayload:
    if isinstance(done, list):
        return InformationRequestPayload(information_request=None, errors=done)
    today = today_in_england(info.context.clock)
    return InformationRequestPayload(information_request=InformationRequest.from_model(done, today=today), errors=[])


async def _request(info: HubInfo, input: RequestInformationInput) -> InformationRequestPayload:
    case_id = parse_id(input.case_id, "caseId")
    ask = information_request.Ask(tuple(input.questions), input.due_on, tuple(input.from_organisation_codes or ()))
    reviewer_id = parse_id(input.to_reviewer_id, "toReviewerId") if input.to_reviewer_id is not None else None

    async def act(session: AsyncSession) -> models.InformationRequest:
        if reviewer_id is not None:
            return await supervision.ask_reviewer(
                session, clock=info.context.clock, principal=principal_of(info.context), case_id=case_id,
                reviewer_id=reviewer_id, ask=ask, policy=info.context.policy)
        return await information_request.request_information(
            session, clock=info.context.clock, principal=principal_of(info.context), case_id=case_id, ask=ask,
            policy=info.context.policy)

    return _payload(info, await unit_of_work(info, act))


async def _answer(info: HubInfo, request_id: strawberry.ID, input: InformationResponseInput) -> InformationRequestPayload:
    wanted = parse_id(request_id, "requestId")

    async def act(session: AsyncSession) -> models.InformationRequest:
        return await information_request.answer(session, clock=info.context.clock,
                                                principal=principal_of(info.context), request_id=wanted,
                                                text=input.answer)

    return _payload(info, await unit_of_work(info, act))


async def information_requests(
    info: HubInfo, filter: InformationRequestFilter | None = None, first: int | None = None, after: str | None = None
) -> Connection[InformationRequest]:
    principal = principal_of(info.context)
    wanted = queues.InformationRequestQuery(
        statuses=tuple(filter.status or ()) if filter else (),
        case_id=parse_id(filter.case_id, "caseId") if filter and filter.case_id else None,
        addressed_to=principal.organisation_id if filter and filter.addressed_to_me else None,
        overdue=filter.overdue if filter else None)
    today = today_in_england(info.context.clock)
    async with info.context.sessions() as session:
        visible = await visible_cases(session, principal, today)
    where = queues.information_request_conditions(wanted, visible=visible, today=today)
    return await keyset_connection(info, models.InformationRequest, where, first=first, after=after,
                                   convert=lambda r: InformationRequest.from_model(r, today=today), newest=False)


@strawberry.type
class InformationRequestMutations:
    request_information: InformationRequestPayload = strawberry.field(
        resolver=_request, extensions=roles(*REQUESTERS), description=described(
            "Ask named partners, or a review's reviewer (toReviewerId: a written supervision request by the "
            "review's commissioners), for information in writing by a due date (paras 24, 35). The Panel's "
            "request on a submitted rapid review opens a further-information round.", REQUESTERS))
    respond_to_information_request: InformationRequestPayload = strawberry.field(
        resolver=_answer, extensions=roles(*ANY_ROLE), description=described(
            "Answer a request addressed to the caller's organisation (para 24); when every organisation "
            "asked has answered, the rapid review is back with the Panel. A request to a reviewer is answered "
            "by the review's commissioners recording the reviewer's written answer (para 35).", ANY_ROLE))


INFORMATION_REQUESTS_DESCRIPTION = described(
    "Information requests about cases the caller may see, oldest first.", ANY_ROLE)
