"""Connectors: an organisation's own case system, which the hub reaches into (paras 24, 35).

A connector belongs to one safeguarding partner, the organisations the Panel and the partners ask
for further information: a council's case system (Liquidlogic, Mosaic, Eclipse) through a REST
API of its own, an integrated care board's FHIR R4 server. Its configuration is typed and frozen;
its secrets are sealed before they reach this module (``seal`` is injected: the core holds no
key), and appear nowhere else: not in logs, errors, GraphQL or the audit trail.

Requests leave from the outbox (``hub.connector_outbox``); answers come back by callback or by
polling and are taken here (``take_answer``) exactly as ``respondToInformationRequest`` takes
them from the organisation itself, once per answer the agency's system names.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from enum import Enum
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from hub import addresses, audit, connector_outbox, information_request, organisations
from hub.clock import Clock
from hub.connector_outbox import SETTLED, CallStatus, Outcome
from hub.errors import Problem, Refused, refuse_if
from hub.models import Connector, ConnectorCall, ConnectorReceipt, InformationAddressee, Organisation
from hub.principal import Principal
from hub.statute import rule
from hub.vocabulary import OrganisationKind, Role
from hub.webhooks import new_secret

MAX_URL = 2000
MAX_EXTERNAL_ID = 200
ROLE_OF_KIND = {OrganisationKind.LOCAL_AUTHORITY: Role.LA, OrganisationKind.POLICE: Role.POLICE,
                OrganisationKind.HEALTH: Role.HEALTH}


class ConnectorKind(str, Enum):
    REST = "rest"  # the hub's documented JSON payloads, over HTTPS, to the agency's own API
    FHIR = "fhir"  # FHIR R4: a Task on the ICB's FHIR server


class AuthMethod(str, Enum):
    OAUTH2_CLIENT_CREDENTIALS = "oauth2_client_credentials"  # a token from the agency's identity provider
    BEARER = "bearer"  # a static token the agency issued
    NONE = "none"  # development only: the agency's system asks nothing


# which kinds of organisation may own which kind of connector
OWNERS = {ConnectorKind.REST: frozenset(ROLE_OF_KIND), ConnectorKind.FHIR: frozenset({OrganisationKind.HEALTH})}


@dataclass(frozen=True)
class ConnectorConfig:
    """Where and how to call an organisation's system; nothing secret."""

    kind: ConnectorKind
    base_url: str
    auth: AuthMethod = AuthMethod.NONE
    token_url: str | None = None
    client_id: str | None = None
    scope: str | None = None
    timeout_seconds: float = 10.0
    poll_seconds: int = 300  # FHIR: how often an open Task is looked at
    routed_messages: bool = False  # REST: every message routed to the organisation is pushed too (opt in)
    case_summaries: bool = False  # REST: a rapid review started asks the system for its summary of the case

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "kind": self.kind.value, "auth": self.auth.value}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ConnectorConfig:
        return cls(**{**data, "kind": ConnectorKind(data["kind"]), "auth": AuthMethod(data["auth"])})


@dataclass(frozen=True)
class ConnectorSecrets:
    """Sealed at rest as one JSON document; ``repr`` shows none of them."""

    callback_secret: str = field(repr=False)  # whsec_...: the agency signs its callbacks with it (Standard Webhooks)
    callback_token: str = field(repr=False)  # or sends it as a bearer token (a FHIR Subscription's header)
    client_secret: str | None = field(default=None, repr=False)  # OAuth2 client credentials
    bearer_token: str | None = field(default=None, repr=False)  # a static token for the agency's API

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> ConnectorSecrets:
        return cls(**json.loads(text))

    @classmethod
    def new(cls, *, client_secret: str | None = None, bearer_token: str | None = None) -> ConnectorSecrets:
        return cls(callback_secret=new_secret(), callback_token="cbt_" + secrets.token_urlsafe(32),
                   client_secret=client_secret, bearer_token=bearer_token)


