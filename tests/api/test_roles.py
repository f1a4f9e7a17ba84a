"""Per role: which mutations it may call (FORBIDDEN otherwise, before any input is looked at),
and who sees the child's consistent identifier (CONTRACT: roles; DOMAIN: who may see what)."""

from __future__ import annotations

import pytest

from tests.api.test_notification import NOTIFY, serious_incident
from tests.conftest import Api

ROLES = {"la": "E09000007", "police": "E23000001", "health": "E54000055", "panel": "PANEL", "ofsted": "OFSTED",
         "dfe": "DFE", "recipient": "CQC"}
ANY_ID = "01a221f2-8074-7000-b7f7-46759a0ef77a"
ALLOWED = {
    "notifySeriousIncident": {"la"},
    "referIncident": {"la", "police", "health", "agency"},
    "startRapidReview": {"la"},
    "contributeToRapidReview": {"la", "police", "health", "agency"},
    "agreeRapidReview": {"la", "police", "health"},
    "submitRapidReview": {"la"},
    "respondToRapidReview": {"panel"},
    "requestInformation": {"panel", "la", "police", "health"},
    "recordFamilyCommunication": {"la", "police", "health", "panel"},
    "linkParallelProceeding": {"la", "police", "health", "panel"},
    **{name: {"la", "police", "health", "panel"} for name in (
        "commissionReview", "recordReviewSupervision", "submitFinalReport", "schedulePublication", "publishReport",
        "withholdPublication", "recordPublicationDelay")},
    "updateRecommendation": {"la", "police", "health", "panel", "agency"},
    **{name: {"panel"} for name in ("addPoolReviewer", "removePoolReviewer", "startThematicReview",
                                    "includeInThematicReview")},
}
REVIEW_ID = {"r": ANY_ID}
CALLS = {
    "notifySeriousIncident": ("mutation($i: NotifySeriousIncidentInput!) { notifySeriousIncident(input: $i) { errors { code } } }",
                              {"i": serious_incident()}),
    "referIncident": ("mutation($i: ReferIncidentInput!) { referIncident(input: $i) { errors { code } } }",
                      {"i": {"localAuthorityCode": "E09000007", **{k: serious_incident()[k] for k in ("child", "incident")}}}),
    "startRapidReview": ("mutation($c: ID!) { startRapidReview(caseId: $c) { errors { code } } }", {"c": ANY_ID}),
    "contributeToRapidReview": ("mutation($r: ID!) { contributeToRapidReview(rapidReviewId: $r, input: {summary: \"x\"}) { errors { code } } }",
                                {"r": ANY_ID}),
    "agreeRapidReview": ("mutation($r: ID!) { agreeRapidReview(rapidReviewId: $r, input: {recommendation: LOCAL_REVIEW}) { errors { code } } }",
                         {"r": ANY_ID}),
    "submitRapidReview": ("mutation($r: ID!) { submitRapidReview(rapidReviewId: $r, input: {recommendation: LOCAL_REVIEW, rationale: \"x\"}) { errors { code } } }",
                          {"r": ANY_ID}),
    "respondToRapidReview": ("mutation($r: ID!) { respondToRapidReview(rapidReviewId: $r, input: {outcome: AGREES_WITH_PARTNERS, rationale: \"x\"}) { errors { code } } }",
                             {"r": ANY_ID}),
    "requestInformation": ("mutation($c: ID!) { requestInformation(input: {caseId: $c, questions: [\"q\"], dueOn: \"2027-01-08\"}) { errors { code } } }",
                           {"c": ANY_ID}),
    "recordFamilyCommunication": ("mutation($c: ID!) { recordFamilyCommunication(caseId: $c, input: {decision: \"X\", method: LETTER, communicatedOn: \"2026-12-22\"}) { errors { code } } }",
                                  {"c": ANY_ID}),
    "linkParallelProceeding": ("mutation($c: ID!) { linkParallelProceeding(caseId: $c, input: {kind: INQUEST}) { errors { code } } }",
                               {"c": ANY_ID}),
    "commissionReview": ("mutation($c: ID!) { commissionReview(caseId: $c, input: {kind: LOCAL, decidedOn: \"2026-12-22\", reviewers: [{name: \"R\"}]}) { errors { code } } }",
                         {"c": ANY_ID}),
    "recordReviewSupervision": ("mutation($r: ID!) { recordReviewSupervision(reviewId: $r, input: {kind: PROGRESS_NOTE, note: \"x\"}) { errors { code } } }",
                                REVIEW_ID),
    "submitFinalReport": ("mutation($r: ID!) { submitFinalReport(reviewId: $r, input: {improvementsSummary: \"x\", systemicAnalysis: \"y\", recommendations: []}) { errors { code } } }",
                          REVIEW_ID),
    "schedulePublication": ("mutation($r: ID!) { schedulePublication(reviewId: $r, publishOn: \"2027-02-01\") { errors { code } } }",
                            REVIEW_ID),
    "publishReport": ("mutation($r: ID!) { publishReport(reviewId: $r, input: {publishedOn: \"2026-12-22\"}) { errors { code } } }",
                      REVIEW_ID),
    "withholdPublication": ("mutation($r: ID!) { withholdPublication(reviewId: $r, input: {justification: \"x\", improvementsInformation: \"y\", publishOn: \"2027-02-01\"}) { errors { code } } }",
                            REVIEW_ID),
    "recordPublicationDelay": ("mutation($r: ID!) { recordPublicationDelay(reviewId: $r, input: {reason: \"x\"}) { errors { code } } }",
                               REVIEW_ID),
    "updateRecommendation": ("mutation($r: ID!) { updateRecommendation(recommendationId: $r, input: {status: IN_PROGRESS, progress: \"x\"}) { errors { code } } }",
                             REVIEW_ID),
    "addPoolReviewer": ("mutation { addPoolReviewer(input: {name: \"R\"}) { errors { code } } }", {}),
    "removePoolReviewer": ("mutation($r: ID!) { removePoolReviewer(id: $r) { errors { code } } }", REVIEW_ID),
    "startThematicReview": ("mutation($c: ID!) { startThematicReview(input: {title: \"t\", theme: \"t\", caseIds: [$c]}) { errors { code } } }",
                            {"c": ANY_ID}),
    "includeInThematicReview": ("mutation($r: ID!) { includeInThematicReview(thematicReviewId: $r, caseIds: []) { errors { code } } }",
                                REVIEW_ID),
}


