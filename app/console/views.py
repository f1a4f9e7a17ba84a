"""What each console page shows, read through the same hub functions GraphQL reads through.

Thin: visibility (``hub.visibility``, ``hub.case.find_visible``), the Panel's queue (``hub.queues``), the
inbox (``hub.inbox``) and the deadlines (``hub.reminders``) are the core's; this module only gathers their
answers into rows a template can show. No child's identifying details are shown, so reading a page
discloses nothing the audit trail must record (GraphQL records identity reads the same way: only when asked).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from hub import inbox, national_statistics, paging, queues, reminders
from hub.case import find_visible
from hub.clock import Clock
from hub.criteria import NATIONAL_MUST
from hub.errors import Refused
from hub.models import (
    Case,
    CaseEvent,
    Child,
    Connector,
    ConnectorAttempt,
    ConnectorCall,
    InformationAddressee,
    InformationRequest,
    Notification,
    Organisation,
    Partnership,
    PracticeReview,
    RapidReview,
    RapidReviewContribution,
    RoutedMessage,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)
from hub.national_statistics import IncidentDimension
from hub.policy import Policy
from hub.principal import Principal
from hub.rapid_review import CONTRIBUTING_ROLES, submitted_on_time
from hub.visibility import inbox_codes, may_see_case_record, visible_cases
from hub.vocabulary import InformationRequestStatus, RapidReviewStatus, Role

QUEUE_SIZE = 100
INBOX_SIZE = 50
CONNECTOR_OWNERS = frozenset({Role.HEALTH, Role.LA, Role.POLICE})  # who ``connectorCalls`` answers


@dataclass(frozen=True)
class QueueRow:
    review: RapidReview
    case: Case
    late: bool  # submitted after its due date (``hub.rapid_review.submitted_on_time``)


@dataclass(frozen=True)
class Message:
    row: RoutedMessage
    recipient: Organisation
    case_reference: str | None
    mine: bool  # addressed to the signed-in organisation: it may acknowledge it


@dataclass(frozen=True)
class DeadlineRow:
    deadline: reminders.Deadline
    case_reference: str
    owed_by: list[str]
    overdue: bool


@dataclass(frozen=True)
class Request:
    row: InformationRequest
    addressees: list[tuple[Organisation, InformationAddressee]]
    owed: bool = False  # asked of the signed-in organisation, open, and not yet answered by it


@dataclass(frozen=True)
class ReviewRow:
    review: PracticeReview
    case_reference: str
    overdue: bool  # not published by its publication due date (paras 41, 50)


@dataclass(frozen=True)
class FailingDelivery:
    """A webhook delivery that failed, or whose last try failed and is being retried on the schedule."""

    delivery: WebhookDelivery
    subscription: WebhookSubscription
    last: WebhookAttempt | None


@dataclass(frozen=True)
class FailingCall:
    """A connector call that failed, or whose last push failed and is being retried on the schedule."""

    call: ConnectorCall
    case_reference: str
    last: ConnectorAttempt | None


@dataclass(frozen=True)
class Failing:
    deliveries: list[FailingDelivery]
    calls: list[FailingCall]
    shows_calls: bool  # the role has connectors (``connectorCalls`` answers it)


@dataclass(frozen=True)
class StatisticsRow:
    quarter: str
    value: str  # the other dimension's value ("" when grouped by quarter alone)
    count: int | None  # None: suppressed
    bar: int  # the bar's length in the chart, 0 to 100 in steps of 2 (a CSS class: no inline style)


@dataclass(frozen=True)
class Statistics:
    rows: list[StatisticsRow]
    total: int | None
    exact: bool  # the Panel and DfE; everyone else sees the public table


@dataclass(frozen=True)
class Moment:
    """One line of a case's timeline."""

    at: datetime
    title: str
    detail: str = ""


@dataclass
class CasePage:
    case: Case
    lead: Partnership
    children: list[Child]
    notification: Notification | None
    review: RapidReview | None
    messages: list[Message]
    requests: list[Request]
    deadlines: list[DeadlineRow]
    timeline: list[Moment] = field(default_factory=list)
    may_respond: bool = False
    contributions: list[tuple[Organisation, RapidReviewContribution]] = field(default_factory=list)
    may_contribute: bool = False  # the hub decides whether this organisation may; the form is offered to the roles
    mine: RapidReviewContribution | None = None
    criteria: dict[str, str] = field(default_factory=dict)


