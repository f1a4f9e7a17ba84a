"""The decision to initiate a practice review: which route leads to it (paras 16, 19, 21, 25) and the day it was
taken, from which the six months to publication run (paras 41, 50); every national review told to the Secretary of
State (para 26)."""

from __future__ import annotations

import pytest

from hub.clock import FixedClock
from tests.api.reviews import (
    CAMDEN_LA,
    CASE_REVIEWS,
    COMMISSION,
    PANEL,
    REVIEWER,
    at,
    decided_locally,
    errors,
    inbox,
    panel_responded,
    referred_case,
)
from tests.api.test_notification import CAMDEN, MET
from tests.api.test_rapid_review import RESPOND, panel_decision, submitted
from tests.conftest import Api

THEMATIC = """mutation($i: ThematicReviewInput!) { startThematicReview(input: $i) { thematicReview { id }
  errors { code field } } }"""
NATIONAL = {"kind": "NATIONAL", "reviewers": [{"name": "Outside Example"}],
            "outsidePoolReason": "No pool reviewer has experience of this setting."}


@pytest.mark.rule("route-national-review-commissioned-to-sos", "review-commissioning")
async def test_para_26_a_national_review_the_panel_commissions_directly_is_told_to_the_secretary_of_state(
    api: Api,
) -> None:
    rapid = await submitted(api)
    body = await api(COMMISSION, {"c": rapid["caseId"], "i": NATIONAL}, as_=PANEL)
    assert errors(body, "commissionReview") == []
    assert await inbox(api, ("DFE", "dfe"), "panel.responded") == []
    assert await inbox(api, ("DFE", "dfe"), "review.commissioned") == [("SOS", "WT2018 ch4 para 26")]


@pytest.mark.rule("route-national-review-commissioned-to-sos", "route-national-review-to-sos")
async def test_para_26_after_the_panels_national_review_decision_the_commissioning_is_one_more_message(
    api: Api,
) -> None:
    # given the Panel's NATIONAL_REVIEW response, told to the Secretary of State (para 26)
    rapid = await panel_responded(api, "NATIONAL_REVIEW")
    assert await inbox(api, ("DFE", "dfe"), "panel.responded") == [("SOS", "WT2018 ch4 para 26")]
    # when the Panel commissions that review, then the Secretary of State is told of the commissioning once,
    # a distinct event (review.commissioned, with the reviewers), and the decision is not sent again
    body = await api(COMMISSION, {"c": rapid["caseId"], "i": NATIONAL}, as_=PANEL)
    assert errors(body, "commissionReview") == []
    assert await inbox(api, ("DFE", "dfe"), "panel.responded") == [("SOS", "WT2018 ch4 para 26")]
    assert await inbox(api, ("DFE", "dfe"), "review.commissioned") == [("SOS", "WT2018 ch4 para 26")]


@pytest.mark.rule("route-thematic-review-to-sos", "thematic-review")
async def test_paras_26_28_a_thematic_national_review_is_told_to_the_secretary_of_state_for_each_case(
    api: Api,
) -> None:
    first, second = await submitted(api), await submitted(api)
    body = await api(THEMATIC, {"i": {"title": "Sudden unexpected infant deaths", "theme": "Safer sleep",
                                      "caseIds": [first["caseId"], second["caseId"]]}}, as_=PANEL)
    assert body["data"]["startThematicReview"]["errors"] == []
    assert await inbox(api, ("DFE", "dfe"), "thematic_review.case_included") == [
        ("SOS", "WT2018 ch4 paras 26, 28"), ("SOS", "WT2018 ch4 paras 26, 28")]


@pytest.mark.rule("local-review-route", "review-decision-date", "route-para-19-review-commissioned-to-partners")
async def test_para_19_the_partners_may_review_a_referred_case_that_was_never_notified(api: Api) -> None:
    # given a near miss the police referred to the partners (para 14), never notified to the Panel
    case_id = await referred_case(api, kind="SERIOUS_HARM", occurredOn="2026-11-30", awareOn="2026-12-01",
                                  abuseOrNeglect="NOT_SUSPECTED")
    local = {"kind": "LOCAL", "reviewers": [REVIEWER]}
    # when the commissioning would date the decision before the case was known, or in the future: refused
    early = await api(COMMISSION, {"c": case_id, "i": {**local, "decidedOn": "2026-11-30"}}, as_=CAMDEN_LA)
    assert errors(early, "commissionReview") == ["DECIDED_BEFORE_AWARE"]
    late = await api(COMMISSION, {"c": case_id, "i": {**local, "decidedOn": "2026-12-23"}}, as_=CAMDEN_LA)
    assert errors(late, "commissionReview") == ["DECIDED_IN_FUTURE"]
    assert (await api(CASE_REVIEWS, {"c": case_id}, as_=CAMDEN_LA))["data"]["case"]["reviews"] == []
    # then the partners' own choice (para 19) is recorded with its day, and the six months run from it
    body = await api(COMMISSION, {"c": case_id, "i": {**local, "decidedOn": "2026-12-15"}}, as_=CAMDEN_LA)
    assert errors(body, "commissionReview") == []
    review = body["data"]["commissionReview"]["review"]
    assert (review["kind"], review["decidedOn"], review["publicationDueOn"]) == ("LOCAL", "2026-12-15", "2027-06-15")
    # and it is the area's: the partners are told (paras 19, 30); para 21's Panel, Ofsted and DfE are not
    assert await inbox(api, (MET, "police"), "review.commissioned") == [(MET, "WT2018 ch4 paras 19, 30")]
    for who in (PANEL, ("OFSTED", "ofsted"), ("DFE", "dfe")):
        assert await inbox(api, who, "review.commissioned") == [], who


