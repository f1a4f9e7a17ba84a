"""Many invented cases, fast: a few made through the hub's own mutations, then copied row for row.

``seed`` makes three template cases in-process through the demo's steps (``app.demo.Demo``: the GraphQL
mutations an agency system calls, so every row is one the hub itself writes): notified; notified with its
rapid review submitted to the Panel; and notified, reviewed and answered by the Panel. It then reads every
row that hangs off each template (the case, its partnership, child, notification, routed messages,
timeline, rapid review, contributions, sign-offs, Panel response), and inserts copies with Core bulk
inserts: new ids, each copy led by another safeguarding partnership (its local authority, police and
health partner take the template's partners' places), its dates moved to a day spread over ``years``
years, a unique reference and pseudonym, and the incident's kind and the child's sex and age varied.
Copies dated in the last 14 days are only notified, those from 14 to 30 days ago await the Panel,
older ones were answered (as on a hub that has run for years, almost no old case still owes a step).
The audit trail is not copied (its entries are a keyed hash chain), nor are the templates' audit entries
touched. Invented data only.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Table, func, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlmodel import SQLModel

NOT_COPIED = frozenset({"audit_entry"})
NOTIFIED_DAYS, AWAITING_DAYS = 14, 30
CHUNK = 2000  # copies per transaction
KINDS = ("SERIOUS_HARM", "DEATH", "SERIOUS_HARM")
SEXES = ("FEMALE", "MALE")


@dataclass
class Template:
    """One template case's rows, by table (in foreign-key order), and what to change in each copy."""

    created_on: date
    rows: dict[str, list[dict[str, Any]]]
    lead_id: str
    plans: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # table -> (column, how)


async def make_templates(database_url: str) -> dict[str, str]:
    """Three cases through the hub's own mutations (the demo's steps); returns their ids by stage."""
    from app.demo import CHILDREN, LOCAL_SUBMISSION, NATIONAL_CRITERIA, PANEL, RESPOND, SUBMISSION, Demo
    from app.demo import _last_working_day as last_working_day
    from app.main import Hub
    from app.settings import Settings
    from hub.clock import LONDON, FixedClock, today_in_england
    from hub.deadlines import add_working_days

    base = Hub.create(Settings.from_env().with_database(database_url))
    await base.start()
    try:
        today = last_working_day(today_in_england(base.clock))
        clock = FixedClock(datetime.combine(today, time(10, 0), tzinfo=LONDON))
        demo = Demo(Hub(base.settings, clock, base.engine, base.sessions, feed=base.feed, ready=True), clock, today)
        start = demo.working_days_ago(12)
        demo.on(start)
        notified = await demo.notify(CHILDREN[0], "memory benchmark template, notified.")
        awaiting = await demo.notify(CHILDREN[1], "memory benchmark template, awaiting the Panel.")
        await demo.submitted(awaiting["id"], start, SUBMISSION)
        demo.on(start)
        answered = await demo.notify(CHILDREN[2], "memory benchmark template, answered by the Panel.")
        review = await demo.submitted(answered["id"], start, LOCAL_SUBMISSION)
        demo.on(add_working_days(start, 8))
        await demo.run((PANEL, "panel"), RESPOND, {"r": review, "i": {
            "outcome": "AGREES_WITH_PARTNERS", "rationale": "Invented: the Panel agrees with the partners.",
            "criteriaConsidered": NATIONAL_CRITERIA}})
    finally:
        await base.stop()
    return {"notified": notified["id"], "awaiting": awaiting["id"], "answered": answered["id"]}


def _tables() -> list[Table]:
    return [t for t in SQLModel.metadata.sorted_tables if t.name not in NOT_COPIED]