async def _names(session: AsyncSession, ids: set[str]) -> dict[str, Organisation]:
    if not ids:
        return {}
    rows = (await session.execute(select(Organisation).where(col(Organisation.id).in_(ids)))).scalars()
    return {o.id: o for o in rows}


async def panel_queue(session: AsyncSession, principal: Principal, today: date) -> list[QueueRow]:
    """Rapid reviews awaiting the Panel's response (``hub.queues``), in the order they came to it (the queue's
    order, as ``rapidReviews(filter: {awaitingPanel: true})``): the one waiting longest first. The guidance
    gives the Panel no deadline to answer, so none is invented here; a review submitted late is marked."""
    visible = await visible_cases(session, principal, today)
    where = queues.rapid_review_conditions(queues.RapidReviewQuery(awaiting_panel=True), visible=visible,
                                           principal=principal, today=today)
    query = (select(RapidReview, Case).join(Case, col(Case.id) == col(RapidReview.case_id)).where(*where)
             .order_by(col(RapidReview.queued_at), col(RapidReview.id)).limit(QUEUE_SIZE))
    return [QueueRow(r, c, submitted_on_time(r) is False) for r, c in (await session.execute(query)).all()]


async def practice_reviews(session: AsyncSession, principal: Principal, today: date) -> list[ReviewRow]:
    """Practice reviews of the cases the organisation sees, as ``practiceReviews`` lists them, with their
    publication clock (``hub.deadlines.publication_due_on``, set when commissioned), soonest due first."""
    visible = await visible_cases(session, principal, today)
    query = (select(PracticeReview, col(Case.reference)).join(Case, col(Case.id) == col(PracticeReview.case_id))
             .where(visible).order_by(col(PracticeReview.publication_due_on), col(PracticeReview.id)).limit(QUEUE_SIZE))
    return [ReviewRow(r, ref, r.published_on is None and today > r.publication_due_on)
            for r, ref in (await session.execute(query)).all()]


def _failing(status: Any, attempts: Any) -> ColumnElement[bool]:
    """Failed for good, or failed at least once and waiting to be tried again."""
    return or_(status == "FAILED", and_(status == "PENDING", attempts > 0))


async def failing(session: AsyncSession, principal: Principal) -> Failing:
    """The organisation's failing webhook deliveries and connector calls, newest first: only its own, exactly
    as ``webhookDeliveries`` (its subscriptions) and ``connectorCalls`` (its connectors, for the roles that
    have them) show them, each with its last attempt."""
    mine = select(col(WebhookSubscription.id)).where(
        col(WebhookSubscription.organisation_id) == principal.organisation_id)
    query = (select(WebhookDelivery, WebhookSubscription)
             .join(WebhookSubscription, col(WebhookSubscription.id) == col(WebhookDelivery.subscription_id))
             .where(col(WebhookDelivery.subscription_id).in_(mine),
                    _failing(col(WebhookDelivery.status), col(WebhookDelivery.attempts)))
             .order_by(col(WebhookDelivery.created_at).desc(), col(WebhookDelivery.id)).limit(QUEUE_SIZE))
    deliveries = (await session.execute(query)).all()
    tries = list((await session.execute(select(WebhookAttempt).where(
        col(WebhookAttempt.delivery_id).in_([d.id for d, _ in deliveries]))
        .order_by(col(WebhookAttempt.attempted_at)))).scalars())
    last_try = {a.delivery_id: a for a in tries}
    found = [FailingDelivery(d, s, last_try.get(d.id)) for d, s in deliveries]
    shows_calls = principal.role in CONNECTOR_OWNERS
    if not shows_calls:
        return Failing(found, [], False)
    owned = select(col(Connector.id)).where(col(Connector.organisation_id) == principal.organisation_id)
    calls = list((await session.execute(
        select(ConnectorCall).where(col(ConnectorCall.connector_id).in_(owned),
                                    _failing(col(ConnectorCall.status), col(ConnectorCall.attempts)))
        .order_by(col(ConnectorCall.created_at).desc(), col(ConnectorCall.id)).limit(QUEUE_SIZE))).scalars())
    pushes = list((await session.execute(select(ConnectorAttempt).where(
        col(ConnectorAttempt.call_id).in_([c.id for c in calls])).order_by(col(ConnectorAttempt.attempted_at)))).scalars())
    last_push = {a.call_id: a for a in pushes}
    cases = await _references(session, {c.case_id for c in calls})
    return Failing(found, [FailingCall(c, cases.get(c.case_id, ""), last_push.get(c.id)) for c in calls], True)


