"""Reference organisations and safeguarding partnerships, kept as CSV.

Two files ship inside the package (``hub/reference/``):

* ``organisations.csv``: ``code,name,kind,region`` (ONS GSS codes for local
  authorities, police force areas and ICBs; fixed codes for national bodies;
  ``region`` is the ONS region of a local authority, e.g. ``North West``,
  blank for other kinds; the older ``code,name,kind`` layout is still read);
* ``partnerships.csv``: ``partnership_code,partnership_name,member_code,
  effective_from,effective_to`` (one row per member; a blank ``effective_to``
  means current).

``cspr-hub orgs load FILE`` takes either layout, or an official register's
lookup layout (see ``hub.registers``). Loading is an upsert: codes are the
keys, names and kinds are refreshed (and regions, where the file gives one),
memberships are added or closed.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, timedelta
from importlib import resources

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from hub import data_versions
from hub.models import Organisation, Partnership, PartnershipMembership
from hub.vocabulary import OrganisationKind


@dataclass(frozen=True)
class OrganisationRow:
    code: str
    name: str
    kind: OrganisationKind
    region: str | None = None  # None: not given, so a load keeps what is stored


@dataclass(frozen=True)
class MembershipRow:
    partnership_code: str
    partnership_name: str
    member_code: str
    effective_from: date
    effective_to: date | None = None


@dataclass(frozen=True)
class ReferenceData:
    organisations: tuple[OrganisationRow, ...] = ()
    memberships: tuple[MembershipRow, ...] = ()
    # Kinds of member a file states completely for each partnership it names (an official
    # register describes the present): a current member of such a kind that the file no
    # longer names is closed the day before the file's memberships begin (an ICB merger).
    complete_kinds: frozenset[OrganisationKind] = frozenset()


class ReferenceDataError(ValueError):
    """A reference file that cannot be read; the message names the line."""


FIRST_START_LOCK = 0x6373_7072_0001  # PostgreSQL advisory lock: one process loads the shipped file
ORGANISATION_HEADER = ["code", "name", "kind"]
ORGANISATION_HEADER_WITH_REGION = [*ORGANISATION_HEADER, "region"]
# ONS regions of England (the regions of DfE's statistics by local authority)
REGIONS = frozenset({
    "North East", "North West", "Yorkshire and The Humber", "East Midlands", "West Midlands",
    "East of England", "London", "South East", "South West",
})
PARTNERSHIP_HEADER = [
    "partnership_code", "partnership_name", "member_code", "effective_from", "effective_to",
]


def _date(value: str, where: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError as exc:
        raise ReferenceDataError(f"{where}: not a date (YYYY-MM-DD): {value!r}") from exc


def parse_organisations(text: str) -> tuple[OrganisationRow, ...]:
    rows = []
    for n, rec in enumerate(csv.DictReader(io.StringIO(text)), start=2):
        try:
            kind = OrganisationKind(rec["kind"].strip())
        except (KeyError, ValueError) as exc:
            raise ReferenceDataError(f"line {n}: unknown kind {rec.get('kind')!r}") from exc
        code, name = rec["code"].strip(), rec["name"].strip()
        if not code or not name:
            raise ReferenceDataError(f"line {n}: code and name are required")
        rows.append(OrganisationRow(code, name, kind, _region(rec.get("region"), f"line {n}")))
    return tuple(rows)


def _region(value: str | None, where: str) -> str | None:
    region = (value or "").strip()
    if not region:
        return None
    if region not in REGIONS:
        raise ReferenceDataError(f"{where}: unknown region {region!r} (an ONS region of England)")
    return region


def parse_partnerships(text: str) -> tuple[MembershipRow, ...]:
    rows = []
    for n, rec in enumerate(csv.DictReader(io.StringIO(text)), start=2):
        where = f"line {n}"
        until = (rec.get("effective_to") or "").strip()
        rows.append(
            MembershipRow(
                partnership_code=rec["partnership_code"].strip(),
                partnership_name=rec["partnership_name"].strip(),
                member_code=rec["member_code"].strip(),
                effective_from=_date(rec["effective_from"], where),
                effective_to=_date(until, where) if until else None,
            )
        )
    return tuple(rows)


def parse_file(text: str) -> ReferenceData:
    """Recognise the layout by its header and parse it."""
    from hub.registers import is_register_layout, parse_register

    header = next(csv.reader(io.StringIO(text)), [])
    header = [h.strip().lstrip("\ufeff") for h in header]
    text = text.lstrip("\ufeff")
    if header in (ORGANISATION_HEADER, ORGANISATION_HEADER_WITH_REGION):
        return ReferenceData(organisations=parse_organisations(text))
    if header == PARTNERSHIP_HEADER:
        return ReferenceData(memberships=parse_partnerships(text))
    if is_register_layout(header):
        return parse_register(text)
    raise ReferenceDataError(f"unrecognised reference file header: {header}")


def shipped() -> ReferenceData:
    """The reference data that ships with the hub."""
    folder = resources.files("hub") / "reference"
    orgs = parse_organisations((folder / "organisations.csv").read_text("utf-8"))
    members = parse_partnerships((folder / "partnerships.csv").read_text("utf-8"))
    return ReferenceData(orgs, members)


async def load(session: AsyncSession, data: ReferenceData) -> dict[str, int]:
    """Upsert organisations, partnerships and memberships; returns counts."""
    orgs = {o.code: o for o in (await session.execute(select(Organisation))).scalars()}
    added = updated = 0
    for row in data.organisations:
        found = orgs.get(row.code)
        if found is None:
            found = Organisation(code=row.code, name=row.name, kind=row.kind.value, region=row.region)
            session.add(found)
            orgs[row.code] = found
            added += 1
        elif (found.name, found.kind) != (row.name, row.kind.value) or _new_region(found, row):
            found.name, found.kind = row.name, row.kind.value
            found.region = row.region if row.region is not None else found.region
            updated += 1
    await session.flush()
    members = await _load_memberships(session, data.memberships, orgs)
    closed = await _close_absent(session, data, orgs) if data.complete_kinds else 0
    await data_versions.bump(session, data_versions.REFERENCE)  # every process's copy in memory is read again
    return {"organisations_added": added, "organisations_updated": updated, **members,
            "memberships_closed": closed}


def _new_region(found: Organisation, row: OrganisationRow) -> bool:
    return row.region is not None and found.region != row.region


async def _load_memberships(
    session: AsyncSession,
    rows: tuple[MembershipRow, ...],
    orgs: dict[str, Organisation],
) -> dict[str, int]:
    partnerships = {p.code: p for p in (await session.execute(select(Partnership))).scalars()}
    existing = {
        (m.partnership_id, m.organisation_id, m.effective_from): m
        for m in (await session.execute(select(PartnershipMembership))).scalars()
    }
    added = 0
    for row in rows:  # the partnerships first, written in one flush before their memberships
        if row.member_code not in orgs:
            raise ReferenceDataError(
                f"partnership {row.partnership_code}: unknown member code {row.member_code}"
            )
        partnership = partnerships.get(row.partnership_code)
        if partnership is None:
            partnership = Partnership(code=row.partnership_code, name=row.partnership_name)
            session.add(partnership)
            partnerships[row.partnership_code] = partnership
        elif row.partnership_name and partnership.name != row.partnership_name:
            partnership.name = row.partnership_name
    await session.flush()
    for row in rows:
        org, partnership = orgs[row.member_code], partnerships[row.partnership_code]
        key = (partnership.id, org.id, row.effective_from)
        membership = existing.get(key)
        if membership is None and row.effective_to is None and _is_current_member(existing, partnership.id, org.id):
            continue  # already a member, from an earlier date
        if membership is None:
            membership = PartnershipMembership(
                partnership_id=partnership.id,
                organisation_id=org.id,
                effective_from=row.effective_from,
                effective_to=row.effective_to,
            )
            session.add(membership)
            existing[key] = membership
            added += 1
        else:
            membership.effective_to = row.effective_to
    await session.flush()
    return {"partnerships": len(partnerships), "memberships_added": added}


def _is_current_member(
    existing: dict[tuple[str, str, date], PartnershipMembership], partnership_id: str, organisation_id: str
) -> bool:
    return any(p == partnership_id and o == organisation_id and m.effective_to is None
               for (p, o, _), m in existing.items())


async def _close_absent(session: AsyncSession, data: ReferenceData, orgs: dict[str, Organisation]) -> int:
    """Close current memberships, of the kinds the file states completely, that it no longer names."""
    named: dict[str, set[str]] = {}
    starts: dict[str, date] = {}
    for row in data.memberships:
        named.setdefault(row.partnership_code, set()).add(orgs[row.member_code].id)
        starts[row.partnership_code] = min(starts.get(row.partnership_code, row.effective_from), row.effective_from)
    kinds = {o.id: o.kind for o in orgs.values()}
    query = (select(PartnershipMembership, col(Partnership.code))
             .join(Partnership, col(Partnership.id) == col(PartnershipMembership.partnership_id))
             .where(col(Partnership.code).in_(list(named)), col(PartnershipMembership.effective_to).is_(None)))
    closed = 0
    for membership, code in (await session.execute(query)).all():
        absent = membership.organisation_id not in named[code]
        if absent and kinds.get(membership.organisation_id) in {k.value for k in data.complete_kinds}:
            membership.effective_to = max(starts[code] - timedelta(days=1), membership.effective_from)
            closed += 1
    await session.flush()
    return closed


async def load_shipped_if_empty(session: AsyncSession) -> bool:
    """First start: load the shipped file. Returns whether anything was loaded.

    Processes starting together on a new PostgreSQL database take turns (a transaction-scoped
    advisory lock), so the second finds the first's rows instead of failing on a duplicate code.
    """
    if (await session.connection()).dialect.name == "postgresql":
        await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": FIRST_START_LOCK})
    if (await session.execute(select(col(Organisation.id)).limit(1))).first() is not None:
        return False
    await load(session, shipped())
    return True
