"""Recommendations followed up to completion (paras 37, 43) and the deadlines of a review, walked through HTTP on
SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from app.main import Hub
from hub.clock import FixedClock
from tests.api.reviews import (
    CAMDEN_LA,
    CASE_REVIEWS,
    COMMISSION,
    PANEL,
    RECOMMENDATIONS,
    REPORT,
    SUBMIT_REPORT,
    SUPERVISE,
    UPDATE,
    at,
    errors,
    inbox,
    reported,
)
from tests.api.test_deadline_reminders import DEADLINES, sweep
from tests.api.test_notification import BIRMINGHAM, CAMDEN, MET
from tests.api.test_rapid_review import icb, submitted
from tests.conftest import Api


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
