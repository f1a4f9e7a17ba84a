"""Webhook subscriptions and the retry schedule (CONTRACT: webhooks; Standard Webhooks).

A subscription belongs to one organisation and receives the events routed to
it, never more: its deliveries are made from that organisation's routed
messages (``hub.events.enqueue``), and a payload carries identifiers, not a
child's details. The secret is ``whsec_`` + base64 of 32 random bytes, shown
once and stored sealed (``hub.sealing``, under ``CSPR_HUB_SECRET_KEY``); one
stored plain before sealing still signs, and is sealed when the secret is
rotated or by ``cspr-hub connectors reseal``. Rotating keeps the old secret
signing for a grace period.
"""

from __future__ import annotations

import base64
import random
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from hub import addresses
from hub.clock import Clock
from hub.errors import Problem, Refused, refuse_if
from hub.models import WebhookDelivery, WebhookSubscription
from hub.principal import Principal
from hub.sealing import Sealer
from hub.statute import rule
from hub.vocabulary import EventType

# Standard Webhooks: immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h.
SCHEDULE = (timedelta(0), timedelta(seconds=5), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2),
            timedelta(hours=5), timedelta(hours=10), timedelta(hours=14), timedelta(hours=20), timedelta(hours=24))
FAILING_LIMIT = timedelta(days=5)
ROTATION_GRACE = timedelta(hours=24)
MAX_SUBSCRIPTIONS = 20
MAX_URL = 2000
EVENT_TYPES = frozenset(e.value for e in EventType)


@dataclass(frozen=True)
class SubscriptionRequest:
    url: str
    event_types: tuple[str, ...]
    description: str | None = None


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def is_plain(stored: str) -> bool:
    """A secret stored before secrets were sealed: the ``whsec_`` text itself."""
    return stored.startswith("whsec_")


def secret_key(secret: str) -> bytes:
    """The HMAC key: the decoded bytes after ``whsec_`` (as the standardwebhooks libraries use)."""
    return base64.b64decode(secret.removeprefix("whsec_"))


def check_url(url: str, *, allow_private: bool) -> list[Problem]:
    """https on a public host; ``CSPR_HUB_WEBHOOK_ALLOW_PRIVATE`` also allows http and private hosts."""
    path = ("input", "url")
    if len(url) > MAX_URL:
        return [Problem("TOO_LONG", path, f"a URL is at most {MAX_URL} characters")]
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError:
        return [Problem("INVALID_URL", path, "not a URL")]
    schemes = ("https", "http") if allow_private else ("https",)
    if parts.scheme not in schemes or not host:
        return [Problem("INVALID_URL", path, "a webhook URL must be https://host/...")]
    if parts.username or parts.password:
        return [Problem("INVALID_URL", path, "a webhook URL must not carry credentials")]
    canonical = addresses.canonical_url(url)
    if canonical is None:
        return [Problem("INVALID_URL", path, "the URL's host is not a host name or an IP address")]
    if not allow_private and canonical[1].private:
        return [Problem("PRIVATE_ADDRESS", path, "the URL's host is a private, loopback or link-local address")]
    return []


def canonical(url: str) -> str:
    """The URL as stored: its host in the one form (``hub.addresses``); only for a URL ``check_url`` passed."""
    found = addresses.canonical_url(url)
    return url if found is None else found[0]


def check_event_types(event_types: tuple[str, ...]) -> list[Problem]:
    if not event_types:
        return [Problem("REQUIRED", ("input", "eventTypes"), "name at least one event type")]
    return [Problem("UNKNOWN_EVENT_TYPE", ("input", "eventTypes", str(i)), f"{e!r} is not an event type")
            for i, e in enumerate(event_types) if e not in EVENT_TYPES]


@rule("webhook-subscription", "CONTRACT: webhooks",
      "an organisation subscribes its own https endpoint to the events routed to it; the secret is shown once")
