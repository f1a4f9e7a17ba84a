"""Loading reference data into the store: upserts, and an ICB merger from an official register."""

from __future__ import annotations

from datetime import date

from sqlalchemy import delete, update
from sqlmodel import col

from app.main import Hub
from hub import organisations, reference_data
from hub.models import Organisation, PartnershipMembership
from hub.store import transaction

ICB_REGISTER = """\ufeffLAD27CD,LAD27NM,SICBL27CD,SICBL27CDH,SICBL27NM,ICB27CD,ICB27CDH,ICB27NM
E08000025,Birmingham,E38000999,15X,NHS Invented SICBL,E54000099,QXX,NHS Invented Midlands Integrated Care Board
E08000029,Solihull,E38000999,15X,NHS Invented SICBL,E54000099,QXX,NHS Invented Midlands Integrated Care Board
"""


async def members_on(hub: Hub, la_code: str, on: date) -> set[str]:
    async with hub.sessions() as session:
        la = await organisations.by_code(session, la_code)
        assert la is not None
        area = await organisations.area_partnership(session, la, on)
        assert area is not None
        found = await organisations.members_of(session, [area.id], on)
        return {o.code for o in found[area.id]}


async def test_an_icb_merger_from_an_official_register_closes_the_old_membership(hub: Hub) -> None:
    # given Birmingham's partnership with West Midlands Police and Birmingham and Solihull ICB
    before = await members_on(hub, "E08000025", date(2026, 12, 22))
    assert {"E08000025", "E23000014", "E54000055"} == before
    # when an (invented) 2027 ICB lookup maps Birmingham to a merged ICB from 1 April 2027
    data = reference_data.parse_file(ICB_REGISTER)
    async with transaction(hub.sessions) as session:
        counts = await reference_data.load(session, data)
    try:
        assert counts["memberships_closed"] == 2  # Birmingham's and Solihull's partnerships
        # then the old ICB is a member until 31 March 2027 and the merged one from 1 April; the police stay
        assert await members_on(hub, "E08000025", date(2027, 3, 31)) == before
        assert await members_on(hub, "E08000025", date(2027, 4, 1)) == {"E08000025", "E23000014", "E54000099"}
        # and loading the same register again changes nothing
        async with transaction(hub.sessions) as session:
            again = await reference_data.load(session, data)
        assert (again["memberships_added"], again["memberships_closed"]) == (0, 0)
    finally:
        async with transaction(hub.sessions) as session:  # leave the shared reference data as shipped
            await reference_data.load(session, reference_data.shipped())
            merged = (await organisations.by_code(session, "E54000099"))
            assert merged is not None
            await session.execute(delete(PartnershipMembership).where(col(PartnershipMembership.organisation_id) == merged.id))
            await session.execute(delete(Organisation).where(col(Organisation.id) == merged.id))
            old = await organisations.by_code(session, "E54000055")
            assert old is not None
            await session.execute(update(PartnershipMembership).where(
                col(PartnershipMembership.organisation_id) == old.id).values(effective_to=None))


async def test_loading_the_shipped_files_again_adds_nothing(hub: Hub) -> None:
    async with transaction(hub.sessions) as session:
        counts = await reference_data.load(session, reference_data.shipped())
    assert counts["organisations_added"] == counts["organisations_updated"] == counts["memberships_added"] == 0
