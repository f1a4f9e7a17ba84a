"""Trusted documents: an agency system can be held to the GraphQL operations it registered.

``CSPR_HUB_TRUSTED_DOCUMENTS`` names a JSON file:

    {"documents": {"<sha256 hex of the document>": "<the document>"},
     "allow": {"<client_id or organisation code>": ["<sha256 hex>", ...]}}

A request may send ``{"documentId": "sha256:<hex>"}`` (or Apollo's
``extensions.persistedQuery.sha256Hash``) instead of the document; a caller named in
``allow`` may run only its registered documents (400 ``PERSISTED_QUERY_NOT_ALLOWED``).
Callers not named keep sending any document.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from auth.bearer import replay_body


@dataclass(frozen=True)
class TrustedDocuments:
    documents: Mapping[str, str] = field(default_factory=dict)
    allow: Mapping[str, frozenset[str]] = field(default_factory=dict)

    @classmethod
    def load(cls, path: str | None) -> TrustedDocuments | None:
        if not path:
            return None
        raw = json.loads(Path(path).read_text("utf-8"))
        documents = {k.removeprefix("sha256:"): v for k, v in raw.get("documents", {}).items()}
        for digest, text in documents.items():
            if hashlib.sha256(text.encode()).hexdigest() != digest:
                raise ValueError(f"trusted document {digest[:12]}... does not match its hash")
        allow = {who: frozenset(h.removeprefix("sha256:") for h in hashes) for who, hashes in raw.get("allow", {}).items()}
        return cls(documents, allow)


def _requested(payload: dict[str, Any]) -> str | None:
    document_id = payload.get("documentId")
    if isinstance(document_id, str):
        return document_id.removeprefix("sha256:")
    persisted = (payload.get("extensions") or {}).get("persistedQuery") or {}
    digest = persisted.get("sha256Hash") if isinstance(persisted, dict) else None
    return digest if isinstance(digest, str) else None


async def _refuse(send: Send, message: str) -> None:
    body = json.dumps({"errors": [{"message": message, "extensions": {"code": "PERSISTED_QUERY_NOT_ALLOWED"}}]}).encode()
    await send({"type": "http.response.start", "status": 400,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


class TrustedDocumentsGate:
    """Runs after the bearer gate: the principal is known and the body is buffered."""

    def __init__(self, app: ASGIApp, *, trusted: TrustedDocuments) -> None:
        self.app = app
        self.trusted = trusted

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        message = await receive()
        body = message.get("body", b"")
        try:
            payload = json.loads(body)
        except ValueError:
            payload = None
        if isinstance(payload, dict):
            checked = self._check(scope, payload)
            if isinstance(checked, str):
                await _refuse(send, checked)
                return
            body = checked
        await self.app(scope, replay_body(body, receive), send)

    def _check(self, scope: Scope, payload: dict[str, Any]) -> bytes | str:
        """The body to run, with the registered document filled in; or why it is refused."""
        digest = _requested(payload)
        if digest is not None:
            text = self.trusted.documents.get(digest)
            if text is None:
                return "no trusted document has this id"
            payload = {**payload, "query": text}
        query = payload.get("query")
        principal = (scope.get("state") or {}).get("principal")
        callers = [getattr(principal, "client_id", None), getattr(principal, "organisation_code", None)]
        allowed = next((self.trusted.allow[c] for c in callers if c and c in self.trusted.allow), None)
        if allowed is not None and isinstance(query, str) and hashlib.sha256(query.encode()).hexdigest() not in allowed:
            return "this caller may run only the documents it registered"
        return json.dumps(payload).encode()
