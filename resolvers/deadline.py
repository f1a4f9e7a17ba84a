"""The deadlines query: steps owed on the caller's cases. Fetch, call the core, return."""

from __future__ import annotations

from datetime import date

import strawberry

from hub import reminders
from hub.clock import today_in_england
from resolvers.errors import principal_of
from resolvers.permissions import ANY_ROLE, described
from schema.common import Connection, decode_cursor, encode_cursor, make_connection, page_size
from schema.context import HubInfo
from schema.deadline import Deadline, DeadlineFilter

DESCRIPTION = described(
    "Steps still owed on the caller's cases, soonest due first: partners and the Panel see every deadline of "
    "the cases they see; other roles see the ones they owe.", ANY_ROLE)


def _wanted(deadline: reminders.Deadline, wanted: DeadlineFilter | None, today: date) -> bool:
    if wanted is None:
        return True
    overdue = today > deadline.due_on
    return ((wanted.overdue is None or wanted.overdue == overdue)
            and (wanted.due_before is None or deadline.due_on < wanted.due_before)
            and (not wanted.kind or deadline.kind in wanted.kind))


async def deadlines(
    info: HubInfo, filter: DeadlineFilter | None = None, first: int | None = None, after: str | None = None
) -> Connection[Deadline]:
    size = page_size(first)
    start = decode_cursor(after, 1)
    offset = int(start[0]) if start and start[0].isdigit() else 0
    principal = principal_of(info.context)
    today = today_in_england(info.context.clock)
    async with info.context.sessions() as session:
        owed = await reminders.seen_by(session, principal, today=today, policy=info.context.policy)
    found = [d for d in owed if _wanted(d, filter, today)]
    page = found[offset:offset + size + 1]
    items = [Deadline(kind=d.kind, subject_id=strawberry.ID(d.subject_id), due_on=d.due_on, overdue=today > d.due_on,
                      basis=d.basis, case_id=d.case_id, owed_by_ids=d.owed_by) for d in page]

    async def count() -> int:
        return len(found)

    cursors = [encode_cursor(str(offset + i + 1)) for i in range(len(items))]
    return make_connection(items[:size], cursors[:size], more=len(items) > size, count=count)
