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
    WITHDRAWN = "WITHDRAWN"  # paras 10-12: the notification was found not to meet the criteria


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
    # paras 15-16: a partner's sign-off; on the timeline only, never routed (not in CONTRACT's fixed list)
    RAPID_REVIEW_AGREED = "rapid_review.agreed"
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
    REVIEW_NEW_INFORMATION = "review.new_information"  # para 21: not in CONTRACT's fixed list
    REVIEW_NEW_INFORMATION_ANSWERED = "review.new_information_answered"  # para 21: not in CONTRACT's fixed list
    PUBLICATION_COMMENTED = "publication.commented"  # paras 41, 50: not in CONTRACT's fixed list
    REPORT_REMOVED = "report.removed"  # paras 38, 49: timeline only, not in CONTRACT's fixed list
    NOTIFICATION_WITHDRAWN = "notification.withdrawn"  # paras 10-12: not in CONTRACT's fixed list; its pattern
    THEMATIC_REVIEW_INCLUDED = "thematic_review.case_included"  # para 28: not in CONTRACT's fixed list
    WEBHOOK_DISABLED = "webhook.disabled"  # not a statutory step: the organisation's own endpoint stopped
    CONNECTOR_FAILED = "connector.failed"  # not a statutory step: a request could not reach the organisation's system


class RapidReviewStatus(str, Enum):
    IN_PROGRESS = "IN_PROGRESS"
    SUBMITTED = "SUBMITTED"  # with the Panel: awaiting its response
    FURTHER_INFORMATION_REQUESTED = "FURTHER_INFORMATION_REQUESTED"
    RESPONDED = "RESPONDED"
    WITHDRAWN = "WITHDRAWN"  # its notification was withdrawn before it reached the Panel (paras 10-12)


class RapidReviewRecommendation(str, Enum):
    LOCAL_REVIEW = "LOCAL_REVIEW"
    NO_LOCAL_REVIEW = "NO_LOCAL_REVIEW"
    NATIONAL_REVIEW_MAY_BE_APPROPRIATE = "NATIONAL_REVIEW_MAY_BE_APPROPRIATE"


class PanelOutcome(str, Enum):
    NATIONAL_REVIEW = "NATIONAL_REVIEW"
    FURTHER_INFORMATION_REQUIRED = "FURTHER_INFORMATION_REQUIRED"
    AGREES_WITH_PARTNERS = "AGREES_WITH_PARTNERS"
    LOCAL_REVIEW_MORE_APPROPRIATE = "LOCAL_REVIEW_MORE_APPROPRIATE"


class LocalReviewCriterion(str, Enum):
    """Para 18: criteria the partners must take into account, then circumstances to regard."""

    IMPROVEMENTS_NEEDED = "IMPROVEMENTS_NEEDED"
    RECURRENT_THEMES = "RECURRENT_THEMES"
    AGENCIES_WORKING_TOGETHER = "AGENCIES_WORKING_TOGETHER"
    PANEL_CONSIDERS_LOCAL_REVIEW = "PANEL_CONSIDERS_LOCAL_REVIEW"
    SINGLE_AGENCY_CONCERN = "SINGLE_AGENCY_CONCERN"
    NO_AGENCY_INVOLVEMENT = "NO_AGENCY_INVOLVEMENT"
    MORE_THAN_ONE_AREA = "MORE_THAN_ONE_AREA"
    INSTITUTIONAL_SETTING = "INSTITUTIONAL_SETTING"


class NationalReviewCriterion(str, Enum):
    """Para 22: criteria the Panel must take into account, then circumstances; para 23: other evidence."""

    IMPROVEMENTS_NEEDED = "IMPROVEMENTS_NEEDED"
    LEGISLATION_OR_GUIDANCE_CHANGE = "LEGISLATION_OR_GUIDANCE_CHANGE"
    RECURRENT_THEMES = "RECURRENT_THEMES"
    EDUCATED_OTHERWISE_THAN_AT_SCHOOL = "EDUCATED_OTHERWISE_THAN_AT_SCHOOL"
    IN_CARE_OR_ON_CHILD_PROTECTION_PLAN = "IN_CARE_OR_ON_CHILD_PROTECTION_PLAN"
    RANGE_OF_ABUSE_TYPES = "RANGE_OF_ABUSE_TYPES"
    INSTITUTIONAL_SETTING = "INSTITUTIONAL_SETTING"
    OTHER_EVIDENCE = "OTHER_EVIDENCE"