def _url_problems(url: str | None, path: tuple[str, ...], allow_private: bool, *, base: bool = False) -> list[Problem]:
    if not url:
        return [Problem("REQUIRED", path, "a URL is needed")]
    parts = urlsplit(url)
    schemes = ("https", "http") if allow_private else ("https",)
    if len(url) > MAX_URL or parts.scheme not in schemes or not parts.hostname or parts.username or parts.password:
        return [Problem("INVALID_URL", path, "an https:// URL without credentials in it")]
    if base and (parts.query or parts.fragment or "?" in url or "#" in url):  # a key there would be shown
        return [Problem("INVALID_URL", path, "a base URL without a query or fragment (keys go in the secrets)")]
    canonical = addresses.canonical_url(url)
    if canonical is None:
        return [Problem("INVALID_URL", path, "the URL's host is not a host name or an IP address")]
    if not allow_private and canonical[1].private:
        return [Problem("PRIVATE_ADDRESS", path, "the URL's host is a private, loopback or link-local address")]
    return []


def canonical(config: ConnectorConfig) -> ConnectorConfig:
    """The configuration as stored: every URL's host in the one form (``hub.addresses``); after ``check``."""
    def one(url: str | None) -> str | None:
        found = addresses.canonical_url(url) if url else None
        return url if found is None else found[0]

    return replace(config, base_url=one(config.base_url) or config.base_url, token_url=one(config.token_url))


def check(config: ConnectorConfig, secrets_: ConnectorSecrets, *, allow_private: bool) -> list[Problem]:
    problems = _url_problems(config.base_url, ("baseUrl",), allow_private, base=True)
    if config.auth is AuthMethod.OAUTH2_CLIENT_CREDENTIALS:
        problems += _url_problems(config.token_url, ("tokenUrl",), allow_private)
        if not config.client_id or not secrets_.client_secret:
            problems.append(Problem("REQUIRED", ("clientId",), "OAuth2 needs a client id and a client secret"))
    if config.auth is AuthMethod.BEARER and not secrets_.bearer_token:
        problems.append(Problem("REQUIRED", ("bearerToken",), "bearer authentication needs the token"))
    if config.auth is AuthMethod.NONE and not allow_private:
        problems.append(Problem("AUTH_REQUIRED", ("auth",), "an agency's system is called with authentication"))
    if not 0.1 <= config.timeout_seconds <= 120:
        problems.append(Problem("OUT_OF_RANGE", ("timeoutSeconds",), "between 0.1 and 120 seconds"))
    if not 1 <= config.poll_seconds <= 86_400:
        problems.append(Problem("OUT_OF_RANGE", ("pollSeconds",), "between 1 second and a day"))
    if config.routed_messages and config.kind is not ConnectorKind.REST:
        problems.append(Problem("NOT_SUPPORTED", ("routedMessages",), "only a REST system takes routed messages"))
    if config.case_summaries and config.kind is not ConnectorKind.REST:
        problems.append(Problem("NOT_SUPPORTED", ("caseSummaries",), "only a REST system gives case summaries"))
    return problems


@rule("connector-owner", "paras 24, 35; CONTRACT: connectors",
      "a connector belongs to one safeguarding partner (those asked for further information); a FHIR connector "
      "to a health partner (ICB); one active connector per organisation")
async def add(session: AsyncSession, *, clock: Clock, org_code: str, config: ConnectorConfig,
              secrets_: ConnectorSecrets, seal: Callable[[str], str], name: str | None = None,
              allow_private: bool = False) -> Connector:
    org = await organisations.by_code(session, org_code)
    problems = check(config, secrets_, allow_private=allow_private)
    if org is None:
        problems.append(Problem("UNKNOWN_ORGANISATION", ("org",), f"no organisation {org_code}"))
    elif OrganisationKind(org.kind) not in OWNERS[config.kind]:
        problems.append(Problem("NOT_AN_OWNER", ("org",),
                                f"a {config.kind.value} connector belongs to {_kinds(OWNERS[config.kind])}"))
    elif await active_of(session, org.id) is not None:
        problems.append(Problem("ALREADY_CONNECTED", ("org",), f"{org_code} already has an active connector"))
    refuse_if(problems)
    assert org is not None
    connector = Connector(organisation_id=org.id, kind=config.kind.value, name=name, config=canonical(config).to_json(),
                          sealed_secrets=seal(secrets_.to_json()), created_at=clock.now())
    session.add(connector)
    await session.flush()
    return connector


