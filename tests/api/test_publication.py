"""Publishing a review's report (paras 38-41, 47-51): pre-publication copies, notice, withholding, delays,
availability and who may read what, walked through HTTP on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest

from hub.clock import FixedClock
from tests.api.reviews import (
    CAMDEN_LA,
    CASE_REVIEWS,
    COMMISSION,
    DELAY,
    PANEL,
    PUBLISH,
    PUBLISHED,
    REMOVE,
    REPORT,
    REVIEW,
    SCHEDULE,
    SUBMIT_REPORT,
    SUPERVISE,
    WITHHOLD,
    at,
    errors,
    inbox,
    local_review,
    pool_reviewer,
    reported,
)
from tests.api.test_notification import BIRMINGHAM, CAMDEN, ISLINGTON, MET
from tests.api.test_rapid_review import submitted
from tests.conftest import Api


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
    at(clock, 2028, 1, 6)  # one year is a minimum (para 38): still listed until the partners remove it
    assert (await api.post(PUBLISHED)).json()["data"]["publishedReports"]["totalCount"] == 1


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
    at(clock, 2030, 1, 7)  # three years is a minimum (para 49)
    assert len((await api.post(PUBLISHED)).json()["data"]["publishedReports"]["nodes"]) == 1
    assert errors(await api(REMOVE, {"r": review["id"], "why": "Superseded by the thematic review."}, as_=PANEL),
                  "removePublishedReport") == []
    assert (await api.post(PUBLISHED)).json()["data"]["publishedReports"]["nodes"] == []


@pytest.mark.rule("remove-published-report", "publication-availability")
async def test_paras_38_49_a_report_stays_published_until_its_publisher_removes_it_no_earlier_than_available_until(
    api: Api, clock: FixedClock
) -> None:
    review = await reported(api)
    await api(SCHEDULE, {"r": review["id"], "d": "2027-01-05"}, as_=CAMDEN_LA)
    at(clock, 2027, 1, 5)
    assert errors(await api(PUBLISH, {"r": review["id"], "i": {"publishedOn": "2027-01-05"}}, as_=CAMDEN_LA),
                  "publishReport") == []
    at(clock, 2028, 1, 4)
    early = await api(REMOVE, {"r": review["id"], "why": "The family asked for it to be taken down."}, as_=CAMDEN_LA)
    assert errors(early, "removePublishedReport") == ["AVAILABILITY_PERIOD_NOT_ENDED"]
    assert "2028-01-05" in early["data"]["removePublishedReport"]["errors"][0]["message"]
    at(clock, 2029, 3, 1)  # well past availableUntil: still public, nobody removed it
    listed = (await api.post(PUBLISHED)).json()["data"]["publishedReports"]["nodes"]
    assert [(n["id"], n["availableUntil"]) for n in listed] == [(review["id"], "2028-01-05")]
    assert [e["extensions"]["code"] for e in (await api(REMOVE, {"r": review["id"], "why": "x"},
                                                        as_=("OFSTED", "ofsted")))["errors"]] == ["FORBIDDEN"]
    assert errors(await api(REMOVE, {"r": review["id"], "why": "x"}, as_=(BIRMINGHAM, "la")),
                  "removePublishedReport") == ["NOT_FOUND"]
    assert errors(await api(REMOVE, {"r": review["id"], "why": " "}, as_=CAMDEN_LA), "removePublishedReport") == [
        "REQUIRED"]
    assert len((await api.post(PUBLISHED)).json()["data"]["publishedReports"]["nodes"]) == 1
    body = await api(REMOVE, {"r": review["id"], "why": "Learning superseded by the 2029 review."}, as_=(MET, "police"))
    removed = body["data"]["removePublishedReport"]["review"]
    assert (removed["removedOn"], removed["removalReason"], removed["status"]) == (
        "2029-03-01", "Learning superseded by the 2029 review.", "PUBLISHED")
    assert (await api.post(PUBLISHED)).json()["data"]["publishedReports"]["nodes"] == []
    again = await api(REMOVE, {"r": review["id"], "why": "Again."}, as_=CAMDEN_LA)
    assert errors(again, "removePublishedReport") == ["ALREADY_REMOVED"]


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
    ("removing a report that was never published", "reported", "2027-02-01",
     lambda r: (REMOVE, {"r": r, "why": "Taken down."}), "NOT_PUBLISHED"),
    ("removing a report inside its year of availability", "published", "2027-06-01",
     lambda r: (REMOVE, {"r": r, "why": "Taken down."}), "AVAILABILITY_PERIOD_NOT_ENDED"),
    ("scheduling before the final report", "commissioned", "2026-12-22",
     lambda r: (SCHEDULE, {"r": r, "d": "2027-02-01"}), "REPORT_NOT_SUBMITTED"),
    ("supervising after the copies went", "scheduled", "2026-12-23",
     lambda r: (SUPERVISE, {"r": r, "i": {"kind": "PROGRESS_NOTE", "note": "Late."}}), "REVIEW_FINISHED"),
]


@pytest.mark.parametrize(("why", "stage", "today", "step", "code"), ILLEGAL_STEPS, ids=[s[0] for s in ILLEGAL_STEPS])
@pytest.mark.rule("publish-report", "final-report-content", "withhold-publication", "publication-delay",
                  "prepublication-copies", "review-supervision", "remove-published-report")
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
