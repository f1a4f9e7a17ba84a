"""The connectors' outbox: calls to agency systems, written with the change, made afterwards by the worker.

When the Panel (or a partner) asks for further information, each organisation asked that has an
active connector gets one ``ConnectorCall`` row in the same transaction as the request (paras 24,
35). The worker leases due calls (``claim``), makes them from ``connectors/`` and records every
attempt (``complete``): retried with backoff, honouring ``Retry-After``, and held back while the
organisation's circuit breaker is open. A call that cannot be made is failed visibly: a row with
its attempts, and a ``connector.failed`` message in the organisation's inbox, which still holds
the request itself, answerable through GraphQL.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from sqlalchemy import or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from hub.models import (
    Case,
    Connector,
    ConnectorAttempt,
    ConnectorCall,
    InformationAddressee,
    InformationRequest,
    Organisation,
    RapidReview,
    RapidReviewContribution,
    RoutedMessage,
)
from hub.statute import rule
from hub.vocabulary import EventType, InformationRequestStatus, RapidReviewStatus

NOTIFY_CHANNEL = "cspr_hub_outbox"  # the webhook outbox's channel: one wake-up for both loops
LEASE = timedelta(seconds=60)
LEASE_MARGIN = timedelta(seconds=30)  # beyond the longest a call may take (twice its timeout)
# immediately, 10 s, 1 min, 5 min, 30 min, 2 h, 6 h, 12 h, 24 h; then the call has failed
SCHEDULE = (timedelta(0), timedelta(seconds=10), timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30),
            timedelta(hours=2), timedelta(hours=6), timedelta(hours=12), timedelta(hours=24))
BREAKER_THRESHOLD = 5  # failed calls in a row that open an organisation's circuit
BREAKER_BASE = timedelta(seconds=30)
BREAKER_MAX = timedelta(minutes=30)
MAX_ERROR = 500


class CallStatus(str, Enum):
    PENDING = "PENDING"  # to be pushed
    DELIVERED = "DELIVERED"  # a routed message the agency's system took
    WITHDRAWING = "WITHDRAWING"  # the system holds a request now answered elsewhere or closed: it is told
    SENT = "SENT"  # the agency's system has it; its answer is awaited (by callback, or by polling)
    ANSWERED = "ANSWERED"
    FAILED = "FAILED"  # could not be pushed: the organisation answers through the hub instead
    CLOSED = "CLOSED"  # the request was answered or closed otherwise, or the connector was removed


class Operation(str, Enum):
    INFORMATION_REQUEST = "information_request"
    ROUTED_MESSAGE = "routed_message"
    CASE_SUMMARY = "case_summary"


# what a request's own push already carries: not sent twice
NOT_PUSHED_AS_MESSAGES = frozenset({EventType.INFORMATION_REQUESTED.value, EventType.CONNECTOR_FAILED.value})


# a FHIR Task in one of these states will not be completed: the organisation's system declined the request
DECLINED_TASK_STATUSES = frozenset({"rejected", "cancelled", "failed", "entered-in-error"})
# an answer the hub refused because the organisation's part is settled already: the call is overtaken, not failed
SETTLED = frozenset({"ALREADY_ANSWERED", "REQUEST_NOT_OPEN"})


@dataclass(frozen=True)
class Judgement:
    """What an agency system's HTTP status means for the call."""

    ok: bool
    retry: bool  # a failure worth trying again (on the schedule, honouring Retry-After)


@rule("connector-http-status", "CONTRACT: connectors",
      "an agency system's 2xx, or 409 (already received), takes the call; 401, 408, 429 and 5xx are retried; "
      "any other status fails the call without retrying")
def judge_status(code: int) -> Judgement:
    if 200 <= code < 300 or code == 409:
        return Judgement(ok=True, retry=False)
    return Judgement(ok=False, retry=code >= 500 or code in (401, 408, 429))


