"""The number of SQL statements for a page of cases does not grow with the page size."""

from __future__ import annotations

from hub import paging
from hub.clock import FixedClock
from tests.api.test_notification import BIRMINGHAM, CAMDEN, NOTIFY, serious_incident
from tests.conftest import Api, Statements

PAGE = """query($first: Int) { cases(first: $first) { totalCount pageInfo { hasNextPage endCursor }
  nodes { reference leadPartnership { name members { code name } } involvedPartnerships { name }
          child { pseudonym firstName } children { sex }
          notification { dueOn onTime routedTo { recipient { code kind } eventType basis dueOn } } } } }"""


async def measure(api: Api, statements: Statements, first: int, as_: tuple[str, str]) -> int:
    await api(PAGE, {"first": first}, as_=as_)  # warm the token and organisation caches
    statements.count, statements.recording = 0, True
    body = await api(PAGE, {"first": first}, as_=as_)
    statements.recording = False
    assert len(body["data"]["cases"]["nodes"]) == first
    return statements.count


async def test_statements_for_a_page_of_cases_do_not_grow_with_page_size(api: Api, statements: Statements) -> None:
    for n in range(13):  # one more than the larger page: both pages have a next one, and count the rest
        value = serious_incident(otherAreaCodes=[BIRMINGHAM], idempotencyKey=f"k{n}")
        body = await api(NOTIFY, {"input": value}, as_=(CAMDEN, "la"))
        assert body["data"]["notifySeriousIncident"]["errors"] == []
    for who in [(CAMDEN, "la"), ("PANEL", "panel"), ("OFSTED", "ofsted")]:
        small, large = await measure(api, statements, 2, who), await measure(api, statements, 12, who)
        assert small == large, who
        assert large <= 14, who


async def test_a_first_page_holding_every_case_counts_them_itself(api: Api, statements: Statements) -> None:
    """``totalCount`` of a first page with no next page is the page's own length: no statement to count them."""
    counted = "query($first: Int) { cases(first: $first) { totalCount pageInfo { hasNextPage } nodes { id } } }"
    uncounted = "query($first: Int) { cases(first: $first) { pageInfo { hasNextPage } nodes { id } } }"
    for key in ("whole-1", "whole-2"):
        await api(NOTIFY, {"input": serious_incident(idempotencyKey=key)}, as_=(CAMDEN, "la"))
    spent = {}
    for name, query, first in (("all", counted, 100), ("all, not counted", uncounted, 100), ("one", counted, 1)):
        await api(query, {"first": first}, as_=(CAMDEN, "la"))
        statements.count, statements.recording = 0, True
        body = (await api(query, {"first": first}, as_=(CAMDEN, "la")))["data"]["cases"]
        statements.recording = False
        spent[name] = statements.count
        if first == 100:
            assert not body["pageInfo"]["hasNextPage"]
            every = len(body["nodes"])
        else:
            assert body["pageInfo"]["hasNextPage"] and body["totalCount"] == every
    assert spent["all"] == spent["all, not counted"] == spent["one"] - 1, spent


FRAGMENTS = """query($first: Int) { cases(first: $first) { nodes { ...Listed } } }
fragment Listed on Case { reference ... on Case { notification { dueOn routedTo { eventType recipient { code } } } } }"""


async def test_a_page_asked_for_through_fragments_is_loaded_ahead_in_the_same_statements(
    api: Api, statements: Statements
) -> None:
    # the page reads its selection set through named and inline fragments: what it loads ahead does not grow
    for n in range(12):
        body = await api(NOTIFY, {"input": serious_incident(idempotencyKey=f"f{n}")}, as_=(CAMDEN, "la"))
        assert body["data"]["notifySeriousIncident"]["errors"] == []
    counts = []
    for first in (2, 12):
        await api(FRAGMENTS, {"first": first}, as_=(CAMDEN, "la"))
        statements.count, statements.recording = 0, True
        body = await api(FRAGMENTS, {"first": first}, as_=(CAMDEN, "la"))
        statements.recording = False
        nodes = body["data"]["cases"]["nodes"]
        assert len(nodes) == first and all(n["notification"]["routedTo"] for n in nodes)
        counts.append(statements.count)
    assert counts[0] == counts[1] <= 6, counts


