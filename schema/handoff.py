"""Case hand-off shapes (thin: the rules are in ``hub/handoff.py``)."""

from __future__ import annotations

from datetime import datetime

import strawberry

from hub import models
from schema.common import UserError
from schema.context import HubInfo
from schema.organisation import SafeguardingPartnership


async def _partnership(info: HubInfo, partnership_id: str) -> SafeguardingPartnership:
    row = await info.context.loaders.partnership.load(partnership_id)
    assert row is not None
    return SafeguardingPartnership.from_model(row)


@strawberry.type(description="A case handed to another area's partnership (para 12, footnote 77).")
class CaseHandoff:
    id: strawberry.ID = strawberry.field(description="Stable identifier.")
    status: str = strawberry.field(description="PROPOSED, ACCEPTED or DECLINED.")
    reason: str = strawberry.field(description="Why the case is handed over.")
    decline_reason: str | None = strawberry.field(description="Why the receiving area declined, if it did.")
    proposed_at: datetime = strawberry.field(description="When it was proposed.")
    decided_at: datetime | None = strawberry.field(description="When the receiving area answered.")
    row: strawberry.Private[models.CaseHandoff]

    @classmethod
    def from_model(cls, row: models.CaseHandoff) -> CaseHandoff:
        return cls(id=strawberry.ID(row.id), status=row.status, reason=row.reason, decline_reason=row.decline_reason,
                   proposed_at=row.proposed_at, decided_at=row.decided_at, row=row)

    @strawberry.field(name="from", description="The partnership handing the case over; it stays involved.")
    async def from_(self, info: HubInfo) -> SafeguardingPartnership:
        return await _partnership(info, self.row.from_partnership_id)

    @strawberry.field(description="The partnership receiving the case; on acceptance it leads.")
    async def to(self, info: HubInfo) -> SafeguardingPartnership:
        return await _partnership(info, self.row.to_partnership_id)


@strawberry.input(description="Hand a case to another area (para 12, footnote 77).")
class CaseHandoffInput:
    to_local_authority_code: str = strawberry.field(description="The local authority of the receiving area.")
    reason: str = strawberry.field(description="Why, e.g. the child was placed out of area; at most 5,000 characters.")


@strawberry.type(description="The result of a hand-off mutation.")
class CaseHandoffPayload:
    handoff: CaseHandoff | None = strawberry.field(description="The hand-off after the change.")
    errors: list[UserError] = strawberry.field(description="Why it was refused; empty on success.")
