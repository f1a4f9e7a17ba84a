"""Others who have functions relating to children inform the partners (para 14).

A referral is not a notification: it has no deadline and the s16C test is not
applied, because the partners may consider any case for review (para 19).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from hub import events, idempotency, organisations, routing
from hub.case import (
    ChildFacts,
    IncidentFacts,
    check_children,
    check_incident,
    check_text,
    open_case,
    summary_problems,
)
from hub.clock import Clock, today_in_england
from hub.errors import Forbidden, Problem, refuse_if
from hub.models import Case, Organisation, Partnership, Referral
from hub.principal import Principal
from hub.statute import rule
from hub.vocabulary import CaseStatus, EventType, OrganisationKind, Role

REFERRING_ROLES = frozenset({Role.LA, Role.POLICE, Role.HEALTH, Role.AGENCY})


@dataclass(frozen=True)
class IncidentReferral:
    local_authority_code: str
    child: ChildFacts
    incident: IncidentFacts
    idempotency_key: str | None = None


@dataclass(frozen=True)
class Referred:
    case: Case
    referral: Referral
    replayed: bool


async def _area(session: AsyncSession, code: str, today: date) -> tuple[Partnership | None, list[Problem]]:
    path = ("input", "localAuthorityCode")
    org = await organisations.by_code(session, code)
    if org is None:
        return None, [Problem("UNKNOWN_ORGANISATION", path, f"no organisation has code {code!r}")]
    if org.kind != OrganisationKind.LOCAL_AUTHORITY.value:
        return None, [Problem("NOT_A_LOCAL_AUTHORITY", path, f"{code} is not a local authority")]
    area = await organisations.area_partnership(session, org, today)
    if area is None:
        return None, [Problem("NO_PARTNERSHIP", path, f"{code} has no safeguarding partnership")]
    return area, []


@rule("referral-to-partners", "para 14",
      "police, health and other agencies inform the safeguarding partners of the area")
async def refer_incident(
    session: AsyncSession, *, clock: Clock, principal: Principal, referral: IncidentReferral
) -> Referred:
    if principal.role not in REFERRING_ROLES:
        raise Forbidden("this role does not refer incidents (para 14)")
    payload = asdict(replace(referral, idempotency_key=None))
    if referral.idempotency_key is not None:
        refuse_if(check_text(referral.idempotency_key, ("input", "idempotencyKey"),
                             required=True, limit=idempotency.MAX_KEY_LENGTH))
        case_id = await idempotency.replay(
            session, organisation_id=principal.organisation_id, operation="referIncident",
            key=referral.idempotency_key, request_hash=idempotency.fingerprint(payload),
        )
        if case_id is not None:
            return await _replayed(session, case_id)
    today = today_in_england(clock)
    area, problems = await _area(session, referral.local_authority_code, today)
    problems += check_incident(referral.incident, ("input", "incident"), today=today)
    problems += check_children([referral.child], on=referral.incident.occurred_on,
                               paths=[("input", "child")])
    problems += summary_problems(referral.incident.summary, [referral.child], ("input", "incident", "summary"))
    refuse_if(problems)
    assert area is not None
    sender = await session.get(Organisation, principal.organisation_id)
    assert sender is not None
    at = clock.now()
    case = open_case(session, status=CaseStatus.REFERRED, lead=area, involved=[], created_by=sender,
                     incident=referral.incident, children=[referral.child], at=at)
    record = Referral(case_id=case.id, referred_by_id=sender.id, referred_at=at)
    session.add(record)
    if referral.idempotency_key is not None:
        idempotency.remember(session, organisation_id=sender.id, operation="referIncident",
                             key=referral.idempotency_key,
                             request_hash=idempotency.fingerprint(payload), case_id=case.id, at=at)
    await session.flush()
    addressees = await routing.addressees_for(
        session, lead_partnership_id=area.id, involved_partnership_ids=[], sender=sender, on=today)
    messages = routing.route(event=EventType.INCIDENT_REFERRED, case_id=case.id, subject_id=record.id,
                             addressees=addressees, at=at, received_on=today, aware_on=None)
    session.add_all(messages)
    await events.enqueue(session, case=case, messages=messages, at=at)
    events.record(session, case_id=case.id, event=EventType.INCIDENT_REFERRED, actor_id=sender.id,
                  at=at, data={"referralId": record.id, "routedTo": len(messages)})
    await session.flush()
    return Referred(case, record, replayed=False)


async def _replayed(session: AsyncSession, case_id: str) -> Referred:
    case = await session.get(Case, case_id)
    found = (await session.execute(select(Referral).where(col(Referral.case_id) == case_id))).scalar_one()
    assert case is not None
    return Referred(case, found, replayed=True)
