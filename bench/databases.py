"""The database a benchmark runs on: a SQLite file, one given, or a throwaway PostgreSQL database it drops."""

from __future__ import annotations

import asyncio
import secrets
import sys
from dataclasses import dataclass

from processes import normalise_url
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

CLEANUP_SECONDS = 60.0


@dataclass(frozen=True)
class Target:
    """The database under test; ``throwaway`` names a PostgreSQL database this run drops."""

    url: str
    kind: str
    throwaway: str | None = None


def given(url: str) -> Target:
    url = normalise_url(url)
    return Target(url, "SQLite" if url.startswith("sqlite") else "PostgreSQL")


def throwaway(admin_url: str) -> Target:
    """A new name beside ``admin_url``'s database (created by ``create``, dropped by ``drop``)."""
    name = f"cspr_bench_{secrets.token_hex(4)}"
    url = make_url(normalise_url(admin_url)).set(database=name).render_as_string(hide_password=False)
    return Target(url, "PostgreSQL", throwaway=name)


async def admin_execute(admin_url: str, statement: str) -> None:
    engine = create_async_engine(normalise_url(admin_url), isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text(statement))
    finally:
        await engine.dispose()


async def create(admin_url: str, target: Target) -> None:
    if target.throwaway is not None:
        await admin_execute(admin_url, f'CREATE DATABASE "{target.throwaway}"')


def drop(admin_url: str, target: Target) -> None:
    """Drop the throwaway database, if any; a failure is reported, never raised (the run's result stands)."""
    if target.throwaway is None:
        return
    statement = f'DROP DATABASE IF EXISTS "{target.throwaway}" WITH (FORCE)'
    try:
        asyncio.run(asyncio.wait_for(admin_execute(admin_url, statement), CLEANUP_SECONDS))
    except Exception as exc:  # noqa: BLE001 - report and go on
        print(f"could not drop {target.throwaway}: {exc!r}", file=sys.stderr)
