"""Documents prepared once (``resolvers.prepared``): a document asked again skips strawberry's extensions and runs
straight on graphql-core, and answers exactly as its first run did: the same data, the same errors, the same
refusals, counted and traced the same."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx2
import pytest
from graphql import GraphQLSchema
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from strawberry.federation import Schema

from app.main import Hub
from connectors import telemetry
from resolvers import MAX_TOKENS, build_schema
from resolvers.cost import DEFAULT_MAX_COST, Weigher
from resolvers.prepared import PreparedDocuments
from tests.api.test_observe import scrape, value
from tests.api.test_query_cost import FAN_OUT, MET, refused
from tests.conftest import Api

CAMDEN = "E09000007"


def fresh(query: str) -> str:
    """The document with a comment of its own: never seen by this hub before (the hub outlives one test)."""
    return f"# {uuid.uuid4()}\n{query}"


@pytest.fixture
def whole_path(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str | None]]:
    """The documents that took strawberry's whole path of extensions."""
    taken: list[str | None] = []
    original = Schema.execute

    async def counting(self: Any, query: str | None, *args: Any, **kwargs: Any) -> Any:
        taken.append(query)
        return await original(self, query, *args, **kwargs)

    monkeypatch.setattr(Schema, "execute", counting)
    yield taken


async def asked(api: Api, body: dict[str, Any], as_: tuple[str, str], times: int = 3) -> list[httpx2.Response]:
    token = await api.token(*as_)
    return [await api.http.post("/graphql", json=body, headers={"authorization": f"Bearer {token}"})
            for _ in range(times)]


def same(responses: list[httpx2.Response]) -> dict[str, Any]:
    first = responses[0]
    for again in responses[1:]:
        assert (again.status_code, again.headers["content-type"], again.json()) == (
            first.status_code, first.headers["content-type"], first.json())
    body: dict[str, Any] = first.json()
    return body


async def test_a_document_asked_again_runs_prepared_and_answers_the_same(
        api: Api, hub: Hub, whole_path: list[str | None]) -> None:
    query = fresh("{ me { role organisation { code name } } cases(first: 2) { totalCount } }")
    body = same(await asked(api, {"query": query}, (CAMDEN, "la")))
    assert body["data"]["me"] == {"role": "la", "organisation": {"code": CAMDEN, "name": "Camden"}}
    assert whole_path == [query]  # the first time only
    prepared = hub.schema().prepared
    assert prepared is not None and prepared.get(query, None) is not None


async def test_errors_while_running_are_the_same_on_the_prepared_path(
        api: Api, whole_path: list[str | None]) -> None:
    query = fresh('{ me { role } case(id: "not an id") { id reference } }')
    body = same(await asked(api, {"query": query}, (CAMDEN, "la")))
    assert body["data"] == {"me": {"role": "la"}, "case": None}
    (error,) = body["errors"]
    assert (error["path"], error["extensions"]["code"]) == (["case"], "BAD_USER_INPUT")
    assert whole_path == [query]


async def test_variables_that_cannot_be_used_are_refused_the_same_without_data(
        api: Api, whole_path: list[str | None]) -> None:
    query = fresh("query Cases($n: Int!) { cases(first: $n) { totalCount } }")
    ok = same(await asked(api, {"query": query, "variables": {"n": 2}}, (CAMDEN, "la"), times=2))
    assert "errors" not in ok
    bad = same(await asked(api, {"query": query, "variables": {"n": "two"}}, (CAMDEN, "la")))
    assert "data" not in bad and bad["errors"][0]["extensions"]["code"], bad
    assert whole_path == [query]  # prepared by the first run; the variables are coerced on every run


