"""Signing in to the console with an organisation's OpenID Connect provider (authorization code with PKCE),
against a real provider stub on loopback (tests/stubs/oidc_provider.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

import httpx2
import pytest
from cryptography.fernet import Fernet

from app.main import Hub, create_app
from app.settings import Environment, Settings, SettingsError
from auth.oidc import Provider
from tests.conftest import serving
from tests.stubs.oidc_provider import OidcProvider


@pytest.fixture
async def provider(hub: Hub) -> AsyncIterator[OidcProvider]:
    stub = OidcProvider(now=lambda: int(hub.clock.now().timestamp()))
    async with serving(stub.app()) as base:
        stub.issuer = base
        yield stub


def with_provider(hub: Hub, provider: OidcProvider, *, production: bool = False, **mapping: str) -> Hub:
    settings = replace(hub.settings, console_oidc=(Provider(**provider.settings(**mapping)),))
    if production:
        settings = replace(settings, environment=Environment.PRODUCTION,
                           secret_keys=(Fernet.generate_key().decode(),))
    return Hub(settings, hub.clock, hub.engine, hub.sessions)


@pytest.fixture
async def browser(hub: Hub, provider: OidcProvider) -> AsyncIterator[httpx2.AsyncClient]:
    app = create_app(hub=with_provider(hub, provider))
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url="http://testserver") as http:
        yield http


async def to_provider_and_back(http: httpx2.AsyncClient) -> tuple[str, httpx2.Response]:
    """Start the sign-in at the hub, let the provider sign the user in, and return to the hub's callback."""
    start = await http.get("/console/oidc/0/start")
    assert start.status_code == 303, start.text
    async with httpx2.AsyncClient() as outside:
        back = await outside.get(start.headers["location"])
    assert back.status_code == 302, back.text
    callback = back.headers["location"]
    return callback, await http.get(callback)


async def test_a_person_signs_in_with_their_organisations_provider_by_code_and_pkce(
        browser: httpx2.AsyncClient, provider: OidcProvider) -> None:
    page = await browser.get("/console/sign-in")
    assert "Sign in with Invented Panel accounts" in page.text
    callback, signed = await to_provider_and_back(browser)
    assert signed.status_code == 303 and signed.headers["location"] == "/console", signed.text
    asked = provider.authorize_requests[-1]
    assert asked["code_challenge_method"] == "S256" and asked["nonce"] and asked["state"]
    assert asked["redirect_uri"] == "http://testserver/console/oidc/callback" and "code_verifier" not in asked
    assert provider.token_refusals == []  # the client secret, the code and the PKCE verifier all matched
    queue = await browser.get("/console/queue")
    assert queue.status_code == 200 and "Signed in for <strong>PANEL</strong>" in queue.text
    # the same answer again (a replayed code) signs nobody in
    assert (await browser.get(callback)).status_code == 403


async def test_a_callback_for_another_browsers_sign_in_is_refused(
        browser: httpx2.AsyncClient, hub: Hub, provider: OidcProvider) -> None:
    start = await browser.get("/console/oidc/0/start")
    async with httpx2.AsyncClient() as outside:
        callback = (await outside.get(start.headers["location"])).headers["location"]
    app = create_app(hub=with_provider(hub, provider))
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url="http://testserver") as other:
        refused = await other.get(callback)  # no sign-in of its own under way: no state to match
        assert refused.status_code == 403 and "Sign-in failed" in refused.text
        assert (await other.get("/console/queue")).status_code == 303
    wrong_state = await browser.get(callback.replace("state=", "state=x"))
    assert wrong_state.status_code == 403


@pytest.mark.parametrize("tamper", ["nonce", "audience", "issuer", "signature"])
async def test_an_id_token_that_does_not_verify_signs_nobody_in(
        browser: httpx2.AsyncClient, provider: OidcProvider, tamper: str) -> None:
    provider.tamper = tamper
    _, refused = await to_provider_and_back(browser)
    assert refused.status_code == 403 and "Sign-in failed" in refused.text
    assert (await browser.get("/console/queue")).status_code == 303


async def test_claims_naming_an_unknown_organisation_or_an_unsuited_role_sign_nobody_in(
        browser: httpx2.AsyncClient, provider: OidcProvider) -> None:
    provider.user = {"sub": "u", "org": "NOWHERE", "role": "la"}
    _, unknown = await to_provider_and_back(browser)
    assert unknown.status_code == 403 and "(UNKNOWN_ORGANISATION)" in unknown.text
    provider.user = {"sub": "u", "org": "E09000007", "role": "panel"}
    _, unsuited = await to_provider_and_back(browser)
    assert unsuited.status_code == 403 and "(ROLE_DOES_NOT_SUIT)" in unsuited.text


async def test_a_provider_that_speaks_for_one_organisation_maps_it_fixed(hub: Hub, provider: OidcProvider) -> None:
    provider.user = {"sub": "camden-worker"}
    app = create_app(hub=with_provider(hub, provider, organisation="E09000007", role="la"))
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url="http://testserver") as http:
        _, signed = await to_provider_and_back(http)
        assert signed.status_code == 303
        assert "Signed in for <strong>E09000007</strong>" in (await http.get("/console/inbox")).text


async def test_in_production_only_the_provider_signs_people_in_with_a_secure_cookie(
        hub: Hub, provider: OidcProvider) -> None:
    app = create_app(hub=with_provider(hub, provider, production=True))
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url="https://testserver") as http:
        page = await http.get("/console/sign-in")
        assert page.status_code == 200 and "Sign in with Invented Panel accounts" in page.text
        assert 'name="organisation"' not in page.text
        assert (await http.post("/console/sign-in", data={"organisation": "PANEL", "role": "panel"})).status_code == 404
        _, signed = await to_provider_and_back(http)
        cookie = signed.headers["set-cookie"]
        assert cookie.startswith("__Host-cspr_console=") and "secure" in cookie.lower() and "httponly" in cookie.lower()
        assert (await http.get("/console/queue")).status_code == 200


def test_the_providers_setting_fails_loudly_when_it_cannot_be_used() -> None:
    with pytest.raises(SettingsError, match="CSPR_HUB_CONSOLE_OIDC must be a JSON list"):
        Settings.from_env({"CSPR_HUB_CONSOLE_OIDC": "[{\"name\": \"x\"}]"})
    plain = {"name": "x", "issuer": "http://idp.example", "authorization_endpoint": "http://idp.example/a",
             "token_endpoint": "http://idp.example/t", "jwks_uri": "http://idp.example/j", "client_id": "c"}
    with pytest.raises(SettingsError, match="must be https"):
        Settings.from_env({"CSPR_HUB_CONSOLE_OIDC": __import__("json").dumps([plain])})
    assert "secret" not in repr(Provider(**{**plain, "client_secret": "secret-value"}))
