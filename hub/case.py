"""The case: one incident about up to four children, and the checks its facts must pass.

Shared by notification (paras 10-13) and referral (para 14).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from hub.child_details import ChildDetails, check_details
from hub.clock import start_of_day
from hub.errors import Problem, Refused
from hub.kept import Kept
from hub.models import Case, CasePartnership, Child, Organisation, Partnership
from hub.naming import Identity, naming_problems
from hub.principal import Principal
from hub.statute import rule
from hub.untrusted_json import encodable
from hub.visibility import visible_cases
from hub.vocabulary import (
    AbuseOrNeglect,
    CaseStatus,
    IncidentKind,
    IncidentLocation,
    PartnershipRole,
    Sex,
)

MAX_CHILDREN = 4  # Panel practice: one notification may name up to four children
MAX_NAME = 100
MAX_IDENTIFIER = 64
MAX_SUMMARY = 20_000
MAX_REASON = 5_000
ADULT_AGE = 18

Path = tuple[str, ...]


@dataclass(frozen=True)
class ChildFacts:
    sex: Sex
    looked_after: bool
    on_child_protection_plan: bool
    first_name: str | None = None
    last_name: str | None = None
    date_of_birth: date | None = None
    consistent_child_identifier: str | None = None  # s16LC Children's Wellbeing and Schools Act 2026
    details: ChildDetails = field(default_factory=ChildDetails)  # DfE's form: ethnicity, disability, social-care status ...


@dataclass(frozen=True)
class IncidentFacts:
    kind: IncidentKind
    occurred_on: date
    aware_on: date
    abuse_or_neglect: AbuseOrNeglect
    location: IncidentLocation
    summary: str


def check_text(
    value: str | None, path: Path, *, required: bool, limit: int
) -> list[Problem]:
    if value is None or not value.strip():
        if required:
            return [Problem("REQUIRED", path, f"{path[-1]} must not be empty")]
        return []
    if len(value) > limit:
        return [Problem("TOO_LONG", path, f"{path[-1]} is longer than {limit} characters")]
    if "\x00" in value:
        return [Problem("INVALID_CHARACTERS", path, f"{path[-1]} contains a NUL character")]
    if not encodable(value):
        return [Problem("INVALID_CHARACTERS", path, f"{path[-1]} contains a lone surrogate (not Unicode text)")]
    return []


@rule("summary-names-no-child", "footnote 76; para 39; DOMAIN: who may see what",
      "the incident summary is copied to bodies that see the child only by pseudonym, so it must not give a "
      "child's first name, last name or date of birth")
def summary_problems(summary: str, children: list[ChildFacts], path: Path) -> list[Problem]:
    who = [Identity(c.first_name, c.last_name, c.date_of_birth) for c in children]
    return naming_problems([(path, summary)], who, justification=None, basis="footnote 76: copied to Ofsted and DfE")


def age_on(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def check_child(child: ChildFacts, path: Path, *, on: date, max_age: int = ADULT_AGE - 1) -> list[Problem]:
    problems = check_text(child.first_name, (*path, "firstName"), required=False, limit=MAX_NAME)
    problems += check_text(child.last_name, (*path, "lastName"), required=False, limit=MAX_NAME)
    problems += check_text(child.consistent_child_identifier, (*path, "consistentChildIdentifier"), required=False,
                           limit=MAX_IDENTIFIER)
    born = child.date_of_birth
    if born is not None and born > on:
        problems.append(Problem("BORN_AFTER_INCIDENT", (*path, "dateOfBirth"),
                                "dateOfBirth is after the incident"))
    elif born is not None and age_on(born, on) > max_age:
        problems.append(Problem("NOT_A_CHILD", (*path, "dateOfBirth"),
                                f"the person was over {max_age} on the day of the incident"))
    problems += check_details(child.details, path, looked_after=child.looked_after,
                              on_plan=child.on_child_protection_plan, born=born, on=on)
    return problems


@rule("incident-dates", "para 12", "awareness cannot be in the future nor before the incident")
def check_incident(incident: IncidentFacts, path: Path, *, today: date) -> list[Problem]:
    problems = check_text(incident.summary, (*path, "summary"), required=True, limit=MAX_SUMMARY)
    if incident.occurred_on > today:
        problems.append(Problem("OCCURRED_IN_FUTURE", (*path, "occurredOn"),
                                "occurredOn is in the future"))
    if incident.aware_on > today:
        problems.append(Problem("AWARE_IN_FUTURE", (*path, "awareOn"),
                                "awareOn is in the future: a notification follows awareness"))
    if incident.aware_on < incident.occurred_on:
        problems.append(Problem("AWARE_BEFORE_OCCURRED", (*path, "awareOn"),
                                "awareOn is before occurredOn"))
    return problems


def check_children(children: list[ChildFacts], *, on: date, paths: list[Path]) -> list[Problem]:
    if len(children) > MAX_CHILDREN:
        return [Problem("TOO_MANY_CHILDREN", ("input", "otherChildren"),
                        f"one incident may name at most {MAX_CHILDREN} children")]
    problems: list[Problem] = []
    for child, path in zip(children, paths, strict=True):
        problems += check_child(child, path, on=on)
    return problems


def _reference(at: datetime) -> str:
    return f"CSPR-{at.year}-{secrets.token_hex(4).upper()}"


def _pseudonym() -> str:
    return "C-" + secrets.token_hex(5).upper()


def open_case(
    session: AsyncSession,
    *,
    status: CaseStatus,
    lead: Partnership,
    involved: list[Partnership],
    created_by: Organisation,
    incident: IncidentFacts,
    children: list[ChildFacts],
    at: datetime,
    care_leaver: bool = False,
    age_at_death: int | None = None,
) -> Case:
    """Add a case, its partnerships and its children to the session.

    ``age_at_death`` is the first child's age when only that is known (a care leaver, para 13).
    """
    case = Case(
        reference=_reference(at), status=status.value, lead_partnership_id=lead.id,
        created_by_id=created_by.id, created_at=at, incident_kind=incident.kind.value,
        occurred_on=incident.occurred_on, aware_on=incident.aware_on,
        abuse_or_neglect=incident.abuse_or_neglect.value, location=incident.location.value,
        summary=incident.summary,
    )
    session.add(case)
    session.add(CasePartnership(case_id=case.id, partnership_id=lead.id, role=PartnershipRole.LEAD.value))
    for other in involved:
        session.add(CasePartnership(case_id=case.id, partnership_id=other.id,
                                    role=PartnershipRole.INVOLVED.value))
    for position, child in enumerate(children):
        add_child(session, case_id=case.id, position=position, child=child, on=incident.occurred_on,
                  care_leaver=care_leaver and position == 0, age=age_at_death if position == 0 else None)
    return case


def add_child(
    session: AsyncSession, *, case_id: str, position: int, child: ChildFacts, on: date,
    care_leaver: bool = False, age: int | None = None,
) -> Child:
    row = Child(case_id=case_id, position=position, pseudonym=_pseudonym(), sex=child.sex.value,
                looked_after=child.looked_after, on_child_protection_plan=child.on_child_protection_plan,
                care_leaver=care_leaver)
    set_child_facts(row, child, on=on, age=age)
    session.add(row)
    return row


def set_child_facts(row: Child, child: ChildFacts, *, on: date, age: int | None = None) -> None:
    """Write a child's facts on its row; the pseudonym stays, so copies already sent still match."""
    born = child.date_of_birth
    row.first_name = (child.first_name or "").strip() or None
    row.last_name = (child.last_name or "").strip() or None
    row.date_of_birth = born
    row.age_years = age_on(born, on) if born else age
    row.consistent_child_identifier = (child.consistent_child_identifier or "").strip() or None
    row.sex = child.sex.value
    row.looked_after = child.looked_after
    row.on_child_protection_plan = child.on_child_protection_plan
    details = child.details
    row.ethnicity = details.ethnicity.value if details.ethnicity else None
    row.disability = details.disability.value if details.disability else None
    row.social_care_status = details.social_care_status.value if details.social_care_status else None
    row.education_setting = details.education_setting.value if details.education_setting else None
    row.harm_category = details.harm_category.value if details.harm_category else None
    row.suspected_perpetrator = details.suspected_perpetrator.value if details.suspected_perpetrator else None
    row.unborn_or_under_one = details.unborn_or_under_one


