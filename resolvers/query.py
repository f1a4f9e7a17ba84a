"""Query root: reads translate arguments into core queries; no rule lives here."""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import Annotated

import strawberry
from sqlalchemy import select
from sqlmodel import col

from hub import deadlines, inbox, models, paging
from hub.case import CaseQuery, case_conditions
from hub.clock import today_in_england
from hub.errors import BadUserInput
from hub.visibility import visible_cases
from resolvers import calendar_feed as calendar_resolvers
from resolvers import deadline as deadline_resolvers
from resolvers import look_ahead
from resolvers import national_statistics as statistics_resolvers
from resolvers import partnership_figures as figures_resolvers
from resolvers import practice_review as review_resolvers
from resolvers.audit import CASE_ACCESS_LOG_DESCRIPTION, LEAD, case_access_log
from resolvers.connector import (
    ATTEMPTS_DESCRIPTION,
    CALLS_DESCRIPTION,
    CONNECTORS_DESCRIPTION,
    OWNERS,
    connector_attempts,
    connector_calls,
    connectors,
)
from resolvers.information_request import INFORMATION_REQUESTS_DESCRIPTION, information_requests
from resolvers.pages import keyset_connection
from resolvers.permissions import ANY_ROLE, described, roles
from resolvers.rapid_review import RAPID_REVIEWS_DESCRIPTION, rapid_reviews
from resolvers.webhook import (
    DELIVERIES_DESCRIPTION,
    SUBSCRIPTIONS_DESCRIPTION,
    webhook_deliveries,
    webhook_subscriptions,
)
from schema.audit import AuditAccess
from schema.calendar_feed import CalendarFeed
from schema.case import Case, CaseFilter
from schema.common import (
    Connection,
    decode_cursor,
    encode_cursor,
    make_connection,
    page_size,
    parse_id,
)
from schema.connector import Connector, ConnectorAttempt, ConnectorCall
from schema.context import HubInfo
from schema.deadline import Deadline
from schema.enums import OrganisationKind
from schema.information_request import InformationRequest
from schema.national_statistics import IncidentStatistics
from schema.organisation import Organisation, Principal
from schema.partnership_figures import PartnershipFigures
from schema.practice_review import PracticeReview, PublishedReport, Recommendation, Reviewer, ThematicReview
from schema.rapid_review import RapidReview
from schema.routing import InboxFilter, RoutedMessage
from schema.webhook import WebhookDelivery, WebhookSubscription

MAX_WORKING_DAYS = 2000


def _me(info: HubInfo) -> Principal:
    p = info.context.principal
    assert p is not None
    return Principal(role=p.role.value, scopes=list(p.scopes), organisation_id=p.organisation_id)


async def _organisation(info: HubInfo, code: str) -> Organisation | None:
    async with info.context.sessions() as session:
        row = (await session.execute(select(models.Organisation).where(col(models.Organisation.code) == code))).scalar_one_or_none()
    return Organisation.from_model(row) if row else None


async def _organisations(
    info: HubInfo, kind: OrganisationKind | None = None, first: int | None = None, after: str | None = None
) -> Connection[Organisation]:
    size = page_size(first)
    start = decode_cursor(after, 1)
    where = [col(models.Organisation.kind) == kind.value] if kind is not None else []
    query = select(models.Organisation).where(*where).order_by(col(models.Organisation.code))
    if start is not None:
        query = query.where(col(models.Organisation.code) > start[0])
    async with info.context.sessions() as session:
        rows = (await session.execute(query.limit(size + 1))).scalars().all()

    async def count() -> int:
        async with info.context.sessions() as session:
            return await paging.count(session, models.Organisation, where)

    shown = rows[:size]
    return make_connection([Organisation.from_model(r) for r in shown], [encode_cursor(r.code) for r in shown],
                           more=len(rows) > size, count=count)


async def _case(info: HubInfo, id: strawberry.ID) -> Case | None:
    row = await info.context.loaders.visible_case.load(parse_id(id))
    return Case.from_model(row) if row else None


