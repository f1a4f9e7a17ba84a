"""Statutory traceability: every rule names the paragraph that requires it.

A rule is registered with ``@rule("para 12", "notify the Panel within 5 working
days")`` on the function that implements it. ``cspr-hub rules`` prints the
registry with the tests that name each rule's id; a test fails when a rule has
none.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

F = TypeVar("F", bound=Callable[..., object])

SOURCE = "WT2018 ch4"


@dataclass(frozen=True)
class Rule:
    id: str
    basis: str
    text: str
    implemented_by: str


REGISTRY: dict[str, Rule] = {}


def rule(rule_id: str, basis: str, text: str) -> Callable[[F], F]:
    """Register the decorated function as the implementation of a rule."""

    def register(fn: F) -> F:
        name = f"{fn.__module__}.{fn.__qualname__}"
        existing = REGISTRY.get(rule_id)
        if existing is not None and existing.implemented_by != name:
            raise RuntimeError(f"rule {rule_id} registered twice")
        REGISTRY[rule_id] = Rule(rule_id, basis, text, name)
        return fn

    return register


def declare(rule_id: str, basis: str, text: str, implemented_by: str) -> Rule:
    """Register a rule that is data (a routing row) rather than a function."""
    found = REGISTRY.setdefault(rule_id, Rule(rule_id, basis, text, implemented_by))
    return found


def cite(paragraph: str) -> str:
    """The basis string carried by routed messages, e.g. 'WT2018 ch4 para 12'."""
    return f"{SOURCE} {paragraph}"


def all_rules() -> list[Rule]:
    import hub.audit
    import hub.connector
    import hub.connector_outbox
    import hub.deadlines
    import hub.notification
    import hub.practice_review
    import hub.publication
    import hub.recommendation
    import hub.reviewer_pool
    import hub.routing
    import hub.supervision
    import hub.thematic_review
    import hub.visibility
    import hub.withdrawal  # noqa: F401

    return sorted(REGISTRY.values(), key=lambda r: r.id)
