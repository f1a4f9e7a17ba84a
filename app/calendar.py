"""GET /calendar/<feed id>.<secret>.ics: a calendar feed as iCalendar (RFC 5545), without a token.

The address is the credential: an unknown, wrong or revoked one is 404, alike. The events come from
``hub.calendar_feed``; this module only writes them: CRLF lines folded at 75 octets, TEXT escaped.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from hub import calendar_feed
from hub.clock import Clock, today_in_england
from hub.policy import Policy

FEEDS = "/calendar/"  # a line without it names no feed: left as it is, unsearched
SECRET_IN_PATH = re.compile(r"(/calendar/[^/.?\s]*\.)[^/?\s]+?(\.ics)")
PRIVATE = {"cache-control": "private, no-store", "x-content-type-options": "nosniff"}
MEDIA_TYPE = "text/calendar; charset=utf-8"
REFRESH = "PT1H"


def escape(text: str) -> str:
    """RFC 5545 3.3.11: backslash, semicolon, comma and newline escaped in TEXT."""
    return (text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n"))


def fold(line: str) -> str:
    """RFC 5545 3.1: lines longer than 75 octets folded (CRLF and a space), never inside a UTF-8 character."""
    out: list[str] = []
    current: list[str] = []
    size, limit = 0, 75
    for char in line:
        width = len(char.encode())
        if size + width > limit:
            out.append("".join(current))
            current, size, limit = [], 0, 74  # a continuation line starts with the space
        current.append(char)
        size += width
    out.append("".join(current))
    return "\r\n ".join(out)


def _utc(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _day(day: date) -> str:
    return day.strftime("%Y%m%d")


def write(events: Iterable[calendar_feed.Event], *, name: str, stamp: datetime) -> str:
    """The iCalendar text of a feed."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//cspr-hub//Statutory deadlines//EN", "CALSCALE:GREGORIAN",
             "METHOD:PUBLISH", f"X-WR-CALNAME:{escape(name)}", f"REFRESH-INTERVAL;VALUE=DURATION:{REFRESH}",
             f"X-PUBLISHED-TTL:{REFRESH}"]
    for event in events:
        lines += ["BEGIN:VEVENT", f"UID:{escape(event.uid)}", f"DTSTAMP:{_utc(stamp)}",
                  f"DTSTART;VALUE=DATE:{_day(event.due_on)}",
                  f"DTEND;VALUE=DATE:{_day(event.due_on + timedelta(days=1))}",
                  f"SUMMARY:{escape(event.summary)}", f"DESCRIPTION:{escape(event.description)}",
                  f"URL;VALUE=URI:{event.url}", "TRANSP:TRANSPARENT", "CLASS:PRIVATE",
                  "BEGIN:VALARM", "ACTION:DISPLAY", f"DESCRIPTION:{escape(event.summary)}",
                  f"TRIGGER;VALUE=DATE-TIME:{_utc(event.alarm_at)}", "END:VALARM", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)


class CalendarFeeds:
    """Serves the feeds; ``public_url`` is where the links in the events point."""

    def __init__(self, *, sessions: async_sessionmaker[AsyncSession], clock: Clock, policy: Policy,
                 public_url: str) -> None:
        self.sessions, self.clock, self.policy, self.public_url = sessions, clock, policy, public_url

    async def handle(self, request: Request) -> Response:
        token = str(request.path_params.get("token", ""))
        today = today_in_england(self.clock)
        async with self.sessions() as session:
            found = await calendar_feed.opened(session, token) if len(token) <= 200 else None
            if found is None:
                return PlainTextResponse("Not Found", status_code=404, headers=PRIVATE)
            feed, principal = found
            events = await calendar_feed.events(session, principal, today=today, policy=self.policy,
                                                public_url=self.public_url)
        name = feed.label or f"Statutory deadlines ({principal.organisation_code})"
        return Response(write(events, name=name, stamp=self.clock.now()), media_type=MEDIA_TYPE, headers=PRIVATE)


class RedactFeedSecrets(logging.Filter):
    """A feed's secret never reaches a log: uvicorn's access log line names the path, so it is masked there."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and FEEDS in record.msg:
            record.msg = SECRET_IN_PATH.sub(r"\1[secret]\2", record.msg)
        if isinstance(record.args, tuple) and any(isinstance(a, str) and FEEDS in a for a in record.args):
            record.args = tuple(SECRET_IN_PATH.sub(r"\1[secret]\2", a) if isinstance(a, str) else a
                                for a in record.args)
        return True


def redact_access_log() -> None:
    """Mask feed secrets in the access log (once per process)."""
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactFeedSecrets) for f in access.filters):
        access.addFilter(RedactFeedSecrets())
