"""The audit trail (DPA 2018 s62): appended in the transaction it records, hash-chained, tamper-evident."""

from __future__ import annotations

import asyncio
import json
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
from app.settings import Settings
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
    key = trail.settings.audit_keys().chain[0]
    assert all(r.hash == audit.mac(r, key) for r in rows)
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
        info = Settings.from_env().with_database(url).session_info()
        async with transaction(session_factory(engine, info=info)) as session:
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
    assert broken.stdout == "entry 2: edited: the entry does not match its MAC under the audit keys\n"


# --- keyed chain and checkpoints: an audit trail anchored outside the database ---------------------------------


async def rewrite_unkeyed(hub: Hub, *, actions: dict[int, str], start: int = 1) -> None:
    """As someone who can write to the database but has no key: edit entries, recompute unkeyed hashes from start."""
    rows, statements = await entries(hub), []
    previous = rows[start - 2].hash if start > 1 else audit.GENESIS
    for row in rows[start - 1:]:
        row.action, row.previous_hash = actions.get(row.seq or 0, row.action), previous
        row.hash = previous = audit.digest(row)
        statements.append(f"UPDATE audit_entry SET action = '{row.action}', previous_hash = '{row.previous_hash}', "
                          f"hash = '{row.hash}' WHERE seq = {row.seq}")
    await tamper(hub, *statements)


async def checkpoint_of(hub: Hub) -> audit.Checkpoint:
    async with hub.sessions() as session:
        return await audit.checkpoint(session, at=DEFAULT_NOW)


async def against(hub: Hub, point: audit.Checkpoint) -> list[tuple[int, str]]:
    async with hub.sessions() as session:
        return [(p.seq, p.kind) for p in await audit.verify(session) + await audit.anchored(session, point)]


FIVE = ("read:cases", "read:case", "read:inbox", "read:rapidReviews", "startRapidReview")


@pytest.mark.rule("audit-chain")
async def test_a_last_entry_rewritten_with_a_recomputed_unkeyed_hash_breaks_the_keyed_chain(trail: Hub) -> None:
    await append(trail, *FIVE)
    # when the last entry is rewritten and its sha256 recomputed, as one could before the chain was keyed
    rows = await entries(trail)
    last = rows[-1]
    last.action = "read:inbox"
    await tamper(trail, f"UPDATE audit_entry SET action = 'read:inbox', hash = '{audit.digest(last)}' WHERE seq = 5")
    # then verify finds it without any checkpoint: the key that makes the MAC is not in the database
    assert await problems(trail) == [(5, "edited")]


@pytest.mark.rule("audit-chain")
async def test_the_chain_is_keyed_under_a_key_derived_from_the_secret_key_not_stored(trail: Hub) -> None:
    await append(trail, *FIVE[:2])
    rows = await entries(trail)
    # the key is derived from CSPR_HUB_SECRET_KEY under a label of its own: neither the secret nor a plain sha256
    secret = trail.settings.sealing_keys()[0]
    assert all(r.hash not in {audit.digest(r), audit.mac(r, secret.encode())} for r in rows)
    # and a hub under another secret key does not accept the chain
    other = audit.Keys.derive(["another-secret"])
    async with session_factory(trail.engine, info={audit.KEYS: other})() as session:
        assert [(p.seq, p.kind) for p in await audit.verify(session)] == [(1, "edited"), (2, "edited")]
    # and nothing is appended by a session without a key
    with pytest.raises(audit.KeyMissing):
        async with transaction(session_factory(trail.engine)) as session:
            await audit.append(session, principal=CAMDEN, records=[audit.Record(action="read:case", at=DEFAULT_NOW)])


@pytest.mark.rule("audit-chain")
async def test_entries_written_before_the_chain_was_keyed_keep_verifying_but_only_as_its_prefix(trail: Hub) -> None:
    # given two entries in the unkeyed form of earlier releases, then keyed ones appended after them
    await append(trail, *FIVE[:2])
    await rewrite_unkeyed(trail, actions={})
    await append(trail, *FIVE[2:])
    rows = await entries(trail)
    assert [r.hash == audit.digest(r) for r in rows] == [True, True, False, False, False]
    assert await problems(trail) == []
    # when entries after a keyed one are rewritten in the unkeyed form, each chained to the one before
    await rewrite_unkeyed(trail, actions={4: "read:case"}, start=4)
    # then unkeyed hashes after a keyed entry are refused (rewriting the whole trail so: the checkpoint's part)
    assert await problems(trail) == [(4, "edited"), (5, "edited")]


@pytest.mark.rule("audit-anchored")
@pytest.mark.parametrize(("tampering", "found"), [
    ("DELETE FROM audit_entry WHERE seq > 3", [(5, "truncated")]),
    ("DELETE FROM audit_entry WHERE seq = 3", [(4, "missing"), (4, "unlinked")]),
    ("UPDATE audit_entry SET seq = 99 WHERE seq = 4; UPDATE audit_entry SET seq = 4 WHERE seq = 5; "
     + "UPDATE audit_entry SET seq = 5 WHERE seq = 99",
     [(4, "edited"), (4, "unlinked"), (5, "edited"), (5, "unlinked"), (5, "rewritten")]),
])
async def test_a_checkpoint_finds_entries_up_to_it_truncated_deleted_or_reordered(
    trail: Hub, tampering: str, found: list[tuple[int, str]]
) -> None:
    # given five entries and a checkpoint of them, kept outside the database
    await append(trail, *FIVE)
    point = await checkpoint_of(trail)
    assert (point.length, await against(trail, point)) == (5, [])
    # when the trail is tampered with as the database owner
    await tamper(trail, *tampering.split("; "))
    # then the checkpoint names what happened
    assert await against(trail, point) == found


