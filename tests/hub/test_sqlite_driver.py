"""SQLite under asyncio (``hub.sqlite_driver``): the same results, rows, counts, errors and transactions as
aiosqlite's own adaptation, with a short read run on the loop's thread, every other statement one hand-over to the
connection's thread, and none to end a session that only read."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from hub import sqlite_driver
from hub.store import create_engine, session_factory, transaction


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    made = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'driver.db'}")
    async with made.begin() as conn:
        await conn.execute(text("CREATE TABLE note (id INTEGER PRIMARY KEY, body TEXT NOT NULL UNIQUE)"))
    yield made
    await made.dispose()


@pytest.fixture
def crossings(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The name of every function handed to a connection's thread."""
    seen: list[str] = []
    original = aiosqlite.Connection._execute

    async def counting(self: aiosqlite.Connection, fn: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(getattr(fn, "__name__", repr(fn)))
        return await original(self, fn, *args, **kwargs)  # type: ignore[no-untyped-call]

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counting)
    return seen


def test_the_hub_uses_it_where_aiosqlite_offers_what_it_needs(engine: AsyncEngine) -> None:
    assert sqlite_driver.AVAILABLE
    assert isinstance(engine.dialect.dbapi, sqlite_driver.OneCrossingDbapi)


async def test_a_read_runs_on_the_loops_thread_and_ending_its_session_crosses_not_at_all(
        engine: AsyncEngine, crossings: list[str]) -> None:
    sessions = session_factory(engine)
    async with sessions() as session:
        await session.execute(text("SELECT 1"))  # the pool's first connection: opened and set up
    crossings.clear()
    async with sessions() as session:
        rows = (await session.execute(text("SELECT 41 + 1 AS answer, 'x' AS letter"))).all()
    assert [tuple(r) for r in rows] == [(42, "x")]
    assert crossings == []


