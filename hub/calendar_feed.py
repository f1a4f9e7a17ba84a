"""Calendar feeds: the deadlines an organisation owes, or the Panel tracks, at a secret address (RFC 5545).

A feed is made by one organisation in one role and shows what that principal is shown by the ``deadlines``
query (``hub.reminders.seen_by``, so no rule is written twice): for a partner the deadlines it owes itself,
for the Panel every deadline it tracks. Its address carries a secret of 256 random bits; only the secret's
SHA-256 is kept and it is compared in constant time. A revoked feed is gone at once. An event names the
step, the case's reference, the paragraphs and the organisations that owe it: never a child's details.

The events are plain data here; ``app/calendar.py`` writes them as iCalendar.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from hub.clock import LONDON, Clock
from hub.deadlines import add_working_days
from hub.errors import Problem, Refused, refuse_if
from hub.models import CalendarFeed, Case, Organisation
from hub.policy import Policy
from hub.principal import Principal
from hub.reminders import Deadline, DeadlineKind, seen_by
from hub.statute import rule
from hub.vocabulary import Role

MAX_FEEDS = 20  # live feeds per organisation
MAX_LISTED = 2 * MAX_FEEDS  # what `calendarFeeds` lists: the live feeds and the latest revoked ones
MAX_LABEL = 100
ALARM_WORKING_DAYS = 3
ALARM_AT = time(9, 0)  # in London, on the alarm's day
NOT_FOUND = "no such calendar feed"

STEPS = {
    DeadlineKind.RAPID_REVIEW: "Rapid review due to the Panel",
    DeadlineKind.INFORMATION_REQUEST: "Information requested is due",
    DeadlineKind.PUBLICATION: "Review report due for publication",
    DeadlineKind.RECOMMENDATION: "Recommendation due",
}


@dataclass(frozen=True)
class Event:
    """One deadline as a calendar event: everything an iCalendar writer needs, and nothing about a child."""

    uid: str
    due_on: date
    alarm_at: datetime  # timezone-aware
    summary: str
    description: str
    url: str


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def address(feed_id: str, secret: str) -> str:
    """The path part of a feed's URL: the id, then the secret."""
    return f"/calendar/{feed_id}.{secret}.ics"


async def create(session: AsyncSession, *, clock: Clock, principal: Principal,
                 label: str | None) -> tuple[CalendarFeed, str]:
    """A new feed of the principal's organisation; returns it and its secret (shown this once)."""
    label = label.strip() if label is not None else None
    problems: list[Problem] = []
    if label is not None and len(label) > MAX_LABEL:
        problems.append(Problem("TOO_LONG", ("input", "label"), f"at most {MAX_LABEL} characters"))
    live = (await session.execute(select(func.count()).select_from(CalendarFeed).where(
        col(CalendarFeed.organisation_id) == principal.organisation_id,
        col(CalendarFeed.revoked_at).is_(None)))).scalar_one()
    if live >= MAX_FEEDS:
        problems.append(Problem("TOO_MANY", ("input",), f"at most {MAX_FEEDS} feeds; revoke one first"))
    refuse_if(problems)
    secret = secrets.token_urlsafe(32)
    feed = CalendarFeed(organisation_id=principal.organisation_id, role=principal.role.value, label=label or None,
                        secret_hash=_hash(secret), created_at=clock.now())
    session.add(feed)
    await session.flush()
    return feed, secret


async def revoke(session: AsyncSession, *, clock: Clock, principal: Principal, feed_id: str) -> CalendarFeed:
    """Revoke one of the organisation's feeds: its address answers 404 from now on. Again is no change."""
    found = await session.get(CalendarFeed, feed_id)
    if found is None or found.organisation_id != principal.organisation_id:
        raise Refused([Problem("NOT_FOUND", ("id",), NOT_FOUND)])
    if found.revoked_at is None:
        found.revoked_at = clock.now()
        await session.flush()
    return found


