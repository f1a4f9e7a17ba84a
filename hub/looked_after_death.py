"""A looked-after child's or care leaver's death (para 13; s16C; footnote 77).

Para 13: the responsible (placing) authority tells the Secretary of State and
Ofsted of every death of a looked-after child, whether or not abuse or neglect
is suspected (and, since Working Together 2023, of a care leaver up to age 25).
With abuse or neglect known or suspected it is also the notification to the
Panel, but only where s16C makes it the notifier's: a child placed out of area
who died in another English area is that area's to notify (footnote 77), and a
care leaver aged 18 or over is not a child.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import date
from enum import Enum

from sqlalchemy.ext.asyncio import AsyncSession

from hub import organisations
from hub.case import (
    ADULT_AGE,
    ChildFacts,
    IncidentFacts,
    age_on,
    check_child,
    check_incident,
    open_case,
    summary_problems,
)
from hub.clock import Clock, today_in_england
from hub.errors import Problem, refuse_if
from hub.models import Organisation, Partnership
from hub.notification import (
    Notified,
    RoutePlan,
    lateness,
    notifying_authority,
    record_notification,
    replayed_notification,
    require_local_authority,
)
from hub.principal import Principal
from hub.statute import rule
from hub.vocabulary import (
    AbuseOrNeglect,
    CaseStatus,
    IncidentKind,
    IncidentLocation,
    NotificationKind,
    OrganisationKind,
)

CARE_LEAVER_MAX_AGE = 24  # Working Together 2023: care leavers up to and including 24


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
def panelnotifying_authority(*, abuse_or_neglect: AbuseOrNeglect, location: IncidentLocation, child: bool) -> PanelNotifier:
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
    require_local_authority(principal)
    payload = asdict(replace(notice, idempotency_key=None))
    replayed = await replayed_notification(session, principal, "notifyLookedAfterChildDeath", notice.idempotency_key, payload)
    if replayed is not None:
        return replayed
    today = today_in_england(clock)
    org, area = await notifying_authority(session, principal, today)
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
    notifier = panelnotifying_authority(abuse_or_neglect=notice.abuse_or_neglect, location=notice.location,
                              child=a_child_at_death(_age_at_death(notice)))
    told = died_in if notifier is PanelNotifier.DIED_IN_AREA else None
    others = [told.area] if told is not None and told.area.id != area.id else []
    case = open_case(session, status=CaseStatus.NOTIFIED, lead=area, involved=others, created_by=org,
                     incident=incident, children=[notice.child], at=clock.now(), care_leaver=notice.care_leaver,
                     age_at_death=notice.age_at_death)
    plan = RoutePlan(to_panel=notifier is PanelNotifier.NOTIFIER, looked_after_death=True,
                     care_leaver=notice.care_leaver, died_in_authority=told.authority if told is not None else None)
    return await record_notification(
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
