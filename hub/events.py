"""The append-only case timeline and the transactional outbox.

A change, its timeline event, its routed messages and one delivery row per
matching webhook subscription are written in one transaction (``record`` and
``enqueue`` add to the caller's session). Nothing is sent inside a request:
the delivery worker claims due rows afterwards (``claim``), so a crash can
delay a delivery but never lose one.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import event, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session
from sqlmodel import col

from hub import connector_outbox
from hub.models import (
    Case,
    CaseEvent,
    ConnectorCall,
    Organisation,
    RoutedMessage,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)
from hub.statute import rule
from hub.vocabulary import EventType
from hub.webhooks import FAILING_LIMIT, next_attempt

LEASE = timedelta(seconds=60)
NOTIFY_CHANNEL = connector_outbox.NOTIFY_CHANNEL  # one channel wakes the webhook and connector loops


def record(
    session: AsyncSession,
    *,
    case_id: str,
    event: EventType,
    actor_id: str | None,
    at: datetime,
    data: dict[str, Any] | None = None,
) -> CaseEvent:
    entry = CaseEvent(
        case_id=case_id, event_type=event.value, actor_id=actor_id, occurred_at=at, data=data or {}
    )
    session.add(entry)
    return entry


def payload(message: RoutedMessage, case: Case, recipient: Organisation) -> dict[str, Any]:
    """What a webhook carries: identifiers and the duty, never a child's details."""
    return {
        "type": message.event_type,
        "timestamp": message.created_at.isoformat(),
        "data": {
            "messageId": message.id, "caseId": case.id, "caseReference": case.reference,
            "subjectId": message.subject_id, "recipient": recipient.code, "basis": message.basis,
            "dueOn": message.due_on.isoformat() if message.due_on else None,
        },
    }


@rule("webhook-fan-out", "DOMAIN: who may see what; CONTRACT: webhooks",
      "each routed message becomes one delivery per active subscription of its recipient for its event type")
async def enqueue(session: AsyncSession, *, case: Case, messages: Sequence[RoutedMessage], at: datetime) -> int:
    """Add the outbox rows for routed messages, in the caller's transaction: one webhook delivery per matching
    subscription, and one connector call per recipient whose own system takes messages."""
    recipients = {m.recipient_id for m in messages}
    if not recipients:
        return 0
    await session.flush()  # the deliveries and calls refer to the messages
    pushed = await connector_outbox.push_messages(session, messages=messages, at=at)
    if pushed:
        await connector_outbox.wake_workers(session)
    subscriptions = (await session.execute(select(WebhookSubscription).where(
        col(WebhookSubscription.organisation_id).in_(recipients), col(WebhookSubscription.active).is_(True)))).scalars().all()
    if not subscriptions:
        return 0
    orgs = {o.id: o for o in (await session.execute(
        select(Organisation).where(col(Organisation.id).in_(recipients)))).scalars()}
    added = 0
    for message in messages:
        for subscription in subscriptions:
            if subscription.organisation_id == message.recipient_id and message.event_type in subscription.event_types:
                session.add(WebhookDelivery(
                    subscription_id=subscription.id, routed_message_id=message.id, event_type=message.event_type,
                    payload=payload(message, case, orgs[message.recipient_id]), status="PENDING",
                    next_attempt_at=at, created_at=at))
                added += 1
    if added:
        await connector_outbox.wake_workers(session)
    return added


@dataclass(frozen=True)
class Claimed:
    delivery: WebhookDelivery
    subscription: WebhookSubscription


