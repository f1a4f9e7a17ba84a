"""What is said about a review while it runs and about its publication (paras 21, 41-42, 50). Fetch, call one
core action, return."""

from __future__ import annotations

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

from hub import models, review_statement
from hub.vocabulary import Role
from resolvers.errors import principal_of
from resolvers.permissions import described, roles
from resolvers.practice_review import _review_payload
from schema import criteria
from schema.common import parse_id
from schema.context import HubInfo
from schema.practice_review import PracticeReviewPayload
from schema.review_statement import (
    NewInformationAnswerInput,
    NewInformationInput,
    PublicationCommentInput,
    ReviewLearningInput,
)

PARTNERS = (Role.HEALTH, Role.LA, Role.POLICE)
PARTNERS_AND_PANEL = (Role.HEALTH, Role.LA, Role.PANEL, Role.POLICE)
PANEL = (Role.PANEL,)
PANEL_AND_SECRETARY_OF_STATE = (Role.DFE, Role.PANEL)


async def _report(info: HubInfo, review_id: strawberry.ID, input: NewInformationInput) -> PracticeReviewPayload:
    wanted = parse_id(review_id, "reviewId")

    async def act(session: AsyncSession) -> models.PracticeReview:
        return await review_statement.report_new_information(
            session, clock=info.context.clock, principal=principal_of(info.context), review_id=wanted,
            information=input.information)

    return await _review_payload(info, act)


async def _answer(info: HubInfo, new_information_id: strawberry.ID,
                  input: NewInformationAnswerInput) -> PracticeReviewPayload:
    wanted = parse_id(new_information_id, "newInformationId")

    async def act(session: AsyncSession) -> models.PracticeReview:
        return await review_statement.answer_new_information(
            session, clock=info.context.clock, principal=principal_of(info.context), statement_id=wanted,
            outcome=input.outcome, rationale=input.rationale, considered=criteria.to_core(input.criteria_considered))

    return await _review_payload(info, act)


async def _share(info: HubInfo, review_id: strawberry.ID, input: ReviewLearningInput) -> PracticeReviewPayload:
    wanted = parse_id(review_id, "reviewId")
    learning = review_statement.Learning(text=input.learning, also_to_codes=tuple(input.also_to_codes or ()))

    async def act(session: AsyncSession) -> models.PracticeReview:
        return await review_statement.share_learning(session, clock=info.context.clock,
                                                     principal=principal_of(info.context), review_id=wanted,
                                                     learning=learning)

    return await _review_payload(info, act)


async def _comment(info: HubInfo, review_id: strawberry.ID, input: PublicationCommentInput) -> PracticeReviewPayload:
    wanted = parse_id(review_id, "reviewId")

    async def act(session: AsyncSession) -> models.PracticeReview:
        return await review_statement.comment_on_publication(
            session, clock=info.context.clock, principal=principal_of(info.context), review_id=wanted,
            subject=input.subject, comment=input.comment)

    return await _review_payload(info, act)


@strawberry.type
class ReviewStatementMutations:
    report_new_information: PracticeReviewPayload = strawberry.field(
        resolver=_report, extensions=roles(*PARTNERS), description=described(
            "Share with the Panel new information that came to light during a local review and suggests a national "
            "review may be appropriate (para 21); by the partners of the area, while the review is in progress. "
            "Routed to the Panel (review.new_information).", PARTNERS))
    answer_new_information: PracticeReviewPayload = strawberry.field(
        resolver=_answer, extensions=roles(*PANEL), description=described(
            "The Panel's answer to new information, with its rationale (paras 21, 25): NATIONAL_REVIEW (routed to "
            "the partners and the Secretary of State, para 26; then commissionReview) or LOCAL_REVIEW_CONTINUES "
            "(routed to the partners). Once per new information.", PANEL))
    share_review_learning: PracticeReviewPayload = strawberry.field(
        resolver=_share, extensions=roles(*PARTNERS_AND_PANEL), description=described(
            "Share points about improvements while the review is in progress (review.learning_shared), by its "
            "commissioners: a local review's with the Panel and the partners (para 42), a national review's with "
            "the partners of every area it covers (para 50); alsoToCodes adds others as applicable.",
            PARTNERS_AND_PANEL))
    comment_on_publication: PracticeReviewPayload = strawberry.field(
        resolver=_comment, extensions=roles(*PANEL_AND_SECRETARY_OF_STATE), description=described(
            "Comment on a decision not to publish the report or on a delay, before publication: the Panel on a "
            "local review, the Secretary of State (DfE) on any review. Routed to the publisher, who should have "
            "regard to it (paras 41, 50).", PANEL_AND_SECRETARY_OF_STATE))
