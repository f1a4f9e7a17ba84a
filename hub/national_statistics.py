"""Live national statistics on serious incident notifications, as DfE publishes them.

What is counted (DfE, "Serious incident notifications", methodology): one per
notification that stands (a withdrawn one is not counted), by the day it was
notified (``submittedOn``), not the day of the incident; a looked-after child's
death (para 13) counts as DfE's release counts it. Where a notification names
several children, the characteristics are the first child's, as DfE's are.

The dimensions: ``QUARTER`` (financial-year quarters, April to June is Q1:
"2026-27 Q3"), ``INCIDENT_KIND``, ``AGE_GROUP`` (the age bands of DfE's release:
"Under 1", "1 to 5", "6 to 10", "11 to 15", "16 and over", "Unknown"; an unborn
child is under 1; source: explore-education-statistics.service.gov.uk, "Serious
incident notifications", tables by age), ``SEX``, ``ETHNICITY`` (children in need
census codes), ``REGION`` (the notifying local authority's ONS region) and
``SOCIAL_CARE_STATUS`` (as recorded; when not recorded, LOOKED_AFTER, CHILD_PROTECTION_PLAN
or CARE_LEAVER from the child's flags, else NOT_KNOWN).

Who sees what: the Panel and DfE see exact counts for any period and any
grouping. Everybody else, with or without a token, sees the public table
(DfE's confidentiality policy): see ``public_table``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import Enum
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from hub.errors import BadUserInput
from hub.models import Case, Child, Notification, Organisation
from hub.principal import Principal
from hub.statute import rule
from hub.vocabulary import Role

SMALLEST_SHOWN = 5  # cells of 1 to 4 are suppressed (DfE's policy statement on confidentiality)
UNKNOWN_AGE = "Unknown"
AGE_GROUPS = ("Under 1", "1 to 5", "6 to 10", "11 to 15", "16 and over", UNKNOWN_AGE)
EXACT_ROLES = frozenset({Role.PANEL, Role.DFE})


class IncidentDimension(str, Enum):
    QUARTER = "QUARTER"
    INCIDENT_KIND = "INCIDENT_KIND"
    AGE_GROUP = "AGE_GROUP"
    SEX = "SEX"
    ETHNICITY = "ETHNICITY"
    REGION = "REGION"
    SOCIAL_CARE_STATUS = "SOCIAL_CARE_STATUS"


Q = IncidentDimension.QUARTER
Values = tuple[tuple[IncidentDimension, str], ...]  # the grouped values of a row, in the order asked


@dataclass(frozen=True)
class Counted:
    """``n`` notifications with the same values to group under."""

    values: dict[IncidentDimension, str]
    n: int = 1


@dataclass(frozen=True)
class Row:
    values: Values
    count: int | None  # None: suppressed
    suppressed: bool = False

    def value(self, dimension: IncidentDimension) -> str | None:
        return dict(self.values).get(dimension)


@dataclass(frozen=True)
class Table:
    by: tuple[IncidentDimension, ...]
    rows: tuple[Row, ...]
    total: int | None


def financial_quarter(day: date) -> str:
    """'2026-27 Q3' for a day from October to December 2026 (the year starts on 1 April)."""
    start = day.year if day.month >= 4 else day.year - 1
    return f"{start}-{(start + 1) % 100:02d} Q{(day.month - 4) % 12 // 3 + 1}"


def quarter_bounds(day: date) -> tuple[date, date]:
    """The first and last day of the financial quarter of ``day``."""
    first_month = day.month - (day.month - 1) % 3
    first = date(day.year, first_month, 1)
    after = date(day.year + (first_month == 10), (first_month + 3 - 1) % 12 + 1, 1)
    return first, date.fromordinal(after.toordinal() - 1)


def age_group(age: int | None, unborn_or_under_one: bool | None) -> str:
    if unborn_or_under_one or age == 0:
        return AGE_GROUPS[0]
    if age is None:
        return UNKNOWN_AGE
    bands = ((5, 1), (10, 2), (15, 3))
    return next((AGE_GROUPS[i] for top, i in bands if age <= top), AGE_GROUPS[4])


def social_care_status(recorded: str | None, *, looked_after: bool, on_plan: bool, care_leaver: bool) -> str:
    if recorded:
        return recorded
    if looked_after:
        return "LOOKED_AFTER"
    if on_plan:
        return "CHILD_PROTECTION_PLAN"
    return "CARE_LEAVER" if care_leaver else "NOT_KNOWN"


# What a notification is grouped under, as stored: its month, the incident's kind, the first child's facts and
# the notifier's region. The database counts the notifications of each combination.
_MONTH = (func.extract("year", col(Notification.submitted_on)), func.extract("month", col(Notification.submitted_on)))
_FACTS = (col(Case.incident_kind), col(Child.age_years), col(Child.unborn_or_under_one), col(Child.sex),
          col(Child.ethnicity), col(Organisation.region), col(Child.social_care_status), col(Child.looked_after),
          col(Child.on_child_protection_plan), col(Child.care_leaver))


def counted(row: Sequence[Any]) -> tuple[tuple[IncidentDimension, str], ...]:
    """The values of one row of ``_MONTH + _FACTS``."""
    year, month, kind, age, under_one, sex, ethnicity, region, status, looked_after, on_plan, care_leaver = row
    return (
        (IncidentDimension.QUARTER, financial_quarter(date(int(year), int(month), 1))),
        (IncidentDimension.INCIDENT_KIND, kind),
        (IncidentDimension.AGE_GROUP, age_group(age, under_one)),
        (IncidentDimension.SEX, sex),
        (IncidentDimension.ETHNICITY, ethnicity or "NOT_KNOWN"),
        (IncidentDimension.REGION, region or "Unknown"),
        (IncidentDimension.SOCIAL_CARE_STATUS, social_care_status(
            status, looked_after=looked_after, on_plan=on_plan, care_leaver=care_leaver)),
    )


async def notifications(session: AsyncSession, start: date, end: date) -> list[Counted]:
    """Every notification that stands, notified from ``start`` to ``end`` inclusive: counted by the database
    for each combination of month and facts that occurs, so memory follows the combinations, not the cases."""
    query = (
        select(*_MONTH, *_FACTS, func.count())
        .select_from(Notification)
        .join(Case, col(Case.id) == col(Notification.case_id))
        .join(Child, (col(Child.case_id) == col(Case.id)) & (col(Child.position) == 0))
        .join(Organisation, col(Organisation.id) == col(Notification.notified_by_id))
        .where(col(Notification.withdrawn_at).is_(None), col(Notification.submitted_on) >= start,
               col(Notification.submitted_on) <= end)
        .group_by(*_MONTH, *_FACTS)
    )
    found: Counter[tuple[tuple[IncidentDimension, str], ...]] = Counter()
    async for rows in (await session.stream(query)).partitions(1000):
        for *row, n in rows:
            found[counted(row)] += int(n)
    return [Counted(dict(values), n) for values, n in found.items()]


def _sort_key(values: Values) -> tuple[object, ...]:
    return tuple((AGE_GROUPS.index(v), v) if d is IncidentDimension.AGE_GROUP else (0, v) for d, v in values)


def exact_table(found: Sequence[Counted], by: tuple[IncidentDimension, ...]) -> Table:
    """Exact counts of every combination that occurs (the Panel and DfE)."""
    counts: Counter[Values] = Counter()
    for c in found:
        counts[tuple((d, c.values[d]) for d in by)] += c.n
    rows = tuple(Row(v, n) for v, n in sorted(counts.items(), key=lambda item: _sort_key(item[0])))
    return Table(by, rows, sum(c.n for c in found))


# The public table ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Quarter:
    """One complete quarter's one-way tables with their suppression: the only figures ever published."""

    total: int
    total_hidden: bool
    counts: dict[IncidentDimension, Counter[str]]
    hidden: dict[IncidentDimension, frozenset[str]]


