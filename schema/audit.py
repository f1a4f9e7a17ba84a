"""The audit trail as the lead local authority sees it (thin: who may ask is decided in ``hub.audit``)."""

from __future__ import annotations

from datetime import datetime

import strawberry

from hub import models
from schema.organisation import Organisation


@strawberry.type(description="A read of a case's children's identifying details by an organisation outside "
                 "its lead partnership (DPA 2018 s62).")
class AuditAccess:
    organisation: Organisation = strawberry.field(description="Who read them.")
    role: str = strawberry.field(description="The role it acted in: la, police, health or panel.")
    at: datetime = strawberry.field(description="When.")
    action: str = strawberry.field(description="Through which operation, e.g. read:cases.")
    fields: list[str] = strawberry.field(description="Which identifying fields, e.g. firstName; never their values.")

    @classmethod
    def from_model(cls, row: models.AuditEntry, *, organisation: models.Organisation) -> AuditAccess:
        return cls(organisation=Organisation.from_model(organisation), role=row.role or "", at=row.at,
                   action=row.action, fields=list(row.fields))
