"""Rapid-review mutations and the Panel's queue: fetch, call one core action, return."""

from __future__ import annotations

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from hub import models, paging, queues, rapid_review, rapid_review_content
from hub import rapid_review_sign_off as sign_off
from hub.clock import today_in_england
from hub.visibility import visible_cases
from hub.vocabulary import Role
from resolvers import look_ahead
from resolvers.errors import principal_of, unit_of_work
from resolvers.pages import keyset_connection
from resolvers.permissions import ANY_ROLE, described, roles
from schema import criteria
from schema.common import (
    Connection,
    UserError,
    parse_id,
)
from schema.context import HubInfo
from schema.rapid_review import (
    AgreeRapidReviewInput,
    RapidReview,
    RapidReviewContentInput,
    RapidReviewContributionInput,
    RapidReviewFilter,
    RapidReviewPayload,
    SubmitRapidReviewInput,
)

LEAD = (Role.LA,)
PARTNERS = (Role.HEALTH, Role.LA, Role.POLICE)
CONTRIBUTORS = tuple(sorted(rapid_review.CONTRIBUTING_ROLES))


def _payload(done: models.RapidReview | list[UserError]) -> RapidReviewPayload:
    if isinstance(done, list):
        return RapidReviewPayload(rapid_review=None, errors=done)
    return RapidReviewPayload(rapid_review=RapidReview.from_model(done), errors=[])


async def _start(info: HubInfo, case_id: strawberry.ID) -> RapidReviewPayload:
    wanted = parse_id(case_id, "caseId")

    async def act(session: AsyncSession) -> models.RapidReview:
        return await rapid_review.start(session, clock=info.context.clock, principal=principal_of(info.context),
                                        case_id=wanted, policy=info.context.policy)

    return _payload(await unit_of_work(info, act))


async def _invite(info: HubInfo, rapid_review_id: strawberry.ID, organisation_code: str) -> RapidReviewPayload:
    wanted = parse_id(rapid_review_id, "rapidReviewId")

    async def act(session: AsyncSession) -> models.RapidReview:
        return await rapid_review.invite(session, clock=info.context.clock, principal=principal_of(info.context),
                                         review_id=wanted, organisation_code=organisation_code)

    return _payload(await unit_of_work(info, act))


async def _contribute(info: HubInfo, rapid_review_id: strawberry.ID, input: RapidReviewContributionInput) -> RapidReviewPayload:
    wanted = parse_id(rapid_review_id, "rapidReviewId")
    entry = rapid_review.Contribution(summary=input.summary, immediate_actions=input.immediate_actions,
                                      learning=input.learning, expected_version=input.expected_version)

    async def act(session: AsyncSession) -> models.RapidReview:
        return await rapid_review.contribute(session, clock=info.context.clock, principal=principal_of(info.context),
                                             review_id=wanted, entry=entry)

    return _payload(await unit_of_work(info, act))


async def _write_content(info: HubInfo, rapid_review_id: strawberry.ID, input: RapidReviewContentInput
                         ) -> RapidReviewPayload:
    wanted = parse_id(rapid_review_id, "rapidReviewId")
    content = rapid_review_content.Content(
        lived_experience=input.lived_experience, key_practice_episodes=input.key_practice_episodes,
        agencies_analysis=input.agencies_analysis, immediate_learning=input.immediate_learning,
        family_involvement=input.family_involvement, expected_version=input.expected_version)

    async def act(session: AsyncSession) -> models.RapidReview:
        return await rapid_review_content.write(session, clock=info.context.clock, principal=principal_of(info.context),
                                                review_id=wanted, content=content)

    return _payload(await unit_of_work(info, act))


async def _submit(info: HubInfo, rapid_review_id: strawberry.ID, input: SubmitRapidReviewInput) -> RapidReviewPayload:
    wanted = parse_id(rapid_review_id, "rapidReviewId")
    entry = rapid_review.Submission(
        recommendation=input.recommendation, rationale=input.rationale,
        immediate_actions_taken=input.immediate_actions_taken, learning_identified=input.learning_identified,
        criteria=tuple(input.criteria or ()), missing_contribution_reason=input.missing_contribution_reason,
        criteria_considered=criteria.to_core(input.criteria_considered),
        missing_sign_offs=tuple(sign_off.MissingSignOff(m.organisation_code, m.reason)
                                for m in input.missing_sign_offs or ()))

    async def act(session: AsyncSession) -> models.RapidReview:
        return await rapid_review.submit(session, clock=info.context.clock, principal=principal_of(info.context),
                                         review_id=wanted, entry=entry)

    return _payload(await unit_of_work(info, act))


