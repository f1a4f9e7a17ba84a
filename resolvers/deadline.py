"""The deadlines query: steps owed on the caller's cases. Fetch, call the core, return."""

from __future__ import annotations

from datetime import date

import strawberry
from sqlalchemy import select
from sqlmodel import col

from hub import models, reminders
from hub.clock import today_in_england
from hub.visibility import may_see_case_record, visible_cases
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
        visible = await visible_cases(session, principal, today)
        case_ids = list((await session.execute(select(col(models.Case.id)).where(visible))).scalars())
        owed = await reminders.open_deadlines(session, today=today, policy=info.context.policy, case_ids=case_ids,
                                              owed_by=principal.organisation_id)
    full = may_see_case_record(principal)
    found = [d for d in owed if (full or principal.organisation_id in d.owed_by) and _wanted(d, filter, today)]
    page = found[offset:offset + size + 1]
    items = [Deadline(kind=d.kind, subject_id=strawberry.ID(d.subject_id), due_on=d.due_on, overdue=today > d.due_on,
                      basis=d.basis, case_id=d.case_id, owed_by_ids=d.owed_by) for d in page]

    async def count() -> int:
        return len(found)

    cursors = [encode_cursor(str(offset + i + 1)) for i in range(len(items))]
    return make_connection(items[:size], cursors[:size], more=len(items) > size, count=count)
