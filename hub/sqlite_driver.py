"""SQLite under asyncio: a short read on the event loop's thread, anything else with one crossing to the
connection's thread.

aiosqlite runs each connection's ``sqlite3`` calls on a thread of its own, and SQLAlchemy's adaptation of
it crosses to that thread four times for every statement: to open a cursor, execute, fetch the rows and
close the cursor. Each crossing costs a queue hand-over, a wake-up of the loop and the interpreter lock
passed twice, which for the small statements of a page weighs more than the statement itself; and while the
thread builds the rows it contends with the loop for the interpreter lock. Here:

* a ``SELECT`` outside a transaction (what pages and polls read) runs at once on the loop's thread: SQLite
  in WAL mode lets a reader go on whatever the writers do. Should it run over ``INLINE_SECONDS`` it is
  interrupted and run again on the connection's thread, so no long read holds up the loop; nor does it wait
  for a lock there (its busy timeout is 0 meanwhile): it goes to the thread, which may wait. Not on a database
  in another journal mode (readers would wait for writers), nor on a connection kept to its own thread (an
  in-memory database), nor while a statement handed to the thread has yet to run there (its waiter cancelled);
* every other statement crosses once: the cursor is opened, the statement executed, its rows fetched and the
  cursor closed in one function run on the connection's thread, the way SQLAlchemy's own adaptation already
  runs its isolation-level changes there;
* a commit or rollback crosses only when a transaction is open.

Transactions, locking and every result are those of the same ``sqlite3`` connection, used by one session at
a time, unchanged. Should aiosqlite or SQLAlchemy no longer offer what this needs, the hub uses their
adaptation as it is (``dbapi()`` gives None).
"""

from __future__ import annotations

import collections
import functools
import sqlite3
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

try:
    import aiosqlite
    from sqlalchemy.dialects.sqlite.aiosqlite import (
        AsyncAdapt_aiosqlite_connection,
        AsyncAdapt_aiosqlite_cursor,
        AsyncAdapt_aiosqlite_dbapi,
    )
    from sqlalchemy.util import EMPTY_DICT
    from sqlalchemy.util.concurrency import await_

    AVAILABLE = hasattr(aiosqlite.Connection, "_execute") and hasattr(aiosqlite.Connection, "_conn")
except ImportError:  # pragma: no cover - another SQLAlchemy: its own adaptation is used
    AVAILABLE = False

NOTHING: tuple[Any, int, Any] = (None, -1, None)  # description, rowcount, lastrowid before any statement
INLINE_SECONDS = 0.002  # a read on the event loop's own thread may take this long, else it goes to the thread
STEPS = 2_000  # SQLite's virtual machine steps between two looks at the clock during such a read


class TooLong(Exception):
    """A read on the loop's thread ran over ``INLINE_SECONDS``, or would have had to wait for a lock: it was
    given up, to run on the thread."""


def _run(connection: sqlite3.Connection, operation: str, parameters: Any, many: bool) -> tuple[Any, ...]:
    """On the connection's thread: the whole statement, its rows and what the cursor says of it."""
    cursor = connection.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else []
        return description, rows, cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


@dataclass
class Crossings:
    """What the loop's thread knows of one connection."""

    inline: bool | None = None  # reads may run on the loop's thread: decided on the first read
    busy_ms: int = 0  # the connection's busy timeout, set back after each read on the loop's thread
    sent: int = 0  # statements handed to the connection's thread (counted on the loop's thread only)
    done: int = 0  # of those, finished there (counted on that thread only)

    @property
    def idle(self) -> bool:
        """Nothing handed over is still to run: a statement whose waiter was cancelled may still be queued, and
        until it has run the connection is the thread's alone (what comes next queues behind it)."""
        return self.sent == self.done


_crossings: weakref.WeakKeyDictionary[Any, Crossings] = weakref.WeakKeyDictionary()


def crossings_of(connection: Any) -> Crossings:
    """The bookkeeping of an aiosqlite connection."""
    found = _crossings.get(connection)
    if found is None:
        found = _crossings[connection] = Crossings()
    return found


def may_read_inline(connection: sqlite3.Connection, crossings: Crossings) -> bool:
    """Only a connection the loop's thread may use (an in-memory database's is kept to the thread that made it)
    to a database in WAL mode, where a reader does not wait for a writer."""
    try:
        mode = connection.execute("PRAGMA journal_mode").fetchone()
        busy = connection.execute("PRAGMA busy_timeout").fetchone()
    except sqlite3.ProgrammingError:
        return False
    crossings.busy_ms = int(busy[0]) if busy else 0
    return mode is not None and str(mode[0]).lower() == "wal"


def counted(job: Callable[..., Any], crossings: Crossings) -> Callable[..., Any]:
    @functools.wraps(job)
    def run(*args: Any) -> Any:
        try:
            return job(*args)
        finally:
            crossings.done += 1
    return run


def is_read(operation: str) -> bool:
    return operation.lstrip()[:6].upper() == "SELECT"