async def _agree(info: HubInfo, rapid_review_id: strawberry.ID, input: AgreeRapidReviewInput) -> RapidReviewPayload:
    wanted = parse_id(rapid_review_id, "rapidReviewId")

    async def act(session: AsyncSession) -> models.RapidReview:
        return await rapid_review.agree(session, clock=info.context.clock, principal=principal_of(info.context),
                                        review_id=wanted, recommendation=input.recommendation)

    return _payload(await unit_of_work(info, act))


# a rapid review's case, read with a page of them (one object: a page's statement is kept by its join, ``hub.paging``)
REVIEWED_CASE = paging.Joined(models.Case, col(models.Case.id) == col(models.RapidReview.case_id))


async def rapid_reviews(
    info: HubInfo, filter: RapidReviewFilter | None = None, first: int | None = None, after: str | None = None
) -> Connection[RapidReview]:
    wanted = queues.RapidReviewQuery(
        statuses=tuple(filter.status or ()) if filter else (),
        awaiting_panel=filter.awaiting_panel if filter else None,
        submitted_after=filter.submitted_after if filter else None,
        overdue=filter.overdue if filter else None)
    today = today_in_england(info.context.clock)
    async with info.context.sessions() as session:
        visible = await visible_cases(session, principal_of(info.context), today, reference=info.context.reference)
    where = queues.rapid_review_conditions(wanted, visible=visible, principal=principal_of(info.context), today=today)
    return await keyset_connection(info, models.RapidReview, where, first=first, after=after,
                                   convert=RapidReview.from_model, by="queued_at", newest=False,
                                   ahead=look_ahead.rapid_reviews, plain=True,
                                   # the page's condition holds only for reviews of visible cases (``where``'s
                                   # first), so their cases, read with it, prime ``visible_case``
                                   joined=REVIEWED_CASE,
                                   prime=look_ahead.visible_cases_read)


@strawberry.type
class RapidReviewMutations:
    start_rapid_review: RapidReviewPayload = strawberry.field(
        resolver=_start, extensions=roles(*LEAD), description=described(
            "Start the rapid review of a notified case (paras 16, 20): the local authority of the lead "
            "partnership, once per case; due notification date + 15 working days.", LEAD))
    invite_to_rapid_review: RapidReviewPayload = strawberry.field(
        resolver=_invite, extensions=roles(*LEAD), description=described(
            "Invite another agency to contribute to the rapid review (para 14).", LEAD))
    contribute_to_rapid_review: RapidReviewPayload = strawberry.field(
        resolver=_contribute, extensions=roles(*CONTRIBUTORS), description=described(
            "Write or revise the caller's organisation's contribution (para 20); a revision must give "
            "the expectedVersion it revises.", CONTRIBUTORS))
    write_rapid_review_content: RapidReviewPayload = strawberry.field(
        resolver=_write_content, extensions=roles(*LEAD), description=described(
            "Write the sections of the Panel's rapid review template (the child's lived experience, key practice "
            "episodes, analysis of the agencies' work including race, ethnicity, culture and disability, "
            "immediate learning and actions, family involvement): the local authority of the lead partnership, "
            "while the rapid review is in progress.", LEAD))
    agree_rapid_review: RapidReviewPayload = strawberry.field(
        resolver=_agree, extensions=roles(*PARTNERS), description=described(
            "Sign off, for the caller's organisation, the recommendation it agrees (paras 15-16): the "
            "safeguarding partners of the lead partnership, while the rapid review is in progress; signing "
            "again replaces the earlier sign-off.", PARTNERS))
    submit_rapid_review: RapidReviewPayload = strawberry.field(
        resolver=_submit, extensions=roles(*LEAD), description=described(
            "Send the rapid review to the Panel with the partners' recommendation (para 21); refused while "
            "a partner's contribution is missing unless the reason is given, until each para 18 criterion is "
            "answered (regulation 11), and while a lead partner has not signed off the recommendation unless "
            "the reason is recorded (paras 15-16).", LEAD))


RAPID_REVIEWS_DESCRIPTION = described(
    "Rapid reviews the caller may see, oldest in the queue first; the Panel's work queue is "
    "filter: {awaitingPanel: true}.", ANY_ROLE)
