"""Delivery across real processes on PostgreSQL: several workers never deliver the same attempt
twice, and a worker killed at random moments loses nothing (deliveries are at least once;
receivers dedupe by webhook-id)."""

from __future__ import annotations

import asyncio
import os
import random
import secrets
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx2
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel import col
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from app.main import Hub
from app.settings import Settings
from hub import models, organisations
from hub.clock import LONDON
from hub.store import transaction
from hub.webhooks import new_secret
from tests.conftest import POSTGRES_URL, free_port, serving

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.postgres


@pytest.fixture
async def pg_url() -> AsyncIterator[str]:
    name = f"cspr_hub_proc_{secrets.token_hex(4)}"
    admin = create_async_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
    except OSError as exc:
        await admin.dispose()
        if os.environ.get("CI"):
            raise
        pytest.skip(f"PostgreSQL not reachable: {type(exc).__name__}")
    base, _, _ = POSTGRES_URL.rpartition("/")
    try:
        yield f"{base}/{name}"
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


class Received:
    def __init__(self) -> None:
        self.ids: Counter[str] = Counter()

    async def endpoint(self, request: Request) -> Response:
        self.ids[request.headers["webhook-id"]] += 1
        await request.body()
        return Response(status_code=204)


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[str, Received]]:
    found = Received()
    async with serving(Starlette(routes=[Route("/hook", found.endpoint, methods=["POST"])])) as base:
        yield f"{base}/hook", found


def environment(url: str) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "CSPR_HUB_DATABASE_URL": url,
            "CSPR_HUB_WEBHOOK_ALLOW_PRIVATE": "true", "CSPR_HUB_DELIVERY_LEASE_SECONDS": "2"}


def worker(url: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "app", "worker"], env=environment(url),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


async def started_hub(url: str) -> Hub:
    hub = Hub.create(Settings(database_url=url))
    await hub.start()
    return hub


async def subscribe_panel(hub: Hub, hook: str) -> str:
    async with transaction(hub.sessions) as session:
        panel = await organisations.by_code(session, "PANEL")
        assert panel is not None
        subscription = models.WebhookSubscription(
            organisation_id=panel.id, url=hook, event_types=["notification.submitted"], secret=new_secret(),
            created_at=datetime.now(UTC))
        session.add(subscription)
    return subscription.id


async def delivered(hub: Hub) -> int:
    async with hub.sessions() as session:
        return int((await session.execute(select(func.count()).select_from(models.WebhookDelivery).where(
            col(models.WebhookDelivery.status) == "DELIVERED"))).scalar_one())


async def wait_until_delivered(hub: Hub, expected: int, seconds: float) -> int:
    found = 0
    for _ in range(int(seconds / 0.2)):
        found = await delivered(hub)
        if found >= expected:
            return found
        await asyncio.sleep(0.2)
    return found


async def test_two_worker_processes_deliver_a_thousand_deliveries_with_no_attempt_made_twice(
    pg_url: str, receiver: tuple[str, Received]
) -> None:
    hook, received = receiver
    hub = await started_hub(pg_url)
    try:
        subscription_id = await subscribe_panel(hub, hook)
        now = datetime.now(UTC)
        async with transaction(hub.sessions) as session:
            session.add_all(models.WebhookDelivery(
                subscription_id=subscription_id, event_type="notification.submitted",
                payload={"type": "notification.submitted", "data": {"n": n}}, status="PENDING",
                next_attempt_at=now, created_at=now) for n in range(1000))
        workers = [worker(pg_url), worker(pg_url)]
        try:
            assert await wait_until_delivered(hub, 1000, seconds=180) == 1000
        finally:
            for process in workers:
                await asyncio.to_thread(stop, process)
        async with hub.sessions() as session:
            attempts = (await session.execute(select(models.WebhookAttempt))).scalars().all()
        # One successful attempt per delivery: a delivery claimed by both workers would show two.
        succeeded = Counter(a.delivery_id for a in attempts if a.status_code is not None and 200 <= a.status_code < 300)
        assert len(succeeded) == 1000 and set(succeeded.values()) == {1}
        # Any other attempt is a retry after a recorded failure (a timeout on a loaded machine), never a silent
        # second claim; only such a retry may reach the receiver twice (at least once, deduplicated by webhook-id).
        failed = [a for a in attempts if a.status_code is None or not 200 <= a.status_code < 300]
        assert all(a.error for a in failed), [a.status_code for a in failed]
        assert len(received.ids) == 1000
        assert sum(n - 1 for n in received.ids.values()) <= len(failed)
    finally:
        await hub.stop()


