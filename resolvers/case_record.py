"""recordFamilyCommunication and linkParallelProceeding: fetch, call one core action, return."""

from __future__ import annotations

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

from hub import family_communication, models, parallel_proceeding
from resolvers.errors import principal_of, unit_of_work
from resolvers.permissions import described, roles
from schema.case import Case
from schema.case_record import CasePayload, FamilyCommunicationInput, ParallelProceedingInput
from schema.common import UserError, parse_id
from schema.context import HubInfo

RECORDERS = tuple(sorted(family_communication.RECORDING_ROLES))
LINKERS = tuple(sorted(parallel_proceeding.LINKING_ROLES))


def _payload(done: models.Case | list[UserError]) -> CasePayload:
    if isinstance(done, list):
        return CasePayload(case=None, errors=done)
    return CasePayload(case=Case.from_model(done), errors=[])


async def _family(info: HubInfo, case_id: strawberry.ID, input: FamilyCommunicationInput) -> CasePayload:
    wanted = parse_id(case_id, "caseId")
    entry = family_communication.Communication(decision=input.decision, method=input.method,
                                               communicated_on=input.communicated_on, notes=input.notes)

    async def act(session: AsyncSession) -> models.Case:
        return await family_communication.record(session, clock=info.context.clock,
                                                 principal=principal_of(info.context), case_id=wanted, entry=entry)

    return _payload(await unit_of_work(info, act))


async def _proceeding(info: HubInfo, case_id: strawberry.ID, input: ParallelProceedingInput) -> CasePayload:
    wanted = parse_id(case_id, "caseId")
    entry = parallel_proceeding.Proceeding(kind=input.kind, reference=input.reference,
                                           description=input.description, started_on=input.started_on)

    async def act(session: AsyncSession) -> models.Case:
        return await parallel_proceeding.link(session, clock=info.context.clock,
                                              principal=principal_of(info.context), case_id=wanted, entry=entry)

    return _payload(await unit_of_work(info, act))


@strawberry.type
class CaseRecordMutations:
    record_family_communication: CasePayload = strawberry.field(
        resolver=_family, extensions=roles(*RECORDERS), description=described(
            "Record how and when a decision's rationale reached the family (paras 17, 26).", RECORDERS))
    link_parallel_proceeding: CasePayload = strawberry.field(
        resolver=_proceeding, extensions=roles(*LINKERS), description=described(
            "Link a criminal investigation, inquest, DHR, MAPPA review, SAR or disciplinary proceeding "
            "to the case (para 29).", LINKERS))
