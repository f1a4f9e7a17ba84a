"""The FHIR R4 connector for health: an information request becomes a ``Task`` on the ICB's FHIR server.

The Task carries the questions as ``input``, the Panel (or partner) asking as ``requester``, the
ICB as ``owner``, the due date as ``restriction.period.end``, and the hub's request id as its
``identifier``. The ICB answers by completing the Task with ``output`` (``valueString``, or a
``valueReference`` to a ``QuestionnaireResponse``). The hub polls open Tasks, and a FHIR
Subscription (rest-hook) may tell it sooner: its notification, posted to the connector's callback
with the connector's callback token in the header, carries the Task or nothing, and either way the
answer is taken (``answer_in_task``) or the Task polled at once.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx2

from connectors.framework import AgencyClient, Target, failed, judged, register
from hub.connector import ConnectorKind
from hub.connector_outbox import DECLINED_TASK_STATUSES, Claimed, Outcome
from hub.statute import cite

FHIR_JSON = "application/fhir+json"
REQUEST_SYSTEM = "urn:cspr-hub:information-request"  # the hub's request id
CASE_SYSTEM = "urn:cspr-hub:case-reference"
ORGANISATION_SYSTEM = "urn:cspr-hub:organisation-code"  # ONS GSS codes, or PANEL
FHIR_ID = r"[A-Za-z0-9\-.]{1,64}"  # FHIR R4's id datatype
TASK_REFERENCE = re.compile(f"Task/({FHIR_ID})")
RESPONSE_REFERENCE = re.compile(f"QuestionnaireResponse/{FHIR_ID}")
LOCATION = re.compile(f"(?:.*/)?Task/({FHIR_ID})(?:/_history/{FHIR_ID})?/?")


def is_fhir_id(value: Any) -> bool:
    return isinstance(value, str) and re.fullmatch(FHIR_ID, value) is not None


def task_reference(value: Any) -> str | None:
    """``Task/{id}``, as the hub reads it back; anything else (a path, a URL, a query) is not used."""
    return value if isinstance(value, str) and TASK_REFERENCE.fullmatch(value) else None


def task_of_location(location: str | None) -> str | None:
    """The Task's reference from a ``Location`` header (``{base}/Task/{id}/_history/{vid}``)."""
    found = LOCATION.fullmatch(location.strip()) if location else None
    return f"Task/{found.group(1)}" if found else None


def task_for(claimed: Claimed) -> dict[str, Any]:
    request = claimed.request
    return {
        "resourceType": "Task",
        "identifier": [{"system": REQUEST_SYSTEM, "value": request.id}],
        "groupIdentifier": {"system": CASE_SYSTEM, "value": claimed.case.reference},
        "status": "requested", "intent": "order", "priority": "urgent",
        "code": {"text": "Further information request, child safeguarding practice review"},
        "description": f"Further information asked for in writing ({cite('paras 24, 35')})",
        "authoredOn": request.created_at.isoformat(),
        "requester": {"identifier": {"system": ORGANISATION_SYSTEM, "value": claimed.requester.code},
                      "display": claimed.requester.name},
        "owner": {"identifier": {"system": ORGANISATION_SYSTEM, "value": claimed.owner.code},
                  "display": claimed.owner.name},
        "restriction": {"period": {"end": request.due_on.isoformat()}},
        "input": [{"type": {"text": "question"}, "valueString": q} for q in request.questions],
    }


@dataclass(frozen=True)
class TaskState:
    """What a Task says: the request it answers, its reference, and its answer if it has one in itself."""

    request_id: str | None
    reference: str | None
    answer: str | None
    answer_id: str | None
    questionnaire_response: str | None  # a reference to fetch the answer from
    declined: bool


def read_task(task: Any) -> TaskState | str:
    """A Task's state, or why the resource is not a Task the hub can read."""
    if not isinstance(task, dict) or task.get("resourceType") != "Task":
        kind = task.get("resourceType") if isinstance(task, dict) else None
        return f"expected a FHIR Task, got {kind if isinstance(kind, str) else 'something else'}"[:120]
    if "id" in task and not is_fhir_id(task["id"]):
        return "the Task's id is not a FHIR id (1 to 64 letters, digits, '-' or '.')"
    reference = f"Task/{task['id']}" if "id" in task else None
    request_id = next((i.get("value") for i in _list(task.get("identifier"))
                       if isinstance(i, dict) and i.get("system") == REQUEST_SYSTEM), None)
    texts, questionnaire = [], None
    for output in _list(task.get("output")):
        if isinstance(output, dict) and isinstance(output.get("valueString"), str):
            texts.append(output["valueString"])
        elif isinstance(output, dict) and isinstance(output.get("valueReference"), dict):
            questionnaire = output["valueReference"].get("reference")
    completed = task.get("status") == "completed"
    if completed and not texts and questionnaire is not None and not (
            isinstance(questionnaire, str) and RESPONSE_REFERENCE.fullmatch(questionnaire)):
        return "the Task's output is not a QuestionnaireResponse/{id} reference"
    return TaskState(
        request_id=request_id if isinstance(request_id, str) else None, reference=reference,
        answer="\n\n".join(texts) if completed and texts else None,
        answer_id=reference if completed and texts else None,
        questionnaire_response=questionnaire if completed and not texts and isinstance(questionnaire, str) else None,
        declined=task.get("status") in DECLINED_TASK_STATUSES)


