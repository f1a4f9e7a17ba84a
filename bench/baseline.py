"""A plain Starlette app that answers the benchmark's two GraphQL requests without GraphQL.

It is the yardstick for ``bench/bench_api.py``: the same two request bodies (``ME_QUERY``
and ``CASES_QUERY``, POSTed to ``/graphql``), the same JSON back, read from the same
database with plain SQLAlchemy Core queries, under uvicorn with the hub's flags. It reads
the bearer token's claims (``org``, ``scope``) without verifying the signature: enough to
do comparable per-request work, not a security boundary. Loopback only.

Run on its own::

    .venv/bin/python bench/baseline.py --port 8001 --database-url sqlite+aiosqlite:///hub.db
"""

from __future__ import annotations

import argparse
import base64
import binascii
import contextlib
import json
from collections import defaultdict
from collections.abc import AsyncIterator, Iterable, Sequence
from datetime import date, datetime
from typing import Any, TypeAlias
from zoneinfo import ZoneInfo

from sqlalchemy import Boolean, Column, Date, DateTime, MetaData, String, Table, func, or_, select
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.sql.elements import ColumnElement
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


def cases_query(first: int) -> str:
    """The page of cases the benchmark asks for, ``first`` at a time."""
    return (
        f"{{ cases(first: {first}) {{ totalCount nodes {{ id reference status "
        "leadPartnership { name members { code } } "
        "notification { dueOn onTime routedTo { recipient { code } eventType basis dueOn } } } } }"
    )


ME_QUERY = "{ me { role organisation { code name } } }"
PAGE_SIZE = 50
CASES_QUERY = cases_query(PAGE_SIZE)
LONDON = ZoneInfo("Europe/London")
AnyRow: TypeAlias = Row[*tuple[Any, ...]]

# Only the columns the two answers need; the hub's migrations own the real tables.
metadata = MetaData()
organisation = Table(
    "organisation",
    metadata,
    Column("id", String, primary_key=True),
    Column("code", String),
    Column("name", String),
)
partnership = Table("partnership", metadata, Column("id", String, primary_key=True), Column("name", String))
membership = Table(
    "partnership_membership",
    metadata,
    Column("id", String, primary_key=True),
    Column("partnership_id", String),
    Column("organisation_id", String),
    Column("effective_from", Date),
    Column("effective_to", Date),
)
case = Table(
    "case",
    metadata,
    Column("id", String, primary_key=True),
    Column("reference", String),
    Column("status", String),
    Column("lead_partnership_id", String),
    Column("created_at", DateTime),
)
case_partnership = Table(
    "case_partnership",
    metadata,
    Column("case_id", String, primary_key=True),
    Column("partnership_id", String, primary_key=True),
)
notification = Table(
    "notification",
    metadata,
    Column("id", String, primary_key=True),
    Column("case_id", String),
    Column("due_on", Date),
    Column("on_time", Boolean),
)
routed_message = Table(
    "routed_message",
    metadata,
    Column("id", String, primary_key=True),
    Column("case_id", String),
    Column("recipient_id", String),
    Column("event_type", String),
    Column("basis", String),
    Column("subject_id", String),
    Column("due_on", Date),
    Column("created_at", DateTime),
)


class Refused(Exception):
    """A request this baseline does not answer; the message says why."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def claims_of(authorization: str | None) -> dict[str, Any]:
    """The bearer token's claims, decoded but NOT verified (a yardstick, not a gate)."""
    scheme, _, token = (authorization or "").partition(" ")
    parts = token.strip().split(".")
    if scheme.lower() != "bearer" or len(parts) != 3:
        raise Refused(401, "a bearer token is required")
    try:
        payload = base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4))
        claims = json.loads(payload)
    except (binascii.Error, ValueError) as exc:
        raise Refused(401, "the token does not decode") from exc
    if not isinstance(claims, dict) or not isinstance(claims.get("org"), str):
        raise Refused(401, "the token names no organisation")
    return claims


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _current(on: date) -> ColumnElement[bool]:
    return (membership.c.effective_from <= on) & or_(
        membership.c.effective_to.is_(None), membership.c.effective_to >= on
    )


async def _organisation(conn: AsyncConnection, code: str) -> AnyRow:
    query = select(organisation.c.id, organisation.c.code, organisation.c.name)
    found = (await conn.execute(query.where(organisation.c.code == code))).first()
    if found is None:
        raise Refused(401, "the token's organisation is unknown")
    return found


async def me(conn: AsyncConnection, claims: dict[str, Any]) -> dict[str, Any]:
    org = await _organisation(conn, claims["org"])
    return {
        "me": {
            "role": str(claims.get("scope", "")),
            "organisation": {"code": org.code, "name": org.name},
        }
    }


def _grouped(rows: Iterable[AnyRow], key: str) -> dict[str, list[AnyRow]]:
    groups: dict[str, list[AnyRow]] = defaultdict(list)
    for row in rows:
        groups[getattr(row, key)].append(row)
    return groups


