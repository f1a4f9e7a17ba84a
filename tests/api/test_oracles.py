"""No oracles: an id the caller may not see is answered exactly as an id that does not exist.

For every mutation that takes an id, a real id of a case led by another area (or of something on it) and a
random id get the same answer: the same error code, field path and message, and nothing else that differs.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest

from tests.api.reviews import (
    DELAY,
    PUBLISH,
    REMOVE,
    REPORT,
    SCHEDULE,
    SUBMIT_REPORT,
    SUPERVISE,
    UPDATE,
    WITHHOLD,
    local_review,
    reported,
)
from tests.api.test_case_record import FAMILY, PROCEEDING, REQUEST
from tests.api.test_handoff import ACCEPT, DECLINE, HAND_OFF
from tests.api.test_inbox import ACK
from tests.api.test_notification import BIRMINGHAM, CAMDEN, ISLINGTON
from tests.api.test_rapid_review import (
    AGREE,
    ANSWER,
    CONTRIBUTE,
    INVITE,
    START,
    SUBMISSION,
    SUBMIT,
    icb,
    notified_case,
    started,
)
from tests.api.test_review_statement import COMMENT, NEW_INFORMATION, SHARE
from tests.api.test_withdrawal import WITHDRAW
from tests.conftest import Api

ISLINGTON_LA = (ISLINGTON, "la")
ROTATE = """mutation($s: ID!) { rotateWebhookSecret(id: $s) { subscription { id } secret errors { code field message } } }"""
DELETE = """mutation($s: ID!) { deleteWebhookSubscription(id: $s) { subscription { id } errors { code field message } } }"""
CREATE_HOOK = """mutation($i: WebhookSubscriptionInput!) { createWebhookSubscription(input: $i) {
  subscription { id } errors { code } } }"""
COMMISSION = """mutation($c: ID!, $i: CommissionReviewInput!) { commissionReview(caseId: $c, input: $i) {
  review { id } errors { code field message } } }"""
REVIEWER = {"name": "Dr Invented Reviewer"}
CASE = "query($c: ID!) { case(id: $c) { id reference } }"
ACCESS_LOG = "query($c: ID!) { caseAccessLog(caseId: $c) { action } }"
ENTITY = """query($r: [_Any!]!) {{ _entities(representations: $r) {{ ... on {kind} {{ id }} }} }}"""

Subject = Callable[[Api], Awaitable[str]]


async def rapid_review(api: Api) -> str:
    """A rapid review being written by Camden (paras 20-21)."""
    return str((await started(api))["id"])


async def case(api: Api) -> str:
    return await notified_case(api)


async def information_request(api: Api) -> str:
    """The Panel asks Camden's health partner about a Camden case (para 25)."""
    case_id = await notified_case(api)
    body = await api(REQUEST, {"i": {"caseId": case_id, "questions": ["Was the child known to health visiting?"],
                                     "dueOn": "2026-12-24", "fromOrganisationCodes": [await icb(api)]}},
                     as_=("PANEL", "panel"))
    return str(body["data"]["requestInformation"]["informationRequest"]["id"])


async def handoff(api: Api) -> str:
    """Camden proposes to hand a case to Birmingham (para 12, footnote 77)."""
    case_id = await notified_case(api)
    body = await api(HAND_OFF, {"c": case_id, "i": {"toLocalAuthorityCode": BIRMINGHAM, "reason": "Moved."}},
                     as_=(CAMDEN, "la"))
    return str(body["data"]["handOffCase"]["handoff"]["id"])


async def review(api: Api) -> str:
    """A local child safeguarding practice review commissioned by Camden's partners (paras 36-40)."""
    return str((await local_review(api))["id"])


async def published_review(api: Api) -> str:
    return str((await reported(api))["id"])


async def recommendation(api: Api) -> str:
    return str((await reported(api))["recommendations"][0]["id"])


async def message(api: Api) -> str:
    """A message routed to the Panel about a Camden case."""
    await notified_case(api)
    return str((await api("{ inbox { nodes { id } } }", as_=("PANEL", "panel")))["data"]["inbox"]["nodes"][0]["id"])


async def webhook(api: Api) -> str:
    body = await api(CREATE_HOOK, {"i": {"url": "http://127.0.0.1:9/camden",
                                         "eventTypes": ["notification.submitted"]}}, as_=(CAMDEN, "la"))
    return str(body["data"]["createWebhookSubscription"]["subscription"]["id"])


async def birmingham_icb(api: Api) -> tuple[str, str]:
    return await icb(api, BIRMINGHAM), "health"


@dataclass(frozen=True)
class Probe:
    mutation: str
    subject: Subject
    document: str
    variables: Callable[[str], dict[str, Any]]
    caller: tuple[str, str] | Callable[[Api], Awaitable[tuple[str, str]]] = ISLINGTON_LA
    query: bool = False  # a query answers null or nothing rather than refusing


def _record(kind: str) -> dict[str, Any]:
    return {"decision": "NO_LOCAL_REVIEW", "method": "MEETING", "communicatedOn": "2026-12-22"} if kind == "family" \
        else {"kind": "CRIMINAL_INVESTIGATION", "reference": "OP-INVENTED-1", "startedOn": "2026-12-21"}


