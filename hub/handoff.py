"""Handing a case to another area (para 12, footnote 77: a looked-after child placed out of area,
a family that moved). The receiving partnership becomes the lead; the one that handed it over
stays involved and keeps seeing the case (DOMAIN: who may see what)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from hub import events, organisations, routing
from hub.case import MAX_REASON, check_text, find_visible
from hub.clock import Clock, today_in_england
from hub.errors import Forbidden, Problem, Refused, refuse_if
from hub.models import Case, CaseHandoff, CasePartnership, Partnership
from hub.principal import Principal
from hub.statute import rule
from hub.vocabulary import EventType, OrganisationKind, PartnershipRole, Role

PROPOSED, ACCEPTED, DECLINED = "PROPOSED", "ACCEPTED", "DECLINED"


@dataclass(frozen=True)
class Proposal:
    to_local_authority_code: str
    reason: str


async def _member_la(session: AsyncSession, principal: Principal, partnership_id: str, today: date) -> bool:
    members = await organisations.members_of(session, [partnership_id], today)
    return principal.role is Role.LA and any(
        o.id == principal.organisation_id and o.kind == OrganisationKind.LOCAL_AUTHORITY.value
        for o in members.get(partnership_id, []))


async def _tell(session: AsyncSession, *, event: EventType, case: Case, handoff: CaseHandoff, sender_id: str,
                at: datetime, today: date, both: bool) -> None:
    receiving = await organisations.members_of(session, [handoff.to_partnership_id], today)
    named = list(receiving.get(handoff.to_partnership_id, []))
    if both:
        handing = await organisations.members_of(session, [handoff.from_partnership_id], today)
        named += [o for o in handing.get(handoff.from_partnership_id, []) if o not in named]
    await routing.dispatch(session, event=event, case=case, subject_id=handoff.id, sender_id=sender_id, at=at,
                           today=today, named=named)
    events.record(session, case_id=case.id, event=event, actor_id=sender_id, at=at,
                  data={"handoffId": handoff.id, "status": handoff.status})


@rule("case-handoff", "para 12, footnote 77",
      "the lead local authority may hand a case to another area's partnership, which accepts or declines; "
      "on acceptance it leads and the other stays involved")
async def propose(session: AsyncSession, *, clock: Clock, principal: Principal, case_id: str,
                  proposal: Proposal) -> CaseHandoff:
    today, at = today_in_england(clock), clock.now()
    case = await find_visible(session, principal=principal, case_id=case_id, today=today)
    if not await _member_la(session, principal, case.lead_partnership_id, today):
        raise Forbidden("only the local authority of the lead partnership hands a case over")
    problems = check_text(proposal.reason, ("input", "reason"), required=True, limit=MAX_REASON)
    target = await organisations.by_code(session, proposal.to_local_authority_code)
    area: Partnership | None = None
    path = ("input", "toLocalAuthorityCode")
    if target is None or target.kind != OrganisationKind.LOCAL_AUTHORITY.value:
        problems.append(Problem("NOT_A_LOCAL_AUTHORITY", path, "name the local authority of the receiving area"))
    else:
        area = await organisations.area_partnership(session, target, today)
        if area is None or area.id == case.lead_partnership_id:
            problems.append(Problem("SAME_AREA", path, "the receiving area must be another partnership"))
    open_one = (await session.execute(select(CaseHandoff).where(
        col(CaseHandoff.case_id) == case.id, col(CaseHandoff.status) == PROPOSED))).scalars().first()
    if open_one is not None:
        problems.append(Problem("HANDOFF_OPEN", ("caseId",), "a hand-off of this case is already awaiting an answer"))
    refuse_if(problems)
    assert area is not None
    handoff = CaseHandoff(case_id=case.id, from_partnership_id=case.lead_partnership_id, to_partnership_id=area.id,
                          reason=proposal.reason, status=PROPOSED, proposed_by_id=principal.organisation_id,
                          proposed_at=at)
    session.add(handoff)
    await session.flush()
    await _tell(session, event=EventType.CASE_HANDOFF_REQUESTED, case=case, handoff=handoff,
                sender_id=principal.organisation_id, at=at, today=today, both=False)
    await session.flush()
    return handoff


async def _open_for_receiver(session: AsyncSession, principal: Principal, handoff_id: str,
                             today: date) -> tuple[CaseHandoff, Case]:
    handoff = await session.get(CaseHandoff, handoff_id)
    missing = "no such hand-off"
    if handoff is None:
        raise Refused([Problem("NOT_FOUND", ("handoffId",), missing)])
    if not await _member_la(session, principal, handoff.to_partnership_id, today):
        # only those who may see the case learn that the hand-off exists; others get what an unknown id gets
        await find_visible(session, principal=principal, case_id=handoff.case_id, today=today,
                           field=("handoffId",), missing=missing)
        raise Forbidden("only the local authority of the receiving area answers a hand-off")
    if handoff.status != PROPOSED:
        raise Refused([Problem("ALREADY_ANSWERED", ("handoffId",), f"the hand-off was already {handoff.status}")])
    case = await session.get(Case, handoff.case_id)
    assert case is not None
    return handoff, case


async def accept(session: AsyncSession, *, clock: Clock, principal: Principal, handoff_id: str) -> CaseHandoff:
    today, at = today_in_england(clock), clock.now()
    handoff, case = await _open_for_receiver(session, principal, handoff_id, today)
    links = {link.partnership_id: link for link in (await session.execute(select(CasePartnership).where(
        col(CasePartnership.case_id) == case.id))).scalars()}
    links[handoff.from_partnership_id].role = PartnershipRole.INVOLVED.value
    if handoff.to_partnership_id in links:
        links[handoff.to_partnership_id].role = PartnershipRole.LEAD.value
    else:
        session.add(CasePartnership(case_id=case.id, partnership_id=handoff.to_partnership_id,
                                    role=PartnershipRole.LEAD.value))
    case.lead_partnership_id = handoff.to_partnership_id
    handoff.status, handoff.decided_by_id, handoff.decided_at = ACCEPTED, principal.organisation_id, at
    await session.flush()
    await _tell(session, event=EventType.CASE_HANDOFF_ACCEPTED, case=case, handoff=handoff,
                sender_id=principal.organisation_id, at=at, today=today, both=True)
    await session.flush()
    return handoff


async def decline(session: AsyncSession, *, clock: Clock, principal: Principal, handoff_id: str,
                  reason: str) -> CaseHandoff:
    today, at = today_in_england(clock), clock.now()
    handoff, case = await _open_for_receiver(session, principal, handoff_id, today)
    refuse_if(check_text(reason, ("reason",), required=True, limit=MAX_REASON))
    handoff.status, handoff.decided_by_id, handoff.decided_at = DECLINED, principal.organisation_id, at
    handoff.decline_reason = reason
    await session.flush()
    await _tell(session, event=EventType.CASE_HANDOFF_DECLINED, case=case, handoff=handoff,
                sender_id=principal.organisation_id, at=at, today=today, both=True)
    await session.flush()
    return handoff




