"""Local and national child safeguarding practice reviews: commissioning, supervision, the final report
(paras 30-37, 44-46).

A local review is commissioned and supervised by the safeguarding partners of the
lead area (paras 7, 15, 30, 35); a national one by the Panel (paras 44-45). Each
reviewer is recorded with the para 31 criteria considered and any real or
perceived conflict of interest, which needs a recorded mitigation. A national
reviewer comes from the Panel's public pool unless the Panel records why none
was suitable (para 44). The report is due six calendar months after the
decision to initiate the review (paras 41, 50).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from hub import events, organisations, review_decision, routing
from hub.case import MAX_REASON, MAX_SUMMARY, check_text, find_visible
from hub.clock import Clock, today_in_england
from hub.deadlines import publication_due_on
from hub.errors import Forbidden, Problem, Refused, refuse_if
from hub.models import (
    Case,
    Child,
    Organisation,
    PoolReviewer,
    PracticeReview,
    Recommendation,
    ReviewReviewer,
    SupervisionNote,
)
from hub.naming import Identity, naming_problems
from hub.principal import Principal
from hub.statute import rule
from hub.vocabulary import (
    EventType,
    PracticeReviewStatus,
    RecommendationStatus,
    ReviewerCriterion,
    ReviewKind,
    Role,
    SupervisionKind,
)

MAX_NAME = 200
MAX_REVIEWERS = 10
MAX_RECOMMENDATIONS = 100
MAX_TITLE = 300
COMMISSIONING_ROLES = frozenset({Role.LA, Role.POLICE, Role.HEALTH, Role.PANEL})
ReviewStatus = PracticeReviewStatus


@dataclass(frozen=True)
class ReviewerFacts:
    name: str
    pool_reviewer_id: str | None = None
    conflict_of_interest: str | None = None
    conflict_mitigation: str | None = None
    criteria_met: tuple[str, ...] = ()


@dataclass(frozen=True)
class Commission:
    kind: ReviewKind
    reviewers: tuple[ReviewerFacts, ...]
    decided_on: date | None = None  # None: the recorded decision, or today if none is recorded
    outside_pool_reason: str | None = None


@dataclass(frozen=True)
class RecommendationFacts:
    addressee_code: str
    action: str
    due_on: date


@dataclass(frozen=True)
class FinalReport:
    improvements_summary: str
    systemic_analysis: str
    recommendations: tuple[RecommendationFacts, ...]
    publication_text: str | None = None
    names_child_justification: str | None = None
    title: str | None = None


def variant(review: PracticeReview) -> routing.Variant:
    return routing.Variant.NATIONAL_REVIEW if review.kind == ReviewKind.NATIONAL.value else routing.Variant.LOCAL_REVIEW


async def _is_partner_of(session: AsyncSession, principal: Principal, partnership_id: str, today: date) -> bool:
    if not principal.is_partner:
        return False
    members = await organisations.members_of(session, [partnership_id], today)
    return any(o.id == principal.organisation_id for o in members.get(partnership_id, []))


@rule("review-supervision-by-commissioners", "paras 30, 35, 45",
      "the partners of the area supervise a local review; the Panel supervises a national one")
async def supervises(session: AsyncSession, principal: Principal, review: PracticeReview, today: date) -> bool:
    if review.kind == ReviewKind.NATIONAL.value:
        return principal.role is Role.PANEL
    assert review.partnership_id is not None
    return await _is_partner_of(session, principal, review.partnership_id, today)


@rule("reviewer-conflicts-for-commissioners", "para 31",
      "a reviewer's declared conflict of interest and its mitigation are read only by the review's commissioners "
      "(the area's partners; the Panel for a national review) and the Panel")
def reads_conflicts(principal: Principal | None, review: PracticeReview, partners: Sequence[Organisation]) -> bool:
    """``partners``: the members of the local review's partnership (none for a national review)."""
    if principal is None:
        return False
    if principal.role is Role.PANEL:
        return True
    return review.kind != ReviewKind.NATIONAL.value and principal.is_partner and any(
        o.id == principal.organisation_id for o in partners)


async def find(session: AsyncSession, *, principal: Principal, review_id: str, today: date,
               field: tuple[str, ...] = ("reviewId",)) -> tuple[PracticeReview, Case]:
    """The review, if the caller may see its case; otherwise refused as not found."""
    review = await session.get(PracticeReview, review_id)
    if review is not None:
        try:
            case = await find_visible(session, principal=principal, case_id=review.case_id, today=today, field=field)
        except Refused:
            case = None
        if case is not None:
            return review, case
    raise Refused([Problem("NOT_FOUND", field, "no such review")])


