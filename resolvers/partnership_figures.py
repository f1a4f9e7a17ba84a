"""partnershipFigures: fetch, call the core, return (``hub.partnership_figures`` counts)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry

from hub import partnership_figures
from hub.clock import today_in_england
from hub.vocabulary import Role
from resolvers.errors import principal_of
from resolvers.permissions import described
from schema.common import parse_id
from schema.context import HubInfo
from schema.partnership_figures import PartnershipFigures

PARTNERS = (Role.HEALTH, Role.LA, Role.POLICE)
DESCRIPTION = described(
    "A safeguarding partnership's figures for its yearly report (para 43): reviews considered, commissioned and "
    "published from..to, and how its recommendations stand. Only the partnership's own members today; anyone "
    "else is FORBIDDEN.", PARTNERS)


async def partnership_figures_of(
    info: HubInfo,
    partnership_id: Annotated[strawberry.ID, strawberry.argument(description="The partnership (its id).")],
    from_: Annotated[date, strawberry.argument(name="from", description="The first day of the period.")],
    to: Annotated[date, strawberry.argument(description="The last day of the period.")],
) -> PartnershipFigures:
    wanted = parse_id(partnership_id, "partnershipId")
    async with info.context.sessions() as session:
        found = await partnership_figures.figures(
            session, principal=principal_of(info.context), partnership_id=wanted, start=from_, end=to,
            today=today_in_england(info.context.clock))
    return PartnershipFigures.from_figures(found)
