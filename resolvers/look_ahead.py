"""Look-ahead loading for pages: a page resolver reads its selection set and loads, in one statement per
kind, what the page's items will ask for; their fields then find it in the request's loaders
(``schema.context.settled``) and resolve at once, with no awaitable per item for GraphQL to complete."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Iterable, Sequence
from typing import Any

from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField, Selection

from hub import models
from schema.context import HubInfo


def selected_names(info: HubInfo) -> frozenset[str]:
    """Every field name selected anywhere below this field (fragments included)."""
    names: set[str] = set()

    def walk(selections: Iterable[Selection]) -> None:
        for selection in selections:
            if isinstance(selection, SelectedField):
                names.add(selection.name)
            if isinstance(selection, SelectedField | FragmentSpread | InlineFragment):
                walk(selection.selections)

    walk(info.selected_fields)
    return frozenset(names)


async def cases(info: HubInfo, rows: Sequence[models.Case], names: frozenset[str] | None = None) -> None:
    """A page of cases: their notifications and routed messages, if selected."""
    names = selected_names(info) if names is None else names
    ids = [row.id for row in rows]
    loads: list[Awaitable[Any]] = []
    if "notification" in names:
        loads.append(info.context.loaders.notification.load_many(ids))
    if "routedTo" in names:
        loads.append(info.context.loaders.messages_about.load_many(ids))
    if loads and ids:
        await asyncio.gather(*loads)


async def rapid_reviews(info: HubInfo, rows: Sequence[models.RapidReview]) -> None:
    """A page of rapid reviews (the Panel's queue): their cases, and what is selected of those."""
    names = selected_names(info)
    if "case" not in names or not rows:
        return
    # read with the page and primed (``visible_cases_read``): no statement
    found = await info.context.loaders.visible_case.load_many([row.case_id for row in rows])
    await cases(info, [row for row in found if row is not None], names)


def visible_cases_read(info: HubInfo, rows: Sequence[models.RapidReview], cases: Sequence[models.Case]) -> None:
    """Cases read with a page whose condition holds only for rows of cases the caller may see
    (``hub.visibility.of_visible_cases``): they are what ``visible_case`` would load for them."""
    info.context.loaders.visible_case.prime_many({case.id: case for case in cases})


def notifications_read(info: HubInfo, rows: Sequence[models.Case], found: Sequence[models.Notification | None]) -> None:
    """A page of cases' notifications, read with it (at most one a case): what ``notification`` would load for
    them, None for a case with none."""
    info.context.loaders.notification.prime_many({row.id: notification for row, notification in zip(rows, found)})