def today() -> str:
    return datetime.now(LONDON).date().isoformat()


async def notify(http: httpx2.AsyncClient, api: str, token: str, n: int) -> None:
    incident = {"kind": "SERIOUS_HARM", "occurredOn": today(), "awareOn": today(), "abuseOrNeglect": "SUSPECTED",
                "location": "IN_AREA", "summary": f"Invented incident {n}."}
    child = {"sex": "UNKNOWN", "lookedAfter": False, "onChildProtectionPlan": False}
    query = "mutation($i: NotifySeriousIncidentInput!) { notifySeriousIncident(input: $i) { errors { code } } }"
    variables = {"i": {"child": child, "incident": incident, "idempotencyKey": f"crash-{n}"}}
    for _ in range(5):  # the API process stays up; a retry with the same key is safe
        try:
            response = await http.post(f"{api}/graphql", json={"query": query, "variables": variables},
                                       headers={"authorization": f"Bearer {token}"}, timeout=30)
            assert response.json()["data"]["notifySeriousIncident"]["errors"] == []
            return
        except httpx2.TransportError:
            await asyncio.sleep(0.2)
    raise AssertionError(f"notification {n} was not accepted")


@pytest.fixture
def api_process(pg_url: str) -> Iterator[str]:
    subprocess.run([sys.executable, "-m", "app", "migrate"], env=environment(pg_url), check=True, timeout=120,
                   capture_output=True)
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "app", "serve", "--port", str(port), "--no-worker"],
                               env=environment(pg_url), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx2.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except httpx2.TransportError:
                pass
            time.sleep(0.2)
        yield base
    finally:
        stop(process)


async def test_a_worker_killed_at_random_moments_loses_no_delivery(
    pg_url: str, receiver: tuple[str, Received], api_process: str
) -> None:
    hook, received = receiver
    hub = await started_hub(pg_url)
    chance = random.Random(20261128)
    current = worker(pg_url)
    kills = 0
    try:
        await subscribe_panel(hub, hook)
        minted = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "app", "token", "--org", "E09000007", "--role", "la",
            "--port", api_process.rsplit(":", 1)[1], env=environment(pg_url), stdout=asyncio.subprocess.PIPE)
        out, _ = await asyncio.wait_for(minted.communicate(), timeout=60)
        token = out.decode().strip()
        async with httpx2.AsyncClient() as http:
            for batch in range(20):
                await asyncio.gather(*(notify(http, api_process, token, batch * 10 + i) for i in range(10)))
                if chance.random() < 0.6:  # SIGKILL mid-flight, then a fresh worker
                    await asyncio.sleep(chance.uniform(0.0, 0.3))
                    current.send_signal(signal.SIGKILL)
                    await asyncio.to_thread(current.wait, 10)
                    kills += 1
                    current = worker(pg_url)
        assert await wait_until_delivered(hub, 200, seconds=120) == 200
    finally:
        await asyncio.to_thread(stop, current)
        await hub.stop()
    duplicates = sum(received.ids.values()) - len(received.ids)
    print(f"\n200 notifications, {kills} SIGKILLs: {len(received.ids)} delivered, {duplicates} duplicate deliveries")
    assert kills >= 5
    assert len(received.ids) == 200
