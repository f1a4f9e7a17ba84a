"""Deadlines owed on each case, and the reminders that they approach or were missed.

The deadlines of DOMAIN.md that the hub tracks: the rapid review to the
Panel (notification + 15 working days, paras 20-21, owed from the notification
itself, before the review is started), each information
request's own due date (paras 24, 35), a review's publication (decision + 6
months, paras 41, 50) and each recommendation's own date (paras 37, 43). A missed deadline is a fact recorded
and routed (``deadline.missed``), never a reason to refuse the late step.
Each notice is sent once: its row is the lock (``DeadlineNotice``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import Enum

from sqlalchemy import Select, false, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from hub import events, organisations, routing
from hub.clock import Clock, today_in_england
from hub.deadlines import add_working_days
from hub.models import (
    Case,
    DeadlineNotice,
    InformationAddressee,
    InformationRequest,
    Notification,
    Organisation,
    PracticeReview,
    RapidReview,
    Recommendation,
)
from hub.policy import Policy
from hub.principal import Principal
from hub.rapid_review import rapid_review_due_on
from hub.statute import rule
from hub.visibility import may_see_case_record, visible_cases
from hub.vocabulary import (
    CaseStatus,
    EventType,
    InformationRequestStatus,
    OrganisationKind,
    PracticeReviewStatus,
    RapidReviewStatus,
    RecommendationStatus,
)

DEFAULT_POLICY = Policy()
RAPID_REVIEW_BASIS = "WT2018 ch4 paras 20-21"
UNPUBLISHED = (PracticeReviewStatus.COMMISSIONED.value, PracticeReviewStatus.REPORT_SUBMITTED.value,
               PracticeReviewStatus.PUBLICATION_SCHEDULED.value)


class DeadlineKind(str, Enum):
    RAPID_REVIEW = "RAPID_REVIEW"
    INFORMATION_REQUEST = "INFORMATION_REQUEST"
    PUBLICATION = "PUBLICATION"
    RECOMMENDATION = "RECOMMENDATION"


NOTICE = {EventType.DEADLINE_APPROACHING: "APPROACHING", EventType.DEADLINE_MISSED: "MISSED"}


@dataclass(frozen=True)
class Deadline:
    kind: DeadlineKind
    subject_id: str
    case_id: str
    due_on: date
    basis: str
    owed_by: tuple[str, ...]  # organisation ids
    variant: routing.Variant
    area: str | None = None  # the partnership told as the area's partners, if not the case's lead
    clock_id: str | None = None  # what its notices are kept under, if not the subject (see ``notice_subject``)

    @property
    def notice_subject(self) -> str:
        """The one identity of a deadline's notices: the rapid review's clock is its notification's before and
        after the review starts, so a reminder sent before the start is not sent again after it."""
        return self.clock_id or self.subject_id


CaseIds = Sequence[str] | Select[str]  # ids, or a statement selecting them (evaluated by the database)


async def open_deadlines(session: AsyncSession, *, today: date, policy: Policy, case_ids: CaseIds | None = None,
                         owed_by: str | None = None) -> list[Deadline]:
    """Every deadline still owed (not yet met), oldest due first: on these cases, and (``owed_by``) the
    recommendations an organisation owes on cases it does not otherwise see."""
    found = (await _rapid_reviews(session, case_ids)
             + await _notified_awaiting_rapid_review(session, case_ids, today, policy)
             + await _information_requests(session, case_ids)
             + await _reviewer_requests(session, case_ids)
             + await _publications(session, case_ids, today) + await _recommendations(session, case_ids, owed_by))
    return sorted(found, key=lambda d: (d.due_on, d.subject_id))


async def seen_by(session: AsyncSession, principal: Principal, *, today: date, policy: Policy) -> list[Deadline]:
    """The deadlines a principal is shown (the ``deadlines`` query, calendar feeds): partners and the Panel see
    every deadline of the cases they see; other roles the ones they owe there, and the recommendations they owe."""
    visible = await visible_cases(session, principal, today)
    # a subquery, not the ids: the Panel sees every notified case, too many to carry as parameters
    owed = await open_deadlines(session, today=today, policy=policy, case_ids=select(col(Case.id)).where(visible),
                                owed_by=principal.organisation_id)
    full = may_see_case_record(principal)
    return [d for d in owed if full or principal.organisation_id in d.owed_by]


async def _rapid_reviews(session: AsyncSession, case_ids: CaseIds | None) -> list[Deadline]:
    """A rapid review being written: owed by the local authority that started it (paras 20-21)."""
    query = (select(RapidReview, col(Notification.id))
             .join(Notification, col(Notification.case_id) == col(RapidReview.case_id))
             .where(col(RapidReview.status) == RapidReviewStatus.IN_PROGRESS.value))
    if case_ids is not None:
        query = query.where(col(RapidReview.case_id).in_(case_ids))
    return [Deadline(DeadlineKind.RAPID_REVIEW, r.id, r.case_id, r.due_on, RAPID_REVIEW_BASIS,
                     (r.started_by_id,), routing.Variant.RAPID_REVIEW_DEADLINE, clock_id=notification_id)
            for r, notification_id in (await session.execute(query)).all()]


@rule("rapid-review-clock", "para 12; paras 20-21; Panel practice guidance",
      "the rapid review's 15 working days run from the notification to the Panel, before anyone starts the "
      "review; a notification that does not reach the Panel, or is withdrawn, starts no clock")
async def _notified_awaiting_rapid_review(session: AsyncSession, case_ids: CaseIds | None, today: date,
                                          policy: Policy) -> list[Deadline]:
    """A case notified to the Panel with no rapid review yet: the review is owed all the same, by the notifier
    (or, after a hand-off, by the local authorities of the area now leading)."""
    query = (select(Notification, Case)
             .join(Case, col(Case.id) == col(Notification.case_id))
             .outerjoin(RapidReview, col(RapidReview.case_id) == col(Notification.case_id))
             .where(col(Notification.to_panel).is_(True), col(RapidReview.id).is_(None),
                    col(Case.status) == CaseStatus.NOTIFIED.value))
    if case_ids is not None:
        query = query.where(col(Notification.case_id).in_(case_ids))
    found = list((await session.execute(query)).all())
    leads = sorted({case.lead_partnership_id for _, case in found})
    members = await organisations.members_of(session, leads, today) if leads else {}
    return [Deadline(DeadlineKind.RAPID_REVIEW, note.id, case.id,
                     rapid_review_due_on(notified_on=note.submitted_on, aware_on=case.aware_on, policy=policy),
                     RAPID_REVIEW_BASIS, _leading_authorities(note, members.get(case.lead_partnership_id, [])),
                     routing.Variant.RAPID_REVIEW_DEADLINE, clock_id=note.id)
            for note, case in found]


def _leading_authorities(note: Notification, lead: list[Organisation]) -> tuple[str, ...]:
    """Who starts the rapid review: the notifier while it leads, else the lead area's local authorities."""
    authorities = [o.id for o in lead if o.kind == OrganisationKind.LOCAL_AUTHORITY.value]
    return (note.notified_by_id,) if note.notified_by_id in authorities else tuple(authorities)


