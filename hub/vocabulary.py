"""The guidance's own words as enumerations (values are the public names)."""

from __future__ import annotations

from enum import Enum


class OrganisationKind(str, Enum):
    LOCAL_AUTHORITY = "LOCAL_AUTHORITY"
    POLICE = "POLICE"
    HEALTH = "HEALTH"
    PANEL = "PANEL"
    OFSTED = "OFSTED"
    DFE = "DFE"
    SECRETARY_OF_STATE = "SECRETARY_OF_STATE"
    INSPECTORATE = "INSPECTORATE"
    WHAT_WORKS_CENTRE = "WHAT_WORKS_CENTRE"
    OTHER_AGENCY = "OTHER_AGENCY"


PARTNER_KINDS = frozenset(
    {OrganisationKind.LOCAL_AUTHORITY, OrganisationKind.POLICE, OrganisationKind.HEALTH}
)


class Role(str, Enum):
    """The one scope an access token carries (CONTRACT: roles)."""

    LA = "la"
    POLICE = "police"
    HEALTH = "health"
    PANEL = "panel"
    OFSTED = "ofsted"
    RECIPIENT = "recipient"
    AGENCY = "agency"
    DFE = "dfe"


# Which organisation kinds may act in which role.
ROLE_KINDS: dict[Role, frozenset[OrganisationKind]] = {
    Role.LA: frozenset({OrganisationKind.LOCAL_AUTHORITY}),
    Role.POLICE: frozenset({OrganisationKind.POLICE}),
    Role.HEALTH: frozenset({OrganisationKind.HEALTH}),
    Role.PANEL: frozenset({OrganisationKind.PANEL}),
    Role.OFSTED: frozenset({OrganisationKind.OFSTED}),
    Role.RECIPIENT: frozenset(
        {OrganisationKind.INSPECTORATE, OrganisationKind.WHAT_WORKS_CENTRE}
    ),
    Role.AGENCY: frozenset({OrganisationKind.OTHER_AGENCY}),
    Role.DFE: frozenset({OrganisationKind.DFE}),
}


class IncidentKind(str, Enum):
    DEATH = "DEATH"
    SERIOUS_HARM = "SERIOUS_HARM"


class AbuseOrNeglect(str, Enum):
    KNOWN = "KNOWN"
    SUSPECTED = "SUSPECTED"
    NOT_SUSPECTED = "NOT_SUSPECTED"


class IncidentLocation(str, Enum):
    IN_AREA = "IN_AREA"
    OUTSIDE_ENGLAND = "OUTSIDE_ENGLAND"
    ELSEWHERE_IN_ENGLAND = "ELSEWHERE_IN_ENGLAND"


class Sex(str, Enum):
    FEMALE = "FEMALE"
    MALE = "MALE"
    INDETERMINATE = "INDETERMINATE"
    UNKNOWN = "UNKNOWN"


class CaseStatus(str, Enum):
    REFERRED = "REFERRED"  # para 14: told to the partners, not (yet) notified
    NOTIFIED = "NOTIFIED"  # para 12


class NotificationKind(str, Enum):
    SERIOUS_INCIDENT = "SERIOUS_INCIDENT"  # s16C, para 12
    LOOKED_AFTER_CHILD_DEATH = "LOOKED_AFTER_CHILD_DEATH"  # para 13 (and care leavers, WT2023)


class PartnershipRole(str, Enum):
    LEAD = "LEAD"
    INVOLVED = "INVOLVED"


class EventType(str, Enum):
    """Event types (CONTRACT: fixed). A routed message's ``eventType``."""

    INCIDENT_REFERRED = "incident.referred"
    NOTIFICATION_SUBMITTED = "notification.submitted"
    LOOKED_AFTER_DEATH_NOTIFIED = "looked_after_death.notified"
    RAPID_REVIEW_STARTED = "rapid_review.started"
    RAPID_REVIEW_SUBMITTED = "rapid_review.submitted"
    PANEL_RESPONDED = "panel.responded"
    INFORMATION_REQUESTED = "information.requested"
    INFORMATION_ANSWERED = "information.answered"
    FAMILY_COMMUNICATED = "family.communicated"
    PROCEEDING_LINKED = "proceeding.linked"
    CASE_HANDOFF_REQUESTED = "case.handoff_requested"
    CASE_HANDOFF_ACCEPTED = "case.handoff_accepted"
    CASE_HANDOFF_DECLINED = "case.handoff_declined"
    REVIEW_COMMISSIONED = "review.commissioned"
    REPORT_SUBMITTED = "report.submitted"
    REPORT_PREPUBLICATION_SENT = "report.prepublication_sent"
    REPORT_PUBLISHED = "report.published"
    REPORT_WITHHELD = "report.withheld"
    PUBLICATION_DELAYED = "publication.delayed"
    RECOMMENDATION_UPDATED = "recommendation.updated"
    DEADLINE_APPROACHING = "deadline.approaching"
    DEADLINE_MISSED = "deadline.missed"
    REVIEW_DECIDED = "review.decided"
    REVIEW_LEARNING_SHARED = "review.learning_shared"
