"""The partners' agreement to a rapid review's recommendation (paras 15-16).

The decision whether to carry out a local review is the safeguarding partners': the local authority, the
chief officer of police and the integrated care board of the lead partnership. Each partner other than the
lead local authority signs off the recommendation it agrees; the lead's submission is its own sign-off. A
submission is accepted only when every partner has signed off that recommendation, or the lead records why
a partner's agreement is missing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from hub.case import MAX_REASON, check_text
from hub.errors import Problem
from hub.models import Organisation, RapidReview, RapidReviewSignOff
from hub.statute import rule
from hub.vocabulary import RapidReviewRecommendation


@dataclass(frozen=True)
class MissingSignOff:
    """The lead's recorded reason a partner's agreement is missing."""

    organisation_code: str
    reason: str


async def sign_offs(session: AsyncSession, review_id: str) -> dict[str, RapidReviewSignOff]:
    rows = await session.execute(select(RapidReviewSignOff).where(col(RapidReviewSignOff.rapid_review_id) == review_id))
    return {r.organisation_id: r for r in rows.scalars()}


async def _row(session: AsyncSession, review: RapidReview, organisation_id: str) -> RapidReviewSignOff:
    found = await session.get(RapidReviewSignOff, (review.id, organisation_id))
    if found is None:
        found = RapidReviewSignOff(rapid_review_id=review.id, organisation_id=organisation_id)
        session.add(found)
    return found


async def record_agreement(session: AsyncSession, *, review: RapidReview, organisation_id: str,
                           recommendation: RapidReviewRecommendation, at: datetime) -> RapidReviewSignOff:
    """The partner agrees this recommendation; a later sign-off by the same partner replaces it."""
    row = await _row(session, review, organisation_id)
    row.recommendation, row.signed_off_at, row.missing_reason = recommendation.value, at, None
    return row


def _reason_problems(missing: Sequence[MissingSignOff], others: dict[str, Organisation]) -> list[Problem]:
    problems: list[Problem] = []
    for i, entry in enumerate(missing):
        path = ("input", "missingSignOffs", str(i))
        if entry.organisation_code not in others:
            problems.append(Problem("NOT_A_PARTNER", (*path, "organisationCode"),
                                    f"{entry.organisation_code!r} is not a partner of the lead partnership whose "
                                    "sign-off is needed"))
        problems += check_text(entry.reason, (*path, "reason"), required=True, limit=MAX_REASON)
    return problems


def _unagreed(partner: Organisation, found: RapidReviewSignOff | None, wanted: RapidReviewRecommendation) -> Problem:
    who = f"{partner.name} ({partner.code})"
    if found is not None and found.recommendation is not None:
        return Problem("PARTNER_DISAGREES", ("input", "missingSignOffs"),
                       f"{who} signed off {found.recommendation}, not {wanted.value}: ask it to sign off again "
                       "or record why its agreement is missing")
    return Problem("SIGN_OFF_MISSING", ("input", "missingSignOffs"),
                   f"{who} has not signed off the rapid review (agreeRapidReview): wait for it or record why "
                   "in missingSignOffs")


def _agreed(found: RapidReviewSignOff | None, wanted: RapidReviewRecommendation) -> bool:
    return found is not None and found.signed_off_at is not None and found.recommendation == wanted.value


@rule("rapid-review-partners-agree", "paras 15-16",
      "the rapid review goes to the Panel only with each lead partner's sign-off of its recommendation, or the "
      "lead's recorded reason that partner's agreement is missing")
async def agreement_problems(session: AsyncSession, *, review: RapidReview, partners: Sequence[Organisation],
                             submitter_id: str, recommendation: RapidReviewRecommendation,
                             missing: Sequence[MissingSignOff]) -> list[Problem]:
    others = {o.code: o for o in partners if o.id != submitter_id}
    problems = _reason_problems(missing, others)
    explained = {m.organisation_code for m in missing if m.reason.strip()}
    found = await sign_offs(session, review.id)
    return problems + [_unagreed(o, found.get(o.id), recommendation) for code, o in others.items()
                       if code not in explained and not _agreed(found.get(o.id), recommendation)]


async def record_submission(session: AsyncSession, *, review: RapidReview, partners: Sequence[Organisation],
                            submitter_id: str, recommendation: RapidReviewRecommendation,
                            missing: Sequence[MissingSignOff], at: datetime) -> None:
    """The lead's submission is its sign-off; each reason is kept beside the partner it explains."""
    await record_agreement(session, review=review, organisation_id=submitter_id, recommendation=recommendation, at=at)
    found = await sign_offs(session, review.id)
    by_code = {o.code: o for o in partners if o.id != submitter_id}
    for entry in missing:
        partner = by_code[entry.organisation_code]
        if not _agreed(found.get(partner.id), recommendation):
            (await _row(session, review, partner.id)).missing_reason = entry.reason
