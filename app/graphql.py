"""The GraphQL endpoint: strawberry's ASGI view with our context and error shape."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse

from hub.clock import Clock
from hub.policy import Policy
from resolvers.context import make_context
from resolvers.errors import format_error
from schema.context import HubContext


class HubGraphQL(GraphQL[HubContext, None]):
    def __init__(
        self, schema: Any, *, sessions: async_sessionmaker[AsyncSession], clock: Clock, graphiql: bool,
        policy: Policy,
    ) -> None:
        super().__init__(schema, graphql_ide="graphiql" if graphiql else None, allow_queries_via_get=False)
        self.sessions = sessions
        self.clock = clock
        self.policy = policy

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> HubContext:
        principal = request.scope.get("state", {}).get("principal")
        return make_context(request=request, response=response, principal=principal,
                            clock=self.clock, sessions=self.sessions, policy=self.policy)

    async def process_result(self, request: Request, result: Any) -> GraphQLHTTPResponse:
        response: GraphQLHTTPResponse = {"data": result.data}
        if result.errors:
            response["errors"] = [format_error(e) for e in result.errors]
        if result.extensions:
            response["extensions"] = result.extensions
        return response
