"""Organisations, safeguarding partnerships and the caller (thin: shapes only)."""

from __future__ import annotations

from collections.abc import Awaitable
from functools import lru_cache

import strawberry

from hub import models
from hub.clock import today_in_england
from schema.context import HubInfo
from schema.enums import OrganisationKind


@strawberry.federation.type(
    keys=["id"],
    description="An organisation taking part: a local authority, police force, ICB or national body. "
    "Local authorities, police force areas and ICBs are identified by their ONS GSS code.",
)
class Organisation:
    id: strawberry.ID = strawberry.field(description="Stable identifier.")
    code: str = strawberry.field(description="ONS GSS code, or PANEL, OFSTED, DFE, SOS, CQC, HMICFRS, WWCSC.")
    name: str = strawberry.field(description="The organisation's name.")
    kind: OrganisationKind = strawberry.field(description="What kind of organisation it is.")
    region: str | None = strawberry.field(description=(
        "The ONS region of England a local authority is in (\"North West\", \"London\" ...), as DfE's "
        "statistics group areas; null for other kinds of organisation."))

    @classmethod
    def from_model(cls, row: models.Organisation) -> Organisation:
        # A page names the same few organisations hundreds of times (members, recipients): one object
        # per distinct row, shared, never changed after it is made (its values are its key).
        return _organisation(row.id, row.code, row.name, row.kind, row.region)

    @strawberry.field(description="The safeguarding partnerships it belongs to today.")
    async def partnerships(self, info: HubInfo) -> list[SafeguardingPartnership]:
        rows = await info.context.loaders.partnerships_of_organisation.load(str(self.id))
        return [SafeguardingPartnership.from_model(p) for p in rows]

    @classmethod
    async def resolve_reference(cls, info: HubInfo, id: strawberry.ID) -> Organisation | None:
        row = await info.context.loaders.organisation.load(str(id))
        return cls.from_model(row) if row else None


@lru_cache(maxsize=4096)
def _organisation(id: str, code: str, name: str, kind: str, region: str | None) -> Organisation:
    return Organisation(id=strawberry.ID(id), code=code, name=name, kind=OrganisationKind(kind), region=region)


@strawberry.federation.type(
    keys=["id"],
    description="The safeguarding partners for an area: the local authority, the chief officer of "
    "police and the integrated care board (one partnership may cover several local authorities).",
)
class SafeguardingPartnership:
    id: strawberry.ID = strawberry.field(description="Stable identifier.")
    code: str = strawberry.field(description="The partnership's code in the reference data.")
    name: str = strawberry.field(description="The partnership's name.")

    @classmethod
    def from_model(cls, row: models.Partnership) -> SafeguardingPartnership:
        return _partnership(row.id, row.code, row.name)  # shared, as organisations are

    @strawberry.field(description="Its members today.", graphql_type=list[Organisation])
    def members(self, info: HubInfo) -> list[Organisation] | Awaitable[list[Organisation]]:
        reference = info.context.reference
        if reference is not None:  # in memory: no awaitable to complete
            today = today_in_england(info.context.clock)
            return [Organisation.from_model(o) for o in reference.members_of(str(self.id), today)]
        return self._members(info)

    async def _members(self, info: HubInfo) -> list[Organisation]:
        rows = await info.context.loaders.members.load(str(self.id))
        return [Organisation.from_model(o) for o in rows]

    @classmethod
    async def resolve_reference(cls, info: HubInfo, id: strawberry.ID) -> SafeguardingPartnership | None:
        row = await info.context.loaders.partnership.load(str(id))
        return cls.from_model(row) if row else None


@lru_cache(maxsize=1024)
def _partnership(id: str, code: str, name: str) -> SafeguardingPartnership:
    return SafeguardingPartnership(id=strawberry.ID(id), code=code, name=name)


@strawberry.type(description="Who is calling: one organisation acting in one role.")
class Principal:
    role: str = strawberry.field(description="The token's role scope (la, police, health, panel, ofsted, recipient, agency, dfe).")
    scopes: list[str] = strawberry.field(description="The token's scopes (exactly one role).")
    organisation_id: strawberry.Private[str]

    @strawberry.field(description="The organisation the token acts for.", graphql_type=Organisation)
    def organisation(self, info: HubInfo) -> Organisation | Awaitable[Organisation]:
        reference = info.context.reference
        held = reference.organisations.get(self.organisation_id) if reference is not None else None
        if held is not None:  # in memory: no awaitable to complete
            return Organisation.from_model(held)
        return organisation_by_id(info, self.organisation_id)


async def organisation_by_id(info: HubInfo, organisation_id: str) -> Organisation:
    """An organisation a row refers to, through the request's dataloader."""
    row = await info.context.loaders.organisation.load(organisation_id)
    assert row is not None
    return Organisation.from_model(row)
