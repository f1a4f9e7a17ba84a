"""Figures an operator watches, counted from the database (so every process reports the same, whichever
process did the work): the outbox backing up, webhook and connector attempts by outcome, deadlines overdue.

Only fixed vocabularies are returned (outcomes, operations, deadline kinds): never an identifier of a case,
an organisation or a person.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from hub.models import ConnectorAttempt, ConnectorCall, WebhookAttempt, WebhookDelivery
from hub.policy import Policy
from hub.reminders import open_deadlines

WAITING_CALLS = ("PENDING", "WITHDRAWING")  # a connector call still to be made (SENT ones wait on the agency)


@dataclass(frozen=True)
class Figures:
    pending_deliveries: int
    pending_calls: int
    deliveries: dict[str, int] = field(default_factory=dict)  # attempts by outcome: delivered, failed
    calls: dict[tuple[str, str], int] = field(default_factory=dict)  # attempts by (operation, outcome)
    overdue: dict[str, int] = field(default_factory=dict)  # open deadlines past their date, by kind


async def figures(session: AsyncSession, *, today: date, policy: Policy) -> Figures:
    pending_deliveries = (await session.execute(select(func.count()).select_from(WebhookDelivery).where(
        col(WebhookDelivery.status) == "PENDING"))).scalar_one()
    pending_calls = (await session.execute(select(func.count()).select_from(ConnectorCall).where(
        col(ConnectorCall.status).in_(WAITING_CALLS)))).scalar_one()
    ok = case((col(WebhookAttempt.error).is_(None), "delivered"), else_="failed")
    deliveries = {str(outcome): int(n) for outcome, n in (await session.execute(
        select(ok, func.count()).group_by(ok))).all()}
    succeeded = case((col(ConnectorAttempt.error).is_(None), "succeeded"), else_="failed")
    calls = {(str(operation), str(outcome)): int(n) for operation, outcome, n in (await session.execute(
        select(col(ConnectorAttempt.operation), succeeded, func.count())
        .group_by(col(ConnectorAttempt.operation), succeeded))).all()}
    overdue = Counter(d.kind.value for d in await open_deadlines(session, today=today, policy=policy)
                      if d.due_on < today)
    return Figures(int(pending_deliveries), int(pending_calls), deliveries, calls, dict(overdue))
