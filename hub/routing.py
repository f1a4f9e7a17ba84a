"""Who must be told what, by when, and which paragraph says so.

The routing table of DOMAIN.md as data. Each ``Route`` names an audience
(a national body, or the safeguarding partners of an area), the basis that
requires the hand-over, and how its due date is counted. ``route`` turns the
rows for one event into ``RoutedMessage`` rows, one per recipient.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum

from sqlalchemy.ext.asyncio import AsyncSession

from hub import events
from hub.deadlines import notification_due_on
from hub.models import Case, Organisation, RoutedMessage
from hub.statute import cite, declare
from hub.vocabulary import EventType


class Audience(str, Enum):
    PANEL = "PANEL"
    OFSTED = "OFSTED"
    DFE = "DFE"
    SOS = "SOS"
    CQC = "CQC"
    HMICFRS = "HMICFRS"
    WWCSC = "WWCSC"
    AREA_PARTNERS = "AREA_PARTNERS"  # the lead partnership's members
    OTHER_AREA_PARTNERS = "OTHER_AREA_PARTNERS"  # members of the involved partnerships
    NAMED = "NAMED"  # the organisations a request names (paras 24, 35)


NATIONAL_CODES = {
    Audience.PANEL: "PANEL",
    Audience.OFSTED: "OFSTED",
    Audience.DFE: "DFE",
    Audience.SOS: "SOS",
    Audience.CQC: "CQC",
    Audience.HMICFRS: "HMICFRS",
    Audience.WWCSC: "WWCSC",
}


class Due(str, Enum):
    AWARE_PLUS_5 = "awareOn + 5 working days"  # para 12
    ON_RECEIPT = "on receipt"
    GIVEN = "the step's own due date"
    NONE = "no deadline set"


class Variant(str, Enum):
    """Which rows of an event apply: some events route differently by case."""

    ANY = "ANY"
    CARE_LEAVER = "CARE_LEAVER"
    DIED_IN_OTHER_AREA = "DIED_IN_OTHER_AREA"  # a looked-after child who died in another English area
    NATIONAL_REVIEW = "NATIONAL_REVIEW"
    LOCAL_REVIEW = "LOCAL_REVIEW"
    PARA_19_REVIEW = "PARA_19_REVIEW"  # commissioning a local review of a case not notified to the Panel (para 19)
    PUBLICATION_DEADLINE = "PUBLICATION_DEADLINE"
    RECOMMENDATION_DEADLINE = "RECOMMENDATION_DEADLINE"
    RAPID_REVIEW_DEADLINE = "RAPID_REVIEW_DEADLINE"
    INFORMATION_DEADLINE = "INFORMATION_DEADLINE"


@dataclass(frozen=True)
class Route:
    rule_id: str
    event: EventType
    audience: Audience
    basis: str
    due: Due
    variant: Variant = Variant.ANY


CARE_LEAVER_BASIS = "Working Together 2023: death of a care leaver up to age 25"
DIED_IN_OTHER_AREA_BASIS = "Children Act 2004 s16C(1)(a); " + cite("para 13, footnote 77")

ROUTES: tuple[Route, ...] = (
    Route("route-notification-to-panel", EventType.NOTIFICATION_SUBMITTED, Audience.PANEL,
          "Children Act 2004 s16C; " + cite("para 12"), Due.AWARE_PLUS_5),
    Route("route-notification-copy-to-ofsted", EventType.NOTIFICATION_SUBMITTED, Audience.OFSTED,
          cite("footnote 76"), Due.ON_RECEIPT),
    Route("route-notification-copy-to-dfe", EventType.NOTIFICATION_SUBMITTED, Audience.DFE,
          cite("footnote 76"), Due.ON_RECEIPT),
    Route("route-notification-to-area-partners", EventType.NOTIFICATION_SUBMITTED,
          Audience.AREA_PARTNERS, cite("para 12"), Due.AWARE_PLUS_5),
    Route("route-notification-to-other-areas", EventType.NOTIFICATION_SUBMITTED,
          Audience.OTHER_AREA_PARTNERS, cite("para 12, footnote 77; para 18"), Due.AWARE_PLUS_5),
    # paras 10-12: a notification found not to meet the criteria is withdrawn to everyone it reached
    Route("route-notification-withdrawn-to-recipients", EventType.NOTIFICATION_WITHDRAWN, Audience.NAMED,
          cite("para 12"), Due.ON_RECEIPT),
    Route("route-looked-after-death-to-sos", EventType.LOOKED_AFTER_DEATH_NOTIFIED, Audience.SOS,
          cite("para 13"), Due.AWARE_PLUS_5),
    Route("route-looked-after-death-to-ofsted", EventType.LOOKED_AFTER_DEATH_NOTIFIED,
          Audience.OFSTED, cite("para 13"), Due.AWARE_PLUS_5),
    Route("route-care-leaver-death-to-sos", EventType.LOOKED_AFTER_DEATH_NOTIFIED, Audience.SOS,
          CARE_LEAVER_BASIS, Due.AWARE_PLUS_5, Variant.CARE_LEAVER),
    Route("route-care-leaver-death-to-ofsted", EventType.LOOKED_AFTER_DEATH_NOTIFIED,
          Audience.OFSTED, CARE_LEAVER_BASIS, Due.AWARE_PLUS_5, Variant.CARE_LEAVER),
    # s16C(1)(a): the Panel notification is the area's where the child died; its LA and partners are told
    Route("route-looked-after-death-to-died-in-authority", EventType.LOOKED_AFTER_DEATH_NOTIFIED,
          Audience.NAMED, DIED_IN_OTHER_AREA_BASIS, Due.AWARE_PLUS_5, Variant.DIED_IN_OTHER_AREA),
    Route("route-looked-after-death-to-died-in-area-partners", EventType.LOOKED_AFTER_DEATH_NOTIFIED,
          Audience.OTHER_AREA_PARTNERS, DIED_IN_OTHER_AREA_BASIS, Due.AWARE_PLUS_5, Variant.DIED_IN_OTHER_AREA),
    Route("route-referral-to-area-partners", EventType.INCIDENT_REFERRED, Audience.AREA_PARTNERS,
          cite("para 14"), Due.NONE),
    Route("route-rapid-review-started-to-partners", EventType.RAPID_REVIEW_STARTED,
          Audience.AREA_PARTNERS, cite("para 20"), Due.GIVEN),
    Route("route-rapid-review-to-panel", EventType.RAPID_REVIEW_SUBMITTED, Audience.PANEL,
          cite("para 21"), Due.GIVEN),
    Route("route-local-review-decision-to-panel", EventType.REVIEW_DECIDED, Audience.PANEL,
          cite("para 21"), Due.ON_RECEIPT),
    Route("route-local-review-decision-to-ofsted", EventType.REVIEW_DECIDED, Audience.OFSTED,
          cite("para 21"), Due.ON_RECEIPT),
    Route("route-local-review-decision-to-dfe", EventType.REVIEW_DECIDED, Audience.DFE,
          cite("para 21"), Due.ON_RECEIPT),
    Route("route-panel-response-to-partners", EventType.PANEL_RESPONDED, Audience.AREA_PARTNERS,
          cite("para 25"), Due.ON_RECEIPT),
    Route("route-panel-response-to-other-areas", EventType.PANEL_RESPONDED,
          Audience.OTHER_AREA_PARTNERS, cite("para 25"), Due.ON_RECEIPT),
    Route("route-national-review-to-partners", EventType.PANEL_RESPONDED, Audience.AREA_PARTNERS,
          cite("para 25"), Due.ON_RECEIPT, Variant.NATIONAL_REVIEW),
    Route("route-national-review-to-other-areas", EventType.PANEL_RESPONDED,
          Audience.OTHER_AREA_PARTNERS, cite("para 25"), Due.ON_RECEIPT, Variant.NATIONAL_REVIEW),
    Route("route-national-review-to-sos", EventType.PANEL_RESPONDED, Audience.SOS,
          cite("para 26"), Due.ON_RECEIPT, Variant.NATIONAL_REVIEW),
    Route("route-information-request-to-addressees", EventType.INFORMATION_REQUESTED,
          Audience.NAMED, cite("paras 24, 35"), Due.GIVEN),
    Route("route-information-answer-to-requester", EventType.INFORMATION_ANSWERED,
          Audience.NAMED, cite("para 24"), Due.ON_RECEIPT),
    Route("route-handoff-requested-to-lead", EventType.CASE_HANDOFF_REQUESTED, Audience.AREA_PARTNERS,
          cite("para 12, footnote 77"), Due.NONE),
    Route("route-handoff-requested-to-receiving", EventType.CASE_HANDOFF_REQUESTED, Audience.NAMED,
          cite("para 12, footnote 77"), Due.NONE),
    Route("route-handoff-accepted", EventType.CASE_HANDOFF_ACCEPTED, Audience.NAMED,
          cite("para 12, footnote 77"), Due.ON_RECEIPT),
    Route("route-handoff-declined", EventType.CASE_HANDOFF_DECLINED, Audience.NAMED,
          cite("para 12, footnote 77"), Due.ON_RECEIPT),
    # practice reviews (paras 21, 28, 30-51); LOCAL and NATIONAL route differently
    Route("route-local-review-commissioned-to-panel", EventType.REVIEW_COMMISSIONED, Audience.PANEL,
          cite("para 21"), Due.ON_RECEIPT, Variant.LOCAL_REVIEW),
    Route("route-local-review-commissioned-to-ofsted", EventType.REVIEW_COMMISSIONED, Audience.OFSTED,
          cite("para 21"), Due.ON_RECEIPT, Variant.LOCAL_REVIEW),
    Route("route-local-review-commissioned-to-dfe", EventType.REVIEW_COMMISSIONED, Audience.DFE,
          cite("para 21"), Due.ON_RECEIPT, Variant.LOCAL_REVIEW),
    Route("route-local-review-commissioned-to-partners", EventType.REVIEW_COMMISSIONED, Audience.AREA_PARTNERS,
          cite("para 30"), Due.ON_RECEIPT, Variant.LOCAL_REVIEW),
    Route("route-para-19-review-commissioned-to-partners", EventType.REVIEW_COMMISSIONED, Audience.AREA_PARTNERS,
          cite("paras 19, 30"), Due.ON_RECEIPT, Variant.PARA_19_REVIEW),
    # para 26: every national review reaches the Secretary of State, however it arises; after the Panel's
    # NATIONAL_REVIEW response (panel.responded) the commissioning is a further event of its own, with the reviewers
    Route("route-national-review-commissioned-to-sos", EventType.REVIEW_COMMISSIONED, Audience.SOS,
          cite("para 26"), Due.ON_RECEIPT, Variant.NATIONAL_REVIEW),
    Route("route-national-review-commissioned-to-partners", EventType.REVIEW_COMMISSIONED,
          Audience.AREA_PARTNERS, cite("paras 45, 50"), Due.ON_RECEIPT, Variant.NATIONAL_REVIEW),
    Route("route-national-review-commissioned-to-other-areas", EventType.REVIEW_COMMISSIONED,
          Audience.OTHER_AREA_PARTNERS, cite("paras 45, 50"), Due.ON_RECEIPT, Variant.NATIONAL_REVIEW),
    Route("route-local-report-to-partners", EventType.REPORT_SUBMITTED, Audience.AREA_PARTNERS,
          cite("paras 36-37"), Due.ON_RECEIPT, Variant.LOCAL_REVIEW),
    Route("route-national-report-to-partners", EventType.REPORT_SUBMITTED, Audience.AREA_PARTNERS,
          cite("para 48"), Due.ON_RECEIPT, Variant.NATIONAL_REVIEW),
    Route("route-national-report-to-other-areas", EventType.REPORT_SUBMITTED, Audience.OTHER_AREA_PARTNERS,
          cite("para 48"), Due.ON_RECEIPT, Variant.NATIONAL_REVIEW),
    Route("route-local-recommendations-to-addressees", EventType.REPORT_SUBMITTED, Audience.NAMED,
          cite("paras 37, 43"), Due.ON_RECEIPT, Variant.LOCAL_REVIEW),
    Route("route-national-recommendations-to-addressees", EventType.REPORT_SUBMITTED, Audience.NAMED,
          cite("paras 37, 43"), Due.ON_RECEIPT, Variant.NATIONAL_REVIEW),
    Route("route-local-prepublication-to-panel", EventType.REPORT_PREPUBLICATION_SENT, Audience.PANEL,
          cite("para 40"), Due.GIVEN, Variant.LOCAL_REVIEW),
    Route("route-local-prepublication-to-sos", EventType.REPORT_PREPUBLICATION_SENT, Audience.SOS,
          cite("para 40"), Due.GIVEN, Variant.LOCAL_REVIEW),
    Route("route-local-prepublication-to-ofsted", EventType.REPORT_PREPUBLICATION_SENT, Audience.OFSTED,
          cite("para 40"), Due.GIVEN, Variant.LOCAL_REVIEW),
    Route("route-national-prepublication-to-sos", EventType.REPORT_PREPUBLICATION_SENT, Audience.SOS,
          cite("para 49"), Due.GIVEN, Variant.NATIONAL_REVIEW),
    Route("route-local-withheld-to-panel", EventType.REPORT_WITHHELD, Audience.PANEL,
          cite("paras 40-41"), Due.GIVEN, Variant.LOCAL_REVIEW),
    Route("route-local-withheld-to-sos", EventType.REPORT_WITHHELD, Audience.SOS,
          cite("paras 40-41"), Due.GIVEN, Variant.LOCAL_REVIEW),
    Route("route-local-withheld-to-ofsted", EventType.REPORT_WITHHELD, Audience.OFSTED,
          cite("para 40"), Due.GIVEN, Variant.LOCAL_REVIEW),
    Route("route-national-withheld-to-sos", EventType.REPORT_WITHHELD, Audience.SOS,
          cite("paras 49-50"), Due.GIVEN, Variant.NATIONAL_REVIEW),
    Route("route-local-delay-to-panel", EventType.PUBLICATION_DELAYED, Audience.PANEL,
          cite("para 41"), Due.ON_RECEIPT, Variant.LOCAL_REVIEW),
    Route("route-local-delay-to-sos", EventType.PUBLICATION_DELAYED, Audience.SOS,
          cite("para 41"), Due.ON_RECEIPT, Variant.LOCAL_REVIEW),
    Route("route-national-delay-to-sos", EventType.PUBLICATION_DELAYED, Audience.SOS,
          cite("para 50"), Due.ON_RECEIPT, Variant.NATIONAL_REVIEW),
    Route("route-national-published-to-partners", EventType.REPORT_PUBLISHED, Audience.AREA_PARTNERS,
          cite("para 49"), Due.ON_RECEIPT, Variant.NATIONAL_REVIEW),
    Route("route-national-published-to-other-areas", EventType.REPORT_PUBLISHED, Audience.OTHER_AREA_PARTNERS,
          cite("para 49"), Due.ON_RECEIPT, Variant.NATIONAL_REVIEW),
    Route("route-national-published-to-ofsted", EventType.REPORT_PUBLISHED, Audience.OFSTED,
          cite("para 49"), Due.ON_RECEIPT, Variant.NATIONAL_REVIEW),
    Route("route-national-published-to-cqc", EventType.REPORT_PUBLISHED, Audience.CQC,
          cite("para 49"), Due.ON_RECEIPT, Variant.NATIONAL_REVIEW),
    Route("route-national-published-to-hmicfrs", EventType.REPORT_PUBLISHED, Audience.HMICFRS,
          cite("para 49"), Due.ON_RECEIPT, Variant.NATIONAL_REVIEW),
    Route("route-national-published-to-what-works", EventType.REPORT_PUBLISHED, Audience.WWCSC,
          cite("para 51"), Due.ON_RECEIPT, Variant.NATIONAL_REVIEW),
    Route("route-local-published-to-panel", EventType.REPORT_PUBLISHED, Audience.PANEL,
          cite("para 51"), Due.ON_RECEIPT, Variant.LOCAL_REVIEW),
    Route("route-local-published-to-what-works", EventType.REPORT_PUBLISHED, Audience.WWCSC,
          cite("para 51"), Due.ON_RECEIPT, Variant.LOCAL_REVIEW),
    Route("route-local-published-to-ofsted", EventType.REPORT_PUBLISHED, Audience.OFSTED,
          cite("para 51"), Due.ON_RECEIPT, Variant.LOCAL_REVIEW),
    Route("route-local-published-to-cqc", EventType.REPORT_PUBLISHED, Audience.CQC,
          cite("para 51"), Due.ON_RECEIPT, Variant.LOCAL_REVIEW),
    Route("route-local-published-to-hmicfrs", EventType.REPORT_PUBLISHED, Audience.HMICFRS,
          cite("para 51"), Due.ON_RECEIPT, Variant.LOCAL_REVIEW),
    # during a review (paras 21, 42, 50) and comments on publication (paras 41, 50)
    Route("route-new-information-to-panel", EventType.REVIEW_NEW_INFORMATION, Audience.PANEL,
          cite("para 21"), Due.ON_RECEIPT, Variant.LOCAL_REVIEW),
    # the Panel's answer: LOCAL_REVIEW when the local review continues, NATIONAL_REVIEW when one is decided
    Route("route-new-information-answer-to-partners", EventType.REVIEW_NEW_INFORMATION_ANSWERED,
          Audience.AREA_PARTNERS, cite("paras 21, 25"), Due.ON_RECEIPT, Variant.LOCAL_REVIEW),
    Route("route-new-information-national-review-to-partners", EventType.REVIEW_NEW_INFORMATION_ANSWERED,
          Audience.AREA_PARTNERS, cite("paras 21, 25"), Due.ON_RECEIPT, Variant.NATIONAL_REVIEW),
    Route("route-new-information-national-review-to-sos", EventType.REVIEW_NEW_INFORMATION_ANSWERED,
          Audience.SOS, cite("para 26"), Due.ON_RECEIPT, Variant.NATIONAL_REVIEW),
    Route("route-local-learning-to-panel", EventType.REVIEW_LEARNING_SHARED, Audience.PANEL,
          cite("para 42"), Due.ON_RECEIPT, Variant.LOCAL_REVIEW),
    Route("route-local-learning-to-partners", EventType.REVIEW_LEARNING_SHARED, Audience.AREA_PARTNERS,
          cite("para 42"), Due.ON_RECEIPT, Variant.LOCAL_REVIEW),
    Route("route-local-learning-to-others", EventType.REVIEW_LEARNING_SHARED, Audience.NAMED,
          cite("para 42"), Due.ON_RECEIPT, Variant.LOCAL_REVIEW),
    Route("route-national-learning-to-partners", EventType.REVIEW_LEARNING_SHARED, Audience.AREA_PARTNERS,
          cite("para 50"), Due.ON_RECEIPT, Variant.NATIONAL_REVIEW),
    Route("route-national-learning-to-other-areas", EventType.REVIEW_LEARNING_SHARED,
          Audience.OTHER_AREA_PARTNERS, cite("para 50"), Due.ON_RECEIPT, Variant.NATIONAL_REVIEW),
    Route("route-national-learning-to-others", EventType.REVIEW_LEARNING_SHARED, Audience.NAMED,
          cite("para 50"), Due.ON_RECEIPT, Variant.NATIONAL_REVIEW),
    Route("route-local-publication-comment-to-partners", EventType.PUBLICATION_COMMENTED, Audience.AREA_PARTNERS,
          cite("para 41"), Due.ON_RECEIPT, Variant.LOCAL_REVIEW),
    Route("route-national-publication-comment-to-panel", EventType.PUBLICATION_COMMENTED, Audience.PANEL,
          cite("para 50"), Due.ON_RECEIPT, Variant.NATIONAL_REVIEW),
    Route("route-recommendation-update-to-partners", EventType.RECOMMENDATION_UPDATED, Audience.AREA_PARTNERS,
          cite("para 43"), Due.ON_RECEIPT),
    Route("route-recommendation-update-to-addressee", EventType.RECOMMENDATION_UPDATED, Audience.NAMED,
          cite("para 43"), Due.ON_RECEIPT),
    Route("route-thematic-review-to-partners", EventType.THEMATIC_REVIEW_INCLUDED, Audience.AREA_PARTNERS,
          cite("para 28"), Due.ON_RECEIPT),
    Route("route-thematic-review-to-sos", EventType.THEMATIC_REVIEW_INCLUDED, Audience.SOS,
          cite("paras 26, 28"), Due.ON_RECEIPT),
    Route("route-publication-deadline-approaching", EventType.DEADLINE_APPROACHING, Audience.NAMED,
          cite("paras 41, 50"), Due.GIVEN, Variant.PUBLICATION_DEADLINE),
    Route("route-publication-deadline-missed", EventType.DEADLINE_MISSED, Audience.NAMED,
          cite("paras 41, 50"), Due.GIVEN, Variant.PUBLICATION_DEADLINE),
    Route("route-local-publication-deadline-missed-to-panel", EventType.DEADLINE_MISSED, Audience.PANEL,
          cite("para 41"), Due.GIVEN, Variant.PUBLICATION_DEADLINE),
    Route("route-recommendation-deadline-approaching", EventType.DEADLINE_APPROACHING, Audience.NAMED,
          cite("para 37"), Due.GIVEN, Variant.RECOMMENDATION_DEADLINE),
    Route("route-recommendation-deadline-missed", EventType.DEADLINE_MISSED, Audience.NAMED,
          cite("paras 37, 43"), Due.GIVEN, Variant.RECOMMENDATION_DEADLINE),
    Route("route-recommendation-deadline-missed-to-partners", EventType.DEADLINE_MISSED, Audience.AREA_PARTNERS,
          cite("para 43"), Due.GIVEN, Variant.RECOMMENDATION_DEADLINE),
    Route("route-rapid-review-deadline-approaching", EventType.DEADLINE_APPROACHING, Audience.AREA_PARTNERS,
          cite("paras 20-21; Panel practice guidance"), Due.GIVEN, Variant.RAPID_REVIEW_DEADLINE),
    Route("route-rapid-review-deadline-missed", EventType.DEADLINE_MISSED, Audience.AREA_PARTNERS,
          cite("paras 20-21; Panel practice guidance"), Due.GIVEN, Variant.RAPID_REVIEW_DEADLINE),
    Route("route-rapid-review-deadline-missed-to-panel", EventType.DEADLINE_MISSED, Audience.PANEL,
          cite("para 21"), Due.GIVEN, Variant.RAPID_REVIEW_DEADLINE),
    Route("route-information-deadline-approaching", EventType.DEADLINE_APPROACHING, Audience.NAMED,
          cite("paras 24, 35"), Due.GIVEN, Variant.INFORMATION_DEADLINE),
    Route("route-information-deadline-missed", EventType.DEADLINE_MISSED, Audience.NAMED,
          cite("paras 24, 35"), Due.GIVEN, Variant.INFORMATION_DEADLINE),
)

for _route in ROUTES:
    declare(_route.rule_id, _route.basis,
            f"{_route.event.value} is routed to {_route.audience.value} ({_route.due.value})",
            "hub.routing.ROUTES")


@dataclass(frozen=True)
class Addressees:
    """The organisations an audience resolves to for one case."""

    national: dict[str, Organisation]
    area_partners: Sequence[Organisation] = ()
    other_area_partners: Sequence[Organisation] = ()
    named: Sequence[Organisation] = ()
    sender: Organisation | None = None
    excluded: frozenset[str] = field(default_factory=frozenset)

    def resolve(self, audience: Audience) -> list[Organisation]:
        if audience is Audience.AREA_PARTNERS:
            found = list(self.area_partners)
        elif audience is Audience.OTHER_AREA_PARTNERS:
            found = list(self.other_area_partners)
        elif audience is Audience.NAMED:
            found = list(self.named)
        else:
            org = self.national.get(NATIONAL_CODES[audience])
            found = [org] if org is not None else []
        return [o for o in found if self.sender is None or o.id != self.sender.id]


def routes_for(event: EventType, variant: Variant = Variant.ANY) -> list[Route]:
    return [r for r in ROUTES if r.event is event and r.variant is variant]


def due_on(due: Due, *, aware_on: date | None, received_on: date, given: date | None = None) -> date | None:
    if due is Due.AWARE_PLUS_5 and aware_on is not None:
        return notification_due_on(aware_on)
    if due is Due.ON_RECEIPT:
        return received_on
    if due is Due.GIVEN:
        return given
    return None


def route(
    *,
    event: EventType,
    case_id: str,
    subject_id: str | None,
    addressees: Addressees,
    at: datetime,
    received_on: date,
    aware_on: date | None,
    variant: Variant = Variant.ANY,
    due: date | None = None,
) -> list[RoutedMessage]:
    """One message per recipient for every route of the event (first basis wins)."""
    messages: dict[str, RoutedMessage] = {}
    for row in routes_for(event, variant):
        for org in addressees.resolve(row.audience):
            if org.id in messages:
                continue
            messages[org.id] = RoutedMessage(
                case_id=case_id,
                recipient_id=org.id,
                sender_id=addressees.sender.id if addressees.sender else None,
                event_type=event.value,
                basis=row.basis,
                subject_id=subject_id,
                due_on=due_on(row.due, aware_on=aware_on, received_on=received_on, given=due),
                created_at=at,
            )
    return list(messages.values())


async def addressees_for(
    session: AsyncSession,
    *,
    lead_partnership_id: str,
    involved_partnership_ids: Sequence[str],
    sender: Organisation | None,
    on: date,
    named: Sequence[Organisation] = (),
) -> Addressees:
    """Resolve the national bodies and the partners of every area of a case."""
    from hub.organisations import by_codes, members_of

    national = await by_codes(session, NATIONAL_CODES.values())
    members = await members_of(session, [lead_partnership_id, *involved_partnership_ids], on)
    others = [org for pid in involved_partnership_ids for org in members.get(pid, [])]
    return Addressees(
        national=national,
        area_partners=members.get(lead_partnership_id, []),
        other_area_partners=others,
        named=named,
        sender=sender,
    )


async def dispatch(
    session: AsyncSession,
    *,
    event: EventType,
    case: Case,
    subject_id: str,
    sender_id: str | None,
    at: datetime,
    today: date,
    due: date | None = None,
    variant: Variant = Variant.ANY,
    named: Sequence[Organisation] = (),
    area: str | None = None,
) -> list[RoutedMessage]:
    """Route an event about a case to everyone its routes name, in the caller's transaction.

    ``area`` puts another of the case's partnerships in the lead's place: a local review is its commissioning
    partnership's, even after the case was handed to another area (para 30).
    """
    from hub.case import partnership_ids

    sender = await session.get(Organisation, sender_id) if sender_id else None
    lead, involved = await partnership_ids(session, case.id)
    if area is not None and area != lead:
        lead, involved = area, [p for p in (lead, *involved) if p != area]
    addressees = await addressees_for(session, lead_partnership_id=lead, involved_partnership_ids=involved,
                                      sender=sender, on=today, named=named)
    messages = route(event=event, case_id=case.id, subject_id=subject_id, addressees=addressees, at=at,
                     received_on=today, aware_on=case.aware_on, variant=variant, due=due)
    session.add_all(messages)
    await events.enqueue(session, case=case, messages=messages, at=at)
    return messages
