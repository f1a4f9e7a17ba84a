"""Backup and restore of the embedded database: an online backup taken while a real `cspr-hub serve`
writes, restored to a new file, holds against the audit checkpoints (and a restored copy cut short does not)."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import httpx2
import pytest

from app.backup import BackupError, backup_sqlite, sqlite_file
from hub.clock import LONDON
from hub.sealing import new_key
from tests.conftest import free_port

ROOT = Path(__file__).resolve().parent.parent
NOTIFY = """mutation($i: NotifySeriousIncidentInput!) { notifySeriousIncident(input: $i) {
  case { id } errors { code } } }"""
READ_CHILD = """query($c: ID!) { case(id: $c) { child { pseudonym firstName } } }"""


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


def environment(database: Path, key: str) -> dict[str, str]:
    # the secret key is set: in development the audit keys otherwise derive from the URL, which a restore changes
    return {**os.environ, "PYTHONPATH": str(ROOT), "CSPR_HUB_DATABASE_URL": sqlite_url(database),
            "CSPR_HUB_SECRET_KEY": key}


def cspr_hub(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "app", *args], check=False, env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def serving_hub(tmp_path: Path) -> Iterator[tuple[Path, dict[str, str], str]]:
    """A real `cspr-hub serve` on the embedded database, on a free loopback port."""
    database, key = tmp_path / "live.db", new_key()
    env = environment(database, key)
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "app", "serve", "--port", str(port)], env=env, cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx2.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except httpx2.TransportError:
                pass
            if process.poll() is not None:
                raise AssertionError("cspr-hub serve stopped")
            time.sleep(0.2)
        yield database, env, base
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


async def notify_and_read(http: httpx2.AsyncClient, base: str, token: str, n: int) -> None:
    """One notification, then its child's name read back: an audit entry (identity disclosed)."""
    today = datetime.now(LONDON).date().isoformat()
    child = {"firstName": f"Testchild{n}", "sex": "UNKNOWN", "lookedAfter": False, "onChildProtectionPlan": False}
    incident = {"kind": "SERIOUS_HARM", "occurredOn": today, "awareOn": today, "abuseOrNeglect": "SUSPECTED",
                "location": "IN_AREA", "summary": f"Invented incident {n}."}
    headers = {"authorization": f"Bearer {token}"}
    made = await http.post(f"{base}/graphql", headers=headers, timeout=30, json={
        "query": NOTIFY, "variables": {"i": {"child": child, "incident": incident, "idempotencyKey": f"backup-{n}"}}})
    payload = made.json()["data"]["notifySeriousIncident"]
    assert payload["errors"] == [], payload
    read = await http.post(f"{base}/graphql", headers=headers, timeout=30,
                           json={"query": READ_CHILD, "variables": {"c": payload["case"]["id"]}})
    assert read.json()["data"]["case"]["child"]["firstName"] == f"Testchild{n}"


def audit_length(database: Path) -> int:
    with sqlite3.connect(database) as db:
        return int(db.execute("SELECT count(*) FROM audit_entry").fetchone()[0])


async def test_an_online_backup_taken_while_serving_restores_and_holds_against_the_audit_checkpoints(
    serving_hub: tuple[Path, dict[str, str], str], tmp_path: Path
) -> None:
    live, env, base = serving_hub
    port = base.rsplit(":", 1)[1]  # the development issuer follows the port served on
    token = cspr_hub(env, "token", "--org", "E09000007", "--role", "la", "--port", port).stdout.strip()
    async with httpx2.AsyncClient() as http:
        for n in range(5):
            await notify_and_read(http, base, token, n)
        # the daily checkpoint, kept outside the database, taken while the hub serves
        daily = tmp_path / "daily.checkpoint"
        taken = cspr_hub(env, "audit", "checkpoint")
        assert taken.returncode == 0, taken.stderr
        daily.write_text(taken.stdout)

        # traffic keeps writing while the backup is taken
        stop = asyncio.Event()

        async def traffic() -> int:
            n = 5
            while not stop.is_set():
                await notify_and_read(http, base, token, n)
                n += 1
            return n - 5

        writing = asyncio.create_task(traffic())
        await asyncio.sleep(0.5)
        copy = tmp_path / "backup.db"
        made = await asyncio.to_thread(cspr_hub, env, "backup", "--output", str(copy))
        await asyncio.sleep(0.3)
        stop.set()
        written_meanwhile = await asyncio.wait_for(writing, timeout=60)
    assert made.returncode == 0, made.stderr
    assert "integrity ok" in made.stdout
    assert written_meanwhile >= 2

    # restore: the one file, to a new place (a hub stopped there first; no -wal or -shm carried)
    restored = tmp_path / "restored" / "hub.db"
    restored.parent.mkdir()
    restored.write_bytes(copy.read_bytes())
    assert not Path(f"{restored}-wal").exists()
    at_restored = environment(restored, env["CSPR_HUB_SECRET_KEY"])
    assert 5 < audit_length(restored) <= audit_length(live)

    # the restored copy holds against the daily checkpoint, and against one of its own
    held = cspr_hub(at_restored, "audit", "verify", "--checkpoint", str(daily))
    assert held.returncode == 0, held.stdout + held.stderr
    assert held.stdout.startswith("audit chain intact")
    own = tmp_path / "restored.checkpoint"
    own.write_text(cspr_hub(at_restored, "audit", "checkpoint").stdout)
    assert cspr_hub(at_restored, "audit", "verify", "--checkpoint", str(own)).returncode == 0

    # deleting the newest entry of the restored copy is found
    with sqlite3.connect(restored) as db:
        db.execute("DELETE FROM audit_entry WHERE seq = (SELECT max(seq) FROM audit_entry)")
    cut = cspr_hub(at_restored, "audit", "verify", "--checkpoint", str(own))
    assert cut.returncode == 1
    assert "truncated" in cut.stdout


def test_a_backup_is_refused_for_postgresql_and_for_a_missing_database(tmp_path: Path) -> None:
    with pytest.raises(BackupError, match="pg_dump"):
        sqlite_file("postgresql+asyncpg://hub@127.0.0.1/hub")
    assert sqlite_file("sqlite:///./cspr-hub.db") == Path("./cspr-hub.db")
    with pytest.raises(BackupError, match="no database"):
        backup_sqlite(tmp_path / "absent.db", tmp_path / "out.db")
    with sqlite3.connect(tmp_path / "small.db") as db:
        db.execute("CREATE TABLE t (n INTEGER)")
    assert backup_sqlite(tmp_path / "small.db", tmp_path / "copy.db").pages >= 1
    with pytest.raises(BackupError, match="never overwrites"):
        backup_sqlite(tmp_path / "small.db", tmp_path / "copy.db")