async def claim(session: AsyncSession, *, now: datetime, limit: int, lease: timedelta = LEASE) -> list[Claimed]:
    """Lease due deliveries to this worker; on PostgreSQL rows locked by another worker are skipped."""
    query = (select(WebhookDelivery)
             .where(col(WebhookDelivery.status) == "PENDING", col(WebhookDelivery.next_attempt_at) <= now,
                    or_(col(WebhookDelivery.lease_until).is_(None), col(WebhookDelivery.lease_until) < now))
             .order_by(col(WebhookDelivery.next_attempt_at)).limit(limit))
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    due = [d.id for d in (await session.execute(query)).scalars().all()]
    if not due:
        return []
    # one conditional update for the round, so two workers that read the same rows (SQLite has no SKIP
    # LOCKED) lease each once: a row another worker leased meanwhile is not returned
    taken = set((await session.execute(
        update(WebhookDelivery)
        .where(col(WebhookDelivery.id).in_(due), col(WebhookDelivery.status) == "PENDING",
               or_(col(WebhookDelivery.lease_until).is_(None), col(WebhookDelivery.lease_until) < now))
        .values(lease_until=now + lease).returning(col(WebhookDelivery.id))
        .execution_options(synchronize_session=False))).scalars())
    if not taken:
        return []
    deliveries = (await session.execute(select(WebhookDelivery).where(col(WebhookDelivery.id).in_(taken))
                                        .execution_options(populate_existing=True))).scalars().all()
    subscriptions = {s.id: s for s in (await session.execute(select(WebhookSubscription).where(
        col(WebhookSubscription.id).in_({d.subscription_id for d in deliveries})))).scalars()}
    order = {delivery_id: n for n, delivery_id in enumerate(due)}
    return [Claimed(d, subscriptions[d.subscription_id]) for d in sorted(deliveries, key=lambda d: order[d.id])]


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    duration_ms: int
    error: str | None = None
    retry_after: timedelta | None = None
    permanent: bool = False  # e.g. the URL resolves to a private address

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    @property
    def retryable(self) -> bool:
        code = self.status_code
        return not self.permanent and (code is None or code >= 500 or code in (408, 429))


@rule("webhook-outcome", "CONTRACT: webhooks",
      "2xx delivers; timeouts, connection errors, 5xx and 429 are retried; 410 disables the subscription; "
      "other 4xx are not retried; a subscription failing for 5 days is disabled")
async def complete_round(session: AsyncSession, *, outcomes: Sequence[tuple[str, Outcome]],
                         now: datetime) -> list[WebhookDelivery]:
    """Record a round's outcomes in one transaction, reading its deliveries, their subscriptions and routed
    messages in one statement each. Should the transaction fail, the round's leases run out and its
    deliveries are sent again: at least once, as receivers expect (they dedupe by ``webhook-id``)."""
    ids = [delivery_id for delivery_id, _ in outcomes]
    deliveries = (await session.execute(select(WebhookDelivery).where(col(WebhookDelivery.id).in_(ids)))).scalars()
    held: list[object] = list(deliveries)
    held += (await session.execute(select(WebhookSubscription).where(col(WebhookSubscription.id).in_(
        {d.subscription_id for d in held if isinstance(d, WebhookDelivery)})))).scalars().all()
    messages = {d.routed_message_id for d in held if isinstance(d, WebhookDelivery) and d.routed_message_id}
    if messages:  # held in this list: the session's identity map keeps only what is referenced
        held += (await session.execute(select(RoutedMessage).where(col(RoutedMessage.id).in_(messages)))).scalars().all()
    done = [await complete(session, delivery_id=i, outcome=o, now=now, flush=False) for i, o in outcomes]
    await session.flush()
    return done


async def complete(session: AsyncSession, *, delivery_id: str, outcome: Outcome, now: datetime,
                   flush: bool = True) -> WebhookDelivery:
    delivery = await session.get(WebhookDelivery, delivery_id)
    assert delivery is not None
    subscription = await session.get(WebhookSubscription, delivery.subscription_id)
    assert subscription is not None
    session.add(WebhookAttempt(delivery_id=delivery.id, attempted_at=now, status_code=outcome.status_code,
                               duration_ms=outcome.duration_ms, error=outcome.error))
    delivery.attempts += 1
    delivery.lease_until = None
    if outcome.delivered:
        delivery.status, delivery.delivered_at = "DELIVERED", now
        subscription.failing_since = None
        await _mark_message_delivered(session, delivery, now)
    else:
        _failed(session, delivery, subscription, outcome, now)
    if flush:
        await session.flush()
    return delivery


