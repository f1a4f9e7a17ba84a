"""Answers kept for the same inputs: a SQL condition or statement built once, not again on every request.

A principal's every request builds the same conditions (who may see what, a queue's filter) and the same page
statement from them; SQLAlchemy then works out the statement's cache key again, column by column, to find the
SQL it compiled before. Kept, the same statement object answers at once (its cache key is remembered on it).

Inputs are compared by value (a principal, a day, a filter) and, for SQL expressions and copies of the reference
data, by identity: ``==`` on an expression builds SQL rather than comparing. An answer is kept with the objects it
was made from, so while it is kept no other object can take their ids. Bounded: the oldest answer goes first.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class Kept(Generic[V]):
    def __init__(self, size: int) -> None:
        self._size = size
        self._answers: dict[tuple[Hashable, tuple[int, ...]], tuple[tuple[object, ...], V]] = {}

    def find(self, values: Hashable, same: tuple[object, ...] = ()) -> V | None:
        """The answer kept for ``values`` (equal) and ``same`` (the very objects), or None."""
        found = self._answers.get((values, tuple(map(id, same))))
        return found[1] if found is not None else None

    def keep(self, values: Hashable, same: tuple[object, ...], answer: V) -> V:
        self._answers[(values, tuple(map(id, same)))] = (same, answer)
        if len(self._answers) > self._size:
            del self._answers[next(iter(self._answers))]  # the oldest kept
        return answer

    def get(self, values: Hashable, same: tuple[object, ...], make: Callable[[], V]) -> V:
        """The answer kept, or ``make()``'s, kept."""
        found = self.find(values, same)
        return found if found is not None else self.keep(values, same, make())

    def answers(self) -> list[tuple[tuple[object, ...], V]]:
        """Each answer kept, with the objects it was kept for, oldest first."""
        return list(self._answers.values())

    def __len__(self) -> int:
        return len(self._answers)

    def clear(self) -> None:
        self._answers.clear()
