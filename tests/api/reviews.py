"""What the practice review tests share: the operations, an invented report, and a review walked to a
given step (paras 30-51)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from hub.clock import LONDON, FixedClock
from tests.api.test_notification import CAMDEN, MET
from tests.api.test_rapid_review import (
    INBOX,
    RESPOND,
    SUBMISSION,
    SUBMIT,
    contributed_by_all,
    panel_decision,
    signed_off,
    submitted,
)
from tests.api.test_referral import REFER, referral
from tests.conftest import Api

REVIEW = """id kind status decidedOn publicationDueOn copiesSentOn scheduledPublicationOn withheld publishedOn
  availableUntil overdue outsidePoolReason reviewers { id name inPool conflictOfInterest conflictMitigation criteriaMet }
  recommendations { id action dueOn status addressee { code } }"""
COMMISSION = f"""mutation($c: ID!, $i: CommissionReviewInput!) {{ commissionReview(caseId: $c, input: $i) {{
  review {{ {REVIEW} }} errors {{ code field message }} }} }}"""
SUBMIT_REPORT = f"""mutation($r: ID!, $i: FinalReportInput!) {{ submitFinalReport(reviewId: $r, input: $i) {{
  review {{ {REVIEW} }} errors {{ code field message }} }} }}"""
SCHEDULE = f"""mutation($r: ID!, $d: Date!) {{ schedulePublication(reviewId: $r, publishOn: $d) {{
  review {{ {REVIEW} }} errors {{ code field message }} }} }}"""
PUBLISH = f"""mutation($r: ID!, $i: PublishReportInput!) {{ publishReport(reviewId: $r, input: $i) {{
  review {{ {REVIEW} }} errors {{ code field message }} }} }}"""
WITHHOLD = f"""mutation($r: ID!, $i: WithholdPublicationInput!) {{ withholdPublication(reviewId: $r, input: $i) {{
  review {{ {REVIEW} }} errors {{ code field message }} }} }}"""
DELAY = f"""mutation($r: ID!, $i: PublicationDelayInput!) {{ recordPublicationDelay(reviewId: $r, input: $i) {{
  review {{ {REVIEW} publicationDelays {{ reason }} }} errors {{ code field message }} }} }}"""
REMOVE = f"""mutation($r: ID!, $why: String!) {{ removePublishedReport(reviewId: $r, reason: $why) {{
  review {{ {REVIEW} removedOn removalReason }} errors {{ code field message }} }} }}"""
SUPERVISE = """mutation($r: ID!, $i: SupervisionInput!) { recordReviewSupervision(reviewId: $r, input: $i) {
  review { supervisionNotes { kind note satisfactory recordedBy { code } } } errors { code field message } } }"""
UPDATE = """mutation($r: ID!, $i: RecommendationProgressInput!) { updateRecommendation(recommendationId: $r, input: $i) {
  recommendation { status progress evidence completedAt updates { status recordedBy { code } } review { status } }
  errors { code field message } } }"""
CASE_REVIEWS = f"""query($c: ID!) {{ case(id: $c) {{ reviews {{ {REVIEW} finalReport {{ improvementsSummary }}
  supervisionNotes {{ kind }} }} }} }}"""
PUBLISHED = """{ publishedReports { totalCount nodes { id kind content title text reviewerNames publishedOn
  availableUntil url partnership { code } } } }"""
POOL = "{ reviewerPool { totalCount nodes { id name inPool expertise } } }"
ADD_POOL = """mutation($i: PoolReviewerInput!) { addPoolReviewer(input: $i) { reviewer { id name inPool }
  errors { code field } } }"""
REMOVE_POOL = "mutation($id: ID!) { removePoolReviewer(id: $id) { reviewer { id } errors { code field } } }"
RECOMMENDATIONS = """query($f: RecommendationFilter) { recommendations(filter: $f) { totalCount
  nodes { action status overdue addressee { code } review { kind } } } }"""

PANEL = ("PANEL", "panel")
CAMDEN_LA = (CAMDEN, "la")
REVIEWER = {"name": "Dr Imogen Example", "criteriaMet": ["PROFESSIONAL_KNOWLEDGE", "RESEARCH_KNOWLEDGE",
                                                        "COMPLEX_CIRCUMSTANCES", "PRACTICE_WITHOUT_HINDSIGHT",
                                                        "COMMUNICATES_FINDINGS"]}
REPORT = {
    "title": "Baby A: a local child safeguarding practice review",
    "improvementsSummary": "Health visiting and children's social care should share records of missed contacts.",
    "systemicAnalysis": "Missed contacts were not escalated because no agency held the whole picture.",
    "recommendations": [
        {"addresseeCode": MET, "action": "Train officers on referral of missed-contact concerns.", "dueOn": "2027-09-30"},
        {"addresseeCode": CAMDEN, "action": "Audit missed-contact escalation.", "dueOn": "2027-06-30"},
    ],
}


def at(clock: FixedClock, year: int, month: int, day: int) -> None:
    clock.set(datetime(year, month, day, 10, 0, tzinfo=LONDON))


def errors(body: dict[str, Any], mutation: str) -> list[str]:
    assert "errors" not in body, body
    return [e["code"] for e in body["data"][mutation]["errors"]]


async def inbox(api: Api, who: tuple[str, str], event: str) -> list[tuple[str, str]]:
    found = (await api(INBOX, {"f": {"eventTypes": [event]}}, as_=who))["data"]["inbox"]["nodes"]
    return sorted((m["recipient"]["code"], m["basis"]) for m in found)


async def decided_locally(api: Api, **overrides: Any) -> dict[str, Any]:
    """A rapid review submitted with the partners' decision for a local review (para 21): ``review.decided``."""
    rapid = await contributed_by_all(api, **overrides)
    await signed_off(api, rapid["id"], "LOCAL_REVIEW")
    local = {**SUBMISSION, "recommendation": "LOCAL_REVIEW", "criteria": ["IMPROVEMENTS_NEEDED"]}
    body = await api(SUBMIT, {"r": rapid["id"], "i": local}, as_=CAMDEN_LA)
    assert body["data"]["submitRapidReview"]["errors"] == []
    return rapid


