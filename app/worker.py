"""The outbox worker: inside ``cspr-hub serve`` by default, or alone as ``cspr-hub worker``."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import httpx2

from app.main import Hub
from app.settings import is_url
from connectors.framework import ConnectorWorker
from connectors.pinned import PinnedTransport, Refused
from connectors.secrets import SealError
from connectors.webhooks import TIMEOUT, Sender, Worker, sign
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
                         *([witness(hub, stop, to=hub.settings.audit_witness)] if hub.settings.audit_witness
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


WITNESS_ATTEMPTS = 5  # a post to a witness URL: tried this often, waiting 2, 4, 8, 16 s between tries
WITNESS_BACKOFF_SECONDS = 2.0


async def send_checkpoint(hub: Hub, to: Path | str, *, transport: httpx2.AsyncBaseTransport | None = None,
                          backoff_seconds: float = WITNESS_BACKOFF_SECONDS) -> audit.Checkpoint | None:
    """Verify the audit chain and send a signed checkpoint to the witness: appended to a file, or posted to a
    URL (none when the chain is broken, or when every try to post failed)."""
    keys = hub.settings.audit_keys()
    async with hub.sessions() as session, session.begin():
        point = await audit.checkpoint(session, at=hub.clock.now())
        problems = await audit.verify(session)
    if problems:
        logger.error("audit chain broken at entry %s (%s): no checkpoint sent to the witness",
                     problems[0].seq, problems[0].kind)
        return None
    if isinstance(to, str) and is_url(to):
        delivered = await post_checkpoint(hub, to, point.signed(keys), transport=transport,
                                          backoff_seconds=backoff_seconds)
        return point if delivered else None
    await asyncio.to_thread(_append, Path(to), point.signed(keys))
    return point


def _append(path: Path, line: str) -> None:
    with path.open("a", encoding="utf-8") as file:
        file.write(line + "\n")


async def post_checkpoint(hub: Hub, url: str, signed: str, *, transport: httpx2.AsyncBaseTransport | None = None,
                          attempts: int = WITNESS_ATTEMPTS, backoff_seconds: float = WITNESS_BACKOFF_SECONDS) -> bool:
    """POST the signed checkpoint (the body is its one line of JSON, as `audit verify --checkpoint` reads it),
    signed as Standard Webhooks with CSPR_HUB_AUDIT_WITNESS_SECRET; the same webhook-id on every try."""
    secret = hub.settings.audit_witness_secret
    if secret is None:
        logger.error("CSPR_HUB_AUDIT_WITNESS is a URL but CSPR_HUB_AUDIT_WITNESS_SECRET is not set: nothing sent")
        return False
    message_id = "audit_checkpoint_" + hashlib.sha256(signed.encode()).hexdigest()[:32]
    own = PinnedTransport(allow_private=hub.settings.policy.webhook_allow_private) if transport is None else transport
    async with httpx2.AsyncClient(transport=own, timeout=TIMEOUT) as client:
        for attempt in range(1, attempts + 1):
            stamp = int(time.time())
            headers = {"content-type": "application/json", "user-agent": "cspr-hub-audit-witness/1",
                       "webhook-id": message_id, "webhook-timestamp": str(stamp),
                       "webhook-signature": sign(secret, message_id, stamp, signed)}
            try:
                response = await client.post(url, content=signed.encode(), headers=headers, follow_redirects=False)
                if response.is_success:
                    return True
                why = f"HTTP {response.status_code}"
            except Refused as exc:
                why = str(exc)
                if exc.permanent:
                    attempts = attempt
            except httpx2.HTTPError as exc:
                why = type(exc).__name__
            logger.warning("audit checkpoint not taken by the witness (try %s of %s): %s", attempt, attempts, why)
            if attempt < attempts:
                await asyncio.sleep(backoff_seconds * 2 ** (attempt - 1))
    logger.error("audit checkpoint not sent to the witness after %s tries; the next is due in a day", attempts)
    return False


async def witness(hub: Hub, stop: asyncio.Event, *, to: Path | str, every_seconds: float = 86_400.0) -> None:
    """Each day (and at start) send a checkpoint of the audit trail to the witness (CSPR_HUB_AUDIT_WITNESS); a post
    still being retried when the worker stops is abandoned (the next start sends one)."""
    while not stop.is_set():
        sending = asyncio.ensure_future(send_checkpoint(hub, to))
        stopping = asyncio.ensure_future(stop.wait())
        await asyncio.wait([sending, stopping], return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if not sending.done():
            sending.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            try:
                await sending
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
