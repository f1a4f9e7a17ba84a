"""Organisations, partnerships and memberships are read from memory, and read again once `orgs load` changes
them (paras 5-7: the partnerships that make up the hub's routing)."""

from __future__ import annotations

from app.main import Hub
from hub import reference_data
from hub.reference_data import OrganisationRow, ReferenceData
from hub.store import transaction
from hub.vocabulary import OrganisationKind
from tests.conftest import Api, Statements

CAMDEN = "E09000007"
ME = "{ me { organisation { code name partnerships { name members { code } } } } }"


async def rename_camden(hub: Hub, name: str) -> None:
    row = OrganisationRow(CAMDEN, name, OrganisationKind.LOCAL_AUTHORITY)
    async with transaction(hub.sessions) as session:
        await reference_data.load(session, ReferenceData(organisations=(row,)))


async def test_organisations_and_partnerships_come_from_memory_once_read(api: Api, statements: Statements) -> None:
    await api(ME, as_=(CAMDEN, "la"))
    statements.count, statements.recording = 0, True
    body = await api(ME, as_=(CAMDEN, "la"))
    statements.recording = False
    assert body["data"]["me"]["organisation"]["code"] == CAMDEN
    assert CAMDEN in {m["code"] for p in body["data"]["me"]["organisation"]["partnerships"] for m in p["members"]}
    # only the data versions are read (two small statements, none of them on PostgreSQL while listening)
    assert statements.count <= 2


async def test_loading_reference_data_is_seen_by_the_next_request(api: Api, hub: Hub) -> None:
    before = (await api(ME, as_=(CAMDEN, "la")))["data"]["me"]["organisation"]["name"]
    try:
        await rename_camden(hub, "London Borough of Camden (renamed, invented)")
        after = (await api(ME, as_=(CAMDEN, "la")))["data"]["me"]["organisation"]["name"]
        assert after == "London Borough of Camden (renamed, invented)"
    finally:
        await rename_camden(hub, before)
    assert (await api(ME, as_=(CAMDEN, "la")))["data"]["me"]["organisation"]["name"] == before
