"""Processes that start together on a new database all start: the shipped reference data is loaded
once, by whichever takes the lock first, and the others find it there."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from app.main import Hub
from app.settings import Settings
from hub.models import Organisation, PartnershipMembership
from hub.reference_data import shipped
from tests.conftest import _drop_postgres_database, _make_postgres_database


async def test_three_hubs_starting_at_once_on_a_new_postgresql_database_load_the_reference_data_once() -> None:
    url, name = await _make_postgres_database()
    hubs = [Hub.create(Settings(database_url=url)) for _ in range(3)]
    try:
        await asyncio.gather(*(hub.start() for hub in hubs))
        async with hubs[0].sessions() as session:
            orgs = (await session.execute(select(func.count()).select_from(Organisation))).scalar_one()
            members = (await session.execute(select(func.count()).select_from(PartnershipMembership))).scalar_one()
        data = shipped()
        assert orgs == len(data.organisations)
        assert members == len({(m.partnership_code, m.member_code, m.effective_from) for m in data.memberships})
    finally:
        for hub in hubs:
            await hub.stop()
        await _drop_postgres_database(name)
