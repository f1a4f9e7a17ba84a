"""The outbox worker: inside ``cspr-hub serve`` by default, or alone as ``cspr-hub worker``."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import httpx2

from app.main import Hub
from connectors.framework import ConnectorWorker
from connectors.pinned import PinnedTransport
from connectors.secrets import SealError
from connectors.webhooks import Sender, Worker
from hub import audit, reminders
from hub.events import NOTIFY_CHANNEL
from hub.store import listening

logger = logging.getLogger("cspr_hub.worker")


def build(hub: Hub, client: httpx2.AsyncClient) -> Worker:
    sender = Sender(client, sealer=hub.sealer())
    poll = 1.0 if hub.engine.dialect.name == "sqlite" else 2.0  # woken on commit; polling is the fallback
    return Worker(sessions=hub.sessions, clock=hub.clock, sender=sender, poll_seconds=poll,
                  lease=timedelta(seconds=hub.settings.delivery_lease_seconds))


def build_connectors(hub: Hub, transport: httpx2.AsyncBaseTransport | None = None) -> ConnectorWorker | None:
    """The connector loop; without a secret key (production without CSPR_HUB_SECRET_KEY) there is none."""
    try:
        sealer = hub.sealer()
    except SealError as exc:
        logger.error("connectors are not called: %s", exc)
        return None
    poll = 1.0 if hub.engine.dialect.name == "sqlite" else 2.0
    return ConnectorWorker(sessions=hub.sessions, clock=hub.clock, sealer=sealer, hub_url=hub.settings.hub_url,
                           transport=transport, poll_seconds=poll,
                           lease=timedelta(seconds=hub.settings.delivery_lease_seconds),
                           allow_private=hub.settings.policy.webhook_allow_private)


async def run(hub: Hub, stop: asyncio.Event, *, transport: httpx2.AsyncBaseTransport | None = None) -> None:
    own = PinnedTransport(allow_private=hub.settings.policy.webhook_allow_private) if transport is None else transport
    async with httpx2.AsyncClient(transport=own) as client:
        worker = build(hub, client)
        calls = build_connectors(hub, transport)
        wakes = [worker.wake.set, *([calls.wake.set] if calls else [])]

        def wake_all(_payload: str = "") -> None:
            for wake in wakes:
                wake()

        hub.feed.outbox_listeners.add(wake_all)  # SQLite: woken in-process on commit
        try:
            async with listening(hub.engine, NOTIFY_CHANNEL, wake_all):
                loops = [worker.run(stop), remind(hub, stop, wake=worker.wake), *([calls.run(stop)] if calls else []),
                         *([witness(hub, stop, path=Path(hub.settings.audit_witness))] if hub.settings.audit_witness
                           else [])]
                await asyncio.gather(*loops)
        finally:
            hub.feed.outbox_listeners.discard(wake_all)


async def remind(hub: Hub, stop: asyncio.Event, *, wake: asyncio.Event, every_seconds: float = 60.0) -> None:
    """Announce deadlines approaching and missed (once each), then wake the delivery loop."""
    while not stop.is_set():
        try:
            if await reminders.sweep(hub.sessions, clock=hub.clock, policy=hub.settings.policy,
                                     warn_working_days=hub.settings.policy.deadline_warning_working_days):
                wake.set()
        except Exception:
            logger.exception("deadline sweep failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=every_seconds)


async def send_checkpoint(hub: Hub, path: Path) -> audit.Checkpoint | None:
    """Verify the audit chain and append a signed checkpoint to the witness file (none when the chain is broken)."""
    keys = hub.settings.audit_keys()
    async with hub.sessions() as session, session.begin():
        point = await audit.checkpoint(session, at=hub.clock.now())
        problems = await audit.verify(session)
    if problems:
        logger.error("audit chain broken at entry %s (%s): no checkpoint sent to the witness",
                     problems[0].seq, problems[0].kind)
        return None
    with path.open("a", encoding="utf-8") as file:
        file.write(point.signed(keys) + "\n")
    return point


async def witness(hub: Hub, stop: asyncio.Event, *, path: Path, every_seconds: float = 86_400.0) -> None:
    """Each day (and at start) send a checkpoint of the audit trail to the witness file (CSPR_HUB_AUDIT_WITNESS)."""
    while not stop.is_set():
        try:
            await send_checkpoint(hub, path)
        except Exception:
            logger.exception("audit checkpoint for the witness failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=every_seconds)


@contextlib.asynccontextmanager
async def running(hub: Hub) -> AsyncIterator[None]:
    """Run the worker for as long as the block runs, then let it finish its round."""
    stop = asyncio.Event()
    task = asyncio.create_task(run(hub, stop))
    try:
        yield
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=30)