async def test_paging_walks_every_case_once(api: Api) -> None:
    for n in range(5):
        await api(NOTIFY, {"input": serious_incident(idempotencyKey=f"p{n}")}, as_=(CAMDEN, "la"))
    seen: list[str] = []
    after = None
    for _ in range(5):
        body = await api("query($after: String) { cases(first: 2, after: $after) { pageInfo { hasNextPage endCursor } nodes { id } } }",
                         {"after": after}, as_=(CAMDEN, "la"))
        page = body["data"]["cases"]
        seen += [n["id"] for n in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(seen) == 5 == len(set(seen))


QUEUE = """query($first: Int) { rapidReviews(first: $first, filter: {awaitingPanel: true}) { totalCount
  nodes { id status dueOn recommendation rationale criteria contributions { organisation { code } summary }
          panelResponses { outcome } case { reference child { firstName } leadPartnership { name members { code } }
          notification { dueOn onTime routedTo { recipient { code } eventType } } } } } }"""


async def test_the_panels_queue_of_fifty_reviews_costs_the_same_statements_as_five(api: Api, statements: Statements) -> None:
    from tests.api.test_rapid_review import CONTRIBUTE, MET, START, SUBMISSION, SUBMIT, icb

    partners = [MET, await icb(api)]

    for n in range(50):
        made = await api(NOTIFY, {"input": serious_incident(idempotencyKey=f"q{n}")}, as_=(CAMDEN, "la"))
        case_id = made["data"]["notifySeriousIncident"]["case"]["id"]
        review = (await api(START, {"c": case_id}, as_=(CAMDEN, "la")))["data"]["startRapidReview"]["rapidReview"]
        await api(CONTRIBUTE, {"r": review["id"], "i": {"summary": "Facts."}}, as_=(CAMDEN, "la"))
        reason = {**SUBMISSION, "missingContributionReason": "Invented reason.",
                  "missingSignOffs": [{"organisationCode": code, "reason": "Invented reason."} for code in partners]}
        body = await api(SUBMIT, {"r": review["id"], "i": reason}, as_=(CAMDEN, "la"))
        assert body["data"]["submitRapidReview"]["errors"] == []
    counts = []
    for first in (5, 49):  # both pages with a next one (a page holding every review counts them itself)
        await api(QUEUE, {"first": first}, as_=("PANEL", "panel"))
        statements.count, statements.recording = 0, True
        body = await api(QUEUE, {"first": first}, as_=("PANEL", "panel"))
        statements.recording = False
        assert len(body["data"]["rapidReviews"]["nodes"]) == first
        counts.append(statements.count)
    assert counts[0] == counts[1] <= 14, counts
    # the reviews' cases are read with the page, by the same statement: asking for them costs no statement more
    bare = "query($first: Int) { rapidReviews(first: $first, filter: {awaitingPanel: true}) { totalCount nodes { id } } }"
    cased = ("query($first: Int) { rapidReviews(first: $first, filter: {awaitingPanel: true}) { totalCount "
             "nodes { id case { id reference } } } }")
    spent = []
    for query in (bare, cased):
        await api(query, {"first": 5}, as_=("PANEL", "panel"))
        statements.count, statements.recording = 0, True
        body = await api(query, {"first": 5}, as_=("PANEL", "panel"))
        statements.recording = False
        spent.append(statements.count)
    assert spent[0] == spent[1], spent
    assert all(node["case"]["reference"].startswith("CSPR-") for node in body["data"]["rapidReviews"]["nodes"])


REVIEWS = """query($first: Int) { practiceReviews(first: $first) { nodes { kind status publicationDueOn
  reviewers { name } finalReport { improvementsSummary } recommendations { action addressee { code } }
  case { reference } } } }"""
PUBLISHED = """query($first: Int) { publishedReports(first: $first) { nodes { title text reviewerNames
  partnership { name } } } }"""


async def test_pages_of_reviews_and_published_reports_cost_the_same_statements_at_any_size(
    api: Api, statements: Statements, clock: FixedClock
) -> None:
    from tests.api.reviews import CAMDEN_LA, PUBLISH, SCHEDULE, at, reported

    for _ in range(6):
        review = await reported(api)
        await api(SCHEDULE, {"r": review["id"], "d": "2027-01-05"}, as_=CAMDEN_LA)
    at(clock, 2027, 1, 5)
    page = await api(REVIEWS, {"first": 6}, as_=CAMDEN_LA)
    for node in page["data"]["practiceReviews"]["nodes"]:
        assert node["finalReport"] is not None
    reviews = [r["id"] for r in (await api("{ practiceReviews(first: 6) { nodes { id } } }", as_=CAMDEN_LA))[
        "data"]["practiceReviews"]["nodes"]]
    for review_id in reviews:
        await api(PUBLISH, {"r": review_id, "i": {"publishedOn": "2027-01-05"}}, as_=CAMDEN_LA)
    for query, who in ((REVIEWS, CAMDEN_LA), (REVIEWS, ("OFSTED", "ofsted")), (PUBLISHED, None)):
        counts = []
        for first in (2, 6):
            await api.post(query, {"first": first}, as_=who)
            statements.count, statements.recording = 0, True
            response = await api.post(query, {"first": first}, as_=who)
            statements.recording = False
            assert len(next(iter(response.json()["data"].values()))["nodes"]) == first
            counts.append(statements.count)
        assert counts[0] == counts[1], (query, who, counts)


async def test_a_callers_next_poll_of_a_first_page_reuses_its_statement(api: Api) -> None:
    """The same first page asked for again by the same caller runs the very statement it ran before (``hub.kept``):
    nothing kept is added; another filter or another caller is another statement, with its own answer."""
    for key in ("poll-1", "poll-2"):
        await api(NOTIFY, {"input": serious_incident(idempotencyKey=key)}, as_=(CAMDEN, "la"))
    page = "query($f: CaseFilter) { cases(first: 5, filter: $f) { nodes { reference status } } }"
    first = await api(page, as_=(CAMDEN, "la"))
    kept = len(paging.STATEMENTS)
    assert await api(page, as_=(CAMDEN, "la")) == first
    assert len(paging.STATEMENTS) == kept
    closed = await api(page, {"f": {"status": ["WITHDRAWN"]}}, as_=(CAMDEN, "la"))
    assert closed["data"]["cases"]["nodes"] == [] and len(paging.STATEMENTS) == kept + 1
    assert len((await api(page, as_=(BIRMINGHAM, "la")))["data"]["cases"]["nodes"]) == 0  # not Birmingham's cases
    assert len(paging.STATEMENTS) == kept + 2
    assert len(first["data"]["cases"]["nodes"]) == 2
