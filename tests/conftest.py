"""Shared fixtures: a real database per backend (SQLite file and PostgreSQL), the ASGI app,
tokens from the development issuer, and a GraphQL helper.

PostgreSQL comes from CSPR_HUB_TEST_POSTGRES_URL (default: the local server's `test`
database); each run makes a database of its own and drops it afterwards. Without a
server the PostgreSQL half is skipped with the reason, except under CI, where it fails.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx2
import pytest
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import create_async_engine

from app.main import Hub, create_app
from app.settings import Settings
from auth.tokens import mint
from hub.clock import LONDON, FixedClock
from hub.policy import Policy
from hub.store import transaction

POSTGRES_URL = os.environ.get(
    "CSPR_HUB_TEST_POSTGRES_URL", "postgresql+asyncpg://root@127.0.0.1:5432/test"
)
CASE_TABLES = ("calendar_feed", "connector_receipt", "connector_attempt", "connector_call", "connector", "recommendation_update", "recommendation", "supervision_note", "publication_delay", "review_statement",
               "thematic_review_case", "thematic_review", "information_addressee", "information_request",
               "review_reviewer", "practice_review", "pool_reviewer", "case_handoff", "deadline_notice", "webhook_attempt", "webhook_delivery", "webhook_subscription", "rapid_review_invitation", "rapid_review_sign_off", "rapid_review_contribution",
               "panel_response", "rapid_review", "family_communication",
               "parallel_proceeding", "idempotency_record", "case_event", "routed_message", "notification",
               "referral", "child", "case_partnership", '"case"')
DEFAULT_NOW = datetime(2026, 12, 22, 11, 0, tzinfo=LONDON)


async def _make_postgres_database() -> tuple[str, str]:
    name = f"cspr_hub_test_{secrets.token_hex(4)}"
    admin = create_async_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        await admin.dispose()
    base, _, _ = POSTGRES_URL.rpartition("/")
    return f"{base}/{name}", name


async def _drop_postgres_database(name: str) -> None:
    admin = create_async_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        await admin.dispose()


@dataclass
class Statements:
    count: int = 0
    recording: bool = False


class Backends:
    """One database and one started hub per backend for the whole run (per xdist worker). pytest tears a
    parametrised session fixture down whenever the next module wants the other backend; without this,
    every such switch made a new database and migrated it again."""

    def __init__(self, tmp_path_factory: pytest.TempPathFactory) -> None:
        self._tmp = tmp_path_factory
        self._urls: dict[str, str] = {}
        self._dropped: list[str] = []
        self._running: dict[str, tuple[Hub, Statements]] = {}

    async def url(self, backend: str) -> str:
        if backend not in self._urls:
            if backend == "sqlite":
                self._urls[backend] = f"sqlite+aiosqlite:///{self._tmp.mktemp('db') / 'hub.db'}"
            else:
                url, name = await _make_postgres_database()
                self._urls[backend] = url
                self._dropped.append(name)
        return self._urls[backend]

    async def running(self, database_url: str) -> tuple[Hub, Statements]:
        if database_url not in self._running:
            settings = Settings(database_url=database_url, issuer="http://127.0.0.1:8000", audience="cspr-hub",
                                policy=Policy(webhook_allow_private=True))  # receivers in the tests listen on loopback
            hub = Hub.create(settings, FixedClock(DEFAULT_NOW))
            statements = Statements()

            def count(*_: Any) -> None:
                if statements.recording:
                    statements.count += 1

            event.listen(hub.engine.sync_engine, "before_cursor_execute", count)
            await hub.start()
            self._running[database_url] = hub, statements
        return self._running[database_url]

    async def close(self) -> None:
        for hub, _ in self._running.values():
            await hub.stop()
        for name in self._dropped:
            await _drop_postgres_database(name)


@pytest.fixture(scope="session")
async def backends(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Backends]:
    found = Backends(tmp_path_factory)
    yield found
    await found.close()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
async def database_url(request: pytest.FixtureRequest, backends: Backends) -> str:
    try:
        return await backends.url(request.param)
    except (OSError, ConnectionError) as exc:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_URL}: {type(exc).__name__}")


@pytest.fixture(scope="session")
async def running(database_url: str, backends: Backends) -> tuple[Hub, Statements]:
    return await backends.running(database_url)


@pytest.fixture
async def hub(running: tuple[Hub, Statements]) -> AsyncIterator[Hub]:
    """A started hub with no cases, its clock at Tuesday 22 December 2026, 11:00 in London."""
    found, _ = running
    assert isinstance(found.clock, FixedClock)
    found.clock.set(DEFAULT_NOW)
    async with transaction(found.sessions) as session:
        for table in CASE_TABLES:
            await session.execute(text(f"DELETE FROM {table}"))
    yield found


@pytest.fixture
def statements(running: tuple[Hub, Statements]) -> Iterator[Statements]:
    _, found = running
    found.count, found.recording = 0, False
    yield found
    found.recording = False


@pytest.fixture
def clock(hub: Hub) -> FixedClock:
    assert isinstance(hub.clock, FixedClock)
    return hub.clock


@pytest.fixture
async def client(hub: Hub) -> AsyncIterator[httpx2.AsyncClient]:
    app = create_app(hub=hub)
    transport = httpx2.ASGITransport(app=app)
    async with httpx2.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


class Api:
    """GraphQL over HTTP, as an agency system calls it."""

    def __init__(self, hub: Hub, http: httpx2.AsyncClient) -> None:
        self.hub = hub
        self.http = http
        self._tokens: dict[tuple[str, str, datetime], str] = {}

    async def token(self, org: str, role: str) -> str:
        """A token minted at the hub clock's current time (the clock may have moved on)."""
        key = (org, role, self.hub.clock.now())
        if key not in self._tokens:
            async with transaction(self.hub.sessions) as session:
                self._tokens[key] = await mint(
                    session, settings=self.hub.token_settings, clock=self.hub.clock, org_code=org, role=role,
                    sealer=self.hub.sealer())
        return self._tokens[key]

    async def post(self, query: str, variables: dict[str, Any] | None = None, *, as_: tuple[str, str] | None = None) -> httpx2.Response:
        headers = {}
        if as_ is not None:
            headers["authorization"] = f"Bearer {await self.token(*as_)}"
        return await self.http.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers)

    async def __call__(self, query: str, variables: dict[str, Any] | None = None, *, as_: tuple[str, str]) -> dict[str, Any]:
        response = await self.post(query, variables, as_=as_)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body


