"""The two anchors ``bench_api.py`` serves beside the hub: the limits of the stack under it.

Both answer ``POST /graphql`` with the hub's own answers, recorded once by the bench (a JSON
file mapping each request body to the hub's response body, named by CSPR_BENCH_ANSWERS):

- ``raw`` (``/raw/graphql``): a plain Starlette endpoint returning the recorded bytes. What
  the HTTP stack (uvicorn + Starlette) can do; nothing can be faster.
- ``exec`` (``/exec/graphql``): graphql-core executing the request's query against the hub's
  schema (its SDL, without resolvers) over the recorded answer held in memory, parsing and
  validation cached, every field resolved by graphql-core's default resolver. What a GraphQL
  executor can do with the data already in hand: the hub's limit.

Both check that a bearer token is present (not its signature) and know only the recorded
requests. Loopback only. Run by ``bench_api.py`` under uvicorn with the hub's flags::

    CSPR_BENCH_ANSWERS=answers.json CSPR_BENCH_SDL=schema.graphql \\
        .venv/bin/python -m uvicorn --factory anchors:create_app --app-dir bench --port 8001
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import graphql
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

JSON = "application/json"


class Anchors:
    """The recorded answers (bytes for ``raw``, Python values for ``exec``) and the parsed documents."""

    def __init__(self, answers: dict[str, str], sdl: str) -> None:
        self.raw = {body.encode(): answer.encode() for body, answer in answers.items()}
        self.data = {body.encode(): json.loads(answer)["data"] for body, answer in answers.items()}
        self.schema = graphql.build_schema(sdl)
        self.documents: dict[str, graphql.DocumentNode] = {}

    def document(self, query: str) -> graphql.DocumentNode:
        """Parsed and validated once per query text, as the hub's caches do."""
        found = self.documents.get(query)
        if found is None:
            found = graphql.parse(query)
            errors = graphql.validate(self.schema, found)
            if errors:
                raise ValueError(f"invalid query: {errors[0].message}")
            self.documents[query] = found
        return found

    async def raw_answer(self, request: Request) -> Response:
        if not request.headers.get("authorization", "").startswith("Bearer "):
            return JSONResponse({"errors": [{"message": "no token"}]}, status_code=401)
        found = self.raw.get(await request.body())
        if found is None:
            return JSONResponse({"errors": [{"message": "not a recorded request"}]}, status_code=400)
        return Response(found, media_type=JSON)

    async def exec_answer(self, request: Request) -> Response:
        if not request.headers.get("authorization", "").startswith("Bearer "):
            return JSONResponse({"errors": [{"message": "no token"}]}, status_code=401)
        body = await request.body()
        data = self.data.get(body)
        if data is None:
            return JSONResponse({"errors": [{"message": "not a recorded request"}]}, status_code=400)
        payload: dict[str, Any] = json.loads(body)
        result = graphql.execute(self.schema, self.document(payload["query"]), root_value=data,
                                 variable_values=payload.get("variables"))
        answer = result if isinstance(result, graphql.ExecutionResult) else await result
        if answer.errors:
            return JSONResponse({"errors": [{"message": e.message} for e in answer.errors]}, status_code=500)
        return Response(json.dumps({"data": answer.data}).encode(), media_type=JSON)


def create_app() -> Starlette:
    answers = json.loads(Path(os.environ["CSPR_BENCH_ANSWERS"]).read_text("utf-8"))
    anchors = Anchors(answers, Path(os.environ["CSPR_BENCH_SDL"]).read_text("utf-8"))

    async def readyz(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    return Starlette(routes=[
        Route("/raw/graphql", anchors.raw_answer, methods=["POST"]),
        Route("/exec/graphql", anchors.exec_answer, methods=["POST"]),
        Route("/readyz", readyz),
    ])