def _kinds(kinds: frozenset[OrganisationKind]) -> str:
    return " or ".join(sorted(k.value for k in kinds))


async def active_of(session: AsyncSession, organisation_id: str) -> Connector | None:
    return (await session.execute(select(Connector).where(
        col(Connector.organisation_id) == organisation_id, col(Connector.active).is_(True)))).scalars().first()


async def listed(session: AsyncSession) -> list[tuple[Connector, Organisation]]:
    query = (select(Connector, Organisation).join(Organisation, col(Organisation.id) == col(Connector.organisation_id))
             .order_by(col(Connector.created_at)))
    return [(c, o) for c, o in (await session.execute(query)).all()]


async def get(session: AsyncSession, connector_id: str) -> Connector:
    found = await session.get(Connector, connector_id)
    if found is None:
        raise Refused([Problem("NOT_FOUND", ("connectorId",), "no such connector")])
    return found


async def remove(session: AsyncSession, *, clock: Clock, connector_id: str) -> Connector:
    """Stop calling the system; its open calls close, and the organisation answers through the hub."""
    found = await get(session, connector_id)
    found.active, found.removed_at = False, clock.now()
    calls = (await session.execute(select(ConnectorCall).where(
        col(ConnectorCall.connector_id) == found.id,
        col(ConnectorCall.status).in_([CallStatus.PENDING.value, CallStatus.SENT.value])))).scalars().all()
    for call in calls:
        connector_outbox.close(call, clock.now())
    await session.flush()
    return found


def acting_for(connector: Connector, owner: Organisation) -> Principal:
    """The organisation, acting through its own system: as its role, named as the connector in the audit trail."""
    role = ROLE_OF_KIND[OrganisationKind(owner.kind)]
    return Principal(organisation_id=owner.id, organisation_code=owner.code, role=role, scopes=(role.value,),
                     client_id=f"connector:{connector.id}")


class Taken(str, Enum):
    TAKEN = "TAKEN"
    DUPLICATE = "DUPLICATE"  # this answer was taken before: nothing changed


@rule("connector-answer", "para 24",
      "an answer taken back from an organisation's own system closes its part of the request as "
      "respondToInformationRequest would; the same answer taken again changes nothing")
async def take_answer(session: AsyncSession, *, clock: Clock, connector: Connector, request_id: str, text: str,
                      external_id: str) -> Taken:
    """Answer the request for the connector's organisation, once per ``external_id`` (the agency's answer id).

    The answer id is the agency's within the request: the same id for another request is another answer.
    """
    if not external_id or len(external_id) > MAX_EXTERNAL_ID:
        raise Refused([Problem("INVALID_ANSWER_ID", ("answerId",), f"1 to {MAX_EXTERNAL_ID} characters")])
    key = {"connector_id": connector.id, "information_request_id": request_id, "external_id": external_id}
    if await session.get(ConnectorReceipt, key) is not None:
        return Taken.DUPLICATE
    owner = await session.get(Organisation, connector.organisation_id)
    mine = await session.get(InformationAddressee, (request_id, connector.organisation_id))
    if owner is None or mine is None:
        raise Refused([Problem("NOT_FOUND", ("requestId",), "no such request addressed to this organisation")])
    if mine.answered_at is not None:
        raise Refused([Problem("ALREADY_ANSWERED", ("requestId",), "this organisation has already answered")])
    principal = acting_for(connector, owner)
    request = await information_request.answer(session, clock=clock, principal=principal, request_id=request_id,
                                               text=text)
    session.add(ConnectorReceipt(connector_id=connector.id, external_id=external_id,
                                 information_request_id=request.id, received_at=clock.now()))
    await _calls_answered(session, connector, request_id, clock.now())
    await audit.append(session, principal=principal, records=[
        audit.Record(action="respondToInformationRequest", at=clock.now(), case_id=request.case_id)])
    await session.flush()
    return Taken.TAKEN


