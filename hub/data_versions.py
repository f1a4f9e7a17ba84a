"""Versions of the data every process holds in memory, so that a change anywhere reaches all of them at once.

Two kinds: ``CLIENTS`` (a registered client added or revoked: tokens already verified are verified again)
and ``REFERENCE`` (organisations, partnerships and memberships, changed by ``cspr-hub orgs load``). Whoever
changes such data calls ``bump`` in the same transaction. On PostgreSQL the bump also NOTIFYs
``cspr_data_version``, delivered on commit to every process that LISTENs (``Versions.heard``); where no
process is listening (SQLite, or before the listener is up) ``Versions.stamp`` reads the table instead: on a
SQLite file through a plain connection of its own, in the event loop's thread (a read of a few rows in WAL
mode takes microseconds, less than a hop to the async driver's thread).
"""

from __future__ import annotations

import contextvars
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from hub.models import DataVersion

CHANNEL = "cspr_data_version"
CLIENTS = "clients"
REFERENCE = "reference"

# The versions read within one request (``Versions.one_read``): its token's check and its reference data agree.
_request: contextvars.ContextVar[dict[str, dict[str, int]] | None] = contextvars.ContextVar(
    "cspr_hub_versions_read", default=None)


async def bump(session: AsyncSession, name: str) -> None:
    """Mark ``name``'s data changed; every process sees it once this transaction commits."""
    query = update(DataVersion).where(col(DataVersion.name) == name).values(version=col(DataVersion.version) + 1)
    changed = await session.execute(query)
    if not getattr(changed, "rowcount", 0):
        session.add(DataVersion(name=name, version=1))
        await session.flush()
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("SELECT pg_notify(:channel, :name)"), {"channel": CHANNEL, "name": name})


class Versions:
    """What this process knows of the versions: counted from notifications while listening, else read."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], *, sqlite_file: str | None = None) -> None:
        self._sessions = sessions
        self._heard: dict[str, int] = {}
        self._listening = False
        self._since = 0  # how many times listening began: counts heard in one spell never match another's
        self._sqlite_file = sqlite_file
        self._sqlite: sqlite3.Connection | None = None

    def listening(self, on: bool) -> None:
        """Notifications now arrive (True) or may be missed (False: read the table again, until listening
        again; what changed in between was not heard, so nothing stamped before then is trusted after)."""
        self._listening = on
        self._heard = {}
        self._since += 1

    def heard(self, name: str) -> None:
        self._heard[name] = self._heard.get(name, 0) + 1

    async def stamp(self, *names: str) -> tuple[object, ...]:
        """A value that changes whenever any of ``names``' data changes (compare it, do not interpret it)."""
        if self._listening:
            return (self._since, *(self._heard.get(name, 0) for name in names))
        held = _request.get()
        found = held.get("read") if held is not None else None
        if found is None:
            found = self._read_sqlite() if self._sqlite_file else await self._read()
            if held is not None:
                held["read"] = found
        return (None, *(found.get(name, 0) for name in names))

    @staticmethod
    @contextmanager
    def one_read() -> Iterator[None]:
        """Within the block (one HTTP request) the table is read at most once: what is committed before the
        request begins is seen by it, what is committed while it runs by the next one, as when it was read for
        each question. A block of its own for each request: never around a WebSocket's whole life."""
        token = _request.set({})
        try:
            yield
        finally:
            _request.reset(token)

    async def _read(self) -> dict[str, int]:
        async with self._sessions() as session:
            rows = (await session.execute(select(col(DataVersion.name), col(DataVersion.version)))).all()
        return {str(name): int(version) for name, version in rows}

    def _read_sqlite(self) -> dict[str, int]:
        if self._sqlite is None:
            assert self._sqlite_file is not None
            self._sqlite = sqlite3.connect(self._sqlite_file, timeout=5, check_same_thread=False,
                                           isolation_level=None)
        rows = self._sqlite.execute("SELECT name, version FROM data_version").fetchall()
        return {str(name): int(version) for name, version in rows}

    def close(self) -> None:
        if self._sqlite is not None:
            self._sqlite.close()
            self._sqlite = None
