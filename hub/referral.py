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
    add_child,
    check_children,
    check_incident,
    check_text,
    find_visible,
    open_case,
    partnership_ids,
    set_child_facts,
    summary_problems,
)
from hub.child_details import details_of
from hub.clock import Clock, today_in_england
from hub.errors import Forbidden, Problem, Refused, refuse_if
from hub.models import Case, CasePartnership, Child, Notification, Organisation, Partnership, Referral
from hub.principal import Principal
from hub.statute import rule
from hub.vocabulary import CaseStatus, EventType, OrganisationKind, PartnershipRole, Role

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


@dataclass(frozen=True)
class ReferredCase:
    """A case the partners were told of (para 14) and nobody has notified yet."""

    case: Case
    referral: Referral
    children: list[Child]


def _refused(code: str, message: str) -> Refused:
    return Refused([Problem(code, ("input", "caseId"), message)])


@rule("referral-becomes-notification", "paras 12, 14",
      "a referred case its local authority then notifies becomes the notified case: one case, the referral's "
      "facts kept, and the 5 working days run from the referral's awareness unless the notifier's is earlier")
async def referred_case(
    session: AsyncSession, *, principal: Principal, case_id: str, area: Partnership, today: date
) -> ReferredCase:
    """The referral-only case the notifier's area leads; refused with a stable code otherwise."""
    case = await find_visible(session, principal=principal, case_id=case_id, today=today, field=("input", "caseId"))
    found = (await session.execute(select(Referral).where(col(Referral.case_id) == case.id))).scalar_one_or_none()
    if found is None:
        raise _refused("NOT_A_REFERRAL", "only a case referred to the partners (para 14) can become the notified case")
    if await session.scalar(select(col(Notification.id)).where(col(Notification.case_id) == case.id)) is not None:
        raise _refused("ALREADY_NOTIFIED", "this case is already notified: one notification per incident (para 12)")
    if case.lead_partnership_id != area.id:
        raise _refused("NOT_YOUR_AREA", "the referral was made to another area's partners; the local authority "
                       "where the child died or was harmed notifies it (s16C(1); para 14)")
    rows = (await session.execute(
        select(Child).where(col(Child.case_id) == case.id).order_by(col(Child.position)))).scalars().all()
    return ReferredCase(case, found, list(rows))


def with_referral_facts(child: ChildFacts, referred: Child) -> ChildFacts:
    """The notifier's facts about the child; what it leaves out is taken from the referral."""
    return replace(
        child, first_name=child.first_name or referred.first_name, last_name=child.last_name or referred.last_name,
        date_of_birth=child.date_of_birth or referred.date_of_birth,
        consistent_child_identifier=child.consistent_child_identifier or referred.consistent_child_identifier,
        details=child.details.or_else(details_of(referred)),
    )


def notified_awareness(referred: Case, incident: IncidentFacts) -> IncidentFacts:
    """Para 12: the clock runs from the referral's awareness, unless the notifier became aware earlier."""
    return replace(incident, aware_on=min(referred.aware_on, incident.aware_on))


async def take_into_notification(
    session: AsyncSession, *, referred: ReferredCase, incident: IncidentFacts, children: list[ChildFacts],
    others: list[Partnership],
) -> Case:
    """The referred case becomes the notified one: its facts, children and areas as notified."""
    case = referred.case
    case.status = CaseStatus.NOTIFIED.value
    case.incident_kind = incident.kind.value
    case.occurred_on = incident.occurred_on
    case.aware_on = incident.aware_on
    case.abuse_or_neglect = incident.abuse_or_neglect.value
    case.location = incident.location.value
    case.summary = incident.summary
    for position, child in enumerate(children):
        if position < len(referred.children):
            set_child_facts(referred.children[position], child, on=incident.occurred_on)
        else:
            add_child(session, case_id=case.id, position=position, child=child, on=incident.occurred_on)
    lead, involved = await partnership_ids(session, case.id)
    for other in others:
        if other.id not in (lead, *involved):
            session.add(CasePartnership(case_id=case.id, partnership_id=other.id,
                                        role=PartnershipRole.INVOLVED.value))
    return case
