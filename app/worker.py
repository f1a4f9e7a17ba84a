"""The outbox worker: inside ``cspr-hub serve`` by default, or alone as ``cspr-hub worker``."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx2

from app.main import Hub
from connectors.webhooks import Sender, Worker
from hub import reminders
from hub.events import NOTIFY_CHANNEL
from hub.store import listening

logger = logging.getLogger("cspr_hub.worker")


def build(hub: Hub, client: httpx2.AsyncClient) -> Worker:
    sender = Sender(client, allow_private=hub.settings.policy.webhook_allow_private)
    poll = 1.0 if hub.engine.dialect.name == "sqlite" else 2.0  # woken on commit; polling is the fallback
    return Worker(sessions=hub.sessions, clock=hub.clock, sender=sender, poll_seconds=poll,
                  lease=timedelta(seconds=hub.settings.delivery_lease_seconds))


async def run(hub: Hub, stop: asyncio.Event, *, transport: httpx2.AsyncBaseTransport | None = None) -> None:
    async with httpx2.AsyncClient(transport=transport) as client:
        worker = build(hub, client)
        hub.feed.outbox_listeners.add(worker.wake.set)  # SQLite: woken in-process on commit
        try:
            async with listening(hub.engine, NOTIFY_CHANNEL, lambda _payload: worker.wake.set()):
                await asyncio.gather(worker.run(stop), remind(hub, stop, wake=worker.wake))
        finally:
            hub.feed.outbox_listeners.discard(worker.wake.set)


async def remind(hub: Hub, stop: asyncio.Event, *, wake: asyncio.Event, every_seconds: float = 60.0) -> None:
    """Announce deadlines approaching and missed (once each), then wake the delivery loop."""
    while not stop.is_set():
        try:
            if await reminders.sweep(hub.sessions, clock=hub.clock,
                                     warn_working_days=hub.settings.policy.deadline_warning_working_days):
                wake.set()
        except Exception:
            logger.exception("deadline sweep failed")
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
