"""An invented council's case system (as Liquidlogic, Mosaic or Eclipse would sit behind an API of its own).

It speaks the hub's REST connector contract: an OAuth2 client-credentials token endpoint of its
own identity provider, ``POST /information-requests`` (v1 media type, deduplicated by
``Idempotency-Key``), ``GET /case-summaries/{ref}``, ``GET /``; and it answers a request by calling
the hub back, signed as Standard Webhooks under the connector's callback secret.
"""

from __future__ import annotations

import asyncio
import base64
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs

import httpx2
from standardwebhooks.webhooks import Webhook
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

REQUEST_MEDIA_TYPE = "application/vnd.cspr-hub.information-request.v1+json"
ANSWER_MEDIA_TYPE = "application/vnd.cspr-hub.information-answer.v1+json"


@dataclass
class CouncilSystem:
    client_id: str = "council-hub-client"
    client_secret: str = field(default_factory=lambda: "invented-secret-" + secrets.token_hex(8))
    statuses: list[int] = field(default_factory=list)  # scripted answers to the next pushes
    delay: float = 0.0  # seconds before answering a push
    token_html: bool = False  # the identity provider answers with a sign-in page where the token's JSON belongs
    issued: set[str] = field(default_factory=set)
    token_requests: int = 0
    received: dict[str, dict[str, Any]] = field(default_factory=dict)  # by Idempotency-Key: each request once
    pushes: list[dict[str, str]] = field(default_factory=list)  # headers of every push, duplicates too
    summaries: dict[str, str] = field(default_factory=dict)
    messages: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # (media type, body)
    withdrawn: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # (media type, body)

    def app(self) -> Starlette:
        return Starlette(routes=[
            Route("/oauth/token", self.token, methods=["POST"]),
            Route("/", self.root, methods=["GET"]),
            Route("/information-requests", self.information_request, methods=["POST"]),
            Route("/case-summaries/{reference}", self.case_summary, methods=["GET"]),
            Route("/messages", self.message, methods=["POST"]),
            Route("/information-requests/{id}/withdrawal", self.withdrawal, methods=["POST"]),
        ])

    async def token(self, request: Request) -> JSONResponse:
        self.token_requests += 1
        if self.token_html:
            return HTMLResponse("<html><body>Sign in to continue</body></html>")
        scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
        given = base64.b64decode(encoded).decode() if scheme.lower() == "basic" else ""
        form = parse_qs((await request.body()).decode())
        if given != f"{self.client_id}:{self.client_secret}" or form.get("grant_type") != ["client_credentials"]:
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        token = "council-access-" + secrets.token_hex(8)
        self.issued.add(token)
        return JSONResponse({"access_token": token, "token_type": "Bearer", "expires_in": 3600})

    def _authorised(self, request: Request) -> bool:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        return scheme.lower() == "bearer" and token in self.issued

    async def root(self, request: Request) -> Response:
        if not self._authorised(request):
            return JSONResponse({"error": "unauthorised"}, status_code=401)
        return JSONResponse({"system": "Invented council case system", "mediaTypes": [REQUEST_MEDIA_TYPE]})

    async def information_request(self, request: Request) -> Response:
        if not self._authorised(request):
            return JSONResponse({"error": "unauthorised"}, status_code=401)
        if request.headers.get("content-type") != REQUEST_MEDIA_TYPE:
            return JSONResponse({"error": "unsupported media type"}, status_code=415)
        self.pushes.append(dict(request.headers))
        await asyncio.sleep(self.delay)
        status = self.statuses.pop(0) if self.statuses else 202
        if status >= 300:
            return Response(status_code=status, headers={"retry-after": "120"} if status == 429 else None)
        key = request.headers["idempotency-key"]
        if key in self.received:
            return JSONResponse({"reference": self.received[key]["reference"]}, status_code=409)
        body = json.loads(await request.body())
        self.received[key] = {**body, "reference": f"LL-{len(self.received) + 1:04d}"}
        return JSONResponse({"reference": self.received[key]["reference"]}, status_code=202)

    async def case_summary(self, request: Request) -> Response:
        if not self._authorised(request):
            return JSONResponse({"error": "unauthorised"}, status_code=401)
        reference = request.path_params["reference"]
        if reference not in self.summaries:
            return JSONResponse({"error": "not found"}, status_code=404)
        return JSONResponse({"caseReference": reference, "summary": self.summaries[reference]},
                            media_type="application/vnd.cspr-hub.case-summary.v1+json")

    async def message(self, request: Request) -> Response:
        if not self._authorised(request):
            return JSONResponse({"error": "unauthorised"}, status_code=401)
        self.messages.append((request.headers["content-type"], json.loads(await request.body())))
        return Response(status_code=204)

    async def withdrawal(self, request: Request) -> Response:
        if not self._authorised(request):
            return JSONResponse({"error": "unauthorised"}, status_code=401)
        self.withdrawn.append((request.headers["content-type"], json.loads(await request.body())))
        return Response(status_code=204)

    def only_request(self) -> dict[str, Any]:
        (body,) = self.received.values()
        return body

    async def answer(self, body: dict[str, Any], text: str, *, callback_secret: str, now: Callable[[], datetime],
                     answer_id: str | None = None, message_id: str | None = None) -> httpx2.Response:
        """Call the hub back, as the request's ``answerTo`` says, signed as Standard Webhooks."""
        payload = json.dumps({"type": "information.answered", "requestId": body["id"], "answer": text,
                              **({"answerId": answer_id} if answer_id else {})})
        message_id = message_id or "msg_" + secrets.token_hex(8)
        at = now()
        signature = Webhook(callback_secret).sign(message_id, at, payload)
        headers = {"content-type": ANSWER_MEDIA_TYPE, "webhook-id": message_id,
                   "webhook-timestamp": str(int(at.timestamp())), "webhook-signature": signature}
        async with httpx2.AsyncClient() as client:
            return await client.post(body["answerTo"]["url"], content=payload.encode(), headers=headers)