async def read_template(conn: AsyncConnection, case_id: str) -> Template:
    """Every row that hangs off the case, following foreign keys to the rows already found."""
    found: dict[str, list[dict[str, Any]]] = {}
    ids: dict[str, set[str]] = {"case": {case_id}}
    for table in _tables():
        links = [fk for fk in table.foreign_keys if fk.column.table.name in ids and fk.column.name == "id"]
        if table.name == "case":
            query = select(table).where(table.c.id == case_id)
        elif links:
            query = select(table).where(or_(*(fk.parent.in_(ids[fk.column.table.name]) for fk in links)))
        else:
            continue
        rows = [dict(r) for r in (await conn.execute(query)).mappings()]
        if rows:
            found[table.name] = rows
            if "id" in table.c:
                ids[table.name] = {r["id"] for r in rows}
    case = found["case"][0]
    return Template(case["created_at"].date(), found, case["lead_partnership_id"])


@dataclass(frozen=True)
class Area:
    """A partnership and the organisations that take the template's partners' places."""

    partnership_id: str
    by_kind: dict[str, list[str]]


async def areas(conn: AsyncConnection) -> tuple[list[Area], dict[str, str]]:
    """Every partnership with a local authority, police and health partner today; and each organisation's kind."""
    from hub.models import Organisation, PartnershipMembership

    kinds = {r.id: r.kind for r in (await conn.execute(select(Organisation.id, Organisation.kind))).all()}  # type: ignore[call-overload]
    members: dict[str, dict[str, list[str]]] = {}
    query = select(PartnershipMembership.partnership_id, PartnershipMembership.organisation_id).where(  # type: ignore[call-overload]
        PartnershipMembership.effective_to.is_(None)).order_by(PartnershipMembership.organisation_id)  # type: ignore[union-attr]
    for partnership_id, organisation_id in (await conn.execute(query)).all():
        members.setdefault(partnership_id, {}).setdefault(kinds[organisation_id], []).append(organisation_id)
    found = [Area(p, k) for p, k in sorted(members.items())
             if all(k.get(kind) for kind in ("LOCAL_AUTHORITY", "POLICE", "HEALTH"))]
    return found, kinds


