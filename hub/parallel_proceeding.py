"""Investigations and reviews running alongside a case (para 29)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from hub import events
from hub.case import MAX_SUMMARY, check_text, find_visible
from hub.clock import Clock, today_in_england
from hub.errors import Forbidden, Problem, refuse_if
from hub.models import Case, ParallelProceeding
from hub.principal import Principal
from hub.statute import rule
from hub.vocabulary import EventType, ProceedingKind, Role

LINKING_ROLES = frozenset({Role.LA, Role.POLICE, Role.HEALTH, Role.PANEL})
MAX_REFERENCE = 200


@dataclass(frozen=True)
class Proceeding:
    kind: ProceedingKind
    reference: str | None = None
    description: str | None = None
    started_on: date | None = None


@rule("parallel-proceeding", "para 29",
      "criminal investigations, inquests, DHRs, MAPPA reviews, SARs and disciplinary proceedings are linked to the case")
async def link(session: AsyncSession, *, clock: Clock, principal: Principal, case_id: str, entry: Proceeding) -> Case:
    if principal.role not in LINKING_ROLES:
        raise Forbidden("only the partners and the Panel link parallel proceedings")
    today, at = today_in_england(clock), clock.now()
    case = await find_visible(session, principal=principal, case_id=case_id, today=today)
    problems = check_text(entry.reference, ("input", "reference"), required=False, limit=MAX_REFERENCE)
    problems += check_text(entry.description, ("input", "description"), required=False, limit=MAX_SUMMARY)
    if entry.started_on is not None and entry.started_on > today:
        problems.append(Problem("IN_FUTURE", ("input", "startedOn"), "startedOn is in the future"))
    refuse_if(problems)
    row = ParallelProceeding(case_id=case.id, kind=entry.kind.value, reference=entry.reference,
                             description=entry.description, started_on=entry.started_on,
                             recorded_by_id=principal.organisation_id, recorded_at=at)
    session.add(row)
    await session.flush()
    events.record(session, case_id=case.id, event=EventType.PROCEEDING_LINKED, actor_id=principal.organisation_id,
                  at=at, data={"parallelProceedingId": row.id, "kind": row.kind})
    await session.flush()
    return case
