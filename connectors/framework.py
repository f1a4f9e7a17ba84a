"""The connector framework: one Protocol per capability, a registry of kinds, and the worker that makes calls.

Calls leave only from the worker, never inside a request: it leases due calls from the outbox
(``hub.connector_outbox.claim``), builds each organisation's adapter from its typed configuration
and its secrets (opened here, kept in memory only), makes the call with a timeout, and records
the attempt (``complete``). Backoff, ``Retry-After`` and the circuit breaker are decided in the
core on the rows, so that any number of worker processes share them.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol, runtime_checkable

import httpx2
from authlib.integrations.base_client import OAuthError
from authlib.integrations.httpx_client import AsyncOAuth2Client
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from connectors import telemetry
from connectors.outbox_loop import drain
from connectors.pinned import PinnedTransport, Refused, Resolver, resolve
from connectors.secrets import Sealer, SealError
from connectors.webhooks import retry_after
from hub import connector_outbox
from hub.clock import Clock
from hub.connector import AuthMethod, ConnectorConfig, ConnectorKind, ConnectorSecrets, record_outcome
from hub.connector_outbox import CallStatus, Claimed, ClaimedMessage, ClaimedSummary, Leased, Outcome
from hub.models import Connector
from hub.store import transaction

logger = logging.getLogger("cspr_hub.connectors")
MAX_ERROR = 300


@dataclass(frozen=True)
class CaseSummary:
    """What an agency's system holds about a case, in its own words (``application/vnd.cspr-hub.case-summary.v1+json``)."""

    case_reference: str
    summary: str
    updated_at: str | None = None


@dataclass(frozen=True)
class RoutedMessageOut:
    """A routed message as an agency's system receives it: identifiers and the duty, never a child's details."""

    id: str
    event_type: str
    case_reference: str | None
    basis: str
    due_on: str | None
    case_id: str | None = None
    subject_id: str | None = None
    created_at: str | None = None


class ReceivesInformationRequests(Protocol):
    """Takes a further-information request into the agency's system (paras 24, 35)."""

    async def send_information_request(self, claimed: Claimed, *, callback_url: str) -> Outcome: ...


@runtime_checkable
class WithdrawsRequests(Protocol):
    """Is told that a request it holds was answered through the hub or closed, and needs no answer now."""

    async def withdraw_information_request(self, claimed: Claimed) -> Outcome: ...


class ReturnsAnswers(Protocol):
    """Is asked, now and then, whether the answer is ready (FHIR: the Task's status and output)."""

    async def fetch_answer(self, claimed: Claimed) -> Outcome: ...


def message_out(claimed: ClaimedMessage) -> RoutedMessageOut:
    message = claimed.message
    return RoutedMessageOut(
        id=message.id, event_type=message.event_type, case_reference=claimed.case.reference, basis=message.basis,
        due_on=message.due_on.isoformat() if message.due_on else None, case_id=claimed.case.id,
        subject_id=message.subject_id, created_at=message.created_at.isoformat())


async def summary_outcome(adapter: SummarisesCases, case_reference: str) -> Outcome:
    """The agency's summary of a case as an outcome: found (its text the answer), none (404), or a fault."""
    started = time.monotonic()
    try:
        found = await adapter.fetch_case_summary(case_reference)
    except httpx2.HTTPStatusError as exc:
        return judged(exc.response, started, datetime.now(UTC))
    except (KeyError, TypeError, ValueError) as exc:
        return failed(started, f"malformed case summary: {type(exc).__name__}")
    if found is None:
        return Outcome(True, 404, ms_since(started))
    if found.case_reference != case_reference:
        return failed(started, "the summary is of another case", permanent=True)
    return Outcome(True, 200, ms_since(started), answer=found.summary)


@runtime_checkable
class ReceivesRoutedMessages(Protocol):
    """Takes a routed message (an event the guidance says the organisation must be told of)."""

    async def send_routed_message(self, message: RoutedMessageOut) -> Outcome: ...


@runtime_checkable
class SummarisesCases(Protocol):
    """Gives the agency's summary of a case, by the hub's case reference."""

    async def fetch_case_summary(self, case_reference: str) -> CaseSummary | None: ...


