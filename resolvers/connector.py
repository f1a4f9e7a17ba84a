"""Connectors as their organisation sees them: reads only (operators manage them with the CLI)."""

from __future__ import annotations

import strawberry
from sqlalchemy import select
from sqlmodel import col

from hub import models
from hub.vocabulary import Role
from resolvers.errors import principal_of
from resolvers.pages import keyset_connection
from resolvers.permissions import described
from schema.common import Connection, parse_id
from schema.connector import Connector, ConnectorAttempt, ConnectorCall
from schema.context import HubInfo

OWNERS = (Role.HEALTH, Role.LA, Role.POLICE)


async def connectors(info: HubInfo) -> list[Connector]:
    principal = principal_of(info.context)
    async with info.context.sessions() as session:
        rows = (await session.execute(select(models.Connector).where(
            col(models.Connector.organisation_id) == principal.organisation_id)
            .order_by(col(models.Connector.created_at)))).scalars().all()
    return [Connector.from_model(r) for r in rows]


def _mine(info: HubInfo, connector_id: strawberry.ID) -> object:
    wanted = parse_id(connector_id, "connectorId")
    return select(col(models.Connector.id)).where(
        col(models.Connector.id) == wanted,
        col(models.Connector.organisation_id) == principal_of(info.context).organisation_id)


async def connector_calls(info: HubInfo, connector_id: strawberry.ID, first: int | None = None,
                          after: str | None = None) -> Connection[ConnectorCall]:
    where = [col(models.ConnectorCall.connector_id).in_(_mine(info, connector_id))]  # type: ignore[arg-type]
    return await keyset_connection(info, models.ConnectorCall, where, first=first, after=after,
                                   convert=ConnectorCall.from_model)


async def connector_attempts(info: HubInfo, connector_id: strawberry.ID, first: int | None = None,
                             after: str | None = None) -> Connection[ConnectorAttempt]:
    where = [col(models.ConnectorAttempt.connector_id).in_(_mine(info, connector_id))]  # type: ignore[arg-type]
    return await keyset_connection(info, models.ConnectorAttempt, where, first=first, after=after,
                                   convert=ConnectorAttempt.from_model, by="attempted_at")


CONNECTORS_DESCRIPTION = described("The caller's organisation's connectors to its own systems, without secrets.", OWNERS)
CALLS_DESCRIPTION = described("Information requests pushed through one of the caller's connectors, newest first, "
                              "each with its attempts.", OWNERS)
ATTEMPTS_DESCRIPTION = described("Every call one of the caller's connectors made (push, poll, test), newest first, "
                                 "with status code, duration and error.", OWNERS)
