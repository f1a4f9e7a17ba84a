"""What federation's ``_entities`` accepts: a representation names an entity type and carries its key, ``id``."""

from __future__ import annotations

from typing import Any

from hub.untrusted_json import encodable

KEY = "id"
MAX_ID = 200


def representation_problem(representation: Any, entities: frozenset[str]) -> str | None:
    """Why the representation cannot be resolved (a message for the caller), or None when it can be."""
    if not isinstance(representation, dict):
        return "is not an object"
    type_name = representation.get("__typename")
    if not isinstance(type_name, str) or type_name not in entities:
        return "needs the __typename of an entity type"
    if set(representation) != {"__typename", KEY}:
        return f"needs exactly __typename and the key {KEY}"
    value = representation[KEY]
    if not isinstance(value, str) or len(value) > MAX_ID or not encodable(value):
        return f"{KEY} must be Unicode text of at most {MAX_ID} characters"
    return None
