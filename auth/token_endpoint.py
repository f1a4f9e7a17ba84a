"""``POST /oauth/token`` and the RFC 8414 metadata, as Starlette endpoints."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from auth import clients, keys, server
from auth.bearer import address
from auth.tokens import TokenSettings, encode, lifetime
from hub.clock import Clock
from hub.models import UsedAssertion
from hub.rate_limit import RateLimiter
from hub.sealing import Sealer
from hub.store import transaction
from hub.vocabulary import Role

NO_STORE = {"cache-control": "no-store", "pragma": "no-cache"}
# Every failed client authentication gets this one answer (RFC 6749 section 5.2): an unknown client, a wrong
# secret, a bad or replayed assertion and a revoked client cannot be told apart.
CLIENT_REFUSED = "client authentication failed"
_DECOY_HASH = clients.hash_secret("not a client secret")  # an unknown client's secret is hashed too, for timing


def _error(status: int, error: str, description: str, *, basic: bool = False) -> Response:
    headers = dict(NO_STORE)
    if basic:
        headers["www-authenticate"] = 'Basic realm="cspr-hub"'
    return Response(server.error_body(error, description), status_code=status, headers=headers,
                    media_type="application/json")


async def _body(request: Request) -> bytes | None:
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > server.MAX_BODY:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


class TokenEndpoint:
    def __init__(self, *, sessions: async_sessionmaker[AsyncSession], settings: TokenSettings, clock: Clock,
                 sealer: Sealer, limiter: RateLimiter | None = None) -> None:
        self.limiter = limiter  # per address (hub.rate_limit)
        self.sessions = sessions
        self.sealer = sealer
        self.settings = settings
        self.clock = clock

    async def handle(self, request: Request) -> Response:
        wait = self.limiter.take(address(request.scope)) if self.limiter is not None else None
        if wait is not None:
            return JSONResponse({"error": "rate_limited", "code": "RATE_LIMITED",
                                 "error_description": f"too many requests: retry after {wait} seconds"},
                                status_code=429, headers={"retry-after": str(wait), **NO_STORE})
        body = await _body(request)
        if body is None:
            return _error(400, "invalid_request", f"the body is larger than {server.MAX_BODY} bytes")
        try:
            form = server.read_form(body, request.headers.get("content-type", ""))
            basic_id = server.basic_client_id(request.headers.get("authorization"))
            assertion = server.assertion_claims(form)
        except server.MalformedRequest as exc:
            return _error(400, "invalid_request", str(exc))
        client_id = basic_id or form.get("client_id") or (assertion["sub"] if assertion else None)
        try:
            return await self._issue(request, form, client_id, assertion)
        except IntegrityError:  # a replayed assertion (RFC 7523 section 3)
            return invalid_client()
        except _Refused as refused:
            return refused.response

    async def _issue(self, request: Request, form: dict[str, str], client_id: str | None,
                     assertion: dict[str, Any] | None) -> Response:
        """One transaction: reserve the assertion's jti, issue the token; any refusal undoes the reservation."""
        now = self.clock.now()
        async with transaction(self.sessions) as session:
            loaded = await clients.active(session, client_id) if client_id else None
            if loaded is None:
                _spend_like_a_secret_check(request, form)
            key = await keys.active_key(session, now=now, sealer=self.sealer)
            if assertion is not None and loaded is not None:
                session.add(UsedAssertion(jti=f"{loaded[0].client_id}:{assertion['jti']}"[:200],
                                          client_id=loaded[0].client_id, expires_at=now + timedelta(hours=1)))
                await session.flush()

            def mint(client: server.Client) -> tuple[str, int]:
                token = encode(key, settings=self.settings, now=now, org_code=client.organisation.code,
                               role=client.row.role, client_id=client.row.client_id)
                return token, lifetime(self.settings)

            token_url = self.settings.issuer + "/oauth/token"
            authority = server.TokenServer(client=server.Client(*loaded) if loaded else None, mint=mint,
                                           audiences=[token_url, self.settings.issuer])
            wanted = server.TokenRequest(uri=token_url, headers=request.headers, form=form)
            status, payload, headers = authority.create_token_response(wanted)
            merged = {name.lower(): value for name, value in headers} | NO_STORE
            response = JSONResponse(payload, status_code=status, headers=merged)
            if status != 200:
                raise _Refused(invalid_client() if payload.get("error") == "invalid_client" else response)
            return response


def invalid_client() -> Response:
    """The one answer to every failed client authentication: 401, the same body and header."""
    return _error(401, "invalid_client", CLIENT_REFUSED, basic=True)


def _spend_like_a_secret_check(request: Request, form: dict[str, str]) -> None:
    """Hash a presented secret even when no client has that id, so the time taken tells nothing."""
    secret = form.get("client_secret") or server.basic_client_secret(request.headers.get("authorization"))
    if secret:
        clients.secret_matches(secret, _DECOY_HASH)


class _Refused(Exception):
    """A refused token request: its transaction is rolled back, its response sent."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


def metadata(settings: TokenSettings) -> dict[str, Any]:
    """RFC 8414 authorisation server metadata."""
    return {
        "issuer": settings.issuer,
        "token_endpoint": settings.issuer + "/oauth/token",
        "jwks_uri": settings.issuer + "/.well-known/jwks.json",
        "grant_types_supported": ["client_credentials"],
        "token_endpoint_auth_methods_supported": list(server.AUTH_METHODS),
        "token_endpoint_auth_signing_alg_values_supported": [keys.ALGORITHM],
        "scopes_supported": [r.value for r in Role],
        "response_types_supported": [],
    }
