"""``GET /statistics/incidents.csv``: incidentStatistics as CSV, under the same rules (``hub.national_statistics``).

``?from=YYYY-MM-DD&to=YYYY-MM-DD&by=QUARTER,INCIDENT_KIND``; a bearer token is optional (the Panel's and
DfE's give exact counts); a bad token is 401, a bad parameter 400. Columns: the dimensions asked for, then
``count`` (empty when suppressed) and ``suppressed``; a last row ``Total`` carries the total (grouped by
nothing, the one row is the total).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Awaitable, Callable
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from auth.bearer import bearer_token
from hub import national_statistics
from hub.clock import Clock, today_in_england
from hub.errors import BadUserInput, Unauthenticated
from hub.national_statistics import IncidentDimension, Table
from hub.principal import Principal

COLUMNS = {
    IncidentDimension.QUARTER: "quarter", IncidentDimension.INCIDENT_KIND: "incident_kind",
    IncidentDimension.AGE_GROUP: "age_group", IncidentDimension.SEX: "sex",
    IncidentDimension.ETHNICITY: "ethnicity", IncidentDimension.REGION: "region",
    IncidentDimension.SOCIAL_CARE_STATUS: "social_care_status",
}


class StatisticsCsv:
    def __init__(self, *, sessions: async_sessionmaker[AsyncSession], clock: Clock,
                 principal_of: Callable[[str], Awaitable[Principal]]) -> None:
        self.sessions = sessions
        self.clock = clock
        self.principal_of = principal_of

    async def handle(self, request: Request) -> Response:
        token = bearer_token(request.scope)
        try:
            principal = await self.principal_of(token) if token else None
        except Unauthenticated as exc:
            return PlainTextResponse(str(exc), status_code=401, headers={"www-authenticate": 'Bearer realm="cspr-hub"'})
        try:
            start, end, by = parameters(dict(request.query_params))
            async with self.sessions() as session:
                table = await national_statistics.incident_statistics(
                    session, principal=principal, start=start, end=end, by=by, today=today_in_england(self.clock))
        except BadUserInput as exc:
            return PlainTextResponse(str(exc), status_code=400)
        return PlainTextResponse(as_csv(table), media_type="text/csv",
                                 headers={"content-disposition": 'attachment; filename="incidents.csv"'})


def _day(value: str | None, name: str) -> date:
    try:
        day = date.fromisoformat(value or "")
    except ValueError:
        raise BadUserInput(f"{name} must be a date, YYYY-MM-DD") from None
    if not date(1900, 1, 1) <= day <= date(2200, 12, 31):
        raise BadUserInput(f"{name} is outside 1900-2200")
    return day


def parameters(query: dict[str, str]) -> tuple[date, date, list[IncidentDimension]]:
    names = [n.strip() for n in (query.get("by") or "").split(",") if n.strip()]
    try:
        by = [IncidentDimension(n) for n in names]
    except ValueError:
        raise BadUserInput(f"by takes {', '.join(d.value for d in IncidentDimension)}") from None
    return _day(query.get("from"), "from"), _day(query.get("to"), "to"), by


def as_csv(table: Table) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([*(COLUMNS[d] for d in table.by), "count", "suppressed"])
    for row in table.rows:
        writer.writerow([*(v for _, v in row.values), "" if row.count is None else row.count,
                         str(row.suppressed).lower()])
    if table.by:  # grouped by nothing, the one row is the total
        writer.writerow(["Total", *([""] * (len(table.by) - 1)), "" if table.total is None else table.total,
                         str(table.total is None).lower()])
    return out.getvalue()
