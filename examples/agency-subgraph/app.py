"""An example agency subgraph: a local authority's own facts about hub cases, joined by the case id.

It extends the hub's ``Case`` entity (``@key(fields: "id")``) with two fields that
only the agency holds, ``localCaseNumber`` and ``allocatedSocialWorkerTeam``, read
from an in-memory table keyed by hub case id. Run it beside the hub and compose the
two behind an Apollo gateway or router::

    AGENCY_SUBGRAPH_DATA='{"<case id>": {"localCaseNumber": "LA-0001", "allocatedSocialWorkerTeam": "North"}}' \\
        python examples/agency-subgraph/app.py --port 4002

    python examples/agency-subgraph/app.py --print-sdl   # the subgraph SDL, for composition

Every request must carry the caller's bearer token, forwarded by the gateway; only
``{ _service { sdl } }`` (what the gateway asks to compose) is public. This example
only checks that a token is present. A real subgraph must verify it: RS256, against the
hub's keys at ``/.well-known/jwks.json``, with the hub's issuer and audience, and must
not answer ``_entities`` for a case the caller may not see (ask the hub with the same
token, or serve only the agency's own staff). The gateway only asks for the cases the
hub returned, but a subgraph must not rely on being reached through the gateway.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import strawberry
import uvicorn
from graphql import FieldNode, GraphQLError, OperationDefinitionNode, parse
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from strawberry.asgi import GraphQL

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

PUBLIC_FIELDS = frozenset({"_service", "__typename"})
MAX_BODY_BYTES = 1_000_000
DATA_ENV = "AGENCY_SUBGRAPH_DATA"

# Invented data: hub case id -> the agency's own record of it.
RECORDS: dict[str, dict[str, str]] = {}


@strawberry.federation.type(keys=["id"])  # no description: the hub's describes Case
class Case:
    id: strawberry.ID
    local_case_number: str | None = strawberry.field(description="The agency's own case number.")
    allocated_social_worker_team: str | None = strawberry.field(description="The team the case is allocated to.")

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> Case:
        record = RECORDS.get(str(id), {})
        return cls(id=id, local_case_number=record.get("localCaseNumber"),
                   allocated_social_worker_team=record.get("allocatedSocialWorkerTeam"))


def record_count() -> int:
    return len(RECORDS)


@strawberry.type
class Query:
    agency_local_record_count: int = strawberry.field(
        resolver=record_count, description="How many hub cases this agency holds a local record for.")


schema = strawberry.federation.Schema(query=Query, types=[Case], federation_version="2.11")


def is_public(body: bytes) -> bool:
    """True only for a document whose every operation asks for nothing but ``_service``/``__typename``."""
    try:
        document = parse(json.loads(body)["query"])
    except (ValueError, KeyError, TypeError, GraphQLError):
        return False
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    return bool(operations) and all(
        isinstance(selection, FieldNode) and selection.name.value in PUBLIC_FIELDS
        for op in operations for selection in op.selection_set.selections
    )


def has_bearer(scope: Scope) -> bool:
    for name, value in scope.get("headers", []):
        if name == b"authorization" and value[:7].lower() == b"bearer " and value[7:].strip():
            return True
    return False


class RequireBearer:
    """ASGI wrapper: 401 unless the request carries a bearer token or asks only for the SDL."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or has_bearer(scope):
            await self.app(scope, receive, send)
            return
        body = await read_body(receive)
        if body is None or not is_public(body):
            response = PlainTextResponse("a bearer token is required", status_code=401,
                                         headers={"WWW-Authenticate": "Bearer"})
            await response(scope, receive, send)
            return
        await self.app(scope, replay(body), send)


async def read_body(receive: Receive) -> bytes | None:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


async def healthz(_: Request) -> Response:
    return JSONResponse({"status": "ok"})


def create_app() -> Starlette:
    graphql = GraphQL[None, None](schema, graphql_ide=None, allow_queries_via_get=False)
    return Starlette(routes=[Route("/healthz", healthz), Route("/graphql", RequireBearer(graphql))])


def load_records(raw: str | None) -> None:
    """Seed the table from JSON: ``{"<case id>": {"localCaseNumber": ..., "allocatedSocialWorkerTeam": ...}}``."""
    RECORDS.clear()
    for case_id, record in json.loads(raw or "{}").items():
        RECORDS[str(case_id)] = {k: str(v) for k, v in record.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=4002)
    parser.add_argument("--print-sdl", action="store_true", help="print the subgraph SDL and exit")
    args = parser.parse_args()
    if args.print_sdl:
        print(schema.as_str())
        return
    load_records(os.environ.get(DATA_ENV))
    uvicorn.run(create_app(), host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
