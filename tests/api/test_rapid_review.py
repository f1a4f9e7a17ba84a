"""The rapid review and the Panel's loop (paras 20-26), walked end to end through HTTP."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from hub.clock import LONDON, FixedClock
from tests.api.test_notification import (
    BIRMINGHAM,
    CAMDEN,
    ISLINGTON,
    LOOKED_AFTER,
    MET,
    NOTIFY,
    area_members,
    serious_incident,
)
from tests.conftest import Api

FIELDS = """id status dueOn onTime awaitingPanel recommendation version criteria criteriaConsidered { criterion met how }
  contributions { organisation { code } summary version }
  signOffs { organisation { code } recommendation signedOffAt missingReason }
  panelResponses { outcome rationale criteria criteriaConsidered { criterion met how }
    informationRequest { id status dueOn questions
    addressees { organisation { code } answer answeredAt } } }"""
START = f"mutation($c: ID!) {{ startRapidReview(caseId: $c) {{ rapidReview {{ {FIELDS} }} errors {{ code field message }} }} }}"
CONTRIBUTE = f"""mutation($r: ID!, $i: RapidReviewContributionInput!) {{ contributeToRapidReview(rapidReviewId: $r, input: $i) {{
  rapidReview {{ {FIELDS} }} errors {{ code field message }} }} }}"""
AGREE = f"""mutation($r: ID!, $i: AgreeRapidReviewInput!) {{ agreeRapidReview(rapidReviewId: $r, input: $i) {{
  rapidReview {{ {FIELDS} }} errors {{ code field message }} }} }}"""
SUBMIT = f"""mutation($r: ID!, $i: SubmitRapidReviewInput!) {{ submitRapidReview(rapidReviewId: $r, input: $i) {{
  rapidReview {{ {FIELDS} }} errors {{ code field message }} }} }}"""
RESPOND = f"""mutation($r: ID!, $i: PanelResponseInput!) {{ respondToRapidReview(rapidReviewId: $r, input: $i) {{
  panelResponse {{ outcome informationRequest {{ id }} }} rapidReview {{ {FIELDS} }} errors {{ code field message }} }} }}"""
ANSWER = """mutation($q: ID!, $a: String!) { respondToInformationRequest(requestId: $q, input: {answer: $a}) {
  informationRequest { id status addressees { organisation { code } answeredAt } } errors { code field message } } }"""
QUEUE = """query($f: RapidReviewFilter) { rapidReviews(filter: $f) { totalCount nodes { id status awaitingPanel
  case { reference child { firstName } notification { dueOn } } contributions { organisation { code } } } } }"""
INBOX = """query($f: InboxFilter) { inbox(filter: $f) { nodes { eventType basis dueOn recipient { code } } } }"""

# para 18 / regulation 11: each criterion the partners must take into account, answered
LOCAL_CRITERIA = [
    {"criterion": "IMPROVEMENTS_NEEDED", "met": True, "how": "Chronologies show referrals not followed up."},
    {"criterion": "RECURRENT_THEMES", "met": False, "how": "No theme recurring in the area's recent reviews."},
    {"criterion": "AGENCIES_WORKING_TOGETHER", "met": True, "how": "Police and health held facts not shared."},
    {"criterion": "PANEL_CONSIDERS_LOCAL_REVIEW", "met": False, "how": "The Panel has not yet considered the case."},
]
# para 22 / regulation 3: each criterion the Panel must take into account, answered
NATIONAL_CRITERIA = [
    {"criterion": "IMPROVEMENTS_NEEDED", "met": True, "how": "The rapid review identifies national learning."},
    {"criterion": "LEGISLATION_OR_GUIDANCE_CHANGE", "met": False, "how": "Current guidance covers the issues."},
    {"criterion": "RECURRENT_THEMES", "met": True, "how": "Similar to three cases notified this year."},
]
SUBMISSION = {"recommendation": "NATIONAL_REVIEW_MAY_BE_APPROPRIATE",
              "rationale": "Issues of national importance: concerns about agencies working together.",
              "criteria": ["AGENCIES_WORKING_TOGETHER", "MORE_THAN_ONE_AREA"], "criteriaConsidered": LOCAL_CRITERIA,
              "immediateActionsTaken": "Safety plans for siblings.", "learningIdentified": "Information sharing."}


def panel_decision(outcome: str, rationale: str, **more: Any) -> dict[str, Any]:
    """A Panel decision answering each para 22 criterion."""
    return {"outcome": outcome, "rationale": rationale, "criteriaConsidered": NATIONAL_CRITERIA, **more}


async def icb(api: Api, code: str = CAMDEN) -> str:
    return next(c for c in await area_members(api, code) if c.startswith("E54"))


async def notified_case(api: Api, **overrides: Any) -> str:
    body = await api(NOTIFY, {"input": serious_incident(**overrides)}, as_=(CAMDEN, "la"))
    return str(body["data"]["notifySeriousIncident"]["case"]["id"])


async def started(api: Api, **overrides: Any) -> dict[str, Any]:
    case_id = await notified_case(api, **overrides)
    body = await api(START, {"c": case_id}, as_=(CAMDEN, "la"))
    assert body["data"]["startRapidReview"]["errors"] == []
    review: dict[str, Any] = body["data"]["startRapidReview"]["rapidReview"]
    review["caseId"] = case_id
    return review


async def contributed_by_all(api: Api, **overrides: Any) -> dict[str, Any]:
    review = await started(api, **overrides)
    for who in [(CAMDEN, "la"), (MET, "police"), (await icb(api), "health")]:
        body = await api(CONTRIBUTE, {"r": review["id"], "i": {"summary": f"Facts held by {who[0]}."}}, as_=who)
        assert body["data"]["contributeToRapidReview"]["errors"] == []
    return review


async def signed_off(api: Api, review_id: str, recommendation: str = str(SUBMISSION["recommendation"]),
                     code: str = CAMDEN) -> None:
    """The police and health partners of the lead partnership sign off the recommendation (paras 15-16)."""
    for who in [(MET, "police"), (await icb(api, code), "health")]:
        body = await api(AGREE, {"r": review_id, "i": {"recommendation": recommendation}}, as_=who)
        assert body["data"]["agreeRapidReview"]["errors"] == [], who


async def submitted(api: Api, **overrides: Any) -> dict[str, Any]:
    review = await contributed_by_all(api, **overrides)
    await signed_off(api, review["id"])
    body = await api(SUBMIT, {"r": review["id"], "i": SUBMISSION}, as_=(CAMDEN, "la"))
    assert body["data"]["submitRapidReview"]["errors"] == []
    return review


def codes(body: dict[str, Any], mutation: str) -> list[str]:
    return [e["code"] for e in body["data"][mutation]["errors"]]


@pytest.mark.rule("rapid-review-transitions", "rapid-review-start", "rapid-review-contribution", "rapid-review-submit",
                  "route-rapid-review-to-panel", "panel-response", "information-request", "information-answer",
                  "route-information-request-to-addressees", "route-information-answer-to-requester",
                  "route-national-review-to-sos", "route-national-review-to-partners", "route-panel-response-to-partners")
async def test_the_whole_loop_from_start_to_a_national_review_told_to_the_secretary_of_state(api: Api, clock: FixedClock) -> None:
    # given a notified case and a rapid review with all three partners' contributions, submitted (paras 20-21)
    review = await submitted(api)
    queue = (await api(QUEUE, {"f": {"awaitingPanel": True}}, as_=("PANEL", "panel")))["data"]["rapidReviews"]
    assert [n["id"] for n in queue["nodes"]] == [review["id"]]
    assert len(queue["nodes"][0]["contributions"]) == 3
    assert queue["nodes"][0]["case"]["child"]["firstName"] == "Amara"
    panel_inbox = (await api(INBOX, {"f": {"eventTypes": ["rapid_review.submitted"]}}, as_=("PANEL", "panel")))["data"]["inbox"]
    assert [(m["basis"], m["dueOn"]) for m in panel_inbox["nodes"]] == [("WT2018 ch4 para 21", "2027-01-15")]

    # when the Panel asks for further information of Camden and the Met (para 24)
    asked = await api(RESPOND, {"r": review["id"], "i": {
        "outcome": "FURTHER_INFORMATION_REQUIRED", "rationale": "We need the police chronology.",
        "questions": ["What contact did police have in 2026?"], "informationDueOn": "2027-01-08",
        "informationFromCodes": [CAMDEN, MET]}}, as_=("PANEL", "panel"))
    payload = asked["data"]["respondToRapidReview"]
    assert payload["errors"] == []
    assert (payload["rapidReview"]["status"], payload["rapidReview"]["awaitingPanel"]) == ("FURTHER_INFORMATION_REQUESTED", False)
    request_id = payload["panelResponse"]["informationRequest"]["id"]
    met_inbox = (await api(INBOX, {"f": {"eventTypes": ["information.requested"]}}, as_=(MET, "police")))["data"]["inbox"]
    assert [(m["basis"], m["dueOn"]) for m in met_inbox["nodes"]] == [("WT2018 ch4 paras 24, 35", "2027-01-08")]
    empty = (await api(QUEUE, {"f": {"awaitingPanel": True}}, as_=("PANEL", "panel")))["data"]["rapidReviews"]
    assert empty["totalCount"] == 0

    # then the partners answer; after the last answer the review is back in the Panel's queue
    clock.set(datetime(2026, 12, 29, 10, 0, tzinfo=LONDON))
    first = await api(ANSWER, {"q": request_id, "a": "Two contacts, both in March."}, as_=(MET, "police"))
    assert first["data"]["respondToInformationRequest"]["informationRequest"]["status"] == "OPEN"
    last = await api(ANSWER, {"q": request_id, "a": "Children's social care chronology attached."}, as_=(CAMDEN, "la"))
    assert last["data"]["respondToInformationRequest"]["informationRequest"]["status"] == "ANSWERED"
    back = (await api(QUEUE, {"f": {"awaitingPanel": True}}, as_=("PANEL", "panel")))["data"]["rapidReviews"]
    assert [n["id"] for n in back["nodes"]] == [review["id"]]
    answered = (await api(INBOX, {"f": {"eventTypes": ["information.answered"]}}, as_=("PANEL", "panel")))["data"]["inbox"]
    assert len(answered["nodes"]) == 2 and {m["basis"] for m in answered["nodes"]} == {"WT2018 ch4 para 24"}

    # and the Panel decides a national review: the partners and the Secretary of State are told (paras 25-26)
    decided = await api(RESPOND, {"r": review["id"], "i": panel_decision("NATIONAL_REVIEW", "Complex; national importance.",
                                                                   criteria=["IMPROVEMENTS_NEEDED", "RECURRENT_THEMES"])},
                        as_=("PANEL", "panel"))
    final = decided["data"]["respondToRapidReview"]["rapidReview"]
    assert final["status"] == "RESPONDED"
    assert [r["outcome"] for r in final["panelResponses"]] == ["FURTHER_INFORMATION_REQUIRED", "NATIONAL_REVIEW"]
    sos = (await api(INBOX, {"f": {"eventTypes": ["panel.responded"]}}, as_=("DFE", "dfe")))["data"]["inbox"]["nodes"]
    assert [(m["recipient"]["code"], m["basis"]) for m in sos] == [("SOS", "WT2018 ch4 para 26")]
    partners = (await api(INBOX, {"f": {"eventTypes": ["panel.responded"]}}, as_=(MET, "police")))["data"]["inbox"]["nodes"]
    assert [m["basis"] for m in partners] == ["WT2018 ch4 para 25", "WT2018 ch4 para 25"]


@pytest.mark.rule("rapid-review-due", "route-rapid-review-started-to-partners")
async def test_the_rapid_review_is_due_fifteen_working_days_after_notification(api: Api) -> None:
    review = await started(api)
    assert review["dueOn"] == "2027-01-15"  # notified Tue 22 Dec 2026: Christmas, Boxing Day and New Year skipped
    inbox = (await api(INBOX, {"f": {"eventTypes": ["rapid_review.started"]}}, as_=(MET, "police")))["data"]["inbox"]
    assert [(m["basis"], m["dueOn"]) for m in inbox["nodes"]] == [("WT2018 ch4 para 20", "2027-01-15")]


@pytest.mark.rule("rapid-review-start")
async def test_only_the_lead_local_authority_starts_and_only_once(api: Api) -> None:
    case_id = await notified_case(api, otherAreaCodes=[BIRMINGHAM])
    police = await api(START, {"c": case_id}, as_=(MET, "police"))
    assert [e["extensions"]["code"] for e in police["errors"]] == ["FORBIDDEN"]
    involved = await api(START, {"c": case_id}, as_=(BIRMINGHAM, "la"))
    assert [e["extensions"]["code"] for e in involved["errors"]] == ["FORBIDDEN"]
    stranger = await api(START, {"c": case_id}, as_=(ISLINGTON, "la"))
    assert codes(stranger, "startRapidReview") == ["NOT_FOUND"]
    assert codes(await api(START, {"c": case_id}, as_=(CAMDEN, "la")), "startRapidReview") == []
    assert codes(await api(START, {"c": case_id}, as_=(CAMDEN, "la")), "startRapidReview") == ["ALREADY_STARTED"]


@pytest.mark.rule("rapid-review-contribution")
async def test_two_editors_never_overwrite_each_other_silently(api: Api) -> None:
    review = await started(api)
    first = await api(CONTRIBUTE, {"r": review["id"], "i": {"summary": "First draft."}}, as_=(MET, "police"))
    mine = next(c for c in first["data"]["contributeToRapidReview"]["rapidReview"]["contributions"]
                if c["organisation"]["code"] == MET)
    assert mine["version"] == 1
    no_version = await api(CONTRIBUTE, {"r": review["id"], "i": {"summary": "Blind overwrite."}}, as_=(MET, "police"))
    assert codes(no_version, "contributeToRapidReview") == ["EXPECTED_VERSION_REQUIRED"]
    revised = await api(CONTRIBUTE, {"r": review["id"], "i": {"summary": "Second draft.", "expectedVersion": 1}}, as_=(MET, "police"))
    assert codes(revised, "contributeToRapidReview") == []
    stale = await api(CONTRIBUTE, {"r": review["id"], "i": {"summary": "Stale edit.", "expectedVersion": 1}}, as_=(MET, "police"))
    assert codes(stale, "contributeToRapidReview") == ["VERSION_CONFLICT"]
    now = await api(QUEUE, {}, as_=(CAMDEN, "la"))
    assert now["data"]["rapidReviews"]["nodes"][0]["contributions"] == [{"organisation": {"code": MET}}]
    read = await api(f'query($c: ID!) {{ case(id: $c) {{ rapidReview {{ {FIELDS} }} }} }}', {"c": review["caseId"]}, as_=(MET, "police"))
    assert [c["summary"] for c in read["data"]["case"]["rapidReview"]["contributions"]] == ["Second draft."]


@pytest.mark.rule("rapid-review-complete")
async def test_submission_is_refused_while_a_partners_contribution_is_missing_unless_the_lead_says_why(api: Api) -> None:
    review = await started(api)
    await api(CONTRIBUTE, {"r": review["id"], "i": {"summary": "Facts."}}, as_=(CAMDEN, "la"))
    await signed_off(api, review["id"])
    refused = await api(SUBMIT, {"r": review["id"], "i": SUBMISSION}, as_=(CAMDEN, "la"))
    errors = refused["data"]["submitRapidReview"]["errors"]
    assert [e["code"] for e in errors] == ["MISSING_CONTRIBUTIONS"] and MET in errors[0]["message"]
    reason = {**SUBMISSION, "missingContributionReason": "Police contribution delayed by an active investigation."}
    accepted = await api(SUBMIT, {"r": review["id"], "i": reason}, as_=(CAMDEN, "la"))
    assert accepted["data"]["submitRapidReview"]["rapidReview"]["status"] == "SUBMITTED"


@pytest.mark.rule("route-local-review-decision-to-panel", "route-local-review-decision-to-ofsted",
                  "route-local-review-decision-to-dfe")
async def test_a_decision_for_a_local_review_goes_to_the_panel_ofsted_and_dfe(api: Api) -> None:
    review = await contributed_by_all(api)
    await signed_off(api, review["id"], "LOCAL_REVIEW")
    local = {**SUBMISSION, "recommendation": "LOCAL_REVIEW", "criteria": ["IMPROVEMENTS_NEEDED"]}
    await api(SUBMIT, {"r": review["id"], "i": local}, as_=(CAMDEN, "la"))
    for who in [("PANEL", "panel"), ("OFSTED", "ofsted"), ("DFE", "dfe")]:
        inbox = (await api(INBOX, {"f": {"eventTypes": ["review.decided"]}}, as_=who))["data"]["inbox"]["nodes"]
        assert [m["basis"] for m in inbox] == ["WT2018 ch4 para 21"], who


ILLEGAL = [
    ("contribute after submission", "contribute", "ALREADY_SUBMITTED"),
    ("submit twice", "submit", "ALREADY_SUBMITTED"),
    ("ask while a round is open", "ask", "INFORMATION_ROUND_OPEN"),
]


@pytest.mark.rule("rapid-review-transitions")
async def test_the_panel_cannot_respond_before_submission(api: Api) -> None:
    review = await started(api)
    body = await api(RESPOND, {"r": review["id"], "i": panel_decision("AGREES_WITH_PARTNERS", "Agreed.")}, as_=("PANEL", "panel"))
    assert codes(body, "respondToRapidReview") == ["NOT_SUBMITTED"]


@pytest.mark.rule("rapid-review-transitions")
@pytest.mark.parametrize(("why", "step", "code"), ILLEGAL, ids=[i[0] for i in ILLEGAL])
async def test_illegal_steps_are_refused_and_change_nothing(api: Api, why: str, step: str, code: str) -> None:
    review = await submitted(api)
    ask = {"outcome": "FURTHER_INFORMATION_REQUIRED", "rationale": "More.", "questions": ["Why?"], "informationDueOn": "2027-01-08"}
    if step == "ask":
        await api(RESPOND, {"r": review["id"], "i": ask}, as_=("PANEL", "panel"))
    before = (await api(QUEUE, {}, as_=("PANEL", "panel")))["data"]["rapidReviews"]["nodes"][0]
    attempt = {
        "contribute": lambda: api(CONTRIBUTE, {"r": review["id"], "i": {"summary": "Late.", "expectedVersion": 1}}, as_=(MET, "police")),
        "submit": lambda: api(SUBMIT, {"r": review["id"], "i": SUBMISSION}, as_=(CAMDEN, "la")),
        "ask": lambda: api(RESPOND, {"r": review["id"], "i": ask}, as_=("PANEL", "panel")),
    }[step]
    body = await attempt()
    mutation = next(iter(body["data"]))
    assert codes(body, mutation) == [code], why
    after = (await api(QUEUE, {}, as_=("PANEL", "panel")))["data"]["rapidReviews"]["nodes"][0]
    assert after == before


@pytest.mark.rule("information-answer")
async def test_a_closed_request_cannot_be_answered_and_others_cannot_answer_at_all(api: Api) -> None:
    review = await submitted(api)
    asked = await api(RESPOND, {"r": review["id"], "i": {"outcome": "FURTHER_INFORMATION_REQUIRED", "rationale": "More.",
                                                       "questions": ["Why?"], "informationDueOn": "2027-01-08",
                                                       "informationFromCodes": [MET]}}, as_=("PANEL", "panel"))
    request_id = asked["data"]["respondToRapidReview"]["panelResponse"]["informationRequest"]["id"]
    not_asked = await api(ANSWER, {"q": request_id, "a": "Unasked answer."}, as_=(CAMDEN, "la"))
    assert [e["extensions"]["code"] for e in not_asked["errors"]] == ["FORBIDDEN"]
    enough = await api(RESPOND, {"r": review["id"], "i": panel_decision("AGREES_WITH_PARTNERS", "Enough.")}, as_=("PANEL", "panel"))
    assert codes(enough, "respondToRapidReview") == []
    late = await api(ANSWER, {"q": request_id, "a": "Too late."}, as_=(MET, "police"))
    assert codes(late, "respondToInformationRequest") == ["REQUEST_NOT_OPEN"]


async def test_a_panel_response_needs_a_rationale_and_known_criteria(api: Api) -> None:
    review = await submitted(api)
    body = await api(RESPOND, {"r": review["id"], "i": panel_decision("AGREES_WITH_PARTNERS", " ", criteria=["GUT_FEELING"])},
                     as_=("PANEL", "panel"))
    assert sorted(codes(body, "respondToRapidReview")) == ["REQUIRED", "UNKNOWN_CRITERION"]
    asking = await api(RESPOND, {"r": review["id"], "i": {"outcome": "FURTHER_INFORMATION_REQUIRED", "rationale": "More.",
                                                        "informationFromCodes": [ISLINGTON]}}, as_=("PANEL", "panel"))
    assert sorted(codes(asking, "respondToRapidReview")) == ["NOT_INVOLVED", "REQUIRED", "REQUIRED"]


@pytest.mark.rule("visibility-case-record")
async def test_ofsted_sees_neither_the_rapid_review_nor_the_timeline(api: Api) -> None:
    review = await submitted(api)
    query = "query($c: ID!) { case(id: $c) { rapidReview { id } events { eventType } informationRequests { id } } }"
    ofsted = await api(query, {"c": review["caseId"]}, as_=("OFSTED", "ofsted"))
    assert ofsted["data"]["case"] == {"rapidReview": None, "events": [], "informationRequests": []}
    queue = await api(QUEUE, {}, as_=("OFSTED", "ofsted"))
    assert queue["data"]["rapidReviews"]["totalCount"] == 1  # the case was routed to Ofsted
    partner = await api(query, {"c": review["caseId"]}, as_=(MET, "police"))
    assert [e["eventType"] for e in partner["data"]["case"]["events"]] == [
        "notification.submitted", "rapid_review.started", "rapid_review.agreed", "rapid_review.agreed",
        "rapid_review.submitted"]


INVITE = """mutation($r: ID!, $o: String!) { inviteToRapidReview(rapidReviewId: $r, organisationCode: $o) {
  rapidReview { id } errors { code field } } }"""


@pytest.mark.rule("rapid-review-invite")
async def test_an_invited_agency_contributes_and_sees_the_child_only_by_pseudonym(api: Api) -> None:
    from hub import reference_data
    from hub.store import transaction
    from hub.vocabulary import OrganisationKind

    async with transaction(api.hub.sessions) as session:
        await reference_data.load(session, reference_data.ReferenceData(organisations=(
            reference_data.OrganisationRow("X00000001", "Invented Academy Trust", OrganisationKind.OTHER_AGENCY),)))
    review = await started(api)
    before = await api(CONTRIBUTE, {"r": review["id"], "i": {"summary": "School's view."}}, as_=("X00000001", "agency"))
    assert [e["code"] for e in before["data"]["contributeToRapidReview"]["errors"]] == ["NOT_FOUND"]
    assert codes(await api(INVITE, {"r": review["id"], "o": MET}, as_=(CAMDEN, "la")), "inviteToRapidReview") == ["NOT_AN_AGENCY"]
    assert codes(await api(INVITE, {"r": review["id"], "o": "X00000001"}, as_=(CAMDEN, "la")), "inviteToRapidReview") == []
    after = await api(CONTRIBUTE, {"r": review["id"], "i": {"summary": "School's view."}}, as_=("X00000001", "agency"))
    assert codes(after, "contributeToRapidReview") == []
    seen = await api("query($c: ID!) { case(id: $c) { child { firstName pseudonym } } }", {"c": review["caseId"]},
                     as_=("X00000001", "agency"))
    assert seen["data"]["case"]["child"]["firstName"] is None and seen["data"]["case"]["child"]["pseudonym"]


async def read_review(api: Api, review: dict[str, Any], as_: tuple[str, str] = (CAMDEN, "la")) -> dict[str, Any]:
    query = f"query($c: ID!) {{ case(id: $c) {{ rapidReview {{ {FIELDS} }} }} }}"
    body = await api(query, {"c": review["caseId"]}, as_=as_)
    found: dict[str, Any] = body["data"]["case"]["rapidReview"]
    return found


@pytest.mark.rule("rapid-review-criteria")
async def test_para_18_regulation_11_each_criterion_is_answered_before_a_submission_is_accepted(api: Api) -> None:
    # given a rapid review every partner has contributed to and signed off
    review = await contributed_by_all(api)
    await signed_off(api, review["id"])
    before = await read_review(api, review)

    # when the lead submits without answering the criteria, one problem per criterion and nothing changes
    bare = {k: v for k, v in SUBMISSION.items() if k != "criteriaConsidered"}
    refused = (await api(SUBMIT, {"r": review["id"], "i": bare}, as_=(CAMDEN, "la")))["data"]["submitRapidReview"]
    assert [(e["code"], e["field"]) for e in refused["errors"]] == [
        ("CRITERION_NOT_ADDRESSED", ["input", "criteriaConsidered"])] * 4
    assert [m for e in refused["errors"] for m in LOCAL_CRITERIA_NAMES if m in e["message"]] == LOCAL_CRITERIA_NAMES
    assert await read_review(api, review) == before

    # and an answer without how, an unknown criterion, a contradiction and a missing one are each refused
    answers = [{**LOCAL_CRITERIA[0], "how": " "}, LOCAL_CRITERIA[1], {**LOCAL_CRITERIA[2], "met": False},
               {"criterion": "GUT_FEELING", "met": True, "how": "Invented."}]
    mixed = {**SUBMISSION, "criteriaConsidered": answers}
    body = await api(SUBMIT, {"r": review["id"], "i": mixed}, as_=(CAMDEN, "la"))
    assert [(e["code"], e["field"]) for e in body["data"]["submitRapidReview"]["errors"]] == [
        ("REQUIRED", ["input", "criteriaConsidered", "0", "how"]),
        ("UNKNOWN_CRITERION", ["input", "criteriaConsidered", "3", "criterion"]),
        ("CRITERION_NOT_ADDRESSED", ["input", "criteriaConsidered"]),
        ("CRITERION_CONTRADICTED", ["input", "criteria", "0"])]
    assert await read_review(api, review) == before

    # then, every criterion answered, it is accepted; the answers and the criteria met are on the record
    done = (await api(SUBMIT, {"r": review["id"], "i": SUBMISSION}, as_=(CAMDEN, "la")))["data"]["submitRapidReview"]
    assert done["errors"] == []
    seen = await read_review(api, review, as_=("PANEL", "panel"))
    assert seen["criteriaConsidered"] == LOCAL_CRITERIA
    assert seen["criteria"] == ["AGENCIES_WORKING_TOGETHER", "MORE_THAN_ONE_AREA", "IMPROVEMENTS_NEEDED"]


LOCAL_CRITERIA_NAMES = ["IMPROVEMENTS_NEEDED", "RECURRENT_THEMES", "AGENCIES_WORKING_TOGETHER",
                        "PANEL_CONSIDERS_LOCAL_REVIEW"]
DECISIONS = ["NATIONAL_REVIEW", "AGREES_WITH_PARTNERS", "LOCAL_REVIEW_MORE_APPROPRIATE"]


@pytest.mark.rule("panel-response-criteria")
@pytest.mark.parametrize("outcome", DECISIONS)
async def test_para_22_regulation_3_every_panel_decision_answers_each_criterion(api: Api, outcome: str) -> None:
    # given a rapid review with the Panel
    review = await submitted(api)
    before = await read_review(api, review, as_=("PANEL", "panel"))

    # when the Panel decides without answering the criteria, one problem per criterion and nothing changes
    bare = await api(RESPOND, {"r": review["id"], "i": {"outcome": outcome, "rationale": "Decided."}},
                     as_=("PANEL", "panel"))
    errors = bare["data"]["respondToRapidReview"]["errors"]
    assert [(e["code"], e["field"]) for e in errors] == [
        ("CRITERION_NOT_ADDRESSED", ["input", "criteriaConsidered"])] * 3
    assert ["LEGISLATION_OR_GUIDANCE_CHANGE" in e["message"] for e in errors] == [False, True, False]
    partial = panel_decision(outcome, "Decided.", criteriaConsidered=NATIONAL_CRITERIA[:2])
    one = await api(RESPOND, {"r": review["id"], "i": partial}, as_=("PANEL", "panel"))
    errors = one["data"]["respondToRapidReview"]["errors"]
    assert [(e["code"], "(RECURRENT_THEMES)" in e["message"]) for e in errors] == [("CRITERION_NOT_ADDRESSED", True)]
    assert await read_review(api, review, as_=("PANEL", "panel")) == before
    sos = (await api(INBOX, {"f": {"eventTypes": ["panel.responded"]}}, as_=("DFE", "dfe")))["data"]["inbox"]["nodes"]
    assert sos == []

    # then, every criterion answered, the decision is accepted and its answers are read by the partners
    done = await api(RESPOND, {"r": review["id"], "i": panel_decision(outcome, "Decided.")}, as_=("PANEL", "panel"))
    assert codes(done, "respondToRapidReview") == []
    response = (await read_review(api, review, as_=(MET, "police")))["panelResponses"][0]
    assert (response["outcome"], response["criteriaConsidered"]) == (outcome, NATIONAL_CRITERIA)
    assert response["criteria"] == ["IMPROVEMENTS_NEEDED", "RECURRENT_THEMES"]


@pytest.mark.rule("panel-response-criteria")
async def test_para_25_asking_for_further_information_decides_nothing_so_needs_no_criteria(api: Api) -> None:
    review = await submitted(api)
    ask = {"outcome": "FURTHER_INFORMATION_REQUIRED", "rationale": "More.", "questions": ["Why?"],
           "informationDueOn": "2027-01-08"}
    body = await api(RESPOND, {"r": review["id"], "i": ask}, as_=("PANEL", "panel"))
    assert codes(body, "respondToRapidReview") == []
    assert body["data"]["respondToRapidReview"]["rapidReview"]["panelResponses"][0]["criteriaConsidered"] == []


@pytest.mark.rule("rapid-review-partners-agree")
async def test_paras_15_16_the_submission_needs_each_partners_sign_off_or_the_reason_it_is_missing(api: Api) -> None:
    # given a rapid review all three partners contributed to, which nobody has signed off
    review = await contributed_by_all(api)
    health = await icb(api)
    before = await read_review(api, review)

    # when the lead submits, each of the police and health partners is missing
    refused = await api(SUBMIT, {"r": review["id"], "i": SUBMISSION}, as_=(CAMDEN, "la"))
    errors = refused["data"]["submitRapidReview"]["errors"]
    assert [(e["code"], e["field"]) for e in errors] == [("SIGN_OFF_MISSING", ["input", "missingSignOffs"])] * 2
    assert sorted(code for e in errors for code in (MET, health) if code in e["message"]) == sorted([MET, health])
    assert await read_review(api, review) == before

    # and when the police agree but health signs off another recommendation, health disagrees
    await api(AGREE, {"r": review["id"], "i": {"recommendation": SUBMISSION["recommendation"]}}, as_=(MET, "police"))
    await api(AGREE, {"r": review["id"], "i": {"recommendation": "NO_LOCAL_REVIEW"}}, as_=(health, "health"))
    differs = await api(SUBMIT, {"r": review["id"], "i": SUBMISSION}, as_=(CAMDEN, "la"))
    errors = differs["data"]["submitRapidReview"]["errors"]
    assert [e["code"] for e in errors] == ["PARTNER_DISAGREES"] and health in errors[0]["message"]
    stranger = {**SUBMISSION, "missingSignOffs": [{"organisationCode": ISLINGTON, "reason": "Invented."},
                                                  {"organisationCode": health, "reason": " "}]}
    assert codes(await api(SUBMIT, {"r": review["id"], "i": stranger}, as_=(CAMDEN, "la")), "submitRapidReview") == [
        "NOT_A_PARTNER", "REQUIRED", "PARTNER_DISAGREES"]

    # then the lead records why health's agreement is missing, and the submission is accepted
    reason = "The ICB considers no local review is needed; escalated to the partnership's executive."
    explained = {**SUBMISSION, "missingSignOffs": [{"organisationCode": health, "reason": reason}]}
    assert codes(await api(SUBMIT, {"r": review["id"], "i": explained}, as_=(CAMDEN, "la")), "submitRapidReview") == []

    # and whoever reads the rapid review sees who signed off, when, and the reason one is missing
    for who in [(MET, "police"), ("PANEL", "panel")]:
        sign_offs = {s["organisation"]["code"]: s for s in (await read_review(api, review, as_=who))["signOffs"]}
        assert sorted(sign_offs) == sorted([CAMDEN, MET, health])
        assert [sign_offs[c]["recommendation"] for c in (CAMDEN, MET)] == [SUBMISSION["recommendation"]] * 2
        assert all(sign_offs[c]["signedOffAt"] and sign_offs[c]["missingReason"] is None for c in (CAMDEN, MET))
        assert (sign_offs[health]["recommendation"], sign_offs[health]["missingReason"]) == ("NO_LOCAL_REVIEW", reason)


@pytest.mark.rule("rapid-review-sign-off")
async def test_paras_15_16_only_the_lead_partners_sign_off_and_only_while_it_is_written(api: Api) -> None:
    # given a case involving Birmingham's partnership too, whose rapid review Camden leads
    review = await started(api, otherAreaCodes=[BIRMINGHAM])
    west_midlands = next(c for c in await area_members(api, BIRMINGHAM) if c.startswith("E23"))
    agree = {"recommendation": "LOCAL_REVIEW"}

    # when an involved partnership's police force signs off, it is refused: the decision is the lead's partners'
    involved = await api(AGREE, {"r": review["id"], "i": agree}, as_=(west_midlands, "police"))
    assert [e["extensions"]["code"] for e in involved["errors"]] == ["FORBIDDEN"]

    # and a partner that signs off again replaces its sign-off
    await api(AGREE, {"r": review["id"], "i": agree}, as_=(MET, "police"))
    again = await api(AGREE, {"r": review["id"], "i": {"recommendation": "NO_LOCAL_REVIEW"}}, as_=(MET, "police"))
    sign_offs = again["data"]["agreeRapidReview"]["rapidReview"]["signOffs"]
    assert [(s["organisation"]["code"], s["recommendation"]) for s in sign_offs] == [(MET, "NO_LOCAL_REVIEW")]
    events = await api("query($c: ID!) { case(id: $c) { events { eventType } } }", {"c": review["caseId"]},
                       as_=(MET, "police"))
    assert [e["eventType"] for e in events["data"]["case"]["events"]].count("rapid_review.agreed") == 2

    # then, once submitted, nobody signs off any more
    for who in [(CAMDEN, "la"), (MET, "police"), (await icb(api), "health")]:
        await api(CONTRIBUTE, {"r": review["id"], "i": {"summary": "Facts."}}, as_=who)
    await signed_off(api, review["id"], "LOCAL_REVIEW")
    local = {**SUBMISSION, "recommendation": "LOCAL_REVIEW"}
    assert codes(await api(SUBMIT, {"r": review["id"], "i": local}, as_=(CAMDEN, "la")), "submitRapidReview") == []
    late = await api(AGREE, {"r": review["id"], "i": agree}, as_=(MET, "police"))
    assert codes(late, "agreeRapidReview") == ["ALREADY_SUBMITTED"]


@pytest.mark.rule("rapid-review-start")
async def test_paras_13_20_a_looked_after_childs_death_not_notified_to_the_panel_has_no_rapid_review(api: Api) -> None:
    # given a looked-after child's death with no abuse or neglect suspected: para 13 only, not to the Panel
    died = {"child": {"sex": "FEMALE", "lookedAfter": True, "onChildProtectionPlan": False},
            "diedOn": "2026-12-20", "awareOn": "2026-12-22", "abuseOrNeglect": "NOT_SUSPECTED",
            "summary": "Died of a long-standing illness."}
    made = await api(LOOKED_AFTER, {"input": died}, as_=(CAMDEN, "la"))
    case_id = made["data"]["notifyLookedAfterChildDeath"]["case"]["id"]
    # when the local authority starts a rapid review, it is refused: there is nothing for the Panel to decide
    body = await api(START, {"c": case_id}, as_=(CAMDEN, "la"))
    assert codes(body, "startRapidReview") == ["NOT_NOTIFIED_TO_PANEL"]
    assert body["data"]["startRapidReview"]["rapidReview"] is None
