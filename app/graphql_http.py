"""GraphQL over HTTP (the GraphQL Foundation's specification) around ``/graphql``.

* a POST body must be ``application/json``: anything else is 415;
* ``Accept`` must allow ``application/graphql-response+json`` or ``application/json``: else 406;
* the body is read (bounded: 413) and must be a JSON object nested at most
  ``max_depth`` deep whose text is all Unicode: else 400 with a GraphQL error
  (``BAD_REQUEST``, or ``BAD_USER_INPUT`` for a lone surrogate), before any token is looked at;
* a client that accepts ``application/graphql-response+json`` gets it, and a request
  error (the document could not be parsed or validated, its variables were
  refused, or it would cost too much, so nothing ran) comes back as 400 rather than 200 (and,
  whatever the media type, without a ``data`` entry: see ``app.graphql.before_execution``);
* a GET carrying a GraphQL request (``query``, ``documentId``, ...) is 405 with
  ``Allow: POST``: operations are taken by POST only; a GET of the page (GraphiQL) stays.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from auth.bearer import read_body, replay_body
from hub.untrusted_json import Unreadable, read_json

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON_ANSWERS = frozenset({GRAPHQL_RESPONSE, "application/json", "application/*", "*/*"})
REQUEST_ERRORS = frozenset({"GRAPHQL_PARSE_FAILED", "GRAPHQL_VALIDATION_FAILED", "BAD_USER_INPUT",
                            "PERSISTED_QUERY_NOT_ALLOWED", "QUERY_TOO_COSTLY"})


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
    return not types or bool(JSON_ANSWERS & set(types))


def only_json(accept: str) -> bool:
    """The caller accepts nothing but a JSON answer: no stream (multipart, server-sent events) is in question."""
    return all(t in JSON_ANSWERS for t in _media_types(accept))


async def _refuse(send: Send, status: int, code: str, message: str, media_type: str = "application/json",
                  headers: tuple[tuple[bytes, bytes], ...] = ()) -> None:
    body = json.dumps({"errors": [{"message": message, "extensions": {"code": code}}]}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", media_type.encode()), (b"content-length", str(len(body)).encode()),
                            *headers]})
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


READ = "graphql_request"  # scope state: (the body, the request read from it), for a caller that takes only JSON
REQUEST_PARAMETERS = frozenset({"query", "operationName", "variables", "extensions", "documentId"})


def carries_request(scope: Scope) -> bool:
    """A GET whose query string holds a GraphQL request rather than asking for the page."""
    raw = bytes(scope.get("query_string", b"")).decode("latin-1")
    return any(name in REQUEST_PARAMETERS for name, _ in parse_qsl(raw, keep_blank_values=True))


FIELD_TYPES: dict[str, tuple[type, ...]] = {"query": (str,), "operationName": (str, type(None)),
                                             "variables": (dict, type(None)), "extensions": (dict, type(None))}


def read_request(body: bytes, *, max_depth: int) -> dict[str, Any] | tuple[str, str]:
    """The GraphQL-over-HTTP request in the body, or (code, message) when it is none: not a JSON object of the
    right shape."""
    try:
        payload = read_json(body, max_depth=max_depth)
    except Unreadable as exc:
        return ("BAD_USER_INPUT" if exc.code == "UNENCODABLE" else "BAD_REQUEST"), str(exc)
    if not isinstance(payload, dict):
        return "BAD_REQUEST", "the body must be a JSON object (a GraphQL request; batches are not taken)"
    wrong = [name for name, types in FIELD_TYPES.items() if name in payload and not isinstance(payload[name], types)]
    if wrong:
        return "BAD_REQUEST", f"{wrong[0]} has the wrong type"
    return payload


class GraphQLOverHTTP:
    def __init__(self, app: ASGIApp, *, path: str, max_body: int, max_depth: int) -> None:
        self.app = app
        self.path = path
        self.max_body = max_body
        self.max_depth = max_depth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == self.path and scope["method"] in ("GET", "HEAD") \
                and carries_request(scope):
            await _refuse(send, 405, "METHOD_NOT_ALLOWED", "a GraphQL request is a POST of application/json",
                          headers=((b"allow", b"POST"),))
            return
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
        body = await read_body(receive, limit=self.max_body)
        media_type = GRAPHQL_RESPONSE if wants_graphql_response(accept) else "application/json"
        if body is None:
            await _refuse(send, 413, "PAYLOAD_TOO_LARGE", "request body too large", media_type)
            return
        payload = read_request(body, max_depth=self.max_depth)
        if isinstance(payload, tuple):
            await _refuse(send, 400, *payload, media_type)
            return
        if only_json(accept):  # read once: the view takes it for this body only
            scope.setdefault("state", {})[READ] = (body, payload)
        receive = replay_body(body, receive)
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