def _failed(session: AsyncSession, delivery: WebhookDelivery, subscription: WebhookSubscription, outcome: Outcome,
            now: datetime) -> None:
    subscription.failing_since = subscription.failing_since or now
    if outcome.status_code == 410:
        _disable(session, subscription, "the receiver answered 410 Gone", now)
    elif now - subscription.failing_since >= FAILING_LIMIT:
        _disable(session, subscription, "failing for 5 days", now)
    later = next_attempt(delivery.attempts, now, retry_after=outcome.retry_after) if outcome.retryable else None
    if later is None or not subscription.active:
        delivery.status = "FAILED"
    else:
        delivery.next_attempt_at = later


def _disable(session: AsyncSession, subscription: WebhookSubscription, reason: str, now: datetime) -> None:
    """Stop the subscription and tell its organisation, in its inbox."""
    subscription.active, subscription.disabled_reason = False, reason
    session.add(RoutedMessage(
        case_id=None, recipient_id=subscription.organisation_id, sender_id=None,
        event_type=EventType.WEBHOOK_DISABLED.value, basis="CONTRACT: webhooks (" + reason + ")",
        subject_id=subscription.id, due_on=None, created_at=now))


async def _mark_message_delivered(session: AsyncSession, delivery: WebhookDelivery, now: datetime) -> None:
    if delivery.routed_message_id is None:
        return
    message = await session.get(RoutedMessage, delivery.routed_message_id)
    if message is not None and message.delivered_at is None:
        message.delivered_at = now


EVENTS_CHANNEL = "cspr_hub_case_events"


class Feed:
    """Committed case events, as ids, to every live subscriber of this process.

    On PostgreSQL each new event sends ``NOTIFY`` with its id in the same transaction, so
    every process's listener (this one's too) hears it on commit; on SQLite the ids are
    handed over in-process after commit. Subscribers load the event and apply visibility.
    """

    def __init__(self) -> None:
        self._queues: set[asyncio.Queue[str]] = set()
        self.outbox_listeners: set[Callable[[], None]] = set()  # in-process wake-ups for the outbox workers

    @property
    def subscribers(self) -> int:
        """How many live subscriptions of this process are listening now."""
        return len(self._queues)

    def publish(self, event_id: str) -> None:
        for queue in list(self._queues):
            queue.put_nowait(event_id)

    @contextlib.asynccontextmanager
    async def subscribe(self) -> AsyncIterator[asyncio.Queue[str]]:
        queue: asyncio.Queue[str] = asyncio.Queue(maxsize=10_000)
        self._queues.add(queue)
        try:
            yield queue
        finally:
            self._queues.discard(queue)

    def install(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        session_class = sessions.kw["sync_session_class"]
        event.listen(session_class, "after_flush", self._after_flush)
        event.listen(session_class, "after_commit", self._after_commit)
        event.listen(session_class, "after_rollback", self._after_rollback)

    def _after_flush(self, session: Session, _context: Any) -> None:
        if any(isinstance(o, WebhookDelivery | ConnectorCall) for o in session.new):
            session.info["outbox"] = True
        ids = [o.id for o in session.new if isinstance(o, CaseEvent)]
        if not ids:
            return
        if session.get_bind().dialect.name == "postgresql":
            for event_id in ids:
                session.connection().execute(text("SELECT pg_notify(:c, :i)"), {"c": EVENTS_CHANNEL, "i": event_id})
        else:
            session.info.setdefault("case_events", []).extend(ids)

    def _after_commit(self, session: Session) -> None:
        for event_id in session.info.pop("case_events", []):
            self.publish(event_id)
        if session.info.pop("outbox", False):
            for wake in list(self.outbox_listeners):
                wake()

    def _after_rollback(self, session: Session) -> None:
        session.info.pop("case_events", None)
        session.info.pop("outbox", None)
