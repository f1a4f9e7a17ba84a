"""JSON from outside the hub, read so that no shape of it can reach a server error.

A body is refused, with a reason the caller can act on, when it is not JSON, when it nests
deeper than a bound (a parser or a walker that recurses would otherwise exhaust the stack),
or when a string in it cannot be written as UTF-8 (a lone surrogate such as ``"\\ud800"``:
valid JSON escapes, but no text a database or a peer can store; RFC 7493 section 2.1).
"""

from __future__ import annotations

import json
from typing import Any

MAX_DEPTH = 64  # arrays and objects inside one another; GraphQL inputs need a handful


class Unreadable(ValueError):
    """Why a JSON body cannot be used: ``code`` is NOT_JSON, TOO_DEEP or UNENCODABLE."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def encodable(text: str) -> bool:
    """True when the text can be written as UTF-8 (no lone surrogate)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def read_json(body: bytes | str, *, max_depth: int = MAX_DEPTH) -> Any:
    """The decoded value, or ``Unreadable`` saying why it cannot be used."""
    try:
        value = json.loads(body)
    except RecursionError as exc:
        raise Unreadable("TOO_DEEP", f"the JSON nests deeper than {max_depth} levels") from exc
    except ValueError as exc:
        raise Unreadable("NOT_JSON", "the body is not JSON") from exc
    check(value, max_depth=max_depth)
    return value


def check(value: Any, *, max_depth: int = MAX_DEPTH) -> None:
    """Refuse a decoded value that nests too deep or holds text that is not Unicode (walked without recursion)."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if not encodable(item):
                raise Unreadable("UNENCODABLE", "a string holds a lone surrogate (not Unicode text)")
            continue
        if not isinstance(item, (dict, list)):
            continue
        if depth >= max_depth:
            raise Unreadable("TOO_DEEP", f"the JSON nests deeper than {max_depth} levels")
        children = [*item.keys(), *item.values()] if isinstance(item, dict) else item
        stack.extend((child, depth + 1) for child in children)
