"""The benchmark's webhook receiver, in a process of its own: ``python bench/receiver.py PORT [DELAY_MS]``.

It answers every ``POST /hook`` with 204 (after ``DELAY_MS`` if given) and counts requests and
distinct ``webhook-id`` headers (``GET /stats``, ``POST /reset``), so duplicates show.
"""

from __future__ import annotations

import asyncio
import contextlib
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


def receiver_app(delay_ms: int) -> Starlette:
    """204 for every POST /hook; GET /stats counts requests and distinct webhook-ids."""
    seen: set[str] = set()
    requests = [0]

    async def hook(request: Request) -> Response:
        await request.body()
        requests[0] += 1
        seen.add(request.headers.get("webhook-id", ""))
        if delay_ms:
            await asyncio.sleep(delay_ms / 1000)
        return Response(status_code=204)

    async def stats(request: Request) -> JSONResponse:
        return JSONResponse({"requests": requests[0], "distinct": len(seen)})

    async def reset(request: Request) -> Response:
        seen.clear()
        requests[0] = 0
        return Response(status_code=204)

    routes = [Route("/hook", hook, methods=["POST"]), Route("/stats", stats), Route("/reset", reset, methods=["POST"])]
    return Starlette(routes=routes)


def serve_receiver(port: int, delay_ms: int) -> int:
    import uvicorn

    uvicorn.run(receiver_app(delay_ms), host=HOST, port=port, log_level="warning", access_log=False)
    return 0


async def start_receiver(servers: Servers, delay_ms: int, *, ready_seconds: float = 60.0) -> str:
    port = free_port()
    base = f"http://{HOST}:{port}"
    argv = [sys.executable, __file__, str(port), str(delay_ms)]
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
    sys.exit(serve_receiver(int(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 0))