async def test_a_read_over_its_time_on_the_loops_thread_runs_again_on_the_connections_thread(
        engine: AsyncEngine, crossings: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    sessions = session_factory(engine)
    async with transaction(sessions) as session:
        await session.execute(text("INSERT INTO note (body) VALUES (:b)"), [{"b": f"n{i}"} for i in range(30)])
    many = "SELECT count(*) FROM note AS a, note AS b, note AS c"  # 27,000 rows counted: thousands of steps
    async with sessions() as session:
        assert (await session.execute(text(many))).scalar_one() == 27_000
    assert crossings.count("_run") == 1  # the insert; the read ran on the loop's thread
    monkeypatch.setattr(sqlite_driver, "INLINE_SECONDS", 0.0)  # any read is over its time at the first look
    crossings.clear()
    async with sessions() as session:
        assert (await session.execute(text(many))).scalar_one() == 27_000  # interrupted, then run whole
        assert (await session.execute(text("SELECT 7"))).scalar_one() == 7  # too short to be looked at
    assert crossings == ["_run"]


async def test_reads_within_a_write_stay_with_it_on_the_connections_thread(
        engine: AsyncEngine, crossings: list[str]) -> None:
    sessions = session_factory(engine)
    async with transaction(sessions) as session:
        await session.execute(text("INSERT INTO note (body) VALUES ('within')"))
        assert (await session.execute(text("SELECT body FROM note"))).scalars().all() == ["within"]
    assert crossings == ["_run", "_run", "commit"]


async def test_writes_counts_ids_and_transactions_are_sqlite3s_own(engine: AsyncEngine, crossings: list[str]) -> None:
    sessions = session_factory(engine)
    async with transaction(sessions) as session:
        inserted = await session.execute(text("INSERT INTO note (body) VALUES ('one'), ('two'), ('three')"))
        assert inserted.rowcount == 3  # type: ignore[attr-defined]
        updated = await session.execute(text("UPDATE note SET body = body || '!' WHERE id > 1"))
        assert updated.rowcount == 2  # type: ignore[attr-defined]
        returned = (await session.execute(text("UPDATE note SET body = 'first' WHERE id = 1 RETURNING id, body"))).all()
        assert [tuple(r) for r in returned] == [(1, "first")]
    assert "commit" in crossings  # a transaction was open: its commit crossed
    async with sessions() as session:
        await session.execute(text("DELETE FROM note"))
        await session.rollback()  # a change was made: the rollback crosses and undoes it
    async with sessions() as session:
        bodies = (await session.execute(text("SELECT body FROM note ORDER BY id"))).scalars().all()
    assert bodies == ["first", "two!", "three!"]


async def test_errors_are_the_dbapi_errors_and_leave_nothing_half_done(engine: AsyncEngine) -> None:
    sessions = session_factory(engine)
    with pytest.raises(IntegrityError):
        async with transaction(sessions) as session:
            await session.execute(text("INSERT INTO note (body) VALUES ('kept')"))
            await session.execute(text("INSERT INTO note (body) VALUES ('twice'), ('twice')"))
    async with sessions() as session:
        count = (await session.execute(text("SELECT count(*) FROM note"))).scalar_one()
    assert count == 0
    async with transaction(sessions) as session:
        await session.execute(text("INSERT INTO note (body) VALUES (:b)"), [{"b": "a"}, {"b": "b"}])  # many
    async with sessions() as session:
        assert (await session.execute(text("SELECT count(*) FROM note"))).scalar_one() == 2


async def test_an_in_memory_database_is_read_on_its_own_thread(crossings: list[str]) -> None:
    """sqlite3 keeps an in-memory database's connection to the thread that made it: never read on the loop's."""
    memory = create_engine("sqlite+aiosqlite:///:memory:")
    try:
        sessions = session_factory(memory)
        async with sessions() as session:
            assert (await session.execute(text("SELECT 41 + 1"))).scalar_one() == 42
            crossings.clear()
            assert (await session.execute(text("SELECT 'again'"))).scalar_one() == "again"
        assert crossings == ["_run"]
    finally:
        await memory.dispose()


async def test_while_a_handed_over_statement_is_still_to_run_everything_queues_behind_it(
        engine: AsyncEngine, crossings: list[str]) -> None:
    """A statement whose waiter was cancelled may still be queued on the connection's thread: until it has run,
    reads and the end of a session go the same way, after it, never past it on the loop's thread."""
    sessions = session_factory(engine)
    async with sessions() as session:
        await session.execute(text("SELECT 1"))
        adapted: Any = (await session.connection()).sync_connection.connection.dbapi_connection  # type: ignore[union-attr]
        raw = adapted._connection  # aiosqlite's connection
        crossings.clear()
        sqlite_driver.crossings_of(raw).sent += 1  # as if one handed over had not run yet
        assert (await session.execute(text("SELECT 2"))).scalar_one() == 2
        assert crossings == ["_run"]
        sqlite_driver.crossings_of(raw).done += 1
        assert (await session.execute(text("SELECT 3"))).scalar_one() == 3
        assert crossings == ["_run"]  # idle again: on the loop's thread


def test_a_read_on_the_loops_thread_never_waits_for_a_lock(tmp_path: Path) -> None:
    """Met with a lock, it gives up at once (to run on the connection's thread, which may wait), and the
    connection's busy timeout is as it was."""
    path = tmp_path / "locked.db"
    writer = sqlite3.connect(path, isolation_level=None)
    reader = sqlite3.connect(path, timeout=5)
    try:
        writer.execute("CREATE TABLE t (x INTEGER)")
        writer.execute("BEGIN EXCLUSIVE")  # in a rollback journal, no reader gets past this
        started = time.perf_counter()
        with pytest.raises(sqlite_driver.TooLong):
            sqlite_driver.inline_read(reader, "SELECT count(*) FROM t", None, busy_ms=5000)
        assert time.perf_counter() - started < 1  # not the five seconds the busy timeout allows
        assert reader.execute("PRAGMA busy_timeout").fetchone()[0] == 5000
        writer.execute("COMMIT")
        assert sqlite_driver.inline_read(reader, "SELECT count(*) FROM t", None, busy_ms=5000) is not None
    finally:
        writer.close()
        reader.close()
