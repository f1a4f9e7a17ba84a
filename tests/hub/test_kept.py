"""Answers kept for the same inputs (``hub.kept``), and a first page's statement kept by them (``hub.paging``)."""

from __future__ import annotations

import gc
import weakref

from sqlmodel import col

from hub.kept import Kept
from hub.models import Case


def test_an_answer_is_kept_for_equal_values_and_the_very_same_objects() -> None:
    kept: Kept[str] = Kept(8)
    condition = col(Case.status) == "NOTIFIED"
    made: list[str] = []

    def make(answer: str) -> str:
        made.append(answer)
        return answer

    assert kept.get(("camden", 1), (condition,), lambda: make("first")) == "first"
    assert kept.get(("camden", 1), (condition,), lambda: make("again")) == "first"  # kept: not made again
    # an expression equal in SQL but another object is not the same input (== on it builds SQL, it compares nothing)
    twin = col(Case.status) == "NOTIFIED"
    assert kept.get(("camden", 1), (twin,), lambda: make("twin")) == "twin"
    assert kept.get(("camden", 2), (condition,), lambda: make("other day")) == "other day"
    assert made == ["first", "twin", "other day"]


class Expression:
    pass


def test_the_oldest_answer_goes_first_and_the_objects_kept_stay_alive() -> None:
    kept: Kept[int] = Kept(2)
    objects = [object() for _ in range(3)]
    for n, o in enumerate(objects):
        kept.keep("v", (o,), n)
    assert len(kept) == 2
    assert kept.find("v", (objects[0],)) is None
    assert [kept.find("v", (o,)) for o in objects[1:]] == [1, 2]
    # an object held only by what is kept stays alive, and so keeps its id: no other object can take it
    alone = Expression()
    held = weakref.ref(alone)
    kept.keep("alone", (alone,), 9)
    del alone
    gc.collect()
    assert held() is not None and kept.find("alone", (held(),)) == 9
