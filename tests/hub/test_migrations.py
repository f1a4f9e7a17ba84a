"""Migrations build the whole schema on an empty database and match the models exactly."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

import hub.models  # noqa: F401
import migrations
from app.main import Hub


def _diff(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, SQLModel.metadata))


async def test_an_empty_database_upgrades_to_head_with_no_drift_from_the_models(hub: Hub) -> None:
    # the session's database was created empty and migrated by `Hub.start`
    assert await migrations.current(hub.engine) == migrations.head()
    async with hub.engine.connect() as conn:
        assert await conn.run_sync(_diff) == []


async def test_upgrading_again_is_a_no_op(hub: Hub) -> None:
    await migrations.upgrade(hub.engine)
    assert await migrations.current(hub.engine) == migrations.head()
