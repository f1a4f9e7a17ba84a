"""Notifying a serious incident to the Panel (s16C Children Act 2004; paras 10-13).

* para 10: notifiable when abuse or neglect is known or suspected **and** the
  child has died or been seriously harmed (para 11; footnote 75);
* s16C(1): (a) in the local authority's area, or (b) while normally resident
  in its area, outside England;
* para 12: within 5 working days of awareness, to the Panel and to the
  partners of the area and of any other area involved (footnote 77);
  footnote 76: copies to Ofsted and DfE;
* para 13: a looked-after child's death also to the Secretary of State and
  Ofsted, whether or not abuse or neglect is suspected (and, since Working
  Together 2023, a care leaver's death up to age 25); it is also the Panel
  notification only where s16C makes it the notifier's: a looked-after child
  placed out of area who died in another English area is that area's to notify
  (footnote 77), and a care leaver aged 18 or over is not a child;
* para 14: a referred case that its local authority then notifies becomes the
  notified case.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime
from enum import Enum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from hub import events, idempotency, organisations, referral, routing
from hub.case import (
    ADULT_AGE,
    MAX_REASON,
    ChildFacts,
    IncidentFacts,
    age_on,
    check_child,
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

CARE_LEAVER_MAX_AGE = 24  # Working Together 2023: care leavers up to and including 24


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
class LookedAfterDeathNotice:
    child: ChildFacts
    died_on: date
    aware_on: date
    abuse_or_neglect: AbuseOrNeglect
    summary: str
    care_leaver: bool = False
    late_reason: str | None = None
    idempotency_key: str | None = None
    location: IncidentLocation = IncidentLocation.IN_AREA
    died_in_area_code: str | None = None
    age_at_death: int | None = None


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


def _require_local_authority(principal: Principal) -> None:
    if principal.role is not Role.LA:
        raise Forbidden("only a local authority notifies the Panel (s16C; para 14)")


async def _notifier(session: AsyncSession, principal: Principal, today: date) -> tuple[Organisation, Partnership]:
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


async def _replay(
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
    _require_local_authority(principal)
    payload = asdict(replace(notice, idempotency_key=None))
    replayed = await _replay(session, principal, "notifySeriousIncident", notice.idempotency_key, payload)
    if replayed is not None:
        return replayed
    today = today_in_england(clock)
    org, area = await _notifier(session, principal, today)
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
    return await _record(
        session, clock=clock, org=org, case=case, kind=NotificationKind.SERIOUS_INCIDENT,
        plan=plan, late_reason=notice.late_reason, idempotency_key=notice.idempotency_key, payload=payload,
        operation="notifySeriousIncident",
    )


class PanelNotifier(str, Enum):
    """Whose s16C notification to the Panel a looked-after child's or care leaver's death is."""

    NOBODY = "NOBODY"  # not a serious child safeguarding case: para 13 only
    NOTIFIER = "NOTIFIER"  # s16C(1)(a) or (b): the notifying (placing) authority's
    DIED_IN_AREA = "DIED_IN_AREA"  # s16C(1)(a): the authority where the child died (footnote 77)


@rule("care-leaver-adult-not-s16c", "s16C(1); para 13; Working Together 2023",
      "a care leaver aged 18 or over at death is not a child: s16C does not apply, so the death goes to the "
      "Secretary of State and Ofsted only, never to the Panel; a care leaver under 18 is still a child")
def a_child_at_death(age: int | None) -> bool:
    """Looked-after children are children; an age is needed only for a care leaver."""
    return age is None or age < ADULT_AGE


@rule("looked-after-death-panel-notifier", "s16C(1); para 13; footnote 77",
      "a looked-after child's death with abuse or neglect known or suspected is the placing authority's Panel "
      "notification when the child died in its area or outside England; when the child died elsewhere in "
      "England it is that area's, and that area's local authority and partners are told")
def panel_notifier(*, abuse_or_neglect: AbuseOrNeglect, location: IncidentLocation, child: bool) -> PanelNotifier:
    if abuse_or_neglect is AbuseOrNeglect.NOT_SUSPECTED or not child:
        return PanelNotifier.NOBODY
    if location is IncidentLocation.ELSEWHERE_IN_ENGLAND:
        return PanelNotifier.DIED_IN_AREA
    return PanelNotifier.NOTIFIER


@rule("looked-after-death", "para 13",
      "a looked-after child's death is notified to the Secretary of State and Ofsted whether or "
      "not abuse or neglect is suspected; with abuse or neglect it is also the notification to the Panel "
      "where s16C makes it the notifier's")
async def notify_looked_after_child_death(
    session: AsyncSession, *, clock: Clock, principal: Principal, notice: LookedAfterDeathNotice
) -> Notified:
    _require_local_authority(principal)
    payload = asdict(replace(notice, idempotency_key=None))
    replayed = await _replay(session, principal, "notifyLookedAfterChildDeath", notice.idempotency_key, payload)
    if replayed is not None:
        return replayed
    today = today_in_england(clock)
    org, area = await _notifier(session, principal, today)
    incident = IncidentFacts(
        kind=IncidentKind.DEATH, occurred_on=notice.died_on, aware_on=notice.aware_on,
        abuse_or_neglect=notice.abuse_or_neglect, location=notice.location, summary=notice.summary,
    )
    problems = check_incident(incident, ("input",), today=today)
    problems = [_died_on_path(p) for p in problems]
    problems += _looked_after_or_care_leaver(notice)
    problems += summary_problems(notice.summary, [notice.child], ("input", "summary"))
    problems += lateness(aware_on=notice.aware_on, submitted_on=today, late_reason=notice.late_reason)
    died_in, place_problems = await _died_in_area(session, notice, org, today)
    refuse_if(problems + place_problems)
    notifier = panel_notifier(abuse_or_neglect=notice.abuse_or_neglect, location=notice.location,
                              child=a_child_at_death(_age_at_death(notice)))
    told = died_in if notifier is PanelNotifier.DIED_IN_AREA else None
    others = [told.area] if told is not None and told.area.id != area.id else []
    case = open_case(session, status=CaseStatus.NOTIFIED, lead=area, involved=others, created_by=org,
                     incident=incident, children=[notice.child], at=clock.now(), care_leaver=notice.care_leaver,
                     age_at_death=notice.age_at_death)
    plan = RoutePlan(to_panel=notifier is PanelNotifier.NOTIFIER, looked_after_death=True,
                     care_leaver=notice.care_leaver, died_in_authority=told.authority if told is not None else None)
    return await _record(
        session, clock=clock, org=org, case=case, kind=NotificationKind.LOOKED_AFTER_CHILD_DEATH, plan=plan, late_reason=notice.late_reason,
        idempotency_key=notice.idempotency_key, payload=payload, operation="notifyLookedAfterChildDeath",
    )


def _died_on_path(problem: Problem) -> Problem:
    if problem.field == ("input", "occurredOn"):
        return replace(problem, field=("input", "diedOn"), message=problem.message.replace("occurredOn", "diedOn"))
    return problem


def _age_at_death(notice: LookedAfterDeathNotice) -> int | None:
    born = notice.child.date_of_birth
    return age_on(born, notice.died_on) if born is not None else notice.age_at_death


def _looked_after_or_care_leaver(notice: LookedAfterDeathNotice) -> list[Problem]:
    child = notice.child
    problems = _age_problems(notice)
    if notice.care_leaver:
        if child.date_of_birth is None and notice.age_at_death is None:
            return [Problem("REQUIRED", ("input", "child", "dateOfBirth"),
                            "a care leaver's date of birth or ageAtDeath is needed to show the age limit is met")]
        return problems + check_child(child, ("input", "child"), on=notice.died_on, max_age=CARE_LEAVER_MAX_AGE)
    problems += check_child(child, ("input", "child"), on=notice.died_on)
    if not child.looked_after:
        problems.append(Problem("NOT_LOOKED_AFTER", ("input", "child", "lookedAfter"),
                                "para 13 applies to looked-after children and care leavers: set "
                                "lookedAfter or careLeaver, or use notifySeriousIncident"))
    return problems


def _age_problems(notice: LookedAfterDeathNotice) -> list[Problem]:
    age, path = notice.age_at_death, ("input", "ageAtDeath")
    if age is None:
        return []
    limit = CARE_LEAVER_MAX_AGE if notice.care_leaver else ADULT_AGE - 1
    if age < 0:
        return [Problem("AGE_OUT_OF_RANGE", path, "ageAtDeath cannot be negative")]
    if age > limit:
        return [Problem("NOT_A_CHILD", path, f"ageAtDeath is over {limit}: para 13 applies to looked-after "
                        f"children and to care leavers up to and including {CARE_LEAVER_MAX_AGE}")]
    born = notice.child.date_of_birth
    if born is not None and born <= notice.died_on and age_on(born, notice.died_on) != age:
        return [Problem("AGE_AT_DEATH_MISMATCH", path, "ageAtDeath does not match dateOfBirth and diedOn")]
    return []


@dataclass(frozen=True)
class DiedIn:
    """The English area, not the notifier's, where a looked-after child died (footnote 77)."""

    authority: Organisation
    area: Partnership


