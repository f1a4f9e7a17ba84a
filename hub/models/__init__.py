"""The store's tables (SQLModel), one module per concept. Changed only through ``migrations/``."""

from __future__ import annotations

from hub.models.access import ApiClient, AuditEntry, DataVersion, SigningKey, UsedAssertion
from hub.models.base import new_id
from hub.models.calendar import CalendarFeed
from hub.models.case import (
    Case,
    CaseEvent,
    CaseHandoff,
    CasePartnership,
    Child,
    DeadlineNotice,
    FamilyCommunication,
    IdempotencyRecord,
    InformationAddressee,
    InformationRequest,
    Notification,
    PanelResponse,
    ParallelProceeding,
    RapidReview,
    RapidReviewContribution,
    RapidReviewInvitation,
    RapidReviewSignOff,
    Referral,
    RoutedMessage,
)
from hub.models.connector import Connector, ConnectorAttempt, ConnectorCall, ConnectorReceipt
from hub.models.console import ConsoleSignOut
from hub.models.delivery import WebhookAttempt, WebhookDelivery, WebhookSubscription
from hub.models.organisation import Organisation, Partnership, PartnershipMembership
from hub.models.practice_review import (
    PoolReviewer,
    PracticeReview,
    PublicationDelay,
    Recommendation,
    RecommendationUpdate,
    ReviewReviewer,
    ReviewStatement,
    SupervisionNote,
    ThematicReview,
    ThematicReviewCase,
)

__all__ = [
    "ApiClient",
    "AuditEntry",
    "CalendarFeed",
    "Case",
    "CaseEvent",
    "CaseHandoff",
    "CasePartnership",
    "Child",
    "Connector",
    "ConnectorAttempt",
    "ConnectorCall",
    "ConnectorReceipt",
    "ConsoleSignOut",
    "DataVersion",
    "DeadlineNotice",
    "FamilyCommunication",
    "IdempotencyRecord",
    "InformationAddressee",
    "InformationRequest",
    "Notification",
    "Organisation",
    "PanelResponse",
    "ParallelProceeding",
    "Partnership",
    "PartnershipMembership",
    "PoolReviewer",
    "PracticeReview",
    "PublicationDelay",
    "RapidReview",
    "RapidReviewContribution",
    "RapidReviewInvitation",
    "RapidReviewSignOff",
    "Recommendation",
    "RecommendationUpdate",
    "Referral",
    "ReviewReviewer",
    "ReviewStatement",
    "RoutedMessage",
    "SigningKey",
    "SupervisionNote",
    "ThematicReview",
    "ThematicReviewCase",
    "UsedAssertion",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookSubscription",
    "new_id",
]
