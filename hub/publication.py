"""Publishing a review's report, or the information about improvements instead (paras 38-41, 47-51).

Pre-publication copies go out at least seven working days before the date of
publication: for a local review to the Panel, the Secretary of State and Ofsted
(para 40); for a national review to the Secretary of State (para 49). The
publication is recorded no earlier than that, and stays publicly available for
at least one year (local, para 38) or three (national, para 49). Where
publishing the report is inappropriate, the justification goes to the Panel and
the Secretary of State and the improvements information is published instead,
with the same notice and availability (paras 38, 40-41, 47, 49-50). A delay
caused by other proceedings is reported with its reasons (paras 41, 50). A
publication stays public until its publisher removes it, which it may do from
``available_until`` on (paras 38, 49).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlsplit

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from hub import events, routing
from hub.case import MAX_REASON, MAX_SUMMARY, check_text
from hub.clock import Clock, today_in_england
from hub.deadlines import available_until, earliest_publication
from hub.errors import Problem, refuse_if
from hub.models import Organisation, PracticeReview, PublicationDelay, RoutedMessage
from hub.naming import naming_problems
from hub.practice_review import ReviewStatus, children_of, find_supervised, variant
from hub.principal import Principal
from hub.recommendation import all_completed
from hub.statute import rule
from hub.visibility import inbox_codes, may_see_case_record
from hub.vocabulary import EventType, ReviewKind, Role

NOT_YET_PUBLISHED = (ReviewStatus.COMMISSIONED.value, ReviewStatus.REPORT_SUBMITTED.value,
                     ReviewStatus.PUBLICATION_SCHEDULED.value)


@dataclass(frozen=True)
class Withholding:
    justification: str
    improvements_information: str
    publish_on: date


def _status_problems(review: PracticeReview, *, allowed: tuple[str, ...]) -> list[Problem]:
    if review.status in allowed:
        return []
    if review.status == ReviewStatus.COMMISSIONED.value:
        return [Problem("REPORT_NOT_SUBMITTED", ("reviewId",), "the final report has not been submitted")]
    if review.status in (ReviewStatus.PUBLISHED.value, ReviewStatus.CLOSED.value):
        return [Problem("ALREADY_PUBLISHED", ("reviewId",), "the review was already published")]
    return [Problem("NOT_SCHEDULED", ("reviewId",),
                    "send the pre-publication copies first (schedulePublication or withholdPublication)")]


def _notice_problems(publish_on: date, copies_sent_on: date, field: tuple[str, ...]) -> list[Problem]:
    earliest = earliest_publication(copies_sent_on)
    if publish_on < earliest:
        return [Problem("NOTICE_TOO_SHORT", field,
                        f"copies sent on {copies_sent_on.isoformat()} allow publication from {earliest.isoformat()} "
                        "at the earliest: seven working days' notice (paras 40, 49)")]
    return []


async def _tell(session: AsyncSession, *, event: EventType, review: PracticeReview, principal: Principal,
                clock: Clock, due: date | None, data: dict[str, object]) -> None:
    from hub.models import Case

    case = await session.get(Case, review.case_id)
    assert case is not None
    at, today = clock.now(), today_in_england(clock)
    await routing.dispatch(session, event=event, case=case, subject_id=review.id, sender_id=principal.organisation_id,
                           at=at, today=today, due=due, variant=variant(review), area=review.partnership_id)
    events.record(session, case_id=case.id, event=event, actor_id=principal.organisation_id, at=at,
                  data={"reviewId": review.id, **data})


@rule("prepublication-copies", "paras 40, 49",
      "scheduling publication sends the pre-publication copies (local: Panel, Secretary of State, Ofsted; "
      "national: Secretary of State) and refuses a date fewer than seven working days after them")
async def schedule(session: AsyncSession, *, clock: Clock, principal: Principal, review_id: str,
                   publish_on: date) -> PracticeReview:
    today = today_in_england(clock)
    review, _ = await find_supervised(session, principal=principal, review_id=review_id, today=today)
    problems = _status_problems(review, allowed=(ReviewStatus.REPORT_SUBMITTED.value,
                                                 ReviewStatus.PUBLICATION_SCHEDULED.value))
    copies_on = review.copies_sent_on or today
    problems += _notice_problems(publish_on, copies_on, ("publishOn",))
    refuse_if(problems)
    first = review.copies_sent_on is None
    review.copies_sent_on, review.scheduled_publication_on = copies_on, publish_on
    review.status = ReviewStatus.PUBLICATION_SCHEDULED.value
    await session.flush()
    await _tell(session, event=EventType.REPORT_PREPUBLICATION_SENT, review=review, principal=principal, clock=clock,
                due=publish_on, data={"publishOn": publish_on.isoformat(), "rescheduled": not first,
                                      "content": "IMPROVEMENTS_INFORMATION" if review.withheld else "FULL_REPORT"})
    return review


@rule("withhold-publication", "paras 38, 40-41, 47, 49-50",
      "not publishing the report needs a justification, sent to the Panel and the Secretary of State, and the "
      "improvements information to publish instead, with the same notice and availability")
async def withhold(session: AsyncSession, *, clock: Clock, principal: Principal, review_id: str,
                   withholding: Withholding) -> PracticeReview:
    today = today_in_england(clock)
    review, case = await find_supervised(session, principal=principal, review_id=review_id, today=today)
    problems = _status_problems(review, allowed=(ReviewStatus.REPORT_SUBMITTED.value,
                                                 ReviewStatus.PUBLICATION_SCHEDULED.value))
    problems += check_text(withholding.justification, ("input", "justification"), required=True, limit=MAX_REASON)
    problems += check_text(withholding.improvements_information, ("input", "improvementsInformation"), required=True,
                           limit=MAX_SUMMARY)
    problems += naming_problems([(("input", "improvementsInformation"), withholding.improvements_information)],
                                await children_of(session, case.id), justification=None)
    problems += _notice_problems(withholding.publish_on, today, ("input", "publishOn"))  # new content: new copies
    refuse_if(problems)
    review.withheld, review.withheld_justification = True, withholding.justification
    review.improvements_information = withholding.improvements_information
    review.copies_sent_on, review.scheduled_publication_on = today, withholding.publish_on
    review.status = ReviewStatus.PUBLICATION_SCHEDULED.value
    await session.flush()
    await _tell(session, event=EventType.REPORT_WITHHELD, review=review, principal=principal, clock=clock,
                due=withholding.publish_on, data={"publishOn": withholding.publish_on.isoformat()})
    return review


def check_url(url: str | None) -> list[Problem]:
    if url is None:
        return []
    parts = urlsplit(url)
    if len(url) > 2000 or parts.scheme not in ("https", "http") or not parts.netloc:
        return [Problem("INVALID_URL", ("input", "url"), "give the public http(s) address of the publication")]
    return []


@rule("publish-report", "paras 38, 47, 49, 51",
      "publication is recorded no earlier than the end of the notice; it stays available one year (local) or "
      "three (national); national reports go to the partners, Ofsted, CQC and HMICFRS, and every published "
      "report to the What Works Centre and the inspectorates")
async def publish(session: AsyncSession, *, clock: Clock, principal: Principal, review_id: str, published_on: date,
                  url: str | None) -> PracticeReview:
    today, at = today_in_england(clock), clock.now()
    review, _ = await find_supervised(session, principal=principal, review_id=review_id, today=today)
    problems = _status_problems(review, allowed=(ReviewStatus.PUBLICATION_SCHEDULED.value,))
    if review.copies_sent_on is not None:
        problems += _notice_problems(published_on, review.copies_sent_on, ("input", "publishedOn"))
    if published_on > today:
        problems.append(Problem("PUBLISHED_IN_FUTURE", ("input", "publishedOn"),
                                "record a publication once it has happened"))
    problems += check_url(url)
    refuse_if(problems)
    review.published_on, review.published_url = published_on, url
    review.available_until = available_until(published_on, national=review.kind == ReviewKind.NATIONAL.value)
    review.status = ReviewStatus.PUBLISHED.value
    if await all_completed(session, review.id):
        review.status, review.closed_at = ReviewStatus.CLOSED.value, at
    await session.flush()
    await _tell(session, event=EventType.REPORT_PUBLISHED, review=review, principal=principal, clock=clock, due=None,
                data={"publishedOn": published_on.isoformat(), "availableUntil": review.available_until.isoformat(),
                      "content": "IMPROVEMENTS_INFORMATION" if review.withheld else "FULL_REPORT"})
    return review


@rule("publication-delay", "paras 41, 50",
      "a publication delayed by other proceedings is reported with its reasons: local to the Panel and the "
      "Secretary of State, national to the Secretary of State")
async def delay(session: AsyncSession, *, clock: Clock, principal: Principal, review_id: str, reason: str,
                details: str | None) -> PracticeReview:
    today, at = today_in_england(clock), clock.now()
    review, _ = await find_supervised(session, principal=principal, review_id=review_id, today=today)
    problems = _status_problems(review, allowed=NOT_YET_PUBLISHED)
    problems += check_text(reason, ("input", "reason"), required=True, limit=MAX_REASON)
    problems += check_text(details, ("input", "details"), required=False, limit=MAX_SUMMARY)
    refuse_if(problems)
    session.add(PublicationDelay(review_id=review.id, reason=reason, details=details or None,
                                 recorded_by_id=principal.organisation_id, recorded_at=at))
    await session.flush()
    await _tell(session, event=EventType.PUBLICATION_DELAYED, review=review, principal=principal, clock=clock,
                due=None, data={"publicationDueOn": review.publication_due_on.isoformat()})
    return review


@rule("remove-published-report", "paras 38, 49",
      "a published report (or the improvements information) stays publicly available until its publisher removes "
      "it; removal is refused before availableUntil, at least one year (local) or three years (national) on")
async def remove(session: AsyncSession, *, clock: Clock, principal: Principal, review_id: str,
                 reason: str) -> PracticeReview:
    today, at = today_in_england(clock), clock.now()
    review, case = await find_supervised(session, principal=principal, review_id=review_id, today=today)
    problems = check_text(reason, ("reason",), required=True, limit=MAX_REASON)
    if review.published_on is None or review.available_until is None:
        problems.append(Problem("NOT_PUBLISHED", ("reviewId",), "nothing has been published to remove"))
    elif review.removed_on is not None:
        problems.append(Problem("ALREADY_REMOVED", ("reviewId",),
                                f"it was removed on {review.removed_on.isoformat()}"))
    elif today < review.available_until:
        problems.append(Problem("AVAILABILITY_PERIOD_NOT_ENDED", ("reviewId",),
                                f"it must stay publicly available until {review.available_until.isoformat()} at "
                                "least (one year for a local review, para 38; three for a national one, para 49)"))
    refuse_if(problems)
    review.removed_on, review.removal_reason = today, reason
    await session.flush()
    events.record(session, case_id=case.id, event=EventType.REPORT_REMOVED, actor_id=principal.organisation_id,
                  at=at, data={"reviewId": review.id, "removedOn": today.isoformat(),
                               "availableUntil": review.available_until.isoformat() if review.available_until else None})
    return review


def publicly_available(today: date) -> ColumnElement[bool]:
    """Reviews whose report (or improvements information) is published and not removed by its publisher: the
    minimum period (paras 38, 49) is when removal becomes possible, not a take-down date."""
    return and_(col(PracticeReview.published_on).is_not(None), col(PracticeReview.published_on) <= today,
                col(PracticeReview.removed_on).is_(None))


def published_text(review: PracticeReview) -> str:
    """What the public reads: the improvements information of a withheld report, never the report itself."""
    if review.withheld:
        return review.improvements_information or ""
    if review.publication_text:
        return review.publication_text
    return f"{review.improvements_summary}\n\n{review.systemic_analysis}"


async def notices_received(session: AsyncSession, principal: Principal,
                           review_ids: Sequence[str]) -> dict[str, frozenset[str]]:
    """The review events routed to the caller's inbox, per review: one statement, whatever their number."""
    if not review_ids:
        return {}
    recipients = select(col(Organisation.id)).where(col(Organisation.code).in_(inbox_codes(principal)))
    rows = await session.execute(select(col(RoutedMessage.subject_id), col(RoutedMessage.event_type)).where(
        col(RoutedMessage.subject_id).in_(review_ids), col(RoutedMessage.recipient_id).in_(recipients)).distinct())
    found: dict[str, set[str]] = {}
    for subject, event in rows.all():
        if subject is not None:
            found.setdefault(subject, set()).add(event)
    return {subject: frozenset(events) for subject, events in found.items()}


