"""caseAccessLog: the lead local authority asks who outside its partnership read its child's details."""

from __future__ import annotations

import strawberry

from hub import audit
from hub.clock import today_in_england
from hub.vocabulary import Role
from resolvers.errors import principal_of
from resolvers.permissions import described
from schema.audit import AuditAccess
from schema.common import parse_id
from schema.context import HubInfo

LEAD = (Role.LA,)


async def case_access_log(info: HubInfo, case_id: strawberry.ID) -> list[AuditAccess]:
    wanted = parse_id(case_id, "caseId")
    async with info.context.sessions() as session:
        rows = await audit.outside_reads(session, principal=principal_of(info.context), case_id=wanted,
                                         today=today_in_england(info.context.clock))
    return [AuditAccess.from_model(entry, organisation=org) for entry, org in rows]


CASE_ACCESS_LOG_DESCRIPTION = described(
    "Who outside the case's lead partnership read its children's identifying details, when and through "
    "which operation, oldest first (DPA 2018 s62). Only the local authority leading the case may ask; "
    "anyone else, and any case that does not exist, gets FORBIDDEN.", LEAD)