def _line_safe(counts: Counter[str], hidden: set[str]) -> bool:
    """Primary cells are hidden, and the hidden cells' sum (the total less the shown cells) pins none of them.

    Each hidden cell is at least 1, so one of k hidden cells summing to s is at most s - (k - 1): that
    bound must reach 5, and k must be at least 2, so no hidden cell can be worked out nor shown to be small.
    """
    primary = {v for v, n in counts.items() if 0 < n < SMALLEST_SHOWN}
    if not primary <= hidden:
        return False
    if not hidden:
        return True
    return len(hidden) >= 2 and sum(counts[v] for v in hidden) - (len(hidden) - 1) >= SMALLEST_SHOWN


@rule("statistics-secondary-suppression", "DfE policy statement on confidentiality",
      "in public statistics a cell of 1 to 4 is suppressed, and further cells (the smallest first) or the "
      "total are suppressed until no suppressed cell can be worked out from the total and the other cells")
def protect_quarter(found: Sequence[Counted]) -> _Quarter:
    total = sum(c.n for c in found)
    dimensions = [d for d in IncidentDimension if d is not Q]
    counts: dict[IncidentDimension, Counter[str]] = {d: Counter() for d in dimensions}
    for c in found:
        for d in dimensions:
            counts[d][c.values[d]] += c.n
    total_hidden = 0 < total < SMALLEST_SHOWN
    hidden: dict[IncidentDimension, set[str]] = {}
    for d in dimensions:
        line = counts[d]
        chosen = {v for v, n in line.items() if 0 < n < SMALLEST_SHOWN}
        spare = sorted((n, v) for v, n in line.items() if n >= SMALLEST_SHOWN)
        while chosen and not total_hidden and not _line_safe(line, chosen):
            if not spare:
                total_hidden = True  # the line cannot be protected with the total shown: hide the total
                break
            chosen.add(spare.pop(0)[1])
        hidden[d] = chosen
    if total_hidden:  # with the total hidden, a line shown whole would give it back
        for d in dimensions:
            if not hidden[d] and counts[d]:
                hidden[d] = {min((n, v) for v, n in counts[d].items())[1]}
    return _Quarter(total, total_hidden, counts, {d: frozenset(v) for d, v in hidden.items()})


