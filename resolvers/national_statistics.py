"""incidentStatistics: fetch, call the core, return (``hub.national_statistics`` counts and suppresses)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry

from hub import national_statistics
from hub.clock import today_in_england
from hub.national_statistics import IncidentDimension
from schema.context import HubInfo
from schema.national_statistics import IncidentStatistics

DESCRIPTION = (
    "Serious incident notifications, counted as DfE's official statistics count them: by notification date, "
    "withdrawn notifications left out, grouped by the dimensions asked for (none: the total alone). The Panel "
    "and DfE see exact counts for any period and grouping. Anyone else, with or without a token, sees the "
    "public table: only complete financial quarters within from..to that ended before today; grouped by "
    "QUARTER and at most one other dimension (BAD_USER_INPUT otherwise); cells of 1 to 4 suppressed "
    "(count null, suppressed true) with further cells or the total suppressed so that none can be worked "
    "out, and a figure over several quarters shown only when every quarter's part is. Public: no token "
    "needed. Roles: any, or none; exact for dfe and panel."
)


async def incident_statistics(
    info: HubInfo,
    from_: Annotated[date, strawberry.argument(name="from", description="The first notification date counted.")],
    to: Annotated[date, strawberry.argument(description="The last notification date counted.")],
    by: Annotated[list[IncidentDimension], strawberry.argument(description="What to group by, in this order.")],
) -> IncidentStatistics:
    async with info.context.sessions() as session:
        table = await national_statistics.incident_statistics(
            session, principal=info.context.principal, start=from_, end=to, by=by,
            today=today_in_england(info.context.clock))
    return IncidentStatistics.from_table(table)
