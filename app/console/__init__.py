"""``/console``: server-rendered pages for people, one more thin adapter over ``hub/``.

Pages read through ``app/console/views.py`` and act through ``app/console/actions.py``, which call the same
core functions as the GraphQL resolvers (visibility, queues, inbox, deadlines, the Panel's response), with
the same audit entries and units of work. Every page: ``Cache-Control: no-store``, a strict
Content-Security-Policy (nothing from another origin), and a form that works with JavaScript off.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode

import httpx2
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from app.console import actions, views
from app.console.assets import PREFIX as ASSETS
from app.console.assets import asset
from app.console.session import Session, Sessions, csrf_matches, new_session
from auth import oidc
from auth.issuers import KeyCache
from auth.tokens import role_suits
from hub import organisations, paging
from hub.clock import LONDON, Clock, today_in_england
from hub.errors import BadUserInput, Problem, Unauthenticated
from hub.policy import Policy
from hub.principal import Principal
from hub.vocabulary import OrganisationKind, Role

TEMPLATES = Path(__file__).resolve().parent / "templates"
ID = re.compile(r"[0-9A-Za-z-]{1,36}")
RETURN_TO = re.compile(r"/console/(inbox|cases/[0-9A-Za-z-]{1,36})")
MAX_FORM = 64_000
HEADERS = {
    "cache-control": "no-store",
    "content-security-policy": ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                                "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"),
    "x-content-type-options": "nosniff", "x-frame-options": "DENY", "referrer-policy": "same-origin",
}
DONE = {"acknowledged": "Message acknowledged", "contributed": "Your contribution has been saved", "answered": "Your answer has been sent", "responded": "The Panel's response has been recorded",
        "signed-out": "You have signed out"}
ROLES = {
    Role.LA: "Local authority", Role.POLICE: "Chief officer of police", Role.HEALTH: "Integrated care board",
    Role.PANEL: "Child Safeguarding Practice Review Panel", Role.OFSTED: "Ofsted",
    Role.RECIPIENT: "National body receiving copies (CQC, HMICFRS, What Works Centre)",
    Role.AGENCY: "Other agency with functions relating to children", Role.DFE: "Department for Education",
}
ANCHORS = {"outcome": "outcome", "rationale": "rationale", "criteriaConsidered": "criteria", "criteria": "criteria",
           "questions": "questions", "informationDueOn": "information-due-day",
           "informationFromCodes": "information-from", "organisation": "organisation", "role": "role",
           "summary": "summary", "immediateActions": "immediate_actions", "learning": "learning",
           "expectedVersion": "summary"}


@dataclass(frozen=True)
class Shown:
    """A problem as the error summary shows it: the message, its stable code, the field it links to."""

    code: str
    message: str
    anchor: str

    @classmethod
    def of(cls, problem: Problem, default: str) -> Shown:
        named = [ANCHORS[p] for p in problem.field if p in ANCHORS]
        return cls(problem.code, problem.message, named[0] if named else default)


def _day(value: Any) -> str:
    return f"{value:%-d %B %Y}" if value else ""


def _moment(value: datetime | None) -> str:
    return f"{value.astimezone(LONDON):%-d %B %Y, %H:%M}" if value else ""


def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["day"] = _day
    env.filters["moment"] = _moment
    return env


Handler = Callable[[Request], Awaitable[Response]]


class Console:
    """The console's routes, wired to the hub's sessions, clock and policy (``app/main.py``)."""

    def __init__(self, *, sessions: async_sessionmaker[AsyncSession], clock: Clock, policy: Policy,
                 secret_keys: tuple[str, ...], development: bool, providers: tuple[oidc.Provider, ...] = (),
                 public_url: str | None = None, client: httpx2.AsyncClient | None = None) -> None:
        self._db, self._clock, self._policy = sessions, clock, policy
        self._sessions = Sessions(secret_keys, secure=not development)
        self._development = development
        self._templates = _environment()
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
            Route("/console/cases/{case_id}", self._signed_in(self.case), methods=["GET"]),
            Route("/console/cases/{case_id}/panel-response", self._signed_in(self.respond), methods=["POST"]),
            Route("/console/cases/{case_id}/contribution", self._signed_in(self.contribute), methods=["POST"]),
            Route("/console/messages/{message_id}/acknowledge", self._signed_in(self.acknowledge), methods=["POST"]),
            Route("/console/information-requests/{request_id}/answer", self._signed_in(self.answer),
                  methods=["POST"]),
            Route(ASSETS + "{path:path}", asset, methods=["GET"]),
        ]

    # -- sessions and responses --

    def _session(self, request: Request) -> Session | None:
        return self._sessions.open(request.cookies.get(self._sessions.cookie_name), now=self._clock.now())

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
            session = self._session(request)
            principal = session.principal if session else None
            if session is None or principal is None:
                return _see_other("/console/sign-in")
            if request.method == "POST":
                form = await _form(request)
                if form is None or not csrf_matches(session, form.get("csrf_token")):
                    return self._render(request, "refused.html", status=403, session=session,
                                        title="This form has expired")
                request.state.form = form
            return await handler(request, session, principal)
        return guarded

    # -- signing in and out --

    async def home(self, request: Request) -> Response:
        session = self._session(request)
        principal = session.principal if session else None
        target = "/console/sign-in" if principal is None else (
            "/console/queue" if principal.role is Role.PANEL else "/console/inbox")
        return _see_other(target)

    async def sign_in(self, request: Request) -> Response:
        """The identity providers to sign in with; in development also a form to choose an organisation and a
        role, which nowhere else exists."""
        session = self._session(request)
        if request.method == "GET" and (self._development or self._providers):
            fresh = None if session else new_session(self._clock.now())
            return self._sign_in_page(request, session, fresh)
        if not self._development:
            return self._not_found(request, None)
        form = await _form(request)
        if form is None or not csrf_matches(session, form.get("csrf_token")):
            return self._render(request, "refused.html", status=403, session=session, title="This form has expired")
        principal, problems = await self._who(form.get("organisation", ""), form.get("role", ""))
        if principal is None:
            return self._sign_in_page(request, session, None, problems=problems, form=form, status=400)
        if session is not None:
            self._sessions.end(session, now=self._clock.now())
        signed = new_session(self._clock.now(), principal=principal)
        response = _see_other("/console")
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
        response = _see_other(url)
        response.set_cookie(**self._sessions.cookie(fresh, now=self._clock.now()))  # type: ignore[arg-type]
        return response

    async def oidc_callback(self, request: Request) -> Response:
        """The provider's answer: the code is exchanged only for the sign-in this browser started (its state)."""
        session = self._session(request)
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
        self._sessions.end(session, now=self._clock.now())
        done = new_session(self._clock.now(), principal=principal, subject=signed.subject)
        response = _see_other("/console")
        response.set_cookie(**self._sessions.cookie(done, now=self._clock.now()))  # type: ignore[arg-type]
        return response

    async def sign_out(self, request: Request) -> Response:
        session = self._session(request)
        form = await _form(request)
        if session is None or form is None or not csrf_matches(session, form.get("csrf_token")):
            return self._render(request, "refused.html", status=403, session=session, title="This form has expired")
        self._sessions.end(session, now=self._clock.now())
        response = _see_other("/console/sign-in?done=signed-out")
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
            after = paging.Position.decode(_cursor(request))
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
            return _see_other(f"/console/cases/{case_id}?done=responded")
        return self._render(request, "case.html", status=_status(done), session=session, title=f"Case {page.case.reference}",
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
            return _see_other(f"/console/cases/{case_id}?done=contributed")
        return self._render(request, "case.html", status=_status(done), session=session, title=f"Case {page.case.reference}",
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
            return _see_other(f"/console/cases/{case_id}?done=answered")
        return self._render(request, "case.html", status=_status(done), session=session, title=f"Case {page.case.reference}",
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
        return _see_other(f"{back}?done=acknowledged")


def _status(done: actions.Done) -> int:
    """403 when the role may not do it at all; 400 for input the core refused."""
    return 403 if any(p.code == "FORBIDDEN" for p in done.problems) else 400


def _see_other(location: str) -> RedirectResponse:
    """After a form, or to the page to go to: never kept by any cache."""
    return RedirectResponse(location, status_code=303, headers={"cache-control": "no-store"})


def _nav(principal: Principal | None) -> list[tuple[str, str]]:
    if principal is None:
        return []
    return [("/console/queue", "Panel queue"), ("/console/inbox", "Inbox"), ("/console/deadlines", "Deadlines")]


def _cursor(request: Request) -> tuple[str, str] | None:
    before, ident = request.query_params.get("before"), request.query_params.get("id")
    if before is None and ident is None:
        return None
    if not before or not ident or not ID.fullmatch(ident):
        raise BadUserInput("not a page of the inbox")
    return before, ident


async def _form(request: Request) -> dict[str, str] | None:
    """An urlencoded form body (the only kind the console's forms send), at most 64 kB; None otherwise."""
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/x-www-form-urlencoded":
        return None
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM:
            return None
    try:
        fields = parse_qs(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False, max_num_fields=200)
    except (UnicodeDecodeError, ValueError):
        return None
    return {k: v[0] for k, v in fields.items()}