@pytest.mark.rule("local-review-route", "review-decision-date", "route-local-review-commissioned-to-panel")
async def test_para_21_a_notified_case_is_reviewed_locally_after_the_rapid_review_decision_or_the_panels_response(
    api: Api, clock: FixedClock
) -> None:
    # given a rapid review that did not decide a local review, with the Panel (para 21)
    rapid = await submitted(api)
    local = {"kind": "LOCAL", "reviewers": [REVIEWER]}
    waiting = await api(COMMISSION, {"c": rapid["caseId"], "i": local}, as_=CAMDEN_LA)
    assert errors(waiting, "commissionReview") == ["AWAITING_PANEL_RESPONSE"]
    # when the Panel asks for more first, it has still not responded (paras 24-25)
    ask = {"outcome": "FURTHER_INFORMATION_REQUIRED", "rationale": "Has a local review been decided?",
           "questions": ["Will the partners review locally?"], "informationDueOn": "2027-01-08",
           "informationFromCodes": [CAMDEN]}
    assert (await api(RESPOND, {"r": rapid["id"], "i": ask}, as_=PANEL))["data"]["respondToRapidReview"]["errors"] == []
    waiting = await api(COMMISSION, {"c": rapid["caseId"], "i": local}, as_=CAMDEN_LA)
    assert errors(waiting, "commissionReview") == ["AWAITING_PANEL_RESPONSE"]
    assert (await api(CASE_REVIEWS, {"c": rapid["caseId"]}, as_=CAMDEN_LA))["data"]["case"]["reviews"] == []
    # then after the Panel's response the partners decide and commission: the decision is recorded today
    at(clock, 2027, 1, 11)
    decided = panel_decision("LOCAL_REVIEW_MORE_APPROPRIATE", "A local review is more appropriate.")
    assert (await api(RESPOND, {"r": rapid["id"], "i": decided}, as_=PANEL))["data"]["respondToRapidReview"][
        "errors"] == []
    body = await api(COMMISSION, {"c": rapid["caseId"], "i": local}, as_=CAMDEN_LA)
    assert errors(body, "commissionReview") == []
    review = body["data"]["commissionReview"]["review"]
    assert (review["decidedOn"], review["publicationDueOn"]) == ("2027-01-11", "2027-07-11")
    # and, following a rapid review, the commissioning goes to the Panel, Ofsted and DfE (para 21)
    assert await inbox(api, PANEL, "review.commissioned") == [("PANEL", "WT2018 ch4 para 21")]


@pytest.mark.rule("review-decision-date", "publication-due")
async def test_para_41_a_local_reviews_six_months_run_from_the_partners_recorded_decision(
    api: Api, clock: FixedClock
) -> None:
    # given the partners decided a local review at their rapid review on 22 December 2026 (para 21)
    rapid = await decided_locally(api)
    # when they commission it a month later and give that day as the decision
    at(clock, 2027, 1, 22)
    local = {"kind": "LOCAL", "reviewers": [REVIEWER]}
    moved = await api(COMMISSION, {"c": rapid["caseId"], "i": {**local, "decidedOn": "2027-01-22"}}, as_=CAMDEN_LA)
    # then it is refused and nothing changes: the clock cannot be pushed out
    assert errors(moved, "commissionReview") == ["DECIDED_ON_DIFFERS_FROM_RECORD"]
    assert moved["data"]["commissionReview"]["errors"][0]["field"] == ["input", "decidedOn"]
    assert (await api(CASE_REVIEWS, {"c": rapid["caseId"]}, as_=CAMDEN_LA))["data"]["case"]["reviews"] == []
    # and left out, decidedOn is the recorded decision
    body = await api(COMMISSION, {"c": rapid["caseId"], "i": local}, as_=CAMDEN_LA)
    review = body["data"]["commissionReview"]["review"]
    assert (review["decidedOn"], review["publicationDueOn"]) == ("2026-12-22", "2027-06-22")


@pytest.mark.rule("review-decision-date", "publication-due")
async def test_para_50_a_national_reviews_six_months_run_from_the_panels_national_review_response(
    api: Api, clock: FixedClock
) -> None:
    # given the Panel decided a national review in its response on 22 December 2026 (para 26)
    rapid = await panel_responded(api, "NATIONAL_REVIEW")
    at(clock, 2027, 2, 1)
    # when it commissions the review with a later decision date, then that is refused
    moved = await api(COMMISSION, {"c": rapid["caseId"], "i": {**NATIONAL, "decidedOn": "2027-02-01"}}, as_=PANEL)
    assert errors(moved, "commissionReview") == ["DECIDED_ON_DIFFERS_FROM_RECORD"]
    # and the recorded day itself is accepted
    body = await api(COMMISSION, {"c": rapid["caseId"], "i": {**NATIONAL, "decidedOn": "2026-12-22"}}, as_=PANEL)
    review = body["data"]["commissionReview"]["review"]
    assert (review["decidedOn"], review["publicationDueOn"]) == ("2026-12-22", "2027-06-22")