async def _information_requests(session: AsyncSession, case_ids: CaseIds | None) -> list[Deadline]:
    query = (select(InformationRequest, col(InformationAddressee.organisation_id))
             .join(InformationAddressee, col(InformationAddressee.request_id) == col(InformationRequest.id))
             .where(col(InformationRequest.status) == InformationRequestStatus.OPEN.value,
                    col(InformationAddressee.answered_at).is_(None)))
    if case_ids is not None:
        query = query.where(col(InformationRequest.case_id).in_(case_ids))
    owed: dict[str, tuple[InformationRequest, list[str]]] = {}
    for request, organisation_id in (await session.execute(query)).all():
        owed.setdefault(request.id, (request, []))[1].append(organisation_id)
    return [Deadline(DeadlineKind.INFORMATION_REQUEST, r.id, r.case_id, r.due_on, "WT2018 ch4 paras 24, 35",
                     tuple(sorted(who)), routing.Variant.INFORMATION_DEADLINE) for r, who in owed.values()]


async def _reviewer_requests(session: AsyncSession, case_ids: CaseIds | None) -> list[Deadline]:
    """A written request to a reviewer (para 35): the reviewer has no inbox, so its askers are reminded."""
    query = select(InformationRequest).where(col(InformationRequest.status) == InformationRequestStatus.OPEN.value,
                                             col(InformationRequest.reviewer_id).is_not(None))
    if case_ids is not None:
        query = query.where(col(InformationRequest.case_id).in_(case_ids))
    return [Deadline(DeadlineKind.INFORMATION_REQUEST, r.id, r.case_id, r.due_on, "WT2018 ch4 para 35",
                     (r.requested_by_id,), routing.Variant.INFORMATION_DEADLINE)
            for r in (await session.execute(query)).scalars()]