async def of_organisation(session: AsyncSession, principal: Principal) -> list[CalendarFeed]:
    """The organisation's live feeds and its most recently revoked ones, at most ``MAX_LISTED``, oldest first."""
    query = (select(CalendarFeed).where(col(CalendarFeed.organisation_id) == principal.organisation_id)
             .order_by(col(CalendarFeed.revoked_at).is_(None).desc(), col(CalendarFeed.revoked_at).desc(),
                       col(CalendarFeed.id))
             .limit(MAX_LISTED))
    return sorted((await session.execute(query)).scalars(), key=lambda f: (f.created_at, f.id))


async def opened(session: AsyncSession, token: str) -> tuple[CalendarFeed, Principal] | None:
    """The live feed a token (``<id>.<secret>``) opens, with the principal it shows deadlines to; else None."""
    feed_id, _, secret = token.partition(".")
    found = await session.get(CalendarFeed, feed_id) if 0 < len(feed_id) <= 36 and secret else None
    expected = found.secret_hash if found is not None else _hash("")
    matches = hmac.compare_digest(_hash(secret), expected)
    if found is None or not matches or found.revoked_at is not None:
        return None
    organisation = await session.get(Organisation, found.organisation_id)
    if organisation is None:
        return None
    return found, Principal(organisation_id=organisation.id, organisation_code=organisation.code,
                            role=Role(found.role), scopes=())


@rule("calendar-feed-deadlines", "paras 12, 20-21, 24, 37, 41, 43, 50; DOMAIN: who may see what",
      "a calendar feed carries the deadlines its organisation owes (for the Panel, every deadline it tracks), "
      "as the deadlines query shows them, and no child's details")
def owed_in_feed(principal: Principal, shown: list[Deadline]) -> list[Deadline]:
    if principal.role is Role.PANEL:
        return shown
    return [d for d in shown if principal.organisation_id in d.owed_by]


@rule("calendar-feed-alarm", "footnote 91",
      "a calendar feed's reminder is three working days before each due date, at 09:00 in England")
def alarm_at(due_on: date) -> datetime:
    return datetime.combine(add_working_days(due_on, -ALARM_WORKING_DAYS), ALARM_AT, tzinfo=LONDON)


def uid(deadline: Deadline) -> str:
    """The same deadline keeps its UID: the rapid review's is its notification's before and after the start."""
    return f"{deadline.kind.value.lower().replace('_', '-')}-{deadline.notice_subject}@cspr-hub"


async def events(session: AsyncSession, principal: Principal, *, today: date, policy: Policy,
                 public_url: str) -> list[Event]:
    """The feed's events, soonest due first."""
    owed = owed_in_feed(principal, await seen_by(session, principal, today=today, policy=policy))
    case_ids = sorted({d.case_id for d in owed})
    org_ids = sorted({o for d in owed for o in d.owed_by})
    references = dict((await session.execute(select(col(Case.id), col(Case.reference))
                                             .where(col(Case.id).in_(case_ids)))).all()) if case_ids else {}
    names = dict((await session.execute(select(col(Organisation.id), col(Organisation.name))
                                        .where(col(Organisation.id).in_(org_ids)))).all()) if org_ids else {}
    found = []
    for d in owed:
        reference = references.get(d.case_id, "")
        link = f"{public_url}/console/cases/{d.case_id}"
        owers = ", ".join(sorted(names.get(o, o) for o in d.owed_by))
        found.append(Event(
            uid=uid(d), due_on=d.due_on, alarm_at=alarm_at(d.due_on),
            summary=f"{STEPS[d.kind]}: case {reference}",
            description=f"{STEPS[d.kind]} on case {reference}, by {d.due_on:%A} {d.due_on.day} {d.due_on:%B %Y} "
                        f"({d.basis}).\n"
                        f"Owed by: {owers}.\n{link}",
            url=link))
    return found