# a case's notification (at most one: notification.case_id is unique; a referral has none), read with a page of
# cases (one object: a page's statement is kept by its join, ``hub.paging``)
NOTIFIED = paging.Joined(models.Notification, col(models.Notification.case_id) == col(models.Case.id), optional=True)


async def _cases(
    info: HubInfo, filter: CaseFilter | None = None, first: int | None = None, after: str | None = None
) -> Connection[Case]:
    wanted = CaseQuery(
        statuses=tuple(filter.status or ()) if filter else (),
        created_after=filter.created_after if filter else None,
        created_before=filter.created_before if filter else None,
    )
    principal = info.context.principal
    assert principal is not None
    async with info.context.sessions() as session:
        visible = await visible_cases(session, principal, today_in_england(info.context.clock),
                                      reference=info.context.reference)
    names = look_ahead.selected_names(info)
    notified = NOTIFIED if "notification" in names else None
    return await keyset_connection(info, models.Case, [visible, *case_conditions(wanted)], first=first, after=after,
                                   convert=Case.from_model, ahead=partial(look_ahead.cases, names=names), plain=True,
                                   joined=notified, prime=look_ahead.notifications_read)


async def _inbox(
    info: HubInfo, filter: InboxFilter | None = None, first: int | None = None, after: str | None = None
) -> Connection[RoutedMessage]:
    size = page_size(first)
    position = paging.Position.decode(decode_cursor(after, 2))
    principal = info.context.principal
    assert principal is not None
    wanted = inbox.InboxFilter(
        unacknowledged=filter.unacknowledged if filter else None,
        event_types=tuple(filter.event_types or ()) if filter else (),
        case_id=parse_id(filter.case_id, "caseId") if filter and filter.case_id else None,
        due_before=filter.due_before if filter else None,
    )
    where = inbox.conditions(principal, wanted)
    async with info.context.sessions() as session, session.begin():
        page = await inbox.page(session, principal, wanted, after=position, size=size)
        await inbox.mark_delivered(session, clock=info.context.clock, message_ids=[m.id for m in page.rows])

    async def count() -> int:
        async with info.context.sessions() as session:
            return await paging.count(session, models.RoutedMessage, where)

    cursors = [encode_cursor(*paging.Position(r.created_at, r.id).encode()) for r in page.rows]
    recipients = await info.context.loaders.organisation.load_many([r.recipient_id for r in page.rows])
    messages = [RoutedMessage.from_model(r, recipient=o) for r, o in zip(page.rows, recipients, strict=True) if o]
    return make_connection(messages, cursors, more=page.more, count=count)


def _add_working_days(from_: date, days: int) -> date:
    if abs(days) > MAX_WORKING_DAYS:
        raise BadUserInput(f"days must be between -{MAX_WORKING_DAYS} and {MAX_WORKING_DAYS}")
    result = deadlines.add_working_days(from_, days)
    if not deadlines.EARLIEST <= result <= deadlines.LATEST:
        raise BadUserInput("the result lies outside 1900-2200")
    return result