async def wake_workers(session: AsyncSession) -> None:
    """PostgreSQL: every worker listening hears it on commit (SQLite workers are woken in-process, by ``Feed``)."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text(f"NOTIFY {NOTIFY_CHANNEL}"))


async def _active(session: AsyncSession, organisation_ids: Sequence[str], *,
                  opted_in: str | None = None) -> list[Connector]:
    """The active connectors of these organisations; only those whose configuration opts in, if named."""
    if not organisation_ids:
        return []
    found = (await session.execute(select(Connector).where(
        col(Connector.organisation_id).in_(set(organisation_ids)), col(Connector.active).is_(True)))).scalars()
    return [c for c in found if opted_in is None or c.config.get(opted_in)]


@rule("connector-push", "paras 24, 35",
      "each organisation asked for further information that has a connector gets the request pushed to its "
      "own system, from the outbox, never inside the request; the others answer through the hub")
async def push_request(session: AsyncSession, *, request: InformationRequest, named: Sequence[Organisation],
                       at: datetime) -> list[ConnectorCall]:
    """Add one call per organisation asked that has an active connector, in the caller's transaction."""
    connectors = await _active(session, [o.id for o in named])
    calls = [ConnectorCall(connector_id=c.id, organisation_id=c.organisation_id, case_id=request.case_id,
                           information_request_id=request.id, operation=Operation.INFORMATION_REQUEST.value,
                           status=CallStatus.PENDING.value, next_attempt_at=at, created_at=at) for c in connectors]
    session.add_all(calls)
    if calls:
        await wake_workers(session)
    return calls


@rule("connector-routed-messages", "DOMAIN: routing table; CONTRACT: connectors",
      "every message routed to an organisation whose own system opted to take messages is pushed to it as well, "
      "from the outbox; the inbox keeps it, and the first push accepted counts as its delivery")
async def push_messages(session: AsyncSession, *, messages: Sequence[RoutedMessage], at: datetime) -> list[ConnectorCall]:
    """Add one call per routed message whose recipient has an active connector that takes messages."""
    wanted = [m for m in messages if m.case_id is not None and m.event_type not in NOT_PUSHED_AS_MESSAGES]
    if not wanted:
        return []
    connectors = {c.organisation_id: c for c in await _active(  # opted in (REST only: a FHIR server takes Tasks)
        session, [m.recipient_id for m in wanted], opted_in="routed_messages")}
    calls = [ConnectorCall(connector_id=connectors[m.recipient_id].id, organisation_id=m.recipient_id,
                           case_id=str(m.case_id), routed_message_id=m.id, operation=Operation.ROUTED_MESSAGE.value,
                           status=CallStatus.PENDING.value, next_attempt_at=at, created_at=at)
             for m in wanted if m.recipient_id in connectors]
    session.add_all(calls)
    return calls


@rule("connector-case-summaries", "para 20; CONTRACT: connectors",
      "when a rapid review starts, each partner whose own system opted to give case summaries is asked for its "
      "summary of the case, from the outbox; it becomes the partner's contribution unless the partner has "
      "written its own")
async def ask_summaries(session: AsyncSession, *, case: Case, partners: Sequence[Organisation],
                        at: datetime) -> list[ConnectorCall]:
    """Add one call per partner whose active connector gives case summaries, in the caller's transaction."""
    connectors = await _active(session, [o.id for o in partners], opted_in="case_summaries")
    calls = [ConnectorCall(connector_id=c.id, organisation_id=c.organisation_id, case_id=case.id,
                           operation=Operation.CASE_SUMMARY.value, status=CallStatus.PENDING.value,
                           next_attempt_at=at, created_at=at) for c in connectors]
    session.add_all(calls)
    if calls:
        await wake_workers(session)
    return calls


@dataclass(frozen=True)
class Claimed:
    """A leased call with what an adapter needs to make it; no child's details."""

    call: ConnectorCall
    connector: Connector
    request: InformationRequest
    case: Case
    requester: Organisation
    owner: Organisation


@dataclass(frozen=True)
class ClaimedSummary:
    """A leased case summary's call: the case by its reference only."""

    call: ConnectorCall
    connector: Connector
    case: Case
    owner: Organisation


@dataclass(frozen=True)
class ClaimedMessage:
    """A leased routed message's call: the message as the inbox holds it; no child's details."""

    call: ConnectorCall
    connector: Connector
    message: RoutedMessage
    case: Case
    owner: Organisation


def _due(now: datetime) -> list[object]:
    return [col(ConnectorCall.next_attempt_at) <= now,
            or_(col(ConnectorCall.status).in_([CallStatus.PENDING.value, CallStatus.WITHDRAWING.value]),
                (col(ConnectorCall.status) == CallStatus.SENT.value) & col(ConnectorCall.polls).is_(True)),
            or_(col(ConnectorCall.lease_until).is_(None), col(ConnectorCall.lease_until) < now)]