async def statistics(session: AsyncSession, principal: Principal, *, start: date, end: date,
                     dimension: IncidentDimension | None, today: date) -> Statistics:
    """``incidentStatistics(from, to, by: [QUARTER, dimension])`` exactly as GraphQL answers this role
    (``hub.national_statistics``: exact for the Panel and DfE, the public table with suppression otherwise)."""
    by = [IncidentDimension.QUARTER, *([dimension] if dimension else [])]
    table = await national_statistics.incident_statistics(session, principal=principal, start=start, end=end, by=by,
                                                          today=today)
    most = max((r.count or 0 for r in table.rows), default=0)
    rows = [StatisticsRow(r.value(IncidentDimension.QUARTER) or "", (r.value(dimension) or "") if dimension else "",
                          r.count, round((r.count or 0) * 50 / most) * 2 if most else 0) for r in table.rows]
    return Statistics(rows, table.total, principal.role in national_statistics.EXACT_ROLES)


async def inbox_page(session: AsyncSession, principal: Principal, *, after: paging.Position | None,
                     clock: Clock) -> tuple[list[Message], paging.Position | None]:
    """The organisation's inbox, newest first; reading it is the messages' delivery (``hub.inbox``)."""
    async with session.begin():
        page = await inbox.page(session, principal, inbox.InboxFilter(), after=after, size=INBOX_SIZE)
        await inbox.mark_delivered(session, clock=clock, message_ids=[m.id for m in page.rows])
    orgs = await _names(session, {m.recipient_id for m in page.rows})
    cases = await _references(session, {m.case_id for m in page.rows if m.case_id})
    messages = [Message(m, orgs[m.recipient_id], cases.get(m.case_id or ""), True) for m in page.rows]
    last = page.rows[-1] if page.rows and page.more else None
    return messages, paging.Position(last.created_at, last.id) if last else None


async def _references(session: AsyncSession, case_ids: set[str]) -> dict[str, str]:
    if not case_ids:
        return {}
    rows = await session.execute(select(col(Case.id), col(Case.reference)).where(col(Case.id).in_(case_ids)))
    return {i: r for i, r in rows.all()}


async def deadlines(session: AsyncSession, principal: Principal, *, today: date, policy: Policy,
                    case_id: str | None = None) -> list[DeadlineRow]:
    """The deadlines the organisation is shown (``hub.reminders.seen_by``), soonest first."""
    owed = [d for d in await reminders.seen_by(session, principal, today=today, policy=policy)
            if case_id is None or d.case_id == case_id]
    orgs = await _names(session, {o for d in owed for o in d.owed_by})
    cases = await _references(session, {d.case_id for d in owed})
    return [DeadlineRow(d, cases.get(d.case_id, ""), [orgs[o].name for o in d.owed_by if o in orgs],
                        today > d.due_on) for d in owed]


async def case_page(session: AsyncSession, principal: Principal, case_id: str, *, today: date,
                    policy: Policy) -> CasePage | None:
    """The case, if the signed-in organisation may see it (``find_visible``); None exactly as for no such id."""
    try:
        case = await find_visible(session, principal=principal, case_id=case_id, today=today)
    except Refused:
        return None
    full = may_see_case_record(principal)
    lead = await session.get(Partnership, case.lead_partnership_id)
    assert lead is not None
    children = list((await session.execute(
        select(Child).where(col(Child.case_id) == case.id).order_by(col(Child.position)))).scalars())
    notification = (await session.execute(
        select(Notification).where(col(Notification.case_id) == case.id))).scalar_one_or_none()
    review = (await session.execute(
        select(RapidReview).where(col(RapidReview.case_id) == case.id))).scalar_one_or_none() if full else None
    page = CasePage(case, lead, children, notification, review, await _messages(session, principal, case),
                    await _requests(session, case, principal) if full else [],
                    await deadlines(session, principal, today=today, policy=policy, case_id=case.id))
    page.may_respond = (principal.role is Role.PANEL and review is not None
                        and review.status == RapidReviewStatus.SUBMITTED.value)
    page.criteria = dict(NATIONAL_MUST)
    if review is not None:
        page.contributions = await _contributions(session, review)
        page.mine = next((c for o, c in page.contributions if o.id == principal.organisation_id), None)
        page.may_contribute = (principal.role in CONTRIBUTING_ROLES
                               and review.status == RapidReviewStatus.IN_PROGRESS.value)
    page.timeline = await _timeline(session, page, events=full)
    return page


