"""Live subscriptions over graphql-transport-ws, with a real WebSocket client against a real server."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx2
import pytest
import websockets

from app.main import Hub, create_app
from hub.clock import FixedClock, today_in_england
from tests.api.test_rapid_review import RESPOND, panel_decision, submitted
from tests.conftest import Api, free_port, serving

ROOT = Path(__file__).resolve().parents[2]
DECISIONS = "subscription { decisions { eventType case { reference } panelResponse { outcome rationale } } }"


@pytest.fixture
async def server(hub: Hub) -> AsyncIterator[str]:
    """The hub's ASGI app under uvicorn on loopback, sharing the test's hub (and its database)."""
    async with hub.listening(), serving(create_app(hub=hub)) as base:
        yield base.replace("http://", "ws://") + "/graphql"


class Client:
    def __init__(self, socket_: Any) -> None:
        self.socket = socket_

    async def subscribe(self, query: str, sub_id: str = "1") -> None:
        await self.socket.send(json.dumps({"id": sub_id, "type": "subscribe", "payload": {"query": query}}))

    async def next(self, timeout: float = 5.0) -> dict[str, Any]:
        while True:
            message = json.loads(await asyncio.wait_for(self.socket.recv(), timeout=timeout))
            if message["type"] in ("next", "error", "complete"):
                return dict(message)


async def connect(url: str, token: str | None) -> Any:
    socket_ = await websockets.connect(url, subprotocols=["graphql-transport-ws"])
    payload = {"Authorization": f"Bearer {token}"} if token else {}
    await socket_.send(json.dumps({"type": "connection_init", "payload": payload}))
    return socket_


async def signed_in(url: str, api: Api, who: tuple[str, str]) -> Client:
    socket_ = await connect(url, await api.token(*who))
    ack = json.loads(await asyncio.wait_for(socket_.recv(), timeout=5))
    assert ack["type"] == "connection_ack"
    return Client(socket_)


@pytest.mark.rule("visibility-live-events")
async def test_a_panel_decision_reaches_the_partners_live_and_no_one_else(api: Api, server: str) -> None:
    review = await submitted(api)
    camden, islington = await signed_in(server, api, ("E09000007", "la")), await signed_in(server, api, ("E09000019", "la"))
    await camden.subscribe(DECISIONS)
    await islington.subscribe(DECISIONS)
    await asyncio.sleep(0.2)  # both subscriptions registered
    await api(RESPOND, {"r": review["id"], "i": panel_decision("AGREES_WITH_PARTNERS", "Proportionate.")},
              as_=("PANEL", "panel"))
    message = await camden.next()
    assert message["type"] == "next"
    decision = message["payload"]["data"]["decisions"]
    assert decision["eventType"] == "panel.responded"
    assert decision["panelResponse"] == {"outcome": "AGREES_WITH_PARTNERS", "rationale": "Proportionate."}
    with pytest.raises(TimeoutError):
        await islington.next(timeout=1.0)
    await camden.socket.close()
    await islington.socket.close()


async def test_a_connection_without_a_token_is_refused(server: str) -> None:
    socket_ = await connect(server, None)
    with pytest.raises(websockets.ConnectionClosed) as closed:
        await asyncio.wait_for(socket_.recv(), timeout=5)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403


@pytest.fixture
def other_process(hub: Hub) -> Iterator[str]:
    """A second hub process on the same PostgreSQL database (several API processes, one store)."""
    if not hub.settings.database_url.startswith("postgresql"):
        pytest.skip("processes share live events through PostgreSQL LISTEN/NOTIFY; SQLite is one process")
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CSPR_HUB_ISSUER": hub.settings.issuer,
           "CSPR_HUB_AUDIENCE": hub.settings.audience}
    process = subprocess.Popen([sys.executable, "-m", "app", "serve", "--port", str(port), "--no-worker",
                                "--database-url", hub.settings.database_url],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx2.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except httpx2.TransportError:
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)


async def test_a_decision_made_through_another_process_reaches_a_subscriber_here(
    api: Api, server: str, other_process: str, clock: FixedClock
) -> None:
    clock.set(datetime.now(UTC))  # the other process keeps real time, and so must its tokens
    today = today_in_england(clock).isoformat()
    review = await submitted(api, incident={"occurredOn": today, "awareOn": today})
    camden = await signed_in(server, api, ("E09000007", "la"))
    await camden.subscribe(DECISIONS)
    await asyncio.sleep(0.2)
    token = await api.token("PANEL", "panel")
    async with httpx2.AsyncClient() as http:
        response = await http.post(f"{other_process}/graphql", headers={"authorization": f"Bearer {token}"}, json={
            "query": RESPOND, "variables": {"r": review["id"], "i": panel_decision("NATIONAL_REVIEW", "Complex.")}})
    assert response.status_code == 200, response.text
    assert response.json()["data"]["respondToRapidReview"]["errors"] == [], response.text
    message = await camden.next(timeout=10)
    assert message["payload"]["data"]["decisions"]["panelResponse"]["outcome"] == "NATIONAL_REVIEW"
    await camden.socket.close()


async def test_the_gql_websocket_example_prints_a_panel_decision(api: Api, server: str) -> None:
    """examples/subscribe_decisions.py, as an integrator runs it, against a live server."""
    review = await submitted(api)
    env = {**os.environ, "CSPR_HUB_TOKEN": await api.token("E09000007", "la")}
    watcher = await asyncio.create_subprocess_exec(
        sys.executable, str(ROOT / "examples" / "subscribe_decisions.py"), "--url", server, "--count", "1",
        env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        for _ in range(200):  # connected and subscribed: the hub's feed has its listener (a loaded machine is slow)
            if api.hub.feed.subscribers:
                break
            await asyncio.sleep(0.1)
        assert api.hub.feed.subscribers, "the example never subscribed"
        await api(RESPOND, {"r": review["id"], "i": panel_decision("LOCAL_REVIEW_MORE_APPROPRIATE", "Local.")},
                  as_=("PANEL", "panel"))
        out, err = await asyncio.wait_for(watcher.communicate(), timeout=20)
    finally:
        if watcher.returncode is None:
            watcher.kill()
    assert watcher.returncode == 0, err.decode()
    decision = json.loads(out.decode().splitlines()[0])
    assert decision["panelResponse"]["outcome"] == "LOCAL_REVIEW_MORE_APPROPRIATE"