class Adapter(ReceivesInformationRequests, ReturnsAnswers, Protocol):
    """What every kind of connector does; ``check`` is ``cspr-hub connectors test``."""

    async def check(self) -> Outcome: ...


@dataclass(frozen=True)
class Target:
    """An organisation's system as an adapter sees it: configuration and opened secrets."""

    connector_id: str
    config: ConnectorConfig
    secrets: ConnectorSecrets


class AgencyClient:
    """HTTP to one agency's system, authenticated as its configuration says; timeouts on every call.

    OAuth2 client credentials use authlib's ``AsyncOAuth2Client``, which is an ``httpx2.AsyncClient``
    (authlib's httpx integration speaks httpx2): it fetches a token from the agency's identity
    provider, and a new one when it expires or the agency answers 401.

    Both go through a ``PinnedTransport`` (unless a test gives its own transport): each connection
    resolves the host once, refuses private addresses unless allowed, and connects to the address
    it checked.
    """

    def __init__(self, target: Target, *, transport: httpx2.AsyncBaseTransport | None = None,
                 allow_private: bool = False, resolver: Resolver = resolve) -> None:
        config, secrets = target.config, target.secrets
        if transport is None:
            transport = PinnedTransport(allow_private=allow_private, resolver=resolver)
        self.timeout = httpx2.Timeout(config.timeout_seconds)
        self.oauth: AsyncOAuth2Client | None = None
        headers = {"user-agent": "cspr-hub-connectors/1"}
        if config.auth is AuthMethod.OAUTH2_CLIENT_CREDENTIALS:
            self.oauth = AsyncOAuth2Client(
                client_id=config.client_id, client_secret=secrets.client_secret, scope=config.scope,
                token_endpoint=config.token_url, grant_type="client_credentials",
                token_endpoint_auth_method="client_secret_basic", transport=transport, timeout=self.timeout,
                headers=headers)
            self.http: httpx2.AsyncClient = self.oauth
        else:
            if config.auth is AuthMethod.BEARER:
                headers["authorization"] = f"Bearer {secrets.bearer_token}"
            self.http = httpx2.AsyncClient(transport=transport, timeout=self.timeout, headers=headers)

    async def request(self, method: str, url: str, **kwargs: Any) -> httpx2.Response:
        if self.oauth is not None and not self.oauth.token:
            try:
                await self.oauth.fetch_token()
            except (OAuthError, httpx2.HTTPError):
                raise
            except Refused as exc:
                raise Blocked(str(exc), permanent=exc.permanent) from None
            except Exception as exc:  # noqa: BLE001 - e.g. HTML where the token's JSON belongs: its type, never its text
                raise AgencyFault(f"token response unreadable: {type(exc).__name__}") from None
        kwargs["headers"] = telemetry.inject(dict(kwargs.get("headers") or {}))  # W3C traceparent, when traced
        try:
            response = await self.http.request(method, url, follow_redirects=False, **kwargs)
        except Refused as exc:
            raise Blocked(str(exc), permanent=exc.permanent) from None
        if response.status_code == 401 and self.oauth is not None:
            self.oauth.token = None  # the agency no longer takes it: a new one next time
        return response

    async def aclose(self) -> None:
        await self.http.aclose()


class AgencyFault(Exception):
    """Something the agency's system did that the hub cannot use; the message is safe to record."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class Blocked(AgencyFault):
    """The system's address is one the hub does not call (CSPR_HUB_WEBHOOK_ALLOW_PRIVATE allows them)."""


def failed(started: float, error: str, *, status_code: int | None = None, permanent: bool = False) -> Outcome:
    return Outcome(False, status_code, ms_since(started), error[:MAX_ERROR], permanent=permanent)


def judged(response: httpx2.Response, started: float, now: datetime, **found: Any) -> Outcome:
    """The response's status as the core judges it (``connector_outbox.judge_status``)."""
    code = response.status_code
    judgement = connector_outbox.judge_status(code)
    if judgement.ok:
        return Outcome(True, code, ms_since(started), **found)
    return Outcome(False, code, ms_since(started), f"HTTP {code}", retry_after=retry_after(
        response.headers.get("retry-after"), now), permanent=not judgement.retry)


