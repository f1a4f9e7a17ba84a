"""The console's sessions: signing in, signing out in every process, expiry, tampering, and production's
sign-in (split from test_console.py, whose people and helpers it shares)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

import httpx2
from cryptography.fernet import Fernet
from sqlalchemy import select

from app.main import Hub, create_app
from app.settings import Environment
from hub.clock import FixedClock
from tests.api.test_console import CAMDEN_LA, PANEL, Person, people, signed_in
from tests.api.test_notification import CAMDEN

__all__ = ["people"]  # the fixture, shared with the console's page tests


async def test_signing_out_ends_the_session_and_the_old_cookie_no_longer_works(
        people: Callable[[], Person]) -> None:
    panel = await signed_in(people, PANEL)
    kept = dict(panel.http.cookies)
    out = await panel.post("/console/sign-out", {})
    assert out.status_code == 303 and out.headers["location"] == "/console/sign-in?done=signed-out"
    assert (await panel.get("/console/queue")).status_code == 303
    replayed = people()
    replayed.http.cookies.update(kept)
    assert (await replayed.get("/console/queue")).headers["location"] == "/console/sign-in"


async def test_signing_out_in_one_process_ends_the_session_in_every_process(hub: Hub) -> None:
    # given two processes of the hub on one database (each its own app, engine and connections)
    other = Hub.create(hub.settings, hub.clock)
    try:
        first = httpx2.AsyncClient(transport=httpx2.ASGITransport(app=create_app(hub=hub)), base_url="http://testserver")
        second = httpx2.AsyncClient(transport=httpx2.ASGITransport(app=create_app(hub=other)),
                                    base_url="http://testserver")
        async with first, second:
            person = Person(first)
            assert (await person.sign_in(*PANEL)).status_code == 303
            cookie = dict(first.cookies)
            second.cookies.update(cookie)
            # the session works in both
            assert (await second.get("/console/queue")).status_code == 200
            # when the person signs out through the first
            assert (await person.post("/console/sign-out", {})).status_code == 303
            # then the second refuses the old cookie too, and signing out again changes nothing
            refused = await second.get("/console/queue")
            assert refused.status_code == 303 and refused.headers["location"] == "/console/sign-in"
            replayed = await second.post("/console/sign-out", data={"csrf_token": person.token})
            assert replayed.status_code == 403
    finally:
        await other.engine.dispose()


async def test_a_sign_out_is_forgotten_once_its_session_would_have_expired(
        hub: Hub, people: Callable[[], Person], clock: FixedClock) -> None:
    from hub.models import ConsoleSignOut

    async def kept() -> int:
        async with hub.sessions() as session:
            return len((await session.execute(select(ConsoleSignOut))).scalars().all())

    before = await kept()
    first = await signed_in(people, PANEL)
    assert (await first.post("/console/sign-out", {})).status_code == 303
    assert await kept() > before  # the signed-in session (and the anonymous one signing in ended)
    clock.set(clock.now() + timedelta(hours=8, minutes=1))  # the first session would have expired by now
    second = await signed_in(people, CAMDEN_LA)
    assert (await second.post("/console/sign-out", {})).status_code == 303
    async with hub.sessions() as session:
        rows = (await session.execute(select(ConsoleSignOut))).scalars().all()
    assert all(r.expires_at > clock.now() for r in rows) and len(rows) >= 1


async def test_a_session_expires_after_a_working_day(people: Callable[[], Person], clock: FixedClock) -> None:
    panel = await signed_in(people, PANEL)
    assert (await panel.get("/console/queue")).status_code == 200
    clock.set(clock.now() + timedelta(hours=8, minutes=1))
    assert (await panel.get("/console/queue")).status_code == 303


async def test_a_tampered_cookie_is_no_session(people: Callable[[], Person]) -> None:
    panel = await signed_in(people, PANEL)
    name, value = next(iter(panel.http.cookies.items()))
    body, mac = value.split(".")
    forged = people()
    forged.http.cookies.set(name, body.replace(body[5], "A" if body[5] != "A" else "B", 1) + "." + mac)
    assert (await forged.get("/console/queue")).status_code == 303


async def test_sign_in_refuses_an_unknown_organisation_and_an_unsuited_role(people: Callable[[], Person]) -> None:
    person = people()
    unknown = await person.sign_in("NOWHERE", "la")
    assert unknown.status_code == 400 and "(UNKNOWN_ORGANISATION)" in unknown.text
    unsuited = await person.sign_in(CAMDEN, "panel")
    assert unsuited.status_code == 400 and "(ROLE_DOES_NOT_SUIT)" in unsuited.text
    no_token = await person.http.post("/console/sign-in", data={"organisation": "PANEL", "role": "panel"})
    assert no_token.status_code == 403


async def test_pages_need_a_session(people: Callable[[], Person]) -> None:
    nobody = people()
    for path in ("/console", "/console/queue", "/console/inbox", "/console/deadlines", "/console/statistics",
                 "/console/deliveries", "/console/cases/01900000-0000-7000-8000-000000000000"):
        response = await nobody.get(path)
        assert response.status_code == 303 and response.headers["location"] == "/console/sign-in", path


async def test_outside_development_the_sign_in_form_is_not_there_and_cookies_are_secure(hub: Hub) -> None:
    settings = replace(hub.settings, environment=Environment.PRODUCTION, secret_keys=(Fernet.generate_key().decode(),))
    production = Hub(settings, hub.clock, hub.engine, hub.sessions)
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=create_app(hub=production)),
                                  base_url="https://testserver") as http:
        assert (await http.get("/console/sign-in")).status_code == 404
        assert (await http.post("/console/sign-in", data={"organisation": "PANEL", "role": "panel"})).status_code == 404
        assert (await http.get("/console/queue")).status_code == 303

    from app.console.session import Sessions, new_session
    from hub.principal import Principal
    from hub.vocabulary import Role

    sealed = Sessions(("k",), secure=True, store=hub.sessions).cookie(
        new_session(hub.clock.now(), principal=Principal("id", "PANEL", Role.PANEL, ("panel",))), now=hub.clock.now())
    assert sealed["secure"] is True and sealed["key"] == "__Host-cspr_console" and sealed["httponly"] is True
