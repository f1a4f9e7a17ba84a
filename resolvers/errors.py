"""Domain exceptions mapped once: Refused becomes the payload's errors; the rest GraphQL errors."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from graphql import GraphQLError
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from hub import audit
from hub.errors import HubError, Refused, Unauthenticated
from hub.principal import Principal
from hub.store import transaction
from schema.common import UserError
from schema.context import HubContext, HubInfo

T = TypeVar("T")

logger = logging.getLogger("cspr_hub.graphql")
DATABASE_UNAVAILABLE = "DATABASE_UNAVAILABLE"


async def unit_of_work(info: HubInfo, action: Callable[[AsyncSession], Awaitable[T]]) -> T | list[UserError]:
    """Run one core action in one transaction; refused input rolls everything back.

    The audit entry for the change (``hub.audit``: the mutation's name, its case) is
    appended in the same transaction, so the change and its record commit together.
    A unique key taken by a concurrent request (the same idempotency key, the same
    organisation's first contribution) rolls this attempt back; it is run once more,
    and then sees the other request's result as any later request would.
    """
    context = info.context
    for attempt in (1, 2, 3):
        committing = False
        try:
            async with transaction(context.sessions) as session:
                done = await action(session)
                record = audit.Record(action=info.field_name, at=context.clock.now(), case_id=audit.case_of(done))
                await audit.append(session, principal=principal_of(context), records=[record])
                committing = True
                return done
        except Refused as refused:
            return [UserError.from_problem(p) for p in refused.problems]
        except IntegrityError:
            if attempt >= 2:
                raise
        except DBAPIError as error:
            # The database connection was lost (a restart, a fail-over, a terminated backend) before the
            # commit: nothing was written, so the unit of work runs again on a new connection. Lost during
            # the commit, whether it landed is unknown: the caller is told (DATABASE_UNAVAILABLE).
            if not error.connection_invalidated or committing or attempt == 3:
                raise
    raise AssertionError("unreachable")


def _root_cause(error: BaseException | None) -> BaseException | None:
    seen = 0
    while isinstance(error, GraphQLError) and error.original_error is not None and seen < 5:
        error, seen = error.original_error, seen + 1
    return error


def error_code(error: GraphQLError) -> str:
    """Every error the API shows carries extensions.code (CONTRACT: errors)."""
    given = (error.extensions or {}).get("code")
    if isinstance(given, str):
        return given
    cause = _root_cause(error)
    if isinstance(cause, HubError):
        return cause.code
    if isinstance(cause, DBAPIError) and cause.connection_invalidated:
        return DATABASE_UNAVAILABLE
    if cause is not None and not isinstance(cause, GraphQLError):
        return "INTERNAL_SERVER_ERROR"
    if error.message.startswith("Syntax Error"):
        return "GRAPHQL_PARSE_FAILED"
    if error.message.startswith("Variable '$"):
        return "BAD_USER_INPUT"
    return "GRAPHQL_VALIDATION_FAILED"


def format_error(error: GraphQLError) -> dict[str, Any]:
    """The error as the caller sees it; unexpected failures are masked."""
    code = error_code(error)
    formatted = dict(error.formatted)
    if code == "INTERNAL_SERVER_ERROR":
        formatted["message"] = "Internal server error"
    elif code == DATABASE_UNAVAILABLE:  # never the statement or its values
        formatted["message"] = ("The connection to the database was lost while answering; try again (a mutation "
                                "with an idempotencyKey is safe to repeat)")
    given = formatted.get("extensions")
    formatted["extensions"] = {**(given if isinstance(given, dict) else {}), "code": code}
    return formatted


def log_unexpected(errors: list[GraphQLError]) -> None:
    """Log bugs without their messages: those can carry input values (children's details)."""
    for error in errors:
        code = error_code(error)
        if code == DATABASE_UNAVAILABLE:
            logger.warning("database connection lost at %s", error.path)
        if code != "INTERNAL_SERVER_ERROR":
            continue
        cause = _root_cause(error)
        frames = "".join(traceback.format_tb(cause.__traceback__)) if cause else ""
        logger.error("unexpected %s at %s\n%s", type(cause).__name__, error.path, frames)


def principal_of(context: HubContext) -> Principal:
    """The caller; every field that reaches a resolver has passed the role check."""
    if context.principal is None:
        raise Unauthenticated("a bearer token is required")
    return context.principal
