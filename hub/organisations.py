"""Organisations and the safeguarding partnerships that join them (paras 5-7)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from hub.models import Organisation, Partnership, PartnershipMembership
from hub.vocabulary import OrganisationKind


def _current(on: date) -> ColumnElement[bool]:
    return (col(PartnershipMembership.effective_from) <= on) & or_(
        col(PartnershipMembership.effective_to).is_(None),
        col(PartnershipMembership.effective_to) >= on,
    )


async def by_code(session: AsyncSession, code: str) -> Organisation | None:
    found = await session.execute(select(Organisation).where(col(Organisation.code) == code))
    return found.scalar_one_or_none()


async def by_codes(session: AsyncSession, codes: Iterable[str]) -> dict[str, Organisation]:
    wanted = sorted(set(codes))
    if not wanted:
        return {}
    found = await session.execute(select(Organisation).where(col(Organisation.code).in_(wanted)))
    return {o.code: o for o in found.scalars()}


async def partnerships_of(
    session: AsyncSession, organisation_id: str, on: date
) -> list[str]:
    """Ids of the partnerships the organisation belongs to on a day."""
    query = select(col(PartnershipMembership.partnership_id)).where(
        col(PartnershipMembership.organisation_id) == organisation_id, _current(on)
    )
    return sorted(set((await session.execute(query)).scalars()))


async def area_partnership(
    session: AsyncSession, local_authority: Organisation, on: date
) -> Partnership | None:
    """The partnership that covers a local authority's area on a day."""
    if local_authority.kind != OrganisationKind.LOCAL_AUTHORITY.value:
        return None
    query = (
        select(Partnership)
        .join(PartnershipMembership, col(PartnershipMembership.partnership_id) == Partnership.id)
        .where(col(PartnershipMembership.organisation_id) == local_authority.id, _current(on))
        .order_by(Partnership.code)
        .limit(1)
    )
    return (await session.execute(query)).scalar_one_or_none()


async def members_of(
    session: AsyncSession, partnership_ids: Sequence[str], on: date
) -> dict[str, list[Organisation]]:
    """Current members of each partnership, ordered by code."""
    if not partnership_ids:
        return {}
    query = (
        select(col(PartnershipMembership.partnership_id), Organisation)
        .join(Organisation, col(Organisation.id) == PartnershipMembership.organisation_id)
        .where(col(PartnershipMembership.partnership_id).in_(partnership_ids), _current(on))
        .order_by(Organisation.code)
    )
    result: dict[str, list[Organisation]] = {pid: [] for pid in partnership_ids}
    for pid, org in (await session.execute(query)).all():
        result[pid].append(org)
    return result


async def partnerships_for(
    session: AsyncSession, organisation_ids: Sequence[str], on: date
) -> dict[str, list[Partnership]]:
    """The partnerships each organisation belongs to on a day, ordered by code."""
    if not organisation_ids:
        return {}
    query = (
        select(col(PartnershipMembership.organisation_id), Partnership)
        .join(Partnership, col(Partnership.id) == PartnershipMembership.partnership_id)
        .where(col(PartnershipMembership.organisation_id).in_(organisation_ids), _current(on))
        .order_by(Partnership.code)
    )
    result: dict[str, list[Partnership]] = {oid: [] for oid in organisation_ids}
    for oid, partnership in (await session.execute(query)).all():
        result[oid].append(partnership)
    return result


async def largest_memberships(session: AsyncSession, on: date) -> tuple[int, int]:
    """The most partnerships one organisation belongs to, and the most members one partnership has, counting
    every membership not ended before ``on`` (today's and those still to come): what ``partnerships`` and
    ``members`` can return from today on, as loaded. Query cost analysis weighs those two lists by them."""
    live = or_(col(PartnershipMembership.effective_to).is_(None), col(PartnershipMembership.effective_to) >= on)

    async def largest(by: Any, of: Any) -> int:
        counts = (select(func.count(func.distinct(of)).label("n")).where(live).group_by(by)).subquery()
        return int((await session.execute(select(func.max(counts.c.n)))).scalar_one() or 0)

    return (await largest(PartnershipMembership.organisation_id, PartnershipMembership.partnership_id),
            await largest(PartnershipMembership.partnership_id, PartnershipMembership.organisation_id))