Leased = Claimed | ClaimedMessage | ClaimedSummary


async def claim(session: AsyncSession, *, now: datetime, limit: int, lease: timedelta = LEASE) -> list[Leased]:
    """Lease due calls of connectors whose circuit is closed; another worker's rows are skipped."""
    closed = select(col(Connector.id)).where(
        col(Connector.active).is_(True),
        or_(col(Connector.circuit_open_until).is_(None), col(Connector.circuit_open_until) <= now))
    query = (select(ConnectorCall).where(*_due(now), col(ConnectorCall.connector_id).in_(closed))  # type: ignore[arg-type]
             .order_by(col(ConnectorCall.next_attempt_at)).limit(limit))
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    claimed: list[Leased] = []
    for call in (await session.execute(query)).scalars().all():
        connector = await session.get(Connector, call.connector_id)
        until, token = now + call_lease(connector, lease), str(uuid.uuid4())
        taken = await session.execute(
            update(ConnectorCall).where(col(ConnectorCall.id) == call.id, *_due(now))  # type: ignore[arg-type]
            .values(lease_until=until, lease_token=token).execution_options(synchronize_session=False))
        if taken.rowcount != 1:  # type: ignore[attr-defined]
            continue  # SQLite has no SKIP LOCKED: the conditional update leases a row once
        call.lease_until, call.lease_token = until, token
        if await _overtaken(session, call, now):
            continue
        claimed.append(await _with_context(session, call))
    return claimed


@rule("connector-lease", "CONTRACT: connectors",
      "a worker leases a call for longer than the call can take (twice its timeout, and a margin), and only the "
      "worker still holding the lease moves the call on: a slower one's result is recorded as an attempt only")
def call_lease(connector: Connector | None, lease: timedelta = LEASE) -> timedelta:
    timeout = float((connector.config if connector else {}).get("timeout_seconds", 10.0))
    return max(lease, timedelta(seconds=2 * timeout) + LEASE_MARGIN)


async def _overtaken(session: AsyncSession, call: ConnectorCall, now: datetime) -> bool:
    """A request answered or closed meanwhile (through GraphQL, say) is not pushed nor polled again; a routed
    message acknowledged in the inbox meanwhile is not pushed. A withdrawal is never overtaken."""
    if call.status == CallStatus.WITHDRAWING.value:
        return False
    if call.operation == Operation.CASE_SUMMARY.value:
        review = (await session.execute(select(RapidReview).where(col(RapidReview.case_id) == call.case_id))).scalar()
        written = (await session.execute(select(col(RapidReviewContribution.id)).where(
            col(RapidReviewContribution.rapid_review_id) == (review.id if review else ""),
            col(RapidReviewContribution.organisation_id) == call.organisation_id))).first()
        if review is not None and review.status == RapidReviewStatus.IN_PROGRESS.value and written is None:
            return False
        close(call, now)
        return True
    if call.routed_message_id is not None:
        message = await session.get(RoutedMessage, call.routed_message_id)
        if message is not None and message.acknowledged_at is None:
            return False
        close(call, now)
        return True
    request = await session.get(InformationRequest, call.information_request_id)
    mine = await session.get(InformationAddressee, (call.information_request_id, call.organisation_id))
    if request is not None and request.status == InformationRequestStatus.OPEN.value and mine is not None \
            and mine.answered_at is None:
        return False
    close(call, now)
    return True


def close(call: ConnectorCall, at: datetime, status: CallStatus = CallStatus.CLOSED) -> None:
    """Settle a call: nothing more is pushed or polled, and nobody holds its lease."""
    call.status, call.completed_at = status.value, at
    call.lease_until = call.lease_token = None


@rule("connector-withdrawal", "paras 24, 35; CONTRACT: connectors",
      "a request answered through the hub or closed is withdrawn from the systems that already hold it (REST: a "
      "withdrawal; FHIR: the Task cancelled), from the outbox; calls not yet pushed simply close")
