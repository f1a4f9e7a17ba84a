"""The OAuth2 authorisation server: client credentials (RFC 6749 §4.4) at ``POST /oauth/token``.

Built on authlib's generic ``AuthorizationServer``; there is no Starlette
integration, so the request is adapted here. authlib is synchronous: the
client and the signing key are loaded (asynchronously) before it runs, and
the token is an RFC 9068 JWT minted with them.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, unquote

from authlib.oauth2.rfc6749 import AuthorizationServer, ClientMixin, OAuth2Request
from authlib.oauth2.rfc6749.errors import InvalidScopeError
from authlib.oauth2.rfc6749.grants import ClientCredentialsGrant
from authlib.oauth2.rfc6749.requests import BasicOAuth2Payload
from authlib.oauth2.rfc7523 import JWTBearerClientAssertion
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from hub.models import ApiClient, Organisation
from hub.vocabulary import Role

MAX_BODY = 10_000
AUTH_METHODS = ["client_secret_basic", "client_secret_post", "private_key_jwt"]
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


class Client(ClientMixin):  # type: ignore[misc]
    def __init__(self, row: ApiClient, organisation: Organisation) -> None:
        self.row = row
        self.organisation = organisation

    def get_client_id(self) -> str:
        return self.row.client_id

    def get_default_redirect_uri(self) -> None:
        return None

    def get_allowed_scope(self, scope: str) -> str:
        return self.row.role

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return False

    def check_client_secret(self, client_secret: str) -> bool:
        from auth.clients import secret_matches

        return secret_matches(client_secret, self.row.secret_hash)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        if method == "private_key_jwt":
            return endpoint == "token" and bool(self.row.jwks)
        return endpoint == "token" and method in AUTH_METHODS and self.row.secret_hash is not None

    def check_response_type(self, response_type: str) -> bool:
        return False

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "client_credentials"


class FormRequest(OAuth2Request):  # type: ignore[misc]
    """authlib's request, with the form it reads client_secret_post from."""

    form_data: dict[str, str] = {}  # noqa: RUF012 - set per instance

    @property
    def form(self) -> dict[str, str]:
        return self.form_data


class PrivateKeyJWT(JWTBearerClientAssertion):  # type: ignore[misc]
    """RFC 7523 client authentication; each assertion's jti was reserved before authlib runs."""

    CLIENT_AUTH_METHOD = "private_key_jwt"

    def __init__(self, audiences: list[str]) -> None:
        super().__init__(validate_jti=True)
        self.audiences = audiences

    def get_audiences(self) -> list[str]:
        return self.audiences

    def validate_jti(self, claims: Any, jti: str) -> bool:
        return True  # reserved in the store by the endpoint: a replay never gets here

    def resolve_client_public_key(self, client: Client) -> KeySet:
        return KeySet.import_key_set(client.row.jwks or {"keys": []})  # type: ignore[arg-type]


def assertion_claims(form: Mapping[str, str]) -> dict[str, Any] | None:
    """The unverified claims of a client assertion, to find the client and reserve its jti."""
    if form.get("client_assertion_type") != ASSERTION_TYPE or not form.get("client_assertion"):
        return None
    try:
        payload = jws.extract_compact(form["client_assertion"].encode()).payload
        claims = json.loads(payload)
    except (JoseError, ValueError, UnicodeDecodeError) as exc:
        raise MalformedRequest("client_assertion is not a JWT") from exc
    if not isinstance(claims, dict) or not isinstance(claims.get("sub"), str) or not isinstance(claims.get("jti"), str):
        raise MalformedRequest("client_assertion needs string sub and jti claims")
    return claims


class ClientCredentials(ClientCredentialsGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = AUTH_METHODS


@dataclass(frozen=True)
class TokenRequest:
    """A token request read off the wire, before authlib sees it."""

    uri: str
    headers: Mapping[str, str]
    form: dict[str, str]


Mint = Callable[[Client], tuple[str, int]]  # the access token and its lifetime in seconds


class TokenServer(AuthorizationServer):  # type: ignore[misc]
    """One request's authorisation server, holding the client loaded for it."""

    def __init__(self, *, client: Client | None, mint: Mint, audiences: list[str]) -> None:
        super().__init__(scopes_supported=[r.value for r in Role])
        self.client = client
        self.mint = mint
        self.register_grant(ClientCredentials)
        self.register_client_auth_method("private_key_jwt", PrivateKeyJWT(audiences))
        self.register_token_generator("default", self._generate)

    def query_client(self, client_id: str) -> Client | None:
        if self.client is not None and client_id == self.client.get_client_id():
            return self.client
        return None

    def save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
        """Access tokens are self-contained JWTs: nothing to store."""

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        """No signals."""

    def validate_requested_scope(self, scope: str | None) -> None:
        """A client may ask only for the one role it was registered for."""
        super().validate_requested_scope(scope)
        if scope and self.client is not None and scope.split() != [self.client.row.role]:
            raise InvalidScopeError(description=f"this client may only ask for the scope {self.client.row.role!r}")

    def create_oauth2_request(self, request: TokenRequest) -> OAuth2Request:
        adapted = FormRequest("POST", request.uri, headers=request.headers)
        adapted.payload = BasicOAuth2Payload(request.form)
        adapted.form_data = request.form
        return adapted

    def handle_response(self, status: int, body: Any, headers: Any) -> tuple[int, Any, list[tuple[str, str]]]:
        return status, body, list(headers)

    def _generate(self, grant_type: str, client: Client, user: Any = None, scope: str | None = None,
                  expires_in: int | None = None, include_refresh_token: bool = False) -> dict[str, Any]:
        token, lifetime = self.mint(client)
        return {"access_token": token, "token_type": "Bearer", "expires_in": lifetime, "scope": client.row.role}


class MalformedRequest(ValueError):
    """The request cannot be read as a token request (RFC 6749 §5.2 invalid_request)."""


def read_form(body: bytes, content_type: str) -> dict[str, str]:
    if content_type.split(";")[0].strip().lower() != "application/x-www-form-urlencoded":
        raise MalformedRequest("the body must be application/x-www-form-urlencoded")
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=bool(body))
    except (UnicodeDecodeError, ValueError) as exc:
        raise MalformedRequest("the body is not a form") from exc
    names = [name for name, _ in pairs]
    if len(names) != len(set(names)):
        raise MalformedRequest("a parameter is repeated")
    return dict(pairs)


def _basic_credentials(authorization: str | None) -> tuple[str, str] | None:
    """The client id and secret in an HTTP Basic header; MalformedRequest when it is not Basic credentials."""
    if not authorization:
        return None
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise MalformedRequest("the Basic credentials are not base64 of client_id:client_secret") from exc
    client_id, sep, secret = decoded.partition(":")
    if not sep or not client_id:
        raise MalformedRequest("the Basic credentials are not client_id:client_secret")
    return unquote(client_id), unquote(secret)


def basic_client_id(authorization: str | None) -> str | None:
    """The client id in an HTTP Basic header; MalformedRequest when the header is not Basic credentials."""
    credentials = _basic_credentials(authorization)
    return credentials[0] if credentials else None


def basic_client_secret(authorization: str | None) -> str | None:
    """The secret in an HTTP Basic header, or None; a malformed header was refused before this is asked."""
    try:
        credentials = _basic_credentials(authorization)
    except MalformedRequest:
        return None
    return credentials[1] if credentials else None


def error_body(error: str, description: str) -> bytes:
    return json.dumps({"error": error, "error_description": description}).encode()