class InformationRequestStatus(str, Enum):
    OPEN = "OPEN"
    ANSWERED = "ANSWERED"  # every addressee has answered
    CLOSED = "CLOSED"  # overtaken by a decision, or withdrawn


class FamilyCommunicationMethod(str, Enum):
    MEETING = "MEETING"
    LETTER = "LETTER"
    TELEPHONE = "TELEPHONE"
    EMAIL = "EMAIL"
    THROUGH_REPRESENTATIVE = "THROUGH_REPRESENTATIVE"
    OTHER = "OTHER"


class ProceedingKind(str, Enum):
    """Para 29: investigations and reviews that run alongside."""

    CRIMINAL_INVESTIGATION = "CRIMINAL_INVESTIGATION"
    INQUEST = "INQUEST"
    DOMESTIC_HOMICIDE_REVIEW = "DOMESTIC_HOMICIDE_REVIEW"
    MAPPA_REVIEW = "MAPPA_REVIEW"
    SAFEGUARDING_ADULTS_REVIEW = "SAFEGUARDING_ADULTS_REVIEW"
    DISCIPLINARY = "DISCIPLINARY"
    OTHER = "OTHER"


class ReviewKind(str, Enum):
    LOCAL = "LOCAL"  # commissioned by the safeguarding partners (paras 15-19, 30)
    NATIONAL = "NATIONAL"  # commissioned by the Panel (paras 22-27, 44)


class PracticeReviewStatus(str, Enum):
    COMMISSIONED = "COMMISSIONED"  # reviewers at work, supervised (para 35)
    REPORT_SUBMITTED = "REPORT_SUBMITTED"  # final report in (paras 36-37, 46)
    PUBLICATION_SCHEDULED = "PUBLICATION_SCHEDULED"  # pre-publication copies sent (paras 40, 49)
    PUBLISHED = "PUBLISHED"  # the report, or the improvements information, is public (paras 38, 47)
    CLOSED = "CLOSED"  # published and every recommendation completed (para 43)


class ReviewerCriterion(str, Enum):
    """Para 31: what the commissioners consider a reviewer has (the sixth, conflicts, is declared apart)."""

    PROFESSIONAL_KNOWLEDGE = "PROFESSIONAL_KNOWLEDGE"
    RESEARCH_KNOWLEDGE = "RESEARCH_KNOWLEDGE"
    COMPLEX_CIRCUMSTANCES = "COMPLEX_CIRCUMSTANCES"
    PRACTICE_WITHOUT_HINDSIGHT = "PRACTICE_WITHOUT_HINDSIGHT"
    COMMUNICATES_FINDINGS = "COMMUNICATES_FINDINGS"


class SupervisionKind(str, Enum):
    """Para 35: the partners (para 45: the Panel) supervise progress and quality."""

    PROGRESS_NOTE = "PROGRESS_NOTE"
    QUALITY_CHECK = "QUALITY_CHECK"


class RecommendationStatus(str, Enum):
    OPEN = "OPEN"
    IN_PROGRESS = "IN_PROGRESS"
    COMPLETED = "COMPLETED"


class PublishedContent(str, Enum):
    """Paras 38, 47: the report, or where that is inappropriate the information about improvements."""

    FULL_REPORT = "FULL_REPORT"
    IMPROVEMENTS_INFORMATION = "IMPROVEMENTS_INFORMATION"


class ReviewStatementKind(str, Enum):
    """What was said about a review while it runs or after it (paras 21, 41-42, 50)."""

    NEW_INFORMATION = "NEW_INFORMATION"  # para 21: the partners tell the Panel
    LEARNING = "LEARNING"  # paras 42, 50: points about improvements shared during the review
    PUBLICATION_COMMENT = "PUBLICATION_COMMENT"  # paras 41, 50: the Panel or the Secretary of State comments


class NewInformationOutcome(str, Enum):
    """The Panel's answer to new information during a local review (para 21)."""

    NATIONAL_REVIEW = "NATIONAL_REVIEW"  # the Panel will commission a national review (paras 22, 26)
    LOCAL_REVIEW_CONTINUES = "LOCAL_REVIEW_CONTINUES"  # a national review is not appropriate


class PublicationCommentSubject(str, Enum):
    """What the Panel or the Secretary of State comments on (paras 41, 50)."""

    DECISION_NOT_TO_PUBLISH = "DECISION_NOT_TO_PUBLISH"
    DELAY = "DELAY"