@strawberry.type
class Query:
    me: Principal = strawberry.field(
        resolver=_me, description=described("The caller: organisation and role.", ANY_ROLE),
        extensions=roles(*ANY_ROLE))
    organisation: Organisation | None = strawberry.field(
        resolver=_organisation, description=described("An organisation by its code.", ANY_ROLE),
        extensions=roles(*ANY_ROLE))
    organisations: Connection[Organisation] = strawberry.field(
        resolver=_organisations, description=described("Organisations, by code.", ANY_ROLE),
        extensions=roles(*ANY_ROLE))
    case: Case | None = strawberry.field(
        resolver=_case, description=described(
            "A case, or null if it does not exist or the caller may not see it.", ANY_ROLE),
        extensions=roles(*ANY_ROLE))
    cases: Connection[Case] = strawberry.field(
        resolver=_cases, description=described(
            "The cases the caller may see, newest first (DOMAIN: who may see what).", ANY_ROLE),
        extensions=roles(*ANY_ROLE))
    rapid_reviews: Connection[RapidReview] = strawberry.field(
        resolver=rapid_reviews, description=RAPID_REVIEWS_DESCRIPTION, extensions=roles(*ANY_ROLE))
    information_requests: Connection[InformationRequest] = strawberry.field(
        resolver=information_requests, description=INFORMATION_REQUESTS_DESCRIPTION, extensions=roles(*ANY_ROLE))
    practice_reviews: Connection[PracticeReview] = strawberry.field(
        resolver=review_resolvers.practice_reviews, description=review_resolvers.PRACTICE_REVIEWS_DESCRIPTION,
        extensions=roles(*ANY_ROLE))
    recommendations: Connection[Recommendation] = strawberry.field(
        resolver=review_resolvers.recommendations, description=review_resolvers.RECOMMENDATIONS_DESCRIPTION,
        extensions=roles(*review_resolvers.FOLLOW_UP))
    thematic_reviews: Connection[ThematicReview] = strawberry.field(
        resolver=review_resolvers.thematic_reviews, description=review_resolvers.THEMATIC_REVIEWS_DESCRIPTION,
        extensions=roles(*review_resolvers.PANEL))
    published_reports: Connection[PublishedReport] = strawberry.field(
        resolver=review_resolvers.published_reports, description=review_resolvers.PUBLISHED_REPORTS_DESCRIPTION)
    reviewer_pool: Connection[Reviewer] = strawberry.field(
        resolver=review_resolvers.reviewer_pool_page, description=review_resolvers.REVIEWER_POOL_DESCRIPTION)
    webhook_subscriptions: list[WebhookSubscription] = strawberry.field(
        resolver=webhook_subscriptions, description=SUBSCRIPTIONS_DESCRIPTION, extensions=roles(*ANY_ROLE))
    webhook_deliveries: Connection[WebhookDelivery] = strawberry.field(
        resolver=webhook_deliveries, description=DELIVERIES_DESCRIPTION, extensions=roles(*ANY_ROLE))
    connectors: list[Connector] = strawberry.field(
        resolver=connectors, description=CONNECTORS_DESCRIPTION, extensions=roles(*OWNERS))
    connector_calls: Connection[ConnectorCall] = strawberry.field(
        resolver=connector_calls, description=CALLS_DESCRIPTION, extensions=roles(*OWNERS))
    connector_attempts: Connection[ConnectorAttempt] = strawberry.field(
        resolver=connector_attempts, description=ATTEMPTS_DESCRIPTION, extensions=roles(*OWNERS))
    deadlines: Connection[Deadline] = strawberry.field(
        resolver=deadline_resolvers.deadlines, description=deadline_resolvers.DESCRIPTION,
        extensions=roles(*ANY_ROLE))
    calendar_feeds: list[CalendarFeed] = strawberry.field(
        resolver=calendar_resolvers.calendar_feeds, description=calendar_resolvers.FEEDS_DESCRIPTION,
        extensions=roles(*ANY_ROLE))
    case_access_log: list[AuditAccess] = strawberry.field(
        resolver=case_access_log, description=CASE_ACCESS_LOG_DESCRIPTION, extensions=roles(*LEAD))
    inbox: Connection[RoutedMessage] = strawberry.field(
        resolver=_inbox, description=described(
            "Messages routed to the caller's organisation, newest first; retrieving one records its "
            "delivery. DfE's inbox also holds what is routed to the Secretary of State.", ANY_ROLE),
        extensions=roles(*ANY_ROLE))

    partnership_figures: PartnershipFigures = strawberry.field(
        resolver=figures_resolvers.partnership_figures_of, description=figures_resolvers.DESCRIPTION,
        extensions=roles(*figures_resolvers.PARTNERS))
    incident_statistics: IncidentStatistics = strawberry.field(
        resolver=statistics_resolvers.incident_statistics, description=statistics_resolvers.DESCRIPTION)

    @strawberry.field(
        name="addWorkingDays",
        description="The days-th working day in England after from (footnote 91: not a Saturday, "
        "Sunday or bank holiday; from itself never counts). Public: no token needed.")
    def add_working_days(
        self, from_: Annotated[date, strawberry.argument(name="from", description="The day to count from.")],
        days: Annotated[int, strawberry.argument(description="How many working days; negative counts back.")],
    ) -> date:
        return _add_working_days(from_, days)
