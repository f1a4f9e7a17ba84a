"""The loop every outbox worker runs: work while there is work, then sleep until woken, stopped or polled."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

logger = logging.getLogger("cspr_hub.outbox")


async def drain(run_once: Callable[[], Awaitable[int]], *, stop: asyncio.Event, wake: asyncio.Event,
                poll_seconds: float, what: str) -> None:
    """Run ``run_once`` until ``stop`` is set. A round that did something is followed at once by another; a
    round that found nothing waits for ``wake`` (set when new work is queued in this process), ``stop`` or
    ``poll_seconds`` (work queued by another process). A failed round is logged and retried after the
    poll interval: the leases of what it claimed run out and the work is claimed again."""
    while not stop.is_set():
        try:
            done = await run_once()
        except Exception:
            logger.exception("%s round failed; retrying after the poll interval", what)
            done = 0
        if done:
            continue
        wake.clear()
        waits = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(wake.wait())]
        await asyncio.wait(waits, timeout=poll_seconds, return_when=asyncio.FIRST_COMPLETED)
        for waiting in waits:
            waiting.cancel()