async def close_calls(session: AsyncSession, *, request_id: str, at: datetime,
                      organisation_id: str | None = None) -> list[ConnectorCall]:
    """A request answered (by one organisation) or closed: its open calls close in the same transaction, those
    the agency's system already holds by way of a withdrawal."""
    query = select(ConnectorCall).where(
        col(ConnectorCall.information_request_id) == request_id,
        col(ConnectorCall.status).in_([CallStatus.PENDING.value, CallStatus.SENT.value]))
    if organisation_id is not None:
        query = query.where(col(ConnectorCall.organisation_id) == organisation_id)
    calls = list((await session.execute(query)).scalars().all())
    for call in calls:
        if call.status == CallStatus.SENT.value:
            call.status, call.next_attempt_at = CallStatus.WITHDRAWING.value, at
            call.lease_until = call.lease_token = None
        else:
            close(call, at)
    if calls:
        await wake_workers(session)
    return calls


async def _with_context(session: AsyncSession, call: ConnectorCall) -> Leased:
    connector = await session.get(Connector, call.connector_id)
    case = await session.get(Case, call.case_id)
    owner = await session.get(Organisation, call.organisation_id)
    assert connector and case and owner
    if call.routed_message_id is not None:
        message = await session.get(RoutedMessage, call.routed_message_id)
        assert message is not None
        return ClaimedMessage(call, connector, message, case, owner)
    if call.operation == Operation.CASE_SUMMARY.value:
        return ClaimedSummary(call, connector, case, owner)
    request = await session.get(InformationRequest, call.information_request_id)
    requester = await session.get(Organisation, request.requested_by_id) if request else None
    assert request and requester
    return Claimed(call, connector, request, case, requester, owner)


@dataclass(frozen=True)
class Outcome:
    """What one call to an agency system came to (made by an adapter in ``connectors/``)."""

    ok: bool
    status_code: int | None
    duration_ms: int
    error: str | None = None
    retry_after: timedelta | None = None
    permanent: bool = False  # e.g. a 400: the same call would fail the same way
    external_ref: str | None = None  # the agency's id for what it received, e.g. Task/42
    polls: bool = False  # the answer is to be fetched (FHIR Task) rather than called back
    answer: str | None = None  # a poll found the answer
    answer_id: str | None = None  # the agency's id for the answer: taken once
    rejected: bool = False  # a poll found that the agency's system declined the request
    refused: str | None = None  # the codes of a polled answer the hub refused: not the agency system's failure


@rule("connector-retry", "CONTRACT: connectors",
      "a failed call is retried on a backoff schedule (immediately, 10 s, 1 min, 5 min, 30 min, 2 h, 6 h, 12 h, "
      "24 h), honouring Retry-After; other 4xx are not retried; every attempt is recorded")
def next_attempt(attempts: int, now: datetime, *, retry_after: timedelta | None = None) -> datetime | None:
    """When to try again after ``attempts`` failed tries; None when the schedule is spent."""
    if attempts >= len(SCHEDULE):
        return None
    wait = SCHEDULE[attempts]
    if retry_after is not None:
        wait = max(wait, min(retry_after, SCHEDULE[-1]))
    return now + wait


@rule("connector-circuit-breaker", "CONTRACT: connectors",
      "after 5 failed calls in a row an organisation's connector rests (30 s, doubling to 30 min) before it is "
      "tried again; its calls wait, none is lost; one success closes the circuit")
def trip(connector: Connector, *, ok: bool, now: datetime) -> None:
    if ok:
        connector.consecutive_failures, connector.circuit_open_until = 0, None
        return
    connector.consecutive_failures += 1
    beyond = connector.consecutive_failures - BREAKER_THRESHOLD
    if beyond >= 0:
        connector.circuit_open_until = now + min(BREAKER_BASE * (2 ** min(beyond, 16)), BREAKER_MAX)


