"""The guidance's vocabulary as GraphQL enums.

``strawberry.enum`` registers the core's own enums in place, so the schema and the
core share one class per concept and resolvers need no conversion.
"""

from __future__ import annotations

import strawberry

from hub import vocabulary
from hub.vocabulary import (
    AbuseOrNeglect,
    CaseStatus,
    FamilyCommunicationMethod,
    IncidentKind,
    IncidentLocation,
    InformationRequestStatus,
    NotificationKind,
    OrganisationKind,
    PanelOutcome,
    PartnershipRole,
    ProceedingKind,
    RapidReviewRecommendation,
    RapidReviewStatus,
    Sex,
)

strawberry.enum(
    vocabulary.OrganisationKind, description="What kind of organisation takes part (DOMAIN: who takes part)."
)
strawberry.enum(vocabulary.IncidentKind, description="The child died or was seriously harmed (para 10).")
strawberry.enum(
    vocabulary.AbuseOrNeglect, description="Whether abuse or neglect is known or suspected (para 10)."
)
strawberry.enum(
    vocabulary.IncidentLocation,
    description="Where the incident happened, for the s16C(1) test: in the notifying area, outside "
    "England while normally resident in the area, or elsewhere in England (not notifiable by this area).",
)
strawberry.enum(vocabulary.Sex, description="The child's sex as recorded.")
strawberry.enum(vocabulary.CaseStatus, description="Where a case is in the statutory process.")
strawberry.enum(
    vocabulary.NotificationKind,
    description="A serious-incident notification (s16C, para 12) or a looked-after child's death (para 13).",
)
strawberry.enum(
    vocabulary.PartnershipRole, description="A partnership leads a case or is involved in it (footnote 77)."
)
strawberry.enum(
    vocabulary.RapidReviewStatus,
    description="IN_PROGRESS: being written; SUBMITTED: with the Panel, awaiting its response; "
    "FURTHER_INFORMATION_REQUESTED: the Panel asked, the partners owe answers; RESPONDED: the Panel decided.",
)
strawberry.enum(vocabulary.RapidReviewRecommendation, description="The partners' recommendation (para 21).")
strawberry.enum(vocabulary.PanelOutcome, description="The Panel's response (paras 22-26).")
strawberry.enum(
    vocabulary.InformationRequestStatus,
    description="OPEN; ANSWERED when every organisation asked has answered; CLOSED when overtaken by a decision.",
)
strawberry.enum(vocabulary.FamilyCommunicationMethod, description="How the family was told (paras 17, 26).")
strawberry.enum(vocabulary.ProceedingKind, description="Proceedings alongside a review (para 29).")

__all__ = [
    "AbuseOrNeglect",
    "CaseStatus",
    "FamilyCommunicationMethod",
    "IncidentKind",
    "IncidentLocation",
    "InformationRequestStatus",
    "NotificationKind",
    "OrganisationKind",
    "PanelOutcome",
    "PartnershipRole",
    "ProceedingKind",
    "RapidReviewRecommendation",
    "RapidReviewStatus",
    "Sex",
]