async def panel_responded(api: Api, outcome: str, **overrides: Any) -> dict[str, Any]:
    """A rapid review submitted without a local-review decision, then the Panel's response (paras 22-26)."""
    rapid = await submitted(api, **overrides)
    answer = panel_decision(outcome, "Considered against the para 22 criteria.", criteria=["IMPROVEMENTS_NEEDED"])
    body = await api(RESPOND, {"r": rapid["id"], "i": answer}, as_=PANEL)
    assert body["data"]["respondToRapidReview"]["errors"] == []
    return rapid


async def referred_case(api: Api, **incident: Any) -> str:
    """A case the police told the partners of (para 14), never notified to the Panel."""
    value = referral(incident={**referral()["incident"], **incident})
    body = await api(REFER, {"input": value}, as_=(MET, "police"))
    assert body["data"]["referIncident"]["errors"] == []
    return str(body["data"]["referIncident"]["case"]["id"])


async def local_review(api: Api, **changes: Any) -> dict[str, Any]:
    rapid = await decided_locally(api)
    body = await api(COMMISSION, {"c": rapid["caseId"], "i": {"kind": "LOCAL", "decidedOn": "2026-12-22",
                                                             "reviewers": [REVIEWER], **changes}}, as_=CAMDEN_LA)
    assert errors(body, "commissionReview") == []
    review: dict[str, Any] = body["data"]["commissionReview"]["review"]
    review["caseId"] = rapid["caseId"]
    return review


async def reported(api: Api, report: dict[str, Any] | None = None) -> dict[str, Any]:
    review = await local_review(api)
    body = await api(SUBMIT_REPORT, {"r": review["id"], "i": report or REPORT}, as_=CAMDEN_LA)
    assert errors(body, "submitFinalReport") == []
    done: dict[str, Any] = body["data"]["submitFinalReport"]["review"]
    done["caseId"] = review["caseId"]
    return done


async def pool_reviewer(api: Api, name: str = "Professor Pool Example") -> str:
    body = await api(ADD_POOL, {"i": {"name": name, "expertise": "Infant deaths; systems methodology."}}, as_=PANEL)
    return str(body["data"]["addPoolReviewer"]["reviewer"]["id"])