@pytest.mark.rule("audit-anchored")
async def test_a_truncated_trail_looks_intact_without_its_checkpoint_and_broken_with_it(trail: Hub) -> None:
    await append(trail, *FIVE)
    point = await checkpoint_of(trail)
    await tamper(trail, "DELETE FROM audit_entry WHERE seq > 2")
    assert await problems(trail) == []  # what a chain alone cannot show
    assert await against(trail, point) == [(5, "truncated")]


@pytest.mark.rule("audit-anchored")
async def test_a_checkpoint_finds_the_whole_chain_rewritten_in_the_unkeyed_form(trail: Hub) -> None:
    # given a checkpoint, then every entry rewritten as earlier unkeyed entries were (one changed on the way)
    await append(trail, *FIVE)
    point = await checkpoint_of(trail)
    await rewrite_unkeyed(trail, actions={5: "read:inbox"})
    # then the chain alone cannot tell it from an old unkeyed trail, but the checkpoint's head is gone
    assert await problems(trail) == []
    assert await against(trail, point) == [(5, "rewritten")]


@pytest.mark.rule("audit-anchored")
async def test_entries_after_the_checkpoint_are_still_verified_by_the_chain(trail: Hub) -> None:
    await append(trail, *FIVE[:3])
    point = await checkpoint_of(trail)
    await append(trail, *FIVE[3:])
    assert await against(trail, point) == []


@pytest.mark.rule("audit-anchored")
def test_a_checkpoint_with_any_field_changed_or_under_another_key_is_refused() -> None:
    keys = audit.Keys.derive(["a-secret"])
    point = audit.Checkpoint(length=5, head="ab" * 32, at=DEFAULT_NOW)
    signed = point.signed(keys)
    assert audit.Checkpoint.opened(signed, keys) == point
    for field, value in [("length", 7), ("head", "cd" * 32), ("at", "2026-12-23T11:00:00+00:00")]:
        changed = json.dumps({**json.loads(signed), field: value})
        with pytest.raises(audit.CheckpointError, match="tampered"):
            audit.Checkpoint.opened(changed, keys)
    with pytest.raises(audit.CheckpointError, match="tampered"):
        audit.Checkpoint.opened(signed, audit.Keys.derive(["another-secret"]))
    for unread in ["", "[]", '{"length": 5}', signed.replace('"version": 1', '"version": 2')]:
        with pytest.raises(audit.CheckpointError):
            audit.Checkpoint.opened(unread, keys)
    # rotation: a checkpoint made under an older key still opens while that key is listed after the new one
    assert audit.Checkpoint.opened(signed, audit.Keys.derive(["new-secret", "a-secret"])) == point


@pytest.mark.rule("audit-anchored")
async def test_cspr_hub_audit_verify_with_a_checkpoint_exits_1_naming_what_was_cut(
    trail: Hub, database_url: str, tmp_path: Path
) -> None:
    # given four entries and the checkpoint `cspr-hub audit checkpoint` prints, kept in a file
    await append(trail, *FIVE[:4])
    made = cspr_hub("audit", "checkpoint", "--database-url", database_url)
    assert made.returncode == 0, made.stderr
    assert json.loads(made.stdout)["length"] == 4
    kept = tmp_path / "checkpoint.json"
    kept.write_text(made.stdout)
    held = cspr_hub("audit", "verify", "--database-url", database_url, "--checkpoint", str(kept))
    assert (held.returncode, held.stdout.startswith("audit chain intact: 4 entries, the first 4")) == (0, True)
    # when the newest entries are deleted, the chain alone still looks intact
    await tamper(trail, "DELETE FROM audit_entry WHERE seq > 2")
    alone = cspr_hub("audit", "verify", "--database-url", database_url)
    assert (alone.returncode, alone.stdout) == (0, "audit chain intact: 2 entries\n")
    # but not against the checkpoint
    cut = cspr_hub("audit", "verify", "--database-url", database_url, "--checkpoint", str(kept))
    assert cut.returncode == 1
    assert cut.stdout == "entry 4: truncated: the trail ends at entry 2 but the checkpoint holds 4 entries\n"
    # and a checkpoint edited to match the shorter trail is refused as tampered with
    kept.write_text(json.dumps({**json.loads(made.stdout), "length": 2}))
    forged = cspr_hub("audit", "verify", "--database-url", database_url, "--checkpoint", str(kept))
    assert forged.returncode == 1
    assert "the checkpoint was tampered with" in forged.stdout
    # and a broken chain gets no checkpoint
    await tamper(trail, "UPDATE audit_entry SET action = 'read:inbox' WHERE seq = 1")
    refused = cspr_hub("audit", "checkpoint", "--database-url", database_url)
    assert (refused.returncode, refused.stdout) == (1, "")
    assert "the chain is broken" in refused.stderr
