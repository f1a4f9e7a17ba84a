"""What is said about a review while it runs and about its publication: new information for the Panel (para 21),
learning shared during the review (paras 42, 50), comments on not publishing or on a delay (paras 41, 50)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from hub.clock import FixedClock
from tests.api.reviews import (
    CAMDEN_LA,
    COMMISSION,
    DELAY,
    PANEL,
    REPORT,
    SUBMIT_REPORT,
    WITHHOLD,
    errors,
    inbox,
    local_review,
    pool_reviewer,
    reported,
)
from tests.api.test_notification import BIRMINGHAM, CAMDEN, ISLINGTON, MET
from tests.api.test_rapid_review import NATIONAL_CRITERIA, icb, submitted
from tests.api.test_webhooks import DELIVERIES, subscribe
from tests.conftest import Api

PAYLOAD = ("review { id newInformation { id information outcome rationale answeredAt recordedBy { code } "
           "criteriaConsidered { criterion met how } } } ")
NEW_INFORMATION = f"""mutation($r: ID!, $i: NewInformationInput!) {{ reportNewInformation(reviewId: $r, input: $i) {{
  {PAYLOAD} errors {{ code field message }} }} }}"""
ANSWER = f"""mutation($n: ID!, $i: NewInformationAnswerInput!) {{ answerNewInformation(newInformationId: $n, input: $i) {{
  {PAYLOAD} errors {{ code field message }} }} }}"""
SHARE = """mutation($r: ID!, $i: ReviewLearningInput!) { shareReviewLearning(reviewId: $r, input: $i) {
  review { learningShared { learning recordedBy { code } } } errors { code field message } } }"""
COMMENT = """mutation($r: ID!, $i: PublicationCommentInput!) { commentOnPublication(reviewId: $r, input: $i) {
  review { publicationComments { subject comment recordedBy { code } } } errors { code field message } } }"""
STATEMENTS = """query($c: ID!) { case(id: $c) { reviews { kind newInformation { information outcome }
  learningShared { learning } publicationComments { subject comment } } } }"""

POLICE = (MET, "police")
DFE = ("DFE", "dfe")
NEWS = "A relative has disclosed abuse of two other children in another region by the same adult."
LEARNING = "Health visitors should escalate two missed contacts in a row to children's social care."


def forbidden(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body["errors"]]


async def statements(api: Api, case_id: str, who: tuple[str, str]) -> dict[str, Any]:
    body = await api(STATEMENTS, {"c": case_id}, as_=who)
    case = body["data"]["case"]
    return case["reviews"][0] if case else {}


async def national_review(api: Api) -> dict[str, Any]:
    rapid = await submitted(api, otherAreaCodes=[ISLINGTON])
    chosen = await pool_reviewer(api)
    body = await api(COMMISSION, {"c": rapid["caseId"], "i": {"kind": "NATIONAL", "decidedOn": "2026-12-22",
                                                             "reviewers": [{"name": "P", "poolReviewerId": chosen}]}},
                     as_=PANEL)
    assert errors(body, "commissionReview") == []
    review: dict[str, Any] = body["data"]["commissionReview"]["review"]
    review["caseId"] = rapid["caseId"]
    return review


@pytest.mark.rule("new-information-to-panel", "panel-answers-new-information", "route-new-information-to-panel",
                  "route-new-information-answer-to-partners", "visibility-review-statements")
async def test_para_21_new_information_during_a_local_review_goes_to_the_panel_which_answers_the_partners(
    api: Api,
) -> None:
    review = await local_review(api)
    empty = await api(NEW_INFORMATION, {"r": review["id"], "i": {"information": " "}}, as_=CAMDEN_LA)
    assert errors(empty, "reportNewInformation") == ["REQUIRED"]
    assert await inbox(api, PANEL, "review.new_information") == []
    by_panel = await api(NEW_INFORMATION, {"r": review["id"], "i": {"information": NEWS}}, as_=PANEL)
    assert forbidden(by_panel) == ["FORBIDDEN"]
    elsewhere = await api(NEW_INFORMATION, {"r": review["id"], "i": {"information": NEWS}}, as_=(BIRMINGHAM, "la"))
    assert errors(elsewhere, "reportNewInformation") == ["NOT_FOUND"]

    body = await api(NEW_INFORMATION, {"r": review["id"], "i": {"information": NEWS}}, as_=POLICE)
    shared = body["data"]["reportNewInformation"]["review"]["newInformation"]
    assert [(n["information"], n["outcome"], n["recordedBy"]["code"]) for n in shared] == [(NEWS, None, MET)]
    assert await inbox(api, PANEL, "review.new_information") == [("PANEL", "WT2018 ch4 para 21")]
    assert (await statements(api, review["caseId"], ("OFSTED", "ofsted")))["newInformation"] == []

    by_la = await api(ANSWER, {"n": shared[0]["id"], "i": {"outcome": "LOCAL_REVIEW_CONTINUES", "rationale": "x"}},
                      as_=CAMDEN_LA)
    assert forbidden(by_la) == ["FORBIDDEN"]
    no_reason = await api(ANSWER, {"n": shared[0]["id"], "i": {"outcome": "LOCAL_REVIEW_CONTINUES",
                                                               "rationale": "", "criteriaConsidered": NATIONAL_CRITERIA}},
                          as_=PANEL)
    assert errors(no_reason, "answerNewInformation") == ["REQUIRED"]
    # para 22, regulation 3: either answer decides on a national review, so each criterion is answered
    unconsidered = await api(ANSWER, {"n": shared[0]["id"], "i": {
        "outcome": "LOCAL_REVIEW_CONTINUES", "rationale": "Nothing national.",
        "criteriaConsidered": NATIONAL_CRITERIA[1:]}}, as_=PANEL)
    assert errors(unconsidered, "answerNewInformation") == ["CRITERION_NOT_ADDRESSED"]
    assert await inbox(api, CAMDEN_LA, "review.new_information_answered") == []
    answer = {"outcome": "LOCAL_REVIEW_CONTINUES", "rationale": "The local review can address the new concerns.",
              "criteriaConsidered": NATIONAL_CRITERIA}
    body = await api(ANSWER, {"n": shared[0]["id"], "i": answer}, as_=PANEL)
    answered = body["data"]["answerNewInformation"]["review"]["newInformation"][0]
    assert (answered["outcome"], answered["rationale"]) == ("LOCAL_REVIEW_CONTINUES", answer["rationale"])
    assert [c["criterion"] for c in answered["criteriaConsidered"]] == [c["criterion"] for c in NATIONAL_CRITERIA]
    for who in (CAMDEN_LA, POLICE):
        assert await inbox(api, who, "review.new_information_answered") == [(who[0], "WT2018 ch4 paras 21, 25")]
    assert await inbox(api, DFE, "review.new_information_answered") == []
    again = await api(ANSWER, {"n": shared[0]["id"], "i": {**answer, "outcome": "NATIONAL_REVIEW"}}, as_=PANEL)
    assert errors(again, "answerNewInformation") == ["ALREADY_ANSWERED"]
    assert (await statements(api, review["caseId"], CAMDEN_LA))["newInformation"] == [
        {"information": NEWS, "outcome": "LOCAL_REVIEW_CONTINUES"}]


@pytest.mark.rule("panel-answers-new-information", "route-new-information-national-review-to-partners",
                  "route-new-information-national-review-to-sos", "new-information-to-panel", "review-decision-date")
async def test_paras_21_26_the_panel_deciding_a_national_review_on_new_information_tells_the_secretary_of_state(
    api: Api, clock: FixedClock,
) -> None:
    review = await local_review(api)
    body = await api(NEW_INFORMATION, {"r": review["id"], "i": {"information": NEWS}}, as_=CAMDEN_LA)
    new_information = body["data"]["reportNewInformation"]["review"]["newInformation"][0]["id"]
    body = await api(ANSWER, {"n": new_information, "i": {"outcome": "NATIONAL_REVIEW",
                                                          "rationale": "Recurrent themes across areas (para 22).",
                                                          "criteriaConsidered": NATIONAL_CRITERIA}}, as_=PANEL)
    assert errors(body, "answerNewInformation") == []
    assert await inbox(api, DFE, "review.new_information_answered") == [("SOS", "WT2018 ch4 para 26")]
    assert await inbox(api, CAMDEN_LA, "review.new_information_answered") == [(CAMDEN, "WT2018 ch4 paras 21, 25")]
    chosen = await pool_reviewer(api)
    clock.set(clock.now() + timedelta(days=14))  # commissioned later: the six months still run from the answer
    moved = await api(COMMISSION, {"c": review["caseId"], "i": {
        "kind": "NATIONAL", "decidedOn": "2027-01-05", "reviewers": [{"name": "P", "poolReviewerId": chosen}]}},
        as_=PANEL)
    assert errors(moved, "commissionReview") == ["DECIDED_ON_DIFFERS_FROM_RECORD"]
    national = await api(COMMISSION, {"c": review["caseId"], "i": {
        "kind": "NATIONAL", "reviewers": [{"name": "P", "poolReviewerId": chosen}]}}, as_=PANEL)
    assert errors(national, "commissionReview") == []
    assert national["data"]["commissionReview"]["review"]["decidedOn"] == "2026-12-22"  # para 50: the answer's day
    on_national = await api(NEW_INFORMATION, {"r": national["data"]["commissionReview"]["review"]["id"],
                                              "i": {"information": NEWS}}, as_=CAMDEN_LA)
    assert forbidden(on_national) == ["FORBIDDEN"]  # the Panel runs a national review, not the partners


@pytest.mark.rule("share-review-learning", "route-local-learning-to-panel", "route-local-learning-to-partners",
                  "route-local-learning-to-others", "visibility-review-statements")
async def test_para_42_learning_shared_during_a_local_review_goes_to_the_panel_and_partners_as_review_learning_shared(
    api: Api,
) -> None:
    review = await local_review(api)
    hook, _ = await subscribe(api, PANEL, "http://127.0.0.1:9/hooks", ["review.learning_shared"])
    naming = await api(SHARE, {"r": review["id"], "i": {"learning": "Amara's case showed ...",
                                                        "alsoToCodes": ["NOPE"]}}, as_=CAMDEN_LA)
    assert sorted(errors(naming, "shareReviewLearning")) == ["NAMES_CHILD", "UNKNOWN_ORGANISATION"]
    assert await inbox(api, PANEL, "review.learning_shared") == []

    body = await api(SHARE, {"r": review["id"], "i": {"learning": LEARNING, "alsoToCodes": ["WWCSC"]}}, as_=CAMDEN_LA)
    assert body["data"]["shareReviewLearning"]["review"]["learningShared"] == [
        {"learning": LEARNING, "recordedBy": {"code": CAMDEN}}]
    health = await icb(api)
    for who, code in ((PANEL, "PANEL"), (POLICE, MET), ((health, "health"), health),
                      (("WWCSC", "recipient"), "WWCSC")):
        assert await inbox(api, who, "review.learning_shared") == [(code, "WT2018 ch4 para 42")]
    assert await inbox(api, CAMDEN_LA, "review.learning_shared") == []  # the sender is not told its own learning
    deliveries = (await api(DELIVERIES, {"s": hook}, as_=PANEL))["data"]["webhookDeliveries"]["nodes"]
    assert [d["eventType"] for d in deliveries] == ["review.learning_shared"]
    assert (await statements(api, review["caseId"], ("WWCSC", "recipient")))["learningShared"] == [
        {"learning": LEARNING}]
    assert (await statements(api, review["caseId"], ("OFSTED", "ofsted")))["learningShared"] == []


@pytest.mark.rule("share-review-learning", "route-national-learning-to-partners",
                  "route-national-learning-to-other-areas", "route-national-learning-to-others")
async def test_para_50_the_panel_shares_learning_from_a_national_review_with_the_partners_of_every_area_covered(
    api: Api,
) -> None:
    review = await national_review(api)
    by_la = await api(SHARE, {"r": review["id"], "i": {"learning": LEARNING}}, as_=CAMDEN_LA)
    assert forbidden(by_la) == ["FORBIDDEN"]
    body = await api(SHARE, {"r": review["id"], "i": {"learning": LEARNING, "alsoToCodes": ["CQC"]}}, as_=PANEL)
    assert errors(body, "shareReviewLearning") == []
    for who, code in ((CAMDEN_LA, CAMDEN), ((ISLINGTON, "la"), ISLINGTON), (("CQC", "recipient"), "CQC")):
        assert await inbox(api, who, "review.learning_shared") == [(code, "WT2018 ch4 para 50")]
    assert await inbox(api, DFE, "review.learning_shared") == []


@pytest.mark.rule("publication-comment", "route-local-publication-comment-to-partners", "visibility-review-statements")
async def test_para_41_the_panel_and_secretary_of_state_comment_on_a_decision_not_to_publish_and_on_a_delay(
    api: Api,
) -> None:
    review = await reported(api)
    comment = {"subject": "DECISION_NOT_TO_PUBLISH", "comment": "The learning can be published without identifying "
               "the siblings: please reconsider."}
    early = await api(COMMENT, {"r": review["id"], "i": comment}, as_=PANEL)
    assert errors(early, "commentOnPublication") == ["NOT_WITHHELD"]
    no_delay = await api(COMMENT, {"r": review["id"], "i": {"subject": "DELAY", "comment": "Why?"}}, as_=DFE)
    assert errors(no_delay, "commentOnPublication") == ["NO_DELAY_REPORTED"]
    assert await inbox(api, CAMDEN_LA, "publication.commented") == []
    await api(WITHHOLD, {"r": review["id"], "i": {"justification": "Publishing would identify surviving siblings.",
                                                  "improvementsInformation": "Agencies will share records.",
                                                  "publishOn": "2027-01-05"}}, as_=CAMDEN_LA)
    await api(DELAY, {"r": review["id"], "i": {"reason": "Criminal investigation ongoing"}}, as_=CAMDEN_LA)
    for who in (CAMDEN_LA, ("OFSTED", "ofsted")):
        assert forbidden(await api(COMMENT, {"r": review["id"], "i": comment}, as_=who)) == ["FORBIDDEN"]

    body = await api(COMMENT, {"r": review["id"], "i": comment}, as_=PANEL)
    assert body["data"]["commentOnPublication"]["review"]["publicationComments"] == [
        {"subject": "DECISION_NOT_TO_PUBLISH", "comment": comment["comment"], "recordedBy": {"code": "PANEL"}}]
    delay = {"subject": "DELAY", "comment": "Publish the improvements information before the trial if possible."}
    assert errors(await api(COMMENT, {"r": review["id"], "i": delay}, as_=DFE), "commentOnPublication") == []
    for who in (CAMDEN_LA, POLICE):
        assert await inbox(api, who, "publication.commented") == [(who[0], "WT2018 ch4 para 41")] * 2
    seen = [(c["subject"], c["comment"]) for c in (await statements(api, review["caseId"], DFE))["publicationComments"]]
    assert seen == [("DECISION_NOT_TO_PUBLISH", comment["comment"]), ("DELAY", delay["comment"])]
    assert (await statements(api, review["caseId"], ("OFSTED", "ofsted")))["publicationComments"] == []


@pytest.mark.rule("publication-comment", "route-national-publication-comment-to-panel")
async def test_para_50_the_secretary_of_state_comments_on_the_panels_decision_not_to_publish_a_national_review(
    api: Api,
) -> None:
    review = await national_review(api)
    assert errors(await api(SUBMIT_REPORT, {"r": review["id"], "i": REPORT}, as_=PANEL), "submitFinalReport") == []
    await api(WITHHOLD, {"r": review["id"], "i": {"justification": "Sibling proceedings.",
                                                  "improvementsInformation": "National learning on ...",
                                                  "publishOn": "2027-01-06"}}, as_=PANEL)
    comment = {"subject": "DECISION_NOT_TO_PUBLISH", "comment": "The Secretary of State asks for the full report."}
    by_panel = await api(COMMENT, {"r": review["id"], "i": comment}, as_=PANEL)
    assert forbidden(by_panel) == ["FORBIDDEN"]  # the Panel is the publisher of a national review
    assert errors(await api(COMMENT, {"r": review["id"], "i": comment}, as_=DFE), "commentOnPublication") == []
    assert await inbox(api, PANEL, "publication.commented") == [("PANEL", "WT2018 ch4 para 50")]
    assert await inbox(api, CAMDEN_LA, "publication.commented") == []
