"""The OAuth2 client-credentials server (RFC 6749 §4.4, RFC 8414, RFC 9068) and token checks."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from joserfc import jws, jwt
from joserfc.jwk import RSAKey

from app.main import Hub
from auth import clients, keys
from hub.clock import FixedClock
from hub.store import transaction
from tests.api.test_notification import CAMDEN, MET
from tests.conftest import Api

FORM = {"content-type": "application/x-www-form-urlencoded"}


async def register(hub: Hub, org: str = CAMDEN, role: str = "la") -> clients.Registered:
    async with transaction(hub.sessions) as session:
        return await clients.create(session, org_code=org, role=role, name="Invented case system", now=hub.clock.now())


def basic(client_id: str, secret: str) -> dict[str, str]:
    return {"authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode(), **FORM}


async def me(api: Api, token: str) -> Any:
    return await api.http.post("/graphql", json={"query": "{ me { role organisation { code } } }"},
                               headers={"authorization": f"Bearer {token}"})


async def test_client_secret_basic_gets_an_rfc_9068_token_that_calls_the_api(api: Api, hub: Hub) -> None:
    made = await register(hub)
    response = await api.http.post("/oauth/token", content=b"grant_type=client_credentials",
                                   headers=basic(made.client_id, made.client_secret))
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert (body["token_type"], body["scope"]) == ("Bearer", "la") and 0 < body["expires_in"] <= 3600
    token = body["access_token"]
    header = jws.extract_compact(token.encode()).headers()
    claims = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
    assert header["typ"] == "at+jwt"
    assert {"iss", "sub", "aud", "exp", "iat", "jti", "scope", "org"} <= set(claims)
    assert (claims["sub"], claims["org"], claims["scope"]) == (made.client_id, CAMDEN, "la")
    assert (await me(api, token)).json() == {"data": {"me": {"role": "la", "organisation": {"code": CAMDEN}}}}


async def test_client_secret_post_works_too_and_a_wrong_secret_is_invalid_client(api: Api, hub: Hub) -> None:
    made = await register(hub, MET, "police")
    ok = await api.http.post("/oauth/token", headers=FORM, content=(
        f"grant_type=client_credentials&client_id={made.client_id}&client_secret={made.client_secret}").encode())
    assert ok.status_code == 200
    wrong = await api.http.post("/oauth/token", content=b"grant_type=client_credentials",
                                headers=basic(made.client_id, "not-the-secret"))
    assert (wrong.status_code, wrong.json()["error"]) == (401, "invalid_client")
    unknown = await api.http.post("/oauth/token", content=b"grant_type=client_credentials",
                                  headers=basic("cspr_nobody", "x"))
    assert (unknown.status_code, unknown.json()["error"]) == (401, "invalid_client")


async def test_every_failed_client_authentication_gets_the_same_answer(api: Api, hub: Hub) -> None:
    # given a registered client and a revoked one
    made, gone = await register(hub), await register(hub)
    async with transaction(hub.sessions) as session:
        await clients.revoke(session, client_id=gone.client_id, now=hub.clock.now())
    grant = "grant_type=client_credentials"
    attempts = {
        "wrong secret, basic": (basic(made.client_id, "not-the-secret"), grant),
        "unknown client, basic": (basic("cspr_nobody", "x"), grant),
        "revoked client, basic": (basic(gone.client_id, gone.client_secret), grant),
        "wrong secret, post": (FORM, f"{grant}&client_id={made.client_id}&client_secret=not-the-secret"),
        "unknown client, post": (FORM, f"{grant}&client_id=cspr_nobody&client_secret=x"),
        "no client at all": (FORM, grant),
    }
    # when each asks for a token, then every answer is the same RFC 6749 invalid_client: status, body and header
    answers = {}
    for why, (headers, body) in attempts.items():
        response = await api.http.post("/oauth/token", headers=headers, content=body.encode())
        answers[why] = (response.status_code, response.json(), response.headers.get("www-authenticate"))
    assert len(set(map(repr, answers.values()))) == 1, answers
    status, body, _ = answers["unknown client, basic"]
    assert (status, body["error"]) == (401, "invalid_client")


async def test_a_client_may_ask_only_for_its_own_role(api: Api, hub: Hub) -> None:
    made = await register(hub)
    response = await api.http.post("/oauth/token", content=b"grant_type=client_credentials&scope=panel",
                                   headers=basic(made.client_id, made.client_secret))
    assert (response.status_code, response.json()["error"]) == (400, "invalid_scope")
    own = await api.http.post("/oauth/token", content=b"grant_type=client_credentials&scope=la",
                              headers=basic(made.client_id, made.client_secret))
    assert own.status_code == 200


BAD_REQUESTS = [
    ("missing grant type", b"scope=la", None, "unsupported_grant_type"),
    ("another grant", b"grant_type=password&username=a&password=b", None, "unsupported_grant_type"),
    ("malformed basic", b"grant_type=client_credentials", {"authorization": "Basic %%%not-base64", **FORM}, "invalid_request"),
    ("not a form", b'{"grant_type": "client_credentials"}', {"content-type": "application/json"}, "invalid_request"),
    ("repeated parameter", b"grant_type=client_credentials&grant_type=client_credentials", None, "invalid_request"),
    ("huge body", b"grant_type=client_credentials&x=" + b"a" * 20_000, None, "invalid_request"),
]


@pytest.mark.parametrize(("why", "body", "headers", "error"), BAD_REQUESTS, ids=[b[0] for b in BAD_REQUESTS])
async def test_bad_token_requests_get_the_rfc_6749_error_never_a_500(
    api: Api, hub: Hub, why: str, body: bytes, headers: dict[str, str] | None, error: str
) -> None:
    made = await register(hub)
    response = await api.http.post("/oauth/token", content=body, headers=headers or basic(made.client_id, made.client_secret))
    assert 400 <= response.status_code < 500, why
    assert response.json()["error"] == error, why


async def test_a_revoked_client_gets_no_token_and_its_tokens_stop_working(api: Api, hub: Hub) -> None:
    made = await register(hub)
    token = (await api.http.post("/oauth/token", content=b"grant_type=client_credentials",
                                 headers=basic(made.client_id, made.client_secret))).json()["access_token"]
    assert (await me(api, token)).status_code == 200
    async with transaction(hub.sessions) as session:
        await clients.revoke(session, client_id=made.client_id, now=hub.clock.now())
    assert (await me(api, token)).status_code == 401
    again = await api.http.post("/oauth/token", content=b"grant_type=client_credentials",
                                headers=basic(made.client_id, made.client_secret))
    assert (again.status_code, again.json()["error"]) == (401, "invalid_client")


async def test_the_metadata_describes_the_server(api: Api, hub: Hub) -> None:
    body = (await api.http.get("/.well-known/oauth-authorization-server")).json()
    assert body["issuer"] == hub.settings.issuer
    assert body["token_endpoint"] == hub.settings.issuer + "/oauth/token"
    assert body["grant_types_supported"] == ["client_credentials"]
    assert set(body["token_endpoint_auth_methods_supported"]) >= {"client_secret_basic", "client_secret_post"}


def forged(key: RSAKey, now: int, **changes: Any) -> str:
    claims = {"iss": "http://127.0.0.1:8000", "aud": "cspr-hub", "sub": "dev:PANEL", "iat": now, "exp": now + 600,
              "scope": "panel", "org": "PANEL", "jti": "j", "client_id": "dev:PANEL"}
    header = {"alg": "RS256", "typ": "at+jwt", "kid": key.kid}
    header.update(changes.pop("header", {}))
    claims.update(changes)
    return jwt.encode(header, claims, key)


async def test_tokens_with_the_wrong_audience_issuer_kid_signature_or_alg_none_get_401(api: Api, hub: Hub, clock: FixedClock) -> None:
    async with transaction(hub.sessions) as session:
        key = await keys.active_key(session, now=clock.now(), sealer=hub.sealer())
    now = int(clock.now().timestamp())
    good = forged(key, now)
    assert (await me(api, good)).status_code == 200
    head, body, signature = good.split(".")
    none_header = base64.urlsafe_b64encode(b'{"alg":"none","typ":"at+jwt"}').rstrip(b"=").decode()
    bad = {
        "wrong audience": forged(key, now, aud="someone-else"),
        "wrong issuer": forged(key, now, iss="https://idp.example.org"),
        "unknown kid": forged(key, now, header={"kid": "no-such-key"}),
        "broken signature": f"{head}.{body}.{signature[:-4]}AAAA",
        "alg none": f"{none_header}.{body}.",
        "expired": forged(key, now - 7200),
        "not an access token": forged(key, now, header={"typ": "JWT"}),
    }
    for why, token in bad.items():
        assert (await me(api, token)).status_code == 401, why


async def test_after_a_key_rotation_old_tokens_still_verify_and_new_ones_use_the_new_key(api: Api, hub: Hub, clock: FixedClock) -> None:
    old_token = await api.token(CAMDEN, "la")
    async with transaction(hub.sessions) as session:
        new_key = await keys.rotate(session, now=clock.now(), sealer=hub.sealer())
    jwks = (await api.http.get("/.well-known/jwks.json")).json()["keys"]
    assert new_key.kid in {k["kid"] for k in jwks} and len(jwks) >= 2
    assert (await me(api, old_token)).status_code == 200
    clock.set(clock.now() + timedelta(minutes=1))
    new_token = await api.token(CAMDEN, "la")
    assert jws.extract_compact(new_token.encode()).headers()["kid"] == new_key.kid
    assert (await me(api, new_token)).status_code == 200


def assertion(key: RSAKey, client_id: str, *, jti: str, now: int, aud: str = "http://127.0.0.1:8000/oauth/token") -> str:
    claims = {"iss": client_id, "sub": client_id, "aud": aud, "exp": now + 300, "iat": now, "jti": jti}
    return jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key)


async def test_private_key_jwt_authenticates_once_per_assertion(api: Api, hub: Hub, clock: FixedClock) -> None:
    clock.set(datetime.now(UTC))  # authlib checks an assertion's times against the real clock
    # given an agency system that holds its own key and registered only the public part
    private = RSAKey.generate_key(2048, parameters={"kid": "agency-1"})
    async with transaction(hub.sessions) as session:
        made = await clients.create(session, org_code=MET, role="police", name="Invented police system",
                                    now=clock.now(), jwks={"keys": [private.as_dict(private=False)]})
    assert made.client_secret == ""
    now = int(clock.now().timestamp())
    body = (f"grant_type=client_credentials&client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
            f"&client_assertion={assertion(private, made.client_id, jti='a-1', now=now)}").encode()
    first = await api.http.post("/oauth/token", content=body, headers=FORM)
    assert first.status_code == 200, first.text
    assert (await me(api, first.json()["access_token"])).json()["data"]["me"]["role"] == "police"
    # when the same assertion is replayed, it is refused (RFC 7523 section 3)
    replay = await api.http.post("/oauth/token", content=body, headers=FORM)
    assert (replay.status_code, replay.json()["error"]) == (401, "invalid_client")
    # and an assertion signed by another key, or for another audience, is refused too
    stranger = RSAKey.generate_key(2048, parameters={"kid": "agency-1"})
    for token in (assertion(stranger, made.client_id, jti="a-2", now=now),
                  assertion(private, made.client_id, jti="a-3", now=now, aud="https://elsewhere.example.org/token")):
        bad = await api.http.post("/oauth/token", headers=FORM, content=(
            "grant_type=client_credentials&client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
            f"&client_assertion={token}").encode())
        assert bad.status_code in (400, 401) and bad.json()["error"] == "invalid_client"
    # and a refused assertion's jti is not spent: the same jti with a good signature still works
    good = await api.http.post("/oauth/token", headers=FORM, content=(
        "grant_type=client_credentials&client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
        f"&client_assertion={assertion(private, made.client_id, jti='a-2', now=now)}").encode())
    assert good.status_code == 200