PROBES = [
    Probe("startRapidReview", case, START, lambda i: {"c": i}),
    Probe("inviteToRapidReview", rapid_review, INVITE, lambda i: {"r": i, "o": BIRMINGHAM}),
    Probe("contributeToRapidReview", rapid_review, CONTRIBUTE, lambda i: {"r": i, "i": {"summary": "Facts."}}),
    Probe("agreeRapidReview", rapid_review, AGREE, lambda i: {"r": i, "i": {"recommendation": "LOCAL_REVIEW"}},
          birmingham_icb),
    Probe("submitRapidReview", rapid_review, SUBMIT, lambda i: {"r": i, "i": SUBMISSION}),
    Probe("respondToInformationRequest", information_request, ANSWER, lambda i: {"q": i, "a": "Yes."}, birmingham_icb),
    Probe("requestInformation", case, REQUEST, lambda i: {"i": {"caseId": i, "questions": ["Known to schools?"],
                                                               "dueOn": "2026-12-24", "fromOrganisationCodes": []}}),
    Probe("recordFamilyCommunication", case, FAMILY, lambda i: {"c": i, "i": _record("family")}),
    Probe("linkParallelProceeding", case, PROCEEDING, lambda i: {"c": i, "i": _record("proceeding")}),
    Probe("handOffCase", case, HAND_OFF, lambda i: {"c": i, "i": {"toLocalAuthorityCode": BIRMINGHAM, "reason": "x"}}),
    Probe("acceptCaseHandoff", handoff, ACCEPT, lambda i: {"h": i}),
    Probe("declineCaseHandoff", handoff, DECLINE, lambda i: {"h": i, "r": "Not ours."}),
    Probe("withdrawNotification", case, WITHDRAW, lambda i: {"c": i, "why": "Not serious harm."}),
    Probe("commissionReview", case, COMMISSION, lambda i: {"c": i, "i": {"kind": "LOCAL", "reviewers": [REVIEWER]}}),
    Probe("recordReviewSupervision", review, SUPERVISE, lambda i: {"r": i, "i": {"kind": "PROGRESS_NOTE", "note": "x"}}),
    Probe("submitFinalReport", review, SUBMIT_REPORT, lambda i: {"r": i, "i": REPORT}),
    Probe("schedulePublication", published_review, SCHEDULE, lambda i: {"r": i, "d": "2027-03-01"}),
    Probe("publishReport", published_review, PUBLISH, lambda i: {"r": i, "i": {"publishedOn": "2026-12-22"}}),
    Probe("withholdPublication", published_review, WITHHOLD, lambda i: {"r": i, "i": {
        "justification": "Risk to siblings.", "improvementsInformation": "Shared records.", "publishOn": "2027-03-01"}}),
    Probe("recordPublicationDelay", published_review, DELAY, lambda i: {"r": i, "i": {"reason": "Trial."}}),
    Probe("removePublishedReport", published_review, REMOVE, lambda i: {"r": i, "why": "Expired."}),
    Probe("updateRecommendation", recommendation, UPDATE, lambda i: {"r": i, "i": {"status": "IN_PROGRESS",
                                                                                  "progress": "Started."}}),
    Probe("reportNewInformation", review, NEW_INFORMATION, lambda i: {"r": i, "i": {"information": "A new fact."}}),
    Probe("shareReviewLearning", published_review, SHARE, lambda i: {"r": i, "i": {"learning": "Share records."}}),
    Probe("commentOnPublication", published_review, COMMENT, lambda i: {"r": i, "i": {"subject": "DELAY",
                                                                                     "comment": "Why?"}}),
    Probe("acknowledgeMessage", message, ACK, lambda i: {"id": i}),
    Probe("rotateWebhookSecret", webhook, ROTATE, lambda i: {"s": i}),
    Probe("deleteWebhookSubscription", webhook, DELETE, lambda i: {"s": i}),
    Probe("case", case, CASE, lambda i: {"c": i}, query=True),
    Probe("caseAccessLog", case, ACCESS_LOG, lambda i: {"c": i}),
    Probe("_entities Case", case, ENTITY.format(kind="Case"),
          lambda i: {"r": [{"__typename": "Case", "id": i}]}, query=True),
    Probe("_entities RapidReview", rapid_review, ENTITY.format(kind="RapidReview"),
          lambda i: {"r": [{"__typename": "RapidReview", "id": i}]}, query=True),
    Probe("_entities PracticeReview", review, ENTITY.format(kind="PracticeReview"),
          lambda i: {"r": [{"__typename": "PracticeReview", "id": i}]}, query=True),
]


def answer(body: dict[str, Any]) -> dict[str, Any]:
    """The whole answer, less where in the document an error was raised (the same document either way)."""
    return {**body, "errors": [{k: v for k, v in e.items() if k != "locations"} for e in body.get("errors", [])]}


@pytest.mark.parametrize("probe", PROBES, ids=[p.mutation for p in PROBES])
async def test_an_id_the_caller_may_not_see_is_answered_as_one_that_does_not_exist(api: Api, probe: Probe) -> None:
    # given something of a Camden case, and a caller of another area who may not see it
    real = await probe.subject(api)
    caller = probe.caller if isinstance(probe.caller, tuple) else await probe.caller(api)
    # when that caller names it, and then names an id that does not exist
    seen = answer(await api(probe.document, probe.variables(real), as_=caller))
    unknown = answer(await api(probe.document, probe.variables(str(uuid.uuid4())), as_=caller))
    # then the two answers are the same, word for word
    assert seen == unknown
    if not probe.query:
        assert seen["errors"] or seen["data"][probe.mutation]["errors"], seen
