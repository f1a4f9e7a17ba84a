"""The audit trail: who read or changed what, when and why, hash-chained (DPA 2018 s62).

Each entry is written in the transaction of the access or change it records, and
its hash covers its own content and the hash before it, so an edited, deleted or
reordered entry breaks the chain that ``verify`` walks. Entries carry identifiers
and field *names* ("firstName"), never values, secrets or tokens.

Appends are serialised so the chain never forks: PostgreSQL takes a transaction
advisory lock before reading the last entry; SQLite takes its single write lock
first (``BEGIN IMMEDIATE``, or the write transaction already open). ``seq`` is
given explicitly as last + 1 under that lock, so it has no gaps to explain.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, is_dataclass
from dataclasses import fields as dataclass_fields
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from hub.errors import Forbidden
from hub.models import AuditEntry, Case, Organisation
from hub.organisations import members_of, partnerships_of
from hub.principal import Principal
from hub.statute import rule
from hub.vocabulary import Role

GENESIS = "0" * 64
APPEND_LOCK = 0x61756474  # "audt": the PostgreSQL advisory lock that serialises appends
READ = "read:"  # the prefix of an action that disclosed a child's identity
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.:]{0,79}")


@dataclass(frozen=True)
class Record:
    """What to record: why (the operation), which case, which fields, when."""

    action: str
    at: datetime
    case_id: str | None = None
    fields: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name in (self.action, *self.fields):
            if not NAME.fullmatch(name):  # names only: a value here would leak into the trail
                raise ValueError(f"not an operation or field name: {name[:20]!r}")


@dataclass(frozen=True)
class Problem:
    """One break in the chain: the entry it was found at, what kind, and how."""

    seq: int
    kind: str  # "edited", "missing" or "unlinked"
    message: str


def digest(entry: AuditEntry) -> str:
    """sha256 over a canonical JSON of the entry's content and the hash before it."""
    content: dict[str, Any] = {
        "seq": entry.seq, "at": entry.at.astimezone(UTC).isoformat(timespec="microseconds"),
        "organisation_id": entry.organisation_id, "client_id": entry.client_id, "role": entry.role,
        "action": entry.action, "case_id": entry.case_id, "fields": list(entry.fields),
        "previous_hash": entry.previous_hash,
    }
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


async def _serialise(session: AsyncSession) -> None:
    """Hold the lock that makes appends one at a time until this transaction ends."""
    connection = await session.connection()
    if connection.dialect.name == "postgresql":
        await connection.execute(select(func.pg_advisory_xact_lock(APPEND_LOCK)))
    elif connection.dialect.name == "sqlite":
        driver: Any = (await connection.get_raw_connection()).driver_connection
        if not driver.in_transaction:  # sqlite3 begins lazily, at the first write
            await connection.exec_driver_sql("BEGIN IMMEDIATE")


@rule("audit-trail", "DPA 2018 s62",
      "every disclosure of a child's identifying details and every change is logged with it, in one "
      "transaction: when, which client and organisation, what and why, each entry chained to the one before")
async def append(session: AsyncSession, *, principal: Principal, records: Sequence[Record]) -> list[AuditEntry]:
    """Append the records, in order, to the chain; the caller's transaction commits them."""
    if not records:
        return []
    await _serialise(session)
    last = (await session.execute(
        select(col(AuditEntry.seq), col(AuditEntry.hash)).order_by(col(AuditEntry.seq).desc()).limit(1))).first()
    seq, previous = (last[0] or 0, last[1]) if last else (0, GENESIS)
    entries = []
    for record in records:
        seq += 1
        entry = AuditEntry(seq=seq, at=record.at, organisation_id=principal.organisation_id,
                           client_id=principal.client_id, role=principal.role.value, action=record.action,
                           case_id=record.case_id, fields=list(record.fields), previous_hash=previous, hash="")
        entry.hash = previous = digest(entry)
        entries.append(entry)
    await session.execute(insert(AuditEntry), [e.model_dump() for e in entries])
    return entries


def _check(entry: AuditEntry, seq: int, previous: str) -> list[Problem]:
    found = []
    if entry.seq != seq:
        found.append(Problem(entry.seq or 0, "missing", f"entries {seq} to {(entry.seq or 0) - 1} are missing"))
    if entry.hash != digest(entry):
        found.append(Problem(entry.seq or 0, "edited", "the entry does not match its hash"))
    if entry.previous_hash != previous:
        found.append(Problem(entry.seq or 0, "unlinked", "previous_hash is not the hash of the entry before"))
    return found


@rule("audit-chain", "DPA 2018 s62",
      "the audit trail is tamper-evident: an edited, deleted or reordered entry breaks the hash chain")
async def verify(session: AsyncSession) -> list[Problem]:
    """Recompute the chain in seq order; every break found (none: intact)."""
    query = select(AuditEntry).order_by(col(AuditEntry.seq)).execution_options(yield_per=1000)
    seq, previous, problems = 1, GENESIS, []
    async for entry in await session.stream_scalars(query):
        problems += _check(entry, seq, previous)
        seq, previous = (entry.seq or 0) + 1, entry.hash
    return problems


async def length(session: AsyncSession) -> int:
    """How many entries the trail holds."""
    return int((await session.execute(select(func.count()).select_from(AuditEntry))).scalar_one())


def case_of(result: object, *, depth: int = 1) -> str | None:
    """The case a core action's result is about: a case, a row with ``case_id``, or a result holding one."""
    if isinstance(result, Case):
        return result.id
    case_id = getattr(result, "case_id", None)
    if isinstance(case_id, str):
        return case_id
    if depth == 0 or not is_dataclass(result) or isinstance(result, type):
        return None
    found = (case_of(getattr(result, f.name), depth=depth - 1) for f in dataclass_fields(result))
    return next((c for c in found if c is not None), None)


@rule("audit-access-transparency", "DPA 2018 s62; DOMAIN: who may see what",
      "the local authority leading a case may see who outside its lead partnership read its child's "
      "identifying details, when and through which operation")
async def outside_reads(
    session: AsyncSession, *, principal: Principal, case_id: str, today: date
) -> list[tuple[AuditEntry, Organisation]]:
    """Identity reads of the case by organisations outside its lead partnership, oldest first."""
    case = await session.get(Case, case_id)
    mine = await partnerships_of(session, principal.organisation_id, today) if principal.role is Role.LA else []
    if case is None or case.lead_partnership_id not in mine:  # one answer, so existence is not revealed
        raise Forbidden("only the local authority leading the case may see who read its child's details")
    members = await members_of(session, [case.lead_partnership_id], today)
    inside = [o.id for o in members[case.lead_partnership_id]]
    query = (select(AuditEntry, Organisation)
             .join(Organisation, col(Organisation.id) == col(AuditEntry.organisation_id))
             .where(col(AuditEntry.case_id) == case_id, col(AuditEntry.action).startswith(READ),
                    col(AuditEntry.organisation_id).not_in(inside))
             .order_by(col(AuditEntry.seq)))
    return [(entry, org) for entry, org in (await session.execute(query)).all()]
