"""``/console``: server-rendered pages for people, one more thin adapter over ``hub/``.

Pages read through ``app/console/views.py`` and act through ``app/console/actions.py``, which call the same
core functions as the GraphQL resolvers (visibility, queues, inbox, deadlines, the Panel's response), with
the same audit entries and units of work. Every page: ``Cache-Control: no-store``, a strict
Content-Security-Policy (nothing from another origin), and a form that works with JavaScript off.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, Mapping
from typing import Any
from urllib.parse import urlencode

import httpx2
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Route

from app.console import actions, views
from app.console.assets import PREFIX as ASSETS
from app.console.assets import asset
from app.console.session import Session, Sessions, csrf_matches, new_session
from app.console.web import (
    DIMENSIONS,
    DONE,
    HEADERS,
    ID,
    RETURN_TO,
    ROLES,
    Shown,
    cursor,
    environment,
    read_form,
    see_other,
    statistics_asked,
    status_of,
)
from auth import oidc
from auth.issuers import KeyCache
from auth.tokens import role_suits
from hub import organisations, paging
from hub.clock import Clock, today_in_england
from hub.errors import BadUserInput, Problem, Unauthenticated
from hub.policy import Policy
from hub.principal import Principal
from hub.vocabulary import OrganisationKind, Role

Handler = Callable[[Request], Awaitable[Response]]


class Console:
    """The console's routes, wired to the hub's sessions, clock and policy (``app/main.py``)."""

    def __init__(self, *, sessions: async_sessionmaker[AsyncSession], clock: Clock, policy: Policy,
                 secret_keys: tuple[str, ...], development: bool, providers: tuple[oidc.Provider, ...] = (),
                 public_url: str | None = None, client: httpx2.AsyncClient | None = None) -> None:
        self._db, self._clock, self._policy = sessions, clock, policy
        self._sessions = Sessions(secret_keys, secure=not development, store=sessions)
        self._development = development
        self._templates = environment()
        self._providers, self._public_url = providers, public_url
        self._client, self._keys = client, KeyCache(client)

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/console", self.home, methods=["GET"]),
            Route("/console/sign-in", self.sign_in, methods=["GET", "POST"]),
            Route("/console/sign-out", self.sign_out, methods=["POST"]),
            Route("/console/oidc/{index:int}/start", self.oidc_start, methods=["GET"]),
            Route("/console/oidc/callback", self.oidc_callback, methods=["GET"]),
            Route("/console/queue", self._signed_in(self.queue), methods=["GET"]),
            Route("/console/inbox", self._signed_in(self.inbox), methods=["GET"]),
            Route("/console/deadlines", self._signed_in(self.deadlines), methods=["GET"]),
            Route("/console/reviews", self._signed_in(self.reviews), methods=["GET"]),
            Route("/console/deliveries", self._signed_in(self.deliveries), methods=["GET"]),
            Route("/console/deliveries/{delivery_id}/redeliver", self._signed_in(self.redeliver), methods=["POST"]),
            Route("/console/statistics", self._signed_in(self.statistics), methods=["GET"]),
            Route("/console/cases/{case_id}", self._signed_in(self.case), methods=["GET"]),
            Route("/console/cases/{case_id}/panel-response", self._signed_in(self.respond), methods=["POST"]),
            Route("/console/cases/{case_id}/contribution", self._signed_in(self.contribute), methods=["POST"]),
            Route("/console/messages/{message_id}/acknowledge", self._signed_in(self.acknowledge), methods=["POST"]),
            Route("/console/information-requests/{request_id}/answer", self._signed_in(self.answer),
                  methods=["POST"]),
            Route(ASSETS + "{path:path}", asset, methods=["GET"]),
        ]

    # -- sessions and responses --

    async def _session(self, request: Request) -> Session | None:
        return await self._sessions.open(request.cookies.get(self._sessions.cookie_name), now=self._clock.now())

    def _render(self, request: Request, template: str, *, status: int = 200, session: Session | None = None,
                fresh: Session | None = None, **context: Any) -> HTMLResponse:
        """A page with the console's headers; ``fresh`` is a new session to set in the cookie."""
        shown = fresh or session
        principal = shown.principal if shown else None
        done = DONE.get(request.query_params.get("done", ""))
        body = self._templates.get_template(template).render(
            principal=principal, csrf=shown.csrf if shown else "", nav=_nav(principal), active=request.url.path,
            done=done, development=self._development, **context)
        response = HTMLResponse(body, status_code=status, headers=HEADERS)
        if fresh is not None:
            response.set_cookie(**self._sessions.cookie(fresh, now=self._clock.now()))  # type: ignore[arg-type]
        return response

    def _not_found(self, request: Request, session: Session | None) -> HTMLResponse:
        """The one answer for an id that does not exist and an id the signed-in organisation may not see."""
        return self._render(request, "not_found.html", status=404, session=session, title="Page not found")

    def _signed_in(self, handler: Callable[[Request, Session, Principal], Awaitable[Response]]) -> Handler:
        async def guarded(request: Request) -> Response:
            session = await self._session(request)
            principal = session.principal if session else None
            if session is None or principal is None:
                return see_other("/console/sign-in")
            if request.method == "POST":
                form = await read_form(request)
                if form is None or not csrf_matches(session, form.get("csrf_token")):
                    return self._render(request, "refused.html", status=403, session=session,
                                        title="This form has expired")
                request.state.form = form
            return await handler(request, session, principal)
        return guarded

    # -- signing in and out --

    async def home(self, request: Request) -> Response:
        session = await self._session(request)
        principal = session.principal if session else None
        target = "/console/sign-in" if principal is None else (
            "/console/queue" if principal.role is Role.PANEL else "/console/inbox")
        return see_other(target)

    async def sign_in(self, request: Request) -> Response:
        """The identity providers to sign in with; in development also a form to choose an organisation and a
        role, which nowhere else exists."""
        session = await self._session(request)
        if request.method == "GET" and (self._development or self._providers):
            fresh = None if session else new_session(self._clock.now())
            return self._sign_in_page(request, session, fresh)
        if not self._development:
            return self._not_found(request, None)
        form = await read_form(request)
        if form is None or not csrf_matches(session, form.get("csrf_token")):
            return self._render(request, "refused.html", status=403, session=session, title="This form has expired")
        principal, problems = await self._who(form.get("organisation", ""), form.get("role", ""))
        if principal is None:
            return self._sign_in_page(request, session, None, problems=problems, form=form, status=400)
        if session is not None:
            await self._sessions.end(session, now=self._clock.now())
        signed = new_session(self._clock.now(), principal=principal)
        response = see_other("/console")
        response.set_cookie(**self._sessions.cookie(signed, now=self._clock.now()))  # type: ignore[arg-type]
        return response

    def _sign_in_page(self, request: Request, session: Session | None, fresh: Session | None, *,
                      problems: list[Problem] = (), form: Mapping[str, str] | None = None,  # type: ignore[assignment]
                      status: int = 200) -> HTMLResponse:
        return self._render(request, "sign_in.html", status=status, session=session, fresh=fresh,
                            title="Sign in", roles=ROLES, form=form or {}, providers=self._providers,
                            errors=[Shown.of(p, "organisation") for p in problems])

    async def _who(self, code: str, role: str) -> tuple[Principal | None, list[Problem]]:
        """The organisation and role asked for, checked as ``cspr-hub token`` checks them."""
        problems = []
        wanted = next((r for r in Role if r.value == role), None)
        if wanted is None:
            problems.append(Problem("REQUIRED", ("role",), "Select the role you act in"))
        async with self._db() as session:
            org = await organisations.by_code(session, code.strip().upper()) if code.strip() else None
        if org is None:
            problems.append(Problem("UNKNOWN_ORGANISATION", ("organisation",),
                                    "Enter the code of an organisation the hub knows, for example PANEL or E09000007"))
        elif wanted is not None and not role_suits(wanted, OrganisationKind(org.kind)):
            problems.append(Problem("ROLE_DOES_NOT_SUIT", ("role",),
                                    f"The role {wanted.value} does not suit {org.code}, a {org.kind.lower().replace('_', ' ')}"))
        if problems or org is None or wanted is None:
            return None, problems
        return Principal(org.id, org.code, wanted, (wanted.value,)), []

    def _callback_url(self, request: Request) -> str:
        return (self._public_url or str(request.base_url).rstrip("/")) + "/console/oidc/callback"

    async def oidc_start(self, request: Request) -> Response:
        """Send the person to their identity provider, keeping the state, nonce and PKCE verifier (auth/oidc.py)."""
        index = int(request.path_params["index"])
        if not 0 <= index < len(self._providers):
            return self._not_found(request, None)
        url, pending = oidc.begin(self._providers[index], index, redirect_uri=self._callback_url(request))
        fresh = new_session(self._clock.now(), pending=pending)
        response = see_other(url)
        response.set_cookie(**self._sessions.cookie(fresh, now=self._clock.now()))  # type: ignore[arg-type]
        return response

    async def oidc_callback(self, request: Request) -> Response:
        """The provider's answer: the code is exchanged only for the sign-in this browser started (its state)."""
        session = await self._session(request)
        pending = session.pending if session else None
        state, code = request.query_params.get("state", ""), request.query_params.get("code", "")
        if session is None or pending is None or not code or not secrets.compare_digest(state, pending.state):
            return self._render(request, "refused.html", status=403, session=None, title="Sign-in failed")
        if self._client is None:
            self._client = httpx2.AsyncClient()
            self._keys = KeyCache(self._client)
        try:
            signed = await oidc.finish(self._providers[pending.provider], pending, code=code,
                                       redirect_uri=self._callback_url(request), now=int(self._clock.now().timestamp()),
                                       client=self._client, keys=self._keys)
        except Unauthenticated:
            return self._render(request, "refused.html", status=403, session=None, title="Sign-in failed")
        principal, problems = await self._who(signed.organisation_code, signed.role)
        if principal is None:
            return self._render(request, "refused.html", status=403, session=None, title="Sign-in failed",
                                errors=[Shown.of(p, "organisation") for p in problems])
        await self._sessions.end(session, now=self._clock.now())
        done = new_session(self._clock.now(), principal=principal, subject=signed.subject)
        response = see_other("/console")
        response.set_cookie(**self._sessions.cookie(done, now=self._clock.now()))  # type: ignore[arg-type]
        return response

    async def sign_out(self, request: Request) -> Response:
        session = await self._session(request)
        form = await read_form(request)
        if session is None or form is None or not csrf_matches(session, form.get("csrf_token")):
            return self._render(request, "refused.html", status=403, session=session, title="This form has expired")
        await self._sessions.end(session, now=self._clock.now())
        response = see_other("/console/sign-in?done=signed-out")
        response.delete_cookie(self._sessions.cookie_name, path="/", secure=self._sessions.secure, httponly=True,
                               samesite="lax")
        return response

    # -- pages --

    async def queue(self, request: Request, session: Session, principal: Principal) -> Response:
        async with self._db() as db:
            rows = await views.panel_queue(db, principal, today_in_england(self._clock))
        return self._render(request, "queue.html", session=session, title="Rapid reviews awaiting the Panel",
                            rows=rows)

    async def inbox(self, request: Request, session: Session, principal: Principal) -> Response:
        try:
            after = paging.Position.decode(cursor(request))
        except BadUserInput:
            return self._render(request, "refused.html", status=400, session=session, title="That page does not exist")
        async with self._db() as db:
            messages, more = await views.inbox_page(db, principal, after=after, clock=self._clock)
        older = "/console/inbox?" + urlencode(dict(zip(("before", "id"), more.encode(), strict=True))) if more else None
        return self._render(request, "inbox.html", session=session, title="Inbox", messages=messages, older=older)

    async def deadlines(self, request: Request, session: Session, principal: Principal) -> Response:
        async with self._db() as db:
            rows = await views.deadlines(db, principal, today=today_in_england(self._clock), policy=self._policy)
        return self._render(request, "deadlines.html", session=session, title="Deadlines", rows=rows)

    async def reviews(self, request: Request, session: Session, principal: Principal) -> Response:
        async with self._db() as db:
            rows = await views.practice_reviews(db, principal, today_in_england(self._clock))
        return self._render(request, "reviews.html", session=session, title="Practice reviews", rows=rows)

    async def deliveries(self, request: Request, session: Session, principal: Principal) -> Response:
        async with self._db() as db:
            found = await views.failing(db, principal)
        return self._render(request, "deliveries.html", session=session, title="Failing deliveries", found=found,
                            errors=[])

    async def redeliver(self, request: Request, session: Session, principal: Principal) -> Response:
        delivery_id = str(request.path_params["delivery_id"])
        if not ID.fullmatch(delivery_id):
            return self._not_found(request, session)
        done = await actions.redeliver(self._db, clock=self._clock, principal=principal, delivery_id=delivery_id)
        if any(p.code == "NOT_FOUND" for p in done.problems):
            return self._not_found(request, session)  # another organisation's delivery is no delivery at all
        if done.ok:
            return see_other("/console/deliveries?done=redelivered")
        async with self._db() as db:
            found = await views.failing(db, principal)
        return self._render(request, "deliveries.html", status=status_of(done), session=session,
                            title="Failing deliveries", found=found,
                            errors=[Shown.of(p, f"delivery-{delivery_id}") for p in done.problems])

    async def statistics(self, request: Request, session: Session, principal: Principal) -> Response:
        today = today_in_england(self._clock)
        asked = statistics_asked(request, today)
        errors = [Shown.of(p, "from-day") for p in asked.problems]
        if errors:
            return self._render(request, "statistics.html", status=400, session=session, title="National statistics",
                                asked=asked, found=None, dimensions=DIMENSIONS, errors=errors)
        async with self._db() as db:
            found = await views.statistics(db, principal, start=asked.start, end=asked.end, dimension=asked.dimension,
                                           today=today)
        return self._render(request, "statistics.html", session=session, title="National statistics", asked=asked,
                            found=found, dimensions=DIMENSIONS, errors=[])

    async def _case_page(self, principal: Principal, case_id: str) -> views.CasePage | None:
        if not ID.fullmatch(case_id):
            return None
        async with self._db() as db:
            return await views.case_page(db, principal, case_id, today=today_in_england(self._clock),
                                         policy=self._policy)

    async def case(self, request: Request, session: Session, principal: Principal) -> Response:
        page = await self._case_page(principal, str(request.path_params["case_id"]))
        if page is None:
            return self._not_found(request, session)
        return self._render(request, "case.html", session=session, title=f"Case {page.case.reference}", page=page,
                            form={}, errors=[])

    async def respond(self, request: Request, session: Session, principal: Principal) -> Response:
        case_id = str(request.path_params["case_id"])
        page = await self._case_page(principal, case_id)
        if page is None or page.review is None:
            return self._not_found(request, session)
        form: dict[str, str] = request.state.form
        done = await actions.respond(self._db, clock=self._clock, principal=principal, policy=self._policy,
                                     review_id=page.review.id, form=form)
        if done.ok:
            return see_other(f"/console/cases/{case_id}?done=responded")
        return self._render(request, "case.html", status=status_of(done), session=session, title=f"Case {page.case.reference}",
                            page=page, form=form, errors=[Shown.of(p, "respond") for p in done.problems])

    async def contribute(self, request: Request, session: Session, principal: Principal) -> Response:
        case_id = str(request.path_params["case_id"])
        page = await self._case_page(principal, case_id)
        if page is None or page.review is None:
            return self._not_found(request, session)
        form: dict[str, str] = request.state.form
        done = await actions.contribute(self._db, clock=self._clock, principal=principal, review_id=page.review.id,
                                        form=form)
        if done.ok:
            return see_other(f"/console/cases/{case_id}?done=contributed")
        return self._render(request, "case.html", status=status_of(done), session=session, title=f"Case {page.case.reference}",
                            page=page, form=form, errors=[Shown.of(p, "summary") for p in done.problems])

    async def answer(self, request: Request, session: Session, principal: Principal) -> Response:
        request_id = str(request.path_params["request_id"])
        form: dict[str, str] = request.state.form
        case_id = form.get("case_id", "")
        page = await self._case_page(principal, case_id)
        if page is None or not ID.fullmatch(request_id) or request_id not in {r.row.id for r in page.requests}:
            return self._not_found(request, session)
        done = await actions.answer(self._db, clock=self._clock, principal=principal, request_id=request_id,
                                    text=form.get("answer", ""))
        if done.ok:
            return see_other(f"/console/cases/{case_id}?done=answered")
        return self._render(request, "case.html", status=status_of(done), session=session, title=f"Case {page.case.reference}",
                            page=page, form=form, errors=[Shown.of(p, f"answer-{request_id}") for p in done.problems])

    async def acknowledge(self, request: Request, session: Session, principal: Principal) -> Response:
        message_id = str(request.path_params["message_id"])
        form: dict[str, str] = request.state.form
        if not ID.fullmatch(message_id):
            return self._not_found(request, session)
        done = await actions.acknowledge(self._db, clock=self._clock, principal=principal, message_id=message_id)
        if not done.ok:
            return self._not_found(request, session)
        back = form.get("return_to", "")
        back = back if RETURN_TO.fullmatch(back) else "/console/inbox"
        return see_other(f"{back}?done=acknowledged")


def _nav(principal: Principal | None) -> list[tuple[str, str]]:
    if principal is None:
        return []
    return [("/console/queue", "Panel queue"), ("/console/inbox", "Inbox"), ("/console/deadlines", "Deadlines"),
            ("/console/reviews", "Practice reviews"), ("/console/statistics", "Statistics"),
            ("/console/deliveries", "Failing deliveries")]


