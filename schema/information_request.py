"""Information request shapes (thin: the rules are in ``hub/information_request.py``)."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from hub import models
from schema.common import UserError
from schema.context import HubInfo
from schema.enums import InformationRequestStatus
from schema.organisation import Organisation

if TYPE_CHECKING:
    from schema.case import Case
    from schema.practice_review import Reviewer


@strawberry.type(description="One organisation asked, and its answer.")
class InformationAddressee:
    answered_at: datetime | None = strawberry.field(description="When it answered.")
    answer: str | None = strawberry.field(description="Its answer.")
    organisation_id: strawberry.Private[str]

    @strawberry.field(description="The organisation asked.")
    async def organisation(self, info: HubInfo) -> Organisation:
        row = await info.context.loaders.organisation.load(self.organisation_id)
        assert row is not None
        return Organisation.from_model(row)


@strawberry.type(description="Further information asked for in writing, with a due date (paras 24, 35).")
class InformationRequest:
    id: strawberry.ID = strawberry.field(description="Stable identifier.")
    status: InformationRequestStatus = strawberry.field(description="OPEN, ANSWERED or CLOSED.")
    due_on: date = strawberry.field(description="When the answers are due.")
    questions: list[str] = strawberry.field(description="What is asked.")
    created_at: datetime = strawberry.field(description="When it was asked.")
    overdue: bool = strawberry.field(description="Still open after dueOn.")
    row: strawberry.Private[models.InformationRequest]

    @classmethod
    def from_model(cls, row: models.InformationRequest, *, today: date | None = None) -> InformationRequest:
        overdue = row.status == "OPEN" and today is not None and today > row.due_on
        return cls(id=strawberry.ID(row.id), status=InformationRequestStatus(row.status), due_on=row.due_on,
                   questions=list(row.questions), created_at=row.created_at, overdue=overdue, row=row)

    @strawberry.field(description="Each organisation asked, with its answer.")
    async def addressees(self, info: HubInfo) -> list[InformationAddressee]:
        rows = await info.context.loaders.addressees.load(self.row.id)
        return [InformationAddressee(answered_at=r.answered_at, answer=r.answer, organisation_id=r.organisation_id)
                for r in rows]

    @strawberry.field(description="The reviewer asked, for a written supervision request (para 35).")
    async def reviewer(self, info: HubInfo) -> Annotated[Reviewer, strawberry.lazy("schema.practice_review")] | None:
        from schema.practice_review import Reviewer

        if self.row.reviewer_id is None:
            return None
        row = await info.context.loaders.reviewer.load(self.row.reviewer_id)
        return Reviewer.from_model(row, conflicts=False) if row else None  # conflicts: read on the review (para 31)

    @strawberry.field(description="The reviewer's written answer, as recorded by the review's commissioners.")
    def reviewer_answer(self) -> str | None:
        return self.row.reviewer_answer

    @strawberry.field(description="When the reviewer's answer was recorded.")
    def reviewer_answered_at(self) -> datetime | None:
        return self.row.reviewer_answered_at

    @strawberry.field(description="Who asked.")
    async def requested_by(self, info: HubInfo) -> Organisation:
        row = await info.context.loaders.organisation.load(self.row.requested_by_id)
        assert row is not None
        return Organisation.from_model(row)

    @strawberry.field(description="The case it is about.")
    async def case(self, info: HubInfo) -> Annotated[Case, strawberry.lazy("schema.case")] | None:
        from schema.case import Case

        row = await info.context.loaders.visible_case.load(self.row.case_id)
        return Case.from_model(row) if row else None


@strawberry.input(description="Ask for information in writing (paras 24, 35).")
class RequestInformationInput:
    case_id: strawberry.ID = strawberry.field(description="The case.")
    from_organisation_codes: list[str] | None = strawberry.field(
        default=None, description="Partners asked; defaults to the lead partnership's members.")
    to_reviewer_id: strawberry.ID | None = strawberry.field(
        default=None, description="A reviewer asked (a written supervision request, para 35).")
    questions: list[str] = strawberry.field(description="What is asked (at most 50 questions).")
    due_on: date = strawberry.field(description="When the answers are due.")


@strawberry.input(description="An answer to an information request.")
class InformationResponseInput:
    answer: str = strawberry.field(description="The answer. At most 20,000 characters.")


@strawberry.input(description="Narrow the list of information requests.")
class InformationRequestFilter:
    status: list[InformationRequestStatus] | None = strawberry.field(default=None, description="Only these states.")
    case_id: strawberry.ID | None = strawberry.field(default=None, description="Only about this case.")
    addressed_to_me: bool | None = strawberry.field(default=None, description="true: only those asking the caller's organisation.")
    overdue: bool | None = strawberry.field(default=None, description="true: open and past due.")


@strawberry.type(description="The result of an information-request mutation.")
class InformationRequestPayload:
    information_request: InformationRequest | None = strawberry.field(description="The request after the change.")
    errors: list[UserError] = strawberry.field(description="Why it was refused; empty on success.")
