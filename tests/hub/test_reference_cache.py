"""Organisations, partnerships and memberships are read from memory, and read again once `orgs load` changes
them (paras 5-7: the partnerships that make up the hub's routing)."""

from __future__ import annotations

from typing import Any

import pytest

from app.main import Hub
from hub import reference_data
from hub.data_versions import Versions
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
    # only the data versions are read (one small statement, none on PostgreSQL while listening)
    assert statements.count <= 1


async def test_loading_reference_data_is_seen_by_the_next_request(api: Api, hub: Hub) -> None:
    before = (await api(ME, as_=(CAMDEN, "la")))["data"]["me"]["organisation"]["name"]
    try:
        await rename_camden(hub, "London Borough of Camden (renamed, invented)")
        after = (await api(ME, as_=(CAMDEN, "la")))["data"]["me"]["organisation"]["name"]
        assert after == "London Borough of Camden (renamed, invented)"
    finally:
        await rename_camden(hub, before)
    assert (await api(ME, as_=(CAMDEN, "la")))["data"]["me"]["organisation"]["name"] == before


async def test_a_request_reads_the_data_versions_once_for_its_token_and_its_reference_data(
        api: Api, hub: Hub, monkeypatch: pytest.MonkeyPatch) -> None:
    await api(ME, as_=(CAMDEN, "la"))
    reads: list[str] = []
    for name in ("_read", "_read_sqlite"):
        original = getattr(Versions, name)

        def counting(self: Versions, *args: Any, original: Any = original, name: str = name) -> Any:
            reads.append(name)
            return original(self, *args)

        monkeypatch.setattr(Versions, name, counting)
    await api(ME, as_=(CAMDEN, "la"))
    assert len(reads) == 1  # the token's check and the reference data share it (two before)
    await api(ME, as_=(CAMDEN, "la"))
    assert len(reads) == 2  # and the next request reads again: a change committed meanwhile is seen


def test_members_are_kept_for_a_day_and_found_again_for_another() -> None:
    """A partnership's members are worked out once a day (a page asks once per case); a member whose membership
    ends is gone the next day, and one that starts is there from its first day (paras 5-7)."""
    from datetime import date

    from hub.models import Organisation, Partnership, PartnershipMembership
    from hub.reference_cache import Reference

    area = Partnership(id="p", code="P", name="An invented partnership")
    council, police, board = (Organisation(id=i, code=i.upper(), name=f"Invented {i}", kind="LOCAL_AUTHORITY")
                              for i in ("council", "police", "board"))
    reference = Reference(
        organisations={o.id: o for o in (council, police, board)}, partnerships={"p": area},
        memberships=[PartnershipMembership(partnership_id="p", organisation_id="council", effective_from=date(2020, 1, 1)),
                     PartnershipMembership(partnership_id="p", organisation_id="police", effective_from=date(2020, 1, 1),
                                           effective_to=date(2026, 3, 31)),
                     PartnershipMembership(partnership_id="p", organisation_id="board", effective_from=date(2026, 4, 1))])
    last, first = date(2026, 3, 31), date(2026, 4, 1)
    assert [o.id for o in reference.members_of("p", last)] == ["council", "police"]
    assert [o.id for o in reference.members_of("p", last)] == ["council", "police"]  # kept
    assert [o.id for o in reference.members_of("p", first)] == ["board", "council"]
    assert [o.id for o in reference.members_of("p", last)] == ["council", "police"]  # the earlier day again
    assert [p.id for p in reference.partnerships_for("police", last)] == ["p"]
    assert reference.partnerships_for("police", first) == []
    assert reference.members_of("p", last) is not reference.members_of("p", last)  # a list of the caller's own


async def test_a_principals_visibility_is_built_once_a_day_for_each_copy_of_the_reference_data(hub: Hub) -> None:
    """``hub.visibility.visible_cases`` with the reference data in memory: the same SQL for the same principal on
    the same day from the same copy; a new copy (after ``orgs load``) or another day makes it anew."""
    from dataclasses import replace
    from datetime import date

    from hub.principal import Principal
    from hub.visibility import visible_cases
    from hub.vocabulary import Role

    reference = await hub.reference.current()
    camden = reference.by_code[CAMDEN]
    partner = Principal(organisation_id=camden.id, organisation_code=CAMDEN, role=Role.LA, scopes=("la",))
    day = date(2026, 12, 3)
    async with hub.sessions() as session:
        first = await visible_cases(session, partner, day, reference=reference)
        assert await visible_cases(session, partner, day, reference=reference) is first
        assert str(await visible_cases(session, partner, day, reference=None)) == str(first)  # the same SQL, built
        copy = replace(reference)  # another copy of the same data
        assert await visible_cases(session, partner, day, reference=copy) is not first
        assert await visible_cases(session, partner, date(2026, 12, 4), reference=copy) is not first
        panel = Principal(organisation_id=reference.by_code["PANEL"].id, organisation_code="PANEL", role=Role.PANEL,
                          scopes=("panel",))
        assert str(await visible_cases(session, panel, day, reference=copy)) != str(first)
