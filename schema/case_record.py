"""What is recorded on a case besides its reviews: its timeline, communication with the family
(paras 17, 26) and parallel proceedings (para 29). Thin: the rules are in ``hub/``."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, cast

import strawberry
from strawberry.scalars import JSON

from hub import models
from schema.common import UserError
from schema.context import HubInfo
from schema.enums import FamilyCommunicationMethod, ProceedingKind
from schema.organisation import Organisation

if TYPE_CHECKING:
    from schema.case import Case


async def _organisation(info: HubInfo, organisation_id: str | None) -> Organisation | None:
    if organisation_id is None:
        return None
    row = await info.context.loaders.organisation.load(organisation_id)
    return Organisation.from_model(row) if row else None


@strawberry.type(description="One step on a case's timeline: who did what, when.")
class CaseEvent:
    id: strawberry.ID = strawberry.field(description="Stable identifier.")
    event_type: str = strawberry.field(description="One of the event types, e.g. rapid_review.submitted.")
    occurred_at: datetime = strawberry.field(description="When.")
    data: JSON = strawberry.field(description="Identifiers and facts of the step; never a child's identity.")
    actor_id: strawberry.Private[str | None]

    @classmethod
    def from_model(cls, row: models.CaseEvent) -> CaseEvent:
        return cls(id=strawberry.ID(row.id), event_type=row.event_type, occurred_at=row.occurred_at,
                   data=cast(JSON, dict(row.data)), actor_id=row.actor_id)

    @strawberry.field(description="The organisation that acted.")
    async def actor(self, info: HubInfo) -> Organisation | None:
        return await _organisation(info, self.actor_id)


@strawberry.type(description="How and when a decision's rationale reached the family (paras 17, 26).")
class FamilyCommunication:
    id: strawberry.ID = strawberry.field(description="Stable identifier.")
    decision: str = strawberry.field(description="Which decision was explained.")
    method: FamilyCommunicationMethod = strawberry.field(description="How.")
    communicated_on: date = strawberry.field(description="When.")
    notes: str | None = strawberry.field(description="Anything else worth keeping.")
    recorded_by_id: strawberry.Private[str]

    @classmethod
    def from_model(cls, row: models.FamilyCommunication) -> FamilyCommunication:
        return cls(id=strawberry.ID(row.id), decision=row.decision, method=FamilyCommunicationMethod(row.method),
                   communicated_on=row.communicated_on, notes=row.notes, recorded_by_id=row.recorded_by_id)

    @strawberry.field(description="Who recorded it.")
    async def recorded_by(self, info: HubInfo) -> Organisation | None:
        return await _organisation(info, self.recorded_by_id)


@strawberry.type(description="An investigation or review running alongside (para 29).")
class ParallelProceeding:
    id: strawberry.ID = strawberry.field(description="Stable identifier.")
    kind: ProceedingKind = strawberry.field(description="What kind.")
    reference: str | None = strawberry.field(description="Its own reference.")
    description: str | None = strawberry.field(description="What it is.")
    started_on: date | None = strawberry.field(description="When it began.")

    @classmethod
    def from_model(cls, row: models.ParallelProceeding) -> ParallelProceeding:
        return cls(id=strawberry.ID(row.id), kind=ProceedingKind(row.kind), reference=row.reference,
                   description=row.description, started_on=row.started_on)


@strawberry.input(description="How and when a decision's rationale reached the family (paras 17, 26).")
class FamilyCommunicationInput:
    decision: str = strawberry.field(description="Which decision, e.g. NO_LOCAL_REVIEW or NATIONAL_REVIEW (at most 48 characters).")
    method: FamilyCommunicationMethod = strawberry.field(description="How.")
    communicated_on: date = strawberry.field(description="When; not in the future.")
    notes: str | None = strawberry.field(default=None, description="Anything else worth keeping.")


@strawberry.input(description="An investigation or review running alongside (para 29).")
class ParallelProceedingInput:
    kind: ProceedingKind = strawberry.field(description="What kind.")
    reference: str | None = strawberry.field(default=None, description="Its own reference.")
    description: str | None = strawberry.field(default=None, description="What it is.")
    started_on: date | None = strawberry.field(default=None, description="When it began; not in the future.")


@strawberry.type(description="The result of a mutation that records something on a case.")
class CasePayload:
    case: Annotated[Case, strawberry.lazy("schema.case")] | None = strawberry.field(description="The case after the change.")
    errors: list[UserError] = strawberry.field(description="Why it was refused; empty on success.")
