"""Shapes every part of the schema shares: errors, pages, cursors."""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

import strawberry

from hub.errors import BadUserInput, Problem

T = TypeVar("T")

MAX_PAGE = 100
DEFAULT_PAGE = 20


@strawberry.type(description="Why an input was refused. Nothing was changed.")
class UserError:
    code: str = strawberry.field(description="A stable, machine-readable code, e.g. LATE_REASON_REQUIRED.")
    field: list[str] | None = strawberry.field(description="The path of the input field at fault.")
    message: str = strawberry.field(description="What is wrong, for a person.")

    @classmethod
    def from_problem(cls, problem: Problem) -> UserError:
        return cls(code=problem.code, field=list(problem.field) or None, message=problem.message)


@strawberry.type(description="Where a page ends.")
class PageInfo:
    has_next_page: bool = strawberry.field(description="Whether another page follows.")
    end_cursor: str | None = strawberry.field(description="Pass as `after` for the next page.")


@strawberry.type(description="One item of a page, with its cursor.")
class Edge(Generic[T]):
    cursor: str = strawberry.field(description="Opaque position of this item.")
    node: T = strawberry.field(description="The item.")


@strawberry.type(description="A page of items (relay-style).")
class Connection(Generic[T]):
    edges: list[Edge[T]] = strawberry.field(description="The items with their cursors.")
    nodes: list[T] = strawberry.field(description="The items alone.")
    page_info: PageInfo = strawberry.field(description="Whether more items follow.")
    count: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(description="How many items match, across all pages.")
    async def total_count(self) -> int:
        return await self.count()


def page_size(first: int | None) -> int:
    if first is None:
        return DEFAULT_PAGE
    if not 0 <= first <= MAX_PAGE:
        raise BadUserInput(f"first must be between 0 and {MAX_PAGE}")
    return first


def encode_cursor(*parts: str) -> str:
    return base64.urlsafe_b64encode("|".join(parts).encode()).decode()


def decode_cursor(cursor: str | None, parts: int) -> tuple[str, ...] | None:
    if cursor is None:
        return None
    try:
        decoded = base64.urlsafe_b64decode(cursor.encode()).decode().split("|")
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise BadUserInput("after is not a cursor this API gave out") from exc
    if len(decoded) != parts:
        raise BadUserInput("after is not a cursor this API gave out")
    return tuple(decoded)


def parse_id(value: str, name: str = "id") -> str:
    try:
        return str(uuid.UUID(value))
    except (ValueError, AttributeError, TypeError) as exc:
        raise BadUserInput(f"{name} is not a well-formed ID") from exc


def make_connection(
    items: list[T], cursors: list[str], *, more: bool, count: Callable[[], Awaitable[int]]
) -> Connection[T]:
    """A page of items with their cursors; ``more`` says whether another page follows."""
    edges = [Edge(cursor=c, node=n) for c, n in zip(cursors, items, strict=True)]
    return Connection(
        edges=edges, nodes=items,
        page_info=PageInfo(has_next_page=more, end_cursor=cursors[-1] if cursors else None),
        count=count,
    )
