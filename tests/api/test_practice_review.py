"""Practice reviews (paras 28, 30-37, 44-46): commissioning, the reviewer pool, supervision, the final report and
a review's whole life, walked through HTTP on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from app.main import Hub
from hub.clock import FixedClock
from tests.api.reviews import (
    ADD_POOL,
    CAMDEN_LA,
    CASE_REVIEWS,
    COMMISSION,
    PANEL,
    POOL,
    PUBLISH,
    REMOVE_POOL,
    REPORT,
    REVIEWER,
    SCHEDULE,
    SUBMIT_REPORT,
    SUPERVISE,
    UPDATE,
    at,
    decided_locally,
    errors,
    inbox,
    local_review,
    pool_reviewer,
    reported,
)
from tests.api.test_deadline_reminders import DEADLINES, sweep
from tests.api.test_notification import BIRMINGHAM, CAMDEN, ISLINGTON, MET
from tests.api.test_rapid_review import icb, submitted
from tests.conftest import Api


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
    rapid = await decided_locally(api)
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


REVIEWERS_OF_CASE = """query($c: ID!) { case(id: $c) { reviews { reviewers { name conflictOfInterest
  conflictMitigation } } } }"""


@pytest.mark.rule("reviewer-conflicts-for-commissioners")
async def test_para_31_a_reviewers_declared_conflict_is_read_only_by_the_commissioners_and_the_panel(api: Api) -> None:
    # given a local review whose reviewer declared a conflict and how it is mitigated
    conflicted = {**REVIEWER, "conflictOfInterest": "Formerly employed by the council.",
                  "conflictMitigation": "Left in 2015; no involvement with the services reviewed."}
    review = await local_review(api, reviewers=[conflicted])
    declared = (conflicted["conflictOfInterest"], conflicted["conflictMitigation"])

    async def read(who: tuple[str, str]) -> list[tuple[str, str | None, str | None]]:
        case = (await api(REVIEWERS_OF_CASE, {"c": review["caseId"]}, as_=who))["data"]["case"]
        return [(r["name"], r["conflictOfInterest"], r["conflictMitigation"])
                for found in case["reviews"] for r in found["reviewers"]]

    # then the area's partners, who commissioned it, and the Panel read the conflict
    for who in (CAMDEN_LA, (MET, "police"), (await icb(api), "health"), PANEL):
        assert await read(who) == [(REVIEWER["name"], *declared)], who
    # and those who see the review but did not commission it read the reviewer without the conflict
    for who in (("OFSTED", "ofsted"), ("DFE", "dfe")):
        assert await read(who) == [(REVIEWER["name"], None, None)], who


TITLED = """mutation($i: ThematicReviewInput!) { startThematicReview(input: $i) { thematicReview { id }
  errors { code field } } }"""
INCLUDE = """mutation($t: ID!, $c: [ID!]!) { includeInThematicReview(thematicReviewId: $t, caseIds: $c) {
  thematicReview { id } errors { code field } } }"""
THEMATIC_TITLES = "query($c: ID!) { case(id: $c) { thematicReviews { title } } }"


@pytest.mark.rule("thematic-review-title-names-no-child")
async def test_para_39_a_thematic_reviews_title_must_not_name_a_child_of_a_case_it_includes(api: Api) -> None:
    # given a case about Amara Testchild (invented), whose thematic reviews pseudonym-only roles read by title
    first, second = await submitted(api), await submitted(api)
    named = {"title": "Amara and other infant deaths", "theme": "Safer sleep", "caseIds": [first["caseId"]]}
    # when the Panel starts a thematic review titled with her name, then it is refused and nothing is started
    body = await api(TITLED, {"i": named}, as_=PANEL)
    assert body["data"]["startThematicReview"] == {
        "thematicReview": None, "errors": [{"code": "NAMES_CHILD", "field": ["input", "title"]}]}
    assert (await api(THEMATIC_TITLES, {"c": first["caseId"]}, as_=("OFSTED", "ofsted")))["data"]["case"] == {
        "thematicReviews": []}
    # and a title naming no child of its cases is accepted, but a case whose child it names is not included later
    plain = await api(TITLED, {"i": {**named, "title": "Amara Road infant deaths", "caseIds": []}}, as_=PANEL)
    thematic_id = plain["data"]["startThematicReview"]["thematicReview"]["id"]
    later = await api(INCLUDE, {"t": thematic_id, "c": [second["caseId"]]}, as_=PANEL)
    assert later["data"]["includeInThematicReview"]["errors"] == [{"code": "NAMES_CHILD", "field": ["thematicReviewId"]}]
    assert (await api(THEMATIC_TITLES, {"c": second["caseId"]}, as_=PANEL))["data"]["case"] == {"thematicReviews": []}