async def _calls_answered(session: AsyncSession, connector: Connector, request_id: str, at: datetime) -> None:
    calls: Sequence[ConnectorCall] = (await session.execute(select(ConnectorCall).where(
        col(ConnectorCall.information_request_id) == request_id,
        col(ConnectorCall.organisation_id) == connector.organisation_id))).scalars().all()
    for call in calls:
        connector_outbox.close(call, at, CallStatus.ANSWERED)


@rule("connector-refused-answer", "para 24; CONTRACT: connectors",
      "an answer the hub refuses from an organisation's system (too long, naming the child) fails the call "
      "visibly: the organisation is told in its inbox and answers through the hub; the refusal is not the "
      "system's failure and does not count towards its circuit breaker")
async def record_outcome(session: AsyncSession, *, clock: Clock, call_id: str, outcome: Outcome, operation: str,
                         lease_token: str | None) -> ConnectorCall:
    """The worker's result for one call: a polled answer taken (once), then the attempt recorded.

    A worker that no longer holds the call's lease (``lease_token``) records its attempt and changes nothing.
    """
    call = await session.get(ConnectorCall, call_id)
    assert call is not None
    if outcome.answer is not None and outcome.answer_id is not None and call.lease_token == lease_token \
            and call.information_request_id is not None:
        connector = await session.get(Connector, call.connector_id)
        assert connector is not None
        try:
            await take_answer(session, clock=clock, connector=connector, request_id=call.information_request_id,
                              text=outcome.answer, external_id=outcome.answer_id)
        except Refused as refused:  # checked before anything changed: only the attempt is recorded
            codes = ", ".join(dict.fromkeys(p.code for p in refused.problems))
            if set(codes.split(", ")) <= SETTLED:  # answered or closed meanwhile: the call is overtaken
                connector_outbox.close(call, clock.now())
                outcome = replace(outcome, answer=None)
            else:
                outcome = replace(outcome, ok=False, answer=None, refused=codes,
                                  error=f"the answer was refused: {codes}")
    if call.operation == connector_outbox.Operation.CASE_SUMMARY.value and outcome.ok and outcome.answer \
            and call.lease_token == lease_token:
        from hub.rapid_review import contribution_from_system  # the rapid review builds on the connectors' outbox

        await contribution_from_system(session, case_id=call.case_id, organisation_id=call.organisation_id,
                                       summary=outcome.answer, at=clock.now())
    return await connector_outbox.complete(session, call_id=call.id, outcome=outcome, now=clock.now(),
                                           operation=operation, lease_token=lease_token)


async def call_for(session: AsyncSession, *, connector: Connector, request_id: str | None = None,
                   external_ref: str | None = None) -> ConnectorCall | None:
    """The connector's call for a request, by the hub's request id or by the agency's own reference."""
    query = select(ConnectorCall).where(col(ConnectorCall.connector_id) == connector.id)
    if request_id is not None:
        query = query.where(col(ConnectorCall.information_request_id) == request_id)
    elif external_ref is not None:
        query = query.where(col(ConnectorCall.external_ref) == external_ref)
    else:
        return None
    return (await session.execute(query)).scalars().first()


async def look_again(session: AsyncSession, *, clock: Clock, connector: Connector) -> int:
    """A FHIR subscription said something changed: poll this connector's open Tasks now."""
    calls = (await session.execute(select(ConnectorCall).where(
        col(ConnectorCall.connector_id) == connector.id, col(ConnectorCall.status) == CallStatus.SENT.value,
        col(ConnectorCall.polls).is_(True)))).scalars().all()
    for call in calls:
        call.next_attempt_at = clock.now()
    await session.flush()
    return len(calls)