def public_window(start: date, end: date, today: date) -> list[str]:
    """The complete financial quarters within ``start``..``end`` that ended before today, oldest first."""
    labels: list[str] = []
    first, last = quarter_bounds(start)
    if first < start:
        first = date.fromordinal(last.toordinal() + 1)
    while True:
        first, last = quarter_bounds(first)
        if last > end or last >= today:
            return labels
        labels.append(financial_quarter(first))
        first = date.fromordinal(last.toordinal() + 1)


def public_table(found: Sequence[Counted], by: tuple[IncidentDimension, ...], quarters: Iterable[str]) -> Table:
    """The table a public reader sees: built only from complete quarters' protected one-way tables.

    A public reader may group by QUARTER and at most one other dimension. Each complete quarter's
    one-way tables are protected once (``protect_quarter``); any figure over several quarters is their
    sum and is shown only when every part of it is shown. So whatever periods and groupings a reader
    asks for and compares, nothing can be worked out that the protected quarterly tables do not show.
    """
    others = [d for d in by if d is not Q]
    if len(others) > 1:
        raise BadUserInput("public statistics group by QUARTER and at most one other dimension; the Panel and "
                           "DfE see cross-tabulations")
    grouped: dict[str, list[Counted]] = {}
    for c in found:
        grouped.setdefault(c.values[Q], []).append(c)
    per_quarter = {q: protect_quarter(grouped.get(q, [])) for q in quarters}
    cells: dict[Values, list[tuple[int, bool]]] = {}
    for q, table in per_quarter.items():
        for key, n, hidden in _quarter_cells(table, others[0] if others else None):
            values = tuple((d, q if d is Q else key) for d in by)
            cells.setdefault(values, []).append((n, hidden))
    rows = tuple(Row(v, None, True) if any(h for _, h in parts) else Row(v, sum(n for n, _ in parts))
                 for v, parts in sorted(cells.items(), key=lambda item: _sort_key(item[0])))
    hidden_total = any(t.total_hidden for t in per_quarter.values())
    return Table(by, rows, None if hidden_total else sum(t.total for t in per_quarter.values()))


def _quarter_cells(table: _Quarter, dimension: IncidentDimension | None) -> list[tuple[str, int, bool]]:
    if dimension is None:
        return [("", table.total, table.total_hidden)] if table.total else []
    return [(v, n, v in table.hidden[dimension]) for v, n in table.counts[dimension].items() if n]


def _checked(start: date, end: date, by: Sequence[IncidentDimension]) -> tuple[IncidentDimension, ...]:
    if end < start:
        raise BadUserInput("to is before from")
    return tuple(dict.fromkeys(by))


async def incident_statistics(
    session: AsyncSession, *, principal: Principal | None, start: date, end: date,
    by: Sequence[IncidentDimension], today: date,
) -> Table:
    """Exact for the Panel and DfE; the public table for anyone else, signed in or not."""
    dimensions = _checked(start, end, by)
    if principal is not None and principal.role in EXACT_ROLES:
        return exact_table(await notifications(session, start, end), dimensions)
    quarters = public_window(start, end, today)
    if not quarters:
        return public_table([], dimensions, [])
    first, _ = quarter_bounds(_quarter_start(quarters[0]))
    _, last = quarter_bounds(_quarter_start(quarters[-1]))
    return public_table(await notifications(session, first, last), dimensions, quarters)


def _quarter_start(label: str) -> date:
    year, quarter = int(label[:4]), int(label[-1])
    month = (quarter - 1) * 3 + 4
    return date(year + (month > 12), (month - 1) % 12 + 1, 1)
