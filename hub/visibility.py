"""Least privilege: which principal may see which case, and which fields.

DOMAIN.md, "Who may see what": partners see their partnerships' cases (lead or
involved); the Panel sees every notified case; Ofsted, DfE and other recipients
see the cases routed to them, with the child as a pseudonymous reference only;
an agency sees its referrals. A case you may not see does not exist for you.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import false, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from hub.models import Case, CasePartnership, Notification, Organisation, Referral, RoutedMessage
from hub.organisations import partnerships_of
from hub.principal import Principal
from hub.statute import rule
from hub.vocabulary import Role

IDENTITY_ROLES = frozenset({Role.LA, Role.POLICE, Role.HEALTH, Role.PANEL})


def inbox_codes(principal: Principal) -> tuple[str, ...]:
    """DfE also acts for the Secretary of State: its inbox holds both (CONTRACT: roles)."""
    if principal.role is Role.DFE:
        return (principal.organisation_code, "SOS")
    return (principal.organisation_code,)


@rule("visibility-child-identity", "DOMAIN: who may see what",
      "only partners and the Panel see a child's name, date of birth and address")
def may_see_identity(principal: Principal) -> bool:
    return principal.role in IDENTITY_ROLES


def _routed_to(principal: Principal) -> ColumnElement[bool]:
    recipients = select(Organisation.id).where(Organisation.code.in_(inbox_codes(principal)))  # type: ignore[attr-defined]
    routed = select(RoutedMessage.case_id).where(RoutedMessage.recipient_id.in_(recipients))  # type: ignore[attr-defined]
    return Case.id.in_(routed)  # type: ignore[attr-defined]


@rule("visibility-cases", "para 12; footnote 76; DOMAIN: who may see what",
      "partners see their partnerships' cases, the Panel every notified case, recipients what was routed to them")
async def visible_cases(
    session: AsyncSession, principal: Principal, today: date
) -> ColumnElement[bool]:
    """A SQL condition on ``Case`` that holds for the cases the principal may see."""
    if principal.is_partner:
        mine = await partnerships_of(session, principal.organisation_id, today)
        if not mine:
            return false()
        involved = select(CasePartnership.case_id).where(CasePartnership.partnership_id.in_(mine))  # type: ignore[attr-defined]
        return Case.id.in_(involved)  # type: ignore[attr-defined]
    if principal.role is Role.PANEL:
        notified = select(Notification.case_id).where(Notification.to_panel.is_(True))  # type: ignore[attr-defined]
        return Case.id.in_(notified)  # type: ignore[attr-defined]
    if principal.role is Role.AGENCY:
        referred = select(Referral.case_id).where(Referral.referred_by_id == principal.organisation_id)
        return or_(_routed_to(principal), Case.id.in_(referred))  # type: ignore[attr-defined]
    return _routed_to(principal)