async def find_supervised(session: AsyncSession, *, principal: Principal, review_id: str,
                          today: date) -> tuple[PracticeReview, Case]:
    review, case = await find(session, principal=principal, review_id=review_id, today=today)
    if not await supervises(session, principal, review, today):
        raise Forbidden("only the review's commissioners act on it (paras 30, 35, 45)")
    return review, case


async def children_of(session: AsyncSession, case_id: str) -> list[Identity]:
    rows = (await session.execute(select(Child).where(col(Child.case_id) == case_id))).scalars()
    return [Identity(c.first_name, c.last_name, c.date_of_birth) for c in rows]


@rule("reviewer-criteria-and-conflicts", "para 31; para 44",
      "each reviewer is recorded with the para 31 criteria considered; a declared real or perceived conflict "
      "of interest needs a recorded mitigation, or the reviewer is refused")
def check_reviewer(reviewer: ReviewerFacts, path: tuple[str, ...]) -> list[Problem]:
    problems = check_text(reviewer.name, (*path, "name"), required=True, limit=MAX_NAME)
    known = {c.value for c in ReviewerCriterion}
    for i, criterion in enumerate(reviewer.criteria_met):
        if criterion not in known:
            problems.append(Problem("UNKNOWN_CRITERION", (*path, "criteriaMet", str(i)),
                                    f"criteria are {', '.join(sorted(known))} (para 31)"))
    problems += check_text(reviewer.conflict_of_interest, (*path, "conflictOfInterest"), required=False,
                           limit=MAX_REASON)
    problems += check_text(reviewer.conflict_mitigation, (*path, "conflictMitigation"), required=False,
                           limit=MAX_REASON)
    declared = reviewer.conflict_of_interest is not None and reviewer.conflict_of_interest.strip()
    mitigated = reviewer.conflict_mitigation is not None and reviewer.conflict_mitigation.strip()
    if declared and not mitigated:
        problems.append(Problem("CONFLICT_NOT_MITIGATED", (*path, "conflictMitigation"),
                                "a declared conflict of interest needs a recorded mitigation (paras 31, 44)"))
    return problems


@rule("national-reviewer-from-pool", "para 44",
      "a national reviewer comes from the Panel's pool, unless the Panel records why none was suitable")
async def check_pool(session: AsyncSession, commission: Commission) -> tuple[dict[str, PoolReviewer], list[Problem]]:
    wanted = [r.pool_reviewer_id for r in commission.reviewers if r.pool_reviewer_id]
    found = {p.id: p for p in (await session.execute(select(PoolReviewer).where(
        col(PoolReviewer.id).in_(wanted), col(PoolReviewer.active).is_(True)))).scalars()} if wanted else {}
    problems = [Problem("POOL_REVIEWER_NOT_FOUND", ("input", "reviewers", str(i), "poolReviewerId"),
                        "no such reviewer in the Panel's pool")
                for i, r in enumerate(commission.reviewers) if r.pool_reviewer_id and r.pool_reviewer_id not in found]
    outside = [i for i, r in enumerate(commission.reviewers) if not r.pool_reviewer_id]
    reason = commission.outside_pool_reason
    if commission.kind is ReviewKind.NATIONAL and outside and not (reason and reason.strip()):
        problems.append(Problem("OUTSIDE_POOL_REASON_REQUIRED", ("input", "outsidePoolReason"),
                                "a national reviewer from outside the pool needs the reason none in it was "
                                "suitable or available (para 44)"))
    problems += check_text(reason, ("input", "outsidePoolReason"), required=False, limit=MAX_REASON)
    return found, problems


async def _commissioner_problems(session: AsyncSession, principal: Principal, case: Case, kind: ReviewKind,
                                 today: date) -> tuple[review_decision.Decision, list[Problem]]:
    """Who commissions which kind (paras 30, 44), and whether a local review's route is open (paras 19, 21)."""
    national, panel = kind is ReviewKind.NATIONAL, principal.role is Role.PANEL
    decision, route_problems = await review_decision.decision_for(session, case, kind)
    if national and not panel:
        return decision, [Problem("NATIONAL_REVIEW_BY_PANEL_ONLY", ("input", "kind"),
                                  "national reviews are commissioned by the Panel (paras 22-27, 44)")]
    if not national and panel:
        return decision, [Problem("LOCAL_REVIEW_BY_PARTNERS_ONLY", ("input", "kind"),
                                  "local reviews are commissioned by the area's safeguarding partners (para 30)")]
    if not national and not await _is_partner_of(session, principal, case.lead_partnership_id, today):
        raise Forbidden("a local review is commissioned by the partners of the lead area (para 30)")
    return decision, route_problems


