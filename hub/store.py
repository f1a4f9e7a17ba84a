"""Engines and sessions for SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session

from hub import sqlite_driver

DEFAULT_URL = "sqlite+aiosqlite:///./cspr-hub.db"


def normalise_url(url: str) -> str:
    """Accept the plain scheme an operator is likely to type."""
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+asyncpg://" + url.split("://", 1)[1]
    if url.startswith("sqlite:///"):
        return "sqlite+aiosqlite:///" + url.removeprefix("sqlite:///")
    return url


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    url = normalise_url(url)
    if is_sqlite(url):
        module = sqlite_driver.dbapi()
        if module is not None:
            kwargs.setdefault("module", module)
        engine = create_async_engine(url, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 10)
    kwargs.setdefault("pool_pre_ping", True)
    return create_async_engine(url, **kwargs)


def session_factory(engine: AsyncEngine, *, info: dict[str, object] | None = None) -> async_sessionmaker[AsyncSession]:
    """Sessions of a class of their own, so session hooks (``hub.events.Feed``) stay per engine.

    ``info`` is given to every session (e.g. the audit keys, which are never stored in the database).
    """
    own = type("HubSession", (Session,), {})
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False, sync_session_class=own,
                              info=dict(info or {}))


@asynccontextmanager
async def transaction(
    sessions: async_sessionmaker[AsyncSession],
) -> AsyncIterator[AsyncSession]:
    """One unit of work: commit on success, roll back on any error."""
    async with sessions() as session, session.begin():
        yield session


async def ping(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))


@asynccontextmanager
async def listening(engine: AsyncEngine, channel: str, on_notify: Callable[[str], None]) -> AsyncIterator[bool]:
    """PostgreSQL LISTEN for as long as the block runs; yields False where there is no such thing."""
    if engine.dialect.name != "postgresql":
        yield False
        return
    async with engine.connect() as conn:
        raw = await conn.get_raw_connection()
        driver: Any = raw.driver_connection

        def callback(_connection: Any, _pid: int, _channel: str, payload: str) -> None:
            on_notify(payload)

        await driver.add_listener(channel, callback)
        try:
            yield True
        finally:
            await driver.remove_listener(channel, callback)
