"""An invented integrated care board's FHIR R4 server: Task and QuestionnaireResponse, nothing more.

``POST /Task`` (conditional on ``If-None-Exist``), ``GET /Task/{id}``, ``GET /QuestionnaireResponse/{id}``,
``GET /metadata``; a static bearer token. The ICB answers by completing a Task (``complete``), or
with a QuestionnaireResponse (``complete_with_questionnaire``); ``notify`` plays its FHIR
Subscription, posting a rest-hook notification to the hub.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

import httpx2
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

FHIR_JSON = "application/fhir+json"


@dataclass
class FhirServer:
    token: str = field(default_factory=lambda: "invented-fhir-token-" + secrets.token_hex(8))
    tasks: dict[str, dict[str, Any]] = field(default_factory=dict)
    responses: dict[str, dict[str, Any]] = field(default_factory=dict)
    wrong_resource: bool = False  # answer with an OperationOutcome where a Task belongs
    posts: int = 0
    next_id: str | None = None  # the id the next Task is given (a broken server's, say)
    minimal: bool = False  # ignore Prefer: return=representation, answering 201 with a Location only
    url: str = ""

    def app(self) -> Starlette:
        return Starlette(routes=[
            Route("/metadata", self.metadata, methods=["GET"]),
            Route("/Task", self.create_task, methods=["POST"]),
            Route("/Task/{id}", self.read_task, methods=["GET"]),
            Route("/Task/{id}", self.patch_task, methods=["PATCH"]),
            Route("/QuestionnaireResponse/{id}", self.read_response, methods=["GET"]),
        ])

    def _authorised(self, request: Request) -> bool:
        return request.headers.get("authorization") == f"Bearer {self.token}"

    def _resource(self, resource: dict[str, Any], status: int = 200, **headers: str) -> Response:
        if self.wrong_resource:
            resource = {"resourceType": "OperationOutcome", "issue": [{"severity": "information", "code": "informational"}]}
        return JSONResponse(resource, status_code=status, media_type=FHIR_JSON, headers=headers or None)

    async def metadata(self, request: Request) -> Response:
        return self._resource({"resourceType": "CapabilityStatement", "status": "active", "fhirVersion": "4.0.1",
                               "kind": "instance", "format": ["json"]})

    async def create_task(self, request: Request) -> Response:
        if not self._authorised(request):
            return JSONResponse({"resourceType": "OperationOutcome"}, status_code=401, media_type=FHIR_JSON)
        self.posts += 1
        task = await request.json()
        if task.get("resourceType") != "Task":
            return JSONResponse({"resourceType": "OperationOutcome"}, status_code=422, media_type=FHIR_JSON)
        wanted = request.headers.get("if-none-exist", "").partition("|")[2]
        existing = next((t for t in self.tasks.values() if t["identifier"][0]["value"] == wanted), None)
        if existing is not None:
            return self._resource(existing, 200)
        task_id, self.next_id = self.next_id or str(len(self.tasks) + 1), None
        task = {**task, "id": task_id, "meta": {"versionId": "1"}}
        self.tasks[task_id] = task
        if self.minimal:
            return Response(status_code=201, headers={"location": f"{self.url}/Task/{task_id}/_history/1"})
        where = {"location": f"{self.url}/Task/{task_id}/_history/1"} if task_id.isprintable() else {}
        return self._resource(task, 201, **where)

    async def read_task(self, request: Request) -> Response:
        if not self._authorised(request):
            return JSONResponse({"resourceType": "OperationOutcome"}, status_code=401, media_type=FHIR_JSON)
        task = self.tasks.get(request.path_params["id"])
        return self._resource(task) if task else JSONResponse({"resourceType": "OperationOutcome"}, status_code=404)

    async def patch_task(self, request: Request) -> Response:
        """JSON Patch, as far as the hub uses it: replacing the Task's status."""
        if not self._authorised(request):
            return JSONResponse({"resourceType": "OperationOutcome"}, status_code=401, media_type=FHIR_JSON)
        task_id = request.path_params["id"]
        if task_id not in self.tasks:
            return JSONResponse({"resourceType": "OperationOutcome"}, status_code=404, media_type=FHIR_JSON)
        if request.headers.get("content-type") != "application/json-patch+json":
            return JSONResponse({"resourceType": "OperationOutcome"}, status_code=415, media_type=FHIR_JSON)
        changes = {op["path"].lstrip("/"): op["value"] for op in await request.json() if op.get("op") == "replace"}
        return self._resource(self._update(task_id, **changes))

    async def read_response(self, request: Request) -> Response:
        if not self._authorised(request):
            return JSONResponse({"resourceType": "OperationOutcome"}, status_code=401, media_type=FHIR_JSON)
        found = self.responses.get(request.path_params["id"])
        return self._resource(found) if found else JSONResponse({"resourceType": "OperationOutcome"}, status_code=404)

    def only_task(self) -> dict[str, Any]:
        (task,) = self.tasks.values()
        return task

    def _update(self, task_id: str, **changes: Any) -> dict[str, Any]:
        task = self.tasks[task_id]
        version = str(int(task["meta"]["versionId"]) + 1)
        task.update(changes, meta={"versionId": version})
        return task

    def complete(self, task_id: str, answer: str) -> dict[str, Any]:
        return self._update(task_id, status="completed",
                            output=[{"type": {"text": "answer"}, "valueString": answer}])

    def complete_with_questionnaire(self, task_id: str, answers: dict[str, str]) -> dict[str, Any]:
        response_id = f"qr-{task_id}"
        self.responses[response_id] = {
            "resourceType": "QuestionnaireResponse", "id": response_id, "status": "completed",
            "item": [{"linkId": str(i), "text": q, "answer": [{"valueString": a}]}
                     for i, (q, a) in enumerate(answers.items(), 1)]}
        return self._update(task_id, status="completed", output=[
            {"type": {"text": "answer"}, "valueReference": {"reference": f"QuestionnaireResponse/{response_id}"}}])

    def reject(self, task_id: str) -> dict[str, Any]:
        return self._update(task_id, status="rejected")

    async def notify(self, callback_url: str, callback_token: str, resource: dict[str, Any] | None) -> httpx2.Response:
        """A rest-hook notification of the ICB's Subscription: the resource, or an empty body."""
        content = b"" if resource is None else httpx2.Request("POST", "/", json=resource).content
        async with httpx2.AsyncClient() as client:
            return await client.post(callback_url, content=content, headers={
                "content-type": FHIR_JSON, "authorization": f"Bearer {callback_token}"})
