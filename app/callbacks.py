"""``POST /connectors/{connectorId}/callback``: agency systems that answer asynchronously.

Authenticated by a Standard Webhooks signature under the connector's ``callback_secret``, or by
its ``callback_token`` as a bearer token (a FHIR Subscription's header). A REST answer
(``application/vnd.cspr-hub.information-answer.v1+json``) or a FHIR notification
(``application/fhir+json``: the Task, a Bundle, or nothing) is taken as ``respondToInformationRequest``
for the connector's organisation; the same answer again (same ``answerId``, or same
``webhook-id``) changes nothing and is answered 200. Refusals are clear 4xx: 401 unsigned, 404
unknown connector or request, 400 unreadable (not JSON, nested too deep, text with a lone
surrogate), 422 unusable, 409 already answered or closed.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import Request
from starlette.responses import JSONResponse

from connectors import fhir, rest
from connectors.framework import target_of
from connectors.secrets import Sealer, SealError
from connectors.webhooks import verify
from hub import connector as connectors
from hub.clock import Clock
from hub.connector import ConnectorSecrets, Taken
from hub.errors import Refused
from hub.models import Connector
from hub.store import transaction
from hub.untrusted_json import MAX_DEPTH, Unreadable, read_json

logger = logging.getLogger("cspr_hub.callbacks")
STATUS_OF = {"NOT_FOUND": 404, "ALREADY_ANSWERED": 409, "REQUEST_NOT_OPEN": 409, "FORBIDDEN": 404}


def _problem(status: int, code: str, message: str, **headers: str) -> JSONResponse:
    return JSONResponse({"error": code, "message": message}, status_code=status, headers=headers or None)


class ConnectorCallbacks:
    def __init__(self, *, sessions: async_sessionmaker[AsyncSession], clock: Clock,
                 sealer: Callable[[], Sealer], max_body: int, max_depth: int = MAX_DEPTH) -> None:
        self.sessions, self.clock, self.sealer, self.max_body = sessions, clock, sealer, max_body
        self.max_depth = max_depth

    async def handle(self, request: Request) -> JSONResponse:
        connector_id = request.path_params["connector_id"]
        async with self.sessions() as session:
            found = await session.get(Connector, connector_id) if len(connector_id) <= 36 else None
        if found is None or not found.active:
            return _problem(404, "UNKNOWN_CONNECTOR", "no such connector")
        body = await self._body(request)
        if body is None:
            return _problem(413, "TOO_LARGE", f"at most {self.max_body} bytes")
        try:
            secrets = target_of(found, self.sealer()).secrets
        except SealError:
            logger.error("connector %s: its secrets open with none of the keys given", found.id)
            return _problem(503, "UNAVAILABLE", "the connector cannot be used now")
        if not self._authentic(request, body, secrets):
            return _problem(401, "UNAUTHENTICATED", "sign the body (Standard Webhooks) or send the callback token",
                            **{"www-authenticate": "Bearer"})
        unreadable = _unreadable(body, self.max_depth)
        if unreadable is not None:
            return _problem(400, "MALFORMED", unreadable)
        if "fhir" in request.headers.get("content-type", ""):
            return await self._fhir(found, body)
        parsed = rest.parse_answer(body)
        if isinstance(parsed, rest.Malformed):
            return _problem(parsed.status, "MALFORMED", parsed.why)
        answer_id = parsed.answer_id or request.headers.get("webhook-id") or ""
        return await self._take(found, parsed.request_id, parsed.answer, answer_id)

    async def _body(self, request: Request) -> bytes | None:
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > self.max_body:
                return None
            chunks.append(chunk)
        return b"".join(chunks)

    def _authentic(self, request: Request, body: bytes, secrets: ConnectorSecrets) -> bool:
        headers = request.headers
        if headers.get("webhook-signature"):
            return verify(secrets.callback_secret, message_id=headers.get("webhook-id"),
                          timestamp=headers.get("webhook-timestamp"), signatures=headers.get("webhook-signature"),
                          body=body, now=self.clock.now())
        scheme, _, token = headers.get("authorization", "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(token.strip().encode(), secrets.callback_token.encode())

    async def _fhir(self, connector: Connector, body: bytes) -> JSONResponse:
        resource = _json(body) if body.strip() else {}
        if resource is None:
            return _problem(400, "MALFORMED", "the body is not JSON")
        if resource == {} or resource.get("resourceType") in ("Bundle", "Parameters"):
            return await self._look_again(connector)  # a notification without the Task: poll it now
        state = fhir.read_task(resource)
        if isinstance(state, str):
            return _problem(422, "WRONG_RESOURCE", state)
        if state.questionnaire_response is not None:
            return await self._look_again(connector)  # the answer is another resource: fetched by the worker
        if state.declined or state.answer is None or state.answer_id is None:
            return JSONResponse({"status": "noted"}, status_code=202)
        request_id = state.request_id or await self._request_of(connector, state.reference)
        if request_id is None:
            return _problem(404, "NOT_FOUND", "no request of this connector has this Task")
        return await self._take(connector, request_id, state.answer, state.answer_id)

    async def _request_of(self, connector: Connector, reference: str | None) -> str | None:
        async with self.sessions() as session:
            call = await connectors.call_for(session, connector=connector, external_ref=reference)
        return call.information_request_id if call else None

    async def _look_again(self, connector: Connector) -> JSONResponse:
        async with transaction(self.sessions) as session:
            await connectors.look_again(session, clock=self.clock, connector=connector)
        return JSONResponse({"status": "polling"}, status_code=202)

    async def _take(self, connector: Connector, request_id: str, text: str, answer_id: str) -> JSONResponse:
        for attempt in (1, 2):
            try:
                async with transaction(self.sessions) as session:
                    taken = await connectors.take_answer(session, clock=self.clock, connector=connector,
                                                         request_id=request_id, text=text, external_id=answer_id)
                return JSONResponse({"status": "taken" if taken is Taken.TAKEN else "duplicate"})
            except Refused as refused:
                problem = refused.problems[0]
                return _problem(STATUS_OF.get(problem.code, 422), problem.code, problem.message)
            except IntegrityError:  # the same answer, taken concurrently: the next try sees it as a duplicate
                if attempt == 2:
                    break
        return _problem(409, "CONFLICT", "another answer to this request was being taken: send it again")


def _unreadable(body: bytes, max_depth: int) -> str | None:
    """Why a JSON body cannot be taken (too deep, a lone surrogate); a body that is not JSON is the parsers' to say."""
    try:
        read_json(body, max_depth=max_depth)
    except Unreadable as exc:
        return None if exc.code == "NOT_JSON" else str(exc)
    return None


def _json(body: bytes) -> dict[str, Any] | None:
    try:
        data = read_json(body)
    except Unreadable:
        return None
    return data if isinstance(data, dict) else None