async def complete(session: AsyncSession, *, call_id: str, outcome: Outcome, now: datetime, operation: str,
                   lease_token: str | None) -> ConnectorCall:
    """Record the attempt and move the call on, if the caller still holds its lease (``claim``'s token).

    The caller takes a polled answer in the same transaction, before this.
    """
    call = await session.get(ConnectorCall, call_id)
    connector = await session.get(Connector, call.connector_id) if call else None
    assert call is not None and connector is not None
    session.add(ConnectorAttempt(connector_id=connector.id, call_id=call.id, operation=operation, attempted_at=now,
                                 status_code=outcome.status_code, duration_ms=outcome.duration_ms,
                                 error=outcome.error[:MAX_ERROR] if outcome.error else None))
    if call.lease_token != lease_token:  # leased again since, or settled otherwise: the newer word stands
        await session.flush()
        return call
    if outcome.refused is None:  # the system answered as asked; what it said is the organisation's to mend
        trip(connector, ok=outcome.ok, now=now)
    call.lease_until = call.lease_token = None
    if call.status == CallStatus.WITHDRAWING.value:
        call.attempts += 1
        later = None if outcome.ok or outcome.permanent else next_attempt(call.attempts, now,
                                                                          retry_after=outcome.retry_after)
        if later is None:  # told, or past telling: the attempts show which
            call.status, call.completed_at = CallStatus.CLOSED.value, now
        else:
            call.next_attempt_at = later
    elif call.status == CallStatus.SENT.value:
        _polled(session, call, connector, outcome, now)
    elif call.status != CallStatus.PENDING.value:
        pass  # answered (a polled answer, taken just before) or closed meanwhile: only the attempt is recorded
    elif outcome.ok and call.operation == Operation.CASE_SUMMARY.value:
        call.status, call.sent_at, call.completed_at = CallStatus.ANSWERED.value, now, now  # taken just before
        call.attempts += 1
    elif outcome.ok and call.routed_message_id is not None:
        call.status, call.sent_at, call.completed_at = CallStatus.DELIVERED.value, now, now
        call.attempts += 1
        message = await session.get(RoutedMessage, call.routed_message_id)
        if message is not None and message.delivered_at is None:
            message.delivered_at = now
    elif outcome.ok:
        call.status, call.sent_at, call.attempts = CallStatus.SENT.value, now, call.attempts + 1
        call.external_ref, call.polls = outcome.external_ref, outcome.polls
        call.next_attempt_at = now + _poll_interval(connector)
    else:
        call.attempts += 1
        later = None if outcome.permanent else next_attempt(call.attempts, now, retry_after=outcome.retry_after)
        if later is None:
            fail(session, call, now, FAILURES.get(call.operation, FAILURES[Operation.INFORMATION_REQUEST.value]))
        else:
            call.next_attempt_at = later
    await session.flush()
    return call


def _poll_interval(connector: Connector) -> timedelta:
    return timedelta(seconds=int(connector.config.get("poll_seconds", 300)))


def _polled(session: AsyncSession, call: ConnectorCall, connector: Connector, outcome: Outcome, now: datetime) -> None:
    """A poll that found no answer: a declined Task or a refused answer stops polling; otherwise look again later."""
    if outcome.rejected:
        fail(session, call, now, "the organisation's system declined the request")
        return
    if outcome.refused is not None:
        fail(session, call, now, f"the hub refused the answer from the organisation's system ({outcome.refused}); "
                                 "answer through the hub")
        return
    wait = _poll_interval(connector)
    if not outcome.ok and outcome.retry_after is not None:
        wait = max(wait, min(outcome.retry_after, SCHEDULE[-1]))
    call.next_attempt_at = now + wait


FAILURES = {
    Operation.INFORMATION_REQUEST.value: "the request could not be pushed to the organisation's system",
    Operation.ROUTED_MESSAGE.value: "the message could not be pushed to the organisation's system; it is in the inbox",
    Operation.CASE_SUMMARY.value: "the case summary could not be fetched; contribute through the hub",
}


def fail(session: AsyncSession, call: ConnectorCall, now: datetime, reason: str) -> None:
    """Stop trying and tell the organisation, in its inbox, that the request awaits its answer in the hub."""
    call.status, call.completed_at = CallStatus.FAILED.value, now
    session.add(RoutedMessage(
        case_id=call.case_id, recipient_id=call.organisation_id, sender_id=None,
        event_type=EventType.CONNECTOR_FAILED.value, basis=("CONTRACT: connectors (" + reason + ")")[:120],
        subject_id=call.information_request_id or call.routed_message_id or call.case_id, due_on=None,
        created_at=now))


async def record_test(session: AsyncSession, *, connector_id: str, outcome: Outcome, now: datetime) -> None:
    """An operator's ``cspr-hub connectors test``: an attempt like any other, with no call behind it."""
    session.add(ConnectorAttempt(connector_id=connector_id, call_id=None, operation="test", attempted_at=now,
                                 status_code=outcome.status_code, duration_ms=outcome.duration_ms,
                                 error=outcome.error[:MAX_ERROR] if outcome.error else None))
    await session.flush()
