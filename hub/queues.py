"""The work queues agencies pull: rapid reviews awaiting the Panel, information requests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, select
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from hub.clock import start_of_day
from hub.kept import Kept
from hub.models import Case, InformationAddressee, InformationRequest, RapidReview
from hub.principal import Principal
from hub.visibility import of_visible_cases
from hub.vocabulary import InformationRequestStatus, RapidReviewStatus


@dataclass(frozen=True)
class RapidReviewQuery:
    statuses: tuple[RapidReviewStatus, ...] = ()
    awaiting_panel: bool | None = None
    submitted_after: date | None = None
    overdue: bool | None = None


def rapid_review_conditions(
    query: RapidReviewQuery, *, visible: ColumnElement[bool], principal: Principal, today: date
) -> list[ColumnElement[bool]]:
    """``visible``: ``hub.visibility.visible_cases`` for ``principal``. The same conditions for the same inputs
    (kept: the page's statement is then the same one too, ``hub.paging``)."""
    return list(_KEPT.get((query, principal, today), (visible,),
                          lambda: tuple(_rapid_review_conditions(query, visible, principal, today))))


_KEPT: Kept[tuple[ColumnElement[bool], ...]] = Kept(2048)


def _rapid_review_conditions(
    query: RapidReviewQuery, visible: ColumnElement[bool], principal: Principal, today: date
) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [of_visible_cases(col(RapidReview.case_id), visible, principal)]
    if query.statuses:
        where.append(col(RapidReview.status).in_([s.value for s in query.statuses]))
    if query.awaiting_panel is not None:
        awaiting = col(RapidReview.status) == RapidReviewStatus.SUBMITTED.value
        where.append(awaiting if query.awaiting_panel else ~awaiting)
    if query.submitted_after is not None:
        where.append(col(RapidReview.submitted_at) >= start_of_day(query.submitted_after))
    if query.overdue is not None:
        late = and_(col(RapidReview.status) == RapidReviewStatus.IN_PROGRESS.value, col(RapidReview.due_on) < today)
        where.append(late if query.overdue else ~late)
    return where


@dataclass(frozen=True)
class InformationRequestQuery:
    statuses: tuple[InformationRequestStatus, ...] = ()
    case_id: str | None = None
    addressed_to: str | None = None
    overdue: bool | None = None


def information_request_conditions(
    query: InformationRequestQuery, *, visible: ColumnElement[bool], today: date
) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [col(InformationRequest.case_id).in_(select(col(Case.id)).where(visible))]
    if query.statuses:
        where.append(col(InformationRequest.status).in_([s.value for s in query.statuses]))
    if query.case_id is not None:
        where.append(col(InformationRequest.case_id) == query.case_id)
    if query.addressed_to is not None:
        mine = select(col(InformationAddressee.request_id)).where(
            col(InformationAddressee.organisation_id) == query.addressed_to)
        where.append(col(InformationRequest.id).in_(mine))
    if query.overdue is not None:
        late = and_(col(InformationRequest.status) == InformationRequestStatus.OPEN.value,
                    col(InformationRequest.due_on) < today)
        where.append(late if query.overdue else ~late)
    return where
