"""Panel response shapes (thin: the rules are in ``hub/panel_response.py``)."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from hub import models
from schema.common import UserError
from schema.context import HubInfo
from schema.criteria import CriterionConsidered, CriterionConsideredInput
from schema.enums import PanelOutcome

if TYPE_CHECKING:
    from schema.information_request import InformationRequest
    from schema.rapid_review import RapidReview


@strawberry.type(description="The Panel's response to a rapid review, with its rationale (paras 22-26).")
class PanelResponse:
    id: strawberry.ID = strawberry.field(description="Stable identifier.")
    outcome: PanelOutcome = strawberry.field(description="What the Panel decided or asked.")
    rationale: str = strawberry.field(description="Why (para 25).")
    criteria: list[str] = strawberry.field(description="The para 22 criteria and circumstances considered.")
    criteria_considered: list[CriterionConsidered] = strawberry.field(
        description="Each para 22 criterion the Panel took into account: met or not, and how (regulation 3).")
    responded_at: datetime = strawberry.field(description="When.")
    row: strawberry.Private[models.PanelResponse]

    @classmethod
    def from_model(cls, row: models.PanelResponse) -> PanelResponse:
        return cls(id=strawberry.ID(row.id), outcome=PanelOutcome(row.outcome), rationale=row.rationale,
                   criteria=list(row.criteria), criteria_considered=CriterionConsidered.from_rows(row.criteria_considered),
                   responded_at=row.responded_at, row=row)

    @strawberry.field(description="The further-information request this response opened, if any.")
    async def information_request(
        self, info: HubInfo
    ) -> Annotated[InformationRequest, strawberry.lazy("schema.information_request")] | None:
        from schema.information_request import InformationRequest

        if self.row.information_request_id is None:
            return None
        row = await info.context.loaders.information_request.load(self.row.information_request_id)
        return InformationRequest.from_model(row) if row else None


@strawberry.input(description="The Panel's response (paras 22-26).")
class PanelResponseInput:
    outcome: PanelOutcome = strawberry.field(description="The decision, or FURTHER_INFORMATION_REQUIRED.")
    rationale: str = strawberry.field(description="Why; routed to the partners (para 25).")
    questions: list[str] | None = strawberry.field(default=None, description="With FURTHER_INFORMATION_REQUIRED: what the Panel asks.")
    information_due_on: date | None = strawberry.field(default=None, description="With FURTHER_INFORMATION_REQUIRED: when the answers are due.")
    information_from_codes: list[str] | None = strawberry.field(
        default=None, description="Who is asked; defaults to the lead partnership's members.")
    criteria: list[str] | None = strawberry.field(
        default=None, description="Para 22 criteria and circumstances: IMPROVEMENTS_NEEDED, "
        "LEGISLATION_OR_GUIDANCE_CHANGE, RECURRENT_THEMES, EDUCATED_OTHERWISE_THAN_AT_SCHOOL, "
        "IN_CARE_OR_ON_CHILD_PROTECTION_PLAN, RANGE_OF_ABUSE_TYPES, INSTITUTIONAL_SETTING, OTHER_EVIDENCE.")
    criteria_considered: list[CriterionConsideredInput] | None = strawberry.field(
        default=None, description="Each para 22 criterion answered, met or not and how (regulation 3): with every "
        "outcome but FURTHER_INFORMATION_REQUIRED, IMPROVEMENTS_NEEDED, LEGISLATION_OR_GUIDANCE_CHANGE and "
        "RECURRENT_THEMES are required (CRITERION_NOT_ADDRESSED); the circumstances may be answered too. Those met "
        "are added to criteria.")


@strawberry.type(description="The result of respondToRapidReview.")
class PanelResponsePayload:
    panel_response: PanelResponse | None = strawberry.field(description="The response recorded.")
    rapid_review: Annotated[RapidReview, strawberry.lazy("schema.rapid_review")] | None = strawberry.field(
        description="The rapid review after the response.")
    errors: list[UserError] = strawberry.field(description="Why it was refused; empty on success.")