def ms_since(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


Factory = Callable[[Target, AgencyClient], Adapter]
REGISTRY: dict[ConnectorKind, Factory] = {}


def register(kind: ConnectorKind) -> Callable[[Factory], Factory]:
    def add(factory: Factory) -> Factory:
        REGISTRY[kind] = factory
        return factory
    return add


def target_of(connector: Connector, sealer: Sealer) -> Target:
    secrets = ConnectorSecrets.from_json(sealer.open(connector.sealed_secrets))
    return Target(connector.id, ConnectorConfig.from_json(connector.config), secrets)


def build(target: Target, *, transport: httpx2.AsyncBaseTransport | None = None,
          allow_private: bool = False) -> tuple[Adapter, AgencyClient]:
    import connectors.fhir
    import connectors.rest  # noqa: F401  (each registers its kind)

    client = AgencyClient(target, transport=transport, allow_private=allow_private)
    return REGISTRY[target.config.kind](target, client), client


async def guarded(call: Callable[[], Any], *, timeout: float) -> Outcome:
    """Run one adapter call; the agency's faults (down, slow, refusing our token) become a failed Outcome."""
    started = time.monotonic()
    try:
        async with asyncio.timeout(timeout * 2):  # httpx2's timeouts are per phase; a trickling peer is cut here
            outcome: Outcome = await call()
            return outcome
    except (TimeoutError, httpx2.TimeoutException) as exc:
        return failed(started, type(exc).__name__ if isinstance(exc, httpx2.TimeoutException) else "Timeout")
    except httpx2.HTTPError as exc:
        return failed(started, type(exc).__name__)
    except OAuthError as exc:  # the agency's identity provider refused the client: its message, never our secret
        return failed(started, f"token refused: {exc.error}")
    except AgencyFault as exc:
        return failed(started, str(exc), permanent=exc.permanent)
    except Exception as exc:  # noqa: BLE001 - whatever else a reply provoked (a bad URL): its type, not its text
        return failed(started, type(exc).__name__)


class ConnectorWorker:
    """Claims due connector calls, makes them, records each attempt; loops until stopped."""

    def __init__(self, *, sessions: async_sessionmaker[AsyncSession], clock: Clock, sealer: Sealer, hub_url: str,
                 transport: httpx2.AsyncBaseTransport | None = None, batch: int = 20, poll_seconds: float = 1.0,
                 lease: Any = connector_outbox.LEASE, allow_private: bool = False) -> None:
        self.sessions, self.clock, self.sealer, self.hub_url = sessions, clock, sealer, hub_url.rstrip("/")
        self.allow_private = allow_private  # CSPR_HUB_WEBHOOK_ALLOW_PRIVATE: development and tests only
        self.transport, self.batch, self.poll_seconds, self.lease = transport, batch, poll_seconds, lease
        self.wake = asyncio.Event()
        self._adapters: dict[str, tuple[str, Adapter, AgencyClient]] = {}  # by connector, with its sealed secrets

    def _adapter(self, connector: Connector) -> Adapter:
        cached = self._adapters.get(connector.id)
        fingerprint = connector.sealed_secrets + repr(sorted(connector.config.items()))
        if cached is not None and cached[0] == fingerprint:
            return cached[1]
        adapter, client = build(target_of(connector, self.sealer), transport=self.transport,
                                allow_private=self.allow_private)
        self._adapters[connector.id] = (fingerprint, adapter, client)
        return adapter

    def callback_url(self, connector_id: str) -> str:
        return f"{self.hub_url}/connectors/{connector_id}/callback"

    async def _make(self, claimed: Leased) -> Outcome:
        """Make one call inside a span whose parent is the request that caused it (its stored traceparent)."""
        with telemetry.span("connector call", kind="client", parent=telemetry.context_of(claimed.call.traceparent),
                            attributes={"cspr_hub.connector.kind": str(claimed.connector.kind),
                                        "cspr_hub.connector.operation": claimed.call.operation}) as span:
            outcome = await self._make_call(claimed)
            telemetry.set_attributes(span, http__response__status_code=outcome.status_code)
            if not outcome.ok:
                telemetry.error(span, outcome.error or "failed")
            return outcome

    async def _make_call(self, claimed: Leased) -> Outcome:
        try:
            adapter = self._adapter(claimed.connector)
        except SealError as exc:
            return failed(time.monotonic(), f"secrets: {exc}")
        timeout = float(claimed.connector.config.get("timeout_seconds", 10.0))
        if isinstance(claimed, ClaimedSummary):
            if not isinstance(adapter, SummarisesCases):
                return failed(time.monotonic(), "this kind of system gives no case summaries", permanent=True)
            reference = claimed.case.reference
            return await guarded(lambda: summary_outcome(adapter, reference), timeout=timeout)
        if isinstance(claimed, ClaimedMessage):
            if not isinstance(adapter, ReceivesRoutedMessages):
                return failed(time.monotonic(), "this kind of system takes no routed messages", permanent=True)
            out = message_out(claimed)
            return await guarded(lambda: adapter.send_routed_message(out), timeout=timeout)
        if claimed.call.status == CallStatus.WITHDRAWING.value:
            if not isinstance(adapter, WithdrawsRequests):
                return Outcome(True, None, 0)  # nothing to tell a system that cannot be told
            return await guarded(lambda: adapter.withdraw_information_request(claimed), timeout=timeout)
        if claimed.call.status == CallStatus.SENT.value:
            return await guarded(lambda: adapter.fetch_answer(claimed), timeout=timeout)
        url = self.callback_url(claimed.connector.id)
        return await guarded(lambda: adapter.send_information_request(claimed, callback_url=url), timeout=timeout)

    async def run_once(self) -> int:
        async with transaction(self.sessions) as session:
            claimed = await connector_outbox.claim(session, now=self.clock.now(), limit=self.batch, lease=self.lease)
        made = await asyncio.gather(*(self._make(c) for c in claimed), return_exceptions=True)
        for item, outcome in zip(claimed, made, strict=True):
            if isinstance(outcome, BaseException):
                if not isinstance(outcome, Exception):
                    raise outcome
                outcome = failed(time.monotonic(), type(outcome).__name__)
            await self._settle(item, outcome)
        return len(claimed)

    async def _settle(self, claimed: Leased, outcome: Outcome) -> None:
        """Record one call's outcome in a transaction of its own: one bad reply never holds up the others."""
        operation = "poll" if claimed.call.status == CallStatus.SENT.value else "withdraw" if (
            claimed.call.status == CallStatus.WITHDRAWING.value) else (
            "message" if isinstance(claimed, ClaimedMessage) else "summary" if isinstance(claimed, ClaimedSummary)
            else "push")
        for attempt in (1, 2):
            try:
                async with transaction(self.sessions) as session:
                    await record_outcome(session, clock=self.clock, call_id=claimed.call.id, outcome=outcome,
                                         operation=operation, lease_token=claimed.call.lease_token)
                return
            except IntegrityError:  # the same answer taken meanwhile (a callback): the next try sees it taken
                if attempt == 2:
                    break
            except Exception as exc:  # noqa: BLE001 - logged by type: its text may quote the answer
                logger.warning("connector call %s: its outcome could not be recorded (%s)", claimed.call.id,
                               type(exc).__name__)
                break
        fallback = failed(time.monotonic(), "the outcome could not be recorded")
        try:
            async with transaction(self.sessions) as session:
                await connector_outbox.complete(session, call_id=claimed.call.id, outcome=fallback,
                                                now=self.clock.now(), operation=operation,
                                                lease_token=claimed.call.lease_token)
        except Exception as exc:  # noqa: BLE001 - the lease runs out and the call is made again
            logger.warning("connector call %s: not even the attempt could be recorded (%s)", claimed.call.id,
                           type(exc).__name__)

    async def run(self, stop: asyncio.Event) -> None:
        try:
            await drain(self.run_once, stop=stop, wake=self.wake, poll_seconds=self.poll_seconds, what="connector")
        finally:
            await self.aclose()

    async def aclose(self) -> None:
        for _, _, client in self._adapters.values():
            await client.aclose()
        self._adapters.clear()
