"""Notifying a serious incident to the Panel (s16C Children Act 2004; paras 10-13).

* para 10: notifiable when abuse or neglect is known or suspected **and** the
  child has died or been seriously harmed (para 11; footnote 75);
* s16C(1): (a) in the local authority's area, or (b) while normally resident
  in its area, outside England;
* para 12: within 5 working days of awareness, to the Panel and to the
  partners of the area and of any other area involved (footnote 77);
  footnote 76: copies to Ofsted and DfE;
* para 13: a looked-after child's or care leaver's death (``hub/looked_after_death.py``)
  is recorded and routed by the same means;
* para 14: a referred case that its local authority then notifies becomes the
  notified case.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from hub import events, idempotency, organisations, referral, routing
from hub.case import (
    MAX_REASON,
    ChildFacts,
    IncidentFacts,
    check_children,
    check_incident,
    check_text,
    open_case,
    partnership_ids,
    summary_problems,
)
from hub.clock import Clock, today_in_england
from hub.deadlines import notification_due_on
from hub.errors import Forbidden, Problem, Refused, refuse_if
from hub.models import Case, Notification, Organisation, Partnership
from hub.principal import Principal
from hub.statute import rule
from hub.vocabulary import (
    AbuseOrNeglect,
    CaseStatus,
    EventType,
    IncidentKind,
    IncidentLocation,
    NotificationKind,
    OrganisationKind,
    Role,
)


@dataclass(frozen=True)
class SeriousIncidentNotice:
    child: ChildFacts
    incident: IncidentFacts
    other_children: tuple[ChildFacts, ...] = ()
    other_area_codes: tuple[str, ...] = ()
    late_reason: str | None = None
    idempotency_key: str | None = None
    case_id: str | None = None  # a referred case (para 14) that becomes the notified one


@dataclass(frozen=True)
class Notified:
    case: Case
    notification: Notification
    replayed: bool


@rule("s16c-notifiable", "s16C(1); paras 10-11",
      "notifiable only when abuse or neglect is known or suspected and the child died or was "
      "seriously harmed in the area, or outside England while normally resident in it")
def notifiable(incident: IncidentFacts) -> list[Problem]:
    """Which limb of the s16C test failed, if any."""
    problems = []
    if incident.abuse_or_neglect is AbuseOrNeglect.NOT_SUSPECTED:
        problems.append(Problem(
            "NOT_NOTIFIABLE_NO_ABUSE_OR_NEGLECT", ("input", "incident", "abuseOrNeglect"),
            "not notifiable (para 10): abuse or neglect must be known or suspected; the partners "
            "may still consider it (referIncident, para 19); a looked-after child's death is "
            "notified with notifyLookedAfterChildDeath (para 13)",
        ))
    if incident.location is IncidentLocation.ELSEWHERE_IN_ENGLAND:
        problems.append(Problem(
            "NOT_NOTIFIABLE_NOT_IN_AREA", ("input", "incident", "location"),
            "not notifiable by this local authority (s16C(1)): the local authority where the child "
            "died or was harmed notifies; name this area in its otherAreaCodes",
        ))
    return problems


@rule("late-reason-required", "para 12",
      "a notification after the 5-working-day deadline is accepted with its reason, never refused")
def lateness(*, aware_on: date, submitted_on: date, late_reason: str | None) -> list[Problem]:
    due = notification_due_on(aware_on)
    if submitted_on > due and not (late_reason or "").strip():
        return [Problem("LATE_REASON_REQUIRED", ("input", "lateReason"),
                        f"the notification was due on {due.isoformat()} (para 12): give lateReason")]
    return check_text(late_reason, ("input", "lateReason"), required=False, limit=MAX_REASON)


def require_local_authority(principal: Principal) -> None:
    if principal.role is not Role.LA:
        raise Forbidden("only a local authority notifies the Panel (s16C; para 14)")


async def notifying_authority(session: AsyncSession, principal: Principal, today: date) -> tuple[Organisation, Partnership]:
    org = await session.get(Organisation, principal.organisation_id)
    if org is None or org.kind != OrganisationKind.LOCAL_AUTHORITY.value:
        raise Forbidden("the caller is not a local authority")
    area = await organisations.area_partnership(session, org, today)
    if area is None:
        raise Refused([Problem("NO_PARTNERSHIP", ("organisation",),
                               f"{org.code} has no safeguarding partnership on {today.isoformat()}")])
    return org, area


async def _other_areas(
    session: AsyncSession, codes: tuple[str, ...], own: Partnership, today: date
) -> tuple[list[Partnership], list[Problem]]:
    found = await organisations.by_codes(session, codes)
    areas: dict[str, Partnership] = {}
    problems = []
    for i, code in enumerate(codes):
        path = ("input", "otherAreaCodes", str(i))
        org = found.get(code)
        if org is None:
            problems.append(Problem("UNKNOWN_ORGANISATION", path, f"no organisation has code {code!r}"))
            continue
        if org.kind != OrganisationKind.LOCAL_AUTHORITY.value:
            problems.append(Problem("NOT_A_LOCAL_AUTHORITY", path,
                                    f"{code} is not a local authority; name the areas involved"))
            continue
        area = await organisations.area_partnership(session, org, today)
        if area is None:
            problems.append(Problem("NO_PARTNERSHIP", path, f"{code} has no safeguarding partnership"))
        elif area.id != own.id:
            areas[area.id] = area
    return list(areas.values()), problems


async def replayed_notification(
    session: AsyncSession, principal: Principal, operation: str, key: str | None, payload: object
) -> Notified | None:
    if key is None:
        return None
    problems = check_text(key, ("input", "idempotencyKey"), required=True,
                          limit=idempotency.MAX_KEY_LENGTH)
    refuse_if(problems)
    case_id = await idempotency.replay(
        session, organisation_id=principal.organisation_id, operation=operation, key=key,
        request_hash=idempotency.fingerprint(payload),
    )
    if case_id is None:
        return None
    case = await session.get(Case, case_id)
    note = await notification_of(session, case_id)
    assert case is not None and note is not None
    return Notified(case, note, replayed=True)


async def notification_of(session: AsyncSession, case_id: str) -> Notification | None:
    found = await session.execute(select(Notification).where(col(Notification.case_id) == case_id))
    return found.scalar_one_or_none()


async def notify_serious_incident(
    session: AsyncSession, *, clock: Clock, principal: Principal, notice: SeriousIncidentNotice
) -> Notified:
    """Para 12: record the notification, open the case (or take the referred one) and route it."""
    require_local_authority(principal)
    payload = asdict(replace(notice, idempotency_key=None))
    replayed = await replayed_notification(session, principal, "notifySeriousIncident", notice.idempotency_key, payload)
    if replayed is not None:
        return replayed
    today = today_in_england(clock)
    org, area = await notifying_authority(session, principal, today)
    children = [notice.child, *notice.other_children]
    incident = notice.incident
    referred = None
    if notice.case_id is not None:
        referred = await referral.referred_case(session, principal=principal, case_id=notice.case_id,
                                                area=area, today=today)
        children[0] = referral.with_referral_facts(notice.child, referred.children[0])
        incident = referral.notified_awareness(referred.case, incident)
    paths: list[tuple[str, ...]] = [("input", "child")]
    paths += [("input", "otherChildren", str(i)) for i in range(len(notice.other_children))]
    problems = notifiable(incident)
    problems += check_incident(incident, ("input", "incident"), today=today)
    problems += check_children(children, on=incident.occurred_on, paths=paths)
    problems += summary_problems(incident.summary, children, ("input", "incident", "summary"))
    problems += lateness(aware_on=incident.aware_on, submitted_on=today, late_reason=notice.late_reason)
    others, area_problems = await _other_areas(session, notice.other_area_codes, area, today)
    refuse_if(problems + area_problems)
    if referred is None:
        case = open_case(session, status=CaseStatus.NOTIFIED, lead=area, involved=others, created_by=org,
                         incident=incident, children=children, at=clock.now())
    else:
        case = await referral.take_into_notification(session, referred=referred, incident=incident,
                                                     children=children, others=others)
    looked_after_death = incident.kind is IncidentKind.DEATH and notice.child.looked_after
    plan = RoutePlan(to_panel=True, looked_after_death=looked_after_death)
    return await record_notification(
        session, clock=clock, org=org, case=case, kind=NotificationKind.SERIOUS_INCIDENT,
        plan=plan, late_reason=notice.late_reason, idempotency_key=notice.idempotency_key, payload=payload,
        operation="notifySeriousIncident",
    )


@dataclass(frozen=True)
class RoutePlan:
    """What a notification is: a Panel notification (s16C), a para 13 notice, or both."""

    to_panel: bool
    looked_after_death: bool
    care_leaver: bool = False
    died_in_authority: Organisation | None = None  # told the Panel notification is theirs (footnote 77)


async def record_notification(
    session: AsyncSession, *, clock: Clock, org: Organisation, case: Case, kind: NotificationKind,
    plan: RoutePlan, late_reason: str | None,
    idempotency_key: str | None, payload: object, operation: str,
) -> Notified:
    at = clock.now()
    today = today_in_england(clock)
    due = notification_due_on(case.aware_on)
    note = Notification(
        case_id=case.id, kind=kind.value, to_panel=plan.to_panel, notified_by_id=org.id,
        submitted_at=at, submitted_on=today, due_on=due, on_time=today <= due,
        late_reason=(late_reason or "").strip() or None,
    )
    session.add(note)
    if idempotency_key is not None:
        idempotency.remember(
            session, organisation_id=org.id, operation=operation, key=idempotency_key,
            request_hash=idempotency.fingerprint(payload), case_id=case.id, at=at,
        )
    await session.flush()
    named: Sequence[Organisation] = [plan.died_in_authority] if plan.died_in_authority is not None else []
    lead, involved = await partnership_ids(session, case.id)
    addressees = await routing.addressees_for(
        session, lead_partnership_id=lead, involved_partnership_ids=involved, sender=org, on=today, named=named,
    )
    await _route(session, case=case, note=note, addressees=addressees, at=at, today=today, plan=plan)
    await session.flush()
    return Notified(case, note, replayed=False)


def _variants(plan: RoutePlan) -> dict[EventType, list[routing.Variant]]:
    found: dict[EventType, list[routing.Variant]] = {}
    if plan.to_panel:
        found[EventType.NOTIFICATION_SUBMITTED] = [routing.Variant.ANY]
    if plan.looked_after_death:
        found[EventType.LOOKED_AFTER_DEATH_NOTIFIED] = [
            routing.Variant.CARE_LEAVER if plan.care_leaver else routing.Variant.ANY]
        if plan.died_in_authority is not None:
            found[EventType.LOOKED_AFTER_DEATH_NOTIFIED].append(routing.Variant.DIED_IN_OTHER_AREA)
    return found


async def _route(
    session: AsyncSession, *, case: Case, note: Notification, addressees: routing.Addressees,
    at: datetime, today: date, plan: RoutePlan,
) -> None:
    for event, variants in _variants(plan).items():
        messages = [
            message for variant in variants for message in routing.route(
                event=event, case_id=case.id, subject_id=note.id, addressees=addressees, at=at,
                received_on=today, aware_on=case.aware_on, variant=variant)
        ]
        session.add_all(messages)
        await events.enqueue(session, case=case, messages=messages, at=at)
        data: dict[str, object] = {"notificationId": note.id, "dueOn": note.due_on.isoformat(),
                                   "onTime": note.on_time, "routedTo": len(messages)}
        if plan.died_in_authority is not None:
            data["panelNotificationBy"] = plan.died_in_authority.code  # s16C(1)(a), footnote 77
        events.record(session, case_id=case.id, event=event, actor_id=note.notified_by_id, at=at, data=data)