def answers_in(questionnaire_response: Any) -> str | None:
    """The answers of a QuestionnaireResponse, question by question, as text."""
    if not isinstance(questionnaire_response, dict) or questionnaire_response.get("resourceType") != "QuestionnaireResponse":
        return None
    lines = []
    for item in _items(questionnaire_response.get("item")):
        values = [str(a.get("valueString") or a.get("valueBoolean") or a.get("valueDate") or "")
                  for a in _list(item.get("answer")) if isinstance(a, dict)]
        if any(values):
            label = item.get("text") or item.get("linkId") or ""
            lines.append(f"{label}: {'; '.join(v for v in values if v)}" if label else "; ".join(values))
    return "\n".join(lines) or None


def _list(value: Any) -> list[Any]:
    """A FHIR array, or nothing when the element is not one (a hostile or broken resource)."""
    return value if isinstance(value, list) else []


def _items(items: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict):
            found.append(item)
            found += _items(item.get("item"))
    return found


class FhirConnector:
    def __init__(self, target: Target, client: AgencyClient) -> None:
        self.base = target.config.base_url.rstrip("/")
        self.client = client

    async def _read(self, path: str) -> tuple[httpx2.Response, Any]:
        response = await self.client.request("GET", f"{self.base}/{path}", headers={"accept": FHIR_JSON})
        try:
            return response, response.json() if response.is_success else None
        except ValueError:
            return response, ValueError

    async def send_information_request(self, claimed: Claimed, *, callback_url: str) -> Outcome:
        started = time.monotonic()
        response = await self.client.request("POST", f"{self.base}/Task", json=task_for(claimed), headers={
            "content-type": FHIR_JSON, "accept": FHIR_JSON, "prefer": "return=representation",
            "if-none-exist": f"identifier={REQUEST_SYSTEM}|{claimed.request.id}"})
        outcome = judged(response, started, datetime.now(UTC))
        if not outcome.ok:
            return outcome
        if not response.content.strip():  # a server that ignores Prefer: return=representation says where it is
            reference = task_of_location(response.headers.get("location"))
            if reference is None:
                return failed(started, "the Task came back without a body or a Location of Task/{id}",
                              status_code=response.status_code)
            return Outcome(True, response.status_code, outcome.duration_ms, external_ref=reference, polls=True)
        try:
            state = read_task(response.json())
        except ValueError:
            return failed(started, "malformed JSON in the response", status_code=response.status_code)
        if isinstance(state, str) or state.reference is None:
            return failed(started, state if isinstance(state, str) else "the Task came back without an id",
                          status_code=response.status_code)
        return Outcome(True, response.status_code, outcome.duration_ms, external_ref=state.reference, polls=True)

    async def withdraw_information_request(self, claimed: Claimed) -> Outcome:
        """The Task is cancelled (FHIR R4 Task.status ``cancelled``) with a JSON Patch; 404 or 410: it is gone."""
        started = time.monotonic()
        reference = task_reference(claimed.call.external_ref)
        if reference is None:
            return failed(started, "the call's reference is not Task/{id}", permanent=True)
        patch = json.dumps([{"op": "replace", "path": "/status", "value": "cancelled"}])
        response = await self.client.request("PATCH", f"{self.base}/{reference}", content=patch.encode(), headers={
            "content-type": "application/json-patch+json", "accept": FHIR_JSON})
        if response.status_code in (404, 410):
            return Outcome(True, response.status_code, int((time.monotonic() - started) * 1000))
        return judged(response, started, datetime.now(UTC))

    async def fetch_answer(self, claimed: Claimed) -> Outcome:
        started = time.monotonic()
        reference = task_reference(claimed.call.external_ref)
        if reference is None:
            return failed(started, "the call's reference is not Task/{id}", permanent=True)
        response, task = await self._read(reference)
        outcome = judged(response, started, datetime.now(UTC))
        if not outcome.ok:
            return outcome
        state = read_task(task) if task is not ValueError else "malformed JSON in the response"
        if isinstance(state, str):
            return failed(started, state, status_code=response.status_code)
        if state.request_id != claimed.request.id:
            return failed(started, "the Task's identifier does not name this request", status_code=response.status_code)
        if state.questionnaire_response is not None:
            return await self._questionnaire(state, started)
        return Outcome(True, response.status_code, outcome.duration_ms, answer=state.answer, answer_id=state.answer_id,
                       rejected=state.declined)

    async def _questionnaire(self, state: TaskState, started: float) -> Outcome:
        response, resource = await self._read(state.questionnaire_response or "")
        outcome = judged(response, started, datetime.now(UTC))
        if not outcome.ok:
            return outcome
        answer = answers_in(resource) if resource is not ValueError else None
        if answer is None:
            return failed(started, "expected a QuestionnaireResponse with answers", status_code=response.status_code)
        return Outcome(True, response.status_code, outcome.duration_ms, answer=answer,
                       answer_id=state.questionnaire_response)

    async def check(self) -> Outcome:
        started = time.monotonic()
        response, statement = await self._read("metadata")
        outcome = judged(response, started, datetime.now(UTC))
        if outcome.ok and not (isinstance(statement, dict) and statement.get("resourceType") == "CapabilityStatement"):
            return failed(started, "expected a CapabilityStatement at /metadata", status_code=response.status_code)
        return outcome


@register(ConnectorKind.FHIR)
def _make(target: Target, client: AgencyClient) -> FhirConnector:
    return FhirConnector(target, client)