async def subscribe(session: AsyncSession, *, clock: Clock, principal: Principal, request: SubscriptionRequest,
                    allow_private: bool, sealer: Sealer) -> tuple[WebhookSubscription, str]:
    problems = check_url(request.url, allow_private=allow_private) + check_event_types(request.event_types)
    if request.description is not None and len(request.description) > 500:
        problems.append(Problem("TOO_LONG", ("input", "description"), "at most 500 characters"))
    mine = (await session.execute(select(col(WebhookSubscription.id)).where(
        col(WebhookSubscription.organisation_id) == principal.organisation_id))).all()
    if len(mine) >= MAX_SUBSCRIPTIONS:
        problems.append(Problem("TOO_MANY", ("input",), f"at most {MAX_SUBSCRIPTIONS} subscriptions"))
    refuse_if(problems)
    secret = new_secret()
    subscription = WebhookSubscription(
        organisation_id=principal.organisation_id, url=canonical(request.url), event_types=list(dict.fromkeys(request.event_types)),
        description=request.description, secret=sealer.seal(secret), created_at=clock.now())
    session.add(subscription)
    await session.flush()
    return subscription, secret


async def mine(session: AsyncSession, *, principal: Principal, subscription_id: str) -> WebhookSubscription:
    found = await session.get(WebhookSubscription, subscription_id)
    if found is None or found.organisation_id != principal.organisation_id:
        raise Refused([Problem("NOT_FOUND", ("id",), "no such subscription")])
    return found


async def unsubscribe(session: AsyncSession, *, principal: Principal, subscription_id: str) -> WebhookSubscription:
    found = await mine(session, principal=principal, subscription_id=subscription_id)
    found.active, found.disabled_reason = False, "deleted"
    await session.flush()
    return found


async def rotate(session: AsyncSession, *, clock: Clock, principal: Principal, subscription_id: str,
                 sealer: Sealer) -> tuple[WebhookSubscription, str]:
    """A new secret; the old one keeps signing (a second ``v1,`` signature) for the grace period."""
    found = await mine(session, principal=principal, subscription_id=subscription_id)
    secret = new_secret()
    found.previous_secret = sealer.seal_stored(found.secret, plain=is_plain)
    found.previous_secret_until = clock.now() + ROTATION_GRACE
    found.secret = sealer.seal(secret)
    await session.flush()
    return found, secret


def signing_secrets(subscription: WebhookSubscription, now: datetime, *, sealer: Sealer) -> list[str]:
    """The secrets that sign a delivery now, opened."""
    live = [subscription.secret]
    if subscription.previous_secret and subscription.previous_secret_until and subscription.previous_secret_until > now:
        live.append(subscription.previous_secret)
    return [sealer.open_stored(s, plain=is_plain) for s in live]


async def reseal(session: AsyncSession, *, sealer: Sealer) -> int:
    """Seal every subscription's secrets under the first key (plaintext ones included); how many there were."""
    rows = list((await session.execute(select(WebhookSubscription))).scalars())
    for row in rows:
        row.secret = sealer.seal_stored(row.secret, plain=is_plain)
        if row.previous_secret:
            row.previous_secret = sealer.seal_stored(row.previous_secret, plain=is_plain)
    await session.flush()
    return len(rows)


@rule("webhook-retry-schedule", "CONTRACT: webhooks (Standard Webhooks)",
      "a failed delivery is retried on the Standard Webhooks schedule with jitter, honouring Retry-After")
def next_attempt(attempts: int, now: datetime, *, retry_after: timedelta | None = None,
                 jitter: random.Random | None = None) -> datetime | None:
    """When to try again after ``attempts`` failed tries; None when the schedule is spent."""
    if attempts >= len(SCHEDULE):
        return None
    delay = SCHEDULE[attempts]
    spread = (jitter or random.Random()).uniform(0.9, 1.1)
    wait = delay * spread
    if retry_after is not None:
        wait = max(wait, min(retry_after, SCHEDULE[-1]))
    return now + wait


async def redeliver(session: AsyncSession, *, clock: Clock, principal: Principal, delivery_id: str) -> WebhookDelivery:
    delivery = await session.get(WebhookDelivery, delivery_id)
    subscription = await session.get(WebhookSubscription, delivery.subscription_id) if delivery else None
    if delivery is None or subscription is None or subscription.organisation_id != principal.organisation_id:
        raise Refused([Problem("NOT_FOUND", ("deliveryId",), "no such delivery")])
    if not subscription.active:
        raise Refused([Problem("SUBSCRIPTION_DISABLED", ("deliveryId",), "the subscription is disabled")])
    delivery.status, delivery.next_attempt_at, delivery.lease_until = "PENDING", clock.now(), None
    await session.flush()
    return delivery
