"""The audit trail: who read or changed what, when and why, chained with a keyed MAC (DPA 2018 s62).

Each entry is written in the transaction of the access or change it records, and
its hash covers its own content and the hash before it, so an edited, deleted or
reordered entry breaks the chain that ``verify`` walks. Entries carry identifiers
and field *names* ("firstName"), never values, secrets or tokens.

The hash is an HMAC-SHA256 under a key that is not in the database: it is derived
from ``CSPR_HUB_SECRET_KEY`` with a label of its own (``Keys.derive``), and the
composition root hands it to every session (``session.info[KEYS]``). Someone who can
write to the database but does not hold the key cannot recompute a rewritten entry.
Entries written before the chain was keyed carry an unkeyed SHA-256 and keep
verifying, but only as a prefix: once a keyed entry is met, every later entry must be
keyed too, and the first keyed entry's MAC covers the last unkeyed hash.

What a MAC cannot show is that the newest entries were cut off. A ``Checkpoint``
(length, head hash, time, and a MAC under a second derived key) is printed by
``cspr-hub audit checkpoint`` and kept outside the database; ``anchored`` then
finds entries up to it deleted, truncated, reordered or rewritten.

Appends are serialised so the chain never forks: PostgreSQL takes a transaction
advisory lock before reading the last entry; SQLite takes its single write lock
first (``BEGIN IMMEDIATE``, or the write transaction already open). ``seq`` is
given explicitly as last + 1 under that lock, so it has no gaps to explain.
"""

from __future__ import annotations

import hashlib
import hmac
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
KEYS = "cspr_hub.audit_keys"  # the session.info entry that holds the audit Keys
CHAIN_LABEL = b"cspr-hub audit chain key|v1"
CHECKPOINT_LABEL = b"cspr-hub audit checkpoint key|v1"
CHECKPOINT_VERSION = 1
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


class KeyMissing(RuntimeError):
    """No audit key was given to the session: nothing audited may be written unkeyed."""


def _derive(secret: str, label: bytes) -> bytes:
    return hmac.new(secret.encode("utf-8"), label, hashlib.sha256).digest()


@dataclass(frozen=True, repr=False)
class Keys:
    """The chain's and the checkpoints' MAC keys, derived from the secret keys: the first makes, every one checks."""

    chain: tuple[bytes, ...]
    checkpoint: tuple[bytes, ...]

    @classmethod
    def derive(cls, secrets: Sequence[str]) -> Keys:
        """One pair per secret (CSPR_HUB_SECRET_KEY, first first), each under a label of its own."""
        return cls(tuple(_derive(s, CHAIN_LABEL) for s in secrets), tuple(_derive(s, CHECKPOINT_LABEL) for s in secrets))

    def __repr__(self) -> str:
        return f"Keys({len(self.chain)} keys)"  # never the keys themselves


def keys_of(session: AsyncSession) -> Keys:
    """The audit keys the session was made with; KeyMissing when there are none."""
    keys = session.info.get(KEYS)
    if not isinstance(keys, Keys) or not keys.chain:
        raise KeyMissing("no audit key: set CSPR_HUB_SECRET_KEY (cspr-hub connectors new-key)")
    return keys


def _canonical(entry: AuditEntry) -> bytes:
    content: dict[str, Any] = {
        "seq": entry.seq, "at": entry.at.astimezone(UTC).isoformat(timespec="microseconds"),
        "organisation_id": entry.organisation_id, "client_id": entry.client_id, "role": entry.role,
        "action": entry.action, "case_id": entry.case_id, "fields": list(entry.fields),
        "previous_hash": entry.previous_hash,
    }
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def digest(entry: AuditEntry) -> str:
    """The unkeyed form (entries written before the chain was keyed): sha256 over the canonical JSON."""
    return hashlib.sha256(_canonical(entry)).hexdigest()


def mac(entry: AuditEntry, key: bytes) -> str:
    """The keyed form: HMAC-SHA256 over a canonical JSON of the entry's content and the hash before it."""
    return hmac.new(key, _canonical(entry), hashlib.sha256).hexdigest()


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
    key = keys_of(session).chain[0]
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
        entry.hash = previous = mac(entry, key)
        entries.append(entry)
    await session.execute(insert(AuditEntry), [e.model_dump() for e in entries])
    return entries


def _keyed(entry: AuditEntry, keys: Keys) -> bool:
    content = _canonical(entry)
    return any(hmac.compare_digest(entry.hash, hmac.new(k, content, hashlib.sha256).hexdigest()) for k in keys.chain)


def _seal(entry: AuditEntry, keys: Keys, *, keyed_before: bool) -> tuple[bool, Problem | None]:
    """Whether the entry is keyed, and the problem if it matches neither its MAC nor (in the prefix) its hash."""
    if _keyed(entry, keys):
        return True, None
    if hmac.compare_digest(entry.hash, digest(entry)):
        if not keyed_before:
            return False, None  # written before the chain was keyed
        return True, Problem(entry.seq or 0, "edited", "an unkeyed hash after keyed entries: rewritten without the key")
    return keyed_before, Problem(entry.seq or 0, "edited", "the entry does not match its MAC under the audit keys")


