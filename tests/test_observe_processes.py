"""/metrics with two API processes and a worker process on PostgreSQL: what each process answered is
counted by that process (summed across them, they make the traffic sent), and what the database holds
(failed deliveries, the outbox) reads the same from either, whichever process did the work. The processes
log one JSON object a line."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx2
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.api.test_observe import Samples, parse, value
from tests.conftest import free_port, serving
from tests.test_delivery_processes import environment, notify, pg_url, started_hub, stop, subscribe_panel

__all__ = ["pg_url"]  # the fixture used here
pytestmark = pytest.mark.postgres


class Failing:
    def __init__(self) -> None:
        self.count = 0

    async def endpoint(self, request: Request) -> Response:
        self.count += 1
        await request.body()
        return Response(status_code=500)


@pytest.fixture
async def failing() -> AsyncIterator[tuple[str, Failing]]:
    found = Failing()
    async with serving(Starlette(routes=[Route("/hook", found.endpoint, methods=["POST"])])) as base:
        yield f"{base}/hook", found


ISSUER = "http://127.0.0.1:8000"


def observed_environment(url: str) -> dict[str, str]:
    # Two API processes on two ports are one hub: one issuer, named, as an operator sets it for several processes.
    return {**environment(url), "CSPR_HUB_LOG_FORMAT": "json", "CSPR_HUB_DELIVERY_LEASE_SECONDS": "60",
            "CSPR_HUB_ISSUER": ISSUER}


def launch(argv: list[str], url: str, log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen([sys.executable, "-m", "app", *argv], env=observed_environment(url),
                                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)


@pytest.fixture
async def api_processes(pg_url: str, tmp_path: Path) -> AsyncIterator[list[tuple[str, Path]]]:
    """Two `cspr-hub serve --no-worker` processes on the same database, each on its own port."""
    first = await started_hub(pg_url)  # migrated and loaded first: two first starts at once race to load
    await first.stop()
    started: list[tuple[subprocess.Popen[bytes], str, Path]] = []
    try:
        for name in ("a", "b"):
            port, log = free_port(), tmp_path / f"{name}.log"
            process = launch(["serve", "--port", str(port), "--no-worker"], pg_url, log)
            started.append((process, f"http://127.0.0.1:{port}", log))
        for process, base, log in started:
            for _ in range(300):
                try:
                    async with httpx2.AsyncClient() as http:
                        if (await http.get(f"{base}/readyz", timeout=1)).status_code == 200:
                            break
                except httpx2.TransportError:
                    pass
                assert process.poll() is None, log.read_text()
                await asyncio.sleep(0.2)
        yield [(base, log) for _, base, log in started]
    finally:
        for process, _, _ in started:
            await asyncio.to_thread(stop, process)


async def scrape(http: httpx2.AsyncClient, base: str) -> Samples:
    response = await http.get(f"{base}/metrics", timeout=30)
    assert response.status_code == 200, response.text
    return parse(response.text)


async def test_two_api_processes_count_their_own_requests_and_agree_on_what_the_database_holds(
    pg_url: str, failing: tuple[str, Failing], api_processes: list[tuple[str, Path]], tmp_path: Path
) -> None:
    hook, receiver = failing
    (a, a_log), (b, _) = api_processes
    hub = await started_hub(pg_url)
    worker = None
    try:
        await subscribe_panel(hub, hook)
        minted = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "app", "token", "--org", "E09000007", "--role", "la",
            env=observed_environment(pg_url), stdout=asyncio.subprocess.PIPE)
        out, _ = await asyncio.wait_for(minted.communicate(), timeout=60)
        token = out.decode().strip()
        async with httpx2.AsyncClient() as http:
            await asyncio.gather(*(notify(http, a, token, n) for n in range(3)))
            await asyncio.gather(*(notify(http, b, token, n) for n in range(3, 5)))
            worker = launch(["worker"], pg_url, tmp_path / "worker.log")
            for _ in range(300):  # each of the five deliveries tried once, and refused by the receiver
                if value(await scrape(http, a), "cspr_hub_webhook_deliveries_total", outcome="failed") >= 5:
                    break
                await asyncio.sleep(0.2)
            await asyncio.to_thread(stop, worker)
            on_a, on_b = await scrape(http, a), await scrape(http, b)
    finally:
        if worker is not None:
            await asyncio.to_thread(stop, worker)
        await hub.stop()

    answered = {"method": "POST", "route": "/graphql", "status": "200"}
    assert value(on_a, "cspr_hub_http_requests_total", **answered) == 3
    assert value(on_b, "cspr_hub_http_requests_total", **answered) == 2
    assert value(on_a, "cspr_hub_graphql_operations_total", operation_type="mutation", outcome="ok") == 3
    assert value(on_b, "cspr_hub_graphql_operations_total", operation_type="mutation", outcome="ok") == 2
    failed = value(on_a, "cspr_hub_webhook_deliveries_total", outcome="failed")
    assert failed >= 5 and failed == value(on_b, "cspr_hub_webhook_deliveries_total", outcome="failed")
    assert receiver.count == failed
    assert value(on_a, "cspr_hub_webhook_deliveries_total", outcome="delivered") == 0
    assert value(on_a, "cspr_hub_outbox_pending", kind="webhook_deliveries") == 5
    assert value(on_b, "cspr_hub_outbox_pending", kind="webhook_deliveries") == 5

    lines = [line for line in a_log.read_text().splitlines() if line.strip()]
    logged = [json.loads(line) for line in lines if line.startswith("{")]
    assert logged and len(logged) == len(lines) - 1, lines  # all but the one line the CLI prints before starting
    requests = [line for line in logged if line["message"] == "request" and line.get("route") == "/graphql"]
    assert len(requests) == 3 and all(len(line["request_id"]) == 32 and line["status"] == 200 for line in requests)
    assert token not in a_log.read_text() and "Invented incident" not in a_log.read_text()
