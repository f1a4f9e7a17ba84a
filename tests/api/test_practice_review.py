"""Practice reviews (paras 28, 30-51): commissioning, supervision, the final report, publication and follow-up,
walked through HTTP on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from app.main import Hub
from hub.clock import LONDON, FixedClock
from tests.api.test_deadline_reminders import DEADLINES, sweep
from tests.api.test_notification import BIRMINGHAM, CAMDEN, ISLINGTON, MET
from tests.api.test_rapid_review import INBOX, icb, submitted
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


async def local_review(api: Api, **changes: Any) -> dict[str, Any]:
    rapid = await submitted(api)
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


@pytest.mark.rule("review-commissioning", "publication-due", "reviewer-criteria-and-conflicts",
                  "route-local-review-commissioned-to-panel", "route-local-review-commissioned-to-ofsted",
                  "route-local-review-commissioned-to-dfe", "route-local-review-commissioned-to-partners")
async def test_para_21_a_local_review_is_due_in_six_months_and_routed_to_panel_ofsted_and_dfe_with_its_reviewer(
    api: Api,
) -> None:
    review = await local_review(api)
    assert (review["kind"], review["status"], review["decidedOn"], review["publicationDueOn"]) == (
        "LOCAL", "COMMISSIONED", "2026-12-22", "2027-06-22")
    assert review["reviewers"] == [{"id": review["reviewers"][0]["id"], "name": "Dr Imogen Example", "inPool": False,
                                    "conflictOfInterest": None, "conflictMitigation": None,
                                    "criteriaMet": REVIEWER["criteriaMet"]}]
    for who, code in ((PANEL, "PANEL"), (("OFSTED", "ofsted"), "OFSTED"), (("DFE", "dfe"), "DFE")):
        assert await inbox(api, who, "review.commissioned") == [(code, "WT2018 ch4 para 21")]
    assert await inbox(api, (MET, "police"), "review.commissioned") == [(MET, "WT2018 ch4 para 30")]
    told = await api("""{ inbox(filter: {eventTypes: ["review.commissioned"]}) { nodes {
      review { kind publicationDueOn reviewers { name } } } } }""", as_=("DFE", "dfe"))
    assert told["data"]["inbox"]["nodes"] == [{"review": {"kind": "LOCAL", "publicationDueOn": "2027-06-22",
                                                          "reviewers": [{"name": "Dr Imogen Example"}]}}]
    ofsted_sees = await api(CASE_REVIEWS, {"c": review["caseId"]}, as_=("OFSTED", "ofsted"))
    seen = ofsted_sees["data"]["case"]["reviews"][0]
    assert [r["name"] for r in seen["reviewers"]] == ["Dr Imogen Example"]
    assert seen["supervisionNotes"] == [] and seen["finalReport"] is None


@pytest.mark.rule("reviewer-criteria-and-conflicts")
async def test_para_31_a_declared_conflict_of_interest_needs_a_mitigation_or_the_reviewer_is_refused(api: Api) -> None:
    rapid = await submitted(api)
    conflicted = {"name": "Ms Conflicted Example", "conflictOfInterest": "Formerly employed by the council.",
                  "criteriaMet": ["PROFESSIONAL_KNOWLEDGE", "GOOD_VIBES"]}
    body = await api(COMMISSION, {"c": rapid["caseId"], "i": {"kind": "LOCAL", "decidedOn": "2026-12-22",
                                                             "reviewers": [conflicted]}}, as_=CAMDEN_LA)
    assert sorted(errors(body, "commissionReview")) == ["CONFLICT_NOT_MITIGATED", "UNKNOWN_CRITERION"]
    assert (await api(CASE_REVIEWS, {"c": rapid["caseId"]}, as_=CAMDEN_LA))["data"]["case"]["reviews"] == []
    conflicted = {**conflicted, "criteriaMet": ["PROFESSIONAL_KNOWLEDGE"],
                  "conflictMitigation": "Left in 2015; no involvement with the services reviewed."}
    body = await api(COMMISSION, {"c": rapid["caseId"], "i": {"kind": "LOCAL", "decidedOn": "2026-12-22",
                                                             "reviewers": [conflicted]}}, as_=(MET, "police"))
    reviewer = body["data"]["commissionReview"]["review"]["reviewers"][0]
    assert (reviewer["conflictOfInterest"], reviewer["conflictMitigation"]) == (
        "Formerly employed by the council.", "Left in 2015; no involvement with the services reviewed.")


@pytest.mark.rule("review-commissioning")
async def test_illegal_commissioning_is_refused_with_a_stable_code_and_changes_nothing(api: Api) -> None:
    from tests.api.test_rapid_review import started

    rapid = await started(api)
    case_id = rapid["caseId"]
    local = {"kind": "LOCAL", "decidedOn": "2026-12-22", "reviewers": [REVIEWER]}
    too_early = await api(COMMISSION, {"c": case_id, "i": local}, as_=CAMDEN_LA)
    assert errors(too_early, "commissionReview") == ["RAPID_REVIEW_NOT_SUBMITTED"]
    national_by_la = await api(COMMISSION, {"c": case_id, "i": {**local, "kind": "NATIONAL"}}, as_=CAMDEN_LA)
    assert errors(national_by_la, "commissionReview") == ["NATIONAL_REVIEW_BY_PANEL_ONLY", "OUTSIDE_POOL_REASON_REQUIRED"]
    local_by_panel = await api(COMMISSION, {"c": case_id, "i": local}, as_=PANEL)
    assert errors(local_by_panel, "commissionReview") == ["LOCAL_REVIEW_BY_PARTNERS_ONLY"]
    future = await api(COMMISSION, {"c": case_id, "i": {**local, "decidedOn": "2027-01-04", "reviewers": []}},
                       as_=CAMDEN_LA)
    assert sorted(errors(future, "commissionReview")) == ["DECIDED_IN_FUTURE", "RAPID_REVIEW_NOT_SUBMITTED", "REQUIRED"]
    ofsted = await api(COMMISSION, {"c": case_id, "i": local}, as_=("OFSTED", "ofsted"))
    assert [e["extensions"]["code"] for e in ofsted["errors"]] == ["FORBIDDEN"]
    other_area = await api(COMMISSION, {"c": case_id, "i": local}, as_=(BIRMINGHAM, "la"))
    assert errors(other_area, "commissionReview") == ["NOT_FOUND"]
    assert (await api(CASE_REVIEWS, {"c": case_id}, as_=CAMDEN_LA))["data"]["case"]["reviews"] == []
    assert await inbox(api, PANEL, "review.commissioned") == []


@pytest.mark.rule("reviewer-pool", "national-reviewer-from-pool", "route-national-review-commissioned-to-partners",
                  "route-national-review-commissioned-to-other-areas")
async def test_para_44_the_pool_is_public_and_a_national_reviewer_comes_from_it_unless_the_panel_says_why(
    api: Api,
) -> None:
    chosen = await pool_reviewer(api)
    leaving = await pool_reviewer(api, "Mr Leaving Example")
    by_la = await api(ADD_POOL, {"i": {"name": "Self Appointed"}}, as_=CAMDEN_LA)
    assert [e["extensions"]["code"] for e in by_la["errors"]] == ["FORBIDDEN"]
    assert errors(await api(REMOVE_POOL, {"id": leaving}, as_=PANEL), "removePoolReviewer") == []
    public = await api.post(POOL)
    assert public.status_code == 200
    assert [(r["name"], r["inPool"]) for r in public.json()["data"]["reviewerPool"]["nodes"]] == [
        ("Professor Pool Example", True)]
    rapid = await submitted(api, otherAreaCodes=[ISLINGTON])
    national = {"kind": "NATIONAL", "decidedOn": "2026-12-22", "reviewers": [{"name": "Outside Example"}]}
    no_reason = await api(COMMISSION, {"c": rapid["caseId"], "i": national}, as_=PANEL)
    assert errors(no_reason, "commissionReview") == ["OUTSIDE_POOL_REASON_REQUIRED"]
    removed = await api(COMMISSION, {"c": rapid["caseId"], "i": {
        **national, "reviewers": [{"name": "Mr Leaving Example", "poolReviewerId": leaving}]}}, as_=PANEL)
    assert errors(removed, "commissionReview") == ["POOL_REVIEWER_NOT_FOUND"]
    from_pool = await api(COMMISSION, {"c": rapid["caseId"], "i": {
        **national, "reviewers": [{"name": "Professor Pool Example", "poolReviewerId": chosen}]}}, as_=PANEL)
    review = from_pool["data"]["commissionReview"]["review"]
    assert (review["kind"], review["reviewers"][0]["inPool"], review["publicationDueOn"]) == (
        "NATIONAL", True, "2027-06-22")
    assert await inbox(api, (MET, "police"), "review.commissioned") == [(MET, "WT2018 ch4 paras 45, 50")]
    assert await inbox(api, (ISLINGTON, "la"), "review.commissioned") == [(ISLINGTON, "WT2018 ch4 paras 45, 50")]
    again = await api(COMMISSION, {"c": rapid["caseId"], "i": {
        **national, "outsidePoolReason": "No pool reviewer was available in time."}}, as_=PANEL)
    assert errors(again, "commissionReview") == ["REVIEW_EXISTS"]


@pytest.mark.rule("review-supervision", "review-supervision-by-commissioners", "supervision-request-in-writing")
async def test_para_35_the_partners_supervise_in_writing_and_record_progress_and_quality(api: Api) -> None:
    review = await local_review(api)
    reviewer_id = review["reviewers"][0]["id"]
    ask = """mutation($i: RequestInformationInput!) { requestInformation(input: $i) {
      informationRequest { id status dueOn reviewer { name } addressees { organisation { code } } }
      errors { code field } } }"""
    questions = {"caseId": review["caseId"], "questions": ["When will the practitioner event take place?"],
                 "dueOn": "2027-01-15"}
    body = await api(ask, {"i": {**questions, "toReviewerId": reviewer_id}}, as_=CAMDEN_LA)
    request = body["data"]["requestInformation"]["informationRequest"]
    assert (request["status"], request["reviewer"], request["addressees"]) == (
        "OPEN", {"name": "Dr Imogen Example"}, [])
    assert await inbox(api, (MET, "police"), "information.requested") == [(MET, "WT2018 ch4 paras 24, 35")]
    unknown = await api(ask, {"i": {**questions, "toReviewerId": review["id"]}}, as_=CAMDEN_LA)
    assert errors(unknown, "requestInformation") == ["REVIEWER_NOT_FOUND"]
    panel = await api(ask, {"i": {**questions, "toReviewerId": reviewer_id}}, as_=PANEL)
    assert [e["extensions"]["code"] for e in panel["errors"]] == ["FORBIDDEN"]
    answer = """mutation($q: ID!) { respondToInformationRequest(requestId: $q, input: {answer: "On 12 January."}) {
      informationRequest { status reviewerAnswer reviewerAnsweredAt } errors { code } } }"""
    ofsted_answer = await api(answer, {"q": request["id"]}, as_=("OFSTED", "ofsted"))
    assert [e["extensions"]["code"] for e in ofsted_answer["errors"]] == ["FORBIDDEN"]
    answered = (await api(answer, {"q": request["id"]}, as_=(MET, "police")))["data"]["respondToInformationRequest"]
    assert answered["informationRequest"]["status"] == "ANSWERED"
    assert answered["informationRequest"]["reviewerAnswer"] == "On 12 January."
    note = await api(SUPERVISE, {"r": review["id"], "i": {"kind": "QUALITY_CHECK", "note": "Chronology complete.",
                                                         "satisfactory": True}}, as_=(await icb(api), "health"))
    notes = note["data"]["recordReviewSupervision"]["review"]["supervisionNotes"]
    assert [(n["kind"], n["satisfactory"]) for n in notes] == [("QUALITY_CHECK", True)]
    by_panel = await api(SUPERVISE, {"r": review["id"], "i": {"kind": "PROGRESS_NOTE", "note": "x"}}, as_=PANEL)
    assert [e["extensions"]["code"] for e in by_panel["errors"]] == ["FORBIDDEN"]
    hidden = await api(CASE_REVIEWS, {"c": review["caseId"]}, as_=("OFSTED", "ofsted"))
    assert hidden["data"]["case"]["reviews"][0]["supervisionNotes"] == []


@pytest.mark.rule("final-report-content", "route-local-report-to-partners")
async def test_paras_36_37_the_final_report_needs_improvements_analysis_and_who_must_act_by_when(
    api: Api, hub: Hub
) -> None:
    review = await local_review(api)
    bad = {"improvementsSummary": " ", "systemicAnalysis": "",
           "recommendations": [{"addresseeCode": "NOWHERE", "action": "Do it.", "dueOn": "2026-12-01"}]}
    refused = await api(SUBMIT_REPORT, {"r": review["id"], "i": bad}, as_=CAMDEN_LA)
    assert sorted(errors(refused, "submitFinalReport")) == ["DUE_NOT_IN_FUTURE", "REQUIRED", "REQUIRED",
                                                           "UNKNOWN_ORGANISATION"]
    unchanged = (await api(CASE_REVIEWS, {"c": review["caseId"]}, as_=CAMDEN_LA))["data"]["case"]["reviews"][0]
    assert (unchanged["status"], unchanged["recommendations"], unchanged["finalReport"]) == ("COMMISSIONED", [], None)
    body = await api(SUBMIT_REPORT, {"r": review["id"], "i": REPORT}, as_=(MET, "police"))
    done = body["data"]["submitFinalReport"]["review"]
    assert done["status"] == "REPORT_SUBMITTED"
    assert [(r["addressee"]["code"], r["dueOn"], r["status"]) for r in done["recommendations"]] == [
        (MET, "2027-09-30", "OPEN"), (CAMDEN, "2027-06-30", "OPEN")]
    assert await inbox(api, CAMDEN_LA, "report.submitted") == [(CAMDEN, "WT2018 ch4 paras 36-37")]
    second = await api(SUBMIT_REPORT, {"r": review["id"], "i": REPORT}, as_=CAMDEN_LA)
    assert errors(second, "submitFinalReport") == ["REPORT_ALREADY_SUBMITTED"]


@pytest.mark.parametrize("text", ["Amara was known to health visitors.", "The TESTCHILD family moved twice.",
                                  "Born on 1 March 2026, the baby ...", "Date of birth 01/03/2026."])
@pytest.mark.rule("report-names-child")
async def test_para_39_report_text_naming_the_child_is_refused_unless_justified(api: Api, text: str) -> None:
    review = await local_review(api)
    naming = {**REPORT, "publicationText": text}
    refused = await api(SUBMIT_REPORT, {"r": review["id"], "i": naming}, as_=CAMDEN_LA)
    problems = refused["data"]["submitFinalReport"]["errors"]
    assert [(p["code"], p["field"]) for p in problems] == [("NAMES_CHILD", ["input", "publicationText"])]
    assert all(secret not in problems[0]["message"] for secret in ("Amara", "Testchild", "2026"))
    justified = {**naming, "namesChildJustification": "The family asked for the child to be named."}
    accepted = await api(SUBMIT_REPORT, {"r": review["id"], "i": justified}, as_=CAMDEN_LA)
    assert errors(accepted, "submitFinalReport") == []


@pytest.mark.rule("prepublication-copies", "prepublication-notice", "route-local-prepublication-to-panel",
                  "route-local-prepublication-to-sos", "route-local-prepublication-to-ofsted")
async def test_paras_40_copies_go_seven_working_days_before_publication_counted_across_christmas(api: Api) -> None:
    review = await reported(api)
    # copies on Tuesday 22 December 2026: Christmas Day, the Boxing Day substitute (Monday 28th) and
    # New Year's Day do not count, so the seventh working day is Tuesday 5 January 2027
    short = await api(SCHEDULE, {"r": review["id"], "d": "2027-01-04"}, as_=CAMDEN_LA)
    assert errors(short, "schedulePublication") == ["NOTICE_TOO_SHORT"]
    assert "2027-01-05" in short["data"]["schedulePublication"]["errors"][0]["message"]
    assert await inbox(api, PANEL, "report.prepublication_sent") == []
    body = await api(SCHEDULE, {"r": review["id"], "d": "2027-01-05"}, as_=CAMDEN_LA)
    scheduled = body["data"]["schedulePublication"]["review"]
    assert (scheduled["status"], scheduled["copiesSentOn"], scheduled["scheduledPublicationOn"]) == (
        "PUBLICATION_SCHEDULED", "2026-12-22", "2027-01-05")
    assert await inbox(api, PANEL, "report.prepublication_sent") == [("PANEL", "WT2018 ch4 para 40")]
    assert await inbox(api, ("OFSTED", "ofsted"), "report.prepublication_sent") == [("OFSTED", "WT2018 ch4 para 40")]
    assert await inbox(api, ("DFE", "dfe"), "report.prepublication_sent") == [("SOS", "WT2018 ch4 para 40")]
    ofsted_reads = await api(CASE_REVIEWS, {"c": review["caseId"]}, as_=("OFSTED", "ofsted"))
    assert ofsted_reads["data"]["case"]["reviews"][0]["finalReport"] == {
        "improvementsSummary": REPORT["improvementsSummary"]}


@pytest.mark.rule("publish-report", "publication-availability", "route-local-published-to-panel",
                  "route-local-published-to-what-works", "route-local-published-to-ofsted",
                  "route-local-published-to-cqc", "route-local-published-to-hmicfrs")
async def test_para_38_a_local_report_is_published_after_the_notice_and_listed_for_one_year(
    api: Api, clock: FixedClock
) -> None:
    review = await reported(api)
    await api(SCHEDULE, {"r": review["id"], "d": "2027-01-05"}, as_=CAMDEN_LA)
    at(clock, 2027, 1, 4)
    early = await api(PUBLISH, {"r": review["id"], "i": {"publishedOn": "2027-01-04"}}, as_=CAMDEN_LA)
    assert errors(early, "publishReport") == ["NOTICE_TOO_SHORT"]
    ahead = await api(PUBLISH, {"r": review["id"], "i": {"publishedOn": "2027-01-05"}}, as_=CAMDEN_LA)
    assert errors(ahead, "publishReport") == ["PUBLISHED_IN_FUTURE"]
    assert (await api.post(PUBLISHED)).json()["data"]["publishedReports"]["totalCount"] == 0
    at(clock, 2027, 1, 5)
    body = await api(PUBLISH, {"r": review["id"], "i": {"publishedOn": "2027-01-05",
                                                        "url": "https://example.org/reviews/baby-a"}}, as_=CAMDEN_LA)
    published = body["data"]["publishReport"]["review"]
    assert (published["status"], published["publishedOn"], published["availableUntil"]) == (
        "PUBLISHED", "2027-01-05", "2028-01-05")
    for who, code in ((PANEL, "PANEL"), (("WWCSC", "recipient"), "WWCSC"), (("OFSTED", "ofsted"), "OFSTED"),
                      (("CQC", "recipient"), "CQC"), (("HMICFRS", "recipient"), "HMICFRS")):
        assert await inbox(api, who, "report.published") == [(code, "WT2018 ch4 para 51")]
    public = (await api.post(PUBLISHED)).json()["data"]["publishedReports"]
    assert public["nodes"] == [{
        "id": review["id"], "kind": "LOCAL", "content": "FULL_REPORT", "title": REPORT["title"],
        "text": f"{REPORT['improvementsSummary']}\n\n{REPORT['systemicAnalysis']}",
        "reviewerNames": ["Dr Imogen Example"], "publishedOn": "2027-01-05", "availableUntil": "2028-01-05",
        "url": "https://example.org/reviews/baby-a", "partnership": {"code": "SCP-E09000007"}}]
    again = await api(SUBMIT_REPORT, {"r": review["id"], "i": REPORT}, as_=CAMDEN_LA)
    assert errors(again, "submitFinalReport") == ["REPORT_ALREADY_SUBMITTED"]
    reschedule = await api(SCHEDULE, {"r": review["id"], "d": "2027-03-01"}, as_=CAMDEN_LA)
    assert errors(reschedule, "schedulePublication") == ["ALREADY_PUBLISHED"]
    at(clock, 2028, 1, 5)
    assert (await api.post(PUBLISHED)).json()["data"]["publishedReports"]["totalCount"] == 1
    at(clock, 2028, 1, 6)
    assert (await api.post(PUBLISHED)).json()["data"]["publishedReports"]["totalCount"] == 0


@pytest.mark.rule("withhold-publication", "route-local-withheld-to-panel", "route-local-withheld-to-sos",
                  "route-local-withheld-to-ofsted")
async def test_paras_38_41_a_withheld_report_never_appears_in_published_reports(api: Api, clock: FixedClock) -> None:
    secret = "This sentence is only in the full report and must never be published."
    review = await reported(api, {**REPORT, "publicationText": secret})
    improvements = "Agencies will share missed-contact records through a single escalation route."
    body = await api(WITHHOLD, {"r": review["id"], "i": {
        "justification": "Publishing would identify surviving siblings.", "improvementsInformation": improvements,
        "publishOn": "2027-01-05"}}, as_=CAMDEN_LA)
    withheld = body["data"]["withholdPublication"]["review"]
    assert (withheld["withheld"], withheld["status"], withheld["copiesSentOn"]) == (
        True, "PUBLICATION_SCHEDULED", "2026-12-22")
    assert await inbox(api, PANEL, "report.withheld") == [("PANEL", "WT2018 ch4 paras 40-41")]
    assert await inbox(api, ("DFE", "dfe"), "report.withheld") == [("SOS", "WT2018 ch4 paras 40-41")]
    assert await inbox(api, ("OFSTED", "ofsted"), "report.withheld") == [("OFSTED", "WT2018 ch4 para 40")]
    at(clock, 2027, 1, 5)
    assert errors(await api(PUBLISH, {"r": review["id"], "i": {"publishedOn": "2027-01-05"}}, as_=CAMDEN_LA),
                  "publishReport") == []
    response = await api.post(PUBLISHED)
    assert secret not in response.text and REPORT["systemicAnalysis"] not in response.text
    nodes = response.json()["data"]["publishedReports"]["nodes"]
    assert [(n["content"], n["text"]) for n in nodes] == [("IMPROVEMENTS_INFORMATION", improvements)]


@pytest.mark.rule("withhold-publication", "report-names-child")
async def test_improvements_information_naming_the_child_is_refused_and_changes_nothing(api: Api) -> None:
    review = await reported(api)
    body = await api(WITHHOLD, {"r": review["id"], "i": {
        "justification": "Risk to siblings.", "improvementsInformation": "Amara's case showed ...",
        "publishOn": "2027-01-04"}}, as_=CAMDEN_LA)
    assert sorted(errors(body, "withholdPublication")) == ["NAMES_CHILD", "NOTICE_TOO_SHORT"]
    seen = (await api(CASE_REVIEWS, {"c": review["caseId"]}, as_=CAMDEN_LA))["data"]["case"]["reviews"][0]
    assert (seen["withheld"], seen["status"]) == (False, "REPORT_SUBMITTED")
    assert await inbox(api, PANEL, "report.withheld") == []


@pytest.mark.rule("publication-delay", "route-local-delay-to-panel", "route-local-delay-to-sos")
async def test_para_41_a_delay_for_a_criminal_investigation_is_reported_to_the_panel_and_secretary_of_state(
    api: Api,
) -> None:
    review = await local_review(api)
    empty = await api(DELAY, {"r": review["id"], "i": {"reason": " "}}, as_=CAMDEN_LA)
    assert errors(empty, "recordPublicationDelay") == ["REQUIRED"]
    body = await api(DELAY, {"r": review["id"], "i": {"reason": "Criminal investigation ongoing",
                                                      "details": "Trial listed for autumn 2027."}}, as_=CAMDEN_LA)
    assert body["data"]["recordPublicationDelay"]["review"]["publicationDelays"] == [
        {"reason": "Criminal investigation ongoing"}]
    assert await inbox(api, PANEL, "publication.delayed") == [("PANEL", "WT2018 ch4 para 41")]
    assert await inbox(api, ("DFE", "dfe"), "publication.delayed") == [("SOS", "WT2018 ch4 para 41")]


@pytest.mark.rule("publish-report", "publication-availability", "route-national-report-to-partners",
                  "route-national-report-to-other-areas", "route-national-prepublication-to-sos",
                  "route-national-published-to-partners", "route-national-published-to-other-areas",
                  "route-national-published-to-ofsted", "route-national-published-to-cqc",
                  "route-national-published-to-hmicfrs", "route-national-published-to-what-works",
                  "route-national-delay-to-sos", "route-national-withheld-to-sos")
async def test_para_49_a_national_report_goes_to_the_secretary_of_state_first_and_stays_three_years(
    api: Api, clock: FixedClock
) -> None:
    rapid = await submitted(api, otherAreaCodes=[ISLINGTON])
    chosen = await pool_reviewer(api)
    body = await api(COMMISSION, {"c": rapid["caseId"], "i": {"kind": "NATIONAL", "decidedOn": "2026-12-22",
                                                             "reviewers": [{"name": "P", "poolReviewerId": chosen}]}},
                     as_=PANEL)
    review = body["data"]["commissionReview"]["review"]
    delayed = await api(DELAY, {"r": review["id"], "i": {"reason": "Inquest adjourned"}}, as_=PANEL)
    assert errors(delayed, "recordPublicationDelay") == []
    assert await inbox(api, ("DFE", "dfe"), "publication.delayed") == [("SOS", "WT2018 ch4 para 50")]
    by_la = await api(SUBMIT_REPORT, {"r": review["id"], "i": REPORT}, as_=CAMDEN_LA)
    assert [e["extensions"]["code"] for e in by_la["errors"]] == ["FORBIDDEN"]
    assert errors(await api(SUBMIT_REPORT, {"r": review["id"], "i": REPORT}, as_=PANEL), "submitFinalReport") == []
    assert await inbox(api, (ISLINGTON, "la"), "report.submitted") == [(ISLINGTON, "WT2018 ch4 para 48")]
    assert await inbox(api, CAMDEN_LA, "report.submitted") == [(CAMDEN, "WT2018 ch4 para 48")]
    scheduled = await api(SCHEDULE, {"r": review["id"], "d": "2027-01-06"}, as_=PANEL)
    assert errors(scheduled, "schedulePublication") == []
    assert await inbox(api, ("DFE", "dfe"), "report.prepublication_sent") == [("SOS", "WT2018 ch4 para 49")]
    assert await inbox(api, ("OFSTED", "ofsted"), "report.prepublication_sent") == []
    withheld = await api(WITHHOLD, {"r": review["id"], "i": {"justification": "Sibling proceedings.",
                                                            "improvementsInformation": "National learning on ...",
                                                            "publishOn": "2027-01-06"}}, as_=PANEL)
    assert errors(withheld, "withholdPublication") == []
    assert await inbox(api, ("DFE", "dfe"), "report.withheld") == [("SOS", "WT2018 ch4 paras 49-50")]
    at(clock, 2027, 1, 6)
    published = await api(PUBLISH, {"r": review["id"], "i": {"publishedOn": "2027-01-06"}}, as_=PANEL)
    assert published["data"]["publishReport"]["review"]["availableUntil"] == "2030-01-06"
    for who, code, basis in ((CAMDEN_LA, CAMDEN, "para 49"), ((ISLINGTON, "la"), ISLINGTON, "para 49"),
                             (("OFSTED", "ofsted"), "OFSTED", "para 49"), (("CQC", "recipient"), "CQC", "para 49"),
                             (("HMICFRS", "recipient"), "HMICFRS", "para 49"),
                             (("WWCSC", "recipient"), "WWCSC", "para 51")):
        assert await inbox(api, who, "report.published") == [(code, f"WT2018 ch4 {basis}")]
    at(clock, 2030, 1, 6)
    nodes = (await api.post(PUBLISHED)).json()["data"]["publishedReports"]["nodes"]
    assert [(n["kind"], n["partnership"]) for n in nodes] == [("NATIONAL", None)]
    at(clock, 2030, 1, 7)
    assert (await api.post(PUBLISHED)).json()["data"]["publishedReports"]["nodes"] == []


@pytest.mark.rule("recommendation-follow-up", "visibility-recommendations", "route-recommendation-update-to-partners",
                  "route-recommendation-update-to-addressee")
async def test_para_43_recommendations_are_followed_up_by_whoever_must_act_and_listed_for_the_partnership(
    api: Api, clock: FixedClock
) -> None:
    review = await reported(api)
    met_id, camden_id = (r["id"] for r in review["recommendations"])
    mine = await api(RECOMMENDATIONS, {"f": {"status": ["OPEN"]}}, as_=(await icb(api), "health"))
    assert [r["addressee"]["code"] for r in mine["data"]["recommendations"]["nodes"]] == [MET, CAMDEN]
    elsewhere = await api(RECOMMENDATIONS, {}, as_=(BIRMINGHAM, "la"))
    assert elsewhere["data"]["recommendations"]["totalCount"] == 0
    stranger = await api(UPDATE, {"r": met_id, "i": {"status": "IN_PROGRESS", "progress": "x"}}, as_=(BIRMINGHAM, "la"))
    assert errors(stranger, "updateRecommendation") == ["NOT_FOUND"]
    no_evidence = await api(UPDATE, {"r": met_id, "i": {"status": "COMPLETED", "progress": "Done."}}, as_=(MET, "police"))
    assert errors(no_evidence, "updateRecommendation") == ["REQUIRED"]
    body = await api(UPDATE, {"r": met_id, "i": {"status": "IN_PROGRESS", "progress": "Half the officers trained."}},
                     as_=(MET, "police"))
    assert body["data"]["updateRecommendation"]["recommendation"]["updates"] == [
        {"status": "IN_PROGRESS", "recordedBy": {"code": MET}}]
    assert await inbox(api, CAMDEN_LA, "recommendation.updated") == [(CAMDEN, "WT2018 ch4 para 43")]
    at(clock, 2027, 7, 1)
    overdue = await api(RECOMMENDATIONS, {"f": {"overdue": True}}, as_=CAMDEN_LA)
    assert [(r["addressee"]["code"], r["overdue"]) for r in overdue["data"]["recommendations"]["nodes"]] == [
        (CAMDEN, True)]
    panel = await api(UPDATE, {"r": camden_id, "i": {"status": "IN_PROGRESS", "progress": "x"}}, as_=PANEL)
    assert [e["extensions"]["code"] for e in panel["errors"]] == ["FORBIDDEN"]  # sees it; neither named nor supervising
    done = await api(UPDATE, {"r": camden_id, "i": {"status": "COMPLETED", "progress": "Audit done.",
                                                    "evidence": "Audit report March 2027."}}, as_=CAMDEN_LA)
    assert done["data"]["updateRecommendation"]["recommendation"]["status"] == "COMPLETED"
    assert await inbox(api, (MET, "police"), "recommendation.updated") == [(MET, "WT2018 ch4 para 43")]
    reopened = await api(UPDATE, {"r": camden_id, "i": {"status": "IN_PROGRESS", "progress": "x"}}, as_=CAMDEN_LA)
    assert errors(reopened, "updateRecommendation") == ["RECOMMENDATION_COMPLETED"]


@pytest.mark.rule("deadline-reminders", "route-publication-deadline-approaching", "route-publication-deadline-missed",
                  "route-local-publication-deadline-missed-to-panel",
                  "route-recommendation-deadline-approaching", "route-recommendation-deadline-missed",
                  "route-recommendation-deadline-missed-to-partners")
async def test_publication_and_recommendation_deadlines_are_listed_and_announced_once(
    api: Api, hub: Hub, clock: FixedClock
) -> None:
    review = await reported(api)
    owed = await api(DEADLINES, {"f": {"kind": ["PUBLICATION", "RECOMMENDATION"]}}, as_=CAMDEN_LA)
    assert [(d["kind"], d["dueOn"], d["owedBy"]) for d in owed["data"]["deadlines"]["nodes"]] == [
        ("PUBLICATION", "2027-06-22", [{"code": CAMDEN}, {"code": MET}, {"code": await icb(api)}]),
        ("RECOMMENDATION", "2027-06-30", [{"code": CAMDEN}]),
        ("RECOMMENDATION", "2027-09-30", [{"code": MET}])]
    at(clock, 2027, 6, 17)  # three working days before publication is due
    assert await sweep(hub) == 1
    assert await inbox(api, CAMDEN_LA, "deadline.approaching") == [(CAMDEN, "WT2018 ch4 paras 41, 50")]
    at(clock, 2027, 7, 1)
    assert await sweep(hub) == 2  # publication missed; Camden's recommendation missed (its approach passed unseen)
    assert await sweep(hub) == 0
    assert await inbox(api, CAMDEN_LA, "deadline.missed") == [(CAMDEN, "WT2018 ch4 paras 37, 43"),
                                                              (CAMDEN, "WT2018 ch4 paras 41, 50")]
    assert await inbox(api, (MET, "police"), "deadline.missed") == [(MET, "WT2018 ch4 para 43"),
                                                                    (MET, "WT2018 ch4 paras 41, 50")]
    assert await inbox(api, PANEL, "deadline.missed") == [("PANEL", "WT2018 ch4 para 41")]
    at(clock, 2027, 9, 27)
    assert await sweep(hub) == 1
    assert await inbox(api, (MET, "police"), "deadline.approaching") == [(MET, "WT2018 ch4 para 37"),
                                                                         (MET, "WT2018 ch4 paras 41, 50")]
    seen = await api(CASE_REVIEWS, {"c": review["caseId"]}, as_=CAMDEN_LA)
    assert seen["data"]["case"]["reviews"][0]["overdue"] is True


@pytest.mark.rule("thematic-review", "route-thematic-review-to-partners")
async def test_para_28_the_panel_groups_cases_under_a_thematic_review_and_tells_their_partners(api: Api) -> None:
    first = await submitted(api)
    second = await submitted(api)
    start = """mutation($i: ThematicReviewInput!) { startThematicReview(input: $i) { thematicReview { id title }
      errors { code field } } }"""
    by_la = await api(start, {"i": {"title": "t", "theme": "t", "caseIds": [first["caseId"]]}}, as_=CAMDEN_LA)
    assert [e["extensions"]["code"] for e in by_la["errors"]] == ["FORBIDDEN"]
    body = await api(start, {"i": {"title": "Sudden unexpected infant deaths", "theme": "Safer sleep",
                                   "caseIds": [first["caseId"], first["caseId"]]}}, as_=PANEL)
    thematic = body["data"]["startThematicReview"]["thematicReview"]
    include = """mutation($t: ID!, $c: [ID!]!) { includeInThematicReview(thematicReviewId: $t, caseIds: $c) {
      thematicReview { id } errors { code } } }"""
    assert errors(await api(include, {"t": thematic["id"], "c": [second["caseId"], first["caseId"]]}, as_=PANEL),
                  "includeInThematicReview") == []
    assert await inbox(api, (MET, "police"), "thematic_review.case_included") == [
        (MET, "WT2018 ch4 para 28"), (MET, "WT2018 ch4 para 28")]
    case = await api("query($c: ID!) { case(id: $c) { thematicReviews { title } } }", {"c": second["caseId"]},
                     as_=CAMDEN_LA)
    assert case["data"]["case"]["thematicReviews"] == [{"title": "Sudden unexpected infant deaths"}]
    listed = await api("{ thematicReviews { nodes { title cases { id } } } }", as_=PANEL)
    assert listed["data"]["thematicReviews"]["nodes"] == [{"title": "Sudden unexpected infant deaths",
                                                           "cases": [{"id": first["caseId"]}, {"id": second["caseId"]}]}]


@pytest.mark.rule("review-commissioning", "final-report-content", "prepublication-copies", "publish-report",
                  "recommendation-follow-up", "visibility-final-report")
async def test_a_review_from_commissioning_to_its_last_recommendation_completed(api: Api, clock: FixedClock) -> None:
    review = await reported(api)
    met_id, camden_id = (r["id"] for r in review["recommendations"])
    before_copies = (await api(CASE_REVIEWS, {"c": review["caseId"]}, as_=("OFSTED", "ofsted")))["data"]["case"]
    assert (before_copies["reviews"][0]["finalReport"], before_copies["reviews"][0]["recommendations"]) == (None, [])
    assert errors(await api(SCHEDULE, {"r": review["id"], "d": "2027-01-08"}, as_=CAMDEN_LA),
                  "schedulePublication") == []
    at(clock, 2027, 1, 8)
    assert errors(await api(PUBLISH, {"r": review["id"], "i": {"publishedOn": "2027-01-08"}}, as_=CAMDEN_LA),
                  "publishReport") == []
    first = await api(UPDATE, {"r": camden_id, "i": {"status": "COMPLETED", "progress": "Audited.",
                                                     "evidence": "Audit minutes."}}, as_=CAMDEN_LA)
    assert first["data"]["updateRecommendation"]["recommendation"]["review"] == {"status": "PUBLISHED"}
    last = await api(UPDATE, {"r": met_id, "i": {"status": "COMPLETED", "progress": "All officers trained.",
                                                 "evidence": "Training records."}}, as_=(MET, "police"))
    assert last["data"]["updateRecommendation"]["recommendation"]["review"] == {"status": "CLOSED"}
    timeline = await api("query($c: ID!) { case(id: $c) { events { eventType } } }", {"c": review["caseId"]},
                         as_=CAMDEN_LA)
    kinds = [e["eventType"] for e in timeline["data"]["case"]["events"]]
    assert kinds[-6:] == ["review.commissioned", "report.submitted", "report.prepublication_sent", "report.published",
                          "recommendation.updated", "recommendation.updated"]
    assert (await api(DEADLINES, {"f": {"kind": ["PUBLICATION", "RECOMMENDATION"]}}, as_=CAMDEN_LA))[
        "data"]["deadlines"]["totalCount"] == 0
    copied = await api(CASE_REVIEWS, {"c": review["caseId"]}, as_=("DFE", "dfe"))  # for the Secretary of State
    assert len(copied["data"]["case"]["reviews"][0]["recommendations"]) == 2

@pytest.mark.rule("route-local-recommendations-to-addressees", "route-national-recommendations-to-addressees",
                  "recommendation-follow-up", "visibility-recommendations")
async def test_para_43_an_agency_named_in_a_recommendation_is_told_and_reports_its_own_progress(api: Api) -> None:
    from hub import reference_data
    from hub.store import transaction
    from hub.vocabulary import OrganisationKind

    school = ("X00000002", "agency")
    async with transaction(api.hub.sessions) as session:
        await reference_data.load(session, reference_data.ReferenceData(organisations=(
            reference_data.OrganisationRow(school[0], "Invented Primary School", OrganisationKind.OTHER_AGENCY),)))
    action = {"addresseeCode": school[0], "action": "Record and escalate unexplained absences.", "dueOn": "2027-04-30"}
    review = await reported(api, {**REPORT, "recommendations": [*REPORT["recommendations"], action]})
    assert await inbox(api, school, "report.submitted") == [(school[0], "WT2018 ch4 paras 37, 43")]
    mine = (await api(RECOMMENDATIONS, {}, as_=school))["data"]["recommendations"]
    assert [(r["action"], r["addressee"]["code"]) for r in mine["nodes"]] == [(action["action"], school[0])]
    school_id = next(r["id"] for r in review["recommendations"] if r["addressee"]["code"] == school[0])
    met_id = review["recommendations"][0]["id"]
    done = await api(UPDATE, {"r": school_id, "i": {"status": "COMPLETED", "progress": "Policy adopted.",
                                                    "evidence": "Governors' minutes."}}, as_=school)
    assert done["data"]["updateRecommendation"]["recommendation"]["status"] == "COMPLETED"
    others = await api(UPDATE, {"r": met_id, "i": {"status": "IN_PROGRESS", "progress": "x"}}, as_=school)
    assert [e["extensions"]["code"] for e in others["errors"]] == ["FORBIDDEN"]
    seen = await api("query($c: ID!) { case(id: $c) { child { firstName pseudonym } reviews { finalReport { title } } } }",
                     {"c": review["caseId"]}, as_=school)
    assert seen["data"]["case"]["child"]["firstName"] is None
    assert seen["data"]["case"]["reviews"] == [{"finalReport": None}]
    rapid = await submitted(api)
    national = await api(COMMISSION, {"c": rapid["caseId"], "i": {
        "kind": "NATIONAL", "decidedOn": "2026-12-22", "reviewers": [{"name": "N"}],
        "outsidePoolReason": "The pool has no one with experience of schools."}}, as_=PANEL)
    national_id = national["data"]["commissionReview"]["review"]["id"]
    assert errors(await api(SUBMIT_REPORT, {"r": national_id, "i": {**REPORT, "recommendations": [action]}}, as_=PANEL),
                  "submitFinalReport") == []
    assert await inbox(api, school, "report.submitted") == [(school[0], "WT2018 ch4 paras 37, 43")] * 2


SNAPSHOT = f"""query($c: ID!) {{ case(id: $c) {{ events {{ eventType }} routedMessages {{ id }}
  reviews {{ {REVIEW} finalReport {{ improvementsSummary systemicAnalysis publicationText improvementsInformation }}
    publicationDelays {{ reason }} }} }} }}"""
LATER = {"improvementsSummary": "Replaced.", "systemicAnalysis": "Replaced.", "recommendations": []}
ILLEGAL_STEPS = [
    ("publishing before the notice ends", "scheduled", "2027-01-04",
     lambda r: (PUBLISH, {"r": r, "i": {"publishedOn": "2027-01-04"}}), "NOTICE_TOO_SHORT"),
    ("publishing before any copies were sent", "reported", "2027-02-01",
     lambda r: (PUBLISH, {"r": r, "i": {"publishedOn": "2027-02-01"}}), "NOT_SCHEDULED"),
    ("publishing at an address that is not a web address", "scheduled", "2027-01-05",
     lambda r: (PUBLISH, {"r": r, "i": {"publishedOn": "2027-01-05", "url": "javascript:alert(1)"}}), "INVALID_URL"),
    ("a second final report after publication", "published", "2027-01-06",
     lambda r: (SUBMIT_REPORT, {"r": r, "i": LATER}), "REPORT_ALREADY_SUBMITTED"),
    ("withholding after publication", "published", "2027-01-06",
     lambda r: (WITHHOLD, {"r": r, "i": {"justification": "x", "improvementsInformation": "y",
                                         "publishOn": "2027-02-01"}}), "ALREADY_PUBLISHED"),
    ("a delay reported after publication", "published", "2027-01-06",
     lambda r: (DELAY, {"r": r, "i": {"reason": "Inquest"}}), "ALREADY_PUBLISHED"),
    ("scheduling before the final report", "commissioned", "2026-12-22",
     lambda r: (SCHEDULE, {"r": r, "d": "2027-02-01"}), "REPORT_NOT_SUBMITTED"),
    ("supervising after the copies went", "scheduled", "2026-12-23",
     lambda r: (SUPERVISE, {"r": r, "i": {"kind": "PROGRESS_NOTE", "note": "Late."}}), "REVIEW_FINISHED"),
]


@pytest.mark.parametrize(("why", "stage", "today", "step", "code"), ILLEGAL_STEPS, ids=[s[0] for s in ILLEGAL_STEPS])
@pytest.mark.rule("publish-report", "final-report-content", "withhold-publication", "publication-delay",
                  "prepublication-copies", "review-supervision")
async def test_illegal_review_steps_are_refused_with_a_stable_code_and_change_nothing(
    api: Api, clock: FixedClock, why: str, stage: str, today: str, step: Any, code: str
) -> None:
    review = await (local_review(api) if stage == "commissioned" else reported(api))
    if stage in ("scheduled", "published"):
        assert errors(await api(SCHEDULE, {"r": review["id"], "d": "2027-01-05"}, as_=CAMDEN_LA),
                      "schedulePublication") == []
    if stage == "published":
        at(clock, 2027, 1, 5)
        assert errors(await api(PUBLISH, {"r": review["id"], "i": {"publishedOn": "2027-01-05"}}, as_=CAMDEN_LA),
                      "publishReport") == []
    at(clock, *(int(part) for part in today.split("-")))
    before = await api(SNAPSHOT, {"c": review["caseId"]}, as_=CAMDEN_LA)
    query, variables = step(review["id"])
    body = await api(query, variables, as_=CAMDEN_LA)
    assert errors(body, next(iter(body["data"]))) == [code], why
    assert await api(SNAPSHOT, {"c": review["caseId"]}, as_=CAMDEN_LA) == before


@pytest.mark.rule("visibility-final-report", "visibility-publication-delays")
async def test_paras_40_51_a_withheld_report_is_read_only_by_the_partners_panel_and_secretary_of_state(
    api: Api, clock: FixedClock
) -> None:
    review = await reported(api, {**REPORT, "publicationText": "The full report."})
    await api(SCHEDULE, {"r": review["id"], "d": "2027-01-05"}, as_=CAMDEN_LA)
    await api(DELAY, {"r": review["id"], "i": {"reason": "A trial is due."}}, as_=CAMDEN_LA)
    await api(WITHHOLD, {"r": review["id"], "i": {"justification": "Surviving siblings.",
                                                  "improvementsInformation": "Improvements only.",
                                                  "publishOn": "2027-01-05"}}, as_=CAMDEN_LA)
    at(clock, 2027, 1, 5)
    assert errors(await api(PUBLISH, {"r": review["id"], "i": {"publishedOn": "2027-01-05"}}, as_=CAMDEN_LA),
                  "publishReport") == []
    read = """query($c: ID!) { case(id: $c) { reviews { finalReport { publicationText }
      recommendations { id } publicationDelays { reason } } } }"""
    seen = {}
    for who in (CAMDEN_LA, PANEL, ("DFE", "dfe"), ("OFSTED", "ofsted"), ("CQC", "recipient"),
                ("HMICFRS", "recipient"), ("WWCSC", "recipient")):
        body = await api(read, {"c": review["caseId"]}, as_=who)
        shown = body["data"]["case"]["reviews"][0]
        seen[who[0]] = (shown["finalReport"] is not None, len(shown["recommendations"]), len(shown["publicationDelays"]))
    assert seen == {CAMDEN: (True, 2, 1), "PANEL": (True, 2, 1), "DFE": (True, 2, 1), "OFSTED": (False, 0, 0),
                    "CQC": (False, 0, 0), "HMICFRS": (False, 0, 0), "WWCSC": (False, 0, 0)}


@pytest.mark.rule("recommendation-follow-up", "visibility-recommendations")
async def test_para_43_a_partner_of_another_area_named_in_a_recommendation_acts_on_it_but_reads_no_more(
    api: Api, clock: FixedClock
) -> None:
    action = {"addresseeCode": BIRMINGHAM, "action": "Share the learning with Birmingham's front door.",
              "dueOn": "2027-03-31"}
    review = await reported(api, {**REPORT, "recommendations": [action]})
    await api(SUPERVISE, {"r": review["id"], "i": {"kind": "PROGRESS_NOTE", "note": "Supervisors only."}},
              as_=CAMDEN_LA)
    birmingham = (BIRMINGHAM, "la")
    assert await inbox(api, birmingham, "report.submitted") == [(BIRMINGHAM, "WT2018 ch4 paras 37, 43")]
    listed = await api("""{ recommendations { nodes { id action review { id } } } }""", as_=birmingham)
    nodes = listed["data"]["recommendations"]["nodes"]
    assert [(n["action"], n["review"]) for n in nodes] == [(action["action"], None)]
    assert (await api(CASE_REVIEWS, {"c": review["caseId"]}, as_=birmingham))["data"]["case"] is None
    at(clock, 2027, 4, 1)
    owed = await api(DEADLINES, {"f": {"kind": ["RECOMMENDATION"]}}, as_=birmingham)
    assert [(d["dueOn"], d["overdue"], d["case"]) for d in owed["data"]["deadlines"]["nodes"]] == [
        ("2027-03-31", True, None)]
    back = await api(UPDATE, {"r": nodes[0]["id"], "i": {"status": "OPEN", "progress": "Not started."}}, as_=birmingham)
    assert errors(back, "updateRecommendation") == ["STATUS_NOT_ALLOWED"]
    done = await api(UPDATE, {"r": nodes[0]["id"], "i": {"status": "COMPLETED", "progress": "Shared in March.",
                                                         "evidence": "Briefing notes."}}, as_=birmingham)
    recommendation = done["data"]["updateRecommendation"]["recommendation"]
    assert (recommendation["status"], recommendation["review"]) == ("COMPLETED", None)


@pytest.mark.rule("review-supervision-by-commissioners", "case-handoff")
async def test_para_30_a_local_review_stays_with_the_area_that_commissioned_it_after_a_hand_off(api: Api) -> None:
    review = await local_review(api)
    hand_off = """mutation($c: ID!) { handOffCase(caseId: $c, input: {toLocalAuthorityCode: "E08000025",
      reason: "The child was placed in Birmingham."}) { handoff { id } errors { code } } }"""
    handoff_id = (await api(hand_off, {"c": review["caseId"]}, as_=CAMDEN_LA))["data"]["handOffCase"]["handoff"]["id"]
    accept = "mutation($h: ID!) { acceptCaseHandoff(handoffId: $h) { handoff { status } } }"
    await api(accept, {"h": handoff_id}, as_=(BIRMINGHAM, "la"))
    by_new_lead = await api(SUBMIT_REPORT, {"r": review["id"], "i": REPORT}, as_=(BIRMINGHAM, "la"))
    assert [e["extensions"]["code"] for e in by_new_lead["errors"]] == ["FORBIDDEN"]
    assert errors(await api(SUBMIT_REPORT, {"r": review["id"], "i": REPORT}, as_=(MET, "police")),
                  "submitFinalReport") == []
    assert await inbox(api, CAMDEN_LA, "report.submitted") == [(CAMDEN, "WT2018 ch4 paras 36-37")]
    assert await inbox(api, (BIRMINGHAM, "la"), "report.submitted") == []


@pytest.mark.rule("supervision-request-in-writing", "deadline-reminders")
async def test_para_35_a_written_request_to_the_reviewer_is_a_deadline_for_whoever_asked(
    api: Api, hub: Hub, clock: FixedClock
) -> None:
    review = await local_review(api)
    ask = """mutation($i: RequestInformationInput!) { requestInformation(input: $i) { errors { code } } }"""
    await api(ask, {"i": {"caseId": review["caseId"], "toReviewerId": review["reviewers"][0]["id"],
                          "questions": ["Is the chronology complete?"], "dueOn": "2027-01-15"}}, as_=CAMDEN_LA)
    owed = await api(DEADLINES, {"f": {"kind": ["INFORMATION_REQUEST"]}}, as_=CAMDEN_LA)
    assert [(d["dueOn"], d["basis"], d["owedBy"]) for d in owed["data"]["deadlines"]["nodes"]] == [
        ("2027-01-15", "WT2018 ch4 para 35", [{"code": CAMDEN}])]
    at(clock, 2027, 1, 18)
    assert await sweep(hub) == 1
    assert await inbox(api, CAMDEN_LA, "deadline.missed") == [(CAMDEN, "WT2018 ch4 paras 24, 35")]
