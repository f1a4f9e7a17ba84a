"""Relay connections over keyset pages: one statement for the page, one for totalCount if asked."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from sqlalchemy.sql.elements import ColumnElement
from strawberry.types.nodes import SelectedField

from hub import paging
from schema.common import Connection, decode_cursor, encode_cursor, make_connection, page_size
from schema.context import HubInfo

T = TypeVar("T")


async def keyset_connection(
    info: HubInfo, model: Any, where: Sequence[ColumnElement[bool]], *, first: int | None, after: str | None,
    convert: Callable[[Any], T], by: str = "created_at", newest: bool = True,
    ahead: Callable[[HubInfo, Sequence[Any]], Awaitable[None]] | None = None, plain: bool = False,
    joined: paging.Joined | None = None, prime: Callable[[HubInfo, Sequence[Any], Sequence[Any]], None] | None = None,
) -> Connection[T]:
    """``ahead``: look-ahead loading for the page's rows (``resolvers.look_ahead``). ``plain``: the rows are
    plain rows, not ORM objects (``hub.paging.keyset``), for a ``convert`` that only reads them. ``joined``:
    another table read with the page (``hub.paging.Joined``), its rows given to ``prime`` with the page's
    (to prime a dataloader) before ``ahead``."""
    size = page_size(first)
    position = paging.Position.decode(decode_cursor(after, 2))
    asked = {field.name for selected in info.selected_fields for field in selected.selections
             if isinstance(field, SelectedField)}
    async with info.context.sessions() as session:
        page = await paging.keyset(session, model, where, after=position, size=size, by=by, newest=newest,
                                   plain=plain, joined=joined)
        # counted with the page, on the same connection, when asked for; a first page that holds every row
        # counts itself (the same answer, read by the same statement)
        total = None
        if "totalCount" in asked:
            whole = position is None and not page.more
            total = len(page.rows) if whole else await paging.count(session, model, where)
    if joined is not None and prime is not None:
        prime(info, page.rows, page.joined)
    if ahead is not None:
        await ahead(info, page.rows)

    async def count() -> int:
        if total is not None:
            return total
        async with info.context.sessions() as session:
            return await paging.count(session, model, where)

    cursors = [encode_cursor(*paging.Position(getattr(r, by), r.id).encode()) for r in page.rows]
    return make_connection([convert(r) for r in page.rows], cursors, more=page.more, count=count)