async def _publications(session: AsyncSession, case_ids: CaseIds | None, today: date) -> list[Deadline]:
    """Owed by the commissioners: the partners of a local review's area (para 30), or the Panel."""
    query = select(PracticeReview).where(col(PracticeReview.status).in_(UNPUBLISHED))
    if case_ids is not None:
        query = query.where(col(PracticeReview.case_id).in_(case_ids))
    reviews = list((await session.execute(query)).scalars())
    areas = {r.partnership_id for r in reviews if r.partnership_id}
    members = await organisations.members_of(session, sorted(areas), today) if areas else {}
    return [Deadline(DeadlineKind.PUBLICATION, r.id, r.case_id, r.publication_due_on, "WT2018 ch4 paras 41, 50",
                     tuple(o.id for o in members.get(r.partnership_id, [])) if r.partnership_id
                     else (r.commissioned_by_id,), routing.Variant.PUBLICATION_DEADLINE, r.partnership_id)
            for r in reviews]


async def _recommendations(session: AsyncSession, case_ids: CaseIds | None, owed_by: str | None) -> list[Deadline]:
    query = (select(Recommendation, PracticeReview)
             .join(PracticeReview, col(PracticeReview.id) == col(Recommendation.review_id))
             .where(col(Recommendation.status) != RecommendationStatus.COMPLETED.value))
    if case_ids is not None:
        mine = col(Recommendation.addressee_id) == owed_by if owed_by else false()
        query = query.where(or_(col(PracticeReview.case_id).in_(case_ids), mine))
    return [Deadline(DeadlineKind.RECOMMENDATION, r.id, review.case_id, r.due_on, "WT2018 ch4 paras 37, 43",
                     (r.addressee_id,), routing.Variant.RECOMMENDATION_DEADLINE, review.partnership_id)
            for r, review in (await session.execute(query)).all()]


@rule("deadline-reminders", "para 12; paras 20-21, 24; footnote 91",
      "each deadline's approach (a configurable number of working days before) and miss is announced once, "
      "to whoever owes the step and, where it is the Panel's business, to the Panel")
def notice_due(deadline: Deadline, today: date, *, warn_working_days: int) -> EventType | None:
    if today > deadline.due_on:
        return EventType.DEADLINE_MISSED
    if today >= add_working_days(deadline.due_on, -warn_working_days):
        return EventType.DEADLINE_APPROACHING
    return None


async def _announce(session: AsyncSession, deadline: Deadline, event: EventType, clock: Clock, today: date) -> None:
    session.add(DeadlineNotice(subject_id=deadline.notice_subject, kind=deadline.kind.value, notice=NOTICE[event],
                               case_id=deadline.case_id, due_on=deadline.due_on, sent_at=clock.now()))
    await session.flush()  # a second worker announcing the same notice fails here, and sends nothing
    case = await session.get(Case, deadline.case_id)
    assert case is not None
    owers = list((await session.execute(select(Organisation).where(col(Organisation.id).in_(deadline.owed_by)))).scalars())
    named = owers + await _requester(session, deadline, event)
    await routing.dispatch(session, event=event, case=case, subject_id=deadline.subject_id, sender_id=None,
                           at=clock.now(), today=today, due=deadline.due_on, variant=deadline.variant, named=named,
                           area=deadline.area)
    events.record(session, case_id=case.id, event=event, actor_id=None, at=clock.now(),
                  data={"deadline": deadline.kind.value, "subjectId": deadline.subject_id,
                        "dueOn": deadline.due_on.isoformat()})


async def _requester(session: AsyncSession, deadline: Deadline, event: EventType) -> list[Organisation]:
    if deadline.kind is not DeadlineKind.INFORMATION_REQUEST or event is not EventType.DEADLINE_MISSED:
        return []
    request = await session.get(InformationRequest, deadline.subject_id)
    asker = await session.get(Organisation, request.requested_by_id) if request else None
    return [asker] if asker else []


async def sweep(sessions: async_sessionmaker[AsyncSession], *, clock: Clock, warn_working_days: int,
                policy: Policy = DEFAULT_POLICY) -> int:
    """Announce every notice now due and not yet sent; returns how many were sent."""
    today = today_in_england(clock)
    async with sessions() as session:
        owed = await open_deadlines(session, today=today, policy=policy)
        subjects = [d.notice_subject for d in owed]
        sent = {(n.subject_id, n.notice) for n in (await session.execute(select(DeadlineNotice).where(
            col(DeadlineNotice.subject_id).in_(subjects)))).scalars()}
    count = 0
    for deadline in owed:
        event = notice_due(deadline, today, warn_working_days=warn_working_days)
        if event is None or (deadline.notice_subject, NOTICE[event]) in sent:
            continue
        try:
            async with sessions() as session, session.begin():
                await _announce(session, deadline, event, clock, today)
            count += 1
        except IntegrityError:
            continue  # another worker announced it first
    return count