def _remap(value: Any, ids: dict[str, str]) -> Any:
    if isinstance(value, str):
        return ids.get(value, value)
    if isinstance(value, dict):
        return {k: _remap(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_remap(v, ids) for v in value]
    return value


def plan(template: Template, organisation_ids: set[str]) -> None:
    """For each table, what each column needs in a copy: a new id, a moved date or time, ids inside JSON."""
    own = {r["id"] for rows in template.rows.values() for r in rows if "id" in r}
    mapped = own | organisation_ids | {template.lead_id}
    for name, rows in template.rows.items():
        columns: list[tuple[str, str]] = []
        for column in rows[0]:
            values = [r[column] for r in rows]
            if any(isinstance(v, datetime) for v in values):
                columns.append((column, "datetime"))
            elif any(isinstance(v, date) for v in values):
                columns.append((column, "date"))
            elif any(isinstance(v, str) and v in mapped for v in values):
                columns.append((column, "id"))
            elif any(isinstance(v, dict | list) for v in values):
                columns.append((column, "json"))
        template.plans[name] = columns


def _copy_rows(template: Template, ids: dict[str, str], days: int, shift: timedelta,
               overrides: dict[str, dict[str, Any]]) -> Iterator[tuple[str, dict[str, Any]]]:
    for name, rows in template.rows.items():
        for row in rows:
            copy = dict(row)
            for column, how in template.plans[name]:
                value = copy[column]
                if value is None:
                    continue
                if how == "datetime":
                    copy[column] = value + shift
                elif how == "date":
                    copy[column] = value + timedelta(days=days)
                elif how == "id":
                    copy[column] = ids.get(value, value)
                else:
                    copy[column] = _remap(value, ids)
            copy.update(overrides.get(name, {}))
            yield name, copy


@dataclass
class Copier:
    templates: dict[str, Template]
    areas: list[Area]
    kinds: dict[str, str]
    today: date
    years: int
    rng: random.Random = field(default_factory=lambda: random.Random(15))

    def day_of(self, n: int, count: int) -> date:
        """Spread evenly over the years up to yesterday, oldest first."""
        span = self.years * 365
        return self.today - timedelta(days=span - (n * span) // count)

    def stage(self, day: date) -> str:
        age = (self.today - day).days
        return "notified" if age < NOTIFIED_DAYS else "awaiting" if age < AWAITING_DAYS else "answered"

    def copy(self, n: int, count: int, new_id: Callable[[], str]) -> Iterator[tuple[str, dict[str, Any]]]:
        day = self.day_of(n, count)
        template = self.templates[self.stage(day)]
        area = self.areas[n % len(self.areas)]
        lead = self.templates["answered"].lead_id
        ids = {old: new_id() for rows in template.rows.values() for r in rows if "id" in r for old in (r["id"],)}
        ids[lead] = area.partnership_id
        ids.update(self._partners(template, area))
        days = (day - template.created_on).days
        shift = timedelta(days=days, minutes=self.rng.randrange(-120, 420))
        age = self.rng.randrange(0, 18)
        occurred = template.rows["case"][0]["occurred_on"] + timedelta(days=days)
        overrides = {
            "case": {"reference": f"CSPR-{day.year}-{n:08X}", "incident_kind": KINDS[n % len(KINDS)],
                     "summary": f"Invented: memory benchmark case {n}."},
            "child": {"pseudonym": f"C-{n:010X}", "sex": SEXES[n % 2], "age_years": age,
                      "date_of_birth": occurred - timedelta(days=365 * age + self.rng.randrange(1, 360))},
        }
        return _copy_rows(template, ids, days, shift, overrides)

    def _partners(self, template: Template, area: Area) -> dict[str, str]:
        """The template's local authority, police and health partner become the area's."""
        swapped: dict[str, str] = {}
        for kind, ours in self._template_partners(template).items():
            theirs = area.by_kind.get(kind) or ours
            swapped.update({old: theirs[i % len(theirs)] for i, old in enumerate(ours)})
        return swapped

    def _template_partners(self, template: Template) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for rows in template.rows.values():
            for row in rows:
                for column, value in row.items():
                    kind = self.kinds.get(value) if isinstance(value, str) and column != "id" else None
                    if kind in ("LOCAL_AUTHORITY", "POLICE", "HEALTH") and value not in found.get(kind, []):
                        found.setdefault(kind, []).append(value)
        return found


async def insert_copies(engine: AsyncEngine, copier: Copier, count: int, *, progress: Callable[[int], None]) -> None:
    from hub.models import new_id

    tables = {t.name: t for t in _tables()}
    order = [t.name for t in _tables()]
    for first in range(0, count, CHUNK):
        batch: dict[str, list[dict[str, Any]]] = {}
        for n in range(first, min(first + CHUNK, count)):
            for name, row in copier.copy(n, count, new_id):
                batch.setdefault(name, []).append(row)
        async with engine.begin() as conn:
            for name in order:
                if batch.get(name):
                    await conn.execute(insert(tables[name]), batch[name])
        progress(min(first + CHUNK, count))


async def seed(database_url: str, count: int, *, years: int, today: date,
               progress: Callable[[int], None] = lambda n: None) -> dict[str, int]:
    """Templates through the mutations, then ``count`` copies; returns rows per table (as the database counts)."""
    from hub.store import create_engine

    made = await make_templates(database_url)
    engine = create_engine(database_url)
    try:
        async with engine.connect() as conn:
            templates = {stage: await read_template(conn, case_id) for stage, case_id in made.items()}
            found, kinds = await areas(conn)
        for template in templates.values():
            plan(template, set(kinds))
        await insert_copies(engine, Copier(templates, found, kinds, today, years), count, progress=progress)
        copied = {name for template in templates.values() for name in template.rows}
        async with engine.connect() as conn:
            return {t.name: int((await conn.execute(select(func.count()).select_from(t))).scalar_one())
                    for t in _tables() if t.name in copied}
    finally:
        await engine.dispose()
