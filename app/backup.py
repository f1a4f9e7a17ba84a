"""An online backup of the embedded database: ``cspr-hub backup --output FILE``.

SQLite's backup API copies the database page by page through a connection of its own, in one
step, so the copy is one consistent snapshot even while the hub serves and writes: in WAL mode
a reader blocks no writer, and the copy includes what is still in the ``-wal`` file (copying
the database file alone would miss it, and copying it with a stale ``-wal`` or ``-shm`` beside
it can corrupt the copy). The copy is switched to a rollback journal so that it is one
self-contained file, checked with ``PRAGMA integrity_check``, and moved into place only then.
PostgreSQL is backed up with its own tools (``pg_dump``, ``pg_basebackup`` with WAL archiving).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from hub.store import is_sqlite, normalise_url


class BackupError(Exception):
    """Why no backup was written; the message is safe to print."""


@dataclass(frozen=True)
class Backup:
    output: Path
    bytes: int
    pages: int


def sqlite_file(database_url: str) -> Path:
    """The file behind an embedded database URL; ``BackupError`` for any other database."""
    url = normalise_url(database_url)
    if not is_sqlite(url):
        raise BackupError("the database is not the embedded one: back PostgreSQL up with pg_dump or "
                          "pg_basebackup (see the README, Backup and restore)")
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory database has nothing to back up")
    return Path(database)


def backup_sqlite(source: Path, output: Path) -> Backup:
    """Copy ``source`` (in use or not) to ``output``, which must not exist yet."""
    if not source.is_file():
        raise BackupError(f"no database at {source}")
    if output.exists():
        raise BackupError(f"{output} exists already: a backup never overwrites a file")
    partial = output.with_name(output.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        with contextlib.closing(sqlite3.connect(source, timeout=30)) as src, \
                contextlib.closing(sqlite3.connect(partial)) as dst:
            src.execute("PRAGMA busy_timeout = 30000")
            src.backup(dst)  # one step: a consistent snapshot that writers in WAL mode do not restart
            dst.execute("PRAGMA journal_mode = DELETE")  # one self-contained file, no -wal or -shm to carry
            checked = dst.execute("PRAGMA integrity_check").fetchone()
            pages = int(dst.execute("PRAGMA page_count").fetchone()[0])
            if checked is None or checked[0] != "ok":
                raise BackupError("the copy failed its integrity check; nothing was written")
        with partial.open("rb") as written:
            os.fsync(written.fileno())
        os.replace(partial, output)
    except sqlite3.Error as exc:
        raise BackupError(f"the backup failed: {type(exc).__name__}: {exc}") from None
    finally:
        partial.unlink(missing_ok=True)
    return Backup(output, output.stat().st_size, pages)
