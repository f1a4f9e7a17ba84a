"""The rapid review's content in the sections of the Panel's rapid review template.

The Panel's guidance for rapid reviews asks for: the child's lived experience;
the key practice episodes; an analysis of how the agencies worked, including
how race, ethnicity, culture and disability were considered; the immediate
learning and the actions taken; and how the family was involved. The local
authority of the lead partnership writes them while the review is being
drafted (paras 20-21); whoever may read the rapid review reads them.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from sqlalchemy.ext.asyncio import AsyncSession

from hub import rapid_review
from hub.case import MAX_SUMMARY, check_text
from hub.clock import Clock, today_in_england
from hub.errors import Problem, Refused, refuse_if
from hub.models import RapidReview
from hub.principal import Principal
from hub.rapid_review import S, Step, next_status
from hub.statute import rule

SECTIONS = {  # field name -> the input's name for it
    "lived_experience": "livedExperience",
    "key_practice_episodes": "keyPracticeEpisodes",
    "agencies_analysis": "agenciesAnalysis",
    "immediate_learning": "immediateLearning",
    "family_involvement": "familyInvolvement",
}


@dataclass(frozen=True)
class Content:
    """The sections to write; None leaves a section as it is, an empty text clears it."""

    lived_experience: str | None = None
    key_practice_episodes: str | None = None
    agencies_analysis: str | None = None
    immediate_learning: str | None = None
    family_involvement: str | None = None
    expected_version: int | None = None


def _problems(content: Content) -> list[Problem]:
    problems: list[Problem] = []
    for name, label in SECTIONS.items():
        problems += check_text(getattr(content, name), ("input", label), required=False, limit=MAX_SUMMARY)
    return problems


@rule("rapid-review-content", "paras 20-21; the Panel's rapid review template",
      "the lead local authority writes the template's sections while the rapid review is in progress; a "
      "revision names the version it revises, so no edit is lost")
async def write(session: AsyncSession, *, clock: Clock, principal: Principal, review_id: str,
                content: Content) -> RapidReview:
    today = today_in_england(clock)
    review, case = await rapid_review.find(session, principal=principal, review_id=review_id, today=today)
    await rapid_review.require_lead_authority(session, principal, case, today)
    next_status(S(review.status), Step.CONTRIBUTE)
    if content.expected_version is not None and content.expected_version != review.version:
        raise Refused([Problem("VERSION_CONFLICT", ("input", "expectedVersion"),
                               f"the rapid review is at version {review.version}, not {content.expected_version}")])
    refuse_if(_problems(content))
    for f in fields(content):
        value = getattr(content, f.name)
        if f.name in SECTIONS and value is not None:
            setattr(review, f.name, value.strip() or None)
    review.version += 1
    await session.flush()
    return review
