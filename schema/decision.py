"""A decision as it happens: the partners' recommendation, or the Panel's response (paras 21, 25-26)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from schema.context import HubInfo

if TYPE_CHECKING:
    from schema.case import Case
    from schema.panel_response import PanelResponse
    from schema.rapid_review import RapidReview


@strawberry.type(description="A rapid-review submission, a local-review decision or a Panel response on a case the caller may see.")
class Decision:
    event_type: str = strawberry.field(description="rapid_review.submitted, review.decided or panel.responded.")
    occurred_at: datetime = strawberry.field(description="When.")
    case_id: strawberry.Private[str]
    rapid_review_id: strawberry.Private[str | None]
    panel_response_id: strawberry.Private[str | None]

    @strawberry.field(description="The case decided on.")
    async def case(self, info: HubInfo) -> Annotated[Case, strawberry.lazy("schema.case")] | None:
        from schema.case import Case

        row = await info.context.loaders.visible_case.load(self.case_id)
        return Case.from_model(row) if row else None

    @strawberry.field(description="The rapid review.")
    async def rapid_review(self, info: HubInfo) -> Annotated[RapidReview, strawberry.lazy("schema.rapid_review")] | None:
        from schema.rapid_review import RapidReview

        if self.rapid_review_id is None:
            return None
        row = await info.context.loaders.rapid_review.load(self.rapid_review_id)
        return RapidReview.from_model(row) if row else None

    @strawberry.field(description="The Panel's response, for panel.responded.")
    async def panel_response(self, info: HubInfo) -> Annotated[PanelResponse, strawberry.lazy("schema.panel_response")] | None:
        from schema.panel_response import PanelResponse

        if self.panel_response_id is None:
            return None
        for row in await info.context.loaders.panel_responses.load(self.rapid_review_id or ""):
            if row.id == self.panel_response_id:
                return PanelResponse.from_model(row)
        return None