FULL_REPORT_COPIES = frozenset({EventType.REPORT_PREPUBLICATION_SENT.value, EventType.REPORT_PUBLISHED.value})
SECRETARY_OF_STATE_COPIES = frozenset({EventType.REPORT_PREPUBLICATION_SENT.value, EventType.REPORT_WITHHELD.value})


@rule("visibility-final-report", "paras 40, 49, 51; DOMAIN: who may see what",
      "a final report is read by the partners and the Panel; the Secretary of State (through DfE) from its copy; "
      "Ofsted and the bodies told of publication only while the report itself is what is published")
def may_read_report(principal: Principal, review: PracticeReview, received: frozenset[str]) -> bool:
    if may_see_case_record(principal):
        return True
    if principal.role is Role.DFE and received & SECRETARY_OF_STATE_COPIES:
        return True  # paras 40, 49: the full report goes to the Secretary of State even when withheld
    return not review.withheld and bool(received & FULL_REPORT_COPIES)


@rule("visibility-publication-delays", "paras 41, 50; DOMAIN: who may see what",
      "the reasons for a delay are for the partners, the Panel and the Secretary of State they were sent to")
def may_read_delays(principal: Principal, received: frozenset[str]) -> bool:
    return may_see_case_record(principal) or EventType.PUBLICATION_DELAYED.value in received