def _check(entry: AuditEntry, seq: int, previous: str, edited: Problem | None) -> list[Problem]:
    found = []
    if entry.seq != seq:
        found.append(Problem(entry.seq or 0, "missing", f"entries {seq} to {(entry.seq or 0) - 1} are missing"))
    if edited:
        found.append(edited)
    if entry.previous_hash != previous:
        found.append(Problem(entry.seq or 0, "unlinked", "previous_hash is not the hash of the entry before"))
    return found


@rule("audit-chain", "DPA 2018 s62",
      "the audit trail is tamper-evident: an edited, deleted or reordered entry breaks the chain, whose MAC key "
      "is not in the database")
async def verify(session: AsyncSession) -> list[Problem]:
    """Recompute the chain in seq order; every break found (none: intact)."""
    keys = keys_of(session)
    query = select(AuditEntry).order_by(col(AuditEntry.seq)).execution_options(yield_per=1000)
    seq, previous, keyed, problems = 1, GENESIS, False, []
    async for entry in await session.stream_scalars(query):
        keyed, edited = _seal(entry, keys, keyed_before=keyed)
        problems += _check(entry, seq, previous, edited)
        seq, previous = (entry.seq or 0) + 1, entry.hash
    return problems


@dataclass(frozen=True)
class Checkpoint:
    """The trail's length and head hash at a time, MACed under a key not in the database; kept elsewhere."""

    length: int
    head: str
    at: datetime

    def _body(self) -> dict[str, Any]:
        return {"version": CHECKPOINT_VERSION, "length": self.length, "head": self.head,
                "at": self.at.astimezone(UTC).isoformat(timespec="seconds")}

    def _mac(self, key: bytes) -> str:
        canonical = json.dumps(self._body(), sort_keys=True, separators=(",", ":"))
        return hmac.new(key, canonical.encode("utf-8"), hashlib.sha256).hexdigest()

    def signed(self, keys: Keys) -> str:
        """The checkpoint as one line of JSON with its MAC under the first checkpoint key."""
        return json.dumps({**self._body(), "mac": self._mac(keys.checkpoint[0])}, sort_keys=True)

    @classmethod
    def opened(cls, text: str, keys: Keys) -> Checkpoint:
        """Read a signed checkpoint; CheckpointError when it is not one or its MAC does not match."""
        try:
            raw = json.loads(text)
            found = cls(length=raw["length"], head=raw["head"], at=datetime.fromisoformat(raw["at"]))
            valid = (raw["version"] == CHECKPOINT_VERSION and isinstance(found.length, int) and found.length >= 0
                     and isinstance(found.head, str) and isinstance(raw["mac"], str))
        except (ValueError, KeyError, TypeError) as exc:
            raise CheckpointError("not a checkpoint: JSON with version, length, head, at and mac") from exc
        if not valid:
            raise CheckpointError("not a checkpoint: JSON with version, length, head, at and mac")
        if not any(hmac.compare_digest(raw["mac"], found._mac(k)) for k in keys.checkpoint):
            raise CheckpointError("the checkpoint was tampered with: its MAC does not match under the audit keys")
        return found


class CheckpointError(ValueError):
    """A checkpoint that cannot be read, or whose MAC does not match."""


async def checkpoint(session: AsyncSession, *, at: datetime) -> Checkpoint:
    """The trail's length and head now (an empty trail: 0 and the genesis)."""
    last = (await session.execute(
        select(col(AuditEntry.seq), col(AuditEntry.hash)).order_by(col(AuditEntry.seq).desc()).limit(1))).first()
    return Checkpoint(length=last[0] or 0, head=last[1], at=at) if last else Checkpoint(length=0, head=GENESIS, at=at)


@rule("audit-anchored", "DPA 2018 s62",
      "a checkpoint kept outside the database shows entries up to it deleted, truncated, reordered or rewritten")
async def anchored(session: AsyncSession, point: Checkpoint) -> list[Problem]:
    """Whether the trail still holds the checkpoint's head at its length (the chain before it: ``verify``)."""
    if point.length == 0:
        return []
    head = (await session.execute(
        select(col(AuditEntry.hash)).where(col(AuditEntry.seq) == point.length))).scalar_one_or_none()
    if head is None:
        last = (await session.execute(select(func.max(col(AuditEntry.seq))))).scalar_one_or_none() or 0
        if last < point.length:
            return [Problem(point.length, "truncated",
                            f"the trail ends at entry {last} but the checkpoint holds {point.length} entries")]
        return [Problem(point.length, "missing", f"entry {point.length}, the checkpoint's head, is missing")]
    if not hmac.compare_digest(head, point.head):
        return [Problem(point.length, "rewritten", f"entry {point.length} is not the checkpoint's head: entries up "
                                                   "to it were rewritten, reordered or replaced")]
    return []


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
