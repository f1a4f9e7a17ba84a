"""respondToRapidReview: fetch, call one core action, return."""

from __future__ import annotations

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

from hub import panel_response
from hub.vocabulary import Role
from resolvers.errors import principal_of, unit_of_work
from resolvers.permissions import described, roles
from schema import criteria
from schema.common import parse_id
from schema.context import HubInfo
from schema.panel_response import PanelResponse, PanelResponseInput, PanelResponsePayload
from schema.rapid_review import RapidReview

PANEL = (Role.PANEL,)


async def _respond(info: HubInfo, rapid_review_id: strawberry.ID, input: PanelResponseInput) -> PanelResponsePayload:
    wanted = parse_id(rapid_review_id, "rapidReviewId")
    entry = panel_response.Response(
        outcome=input.outcome, rationale=input.rationale, criteria=tuple(input.criteria or ()),
        questions=tuple(input.questions or ()), information_due_on=input.information_due_on,
        information_from_codes=tuple(input.information_from_codes or ()),
        criteria_considered=criteria.to_core(input.criteria_considered))

    async def act(session: AsyncSession) -> panel_response.Responded:
        return await panel_response.respond(session, clock=info.context.clock, principal=principal_of(info.context),
                                            review_id=wanted, entry=entry, policy=info.context.policy)

    done = await unit_of_work(info, act)
    if isinstance(done, list):
        return PanelResponsePayload(panel_response=None, rapid_review=None, errors=done)
    return PanelResponsePayload(panel_response=PanelResponse.from_model(done.response),
                                rapid_review=RapidReview.from_model(done.review), errors=[])


@strawberry.type
class PanelResponseMutations:
    respond_to_rapid_review: PanelResponsePayload = strawberry.field(
        resolver=_respond, extensions=roles(*PANEL), description=described(
            "The Panel's response to a submitted rapid review, with its rationale, routed to the partners "
            "(paras 22, 25); every decision answers each para 22 criterion (regulation 3); "
            "NATIONAL_REVIEW also to the Secretary of State (para 26); "
            "FURTHER_INFORMATION_REQUIRED opens a request to the partners (para 24).", PANEL))