@rule("review-commissioning", "paras 7, 15, 19, 21, 30, 44; CONTRACT: commissionReview",
      "a local review is commissioned by a partner of the lead area (see local-review-route), a national review "
      "by the Panel; one of each kind per case; the report is due six months after the recorded decision; a local "
      "review following a rapid review is routed to the Panel, Ofsted and DfE with the reviewers' names, a national "
      "review to the Secretary of State")
async def commission(session: AsyncSession, *, clock: Clock, principal: Principal, case_id: str,
                     commission: Commission) -> PracticeReview:
    if principal.role not in COMMISSIONING_ROLES:
        raise Forbidden("only the safeguarding partners and the Panel commission reviews")
    today, at = today_in_england(clock), clock.now()
    case = await find_visible(session, principal=principal, case_id=case_id, today=today)
    national = commission.kind is ReviewKind.NATIONAL
    decision, problems = await _commissioner_problems(session, principal, case, commission.kind, today)
    decided_on, more = review_decision.decided_on(decision, commission.decided_on, today=today, aware_on=case.aware_on)
    problems += more
    if not commission.reviewers:
        problems.append(Problem("REQUIRED", ("input", "reviewers"), "name at least one reviewer"))
    if len(commission.reviewers) > MAX_REVIEWERS:
        problems.append(Problem("TOO_MANY", ("input", "reviewers"), f"at most {MAX_REVIEWERS} reviewers"))
    for i, reviewer in enumerate(commission.reviewers[:MAX_REVIEWERS]):
        problems += check_reviewer(reviewer, ("input", "reviewers", str(i)))
    pool, more = await check_pool(session, commission)
    problems += more
    existing = (await session.execute(select(PracticeReview).where(
        col(PracticeReview.case_id) == case.id, col(PracticeReview.kind) == commission.kind.value))).first()
    if existing is not None:
        problems.append(Problem("REVIEW_EXISTS", ("input", "kind"),
                                f"a {commission.kind.value.lower()} review of this case was already commissioned"))
    refuse_if(problems)
    review = PracticeReview(
        case_id=case.id, kind=commission.kind.value, status=ReviewStatus.COMMISSIONED.value,
        partnership_id=None if national else case.lead_partnership_id, commissioned_by_id=principal.organisation_id,
        created_at=at, decided_on=decided_on, publication_due_on=publication_due_on(decided_on),
        outside_pool_reason=commission.outside_pool_reason if national else None)
    session.add(review)
    await session.flush()
    session.add_all(ReviewReviewer(
        review_id=review.id, position=i, name=pool[r.pool_reviewer_id].name if r.pool_reviewer_id else r.name.strip(),
        pool_reviewer_id=r.pool_reviewer_id, conflict_of_interest=r.conflict_of_interest or None,
        conflict_mitigation=r.conflict_mitigation or None, criteria_met=list(dict.fromkeys(r.criteria_met)))
        for i, r in enumerate(commission.reviewers))
    await session.flush()
    await routing.dispatch(session, event=EventType.REVIEW_COMMISSIONED, case=case, subject_id=review.id,
                           sender_id=principal.organisation_id, at=at, today=today,
                           variant=variant(review) if decision.after_rapid_review else routing.Variant.PARA_19_REVIEW)
    events.record(session, case_id=case.id, event=EventType.REVIEW_COMMISSIONED, actor_id=principal.organisation_id,
                  at=at, data={"reviewId": review.id, "kind": review.kind, "decidedOn": review.decided_on.isoformat(),
                               "decisionRecordedBy": decision.source.value,
                               "publicationDueOn": review.publication_due_on.isoformat(),
                               "reviewers": [r.name for r in await reviewers_of(session, review.id)]})
    return review


async def reviewers_of(session: AsyncSession, review_id: str) -> list[ReviewReviewer]:
    query = select(ReviewReviewer).where(col(ReviewReviewer.review_id) == review_id).order_by(col(ReviewReviewer.position))
    return list((await session.execute(query)).scalars())


@rule("review-supervision", "para 35; para 45",
      "the commissioners record progress notes and quality checks while the review runs")
async def supervise(session: AsyncSession, *, clock: Clock, principal: Principal, review_id: str,
                    kind: SupervisionKind, note: str, satisfactory: bool | None) -> PracticeReview:
    today, at = today_in_england(clock), clock.now()
    review, _ = await find_supervised(session, principal=principal, review_id=review_id, today=today)
    problems = check_text(note, ("input", "note"), required=True, limit=MAX_SUMMARY)
    if review.status not in (ReviewStatus.COMMISSIONED.value, ReviewStatus.REPORT_SUBMITTED.value):
        problems.append(Problem("REVIEW_FINISHED", ("reviewId",), "supervision ends with the final report's copies"))
    refuse_if(problems)
    session.add(SupervisionNote(review_id=review.id, kind=kind.value, note=note, satisfactory=satisfactory,
                                recorded_by_id=principal.organisation_id, recorded_at=at))
    await session.flush()
    return review


