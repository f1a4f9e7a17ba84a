"""Least privilege: which principal may see which case, and which fields.

DOMAIN.md, "Who may see what": partners see their partnerships' cases (lead or
involved); the Panel sees every notified case; Ofsted, DfE and other recipients
see the cases routed to them, with the child as a pseudonymous reference only;
an agency sees its referrals. A case you may not see does not exist for you.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import exists, false, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from hub.kept import Kept
from hub.models import (
    Case,
    CasePartnership,
    Notification,
    Organisation,
    RapidReview,
    RapidReviewInvitation,
    Referral,
    RoutedMessage,
)
from hub.organisations import partnerships_of
from hub.principal import Principal
from hub.reference_cache import Reference
from hub.statute import rule
from hub.vocabulary import Role

IDENTITY_ROLES = frozenset({Role.LA, Role.POLICE, Role.HEALTH, Role.PANEL})
# The Panel sees every notified case, and Ofsted and DfE receive a copy of every notification (para 13): nearly
# every case. Their conditions are correlated (EXISTS, one probe per case) so that a page walks the cases in its
# own order and stops when full; the others see few cases, and ``IN`` lets the database start from those few.
NATIONAL_READERS = frozenset({Role.PANEL, Role.OFSTED, Role.DFE})


def inbox_codes(principal: Principal) -> tuple[str, ...]:
    """DfE also acts for the Secretary of State: its inbox holds both (CONTRACT: roles)."""
    if principal.role is Role.DFE:
        return (principal.organisation_code, "SOS")
    return (principal.organisation_code,)


@rule("visibility-child-identity", "DOMAIN: who may see what",
      "only partners and the Panel see a child's name, date of birth and address")
def may_see_identity(principal: Principal) -> bool:
    return principal.role in IDENTITY_ROLES


def sees_nearly_every_case(principal: Principal) -> bool:
    return principal.role in NATIONAL_READERS


def _routed_to(principal: Principal, reference: Reference | None = None) -> ColumnElement[bool]:
    recipients: Any
    if reference is not None:  # the ids themselves: the database knows how many messages each was sent
        recipients = sorted(o.id for code in inbox_codes(principal) if (o := reference.by_code.get(code)))
        if not recipients:
            return false()
    else:
        recipients = select(col(Organisation.id)).where(col(Organisation.code).in_(inbox_codes(principal)))
    if sees_nearly_every_case(principal):
        return (select(col(RoutedMessage.case_id)).where(col(RoutedMessage.case_id) == col(Case.id),
                                                         col(RoutedMessage.recipient_id).in_(recipients))
                .correlate(Case).exists())
    routed = select(col(RoutedMessage.case_id)).where(col(RoutedMessage.recipient_id).in_(recipients))
    return col(Case.id).in_(routed)


def of_visible_cases(case_id: Any, visible: ColumnElement[bool], principal: Principal) -> ColumnElement[bool]:
    """A condition on another table's rows through their case's id (``case_id``, a column): the case is one
    ``visible`` (``visible_cases`` for ``principal``) holds for; correlated for the national readers, as it is."""
    cases = select(col(Case.id)).where(visible).correlate_except(Case)
    if sees_nearly_every_case(principal):
        return exists(cases.where(col(Case.id) == case_id))
    return col(case_id).in_(cases)


@rule("visibility-cases", "para 12; footnote 76; DOMAIN: who may see what",
      "partners see their partnerships' cases, the Panel every notified case, recipients what was routed to them")
async def visible_cases(
    session: AsyncSession, principal: Principal, today: date, *, reference: Reference | None = None
) -> ColumnElement[bool]:
    """A SQL condition on ``Case`` that holds for the cases the principal may see. With ``reference`` (the
    reference data in memory, ``hub.reference_cache``) a partner's partnerships are read from it, not the
    database (the same answer, one statement fewer), and a recipient's organisations are named by their ids, not
    looked up by code within the statement (the same answer, which PostgreSQL plans knowing each one's share of
    the routed messages). With ``reference`` the condition depends on nothing else than the principal, the day
    and that copy of the reference data, so it is kept (``KEPT``): a principal's every request would build the
    same SQL again, and SQLAlchemy work out its cache key again."""
    if reference is None:
        return await _condition(session, principal, today, reference=None)
    kept = KEPT.find((principal, today), (reference,))
    if kept is not None:
        return kept
    return KEPT.keep((principal, today), (reference,), await _condition(session, principal, today, reference=reference))


# A condition per principal, day and copy of the reference data (a new copy, made when `orgs load` changes the
# data, makes it anew). Bounded: about 250 organisations, a few roles each.
KEPT: Kept[ColumnElement[bool]] = Kept(2048)


async def _condition(
    session: AsyncSession, principal: Principal, today: date, *, reference: Reference | None
) -> ColumnElement[bool]:
    if principal.is_partner:
        if reference is not None:
            mine = sorted({p.id for p in reference.partnerships_for(principal.organisation_id, today)})
        else:
            mine = await partnerships_of(session, principal.organisation_id, today)
        if not mine:
            return false()
        involved = select(col(CasePartnership.case_id)).where(col(CasePartnership.partnership_id).in_(mine))
        return col(Case.id).in_(involved)
    if principal.role is Role.PANEL:
        return (select(col(Notification.case_id)).where(col(Notification.case_id) == col(Case.id),
                                                        col(Notification.to_panel).is_(True))
                .correlate(Case).exists())
    if principal.role is Role.AGENCY:
        referred = select(col(Referral.case_id)).where(col(Referral.referred_by_id) == principal.organisation_id)
        invited = (select(col(RapidReview.case_id))
                   .join(RapidReviewInvitation, col(RapidReviewInvitation.rapid_review_id) == col(RapidReview.id))
                   .where(col(RapidReviewInvitation.organisation_id) == principal.organisation_id))
        return or_(_routed_to(principal, reference), col(Case.id).in_(referred), col(Case.id).in_(invited))
    return _routed_to(principal, reference)


@rule("visibility-case-record", "footnotes 76, 83; DOMAIN: who may see what",
      "the rapid review, information requests, timeline and family communications are for the partners "
      "and the Panel; bodies that receive copies see what was routed to them")
def may_see_case_record(principal: Principal) -> bool:
    return principal.role in IDENTITY_ROLES