async def _contributions(session: AsyncSession, review: RapidReview
                         ) -> list[tuple[Organisation, RapidReviewContribution]]:
    query = (select(Organisation, RapidReviewContribution)
             .join(RapidReviewContribution, col(RapidReviewContribution.organisation_id) == col(Organisation.id))
             .where(col(RapidReviewContribution.rapid_review_id) == review.id)
             .order_by(col(RapidReviewContribution.created_at)))
    return [(o, c) for o, c in (await session.execute(query)).all()]


async def _messages(session: AsyncSession, principal: Principal, case: Case) -> list[Message]:
    query = (select(RoutedMessage, Organisation)
             .join(Organisation, col(Organisation.id) == col(RoutedMessage.recipient_id))
             .where(col(RoutedMessage.case_id) == case.id)
             .order_by(col(RoutedMessage.created_at), col(Organisation.code)))
    mine = set(inbox_codes(principal))
    return [Message(m, o, case.reference, o.code in mine) for m, o in (await session.execute(query)).all()
            if inbox.shown_on_case(principal, o.code)]


async def _requests(session: AsyncSession, case: Case, principal: Principal) -> list[Request]:
    rows = list((await session.execute(select(InformationRequest).where(col(InformationRequest.case_id) == case.id)
                                       .order_by(col(InformationRequest.created_at)))).scalars())
    asked = (await session.execute(
        select(InformationAddressee, Organisation)
        .join(Organisation, col(Organisation.id) == col(InformationAddressee.organisation_id))
        .where(col(InformationAddressee.request_id).in_([r.id for r in rows])))).all()
    found = [Request(r, [(o, a) for a, o in asked if a.request_id == r.id]) for r in rows]
    return [Request(r.row, r.addressees, r.row.status == InformationRequestStatus.OPEN.value and any(
        o.id == principal.organisation_id and a.answered_at is None for o, a in r.addressees)) for r in found]


def _label(event_type: str) -> str:
    """``panel.responded`` -> ``Panel responded``."""
    words = event_type.replace(".", " ").replace("_", " ").strip()
    return words[:1].upper() + words[1:]


async def _timeline(session: AsyncSession, page: CasePage, *, events: bool) -> list[Moment]:
    """Events, routed messages with their basis, acknowledgements and information requests, oldest first."""
    found: list[Moment] = []
    if events:
        rows = list((await session.execute(
            select(CaseEvent).where(col(CaseEvent.case_id) == page.case.id))).scalars())
        actors = await _names(session, {e.actor_id for e in rows if e.actor_id})
        found += [Moment(e.occurred_at, _label(e.event_type),
                         f"by {actors[e.actor_id].name}" if e.actor_id in actors else "") for e in rows]
    for m in page.messages:
        due = f"; due {m.row.due_on:%-d %B %Y}" if m.row.due_on else ""
        found.append(Moment(m.row.created_at, f"Routed to {m.recipient.name}: {m.row.event_type}",
                            f"basis {m.row.basis}{due}"))
        if m.row.acknowledged_at:
            found.append(Moment(m.row.acknowledged_at, f"Acknowledged by {m.recipient.name}", m.row.event_type))
    for r in page.requests:
        found.append(Moment(r.row.created_at, "Information requested",
                            f"{len(r.row.questions)} question(s), due {r.row.due_on:%-d %B %Y}"))
        found += [Moment(a.answered_at, f"Information answered by {o.name}") for o, a in r.addressees if a.answered_at]
    return sorted(found, key=lambda m: m.at)