async def _members(conn: AsyncConnection, partnership_ids: Sequence[str], today: date) -> dict[str, list[str]]:
    query = (
        select(membership.c.partnership_id, organisation.c.code)
        .join(organisation, organisation.c.id == membership.c.organisation_id)
        .where(membership.c.partnership_id.in_(partnership_ids), _current(today))
        .order_by(organisation.c.code)
    )
    return {
        pid: [r.code for r in rows]
        for pid, rows in _grouped((await conn.execute(query)).all(), "partnership_id").items()
    }


async def _routed(conn: AsyncConnection, case_ids: Sequence[str]) -> dict[str, list[AnyRow]]:
    query = select(routed_message).where(routed_message.c.case_id.in_(case_ids)).order_by(routed_message.c.created_at)
    return _grouped((await conn.execute(query)).all(), "case_id")


async def _codes(conn: AsyncConnection, org_ids: Iterable[str]) -> dict[str, str]:
    query = select(organisation.c.id, organisation.c.code).where(organisation.c.id.in_(set(org_ids)))
    return {r.id: r.code for r in (await conn.execute(query)).all()}


def _notification(row: AnyRow | None, messages: list[AnyRow], codes: dict[str, str]) -> dict[str, Any] | None:
    if row is None:
        return None
    routed = [
        {
            "recipient": {"code": codes[m.recipient_id]},
            "eventType": m.event_type,
            "basis": m.basis,
            "dueOn": _iso(m.due_on),
        }
        for m in messages
        if m.subject_id == row.id
    ]
    return {"dueOn": _iso(row.due_on), "onTime": bool(row.on_time), "routedTo": routed}


async def cases(conn: AsyncConnection, claims: dict[str, Any]) -> dict[str, Any]:
    """The caller's partnerships' cases, newest first, with what the hub's page shows."""
    org = await _organisation(conn, claims["org"])
    today = datetime.now(LONDON).date()
    mine = select(membership.c.partnership_id).where(membership.c.organisation_id == org.id, _current(today))
    visible = case.c.id.in_(select(case_partnership.c.case_id).where(case_partnership.c.partnership_id.in_(mine)))
    page = (
        await conn.execute(
            select(case).where(visible).order_by(case.c.created_at.desc(), case.c.id.desc()).limit(PAGE_SIZE)
        )
    ).all()
    total = (await conn.execute(select(func.count()).select_from(case).where(visible))).scalar_one()
    ids = [c.id for c in page]
    leads = {
        p.id: p.name
        for p in (
            await conn.execute(select(partnership).where(partnership.c.id.in_({c.lead_partnership_id for c in page})))
        ).all()
    }
    members = await _members(conn, list(leads), today)
    notes = {
        n.case_id: n for n in (await conn.execute(select(notification).where(notification.c.case_id.in_(ids)))).all()
    }
    routed = await _routed(conn, ids)
    codes = await _codes(conn, (m.recipient_id for rows in routed.values() for m in rows))
    nodes = [
        {
            "id": c.id,
            "reference": c.reference,
            "status": c.status,
            "leadPartnership": {
                "name": leads[c.lead_partnership_id],
                "members": [{"code": m} for m in members.get(c.lead_partnership_id, [])],
            },
            "notification": _notification(notes.get(c.id), routed.get(c.id, []), codes),
        }
        for c in page
    ]
    return {"cases": {"totalCount": int(total), "nodes": nodes}}


ANSWERS = {ME_QUERY: me, CASES_QUERY: cases}


async def _answer(engine: AsyncEngine, request: Request) -> dict[str, Any]:
    claims = claims_of(request.headers.get("authorization"))
    try:
        body = json.loads(await request.body())
    except ValueError as exc:
        raise Refused(400, "the body is not JSON") from exc
    query = body.get("query") if isinstance(body, dict) else None
    answer = ANSWERS.get(query) if isinstance(query, str) else None
    if answer is None:
        raise Refused(400, "this baseline answers only the benchmark's two queries")
    async with engine.connect() as conn:
        return {"data": await answer(conn, claims)}


def create_engine(database_url: str) -> AsyncEngine:
    """Pooled like the hub's engine (hub/store.py), so neither side gets more connections."""
    if database_url.startswith("sqlite"):
        return create_async_engine(database_url)
    return create_async_engine(database_url, pool_size=10, max_overflow=10, pool_pre_ping=True)


def create_app(database_url: str) -> Starlette:
    engine = create_engine(database_url)

    async def graphql(request: Request) -> JSONResponse:
        try:
            return JSONResponse(await _answer(engine, request))
        except Refused as exc:
            return JSONResponse({"errors": [{"message": str(exc)}]}, status_code=exc.status)

    async def readyz(request: Request) -> JSONResponse:
        async with engine.connect() as conn:
            await conn.execute(select(1))
        return JSONResponse({"status": "ok"})

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await engine.dispose()

    return Starlette(
        routes=[Route("/graphql", graphql, methods=["POST"]), Route("/readyz", readyz)],
        lifespan=lifespan,
    )


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--database-url", required=True)
    args = parser.parse_args()
    if args.host not in ("127.0.0.1", "::1", "localhost"):
        parser.error("the baseline binds to loopback only")
    # The same flags as `cspr-hub serve` (app/cli.py).
    uvicorn.run(
        create_app(args.database_url),
        host=args.host,
        port=args.port,
        log_level="info",
        proxy_headers=False,
    )


if __name__ == "__main__":
    main()
