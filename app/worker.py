"""The outbox worker: inside ``cspr-hub serve`` by default, or alone as ``cspr-hub worker``."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import httpx2

from app.main import Hub
from connectors.webhooks import Sender, Worker
from hub.events import NOTIFY_CHANNEL
from hub.store import listening


def build(hub: Hub, client: httpx2.AsyncClient) -> Worker:
    sender = Sender(client, allow_private=hub.settings.policy.webhook_allow_private)
    poll = 0.5 if hub.engine.dialect.name == "sqlite" else 2.0  # PostgreSQL wakes it by NOTIFY
    return Worker(sessions=hub.sessions, clock=hub.clock, sender=sender, poll_seconds=poll)


async def run(hub: Hub, stop: asyncio.Event, *, transport: httpx2.AsyncBaseTransport | None = None) -> None:
    async with httpx2.AsyncClient(transport=transport) as client:
        worker = build(hub, client)
        async with listening(hub.engine, NOTIFY_CHANNEL, lambda _payload: worker.wake.set()):
            await worker.run(stop)


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
