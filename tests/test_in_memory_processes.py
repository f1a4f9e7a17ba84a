"""What each API process holds in memory follows the database at once, in every process (PostgreSQL NOTIFY
reaches each one): a revoked client's remembered tokens stop working; reference data loaded is seen.

"At once" is the time a notification takes to reach a listening process: PostgreSQL delivers it after the
commit has returned to whoever committed, so a request sent in that instant (milliseconds, longer on a loaded
machine) may still be answered from memory. The tests ask again until every process has followed, within
``FOLLOWS_WITHIN`` seconds, and never see the old answer come back afterwards."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path
from typing import TypeVar

import httpx2
import pytest
from sqlalchemy import text

from auth import clients
from auth.tokens import mint
from hub.store import transaction
from tests.api.test_oauth import basic, register
from tests.hub.test_reference_cache import CAMDEN, rename_camden
from tests.test_delivery_processes import started_hub
from tests.test_observe_processes import api_processes, pg_url

__all__ = ["api_processes", "pg_url"]  # the fixtures used here
pytestmark = pytest.mark.postgres

ME = {"query": "{ me { role organisation { code } } }"}
T = TypeVar("T")
FOLLOWS_WITHIN = 5.0  # seconds: a notification's delivery, with room for a machine busy with other tests


async def followed(ask: Callable[[], Awaitable[T]], expected: T) -> T:
    """Ask until the answer is ``expected`` or ``FOLLOWS_WITHIN`` has passed; the last answer, then the same
    answer asked once more (once followed, no process goes back to what it held)."""
    deadline = time.monotonic() + FOLLOWS_WITHIN
    answer = await ask()
    while answer != expected and time.monotonic() < deadline:
        await asyncio.sleep(0.01)
        answer = await ask()
    if answer == expected:
        answer = await ask()
    return answer


async def issued(http: httpx2.AsyncClient, base: str, client_id: str, client_secret: str) -> str:
    answer = await http.post(f"{base}/oauth/token", content=b"grant_type=client_credentials",
                             headers=basic(client_id, client_secret))
    return str(answer.json()["access_token"])


async def names(http: httpx2.AsyncClient, bases: tuple[str, ...], token: str) -> list[str]:
    """The caller's organisation's name, as each process answers it."""
    query, auth = {"query": "{ me { organisation { name } } }"}, {"authorization": f"Bearer {token}"}
    answers = [(await http.post(f"{base}/graphql", json=query, headers=auth, timeout=30)).json() for base in bases]
    return [answer["data"]["me"]["organisation"]["name"] for answer in answers]


async def me(http: httpx2.AsyncClient, base: str, token: str) -> int:
    response = await http.post(f"{base}/graphql", json=ME, headers={"authorization": f"Bearer {token}"}, timeout=30)
    return response.status_code


async def statuses(http: httpx2.AsyncClient, bases: tuple[str, ...], token: str) -> list[int]:
    return [await me(http, base, token) for base in bases]


async def test_a_revoked_clients_token_stops_working_at_once_in_every_api_process(
    pg_url: str, api_processes: list[tuple[str, Path]]
) -> None:
    # given a registered client whose token both API processes have verified (and so remember)
    (a, _), (b, _) = api_processes
    hub = await started_hub(pg_url)
    try:
        made = await register(hub)
        async with httpx2.AsyncClient() as http:
            token = await issued(http, a, made.client_id, made.client_secret)
            for _ in range(2):
                assert await statuses(http, (a, b), token) == [200, 200]
            # when the client is revoked, by a third process
            async with transaction(hub.sessions) as session:
                await clients.revoke(session, client_id=made.client_id, now=hub.clock.now())
            # then neither process accepts its token any more
            assert await followed(partial(statuses, http, (a, b), token), [401, 401]) == [401, 401]
    finally:
        await hub.stop()


async def test_reference_data_loaded_by_another_process_is_seen_at_once_by_every_api_process(
    pg_url: str, api_processes: list[tuple[str, Path]]
) -> None:
    # given two API processes that have read Camden's name (and so hold it in memory)
    (a, _), (b, _) = api_processes
    hub = await started_hub(pg_url)
    try:
        async with transaction(hub.sessions) as session:
            token = await mint(session, settings=hub.token_settings, clock=hub.clock, org_code=CAMDEN, role="la",
                               sealer=hub.sealer())
        async with httpx2.AsyncClient() as http:
            before = await names(http, (a, b), token)
            assert before[0] == before[1] != "Camden (renamed, invented)"
            # when `orgs load` renames Camden, in a third process
            await rename_camden(hub, "Camden (renamed, invented)")
            # then both processes answer with the new name
            renamed = ["Camden (renamed, invented)"] * 2
            assert await followed(partial(names, http, (a, b), token), renamed) == renamed
    finally:
        await hub.stop()


LISTENERS = "SELECT {} FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN %'"


async def test_a_lost_listen_connection_is_trusted_for_nothing_until_it_is_made_again(
    pg_url: str, api_processes: list[tuple[str, Path]]
) -> None:
    # given a client's token verified (and so remembered) by both API processes, each listening
    (a, a_log), (b, b_log) = api_processes
    hub = await started_hub(pg_url)
    try:
        async with hub.sessions() as session:
            listeners = (await session.execute(text(LISTENERS.format("count(*)")))).scalar_one()
        assert listeners == 4  # two channels in each of two processes
        made = await register(hub)
        async with httpx2.AsyncClient() as http:
            token = await issued(http, a, made.client_id, made.client_secret)
            assert await statuses(http, (a, b), token) == [200, 200]
            # when every LISTEN connection is ended by the server (a restart, a fail-over), and the client is
            # revoked before they are made again: its notification reaches no process
            async with transaction(hub.sessions) as session:
                ended = (await session.execute(text(LISTENERS.format("pg_terminate_backend(pid)")))).all()
            assert len(ended) == 4
            async with transaction(hub.sessions) as session:
                await clients.revoke(session, client_id=made.client_id, now=hub.clock.now())

            # then neither process accepts the token, although neither heard the revocation            assert await followed(partial(statuses, http, (a, b), token), [401, 401]) == [401, 401]

            # and each listens again, and hears what is notified from then on
            async def listening_again() -> int:
                async with hub.sessions() as session:
                    return int((await session.execute(text(LISTENERS.format("count(*)")))).scalar_one())

            assert await followed(listening_again, 4) == 4

            async def told() -> list[tuple[int, int]]:  # lost, then listening again, for each channel
                return [(log.read_text().count("was lost; listening again"), log.read_text().count(": listening again"))
                        for log in (a_log, b_log)]

            assert await followed(told, [(2, 2)] * 2) == [(2, 2)] * 2
            await rename_camden(hub, "Camden (renamed again, invented)")
            async with transaction(hub.sessions) as session:
                camden = await mint(session, settings=hub.token_settings, clock=hub.clock, org_code=CAMDEN,
                                    role="la", sealer=hub.sealer())

            renamed = ["Camden (renamed again, invented)"] * 2
            assert await followed(partial(names, http, (a, b), camden), renamed) == renamed
    finally:
        await hub.stop()
