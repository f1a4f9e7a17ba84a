"""Webhook subscriptions and deliveries: fetch, call one core action, return."""

from __future__ import annotations

import strawberry
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from hub import models, webhooks
from resolvers.errors import principal_of, unit_of_work
from resolvers.pages import keyset_connection
from resolvers.permissions import ANY_ROLE, described, roles
from schema.common import Connection, parse_id
from schema.context import HubInfo
from schema.webhook import (
    CreateWebhookSubscriptionPayload,
    WebhookDelivery,
    WebhookDeliveryPayload,
    WebhookSubscription,
    WebhookSubscriptionInput,
    WebhookSubscriptionPayload,
)


async def _create(info: HubInfo, input: WebhookSubscriptionInput) -> CreateWebhookSubscriptionPayload:
    request = webhooks.SubscriptionRequest(url=input.url, event_types=tuple(input.event_types),
                                           description=input.description)

    async def act(session: AsyncSession) -> tuple[models.WebhookSubscription, str]:
        return await webhooks.subscribe(session, clock=info.context.clock, principal=principal_of(info.context),
                                        request=request, allow_private=info.context.policy.webhook_allow_private,
                                        sealer=info.context.sealing())

    done = await unit_of_work(info, act)
    if isinstance(done, list):
        return CreateWebhookSubscriptionPayload(subscription=None, secret=None, errors=done)
    return CreateWebhookSubscriptionPayload(subscription=WebhookSubscription.from_model(done[0]), secret=done[1], errors=[])


async def _rotate(info: HubInfo, id: strawberry.ID) -> CreateWebhookSubscriptionPayload:
    wanted = parse_id(id)

    async def act(session: AsyncSession) -> tuple[models.WebhookSubscription, str]:
        return await webhooks.rotate(session, clock=info.context.clock, principal=principal_of(info.context),
                                     subscription_id=wanted, sealer=info.context.sealing())

    done = await unit_of_work(info, act)
    if isinstance(done, list):
        return CreateWebhookSubscriptionPayload(subscription=None, secret=None, errors=done)
    return CreateWebhookSubscriptionPayload(subscription=WebhookSubscription.from_model(done[0]), secret=done[1], errors=[])


async def _delete(info: HubInfo, id: strawberry.ID) -> WebhookSubscriptionPayload:
    wanted = parse_id(id)

    async def act(session: AsyncSession) -> models.WebhookSubscription:
        return await webhooks.unsubscribe(session, principal=principal_of(info.context), subscription_id=wanted)

    done = await unit_of_work(info, act)
    if isinstance(done, list):
        return WebhookSubscriptionPayload(subscription=None, errors=done)
    return WebhookSubscriptionPayload(subscription=WebhookSubscription.from_model(done), errors=[])


async def _redeliver(info: HubInfo, delivery_id: strawberry.ID) -> WebhookDeliveryPayload:
    wanted = parse_id(delivery_id, "deliveryId")

    async def act(session: AsyncSession) -> models.WebhookDelivery:
        return await webhooks.redeliver(session, clock=info.context.clock, principal=principal_of(info.context),
                                        delivery_id=wanted)

    done = await unit_of_work(info, act)
    if isinstance(done, list):
        return WebhookDeliveryPayload(delivery=None, errors=done)
    return WebhookDeliveryPayload(delivery=WebhookDelivery.from_model(done), errors=[])


async def webhook_subscriptions(info: HubInfo) -> list[WebhookSubscription]:
    principal = principal_of(info.context)
    async with info.context.sessions() as session:
        rows = (await session.execute(select(models.WebhookSubscription).where(
            col(models.WebhookSubscription.organisation_id) == principal.organisation_id)
            .order_by(col(models.WebhookSubscription.created_at)))).scalars().all()
    return [WebhookSubscription.from_model(r) for r in rows]


async def webhook_deliveries(
    info: HubInfo, subscription_id: strawberry.ID, first: int | None = None, after: str | None = None
) -> Connection[WebhookDelivery]:
    wanted = parse_id(subscription_id, "subscriptionId")
    principal = principal_of(info.context)
    mine = select(col(models.WebhookSubscription.id)).where(
        col(models.WebhookSubscription.id) == wanted,
        col(models.WebhookSubscription.organisation_id) == principal.organisation_id)
    where = [col(models.WebhookDelivery.subscription_id).in_(mine)]
    return await keyset_connection(info, models.WebhookDelivery, where, first=first, after=after,
                                   convert=WebhookDelivery.from_model)


@strawberry.type
class WebhookMutations:
    create_webhook_subscription: CreateWebhookSubscriptionPayload = strawberry.field(
        resolver=_create, extensions=roles(*ANY_ROLE), description=described(
            "Subscribe an endpoint of the caller's organisation to the events routed to it; returns the "
            "whsec_ signing secret once.", ANY_ROLE))
    rotate_webhook_secret: CreateWebhookSubscriptionPayload = strawberry.field(
        resolver=_rotate, extensions=roles(*ANY_ROLE), description=described(
            "A new signing secret, returned once; the old one also signs (a second v1, signature) for 24 hours.",
            ANY_ROLE))
    delete_webhook_subscription: WebhookSubscriptionPayload = strawberry.field(
        resolver=_delete, extensions=roles(*ANY_ROLE), description=described(
            "Stop a subscription; nothing more is delivered to it.", ANY_ROLE))
    redeliver_webhook: WebhookDeliveryPayload = strawberry.field(
        resolver=_redeliver, extensions=roles(*ANY_ROLE), description=described(
            "Queue a delivery again now, under the same webhook-id.", ANY_ROLE))


SUBSCRIPTIONS_DESCRIPTION = described("The caller's organisation's webhook subscriptions.", ANY_ROLE)
DELIVERIES_DESCRIPTION = described("Deliveries to one of the caller's subscriptions, newest first, with every "
                                   "attempt's status code, duration and error.", ANY_ROLE)
