"""The ``Date`` scalar: ISO calendar dates from 1900 to 2200 (CONTRACT: bad input)."""

from __future__ import annotations

from datetime import date
from typing import Any

import strawberry

from hub.deadlines import EARLIEST, LATEST
from hub.errors import BadUserInput


def parse_date(value: Any) -> date:
    if not isinstance(value, str):
        raise BadUserInput("a Date is a string YYYY-MM-DD")
    try:
        parsed = date.fromisoformat(value)
    except ValueError as exc:
        raise BadUserInput(f"not a calendar date (YYYY-MM-DD): {value[:20]!r}") from exc
    if len(value) != 10:
        raise BadUserInput("a Date is written YYYY-MM-DD")
    if not EARLIEST <= parsed <= LATEST:
        raise BadUserInput("a Date must lie between 1900-01-01 and 2200-12-31")
    return parsed


def serialize_date(value: date) -> str:
    return value.isoformat()


DateScalar = strawberry.scalar(
    name="Date",
    description="A calendar date in England, ISO 8601 (YYYY-MM-DD), 1900-01-01 to 2200-12-31.",
    serialize=serialize_date,
    parse_value=parse_date,
)

SCALAR_OVERRIDES: dict[object, Any] = {date: DateScalar}
