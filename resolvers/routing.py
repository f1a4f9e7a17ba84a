"""acknowledgeMessage: the recipient says it has been told (DOMAIN: routing)."""

from __future__ import annotations

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

from hub import inbox, models
from resolvers.errors import unit_of_work
from resolvers.permissions import ANY_ROLE, described, roles
from schema.common import parse_id
from schema.context import HubInfo
from schema.routing import RoutedMessage, RoutedMessagePayload


async def _acknowledge(info: HubInfo, message_id: strawberry.ID) -> RoutedMessagePayload:
    wanted = parse_id(message_id, "messageId")
    principal = info.context.principal
    assert principal is not None

    async def act(session: AsyncSession) -> models.RoutedMessage:
        return await inbox.acknowledge(session, clock=info.context.clock, principal=principal,
                                       message_id=wanted)

    done = await unit_of_work(info, act)
    if isinstance(done, list):
        return RoutedMessagePayload(message=None, errors=done)
    recipient = await info.context.loaders.organisation.load(done.recipient_id)
    assert recipient is not None
    return RoutedMessagePayload(message=RoutedMessage.from_model(done, recipient=recipient), errors=[])


@strawberry.type
class RoutingMutations:
    acknowledge_message: RoutedMessagePayload = strawberry.field(
        resolver=_acknowledge, extensions=roles(*ANY_ROLE), description=described(
            "Acknowledge a message routed to the caller's organisation; records delivery too.",
            ANY_ROLE))