async def _died_in_area(
    session: AsyncSession, notice: LookedAfterDeathNotice, own: Organisation, today: date
) -> tuple[DiedIn | None, list[Problem]]:
    """Footnote 77: the local authority (and partnership) of the English area where the child died."""
    code, path = notice.died_in_area_code, ("input", "diedInAreaCode")
    elsewhere = notice.location is IncidentLocation.ELSEWHERE_IN_ENGLAND
    if code is None or not code.strip():
        return None, [Problem("REQUIRED", path, "diedInAreaCode names the local authority where the child died "
                              "when location is ELSEWHERE_IN_ENGLAND")] if elsewhere else []
    if not elsewhere:
        return None, [Problem("DIED_IN_AREA_CODE_NOT_EXPECTED", path, "diedInAreaCode is given only with location "
                              "ELSEWHERE_IN_ENGLAND (s16C(1)(a), footnote 77)")]
    org = await organisations.by_code(session, code)
    if org is None:
        return None, [Problem("UNKNOWN_ORGANISATION", path, f"no organisation has code {code!r}")]
    if org.kind != OrganisationKind.LOCAL_AUTHORITY.value:
        return None, [Problem("NOT_A_LOCAL_AUTHORITY", path, f"{code} is not a local authority")]
    if org.id == own.id:
        return None, [Problem("DIED_IN_OWN_AREA", path, "the child died in the notifier's own area: give location "
                              "IN_AREA; the Panel notification is then the notifier's (s16C(1)(a))")]
    area = await organisations.area_partnership(session, org, today)
    if area is None:
        return None, [Problem("NO_PARTNERSHIP", path, f"{code} has no safeguarding partnership")]
    return DiedIn(org, area), []


@dataclass(frozen=True)
class RoutePlan:
    """What a notification is: a Panel notification (s16C), a para 13 notice, or both."""

    to_panel: bool
    looked_after_death: bool
    care_leaver: bool = False
    died_in_authority: Organisation | None = None  # told the Panel notification is theirs (footnote 77)


async def _record(
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
