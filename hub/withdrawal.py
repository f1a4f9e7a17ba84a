"""Withdrawing a notification later found not to meet the criteria (paras 10-12).

Para 12: "The local authority must notify any event that meets the above
criteria to the Panel." When what was notified turns out not to meet the
criteria of paras 10-11 (no abuse or neglect, no serious harm), the notifying
local authority withdraws the notification, with its reasons. The Panel decides
on a rapid review once it has one, so the withdrawal is possible only until the
rapid review is submitted (paras 21-22). Withdrawing closes the case's clocks
(the rapid review's 15 working days, an open information request) and tells
every organisation the notification reached, citing para 12. A case withdrawn
here may still be considered by the partners under para 19.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from hub import connector_outbox, events, rapid_review, routing
from hub.case import MAX_REASON, check_text, find_visible
from hub.clock import Clock, today_in_england
from hub.errors import Forbidden, Problem, refuse_if
from hub.models import Case, Child, InformationRequest, Notification, Organisation, RapidReview, RoutedMessage
from hub.naming import Identity, naming_problems
from hub.principal import Principal
from hub.statute import rule
from hub.vocabulary import (
    CaseStatus,
    EventType,
    InformationRequestStatus,
    NotificationKind,
    RapidReviewStatus,
    Role,
)

NOTIFYING_EVENTS = (EventType.NOTIFICATION_SUBMITTED.value, EventType.LOOKED_AFTER_DEATH_NOTIFIED.value)


@dataclass(frozen=True)
class Withdrawn:
    case: Case
    notification: Notification


async def _notification(session: AsyncSession, case: Case) -> Notification | None:
    found = await session.execute(select(Notification).where(col(Notification.case_id) == case.id))
    return found.scalar_one_or_none()


async def _rapid_review(session: AsyncSession, case: Case) -> RapidReview | None:
    found = await session.execute(select(RapidReview).where(col(RapidReview.case_id) == case.id))
    return found.scalar_one_or_none()


def _state_problems(principal: Principal, case: Case, note: Notification | None,
                    review: RapidReview | None) -> list[Problem]:
    """Whether this caller may withdraw this notification now; the first reason it may not."""
    path = ("caseId",)
    if note is None:
        return [Problem("NOT_NOTIFIED", path, "the case was referred to the partners (para 14), not notified: "
                                              "there is no notification to withdraw")]
    if note.notified_by_id != principal.organisation_id:
        return [Problem("NOT_THE_NOTIFIER", path, "only the local authority that notified may withdraw it (para 12)")]
    if case.status == CaseStatus.WITHDRAWN.value:
        return [Problem("ALREADY_WITHDRAWN", path, "the notification was already withdrawn")]
    if not note.to_panel:
        return [Problem("NOT_NOTIFIED_TO_PANEL", path,
                        "this notice of a looked-after child's death (para 13) did not go to the Panel: it "
                        "stands whether or not abuse or neglect is suspected")]
    if review is not None and review.status != RapidReviewStatus.IN_PROGRESS.value:
        return [Problem("RAPID_REVIEW_SUBMITTED", path,
                        "the rapid review has gone to the Panel, which now decides (paras 21-22): too late to "
                        "withdraw the notification; say so in answer to the Panel instead")]
    return []


async def _reason_problems(session: AsyncSession, case: Case, reason: str) -> list[Problem]:
    """The reasons are copied to Ofsted and DfE with the rest: required, bounded, and naming no child."""
    path = ("reason",)
    problems = check_text(reason, path, required=True, limit=MAX_REASON)
    if problems:
        return problems
    children = (await session.execute(select(Child).where(col(Child.case_id) == case.id))).scalars()
    who = [Identity(c.first_name, c.last_name, c.date_of_birth) for c in children]
    return naming_problems([(path, reason)], who, justification=None, basis="footnote 76: copied to Ofsted and DfE")


async def reached(session: AsyncSession, note: Notification) -> list[Organisation]:
    """Every organisation the notification to the Panel reached (para 12, footnote 76). A looked-after child's
    death stays notified to the Secretary of State and Ofsted (para 13 applies whether or not abuse or neglect is
    suspected), so for it only the notification to the Panel is withdrawn, and only its recipients are told."""
    notifying = (NOTIFYING_EVENTS[:1] if note.kind == NotificationKind.LOOKED_AFTER_CHILD_DEATH.value
                 else NOTIFYING_EVENTS)
    query = (select(Organisation).join(RoutedMessage, col(RoutedMessage.recipient_id) == col(Organisation.id))
             .where(col(RoutedMessage.subject_id) == note.id, col(RoutedMessage.event_type).in_(notifying))
             .distinct().order_by(col(Organisation.code)))
    return list((await session.execute(query)).scalars())


async def _close_clocks(session: AsyncSession, case: Case, review: RapidReview | None, at: datetime) -> None:
    """The rapid review being written closes; so does any information request still open on the case."""
    if review is not None:
        rapid_review.move(review, rapid_review.Step.WITHDRAW, at)
    open_requests = (await session.execute(select(InformationRequest).where(
        col(InformationRequest.case_id) == case.id,
        col(InformationRequest.status) == InformationRequestStatus.OPEN.value))).scalars().all()
    for request in open_requests:
        request.status, request.closed_at = InformationRequestStatus.CLOSED.value, at
        await connector_outbox.close_calls(session, request_id=request.id, at=at)


@rule("notification-withdrawal", "paras 10-12",
      "the notifying local authority may withdraw, with reasons, a notification found not to meet the criteria "
      "until the rapid review reaches the Panel; the case's clocks close and everyone the notification reached "
      "is told")
async def withdraw(session: AsyncSession, *, clock: Clock, principal: Principal, case_id: str,
                   reason: str) -> Withdrawn:
    if principal.role is not Role.LA:
        raise Forbidden("only the local authority that notified withdraws a notification (para 12)")
    today, at = today_in_england(clock), clock.now()
    case = await find_visible(session, principal=principal, case_id=case_id, today=today)
    note, review = await _notification(session, case), await _rapid_review(session, case)
    refuse_if(_state_problems(principal, case, note, review) + await _reason_problems(session, case, reason))
    assert note is not None
    case.status = CaseStatus.WITHDRAWN.value
    note.withdrawn_at, note.withdrawal_reason = at, reason.strip()
    await _close_clocks(session, case, review, at)
    told = await reached(session, note)
    messages = await routing.dispatch(session, event=EventType.NOTIFICATION_WITHDRAWN, case=case,
                                      subject_id=note.id, sender_id=principal.organisation_id, at=at, today=today,
                                      named=told)
    events.record(session, case_id=case.id, event=EventType.NOTIFICATION_WITHDRAWN,
                  actor_id=principal.organisation_id, at=at,
                  data={"notificationId": note.id, "routedTo": len(messages)})
    await session.flush()
    return Withdrawn(case, note)
