"""The audit trail (DPA 2018 s62): appended in the transaction it records, hash-chained, tamper-evident."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

import migrations
from app.main import Hub
from hub import audit
from hub.models import AuditEntry
from hub.principal import Principal
from hub.store import create_engine, session_factory, transaction
from hub.vocabulary import Role
from tests.conftest import DEFAULT_NOW

ROOT = Path(__file__).resolve().parent.parent.parent
CAMDEN = Principal(organisation_id="org-camden", organisation_code="E09000007", role=Role.LA, scopes=(),
                   client_id="cspr_council_system")


async def _tampering_allowed(session: AsyncSession) -> None:
    """As the database owner: switch the append-only triggers off for this transaction."""
    if (await session.connection()).dialect.name == "postgresql":
        await session.execute(text("SET LOCAL session_replication_role = replica"))


async def tamper(hub: Hub, *statements: str) -> None:
    async with transaction(hub.sessions) as session:
        await _tampering_allowed(session)
        for statement in statements:
            await session.execute(text(statement))


@pytest.fixture
async def trail(hub: Hub) -> AsyncIterator[Hub]:
    """An empty trail, emptied again afterwards so no other test meets a broken chain."""
    await tamper(hub, "DELETE FROM audit_entry")
    yield hub
    await tamper(hub, "DELETE FROM audit_entry")


async def append(hub: Hub, *actions: str, case_id: str | None = "case-1") -> None:
    records = [audit.Record(action=a, at=DEFAULT_NOW + timedelta(seconds=n), case_id=case_id, fields=("firstName",))
               for n, a in enumerate(actions)]
    async with transaction(hub.sessions) as session:
        await audit.append(session, principal=CAMDEN, records=records)


async def entries(hub: Hub) -> list[AuditEntry]:
    async with hub.sessions() as session:
        return list((await session.execute(select(AuditEntry).order_by(col(AuditEntry.seq)))).scalars())


async def problems(hub: Hub) -> list[tuple[int, str]]:
    async with hub.sessions() as session:
        return [(p.seq, p.kind) for p in await audit.verify(session)]


@pytest.mark.rule("audit-trail", "audit-chain")
async def test_each_entry_is_chained_to_the_one_before_from_a_genesis_of_zeros(trail: Hub) -> None:
    # given two appends, in two transactions
    await append(trail, "read:cases", "read:case")
    await append(trail, "startRapidReview")
    rows = await entries(trail)
    # then seq counts from 1 and each entry's previous_hash is the hash before it
    assert [r.seq for r in rows] == [1, 2, 3]
    assert [r.previous_hash for r in rows] == [audit.GENESIS, rows[0].hash, rows[1].hash]
    assert all(r.hash == audit.digest(r) for r in rows)
    # and each says when, which client and organisation, in which role, why and what
    first = rows[0]
    assert (first.at, first.organisation_id, first.client_id, first.role) == (
        DEFAULT_NOW, "org-camden", "cspr_council_system", "la")
    assert (first.action, first.case_id, first.fields) == ("read:cases", "case-1", ["firstName"])
    assert await problems(trail) == []


@pytest.mark.rule("audit-trail")
async def test_concurrent_appends_never_fork_the_chain(trail: Hub) -> None:
    await asyncio.gather(*(append(trail, f"action{n}", f"action{n}b") for n in range(8)))
    rows = await entries(trail)
    assert [r.seq for r in rows] == list(range(1, 17))
    assert len({r.previous_hash for r in rows}) == 16
    assert await problems(trail) == []


@pytest.mark.rule("audit-trail")
def test_an_entry_records_names_never_values() -> None:
    with pytest.raises(ValueError, match="not an operation or field name"):
        audit.Record(action="read:case", at=DEFAULT_NOW, fields=("Amara Testchild",))
    with pytest.raises(ValueError):
        audit.Record(action="Bearer eyJhbGciOi.eyJzdWIi.sig", at=DEFAULT_NOW)


@pytest.mark.rule("audit-chain")
async def test_verify_finds_an_edited_entry(trail: Hub) -> None:
    await append(trail, "read:cases", "read:case", "read:inbox")
    await tamper(trail, "UPDATE audit_entry SET organisation_id = 'someone-else' WHERE seq = 2")
    assert await problems(trail) == [(2, "edited")]


@pytest.mark.rule("audit-chain")
async def test_verify_finds_a_deleted_entry(trail: Hub) -> None:
    await append(trail, "read:cases", "read:case", "read:inbox")
    await tamper(trail, "DELETE FROM audit_entry WHERE seq = 2")
    assert await problems(trail) == [(3, "missing"), (3, "unlinked")]


@pytest.mark.rule("audit-chain")
async def test_verify_finds_a_deleted_first_entry(trail: Hub) -> None:
    await append(trail, "read:cases", "read:case")
    await tamper(trail, "DELETE FROM audit_entry WHERE seq = 1")
    assert await problems(trail) == [(2, "missing"), (2, "unlinked")]


@pytest.mark.rule("audit-chain")
async def test_verify_finds_reordered_entries(trail: Hub) -> None:
    # given entries 2 and 3 swapped: each keeps its own content and hashes, under the other's seq
    await append(trail, "read:cases", "read:case", "read:inbox", "read:rapidReviews")
    await tamper(trail, "UPDATE audit_entry SET seq = 99 WHERE seq = 2",
                 "UPDATE audit_entry SET seq = 2 WHERE seq = 3",
                 "UPDATE audit_entry SET seq = 3 WHERE seq = 99")
    assert await problems(trail) == [(2, "edited"), (2, "unlinked"), (3, "edited"), (3, "unlinked"), (4, "unlinked")]


@pytest.mark.rule("audit-chain")
async def test_postgresql_refuses_to_update_or_delete_an_entry(trail: Hub, database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has no triggers from migration 0007; the hash chain shows tampering there")
    await append(trail, "read:cases")
    for statement in ("UPDATE audit_entry SET action = 'x'", "DELETE FROM audit_entry", "TRUNCATE audit_entry"):
        with pytest.raises(DBAPIError, match="audit_entry is append-only"):
            async with transaction(trail.sessions) as session:
                await session.execute(text(statement))
    assert len(await entries(trail)) == 1


def cspr_hub(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "app", *args], check=False, env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.rule("audit-chain")
async def test_cspr_hub_audit_verify_exits_1_once_an_entry_is_edited(tmp_path: Path) -> None:
    # given a SQLite hub with three entries
    path = tmp_path / "audited.db"
    url = f"sqlite+aiosqlite:///{path}"
    engine = create_engine(url)
    try:
        await migrations.upgrade(engine)
        async with transaction(session_factory(engine)) as session:
            await audit.append(session, principal=CAMDEN, records=[
                audit.Record(action=a, at=DEFAULT_NOW, case_id="case-1") for a in ("notifySeriousIncident", "read:case", "startRapidReview")])
    finally:
        await engine.dispose()
    intact = cspr_hub("audit", "verify", "--database-url", url)
    assert (intact.returncode, intact.stdout) == (0, "audit chain intact: 3 entries\n"), intact.stderr
    # when someone edits one with the database's own tools
    with sqlite3.connect(path) as db:
        db.execute("UPDATE audit_entry SET action = 'read:inbox' WHERE seq = 2")
    broken = cspr_hub("audit", "verify", "--database-url", url)
    assert broken.returncode == 1
    assert broken.stdout == "entry 2: edited: the entry does not match its hash\n"
