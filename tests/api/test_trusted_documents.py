"""Trusted documents: a caller held to the operations it registered."""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx2
import pytest

from app.main import Hub, create_app
from app.settings import Settings
from tests.api.test_notification import CAMDEN, ISLINGTON
from tests.conftest import Api

ME = "query Me { me { role organisation { code } } }"
DIGEST = hashlib.sha256(ME.encode()).hexdigest()


@pytest.fixture
async def held(hub: Hub, tmp_path: Path) -> AsyncIterator[httpx2.AsyncClient]:
    path = tmp_path / "trusted.json"
    path.write_text(json.dumps({"documents": {f"sha256:{DIGEST}": ME}, "allow": {CAMDEN: [f"sha256:{DIGEST}"]}}))
    settings = Settings(database_url=hub.settings.database_url, issuer=hub.settings.issuer,
                        audience=hub.settings.audience, trusted_documents=str(path))
    app = create_app(hub=Hub(settings, hub.clock, hub.engine, hub.sessions, ready=True))
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url="http://testserver") as client:
        yield client


async def post(client: httpx2.AsyncClient, token: str, body: dict[str, object]) -> httpx2.Response:
    return await client.post("/graphql", json=body, headers={"authorization": f"Bearer {token}"})


async def test_a_held_caller_runs_its_registered_document_by_id_or_text_and_nothing_else(held: httpx2.AsyncClient, api: Api) -> None:
    token = await api.token(CAMDEN, "la")
    by_id = await post(held, token, {"documentId": f"sha256:{DIGEST}"})
    assert by_id.json()["data"]["me"]["organisation"]["code"] == CAMDEN
    apollo = await post(held, token, {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": DIGEST}}})
    assert apollo.json()["data"]["me"]["role"] == "la"
    assert (await post(held, token, {"query": ME})).status_code == 200
    other = await post(held, token, {"query": "{ cases { totalCount } }"})
    assert other.status_code == 400 and other.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_ALLOWED"
    unknown = await post(held, token, {"documentId": "sha256:" + "0" * 64})
    assert unknown.status_code == 400


async def test_a_caller_not_named_may_send_any_document(held: httpx2.AsyncClient, api: Api) -> None:
    token = await api.token(ISLINGTON, "la")
    response = await post(held, token, {"query": "{ cases { totalCount } }"})
    assert response.json() == {"data": {"cases": {"totalCount": 0}}}
