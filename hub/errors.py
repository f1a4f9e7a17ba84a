"""Every exception the core raises, in one place.

Expected failures of a caller's input are data (``Problem``), collected and
returned as ``UserError`` by the GraphQL layer; an exception here means the
caller may not do what it asked (``Forbidden``), or the input is malformed
beyond what a payload can report (``BadUserInput``).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One reason an input was refused: a stable code, the input path, a message."""

    code: str
    field: tuple[str, ...]
    message: str


class HubError(Exception):
    """Base of every error the core raises on purpose."""

    code = "HUB_ERROR"


class Refused(HubError):
    """Input refused; nothing was changed. Carries every problem found."""

    code = "REFUSED"

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


class Forbidden(HubError):
    """The caller's role may not do this (CONTRACT: roles)."""

    code = "FORBIDDEN"


class BadUserInput(HubError, ValueError):
    """An argument out of range or malformed (page size, date range, ID)."""

    code = "BAD_USER_INPUT"


class Unauthenticated(HubError):
    """No token, or a token that does not verify."""

    code = "UNAUTHENTICATED"


def refuse_if(problems: list[Problem]) -> None:
    if problems:
        raise Refused(problems)