@pytest.mark.parametrize("mutation", sorted(CALLS))
async def test_each_role_may_call_exactly_the_mutations_the_contract_gives_it(api: Api, mutation: str) -> None:
    query, variables = CALLS[mutation]
    for role, org in ROLES.items():
        body = await api(query, variables, as_=(org, role))
        forbidden = [e["extensions"]["code"] for e in body.get("errors") or []] == ["FORBIDDEN"]
        assert forbidden == (role not in ALLOWED[mutation]), (mutation, role, body)


@pytest.mark.rule("visibility-child-identity")
async def test_the_consistent_child_identifier_is_protected_as_the_name_is(api: Api) -> None:
    value = serious_incident()
    value["child"]["consistentChildIdentifier"] = "INVENTED-CCI-0001"
    made = await api(NOTIFY, {"input": value}, as_=("E09000007", "la"))
    case_id = made["data"]["notifySeriousIncident"]["case"]["id"]
    query = "query($c: ID!) { case(id: $c) { child { consistentChildIdentifier } } }"
    for role, org in ROLES.items():
        seen = (await api(query, {"c": case_id}, as_=(org, role)))["data"]["case"]
        expected = "INVENTED-CCI-0001" if role in ("la", "police", "panel") else None
        if seen is not None:
            assert seen["child"]["consistentChildIdentifier"] == expected, role
