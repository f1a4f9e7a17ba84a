"""Deadline shapes (thin: the rules are in ``hub/reminders.py`` and ``hub/deadlines.py``)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated

import strawberry

from hub.reminders import DeadlineKind
from schema.context import HubInfo
from schema.organisation import Organisation

if TYPE_CHECKING:
    from schema.case import Case

strawberry.enum(DeadlineKind, description="Which statutory step is owed.")


@strawberry.type(description="A step still owed on a case, by when, and by whom (footnote 91: working days).")
class Deadline:
    kind: DeadlineKind = strawberry.field(description="The step owed.")
    subject_id: strawberry.ID = strawberry.field(description=(
        "What is owed: the rapid review, information request, practice review or recommendation; for a rapid "
        "review not yet started, its notification (the clock runs from the notification, paras 12, 20-21)."))
    due_on: date = strawberry.field(description="When it is due.")
    overdue: bool = strawberry.field(description="Past its due date and still owed.")
    basis: str = strawberry.field(description="The paragraphs that set it.")
    case_id: strawberry.Private[str]
    owed_by_ids: strawberry.Private[tuple[str, ...]]

    @strawberry.field(description="The organisations that owe the step.")
    async def owed_by(self, info: HubInfo) -> list[Organisation]:
        rows = await info.context.loaders.organisation.load_many(list(self.owed_by_ids))
        return [Organisation.from_model(r) for r in rows if r is not None]

    @strawberry.field(description="The case.")
    async def case(self, info: HubInfo) -> Annotated[Case, strawberry.lazy("schema.case")] | None:
        from schema.case import Case

        row = await info.context.loaders.visible_case.load(self.case_id)
        return Case.from_model(row) if row else None


@strawberry.input(description="Narrow the list of deadlines.")
class DeadlineFilter:
    overdue: bool | None = strawberry.field(default=None, description="true: only those past due.")
    due_before: date | None = strawberry.field(default=None, description="Only those due before this day.")
    kind: list[DeadlineKind] | None = strawberry.field(default=None, description="Only these kinds.")
