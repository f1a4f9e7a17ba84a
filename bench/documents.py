"""The three requests ``bench_api.py`` sends: the caller, a page of cases, the Panel's queue."""

from __future__ import annotations


def cases_query(first: int) -> str:
    """A page of the caller's cases, ``first`` at a time, with what an agency's list shows."""
    return (
        f"{{ cases(first: {first}) {{ totalCount nodes {{ id reference status "
        "leadPartnership { name members { code } } "
        "notification { dueOn onTime routedTo { recipient { code } eventType basis dueOn } } } } }"
    )


def queue_query(first: int) -> str:
    """The Panel's work queue: submitted rapid reviews it has not answered, oldest first."""
    return (
        f"{{ rapidReviews(filter: {{awaitingPanel: true}}, first: {first}) {{ totalCount nodes {{ id status "
        "dueOn submittedAt onTime recommendation criteria "
        "case { reference status leadPartnership { name members { code } } } } } }"
    )


ME_QUERY = "{ me { role organisation { code name } } }"
PAGE_SIZE = 50
CASES_QUERY = cases_query(PAGE_SIZE)
QUEUE_QUERY = queue_query(PAGE_SIZE)
