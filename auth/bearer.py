"""The bearer-token gate in front of ``POST /graphql`` (RFC 6750).

A request with a token that verifies goes on with its ``Principal`` in
``scope["state"]["principal"]``; a bad token gets 401 ``invalid_token``; no
token is allowed only for a document whose root fields are all public
(``addWorkingDays``, ``publishedReports``, ``reviewerPool``, ``incidentStatistics``, introspection, and
``_service`` unless the SDL is kept private, as production keeps it by default). The body is read once, bounded, and replayed.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from graphql import FieldNode, GraphQLError, OperationDefinitionNode, parse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub.errors import Unauthenticated
from hub.principal import Principal
from hub.rate_limit import RateLimits

PUBLIC_ROOT_FIELDS = frozenset(
    {"addWorkingDays", "publishedReports", "reviewerPool", "incidentStatistics", "_service", "__typename", "__schema",
     "__type"}
)


def public_root_fields(*, sdl: bool) -> frozenset[str]:
    """The public root fields; ``_service`` (the whole SDL) only when CSPR_HUB_PUBLIC_SDL allows it."""
    return PUBLIC_ROOT_FIELDS if sdl else PUBLIC_ROOT_FIELDS - {"_service"}


@lru_cache(maxsize=512)
def _root_fields(document: str, operation: str | None) -> frozenset[str] | None:
    """Root field names of the chosen query operation; None when not only plain fields."""
    try:
        parsed = parse(document)
    except GraphQLError:
        return None
    ops = [d for d in parsed.definitions if isinstance(d, OperationDefinitionNode)]
    chosen = [o for o in ops if operation is None or (o.name and o.name.value == operation)]
    if len(chosen) != 1 or chosen[0].operation.value != "query":
        return None
    fields = chosen[0].selection_set.selections
    if not all(isinstance(f, FieldNode) for f in fields):
        return None
    return frozenset(f.name.value for f in fields if isinstance(f, FieldNode))


def is_public(body: bytes, public: frozenset[str] = PUBLIC_ROOT_FIELDS) -> bool:
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError):  # the HTTP layer bounds nesting first; this gate never fails open
        return False
    if not isinstance(payload, dict) or not isinstance(payload.get("query"), str):
        return False
    name = payload.get("operationName")
    names = _root_fields(payload["query"], name if isinstance(name, str) else None)
    return names is not None and names <= public


def bearer_token(scope: Scope) -> str | None:
    for key, value in scope.get("headers", []):
        if key == b"authorization":
            scheme, _, token = bytes(value).decode("latin-1").partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                return token.strip()
            return ""
    return None


async def _respond(send: Send, status: int, body: dict[str, Any], headers: list[tuple[bytes, bytes]]) -> None:
    raw = json.dumps(body).encode()
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(raw)).encode()), *headers]})
    await send({"type": "http.response.body", "body": raw})


def _unauthenticated(message: str, error: str | None) -> tuple[dict[str, Any], list[tuple[bytes, bytes]]]:
    challenge = 'Bearer realm="cspr-hub"'
    if error:
        challenge += f', error="{error}", error_description="{message}"'
    body = {"errors": [{"message": message, "extensions": {"code": "UNAUTHENTICATED"}}]}
    return body, [(b"www-authenticate", challenge.encode())]


def address(scope: Scope) -> str:
    """Where the call comes from: the connecting peer (a proxy in front is one address for all it forwards)."""
    client = scope.get("client")
    return f"address:{client[0]}" if client else "address:unknown"


async def too_many(send: Send, wait: int) -> None:
    """429 with Retry-After: the caller's bucket is empty for ``wait`` more seconds."""
    await _respond(send, 429, {"errors": [{"message": f"too many requests: retry after {wait} seconds",
                                           "extensions": {"code": "RATE_LIMITED", "retryAfter": wait}}]},
                   [(b"retry-after", str(wait).encode())])


async def read_body(receive: Receive, *, limit: int) -> bytes | None:
    """The whole request body, or None once it is over ``limit`` bytes."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


class BearerGate:
    def __init__(self, app: ASGIApp, *, principal_of: Callable[[str], Any], path: str, max_body: int,
                 public: frozenset[str] = PUBLIC_ROOT_FIELDS, limits: RateLimits | None = None) -> None:
        self.app = app
        self.limits = limits
        self.public = public
        self.principal_of = principal_of
        self.path = path
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != self.path or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        body = await read_body(receive, limit=self.max_body)
        if body is None:
            await _respond(send, 413, {"errors": [{"message": "request body too large",
                                                   "extensions": {"code": "PAYLOAD_TOO_LARGE"}}]}, [])
            return
        principal: Principal | None = None
        token = bearer_token(scope)
        if token:
            try:
                principal = await self.principal_of(token)
            except Unauthenticated as exc:
                if await self._limited(scope, send, None):
                    return
                await _respond(send, 401, *_unauthenticated(str(exc), "invalid_token"))
                return
        if await self._limited(scope, send, principal):
            return
        if not token and not is_public(body, self.public):
            message = "a bearer token is required" if token is None else "malformed Authorization header"
            await _respond(send, 401, *_unauthenticated(message, None if token is None else "invalid_request"))
            return
        scope.setdefault("state", {})["principal"] = principal
        await self.app(scope, replay_body(body, receive), send)

    async def _limited(self, scope: Scope, send: Send, principal: Principal | None) -> bool:
        """Take one request from the caller's bucket: its OAuth client's with a verified token, else its
        address's (no token, or one that did not verify); answer 429 when the bucket is empty."""
        if self.limits is None:
            return False
        if principal is not None:
            wait = self.limits.clients.take(f"client:{principal.client_id or principal.organisation_code}")
        else:
            wait = self.limits.addresses.take(address(scope))
        if wait is None:
            return False
        await too_many(send, wait)
        return True


def replay_body(body: bytes, then: Receive) -> Receive:
    """Hand the buffered body to the app once, then pass through (e.g. a disconnect)."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await then()

    return receive
