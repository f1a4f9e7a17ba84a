"""An invented organisation's OpenID Connect provider, small but real: authorization code with PKCE (S256).

``/authorize`` signs in whoever ``user`` names (no login page) and redirects back with a one-time code;
``/token`` checks the client, the redirect URI, the code (once) and the PKCE verifier, then issues an RS256
ID token with the nonce and the user's claims; ``/jwks`` publishes the key. ``tamper`` makes the next ID token
wrong in one way (``nonce``, ``audience``, ``signature``, ``issuer``) to show the hub refuses it.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode

from joserfc import jwt
from joserfc.jwk import RSAKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route


@dataclass
class Grant:
    client_id: str
    redirect_uri: str
    challenge: str
    nonce: str
    user: dict[str, Any]


@dataclass
class OidcProvider:
    issuer: str = ""  # set once the stub listens
    client_id: str = "cspr-hub-console"
    client_secret: str = field(default_factory=lambda: "invented-secret-" + secrets.token_hex(8))
    user: dict[str, Any] = field(default_factory=lambda: {"sub": "analyst-1", "org": "PANEL", "role": "panel"})
    tamper: str | None = None
    key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, parameters={"kid": "stub-1"}))
    other_key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, parameters={"kid": "stub-1"}))
    grants: dict[str, Grant] = field(default_factory=dict)
    authorize_requests: list[dict[str, str]] = field(default_factory=list)
    token_refusals: list[str] = field(default_factory=list)
    now: Callable[[], int] = field(default=lambda: int(time.time()))  # the hub's clock, in the tests

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/authorize", self.authorize), Route("/token", self.token, methods=["POST"]),
                                 Route("/jwks", self.jwks)])

    def settings(self, name: str = "Invented Panel accounts", **mapping: str) -> dict[str, Any]:
        """This provider as one entry of CSPR_HUB_CONSOLE_OIDC."""
        return {"name": name, "issuer": self.issuer, "authorization_endpoint": f"{self.issuer}/authorize",
                "token_endpoint": f"{self.issuer}/token", "jwks_uri": f"{self.issuer}/jwks",
                "client_id": self.client_id, "client_secret": self.client_secret, **mapping}

    async def authorize(self, request: Request) -> Response:
        asked = dict(request.query_params)
        self.authorize_requests.append(asked)
        if asked.get("response_type") != "code" or asked.get("code_challenge_method") != "S256":
            return JSONResponse({"error": "invalid_request"}, status_code=400)
        code = secrets.token_urlsafe(16)
        self.grants[code] = Grant(asked["client_id"], asked["redirect_uri"], asked["code_challenge"],
                                  asked.get("nonce", ""), dict(self.user))
        return RedirectResponse(f"{asked['redirect_uri']}?{urlencode({'code': code, 'state': asked['state']})}",
                                status_code=302)

    def _refuse(self, reason: str) -> Response:
        self.token_refusals.append(reason)
        return JSONResponse({"error": "invalid_grant"}, status_code=400)

    async def token(self, request: Request) -> Response:
        form = {k: v[0] for k, v in parse_qs((await request.body()).decode()).items()}
        basic = request.headers.get("authorization", "")
        expected = "Basic " + base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        if not secrets.compare_digest(basic, expected):
            return self._refuse("client")
        grant = self.grants.pop(str(form.get("code", "")), None)  # a code is used once
        if grant is None or grant.redirect_uri != form.get("redirect_uri"):
            return self._refuse("code")
        verifier = str(form.get("code_verifier", ""))
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if not secrets.compare_digest(challenge, grant.challenge):
            return self._refuse("pkce")
        return JSONResponse({"access_token": secrets.token_urlsafe(16), "token_type": "Bearer",
                             "id_token": self._id_token(grant)})

    def _id_token(self, grant: Grant) -> str:
        now = self.now()
        claims = {"iss": self.issuer, "aud": self.client_id, "iat": now, "exp": now + 300,
                  "nonce": grant.nonce, **grant.user}
        key, tamper, self.tamper = self.key, self.tamper, None
        if tamper == "nonce":
            claims["nonce"] = "another-sign-in"
        elif tamper == "audience":
            claims["aud"] = "another-client"
        elif tamper == "issuer":
            claims["iss"] = "https://elsewhere.example"
        elif tamper == "signature":
            key = self.other_key
        return jwt.encode({"alg": "RS256", "kid": "stub-1"}, claims, key)

    async def jwks(self, request: Request) -> Response:
        return JSONResponse({"keys": [self.key.as_dict(private=False)]})