@pytest.fixture
async def api(hub: Hub, client: httpx2.AsyncClient) -> Api:
    return Api(hub, client)


# The modules that take longest (subprocesses, a fresh venv, a browser), measured with --durations: run first,
# so that the two workers end together rather than one finishing a long module alone at the end.
LONGEST_FIRST = ("test_newcomer_path.py", "test_cli.py", "test_console_browser.py", "test_delivery_processes.py",
                 "test_backup.py", "test_federation_proof.py", "test_audit.py", "test_connector_faults.py",
                 "test_connectors_cli.py", "test_hostile_input.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {name: place for place, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: the rest keep their order
    for item in items:
        if "database_url" in getattr(item, "fixturenames", ()):
            backend = item.callspec.params.get("database_url") if hasattr(item, "callspec") else None
            if backend == "postgresql":
                item.add_marker(pytest.mark.postgres)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "rule(id): the statutory rule (hub.statute) this test shows")


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.asynccontextmanager
async def serving(app: Any) -> AsyncIterator[str]:
    """A real HTTP server for ``app`` on a free loopback port, in this event loop: yields its base URL."""
    async with serving_all(app) as (url,):
        yield url


@contextlib.asynccontextmanager
async def serving_all(*apps: Any) -> AsyncIterator[tuple[str, ...]]:
    """A real HTTP server for each app, started and stopped together (uvicorn takes a tenth of a second or
    two to stop; several in turn would take that several times)."""
    import uvicorn

    servers = [uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=free_port(), log_level="warning",
                                             lifespan="off")) for app in apps]
    tasks = [asyncio.create_task(server.serve()) for server in servers]
    try:
        for _ in range(250):
            if all(server.started for server in servers):
                break
            await asyncio.sleep(0.02)
        yield tuple(f"http://127.0.0.1:{server.config.port}" for server in servers)
    finally:
        for server in servers:
            server.should_exit = server.force_exit = True  # the test is over: no open connection to wait for
        await asyncio.wait_for(asyncio.gather(*tasks), timeout=10)
