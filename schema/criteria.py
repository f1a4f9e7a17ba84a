"""Criteria answered with a decision (thin: the rules are in ``hub/criteria.py``)."""

from __future__ import annotations

from typing import Any

import strawberry

from hub import criteria


@strawberry.type(description="One criterion the decision took into account: whether it is met, and how it was "
                             "considered (paras 18, 22).")
class CriterionConsidered:
    criterion: str = strawberry.field(description="The criterion or circumstance, e.g. IMPROVEMENTS_NEEDED.")
    met: bool = strawberry.field(description="Whether the case meets it.")
    how: str = strawberry.field(description="How it was considered: the evidence and reasoning, briefly.")

    @classmethod
    def from_rows(cls, rows: list[dict[str, Any]] | None) -> list[CriterionConsidered]:
        return [cls(criterion=str(r["criterion"]), met=bool(r["met"]), how=str(r["how"])) for r in rows or []]


@strawberry.input(description="One criterion answered: met or not, and how it was considered (paras 18, 22).")
class CriterionConsideredInput:
    criterion: str = strawberry.field(description="The criterion or circumstance, e.g. IMPROVEMENTS_NEEDED.")
    met: bool = strawberry.field(description="Whether the case meets it.")
    how: str = strawberry.field(description="How it was considered: the evidence and reasoning, briefly. "
                                            "At most 5,000 characters.")

    def to_core(self) -> criteria.Considered:
        return criteria.Considered(criterion=self.criterion, met=self.met, how=self.how)


def to_core(given: list[CriterionConsideredInput] | None) -> tuple[criteria.Considered, ...]:
    return tuple(c.to_core() for c in given or ())
