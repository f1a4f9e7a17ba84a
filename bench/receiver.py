"""The benchmark's webhook receiver, in a process of its own: ``python bench/receiver.py PORT [DELAY_MS] [FAIL_EVERY]``.

It answers every ``POST /hook`` with 204 (after ``DELAY_MS`` if given) and counts requests and
distinct ``webhook-id`` headers (``GET /stats``, ``POST /reset``), so duplicates show. With
``FAIL_EVERY`` N > 0 it fails the first attempt of about one webhook-id in N with 503 and of
another one in N with 429 (``Retry-After: 1``), and answers their retries 204: a receiver that fails
sometimes, whose deliveries still all arrive. ``GET /acks`` gives the times each webhook-id was
answered 2xx (more than one means it was taken twice).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import sys
import time
from pathlib import Path

import httpx2
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

sys.path.insert(0, str(Path(__file__).resolve().parent))
from processes import HOST, BenchError, Servers, client, free_port


def receiver_app(delay_ms: int, fail_every: int = 0) -> Starlette:
    """204 for every POST /hook (but first attempts failed as ``fail_every`` says); GET /stats counts requests
    and distinct webhook-ids; GET /acks the times each id was answered 2xx."""
    seen: set[str] = set()
    requests = [0]
    acks: dict[str, list[float]] = {}

    def fails_first(message_id: str) -> int | None:
        if fail_every <= 0:
            return None
        bucket = int(hashlib.sha256(message_id.encode()).hexdigest()[:8], 16) % fail_every
        return 503 if bucket == 0 else 429 if bucket == 1 else None

    async def hook(request: Request) -> Response:
        await request.body()
        requests[0] += 1
        message_id = request.headers.get("webhook-id", "")
        first = message_id not in seen
        seen.add(message_id)
        if delay_ms:
            await asyncio.sleep(delay_ms / 1000)
        failure = fails_first(message_id) if first else None
        if failure is not None:
            return Response(status_code=failure, headers={"retry-after": "1"} if failure == 429 else None)
        acks.setdefault(message_id, []).append(time.time())
        return Response(status_code=204)

    async def acked(request: Request) -> JSONResponse:
        return JSONResponse(acks)

    async def stats(request: Request) -> JSONResponse:
        return JSONResponse({"requests": requests[0], "distinct": len(seen)})

    async def reset(request: Request) -> Response:
        seen.clear()
        acks.clear()
        requests[0] = 0
        return Response(status_code=204)

    routes = [Route("/hook", hook, methods=["POST"]), Route("/stats", stats), Route("/reset", reset, methods=["POST"]),
              Route("/acks", acked)]
    return Starlette(routes=routes)


def serve_receiver(port: int, delay_ms: int, fail_every: int = 0) -> int:
    import uvicorn

    uvicorn.run(receiver_app(delay_ms, fail_every), host=HOST, port=port, log_level="warning", access_log=False)
    return 0


async def start_receiver(servers: Servers, delay_ms: int, *, ready_seconds: float = 60.0, fail_every: int = 0) -> str:
    port = free_port()
    base = f"http://{HOST}:{port}"
    argv = [sys.executable, __file__, str(port), str(delay_ms), str(fail_every)]
    proc = servers.start("receiver", argv)
    deadline = time.monotonic() + ready_seconds
    async with client() as http:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise BenchError(f"the receiver exited with {proc.returncode}:\n{servers.log_tail('receiver')}")
            with contextlib.suppress(httpx2.HTTPError):
                if (await http.get(f"{base}/stats", timeout=2.0)).status_code == 200:
                    return base
            await asyncio.sleep(0.2)
    raise BenchError(f"the receiver is not up after {ready_seconds:.0f}s:\n{servers.log_tail('receiver')}")


async def receiver_stats(base: str, *, reset: bool = False) -> tuple[int, int]:
    async with client() as http:
        if reset:
            (await http.post(f"{base}/reset")).raise_for_status()
            return 0, 0
        answer: dict[str, int] = (await http.get(f"{base}/stats")).json()
    return answer["requests"], answer["distinct"]


if __name__ == "__main__":
    sys.exit(serve_receiver(int(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 0,
                            int(sys.argv[3]) if len(sys.argv) > 3 else 0))
