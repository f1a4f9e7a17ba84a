"""The partnership's yearly figures (thin: ``hub.partnership_figures`` counts)."""

from __future__ import annotations

import strawberry

from hub.partnership_figures import Figures


@strawberry.type(description="A safeguarding partnership's figures for a period, for its yearly report (para 43): "
                             "its own cases and local reviews.")
class PartnershipFigures:
    reviews_considered: int = strawberry.field(description=(
        "Rapid reviews of its cases sent to the Panel in the period: cases considered for a review (paras 16, 21)."))
    reviews_commissioned: int = strawberry.field(description="Local reviews it decided on in the period.")
    reviews_published: int = strawberry.field(description="Local reviews it published in the period.")
    recommendations_open: int = strawberry.field(description="Its local reviews' recommendations not completed, today.")
    recommendations_overdue: int = strawberry.field(description=(
        "Its local reviews' recommendations not completed and due before today."))
    recommendations_completed: int = strawberry.field(description=(
        "Its local reviews' recommendations completed in the period."))

    @classmethod
    def from_figures(cls, found: Figures) -> PartnershipFigures:
        return cls(reviews_considered=found.reviews_considered, reviews_commissioned=found.reviews_commissioned,
                   reviews_published=found.reviews_published, recommendations_open=found.recommendations_open,
                   recommendations_overdue=found.recommendations_overdue,
                   recommendations_completed=found.recommendations_completed)
