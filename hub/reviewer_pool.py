"""The Panel's pool of potential reviewers for national reviews (para 44).

"The Panel must set up a pool of potential reviewers who can undertake national
reviews, a list of whom must be publicly available." The Panel adds and removes
reviewers; anyone may read the list (``reviewerPool`` needs no token). A removed
reviewer stays on the reviews that named them.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from hub.case import MAX_REASON, check_text
from hub.clock import Clock
from hub.errors import Forbidden, Problem, Refused, refuse_if
from hub.models import PoolReviewer
from hub.principal import Principal
from hub.statute import rule
from hub.vocabulary import Role

MAX_NAME = 200


def _panel_only(principal: Principal) -> None:
    if principal.role is not Role.PANEL:
        raise Forbidden("the Panel keeps its pool of reviewers (para 44)")


@rule("reviewer-pool", "para 44",
      "the Panel keeps a pool of potential national reviewers, and the list of them is public")
async def add(session: AsyncSession, *, clock: Clock, principal: Principal, name: str,
              expertise: str | None) -> PoolReviewer:
    _panel_only(principal)
    refuse_if(check_text(name, ("input", "name"), required=True, limit=MAX_NAME)
              + check_text(expertise, ("input", "expertise"), required=False, limit=MAX_REASON))
    reviewer = PoolReviewer(name=name.strip(), expertise=expertise or None, added_at=clock.now())
    session.add(reviewer)
    await session.flush()
    return reviewer


async def remove(session: AsyncSession, *, clock: Clock, principal: Principal, reviewer_id: str) -> PoolReviewer:
    _panel_only(principal)
    reviewer = await session.get(PoolReviewer, reviewer_id)
    if reviewer is None or not reviewer.active:
        raise Refused([Problem("NOT_FOUND", ("id",), "no such reviewer in the pool")])
    reviewer.active, reviewer.removed_at = False, clock.now()
    await session.flush()
    return reviewer
