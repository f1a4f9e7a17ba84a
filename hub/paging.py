"""Keyset pages, newest first: stable under inserts, one statement per page."""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from hub.errors import BadUserInput
from hub.kept import Kept

M = TypeVar("M")


@dataclass(frozen=True)
class Position:
    """Where a page ends: the last row's (created_at, id)."""

    created_at: datetime
    id: str

    def encode(self) -> tuple[str, str]:
        return (self.created_at.isoformat(), self.id)

    @classmethod
    def decode(cls, parts: tuple[str, ...] | None) -> Position | None:
        if parts is None:
            return None
        try:
            at = datetime.fromisoformat(parts[0])
        except ValueError as exc:
            raise BadUserInput("after is not a cursor this API gave out") from exc
        if at.tzinfo is None:
            raise BadUserInput("after is not a cursor this API gave out")
        return cls(at, parts[1])


@dataclass(frozen=True)
class Joined:
    """Another table read with a page, by the same statement: ``model``'s row that ``on`` joins to each of the
    page's rows (at most one; with ``optional``, perhaps none, an outer join)."""

    model: Any
    on: ColumnElement[bool]
    optional: bool = False


@dataclass(frozen=True)
class Page(Generic[M]):
    rows: Sequence[M]
    more: bool
    joined: Sequence[Any] = ()  # with ``keyset(joined=...)``: each row's row of the other table (or None), in step


async def newest_first(
    session: AsyncSession, model: Any, where: Sequence[ColumnElement[bool]],
    *, after: Position | None, size: int,
) -> Page[Any]:
    return await keyset(session, model, where, after=after, size=size, by="created_at", newest=True)


async def keyset(
    session: AsyncSession, model: Any, where: Sequence[ColumnElement[bool]],
    *, after: Position | None, size: int, by: str, newest: bool, plain: bool = False,
    joined: Joined | None = None,
) -> Page[Any]:
    """A page ordered by ``(by, id)``, newest or oldest first, after a position. ``plain``: rows answering to the
    model's attribute names, not ORM objects (every column is named as its attribute), for a page only read.
    ``joined``: another table's rows read with the page as plain rows (``Page.joined``, None where an optional
    one is missing); the page's rows are then plain too."""
    if after is None:  # a first page: the same statement for the same inputs (``STATEMENTS``)
        shape = (model, by, newest, size, plain, *((joined.model, joined.optional) if joined is not None else ()))
        same = (*where, *((joined.on,) if joined is not None else ()))
        query = STATEMENTS.get(shape, same, lambda: _statement(model, where, None, size, by, newest, plain, joined))
    else:
        query = _statement(model, where, after, size, by, newest, plain, joined)
    if joined is not None:
        found = (await session.execute(query)).all()
        mine, theirs = plain_row(model), plain_row(joined.model)
        width = len(mine._fields)
        key = width + theirs._fields.index("id")  # null only where none was joined
        return Page([mine._make(r[:width]) for r in found[:size]], more=len(found) > size,
                    joined=[theirs._make(r[width:]) if r[key] is not None else None for r in found[:size]])
    result = await session.execute(query)
    rows = result.all() if plain else result.scalars().all()
    return Page(rows[:size], more=len(rows) > size)


def _statement(model: Any, where: Sequence[ColumnElement[bool]], after: Position | None, size: int, by: str,
               newest: bool, plain: bool, joined: Joined | None) -> Select[Any]:
    column, ident = getattr(model, by), model.id
    conditions = list(where)
    if after is not None:
        beyond = (column < after.created_at, ident < after.id) if newest else (column > after.created_at, ident > after.id)
        conditions.append(or_(beyond[0], and_(column == after.created_at, beyond[1])))
    order = (column.desc(), ident.desc()) if newest else (column.asc(), ident.asc())
    if joined is not None:
        other = joined.model.__table__
        selected = select(model.__table__, other).join(other, joined.on, isouter=joined.optional)
    else:
        selected = select(model.__table__) if plain else select(model)
    return selected.where(*conditions).order_by(*order).limit(size + 1)


# First pages' statements, by their inputs (conditions and join compared by identity, ``hub.kept``): a caller's
# every poll of the same page. Bounded: a few pages for each of about 250 organisations' principals.
STATEMENTS: Kept[Select[Any]] = Kept(512)


@cache
def plain_row(model: Any) -> Any:
    """A tuple type answering to a table's attribute names (its columns', in order), for rows read two tables at
    a time."""
    return namedtuple(model.__table__.name, [c.key for c in model.__table__.columns])


async def count(session: AsyncSession, model: Any, where: Sequence[ColumnElement[bool]]) -> int:
    query = select(func.count()).select_from(model).where(*where)
    return int((await session.execute(query)).scalar_one())
