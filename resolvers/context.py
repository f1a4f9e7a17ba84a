"""Builds ``info.context`` for each request."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hub.clock import Clock, today_in_england
from hub.events import Feed
from hub.policy import Policy
from hub.principal import Principal
from hub.reference_cache import Reference
from hub.sealing import Sealer
from resolvers.loaders import build
from schema.context import HubContext


def make_context(
    *, request: Any, response: Any, principal: Principal | None, clock: Clock,
    sessions: async_sessionmaker[AsyncSession], policy: Policy, feed: Feed | None = None, sealer: Sealer | None = None,
    public_url: str | None = None, reference: Reference | None = None,
) -> HubContext:
    loaders = build(sessions, principal, today_in_england(clock), reference=reference)
    return HubContext(request=request, response=response, principal=principal, clock=clock,
                      sessions=sessions, loaders=loaders, policy=policy, feed=feed,
                      sealer=sealer, public_url=public_url, reference=reference)
