"""Descriptions for arguments and enum values, given once here and applied to the built schema.

Every type, field, argument and enum value is documented in the schema itself:
it is the reference an integrator reads (GraphiQL, the printed ``schema.graphql``).
"""

from __future__ import annotations

from graphql import GraphQLEnumType, GraphQLObjectType, GraphQLSchema

from schema import child_details, national_statistics

ROOTS = {
    "Query": "Reads. Every field but addWorkingDays, publishedReports, reviewerPool and _service needs a bearer token.",
    "Mutation": "Changes. Refused input comes back in the payload's errors and changes nothing.",
    "Subscription": "Live events over graphql-transport-ws, signed in with the bearer token in connection_init.",
}

ARGUMENTS = {
    "first": "How many items to return: 0 to 100 (default 20).",
    "after": "The endCursor of the previous page.",
    "filter": "Narrow the list.",
    "input": "What to record.",
    "code": "The organisation's code: an ONS GSS code, or PANEL, OFSTED, DFE, SOS, CQC, HMICFRS, WWCSC.",
    "kind": "Only organisations of this kind.",
    "id": "The identifier.",
    "caseId": "The case.",
    "rapidReviewId": "The rapid review.",
    "requestId": "The information request.",
    "messageId": "The routed message, from the caller's inbox.",
    "subscriptionId": "One of the caller's webhook subscriptions.",
    "deliveryId": "A delivery to one of the caller's webhook subscriptions.",
    "connectorId": "One of the caller's organisation's connectors.",
    "organisationCode": "The code of the agency invited.",
    "handoffId": "The hand-off proposed to the caller's area.",
    "reason": "Why.",
    "reviewId": "The practice review.",
    "publishOn": "The date of publication: at least seven working days after the pre-publication copies (paras 40, 49).",
    "recommendationId": "The recommendation.",
    "thematicReviewId": "The thematic review.",
    "caseIds": "The cases to include.",
    "newInformationId": "The new information shared with the Panel (PracticeReview.newInformation).",
}

