"""What every console page shares: its headers, templates, date formats, error summary and form reading."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import RedirectResponse

from app.console.actions import Done
from hub.clock import LONDON
from hub.errors import BadUserInput, Problem
from hub.national_statistics import IncidentDimension
from hub.vocabulary import Role

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
        "redelivered": "The delivery is queued again and will be tried now", "signed-out": "You have signed out"}
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
           "expectedVersion": "summary", "from": "from-day", "to": "to-day", "dimension": "dimension"}


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


def day(value: Any) -> str:
    return f"{value:%-d %B %Y}" if value else ""


def moment(value: datetime | None) -> str:
    return f"{value.astimezone(LONDON):%-d %B %Y, %H:%M}" if value else ""


def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["day"] = day
    env.filters["moment"] = moment
    return env


DIMENSIONS = {"": "Quarter only", "INCIDENT_KIND": "Kind of incident", "AGE_GROUP": "Age group", "SEX": "Sex",
              "ETHNICITY": "Ethnicity", "REGION": "Region", "SOCIAL_CARE_STATUS": "Social care status"}


@dataclass(frozen=True)
class StatisticsAsked:
    """The statistics page's GET form: a period (two GOV.UK date inputs) and a dimension beside the quarter."""

    start: date
    end: date
    dimension: IncidentDimension | None
    form: dict[str, str]
    problems: list[Problem]


def statistics_asked(request: Request, today: date) -> StatisticsAsked:
    """What the form asks for; empty, the financial year before this one up to today."""
    params = request.query_params
    form = {k: params.get(k, "") for k in (*(f"{w}-{p}" for w in ("from", "to") for p in ("day", "month", "year")),
                                           "dimension")}
    first_year = (today.year if today.month >= 4 else today.year - 1) - 1
    start, end = date(first_year, 4, 1), today
    problems: list[Problem] = []
    for which, name in (("from", "From"), ("to", "To")):
        parts = [form[f"{which}-{p}"].strip() for p in ("day", "month", "year")]
        if not any(parts):
            continue
        try:
            given = date(int(parts[2]), int(parts[1]), int(parts[0]))
        except ValueError:
            problems.append(Problem("INVALID_DATE", (which,), f"{name}: enter a real date, for example 1 4 2026"))
            continue
        start, end = (given, end) if which == "from" else (start, given)
    dimension = None
    if form["dimension"]:
        dimension = next((d for d in IncidentDimension if d.value == form["dimension"] and d.value in DIMENSIONS), None)
        if dimension is None:
            problems.append(Problem("REQUIRED", ("dimension",), "Choose what to count the notifications by"))
    if not problems and end < start:
        problems.append(Problem("BAD_USER_INPUT", ("to",), "To must not be before From"))
    return StatisticsAsked(start, end, dimension, form, problems)


def status_of(done: Done) -> int:
    """403 when the role may not do it at all; 400 for input the core refused."""
    return 403 if any(p.code == "FORBIDDEN" for p in done.problems) else 400


def see_other(location: str) -> RedirectResponse:
    """After a form, or to the page to go to: never kept by any cache."""
    return RedirectResponse(location, status_code=303, headers={"cache-control": "no-store"})


def cursor(request: Request) -> tuple[str, str] | None:
    before, ident = request.query_params.get("before"), request.query_params.get("id")
    if before is None and ident is None:
        return None
    if not before or not ident or not ID.fullmatch(ident):
        raise BadUserInput("not a page of the inbox")
    return before, ident


async def read_form(request: Request) -> dict[str, str] | None:
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