def inline_read(connection: sqlite3.Connection, operation: str, parameters: Any,
                busy_ms: int = 0) -> tuple[Any, ...] | None:
    """A read (``is_read``) run at once on the event loop's thread, or None when a transaction is open on the
    connection (a write's reads stay with it on the connection's thread). A read that runs over
    ``INLINE_SECONDS``, or meets a lock (it does not wait: the busy timeout is 0 meanwhile, then ``busy_ms``
    again), is given up (``TooLong``) and nothing of it is kept."""
    if connection.in_transaction:
        return None
    deadline = time.perf_counter() + INLINE_SECONDS

    def over() -> bool:
        return time.perf_counter() > deadline

    connection.execute("PRAGMA busy_timeout=0")
    connection.set_progress_handler(over, STEPS)
    try:
        return _run(connection, operation, parameters, False)
    except sqlite3.OperationalError as exc:
        said = str(exc).lower()
        if (over() and "interrupt" in said) or "locked" in said or "busy" in said:
            raise TooLong from exc
        raise
    finally:
        connection.set_progress_handler(None, 0)
        connection.execute(f"PRAGMA busy_timeout={int(busy_ms)}")


if AVAILABLE:

    class OneCrossingCursor(AsyncAdapt_aiosqlite_cursor):
        """A cursor that holds a finished statement's rows; the ``sqlite3`` cursor lived on the thread only."""

        __slots__ = ("_finished",)

        def __init__(self, adapt_connection: Any) -> None:
            self._adapt_connection = adapt_connection
            self._connection = adapt_connection._connection
            self._cursor = None  # type: ignore[assignment]
            self._soft_closed_memoized = EMPTY_DICT
            self._rows = collections.deque()
            self._finished = NOTHING

        @property
        def description(self) -> Any:
            return self._finished[0]

        @property
        def rowcount(self) -> int:
            return int(self._finished[1])

        @property
        def lastrowid(self) -> Any:
            return self._finished[2]

        @property
        def arraysize(self) -> int:
            return 1

        @arraysize.setter
        def arraysize(self, value: int) -> None:
            pass  # the rows are fetched whole on the thread

        async def _async_soft_close(self) -> None:
            pass  # nothing is open: the rows are already here

        def close(self) -> None:
            self._rows.clear()

        async def _crossing(self, operation: Any, parameters: Any, many: bool) -> None:
            async with self._adapt_connection._execute_mutex:
                connection = self._connection._conn
                crossings = crossings_of(self._connection)
                done = None
                if not many and crossings.idle and is_read(operation):
                    if crossings.inline is None:  # at the first read: the connection's set-up has run
                        crossings.inline = may_read_inline(connection, crossings)
                    try:
                        done = (inline_read(connection, operation, parameters, crossings.busy_ms)
                                if crossings.inline else None)
                    except TooLong:
                        done = None  # run again, on the thread: a read outside a transaction changes nothing
                if done is None:
                    crossings.sent += 1
                    done = await self._connection._execute(counted(_run, crossings), connection, operation,
                                                           parameters, many)
            description, rows, rowcount, lastrowid = done
            self._finished = (description, rowcount, lastrowid)
            self._rows = collections.deque(rows)

        def execute(self, operation: Any, parameters: Any = None) -> Any:
            try:
                return await_(self._crossing(operation, parameters, False))
            except Exception as error:  # noqa: BLE001 - translated to the DBAPI's errors, as SQLAlchemy does
                self._adapt_connection._handle_exception(error)

        def executemany(self, operation: Any, seq_of_parameters: Any) -> Any:
            try:
                return await_(self._crossing(operation, seq_of_parameters, True))
            except Exception as error:  # noqa: BLE001
                self._adapt_connection._handle_exception(error)

    class OneCrossingConnection(AsyncAdapt_aiosqlite_connection):
        """Commit and roll back cross only when there is a transaction to end: ``sqlite3`` begins one before a
        change, never for a read, and its commit and rollback without one do nothing (so a session that only
        read, returned to the pool, costs no crossing)."""

        __slots__ = ()
        _cursor_cls = OneCrossingCursor

        def _open(self) -> bool:
            """A transaction may be open: one is, or a statement handed to the thread has not run yet."""
            return self._connection._connection is not None and (
                self._connection.in_transaction or not crossings_of(self._connection).idle)

        def rollback(self) -> None:
            if self._open():
                super().rollback()

        def commit(self) -> None:
            if self._open():
                super().commit()

    class OneCrossingDbapi(AsyncAdapt_aiosqlite_dbapi):
        def connect(self, *arg: Any, **kw: Any) -> Any:
            connection = super().connect(*arg, **kw)
            connection.__class__ = OneCrossingConnection  # the same slots: only its cursors differ
            return connection


def dbapi() -> Any:
    """The DBAPI module to give ``create_async_engine`` for ``sqlite+aiosqlite``, or None for the stock one."""
    return OneCrossingDbapi(aiosqlite, sqlite3) if AVAILABLE else None
