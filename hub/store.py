"""Engines and sessions for SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session

from hub import sqlite_driver

logger = logging.getLogger(__name__)

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
async def listening(
    engine: AsyncEngine, channel: str, on_notify: Callable[[str], None], *,
    on_listening: Callable[[bool], None] = lambda _on: None, check_seconds: float = 10.0,
) -> AsyncIterator[bool]:
    """PostgreSQL LISTEN for as long as the block runs; yields False where there is no such thing.

    A lost connection (a restart, a fail-over, ``pg_terminate_backend``) is told at once:
    ``on_listening(False)``, since what is notified from then on is not heard. The connection is checked every
    ``check_seconds`` (a silent loss, say a network cut, is found that way) and made again, with back-off, until
    LISTEN holds once more: ``on_listening(True)``. The first LISTEN is made before the block runs, and its
    failure is raised."""
    if engine.dialect.name != "postgresql":
        yield False
        return
    listener = _Listener(engine, channel, on_notify, on_listening, check_seconds)
    await listener.listen()
    kept = asyncio.create_task(listener.keep(), name=f"listening on {channel}")
    try:
        yield True
    finally:
        kept.cancel()
        with suppress(asyncio.CancelledError):
            await kept
        await listener.close()


class _Listener:
    """One LISTEN connection, made again whenever it is lost."""

    def __init__(self, engine: AsyncEngine, channel: str, on_notify: Callable[[str], None],
                 on_listening: Callable[[bool], None], check_seconds: float) -> None:
        self._engine, self._channel, self._on_notify = engine, channel, on_notify
        self._on_listening, self._check_seconds = on_listening, check_seconds
        self._connection: AsyncConnection | None = None
        self._driver: Any = None
        self._lost = asyncio.Event()

    async def listen(self) -> None:
        connection = await self._engine.connect()
        driver: Any = None
        try:
            driver = (await connection.get_raw_connection()).driver_connection
            self._lost = asyncio.Event()
            driver.add_termination_listener(self._gone)
            await driver.add_listener(self._channel, self._notified)
        except BaseException:
            if driver is not None:  # this attempt's closing is not a loss of the listening connection
                driver.remove_termination_listener(self._gone)
            await _close_quietly(connection)
            raise
        self._connection, self._driver = connection, driver
        self._on_listening(True)

    def _notified(self, _connection: Any, _pid: int, _channel: str, payload: str) -> None:
        self._on_notify(payload)

    def _gone(self, _connection: Any = None) -> None:
        """The connection is lost (asyncpg's termination listener) or failed its check."""
        if not self._lost.is_set():
            self._lost.set()
            self._on_listening(False)

    async def keep(self) -> None:
        while True:
            await self._until_lost()
            logger.warning("LISTEN %s: the connection was lost; listening again", self._channel)
            await self.close()
            delay = 0.1
            while True:
                try:
                    await self.listen()
                    break
                except Exception as exc:  # noqa: BLE001 - whatever stops it now, try again later
                    logger.warning("LISTEN %s: not yet (%s); again in %.1f s", self._channel, type(exc).__name__,
                                   delay)
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, self._check_seconds)
            logger.info("LISTEN %s: listening again", self._channel)

    async def _until_lost(self) -> None:
        while not self._lost.is_set():
            try:
                await asyncio.wait_for(self._lost.wait(), self._check_seconds)
            except TimeoutError:
                try:
                    await asyncio.wait_for(self._driver.execute("SELECT 1"), self._check_seconds)
                except Exception:  # noqa: BLE001 - any failure of the check means the connection cannot be trusted
                    self._gone()

    async def close(self) -> None:
        connection, driver, self._connection, self._driver = self._connection, self._driver, None, None
        if driver is not None:
            driver.remove_termination_listener(self._gone)
            with suppress(Exception):
                await asyncio.wait_for(driver.remove_listener(self._channel, self._notified), 1)
        if connection is not None:
            await _close_quietly(connection)


async def _close_quietly(connection: AsyncConnection) -> None:
    try:
        await asyncio.wait_for(connection.close(), 5)
    except Exception:  # noqa: BLE001 - a lost connection may fail to close; it is then dropped from the pool
        with suppress(Exception):
            await connection.invalidate()