async def test_the_named_operation_of_several_runs_prepared_and_without_a_name_is_refused(
        api: Api, hub: Hub, whole_path: list[str | None]) -> None:
    query = fresh("query Me { me { role } } query Count { cases(first: 1) { totalCount } }")
    me = same(await asked(api, {"query": query, "operationName": "Me"}, (CAMDEN, "la")))
    assert me["data"] == {"me": {"role": "la"}}
    count = same(await asked(api, {"query": query, "operationName": "Count"}, (CAMDEN, "la")))
    assert set(count["data"]) == {"cases"}
    unnamed = same(await asked(api, {"query": query}, (CAMDEN, "la")))
    assert unnamed["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED" and "data" not in unnamed
    assert whole_path == [query, query, query, query, query]  # each name prepared once; no name never
    prepared = hub.schema().prepared
    assert prepared is not None and prepared.get(query, None) is None


async def test_documents_refused_before_execution_are_never_prepared(
        api: Api, hub: Hub, whole_path: list[str | None]) -> None:
    invalid = fresh("{ me { nothingHere } }")
    unparsable = fresh("{ me { role }")
    unknown_name = fresh("query Me { me { role } }")
    for body in ({"query": invalid}, {"query": unparsable}, {"query": unknown_name, "operationName": "Other"}):
        answers = await asked(api, body, (CAMDEN, "la"))
        assert all(a.status_code in (200, 400) for a in answers)
        refusal = same(answers)
        assert "data" not in refusal and refusal["errors"], refusal
    assert len(whole_path) == 9
    prepared = hub.schema().prepared
    assert prepared is not None
    assert all(prepared.get(q, n) is None for q, n in ((invalid, None), (unparsable, None), (unknown_name, "Other")))


async def test_a_prepared_document_is_still_weighed_and_refused_over_its_cost(
        api: Api, whole_path: list[str | None]) -> None:
    query = fresh(FAN_OUT)
    answers = await asked(api, {"query": query, "variables": {"c": MET}}, (CAMDEN, "la"))
    for answer in answers:
        refused(answer.json(), DEFAULT_MAX_COST)
    same(answers)
    # prepared after its first refusal (it parses and validates), weighed again each time, then refused by the whole
    # path, which answers the refusal as it always has
    assert whole_path == [query, query, query]


async def test_a_prepared_run_is_counted_and_traced_as_its_first_run_was(
        api: Api, client: httpx2.AsyncClient) -> None:
    query = fresh("{ me { role } }")
    failing = fresh('{ me { role } case(id: "not an id") { id } }')
    variables = fresh("query($n: Int!) { cases(first: $n) { totalCount } }")
    before = await scrape(client)
    await asked(api, {"query": query}, (CAMDEN, "la"), times=1)  # the whole path, then prepared
    await asked(api, {"query": failing}, (CAMDEN, "la"), times=1)
    await asked(api, {"query": variables, "variables": {"n": "two"}}, (CAMDEN, "la"), times=1)
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    telemetry.use(provider)
    try:
        await asked(api, {"query": query}, (CAMDEN, "la"), times=2)
        errors = same(await asked(api, {"query": failing}, (CAMDEN, "la"), times=2))
        await asked(api, {"query": variables, "variables": {"n": "two"}}, (CAMDEN, "la"), times=2)
    finally:
        telemetry.use(None)
        provider.shutdown()
    after = await scrape(client)

    def moved(**labels: str) -> float:
        return (value(after, "cspr_hub_graphql_operations_total", **labels)
                - value(before, "cspr_hub_graphql_operations_total", **labels))

    assert errors.get("errors"), errors
    # the first run (strawberry's whole path) and the prepared ones are counted alike
    assert moved(operation_type="query", outcome="ok") == 3
    assert moved(operation_type="query", outcome="error") == 3  # errors while running, with data
    assert moved(operation_type="query", outcome="invalid") == 3  # variables refused: nothing ran
    operations = [s for s in exporter.get_finished_spans() if s.name == "graphql query"]
    assert len(operations) == 6
    assert sum(not s.status.is_ok for s in operations) == 4  # the failing and the refused ones, marked failed


async def test_a_prepared_document_whose_weighing_fails_is_answered_as_on_the_whole_path(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    """The list bounds are read again from the database now and then: should that fail, the answer is a GraphQL
    error, as strawberry's path gives it, never a 500."""
    query = fresh("{ me { role } }")
    await asked(api, {"query": query}, (CAMDEN, "la"), times=1)  # prepared

    async def unreadable(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(Weigher, "check", unreadable)
    (answer,) = await asked(api, {"query": query}, (CAMDEN, "la"), times=1)
    assert answer.status_code == 200, answer.text
    assert "data" not in answer.json() or answer.json()["data"] is None
    assert answer.json()["errors"], answer.json()


def test_prepared_documents_are_bounded_least_recently_used_out() -> None:
    schema: GraphQLSchema = build_schema()._schema
    prepared = PreparedDocuments(lambda: schema, (), max_tokens=MAX_TOKENS, size=2)
    first, second, third = "{ me { role } }", "{ __typename }", "{ me { organisation { code } } }"
    for query in (first, second):
        prepared.learn(query, None)
    assert prepared.get(first, None) is not None  # used: the second is now the least recently used
    prepared.learn(third, None)
    assert prepared.get(second, None) is None
    assert prepared.get(first, None) is not None and prepared.get(third, None) is not None
    prepared.learn("{ " + "me { role } " * MAX_TOKENS + "}", None)  # over the token limit: never prepared
    assert len(prepared.entries) == 2
