"""What each API process holds in memory follows the database at once, in every process (PostgreSQL NOTIFY
reaches each one): a revoked client's remembered tokens stop working; reference data loaded is seen."""

from __future__ import annotations

from pathlib import Path

import httpx2
import pytest

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


async def me(http: httpx2.AsyncClient, base: str, token: str) -> int:
    response = await http.post(f"{base}/graphql", json=ME, headers={"authorization": f"Bearer {token}"}, timeout=30)
    return response.status_code


async def test_a_revoked_clients_token_stops_working_at_once_in_every_api_process(
    pg_url: str, api_processes: list[tuple[str, Path]]
) -> None:
    # given a registered client whose token both API processes have verified (and so remember)
    (a, _), (b, _) = api_processes
    hub = await started_hub(pg_url)
    try:
        made = await register(hub)
        async with httpx2.AsyncClient() as http:
            issued = await http.post(f"{a}/oauth/token", content=b"grant_type=client_credentials",
                                     headers=basic(made.client_id, made.client_secret))
            token = issued.json()["access_token"]
            for _ in range(2):
                assert [await me(http, a, token), await me(http, b, token)] == [200, 200]
            # when the client is revoked, by a third process
            async with transaction(hub.sessions) as session:
                await clients.revoke(session, client_id=made.client_id, now=hub.clock.now())
            # then neither process accepts its token any more
            assert [await me(http, a, token), await me(http, b, token)] == [401, 401]
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
        query = {"query": "{ me { organisation { name } } }"}
        auth = {"authorization": f"Bearer {token}"}
        async with httpx2.AsyncClient() as http:
            async def names() -> list[str]:
                answers = [(await http.post(f"{base}/graphql", json=query, headers=auth, timeout=30)).json()
                           for base in (a, b)]
                return [answer["data"]["me"]["organisation"]["name"] for answer in answers]

            before = await names()
            assert before[0] == before[1] != "Camden (renamed, invented)"
            # when `orgs load` renames Camden, in a third process
            await rename_camden(hub, "Camden (renamed, invented)")
            # then both processes answer with the new name
            assert await names() == ["Camden (renamed, invented)"] * 2
    finally:
        await hub.stop()
