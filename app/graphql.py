"""The GraphQL endpoint: strawberry's ASGI view with our context, error shape and WebSocket sign-in."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from cross_web import HTTPException
from graphql import GraphQLError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.schema.exceptions import CannotGetOperationTypeError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types.execution import ExecutionResult, PreExecutionError

from app import graphiql
from app.graphql_http import READ
from auth.bearer import replay_body
from hub.clock import Clock, today_in_england
from hub.errors import Unauthenticated
from hub.events import Feed
from hub.policy import Policy
from hub.principal import Principal
from hub.reference_cache import ReferenceCache
from hub.sealing import Sealer
from hub.untrusted_json import MAX_DEPTH, Unreadable, read_json
from resolvers.context import make_context
from resolvers.errors import format_error
from resolvers.loaders import build
from schema.context import HubContext


@dataclass(frozen=True)
class Wiring:
    sessions: async_sessionmaker[AsyncSession]
    clock: Clock
    policy: Policy
    feed: Feed
    principal_of: Callable[[str], Awaitable[Principal]]
    graphiql: bool
    sealer: Sealer | None = None
    max_json_depth: int = MAX_DEPTH
    public_url: str | None = None  # where people reach the hub: calendar feed addresses
    reference: ReferenceCache | None = None  # organisations and partnerships in memory


def bearer_from(params: dict[str, Any] | None) -> str | None:
    """The token in connection_init: {"Authorization": "Bearer ..."} (any case) or {"token": "..."}."""
    for key, value in (params or {}).items():
        if isinstance(value, str) and key.lower() == "authorization" and value[:7].lower() == "bearer ":
            return value[7:].strip()
        if isinstance(value, str) and key.lower() in ("token", "access_token"):
            return value.strip()
    return None


class _Posted:
    method = "POST"  # all ``execute_single`` asks of strawberry's request adapter


POSTED = _Posted()


class HubGraphQL(GraphQL[HubContext, None]):
    def __init__(self, schema: Any, wiring: Wiring) -> None:
        super().__init__(schema, graphql_ide="graphiql" if wiring.graphiql else None, allow_queries_via_get=False,
                         subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,))
        self.wiring = wiring

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """A POST whose request ``GraphQLOverHTTP`` has read and checked (for a caller taking only JSON) runs
        without being read again: the same steps as strawberry's view (context, ``execute_single``,
        ``process_result``, ``create_response``) for the one kind of request an agency system sends. Anything
        else is strawberry's view's own."""
        if scope["type"] != "http" or scope["method"] != "POST":
            await super().__call__(scope, receive, send)
            return
        message = await receive()
        body = message.get("body", b"")
        receive = replay_body(body, receive)
        read = scope.get("state", {}).get(READ)
        if message.get("more_body") or read is None or read[0] != body:
            await super().__call__(scope, receive, send)
            return
        payload = read[1]
        request = Request(scope, receive)
        sub_response = await self.get_sub_response(request)
        context = await self.get_context(request, response=sub_response)
        data = GraphQLRequestData(query=payload.get("query"), variables=payload.get("variables"),
                                  operation_name=payload.get("operationName"), extensions=payload.get("extensions"),
                                  protocol="http")
        try:
            result = await self.execute_single(request, POSTED, sub_response, context, None, data)
            answer = await self.process_result(request, result)
        except HTTPException as exc:
            await PlainTextResponse(exc.reason, status_code=exc.status_code)(scope, receive, send)
            return
        if sub_response.background is not None:  # nothing of the hub's sets one: strawberry's response runs it
            await self.create_response(answer, sub_response)(scope, receive, send)
            return
        body = self.encode_json(answer)
        raw = body if isinstance(body, bytes) else body.encode()
        # what ``create_response`` makes: the JSON, 200 unless a resolver set a status, and the headers it set
        await send({"type": "http.response.start", "status": sub_response.status_code or 200, "headers": [
            (b"content-length", str(len(raw)).encode()), (b"content-type", b"application/json"),
            *sub_response.headers.raw]})
        await send({"type": "http.response.body", "body": raw})

    async def render_graphql_ide(self, request: Request) -> Response:
        """GraphiQL with every asset from the hub itself (``app/graphiql.py``), not from a CDN."""
        return graphiql.render()

    def decode_json(self, data: str | bytes) -> object:
        """Every JSON message (an HTTP body, a WebSocket frame) read bounded and as Unicode text.

        What cannot be used is a JSON error: over HTTP a 400 (the HTTP layer refuses it first, with a GraphQL
        error), over graphql-transport-ws the socket is closed with 4400, as for any message that is not JSON.
        """
        try:
            return read_json(data, max_depth=self.wiring.max_json_depth)
        except Unreadable as exc:
            raise json.JSONDecodeError(str(exc), "", 0) from exc

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> HubContext:
        principal = request.scope.get("state", {}).get("principal")
        w = self.wiring
        # a signed-in caller's request: a public one (refused or not) reads nothing before it runs
        reference = await w.reference.current() if w.reference is not None and principal is not None else None
        return make_context(request=request, response=response, principal=principal, clock=w.clock,
                            sessions=w.sessions, policy=w.policy, feed=w.feed, sealer=w.sealer, public_url=w.public_url,
                            reference=reference)

    async def on_ws_connect(self, context: HubContext) -> dict[str, object] | None:
        """Sign in with the same bearer tokens as over HTTP, in connection_init."""
        token = bearer_from(context.connection_params)
        if token is None:
            raise ConnectionRejectionError({"reason": "a bearer token is required in connection_init"})
        try:
            principal = await self.wiring.principal_of(token)
        except Unauthenticated as exc:
            raise ConnectionRejectionError({"reason": str(exc)}) from exc
        context.principal = principal
        reference = await self.wiring.reference.current() if self.wiring.reference is not None else None
        context.loaders = build(context.sessions, principal, today_in_england(context.clock), reference=reference)
        return None

    async def execute_single(self, request: Any, request_adapter: Any, sub_response: Any, context: Any,
                             root_value: Any, request_data: Any) -> ExecutionResult:
        """An operation name the document does not define is a request error like any other (no ``data``)."""
        try:
            return await super().execute_single(request, request_adapter, sub_response, context, root_value,
                                                request_data)
        except HTTPException as exc:
            if not isinstance(exc.__cause__, CannotGetOperationTypeError):
                raise
            error = GraphQLError(exc.reason, extensions={"code": "GRAPHQL_VALIDATION_FAILED"})
            return PreExecutionError(data=None, errors=[error])

    async def process_result(self, request: Request, result: Any) -> GraphQLHTTPResponse:
        """The response; one that failed before execution (parse, validation, variables) has no ``data`` at all."""
        response: GraphQLHTTPResponse = {} if before_execution(result) else {"data": result.data}
        if result.errors:
            response["errors"] = [format_error(e) for e in result.errors]
        if result.extensions:
            response["extensions"] = result.extensions
        return response


def before_execution(result: ExecutionResult) -> bool:
    """The request failed before anything ran: a parse or validation error, an unknown operation, or variables
    that could not be coerced (an error without a path: every error raised while executing has one)."""
    if isinstance(result, PreExecutionError):
        return True
    return result.data is None and bool(result.errors) and all(e.path is None for e in result.errors or [])
