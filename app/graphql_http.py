"""GraphQL over HTTP (the GraphQL Foundation's specification) around ``/graphql``.

* a POST body must be ``application/json``: anything else is 415;
* ``Accept`` must allow ``application/graphql-response+json`` or ``application/json``: else 406;
* a client that accepts ``application/graphql-response+json`` gets it, and a request
  error (the document could not be parsed or validated, or its variables were
  refused, so nothing ran) comes back as 400 rather than 200.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

GRAPHQL_RESPONSE = "application/graphql-response+json"
REQUEST_ERRORS = frozenset({"GRAPHQL_PARSE_FAILED", "GRAPHQL_VALIDATION_FAILED", "BAD_USER_INPUT",
                            "PERSISTED_QUERY_NOT_ALLOWED"})


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key == name:
            return bytes(value).decode("latin-1")
    return ""


def _media_types(accept: str) -> list[str]:
    return [part.split(";")[0].strip().lower() for part in accept.split(",") if part.strip()]


def wants_graphql_response(accept: str) -> bool:
    types = _media_types(accept)
    return GRAPHQL_RESPONSE in types and (
        "application/json" not in types or types.index(GRAPHQL_RESPONSE) < types.index("application/json"))


def acceptable(accept: str) -> bool:
    types = _media_types(accept)
    return not types or bool({GRAPHQL_RESPONSE, "application/json", "application/*", "*/*"} & set(types))


async def _refuse(send: Send, status: int, code: str, message: str) -> None:
    body = json.dumps({"errors": [{"message": message, "extensions": {"code": code}}]}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def is_request_error(body: bytes) -> bool:
    try:
        payload: Any = json.loads(body)
    except ValueError:
        return False
    if not isinstance(payload, dict) or payload.get("data") is not None or not payload.get("errors"):
        return False
    codes = {(e.get("extensions") or {}).get("code") for e in payload["errors"] if isinstance(e, dict)}
    return bool(codes) and codes <= REQUEST_ERRORS


class GraphQLOverHTTP:
    def __init__(self, app: ASGIApp, *, path: str) -> None:
        self.app = app
        self.path = path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != self.path or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        accept = _header(scope, b"accept")
        if not acceptable(accept):
            await _refuse(send, 406, "NOT_ACCEPTABLE", f"send Accept: {GRAPHQL_RESPONSE} or application/json")
            return
        content_type = _header(scope, b"content-type").split(";")[0].strip().lower()
        if content_type != "application/json":
            await _refuse(send, 415, "UNSUPPORTED_MEDIA_TYPE", "a GraphQL request is a POST of application/json")
            return
        if not wants_graphql_response(accept):
            await self.app(scope, receive, send)
            return
        await self.app(scope, receive, _as_graphql_response(send))


def _as_graphql_response(send: Send) -> Send:
    """Hold the response until its body is known, then label it and choose 200 or 400."""
    start: Message | None = None
    chunks: list[bytes] = []

    async def relabel(message: Message) -> None:
        nonlocal start
        if message["type"] == "http.response.start":
            start = message
            return
        chunks.append(message.get("body", b""))
        if message.get("more_body", False):
            return
        assert start is not None
        body = b"".join(chunks)
        status = start["status"]
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() not in (b"content-type", b"content-length")]
        if status == 200 and is_request_error(body):
            status = 400
        if status < 500 and body[:1] == b"{":
            headers.append((b"content-type", (GRAPHQL_RESPONSE + "; charset=utf-8").encode()))
        headers.append((b"content-length", str(len(body)).encode()))
        await send({**start, "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return relabel
