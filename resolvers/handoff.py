"""Case hand-offs: propose, accept, decline. Fetch, call one core action, return."""

from __future__ import annotations

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

from hub import handoff, models
from hub.vocabulary import Role
from resolvers.errors import principal_of, unit_of_work
from resolvers.permissions import described, roles
from schema.common import UserError, parse_id
from schema.context import HubInfo
from schema.handoff import CaseHandoff, CaseHandoffInput, CaseHandoffPayload

LA = (Role.LA,)


def _payload(done: models.CaseHandoff | list[UserError]) -> CaseHandoffPayload:
    if isinstance(done, list):
        return CaseHandoffPayload(handoff=None, errors=done)
    return CaseHandoffPayload(handoff=CaseHandoff.from_model(done), errors=[])


async def _propose(info: HubInfo, case_id: strawberry.ID, input: CaseHandoffInput) -> CaseHandoffPayload:
    wanted = parse_id(case_id, "caseId")
    proposal = handoff.Proposal(to_local_authority_code=input.to_local_authority_code, reason=input.reason)

    async def act(session: AsyncSession) -> models.CaseHandoff:
        return await handoff.propose(session, clock=info.context.clock, principal=principal_of(info.context),
                                     case_id=wanted, proposal=proposal)

    return _payload(await unit_of_work(info, act))


async def _accept(info: HubInfo, handoff_id: strawberry.ID) -> CaseHandoffPayload:
    wanted = parse_id(handoff_id, "handoffId")

    async def act(session: AsyncSession) -> models.CaseHandoff:
        return await handoff.accept(session, clock=info.context.clock, principal=principal_of(info.context),
                                    handoff_id=wanted)

    return _payload(await unit_of_work(info, act))


async def _decline(info: HubInfo, handoff_id: strawberry.ID, reason: str) -> CaseHandoffPayload:
    wanted = parse_id(handoff_id, "handoffId")

    async def act(session: AsyncSession) -> models.CaseHandoff:
        return await handoff.decline(session, clock=info.context.clock, principal=principal_of(info.context),
                                     handoff_id=wanted, reason=reason)

    return _payload(await unit_of_work(info, act))


@strawberry.type
class HandoffMutations:
    hand_off_case: CaseHandoffPayload = strawberry.field(
        resolver=_propose, extensions=roles(*LA), description=described(
            "Propose handing a case to another area (para 12, footnote 77); both partnerships are told.", LA))
    accept_case_handoff: CaseHandoffPayload = strawberry.field(
        resolver=_accept, extensions=roles(*LA), description=described(
            "The receiving area accepts: it leads the case, and the area that handed it over stays involved.", LA))
    decline_case_handoff: CaseHandoffPayload = strawberry.field(
        resolver=_decline, extensions=roles(*LA), description=described(
            "The receiving area declines, with its reason; the case stays where it was.", LA))
