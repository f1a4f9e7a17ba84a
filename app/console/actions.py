"""What a signed-in person may do from a page, through the same core actions as the GraphQL mutations.

Each action is one unit of work: the core action and its audit entry (named as the mutation is) commit
together, or nothing does; refused input comes back as the core's problems, to show beside the form.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hub import audit, inbox, information_request, panel_response, rapid_review, webhooks
from hub.clock import Clock
from hub.criteria import NATIONAL_MUST, Considered
from hub.errors import Forbidden, Problem, Refused
from hub.policy import Policy
from hub.principal import Principal
from hub.store import transaction
from hub.vocabulary import PanelOutcome

T = TypeVar("T")
Form = Mapping[str, str]


@dataclass(frozen=True)
class Done:
    """An action's outcome: the problems that refused it (nothing changed), or none."""

    problems: list[Problem]

    @property
    def ok(self) -> bool:
        return not self.problems


async def unit_of_work(sessions: async_sessionmaker[AsyncSession], *, clock: Clock, principal: Principal,
                       action: str, act: Callable[[AsyncSession], Awaitable[T]]) -> Done:
    """One core action and its audit entry in one transaction; a concurrent duplicate is run once more."""
    for attempt in (1, 2):
        try:
            async with transaction(sessions) as session:
                result = await act(session)
                record = audit.Record(action=action, at=clock.now(), case_id=audit.case_of(result))
                await audit.append(session, principal=principal, records=[record])
            return Done([])
        except Refused as refused:
            return Done(refused.problems)
        except Forbidden as forbidden:
            return Done([Problem("FORBIDDEN", (), str(forbidden))])
        except IntegrityError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


async def acknowledge(sessions: async_sessionmaker[AsyncSession], *, clock: Clock, principal: Principal,
                      message_id: str) -> Done:
    """acknowledgeMessage: only the recipient acknowledges (``hub.inbox.acknowledge``)."""

    async def act(session: AsyncSession) -> object:
        return await inbox.acknowledge(session, clock=clock, principal=principal, message_id=message_id)

    return await unit_of_work(sessions, clock=clock, principal=principal, action="acknowledgeMessage", act=act)


def _date(form: Form, prefix: str) -> tuple[date | None, list[Problem]]:
    """A GOV.UK date input (day, month, year fields): None when all three are empty."""
    parts = [form.get(f"{prefix}-{p}", "").strip() for p in ("day", "month", "year")]
    if not any(parts):
        return None, []
    try:
        return date(int(parts[2]), int(parts[1]), int(parts[0])), []
    except ValueError:
        return None, [Problem("INVALID_DATE", ("input", "informationDueOn"), "Enter a real date, for example 27 3 2027")]


def panel_response_from(form: Form) -> tuple[panel_response.Response | None, list[Problem]]:
    """The Panel's response as the form gives it; what the form cannot express is a problem here,
    everything else the core checks (``hub.panel_response``)."""
    try:
        outcome = PanelOutcome(form.get("outcome", ""))
    except ValueError:
        return None, [Problem("REQUIRED", ("input", "outcome"), "Select the Panel's decision")]
    considered: list[Considered] = []
    for name in NATIONAL_MUST:
        met = form.get(f"met-{name}", "")
        if met in ("yes", "no"):
            considered.append(Considered(name, met == "yes", form.get(f"how-{name}", "")))
    due_on, problems = _date(form, "information-due")
    questions = tuple(q.strip() for q in form.get("questions", "").splitlines() if q.strip())
    codes = tuple(c.strip().upper() for c in form.get("information-from", "").replace(",", " ").split() if c.strip())
    entry = panel_response.Response(outcome=outcome, rationale=form.get("rationale", ""),
                                    questions=questions, information_due_on=due_on, information_from_codes=codes,
                                    criteria_considered=tuple(considered))
    return (None if problems else entry), problems


async def respond(sessions: async_sessionmaker[AsyncSession], *, clock: Clock, principal: Principal, policy: Policy,
                  review_id: str, form: Form) -> Done:
    """respondToRapidReview: the Panel's response, by the same core action (``hub.panel_response.respond``)."""
    entry, problems = panel_response_from(form)
    if entry is None:
        return Done(problems)

    async def act(session: AsyncSession) -> object:
        return await panel_response.respond(session, clock=clock, principal=principal, review_id=review_id,
                                            entry=entry, policy=policy)

    return await unit_of_work(sessions, clock=clock, principal=principal, action="respondToRapidReview", act=act)


async def answer(sessions: async_sessionmaker[AsyncSession], *, clock: Clock, principal: Principal,
                 request_id: str, text: str) -> Done:
    """respondToInformationRequest: an organisation asked answers (``hub.information_request.answer``, para 24)."""

    async def act(session: AsyncSession) -> object:
        return await information_request.answer(session, clock=clock, principal=principal, request_id=request_id,
                                                text=text)

    return await unit_of_work(sessions, clock=clock, principal=principal, action="respondToInformationRequest",
                              act=act)


def contribution_from(form: Form) -> tuple[rapid_review.Contribution | None, list[Problem]]:
    """A partner's contribution as the form gives it; a revision carries the version it revises."""
    raw = form.get("expected_version", "").strip()
    if raw and not raw.isdigit():
        return None, [Problem("VERSION_CONFLICT", ("input", "expectedVersion"), "Reload the page and revise again")]
    return rapid_review.Contribution(
        summary=form.get("summary", ""), immediate_actions=form.get("immediate_actions", "").strip() or None,
        learning=form.get("learning", "").strip() or None, expected_version=int(raw) if raw else None), []


async def contribute(sessions: async_sessionmaker[AsyncSession], *, clock: Clock, principal: Principal,
                     review_id: str, form: Form) -> Done:
    """contributeToRapidReview: the organisation's own contribution (``hub.rapid_review.contribute``, para 20)."""
    entry, problems = contribution_from(form)
    if entry is None:
        return Done(problems)

    async def act(session: AsyncSession) -> object:
        return await rapid_review.contribute(session, clock=clock, principal=principal, review_id=review_id,
                                             entry=entry)

    return await unit_of_work(sessions, clock=clock, principal=principal, action="contributeToRapidReview", act=act)


async def redeliver(sessions: async_sessionmaker[AsyncSession], *, clock: Clock, principal: Principal,
                    delivery_id: str) -> Done:
    """redeliverWebhook: queue one of the organisation's deliveries again now (``hub.webhooks.redeliver``)."""

    async def act(session: AsyncSession) -> object:
        return await webhooks.redeliver(session, clock=clock, principal=principal, delivery_id=delivery_id)

    return await unit_of_work(sessions, clock=clock, principal=principal, action="redeliverWebhook", act=act)
