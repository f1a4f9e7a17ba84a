"""Webhook delivery: Standard Webhooks headers and signatures, sent by the outbox worker.

The worker leases due deliveries (``hub.events.claim``), posts each one with
``webhook-id``, ``webhook-timestamp`` and ``webhook-signature`` (one ``v1,``
signature per live secret), never follows a redirect, and records every attempt
(``hub.events.complete_round``, one transaction a round). The client it is given connects through
``connectors.pinned.PinnedTransport``: the receiver's host is resolved once, a private
address refused unless allowed, and the connection made to the address checked.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import logging
import time
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

import httpx2
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from connectors import telemetry
from connectors.outbox_loop import drain
from connectors.pinned import Refused
from hub import events
from hub.clock import Clock
from hub.sealing import Sealer, SealError
from hub.store import transaction
from hub.webhooks import secret_key, signing_secrets

logger = logging.getLogger("cspr_hub.webhooks")
TIMEOUT = httpx2.Timeout(10.0, connect=5.0)
MAX_ERROR = 300


def sign(secret: str, message_id: str, timestamp: int, body: str) -> str:
    digest = hmac.new(secret_key(secret), f"{message_id}.{timestamp}.{body}".encode(), hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def retry_after(value: str | None, now: datetime) -> timedelta | None:
    if not value:
        return None
    if value.strip().isdigit():
        return timedelta(seconds=int(value.strip()))
    try:
        return max(parsedate_to_datetime(value) - now, timedelta(0))
    except (TypeError, ValueError):
        return None


class Sender:
    """Posts one delivery and says what happened; never raises for the receiver's faults."""

    def __init__(self, client: httpx2.AsyncClient, *, sealer: Sealer, timeout: httpx2.Timeout = TIMEOUT) -> None:
        self.client = client  # a PinnedTransport under it, but for tests that give their own
        self.sealer = sealer
        self.timeout = timeout

    async def send(self, claimed: events.Claimed, now: datetime) -> events.Outcome:
        delivery, subscription = claimed.delivery, claimed.subscription
        try:
            secrets = signing_secrets(subscription, now, sealer=self.sealer)
        except SealError:  # a key taken away too soon: retried, so a restored key still delivers
            return events.Outcome(None, 0, "the signing secret opens with none of the keys given")
        body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True)
        stamp = int(now.timestamp())
        headers = {
            "content-type": "application/json", "user-agent": "cspr-hub-webhooks/1",
            "webhook-id": delivery.id, "webhook-timestamp": str(stamp),
            "webhook-signature": " ".join(sign(s, delivery.id, stamp, body) for s in secrets),
        }
        started = time.monotonic()
        with telemetry.span("webhook delivery", kind="client", parent=telemetry.context_of(delivery.traceparent),
                            attributes={"cspr_hub.event_type": delivery.event_type,
                                        "cspr_hub.attempt": delivery.attempts + 1}) as span:
            telemetry.inject(headers)  # the trace of the request that caused the event (W3C traceparent)
            try:
                response = await self.client.post(subscription.url, content=body.encode(), headers=headers,
                                                  follow_redirects=False, timeout=self.timeout)
            except Refused as exc:  # a private address (for good), or no address (for now)
                telemetry.error(span, "refused address")
                return events.Outcome(None, _ms(started), str(exc), permanent=exc.permanent)
            except httpx2.HTTPError as exc:
                telemetry.error(span, type(exc).__name__)
                return events.Outcome(None, _ms(started), f"{type(exc).__name__}"[:MAX_ERROR])
            error = None if response.is_success else f"HTTP {response.status_code}"
            if response.is_redirect:
                error = "redirects are not followed"
            telemetry.set_attributes(span, http__response__status_code=response.status_code)
            if error:
                telemetry.error(span, error)
        return events.Outcome(response.status_code, _ms(started), error,
                              retry_after=retry_after(response.headers.get("retry-after"), now))


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


class Worker:
    """Claims due deliveries, sends them, records the outcome; loops until stopped."""

    def __init__(self, *, sessions: async_sessionmaker[AsyncSession], clock: Clock, sender: Sender,
                 batch: int = 20, poll_seconds: float = 0.5, lease: timedelta = events.LEASE) -> None:
        self.sessions = sessions
        self.clock = clock
        self.sender = sender
        self.batch = batch
        self.poll_seconds = poll_seconds
        self.lease = lease
        self.wake = asyncio.Event()

    async def run_once(self) -> int:
        async with transaction(self.sessions) as session:
            claimed = await events.claim(session, now=self.clock.now(), limit=self.batch, lease=self.lease)
        outcomes = await asyncio.gather(*(self.sender.send(c, self.clock.now()) for c in claimed))
        if claimed:
            async with transaction(self.sessions) as session:
                await events.complete_round(session, now=self.clock.now(), outcomes=[
                    (item.delivery.id, outcome) for item, outcome in zip(claimed, outcomes, strict=True)])
        return len(claimed)

    async def run(self, stop: asyncio.Event) -> None:
        await drain(self.run_once, stop=stop, wake=self.wake, poll_seconds=self.poll_seconds, what="delivery")


TOLERANCE = timedelta(minutes=5)


def verify(secret: str, *, message_id: str | None, timestamp: str | None, signatures: str | None, body: bytes,
           now: datetime, tolerance: timedelta = TOLERANCE) -> bool:
    """A Standard Webhooks signature over ``id.timestamp.body``, made within the tolerance of now."""
    if not message_id or not timestamp or not signatures or not (timestamp.isascii() and timestamp.isdigit()):
        return False
    if abs(now.timestamp() - int(timestamp)) > tolerance.total_seconds():
        return False
    try:
        expected = sign(secret, message_id, int(timestamp), body.decode())
    except (UnicodeDecodeError, ValueError):
        return False
    wanted = expected.encode()  # bytes: compare_digest refuses str that is not ASCII (headers arrive as latin-1)
    return any(hmac.compare_digest(wanted, given.encode()) for given in signatures.split(" ")
               if given.startswith("v1,"))