ENUM_VALUES: dict[str, dict[str, str]] = {
    "NewInformationOutcome": {
        "NATIONAL_REVIEW": "A national review is appropriate: the Panel commissions it (paras 21-22, 26).",
        "LOCAL_REVIEW_CONTINUES": "A national review is not appropriate: the local review continues (para 21)."},
    "PublicationCommentSubject": {
        "DECISION_NOT_TO_PUBLISH": "The decision not to publish the full report (paras 41, 50).",
        "DELAY": "A delay to publication reported with its reasons (paras 41, 50)."},
    "CaseStatus": {"REFERRED": "Told to the partners by another agency (para 14); not notified.",
                   "NOTIFIED": "Notified to the Panel or, for a looked-after death, the Secretary of State (paras 12-13).",
                   "WITHDRAWN": "The notification was withdrawn by its local authority, found not to meet the "
                                "criteria (paras 10-12): its clocks are closed."},
    "IncidentKind": {"DEATH": "The child died.", "SERIOUS_HARM": "The child was seriously harmed (para 11)."},
    "AbuseOrNeglect": {"KNOWN": "Abuse or neglect is known.", "SUSPECTED": "Abuse or neglect is suspected.",
                       "NOT_SUSPECTED": "Neither known nor suspected: not notifiable to the Panel (para 10)."},
    "IncidentLocation": {"IN_AREA": "In the notifying local authority's area (s16C(1)(a)).",
                         "OUTSIDE_ENGLAND": "Outside England, the child normally resident in the area (s16C(1)(b)).",
                         "ELSEWHERE_IN_ENGLAND": "Elsewhere in England: that area's local authority notifies."},
    "Sex": {"FEMALE": "Female.", "MALE": "Male.", "INDETERMINATE": "Indeterminate.", "UNKNOWN": "Not known."},
    "NotificationKind": {"SERIOUS_INCIDENT": "A serious incident (s16C; para 12).",
                         "LOOKED_AFTER_CHILD_DEATH": "The death of a looked-after child or care leaver (para 13)."},
    "InformationRequestStatus": {"OPEN": "Awaiting answers.", "ANSWERED": "Every organisation asked has answered.",
                                 "CLOSED": "Overtaken by a decision, or its notification was withdrawn."},
    "FamilyCommunicationMethod": {"MEETING": "In a meeting.", "LETTER": "By letter.", "TELEPHONE": "By telephone.",
                                  "EMAIL": "By email.", "THROUGH_REPRESENTATIVE": "Through the family's representative.",
                                  "OTHER": "Otherwise (say how in notes)."},
    "ProceedingKind": {"CRIMINAL_INVESTIGATION": "A criminal investigation.", "INQUEST": "A coroner's inquest.",
                       "DOMESTIC_HOMICIDE_REVIEW": "A Domestic Homicide Review.",
                       "MAPPA_REVIEW": "A multi-agency public protection arrangements review.",
                       "SAFEGUARDING_ADULTS_REVIEW": "A Safeguarding Adults Review.",
                       "DISCIPLINARY": "Professional or disciplinary proceedings.", "OTHER": "Another proceeding."},
    "OrganisationKind": {"LOCAL_AUTHORITY": "A local authority with children's services.",
                         "POLICE": "A territorial police force (its chief officer).",
                         "HEALTH": "An integrated care board (formerly a clinical commissioning group).",
                         "PANEL": "The Child Safeguarding Practice Review Panel.", "OFSTED": "Ofsted.",
                         "DFE": "The Department for Education.", "SECRETARY_OF_STATE": "The Secretary of State.",
                         "INSPECTORATE": "An inspectorate: CQC or HMICFRS.",
                         "WHAT_WORKS_CENTRE": "The What Works Centre for Children's Social Care.",
                         "OTHER_AGENCY": "Another organisation with functions relating to children (para 14)."},
    "RapidReviewStatus": {"IN_PROGRESS": "Being written by the partners.",
                          "SUBMITTED": "With the Panel, awaiting its response.",
                          "FURTHER_INFORMATION_REQUESTED": "The Panel asked; the partners owe answers (para 24).",
                          "RESPONDED": "The Panel has decided.",
                          "WITHDRAWN": "Closed before it reached the Panel: its notification was withdrawn "
                                       "(paras 10-12)."},
    "RapidReviewRecommendation": {"LOCAL_REVIEW": "The partners will carry out a local review.",
                                  "NO_LOCAL_REVIEW": "The partners will not carry out a local review.",
                                  "NATIONAL_REVIEW_MAY_BE_APPROPRIATE": "The case may raise issues of national importance."},
    "PanelOutcome": {"NATIONAL_REVIEW": "The Panel will carry out a national review (para 26).",
                     "FURTHER_INFORMATION_REQUIRED": "The Panel needs more information first (paras 24-25).",
                     "AGREES_WITH_PARTNERS": "The Panel agrees with the partners' recommendation.",
                     "LOCAL_REVIEW_MORE_APPROPRIATE": "The Panel considers a local review more appropriate."},
    "ConnectorKind": {"REST": "The hub's versioned JSON payloads over HTTPS to the agency's own API.",
                      "FHIR": "FHIR R4: a Task on the integrated care board's FHIR server."},
    "ConnectorAuthMethod": {"OAUTH2_CLIENT_CREDENTIALS": "A token from the agency's identity provider (RFC 6749 4.4).",
                            "BEARER": "A static token the agency issued.",
                            "NONE": "None (development and tests only)."},
    "DeadlineKind": {"RAPID_REVIEW": "The rapid review to the Panel (paras 20-21): owed from the moment of a "
                                     "notification to the Panel, before the rapid review is started.",
                     "INFORMATION_REQUEST": "Answers to an information request (paras 24, 35).",
                     "PUBLICATION": "A review's publication: six months after the decision (paras 41, 50).",
                     "RECOMMENDATION": "A recommendation's own date (paras 37, 43)."},
    "ReviewKind": {"LOCAL": "A local review by the area's safeguarding partners (paras 15-19, 30-43).",
                   "NATIONAL": "A national review by the Panel (paras 22-27, 44-50)."},
    "PracticeReviewStatus": {"COMMISSIONED": "Reviewers at work, supervised by the commissioners (para 35).",
                             "REPORT_SUBMITTED": "The final report is in (paras 36-37, 46).",
                             "PUBLICATION_SCHEDULED": "Pre-publication copies sent; a date set (paras 40, 49).",
                             "PUBLISHED": "Published, or its improvements information (paras 38, 47).",
                             "CLOSED": "Published and every recommendation completed (para 43)."},
    "ReviewerCriterion": {
        "PROFESSIONAL_KNOWLEDGE": "Professional knowledge and practice relevant to reviews, engaging practitioners "
                                  "and families.",
        "RESEARCH_KNOWLEDGE": "Knowledge of research relevant to children's safeguarding.",
        "COMPLEX_CIRCUMSTANCES": "Recognises the complex circumstances in which practitioners work together.",
        "PRACTICE_WITHOUT_HINDSIGHT": "Understands practice as it was seen at the time, without hindsight.",
        "COMMUNICATES_FINDINGS": "Communicates findings effectively."},
    "SupervisionKind": {"PROGRESS_NOTE": "Whether the reviewer is making satisfactory progress.",
                        "QUALITY_CHECK": "Whether the review is of satisfactory quality."},
    "RecommendationStatus": {"OPEN": "Not yet started.", "IN_PROGRESS": "Being carried out.",
                             "COMPLETED": "Carried out, with evidence."},
    "PublishedContent": {"FULL_REPORT": "The report itself.",
                         "IMPROVEMENTS_INFORMATION": "Information about improvements, published instead of a "
                                                     "report the commissioners judged inappropriate to publish."},
}


def describe(schema: GraphQLSchema) -> None:
    """Fill in the descriptions the types themselves cannot carry."""
    for name, text in ROOTS.items():
        root = schema.type_map.get(name)
        if isinstance(root, GraphQLObjectType) and not root.description:
            root.description = text
    values = {**ENUM_VALUES, **child_details.VALUES, **national_statistics.VALUES}
    for named in schema.type_map.values():
        if isinstance(named, GraphQLObjectType):
            for field in named.fields.values():
                for argument_name, argument in field.args.items():
                    argument.description = argument.description or ARGUMENTS.get(argument_name)
        if isinstance(named, GraphQLEnumType):
            for value_name, value in named.values.items():
                value.description = value.description or values.get(named.name, {}).get(value_name)
