"""How and when a decision's rationale reached the family (paras 17, 26)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from hub import events
from hub.case import MAX_SUMMARY, check_text, find_visible
from hub.clock import Clock, today_in_england
from hub.errors import Forbidden, Problem, refuse_if
from hub.models import Case, FamilyCommunication
from hub.principal import Principal
from hub.statute import rule
from hub.vocabulary import EventType, FamilyCommunicationMethod, Role

RECORDING_ROLES = frozenset({Role.LA, Role.POLICE, Role.HEALTH, Role.PANEL})
MAX_DECISION = 48


@dataclass(frozen=True)
class Communication:
    decision: str
    method: FamilyCommunicationMethod
    communicated_on: date
    notes: str | None = None


@rule("family-communication", "paras 17, 26",
      "decisions on reviews are made transparently and their rationale communicated, including to families")
async def record(session: AsyncSession, *, clock: Clock, principal: Principal, case_id: str,
                 entry: Communication) -> Case:
    if principal.role not in RECORDING_ROLES:
        raise Forbidden("only the partners and the Panel record communication with the family")
    today, at = today_in_england(clock), clock.now()
    case = await find_visible(session, principal=principal, case_id=case_id, today=today)
    problems = check_text(entry.decision, ("input", "decision"), required=True, limit=MAX_DECISION)
    problems += check_text(entry.notes, ("input", "notes"), required=False, limit=MAX_SUMMARY)
    if entry.communicated_on > today:
        problems.append(Problem("IN_FUTURE", ("input", "communicatedOn"), "communicatedOn is in the future"))
    if entry.communicated_on < case.aware_on:
        problems.append(Problem("BEFORE_CASE", ("input", "communicatedOn"), "communicatedOn is before the case began"))
    refuse_if(problems)
    row = FamilyCommunication(case_id=case.id, decision=entry.decision.strip(), method=entry.method.value,
                              communicated_on=entry.communicated_on, notes=entry.notes,
                              recorded_by_id=principal.organisation_id, recorded_at=at)
    session.add(row)
    await session.flush()
    events.record(session, case_id=case.id, event=EventType.FAMILY_COMMUNICATED, actor_id=principal.organisation_id,
                  at=at, data={"familyCommunicationId": row.id, "method": row.method,
                               "communicatedOn": row.communicated_on.isoformat()})
    await session.flush()
    return case
