"""The generic REST connector: the hub's own versioned JSON payloads, over HTTPS, to an agency's API.

The agency's API (its side of the contract, see the README):

* ``POST {baseUrl}/information-requests``, ``application/vnd.cspr-hub.information-request.v1+json``,
  with ``Idempotency-Key`` (the same on every retry): 2xx or 409 (already received) takes it; the
  JSON answered may carry ``{"reference": "..."}``, the agency's own id for it.
* ``POST {baseUrl}/messages``, ``application/vnd.cspr-hub.routed-message.v1+json``: a routed message.
* ``GET {baseUrl}/case-summaries/{caseReference}``, answering ``application/vnd.cspr-hub.case-summary.v1+json``.
* ``GET {baseUrl}/``: any 2xx shows the system reachable and our token accepted (``connectors test``).

The answer comes back to ``POST /connectors/{connectorId}/callback`` as
``application/vnd.cspr-hub.information-answer.v1+json``, signed as Standard Webhooks (``parse_answer``).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import httpx2

from connectors.framework import (
    AgencyClient,
    CaseSummary,
    RoutedMessageOut,
    Target,
    failed,
    judged,
    register,
)
from hub.connector import ConnectorKind
from hub.connector_outbox import Claimed, Outcome
from hub.statute import cite

INFORMATION_REQUEST = "application/vnd.cspr-hub.information-request.v1+json"
INFORMATION_ANSWER = "application/vnd.cspr-hub.information-answer.v1+json"
ROUTED_MESSAGE = "application/vnd.cspr-hub.routed-message.v1+json"
CASE_SUMMARY = "application/vnd.cspr-hub.case-summary.v1+json"
WITHDRAWAL = "application/vnd.cspr-hub.information-request-withdrawn.v1+json"
MAX_REFERENCE = 200


def information_request_body(claimed: Claimed, *, callback_url: str) -> dict[str, Any]:
    """What the agency's system receives: the questions, the duty and where to answer; no child's details."""
    request, case = claimed.request, claimed.case
    return {
        "id": request.id, "caseId": case.id, "caseReference": case.reference,
        "requestedBy": {"code": claimed.requester.code, "name": claimed.requester.name},
        "addressee": {"code": claimed.owner.code, "name": claimed.owner.name},
        "questions": list(request.questions), "dueOn": request.due_on.isoformat(),
        "askedAt": request.created_at.isoformat(), "basis": cite("paras 24, 35"),
        "answerTo": {"url": callback_url, "mediaType": INFORMATION_ANSWER, "signature": "Standard Webhooks v1"},
    }


class RestConnector:
    def __init__(self, target: Target, client: AgencyClient) -> None:
        self.base = target.config.base_url.rstrip("/")
        self.client = client

    async def send_information_request(self, claimed: Claimed, *, callback_url: str) -> Outcome:
        body = json.dumps(information_request_body(claimed, callback_url=callback_url), separators=(",", ":"))
        started = time.monotonic()
        response = await self.client.request(
            "POST", f"{self.base}/information-requests", content=body.encode(),
            headers={"content-type": INFORMATION_REQUEST, "accept": "application/json",
                     "idempotency-key": claimed.call.id})
        outcome = judged(response, started, datetime.now(UTC))
        if not outcome.ok:
            return outcome
        reference = _reference(response)
        if isinstance(reference, Malformed):
            return failed(started, reference.why, status_code=response.status_code)
        return Outcome(True, response.status_code, outcome.duration_ms, external_ref=reference)

    async def fetch_answer(self, claimed: Claimed) -> Outcome:
        """REST answers are called back, never polled: nothing to do."""
        return Outcome(True, None, 0)

    async def withdraw_information_request(self, claimed: Claimed) -> Outcome:
        """The request needs no answer from the system now; 404 or 410 means it has forgotten it already."""
        body = {"id": claimed.request.id, "requestStatus": claimed.request.status,
                "withdrawnAt": datetime.now(UTC).isoformat()}
        started = time.monotonic()
        response = await self.client.request(
            "POST", f"{self.base}/information-requests/{quote(claimed.request.id, safe='')}/withdrawal",
            json=body, headers={"content-type": WITHDRAWAL, "idempotency-key": claimed.call.id})
        if response.status_code in (404, 410):
            return Outcome(True, response.status_code, int((time.monotonic() - started) * 1000))
        return judged(response, started, datetime.now(UTC))

    async def send_routed_message(self, message: RoutedMessageOut) -> Outcome:
        body = {"id": message.id, "type": message.event_type, "caseId": message.case_id,
                "caseReference": message.case_reference, "subjectId": message.subject_id, "basis": message.basis,
                "dueOn": message.due_on, "routedAt": message.created_at}
        started = time.monotonic()
        response = await self.client.request("POST", f"{self.base}/messages", json=body,
                                             headers={"content-type": ROUTED_MESSAGE, "idempotency-key": message.id})
        return judged(response, started, datetime.now(UTC))

    async def fetch_case_summary(self, case_reference: str) -> CaseSummary | None:
        response = await self.client.request("GET", f"{self.base}/case-summaries/{quote(case_reference, safe='')}",
                                             headers={"accept": CASE_SUMMARY})
        if response.status_code == 404:
            return None
        response.raise_for_status()
        data = response.json()
        return CaseSummary(case_reference=str(data["caseReference"]), summary=str(data["summary"]),
                           updated_at=data.get("updatedAt"))

    async def check(self) -> Outcome:
        started = time.monotonic()
        response = await self.client.request("GET", f"{self.base}/", headers={"accept": "application/json"})
        return judged(response, started, datetime.now(UTC))


@register(ConnectorKind.REST)
def _make(target: Target, client: AgencyClient) -> RestConnector:
    return RestConnector(target, client)


@dataclass(frozen=True)
class Malformed:
    """Why a body could not be read: said to the agency (as 400 or 422) or recorded as the attempt's error."""

    why: str
    status: int = 422


def _reference(response: httpx2.Response) -> str | None | Malformed:
    if not response.content.strip():
        return None
    try:
        data = response.json()
    except ValueError:
        return Malformed("malformed JSON in the response")
    reference = data.get("reference") if isinstance(data, dict) else None
    if reference is not None and (not isinstance(reference, str) or len(reference) > MAX_REFERENCE):
        return Malformed("the response's reference is not a string of at most 200 characters")
    return reference


@dataclass(frozen=True)
class AnswerIn:
    """An answer an agency's system called back with."""

    request_id: str
    answer: str
    answer_id: str | None


def parse_answer(body: bytes) -> AnswerIn | Malformed:
    """``{"type": "information.answered", "requestId": ..., "answer": ..., "answerId": ...}``."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return Malformed("the body is not JSON", status=400)
    if not isinstance(data, dict):
        return Malformed("the body must be a JSON object")
    if data.get("type", "information.answered") != "information.answered":
        return Malformed("type must be information.answered")
    request_id, answer, answer_id = data.get("requestId"), data.get("answer"), data.get("answerId")
    if not isinstance(request_id, str) or not isinstance(answer, str):
        return Malformed("requestId and answer are required strings")
    if answer_id is not None and not isinstance(answer_id, str):
        return Malformed("answerId must be a string")
    return AnswerIn(request_id, answer, answer_id)
