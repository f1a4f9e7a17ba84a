"""Reference data in memory: organisations, partnerships and memberships (paras 5-7), read once per change.

They change when ``cspr-hub orgs load`` (``hub.reference_data.load``) runs, which bumps
``hub.data_versions.REFERENCE``; each process reloads its copy the next time it asks after that (told by
PostgreSQL NOTIFY, or by reading the version on SQLite). The rows held are shared by every request:
read them, never change them.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hub import data_versions
from hub.data_versions import Versions
from hub.kept import Kept
from hub.models import Organisation, Partnership, PartnershipMembership


@dataclass(frozen=True)
class Reference:
    """One consistent copy of the reference data, with the same answers as ``hub.organisations``."""

    organisations: dict[str, Organisation]
    partnerships: dict[str, Partnership]
    memberships: Sequence[PartnershipMembership]
    by_code: dict[str, Organisation] = field(init=False)
    _by_partnership: dict[str, list[PartnershipMembership]] = field(init=False)
    _by_organisation: dict[str, list[PartnershipMembership]] = field(init=False)
    _answers: Kept[tuple[Any, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_partnership, by_organisation = defaultdict(list), defaultdict(list)
        for m in self.memberships:
            by_partnership[m.partnership_id].append(m)
            by_organisation[m.organisation_id].append(m)
        object.__setattr__(self, "by_code", {o.code: o for o in self.organisations.values()})
        object.__setattr__(self, "_by_partnership", dict(by_partnership))
        object.__setattr__(self, "_by_organisation", dict(by_organisation))
        # a page asks for the same partnership's members once per case; the answer changes only with the day or
        # the reference data (a new ``Reference``): kept for each day asked about
        object.__setattr__(self, "_answers", Kept(4096))

    def members_of(self, partnership_id: str, on: date) -> list[Organisation]:
        """Current members of a partnership, ordered by code."""
        return list(self._answers.get(("members", partnership_id, on), (), lambda: tuple(sorted(
            (self.organisations[m.organisation_id] for m in self._by_partnership.get(partnership_id, ())
             if _current(m, on)), key=lambda o: o.code))))

    def partnerships_for(self, organisation_id: str, on: date) -> list[Partnership]:
        """The partnerships an organisation belongs to on a day, ordered by code."""
        return list(self._answers.get(("partnerships", organisation_id, on), (), lambda: tuple(sorted(
            (self.partnerships[m.partnership_id] for m in self._by_organisation.get(organisation_id, ())
             if _current(m, on)), key=lambda p: p.code))))


def _current(m: PartnershipMembership, on: date) -> bool:
    return m.effective_from <= on and (m.effective_to is None or m.effective_to >= on)


async def read(session: AsyncSession) -> Reference:
    organisations = (await session.execute(select(Organisation))).scalars().all()
    partnerships = (await session.execute(select(Partnership))).scalars().all()
    memberships = (await session.execute(select(PartnershipMembership))).scalars().all()
    return Reference({o.id: o for o in organisations}, {p.id: p for p in partnerships}, tuple(memberships))


class ReferenceCache:
    """This process's copy, reloaded when the REFERENCE version it was read under has changed."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], versions: Versions) -> None:
        self._sessions, self._versions = sessions, versions
        self._held: tuple[tuple[object, ...], Reference] | None = None
        self._lock = asyncio.Lock()

    async def current(self, stamp: tuple[object, ...] | None = None) -> Reference:
        """The reference data; ``stamp`` is ``Versions.stamp(REFERENCE)`` if the caller has just read it."""
        stamp = stamp if stamp is not None else await self._versions.stamp(data_versions.REFERENCE)
        held = self._held
        if held is not None and held[0] == stamp:
            return held[1]
        async with self._lock:
            if self._held is not None and self._held[0] == stamp:
                return self._held[1]
            async with self._sessions() as session:
                reference = await read(session)
            self._held = (stamp, reference)
            return reference