@dataclass(frozen=True)
class CaseQuery:
    statuses: tuple[CaseStatus, ...] = ()
    created_after: date | None = None
    created_before: date | None = None


def case_conditions(query: CaseQuery) -> list[ColumnElement[bool]]:
    """The same conditions for the same filter (kept: a page's statement is then the same one, ``hub.paging``)."""
    return list(_KEPT.get(query, (), lambda: tuple(_case_conditions(query))))


_KEPT: Kept[tuple[ColumnElement[bool], ...]] = Kept(512)


def _case_conditions(query: CaseQuery) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if query.statuses:
        where.append(col(Case.status).in_([s.value for s in query.statuses]))
    if query.created_after is not None:
        where.append(col(Case.created_at) >= start_of_day(query.created_after))
    if query.created_before is not None:
        where.append(col(Case.created_at) < start_of_day(query.created_before))
    return where


async def find_visible(
    session: AsyncSession, *, principal: Principal, case_id: str, today: date, field: Path = ("caseId",),
    missing: str = "no such case",
) -> Case:
    """The case, if the caller may see it; otherwise refused as not found (never as forbidden).

    ``missing`` is the message of a lookup through something on the case (its rapid review, a request):
    a caller who may not see the case gets the words an id that does not exist gets, so it learns nothing.
    """
    condition = await visible_cases(session, principal, today)
    query = select(Case).where(col(Case.id) == case_id, condition)
    found = (await session.execute(query)).scalar_one_or_none()
    if found is None:
        raise Refused([Problem("NOT_FOUND", field, missing)])
    return found


async def partnership_ids(session: AsyncSession, case_id: str) -> tuple[str, list[str]]:
    """The lead partnership's id and the involved partnerships' ids."""
    rows = (await session.execute(
        select(CasePartnership).where(col(CasePartnership.case_id) == case_id))).scalars().all()
    lead = [r.partnership_id for r in rows if r.role == PartnershipRole.LEAD.value]
    return lead[0], [r.partnership_id for r in rows if r.role == PartnershipRole.INVOLVED.value]