def _check_report(report: FinalReport, today: date) -> list[Problem]:
    path = ("input",)
    problems = check_text(report.improvements_summary, (*path, "improvementsSummary"), required=True, limit=MAX_SUMMARY)
    problems += check_text(report.systemic_analysis, (*path, "systemicAnalysis"), required=True, limit=MAX_SUMMARY)
    problems += check_text(report.publication_text, (*path, "publicationText"), required=False, limit=200_000)
    problems += check_text(report.names_child_justification, (*path, "namesChildJustification"), required=False,
                           limit=MAX_REASON)
    problems += check_text(report.title, (*path, "title"), required=False, limit=MAX_TITLE)
    if len(report.recommendations) > MAX_RECOMMENDATIONS:
        problems.append(Problem("TOO_MANY", (*path, "recommendations"), f"at most {MAX_RECOMMENDATIONS}"))
    for i, r in enumerate(report.recommendations[:MAX_RECOMMENDATIONS]):
        problems += check_text(r.action, (*path, "recommendations", str(i), "action"), required=True, limit=MAX_REASON)
        if r.due_on <= today:
            problems.append(Problem("DUE_NOT_IN_FUTURE", (*path, "recommendations", str(i), "dueOn"),
                                    "say by when, after today (para 37)"))
    return problems


@rule("final-report-content", "paras 36-37, 46",
      "the final report has a summary of recommended improvements and an analysis of systemic or underlying "
      "reasons; each recommendation names who must act and by when; one final report per review")
async def submit_final_report(session: AsyncSession, *, clock: Clock, principal: Principal, review_id: str,
                              report: FinalReport) -> PracticeReview:
    today, at = today_in_england(clock), clock.now()
    review, case = await find_supervised(session, principal=principal, review_id=review_id, today=today)
    problems = _check_report(report, today)
    if review.status != ReviewStatus.COMMISSIONED.value:
        problems.append(Problem("REPORT_ALREADY_SUBMITTED", ("reviewId",),
                                f"the final report was already submitted (the review is {review.status})"))
    addressees = await organisations.by_codes(session, [r.addressee_code for r in report.recommendations])
    for i, r in enumerate(report.recommendations):
        if r.addressee_code not in addressees:
            problems.append(Problem("UNKNOWN_ORGANISATION", ("input", "recommendations", str(i), "addresseeCode"),
                                    "name the organisation that must act by its code (para 37)"))
    published: list[tuple[tuple[str, ...], str | None]] = [(("input", "title"), report.title), (("input", "improvementsSummary"), report.improvements_summary),
                 (("input", "systemicAnalysis"), report.systemic_analysis),
                 (("input", "publicationText"), report.publication_text)]
    published += [(("input", "recommendations", str(i), "action"), r.action) for i, r in enumerate(report.recommendations)]
    problems += naming_problems(published, await children_of(session, case.id),
                                justification=report.names_child_justification, override="namesChildJustification")
    refuse_if(problems)
    review.title = report.title.strip() if report.title and report.title.strip() else None
    review.improvements_summary, review.systemic_analysis = report.improvements_summary, report.systemic_analysis
    review.publication_text = report.publication_text or None
    review.names_child_justification = report.names_child_justification or None
    review.report_submitted_at, review.status = at, ReviewStatus.REPORT_SUBMITTED.value
    session.add_all(Recommendation(
        review_id=review.id, position=i, addressee_id=addressees[r.addressee_code].id, action=r.action, due_on=r.due_on,
        status=RecommendationStatus.OPEN.value, created_at=at, updated_at=at)
        for i, r in enumerate(report.recommendations))
    await session.flush()
    named = list({addressees[r.addressee_code].id: addressees[r.addressee_code] for r in report.recommendations}.values())
    await routing.dispatch(session, event=EventType.REPORT_SUBMITTED, case=case, subject_id=review.id,
                           sender_id=principal.organisation_id, at=at, today=today, variant=variant(review),
                           named=named, area=review.partnership_id)
    events.record(session, case_id=case.id, event=EventType.REPORT_SUBMITTED, actor_id=principal.organisation_id,
                  at=at, data={"reviewId": review.id, "recommendations": len(report.recommendations),
                               "namesChildJustified": review.names_child_justification is not None})
    return review

