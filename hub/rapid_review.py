"""The rapid review: the partners gather the facts and decide next steps (paras 20-21).

Led by the local authority of the lead partnership, written with police and
health (and other agencies the lead invites): each writes its own
contribution; the other partners sign off the recommendation they agree
(paras 15-16, ``hub/rapid_review_sign_off.py``); the lead submits it to the Panel
with the recommendation, its rationale and each para 18 criterion answered
(``hub/criteria.py``). Every change of status goes through ``next_status``, the
one table of legal steps.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from hub import connector_outbox, criteria, events, organisations, routing
from hub import rapid_review_sign_off as sign_off
from hub.case import MAX_REASON, MAX_SUMMARY, check_text, find_visible, partnership_ids
from hub.clock import Clock, today_in_england
from hub.criteria import Considered
from hub.deadlines import RAPID_REVIEW_WORKING_DAYS, add_working_days
from hub.errors import Forbidden, Problem, Refused, refuse_if
from hub.models import (
    Case,
    Notification,
    Organisation,
    RapidReview,
    RapidReviewContribution,
    RapidReviewInvitation,
)
from hub.policy import Policy, RapidReviewClock
from hub.principal import Principal
from hub.statute import rule
from hub.vocabulary import (
    CaseStatus,
    EventType,
    LocalReviewCriterion,
    OrganisationKind,
    RapidReviewRecommendation,
    RapidReviewStatus,
    Role,
)

S = RapidReviewStatus
CONTRIBUTING_ROLES = frozenset({Role.LA, Role.POLICE, Role.HEALTH, Role.AGENCY})


class Step(str, Enum):
    START = "START"
    CONTRIBUTE = "CONTRIBUTE"
    AGREE = "AGREE"  # a partner signs off the recommendation (paras 15-16)
    SUBMIT = "SUBMIT"
    ASK = "ASK"  # the Panel asks for further information (paras 24-25)
    DECIDE = "DECIDE"  # the Panel decides (paras 22, 25-26)
    ANSWERED = "ANSWERED"  # every organisation asked has answered: back with the Panel
    WITHDRAW = "WITHDRAW"  # the notification is withdrawn before the review reaches the Panel (paras 10-12)


REFUSALS: dict[tuple[S | None, Step], tuple[str, str]] = {
    (S.IN_PROGRESS, Step.START): ("ALREADY_STARTED", "this case already has a rapid review"),
    (S.IN_PROGRESS, Step.ASK): ("NOT_SUBMITTED", "the rapid review has not been submitted to the Panel"),
    (S.IN_PROGRESS, Step.DECIDE): ("NOT_SUBMITTED", "the rapid review has not been submitted to the Panel"),
    (S.FURTHER_INFORMATION_REQUESTED, Step.ASK): (
        "INFORMATION_ROUND_OPEN", "a request for further information is still open"),
}


@rule("rapid-review-transitions", "paras 20-26; paras 10-12",
      "a rapid review is written, then submitted, then answered by the Panel, which may ask for "
      "further information any number of times before deciding; until it is submitted it closes "
      "when its notification is withdrawn")
def next_status(current: S | None, step: Step) -> S:
    match (current, step):
        case (None, Step.START):
            return S.IN_PROGRESS
        case (S.IN_PROGRESS, Step.CONTRIBUTE | Step.AGREE):
            return S.IN_PROGRESS
        case (S.IN_PROGRESS, Step.SUBMIT):
            return S.SUBMITTED
        case (S.SUBMITTED, Step.ASK):
            return S.FURTHER_INFORMATION_REQUESTED
        case (S.SUBMITTED | S.FURTHER_INFORMATION_REQUESTED, Step.DECIDE):
            return S.RESPONDED
        case (S.FURTHER_INFORMATION_REQUESTED, Step.ANSWERED):
            return S.SUBMITTED
        case (S.IN_PROGRESS, Step.WITHDRAW):
            return S.WITHDRAWN
    code, message = REFUSALS.get((current, step), _default_refusal(current, step))
    raise Refused([Problem(code, ("rapidReviewId",), message)])


def _default_refusal(current: S | None, step: Step) -> tuple[str, str]:
    if current is None:
        return "NOT_STARTED", "no rapid review has been started"
    if current is S.WITHDRAWN:
        return "NOTIFICATION_WITHDRAWN", "the notification was withdrawn; its rapid review is closed"
    if current is S.RESPONDED:
        return "ALREADY_DECIDED", "the Panel has already decided on this rapid review"
    if step in (Step.START, Step.CONTRIBUTE, Step.AGREE, Step.SUBMIT, Step.WITHDRAW):
        return "ALREADY_SUBMITTED", "the rapid review has been submitted; it can no longer change"
    return "ILLEGAL_STEP", f"{step.value.lower()} is not possible while {current.value}"


def move(review: RapidReview, step: Step, at: datetime) -> None:
    new = next_status(S(review.status), step)
    if new is S.SUBMITTED:
        review.queued_at = at
    review.status = new.value
    review.version += 1


@rule("rapid-review-due", "para 20; Panel practice guidance",
      "the rapid review reaches the Panel within 15 working days of the notification")
def rapid_review_due_on(*, notified_on: date, aware_on: date, policy: Policy) -> date:
    start = aware_on if policy.rapid_review_counts_from is RapidReviewClock.AWARENESS else notified_on
    return add_working_days(start, RAPID_REVIEW_WORKING_DAYS)


@dataclass(frozen=True)
class Contribution:
    summary: str
    immediate_actions: str | None = None
    learning: str | None = None
    expected_version: int | None = None


@dataclass(frozen=True)
class Submission:
    recommendation: RapidReviewRecommendation
    rationale: str
    immediate_actions_taken: str | None = None
    learning_identified: str | None = None
    criteria: tuple[str, ...] = ()
    missing_contribution_reason: str | None = None
    criteria_considered: tuple[Considered, ...] = ()
    missing_sign_offs: tuple[sign_off.MissingSignOff, ...] = ()


async def _lead_members(session: AsyncSession, case: Case, today: date) -> list[Organisation]:
    members = await organisations.members_of(session, [case.lead_partnership_id], today)
    return members.get(case.lead_partnership_id, [])


NO_SUCH_REVIEW = "no such rapid review"


async def _require_lead_authority(session: AsyncSession, principal: Principal, case: Case, today: date) -> None:
    """Paras 20-21: the local authority of the lead partnership leads the rapid review."""
    lead = await _lead_members(session, case, today)
    is_lead_la = any(o.id == principal.organisation_id and o.kind == OrganisationKind.LOCAL_AUTHORITY.value
                     for o in lead)
    if principal.role is not Role.LA or not is_lead_la:
        raise Forbidden("only the local authority of the lead partnership leads the rapid review")


def submitted_on_time(review: RapidReview) -> bool | None:
    """Whether the rapid review reached the Panel by its due date (notification + 15 working days, paras 20-21);
    None until it is submitted. The guidance sets the Panel no deadline of its own to answer it."""
    return review.submitted_on <= review.due_on if review.submitted_on else None


require_lead_authority = _require_lead_authority  # the template's sections (hub.rapid_review_content)


async def find(session: AsyncSession, *, principal: Principal, review_id: str, today: date) -> tuple[RapidReview, Case]:
    """The rapid review, if the caller may see its case; otherwise refused exactly as an unknown id."""
    review = await session.get(RapidReview, review_id)
    if review is not None:
        case = await find_visible(session, principal=principal, case_id=review.case_id, today=today,
                                  field=("rapidReviewId",), missing=NO_SUCH_REVIEW)
        return review, case
    raise Refused([Problem("NOT_FOUND", ("rapidReviewId",), NO_SUCH_REVIEW)])


@rule("rapid-review-start", "paras 16, 20",
      "the lead local authority starts one rapid review per case notified to the Panel; a para 13 notice that did "
      "not go to the Panel has none")
async def start(session: AsyncSession, *, clock: Clock, principal: Principal, case_id: str, policy: Policy) -> RapidReview:
    today, at = today_in_england(clock), clock.now()
    case = await find_visible(session, principal=principal, case_id=case_id, today=today)
    await _require_lead_authority(session, principal, case, today)
    note = (await session.execute(select(Notification).where(col(Notification.case_id) == case.id))).scalar_one_or_none()
    if note is None:
        raise Refused([Problem("NOT_NOTIFIED", ("caseId",), "a rapid review follows a notification (para 12)")])
    if case.status == CaseStatus.WITHDRAWN.value:
        raise Refused([Problem("NOTIFICATION_WITHDRAWN", ("caseId",),
                               "the notification was withdrawn (paras 10-12): there is no rapid review to start")])
    if not note.to_panel:
        raise Refused([Problem("NOT_NOTIFIED_TO_PANEL", ("caseId",),
                               "a rapid review follows a serious incident notified to the Panel (paras 16, 20); this "
                               "notice of a death (para 13) did not go to the Panel: where the child died in another "
                               "area, that area notifies and reviews; the partners may still review it (para 19)")])
    existing = (await session.execute(select(RapidReview).where(col(RapidReview.case_id) == case.id))).scalar_one_or_none()
    next_status(S(existing.status) if existing else None, Step.START)
    due = rapid_review_due_on(notified_on=note.submitted_on, aware_on=case.aware_on, policy=policy)
    review = RapidReview(case_id=case.id, status=S.IN_PROGRESS.value, started_by_id=principal.organisation_id,
                         started_at=at, queued_at=at, due_on=due)
    session.add(review)
    await session.flush()
    await routing.dispatch(session, event=EventType.RAPID_REVIEW_STARTED, case=case, subject_id=review.id,
                           sender_id=principal.organisation_id, at=at, today=today, due=due)
    events.record(session, case_id=case.id, event=EventType.RAPID_REVIEW_STARTED,
                  actor_id=principal.organisation_id, at=at, data={"rapidReviewId": review.id, "dueOn": due.isoformat()})
    await connector_outbox.ask_summaries(session, case=case, partners=await _lead_members(session, case, today), at=at)
    await session.flush()
    return review


async def contribution_from_system(session: AsyncSession, *, case_id: str, organisation_id: str, summary: str,
                                   at: datetime) -> RapidReviewContribution | None:
    """A partner's own system's summary of the case (its records, para 20) as its first contribution; nothing if
    the partner wrote its own meanwhile, the review has gone to the Panel, or the text will not do."""
    review = (await session.execute(select(RapidReview).where(col(RapidReview.case_id) == case_id))).scalar_one_or_none()
    if review is None or review.status != S.IN_PROGRESS.value or _check_contribution(Contribution(summary)):
        return None
    written = (await session.execute(select(RapidReviewContribution).where(
        col(RapidReviewContribution.rapid_review_id) == review.id,
        col(RapidReviewContribution.organisation_id) == organisation_id))).scalar_one_or_none()
    if written is not None:
        return None
    made = RapidReviewContribution(rapid_review_id=review.id, organisation_id=organisation_id, summary=summary,
                                   created_at=at, updated_at=at)
    session.add(made)
    review.version += 1
    await session.flush()
    return made


async def _contributors(session: AsyncSession, case: Case, review: RapidReview, today: date) -> dict[str, Organisation]:
    """Who may contribute: partners of the lead and involved partnerships, and invited agencies."""
    lead, involved = await partnership_ids(session, case.id)
    members = await organisations.members_of(session, [lead, *involved], today)
    allowed = {o.id: o for group in members.values() for o in group}
    invited = await session.execute(
        select(Organisation).join(RapidReviewInvitation, col(RapidReviewInvitation.organisation_id) == col(Organisation.id))
        .where(col(RapidReviewInvitation.rapid_review_id) == review.id))
    allowed.update({o.id: o for o in invited.scalars()})
    return allowed


@rule("rapid-review-invite", "para 14; para 20",
      "the lead may invite another agency with functions relating to children to contribute")
async def invite(session: AsyncSession, *, clock: Clock, principal: Principal, review_id: str, organisation_code: str) -> RapidReview:
    today, at = today_in_england(clock), clock.now()
    review, case = await find(session, principal=principal, review_id=review_id, today=today)
    await _require_lead_authority(session, principal, case, today)
    next_status(S(review.status), Step.CONTRIBUTE)
    org = await organisations.by_code(session, organisation_code)
    if org is None:
        raise Refused([Problem("UNKNOWN_ORGANISATION", ("organisationCode",), f"no organisation has code {organisation_code!r}")])
    if org.kind != OrganisationKind.OTHER_AGENCY.value:
        raise Refused([Problem("NOT_AN_AGENCY", ("organisationCode",),
                               "only other agencies are invited; partners contribute already")])
    if await session.get(RapidReviewInvitation, (review.id, org.id)) is None:
        session.add(RapidReviewInvitation(rapid_review_id=review.id, organisation_id=org.id,
                                          invited_by_id=principal.organisation_id, invited_at=at))
        await session.flush()
    return review


def _check_contribution(entry: Contribution) -> list[Problem]:
    path = ("input",)
    problems = check_text(entry.summary, (*path, "summary"), required=True, limit=MAX_SUMMARY)
    problems += check_text(entry.immediate_actions, (*path, "immediateActions"), required=False, limit=MAX_SUMMARY)
    problems += check_text(entry.learning, (*path, "learning"), required=False, limit=MAX_SUMMARY)
    return problems


@rule("rapid-review-contribution", "para 20",
      "each partner writes its own contribution; a revision names the version it revises, so no edit is lost")
async def contribute(session: AsyncSession, *, clock: Clock, principal: Principal, review_id: str,
                     entry: Contribution) -> RapidReview:
    today, at = today_in_england(clock), clock.now()
    if principal.role not in CONTRIBUTING_ROLES:
        raise Forbidden("only partners and invited agencies contribute to a rapid review")
    review, case = await find(session, principal=principal, review_id=review_id, today=today)
    if principal.organisation_id not in await _contributors(session, case, review, today):
        raise Forbidden("the caller's organisation is not a partner in this case nor invited")
    next_status(S(review.status), Step.CONTRIBUTE)
    refuse_if(_check_contribution(entry))
    mine = (await session.execute(select(RapidReviewContribution).where(
        col(RapidReviewContribution.rapid_review_id) == review.id,
        col(RapidReviewContribution.organisation_id) == principal.organisation_id))).scalar_one_or_none()
    if mine is None:
        if entry.expected_version not in (None, 0):
            raise _conflict(entry.expected_version, 0)
        session.add(RapidReviewContribution(
            rapid_review_id=review.id, organisation_id=principal.organisation_id, summary=entry.summary,
            immediate_actions=entry.immediate_actions, learning=entry.learning, created_at=at, updated_at=at))
    else:
        await _revise(session, mine, entry, at)
    review.version += 1
    await session.flush()
    return review


def _conflict(expected: int | None, actual: int) -> Refused:
    return Refused([Problem("VERSION_CONFLICT", ("input", "expectedVersion"),
                            f"the contribution is at version {actual}, not {expected}: read it again and revise")])


async def _revise(session: AsyncSession, mine: RapidReviewContribution, entry: Contribution, at: datetime) -> None:
    if entry.expected_version is None:
        raise Refused([Problem("EXPECTED_VERSION_REQUIRED", ("input", "expectedVersion"),
                               f"revising a contribution needs expectedVersion (now {mine.version})")])
    changed = await session.execute(
        update(RapidReviewContribution)
        .where(col(RapidReviewContribution.id) == mine.id,
               col(RapidReviewContribution.version) == entry.expected_version)
        .values(summary=entry.summary, immediate_actions=entry.immediate_actions, learning=entry.learning,
                version=entry.expected_version + 1, updated_at=at)
        .execution_options(synchronize_session=False))
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        raise _conflict(entry.expected_version, mine.version)
    await session.refresh(mine)


def _check_submission(entry: Submission) -> list[Problem]:
    known = {c.value for c in LocalReviewCriterion}
    problems = check_text(entry.rationale, ("input", "rationale"), required=True, limit=MAX_SUMMARY)
    problems += check_text(entry.immediate_actions_taken, ("input", "immediateActionsTaken"), required=False, limit=MAX_SUMMARY)
    problems += check_text(entry.learning_identified, ("input", "learningIdentified"), required=False, limit=MAX_SUMMARY)
    problems += check_text(entry.missing_contribution_reason, ("input", "missingContributionReason"),
                           required=False, limit=MAX_REASON)
    problems += [Problem("UNKNOWN_CRITERION", ("input", "criteria", str(i)),
                         f"{c!r} is not a para 18 criterion or circumstance; one of {sorted(known)}")
                 for i, c in enumerate(entry.criteria) if c not in known]
    return problems + criteria.local_review_problems(entry.criteria_considered, entry.criteria)


@rule("rapid-review-sign-off", "paras 15-16",
      "each partner of the lead partnership signs off the recommendation it agrees while the rapid review is "
      "being written; a later sign-off replaces its earlier one")
async def agree(session: AsyncSession, *, clock: Clock, principal: Principal, review_id: str,
                recommendation: RapidReviewRecommendation) -> RapidReview:
    today, at = today_in_england(clock), clock.now()
    review, case = await find(session, principal=principal, review_id=review_id, today=today)
    if principal.role not in (Role.LA, Role.POLICE, Role.HEALTH) or not any(
            o.id == principal.organisation_id for o in await _lead_members(session, case, today)):
        raise Forbidden("only the safeguarding partners of the lead partnership sign off the rapid review")
    move(review, Step.AGREE, at)
    await sign_off.record_agreement(session, review=review, organisation_id=principal.organisation_id,
                                    recommendation=recommendation, at=at)
    events.record(session, case_id=case.id, event=EventType.RAPID_REVIEW_AGREED, actor_id=principal.organisation_id,
                  at=at, data={"rapidReviewId": review.id, "recommendation": recommendation.value})
    await session.flush()
    return review


@rule("rapid-review-complete", "paras 20-21",
      "submitted only with every partner's contribution, or with the lead's reason why one is missing")
async def missing_contributions(session: AsyncSession, case: Case, review: RapidReview, today: date) -> list[Organisation]:
    partners = await _lead_members(session, case, today)
    given = set((await session.execute(select(col(RapidReviewContribution.organisation_id)).where(
        col(RapidReviewContribution.rapid_review_id) == review.id))).scalars())
    return [o for o in partners if o.id not in given]


@rule("rapid-review-submit", "para 21",
      "the lead sends the rapid review to the Panel with its recommendation; a decision for a local "
      "review also goes to the Panel, Ofsted and DfE")
async def submit(session: AsyncSession, *, clock: Clock, principal: Principal, review_id: str,
                 entry: Submission) -> RapidReview:
    today, at = today_in_england(clock), clock.now()
    review, case = await find(session, principal=principal, review_id=review_id, today=today)
    await _require_lead_authority(session, principal, case, today)
    next_status(S(review.status), Step.SUBMIT)
    problems = _check_submission(entry)
    partners = await _lead_members(session, case, today)
    problems += await sign_off.agreement_problems(
        session, review=review, partners=partners, submitter_id=principal.organisation_id,
        recommendation=entry.recommendation, missing=entry.missing_sign_offs)
    missing = await missing_contributions(session, case, review, today)
    if missing and not (entry.missing_contribution_reason or "").strip():
        problems.append(Problem("MISSING_CONTRIBUTIONS", ("input", "missingContributionReason"),
                                "no contribution yet from " + ", ".join(f"{o.name} ({o.code})" for o in missing)
                                + ": wait for them or give missingContributionReason"))
    refuse_if(problems)
    review.recommendation = entry.recommendation.value
    review.rationale = entry.rationale
    review.criteria = criteria.met_criteria(entry.criteria_considered, entry.criteria)
    review.criteria_considered = criteria.rows(entry.criteria_considered)
    review.immediate_actions_taken = entry.immediate_actions_taken
    review.learning_identified = entry.learning_identified
    review.missing_contribution_reason = entry.missing_contribution_reason if missing else None
    review.submitted_at, review.submitted_on = at, today
    await sign_off.record_submission(session, review=review, partners=partners, submitter_id=principal.organisation_id,
                                     recommendation=entry.recommendation, missing=entry.missing_sign_offs, at=at)
    move(review, Step.SUBMIT, at)
    await routing.dispatch(session, event=EventType.RAPID_REVIEW_SUBMITTED, case=case, subject_id=review.id,
                           sender_id=principal.organisation_id, at=at, today=today, due=review.due_on)
    events.record(session, case_id=case.id, event=EventType.RAPID_REVIEW_SUBMITTED, actor_id=principal.organisation_id,
                  at=at, data={"rapidReviewId": review.id, "recommendation": review.recommendation,
                               "onTime": today <= review.due_on})
    if entry.recommendation is RapidReviewRecommendation.LOCAL_REVIEW:
        await routing.dispatch(session, event=EventType.REVIEW_DECIDED, case=case, subject_id=review.id,
                               sender_id=principal.organisation_id, at=at, today=today)
        events.record(session, case_id=case.id, event=EventType.REVIEW_DECIDED, actor_id=principal.organisation_id,
                      at=at, data={"rapidReviewId": review.id, "kind": "LOCAL"})
    await session.flush()
    return review
