"""Selections completed in one walk (``resolvers.planned``): the same answers and the same errors, at the same
paths, as strawberry's own execution; planned only where a walk can answer as graphql-core would."""

from __future__ import annotations

import asyncio
import enum
import inspect
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
import strawberry
from strawberry.extensions import ParserCache
from strawberry.federation import Schema
from strawberry.permission import BasePermission

from resolvers import build_schema
from resolvers.direct import resolve_directly
from resolvers.planned import ABANDONED_AT_MOST, Plans


class Never(BasePermission):
    message = "never"

    def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        return False


class Colour(enum.Enum):
    RED = "red"
    GREEN = "green"


@strawberry.type
class Tag:
    label: str
    weight: int | None


@strawberry.interface
class Named:
    name: str


@strawberry.type
class Person(Named):
    age: int


@strawberry.type
class Item:
    code: str
    count: int
    colour: Colour
    labels: list[str]
    tags: list[Tag]
    maybe_tags: list[Tag | None] | None
    owner: Tag | None
    must: Tag
    named: Named
    secret: str | None = strawberry.field(default="hidden", permission_classes=[Never])

    @strawberry.field
    def where(self, info: strawberry.Info) -> str:  # a resolver given info: the path it sees is graphql-core's
        return f"{self.code}@{info.path.as_list()}:{info.context['who']}"

    @strawberry.field(graphql_type=Tag)
    def sometimes(self, info: strawberry.Info) -> Tag | Awaitable[Tag]:  # at once, or an awaitable when not ready
        if info.context["ready"]:
            return self.tags[0]

        async def later() -> Tag:
            await asyncio.sleep(0)
            return self.tags[0]
        return later()

    @strawberry.field
    async def later(self) -> int:
        await asyncio.sleep(0)
        return self.count + 1

    @strawberry.field
    def scaled(self, by: int) -> int:
        return self.count * by


def item(code: str, count: Any = 1, **changes: Any) -> Item:
    values: dict[str, Any] = {
        "code": code, "count": count, "colour": Colour.RED, "labels": ["a", "b"],
        "tags": [Tag(label=f"{code}-1", weight=1), Tag(label=f"{code}-2", weight=None)],
        "maybe_tags": [Tag(label="m", weight=2), None], "owner": None, "must": Tag(label="must", weight=3),
        "named": Person(name=f"{code}-person", age=40)}
    values.update(changes)
    return Item(**values)


def clean() -> list[Item]:
    return [item("one"), item("two", colour=Colour.GREEN, owner=Tag(label="own", weight=None), maybe_tags=None)]


def dirty() -> list[Item]:
    """Each out of the ordinary in one way: a count that does not coerce, a null where never, a tuple of tags,
    an iterator where a list is due, a null item where never, a label of the wrong type; and one ordinary item."""
    return [item("bad-count", count="x"), item("no-must", must=None),
            item("tuple", tags=(Tag(label="t", weight=0),)), item("iterator", labels=iter(["i"])),
            item("null-tag", tags=[None]), item("wrong-label", tags=[Tag(label=object(), weight=1)]),  # type: ignore[arg-type]
            item("fine")]


@strawberry.type
class Root:
    @strawberry.field
    def items(self, info: strawberry.Info) -> list[Item | None]:
        return info.context["items"]()

    @strawberry.field
    def first(self, info: strawberry.Info) -> Item | None:
        return info.context["items"]()[0]


PLAIN = """{ items { code count colour labels again: code __typename where
  tags { label weight } maybeTags { label } owner { label weight } must { label }
  ...More ... on Item { tags { weight } } } first { code tags { label } } }
fragment More on Item { count must { weight } sometimes { label } }"""
MIXED = "{ items { code tags { label } later scaled(by: 2) secret named { name } } }"  # planned below `items` only
DIRECTIVES = "query($yes: Boolean!) { items { code tags @include(if: $yes) { label } } }"


async def answer(schema: Schema, query: str, items: Callable[[], list[Item]], ready: bool = True, **variables: Any) -> Any:
    result = await schema.execute(query, variable_values=variables,
                                  context_value={"who": "panel", "items": items, "ready": ready})
    return result.data, sorted((e.message, tuple(e.path or ())) for e in result.errors or [])


def planned(schema: Schema) -> Plans:
    plans = schema.execution_context_class.plans  # type: ignore[attr-defined]
    assert isinstance(plans, Plans)
    return plans


@pytest.fixture
def direct() -> Schema:
    schema = Schema(query=Root, types=[Person], extensions=[ParserCache])  # the same nodes for the same text
    resolve_directly(schema)
    return schema


@pytest.mark.parametrize("query", [PLAIN, MIXED], ids=["every field plannable", "some fields not"])
@pytest.mark.parametrize("items", [clean, dirty], ids=["ordinary data", "out of the ordinary"])
async def test_a_walk_answers_and_fails_as_strawberrys_own_execution(direct: Schema, query: str,
                                                                     items: Callable[[], list[Item]]) -> None:
    strawberrys = await answer(Schema(query=Root, types=[Person]), query, items)
    assert await answer(direct, query, items) == strawberrys
    assert await answer(direct, query, items) == strawberrys  # again, with the plans kept


async def test_ordinary_data_is_walked_and_out_of_the_ordinary_data_is_completed_by_graphql_core(
        direct: Schema) -> None:
    data, errors = await answer(direct, PLAIN, clean)
    assert errors == []
    assert data["items"][1] == {
        "code": "two", "count": 1, "colour": "GREEN", "labels": ["a", "b"], "again": "two", "__typename": "Item",
        "where": "two@['items', 1, 'where']:panel", "tags": [{"label": "two-1", "weight": 1},
                                                               {"label": "two-2", "weight": None}],
        "maybeTags": None, "owner": {"label": "own", "weight": None}, "must": {"label": "must", "weight": 3},
        "sometimes": {"label": "two-1"}}
    # `items` and `first` are heads: each walked once, nothing below them completed by graphql-core
    assert planned(direct).walks() == (2, 0)

    data, errors = await answer(direct, PLAIN, dirty)
    # `items` abandoned; then graphql-core completes each item, walking what is below it (`tags`, `maybeTags`,
    # `owner`, `must`, `sometimes`) until the item fails: none for the bad count, three and an abandoned `must`,
    # five, five, an abandoned `tags` twice, five. `first`, the bad count, selects no count: walked.
    assert planned(direct).walks() == (2 + 18 + 1, 1 + 3)
    assert sorted(e[1] for e in errors) == [("items", 0, "count"), ("items", 1, "must"), ("items", 4, "tags", 0),
                                      ("items", 5, "tags", 0, "label")]
    assert data["items"][:2] == [None, None] and data["items"][3]["labels"] == ["i"]
    assert data["items"][2]["tags"] == [{"label": "t", "weight": 0}]


async def test_an_awaitable_abandons_the_walk_and_graphql_core_awaits_it(direct: Schema) -> None:
    strawberrys = await answer(Schema(query=Root, types=[Person]), PLAIN, clean, ready=False)
    assert await answer(direct, PLAIN, clean, ready=False) == strawberrys
    assert strawberrys[0]["items"][0]["sometimes"] == {"label": "one-1"}
    # `items` abandoned; each item's `tags`, `maybeTags`, `owner` and `must` walked, its `sometimes` abandoned;
    # `first` selects no `sometimes`: walked
    assert planned(direct).walks() == (1 + 2 * 4, 1 + 2)


async def test_a_head_abandoned_again_and_again_is_no_longer_walked(direct: Schema) -> None:
    for _ in range(ABANDONED_AT_MOST + 5):
        await answer(direct, "{ items { code count } }", dirty)
    assert planned(direct).walks() == (0, ABANDONED_AT_MOST + 1)


async def test_what_a_walk_cannot_answer_as_graphql_core_is_not_planned(direct: Schema) -> None:
    # below `items`: an async resolver, arguments, a permission and an interface; each item's `tags` is walked
    await answer(direct, MIXED, clean)
    assert planned(direct).walks() == (2, 0)
    for yes in (True, False):
        strawberrys = await answer(Schema(query=Root, types=[Person]), DIRECTIVES, clean, yes=yes)
        assert await answer(direct, DIRECTIVES, clean, yes=yes) == strawberrys
    assert planned(direct).walks() == (2, 0)  # a document with a directive: nothing planned


async def test_a_middleware_turns_the_walks_off() -> None:
    from strawberry.extensions import SchemaExtension

    class Shouting(SchemaExtension):
        def resolve(self, _next: Any, root: Any, info: Any, *args: Any, **kwargs: Any) -> Any:
            value = _next(root, info, *args, **kwargs)
            return value.upper() if isinstance(value, str) else value

    strawberrys = await answer(Schema(query=Root, types=[Person], extensions=[Shouting]), PLAIN, clean)
    direct = Schema(query=Root, types=[Person], extensions=[Shouting, ParserCache])
    resolve_directly(direct)
    assert await answer(direct, PLAIN, clean) == strawberrys
    assert strawberrys[0]["items"][0]["code"] == "ONE"
    assert planned(direct).walks() == (0, 0)


def test_the_hubs_resolvers_a_walk_may_call_again_only_read() -> None:
    """A walk abandoned is completed again by graphql-core, calling its resolvers a second time. Each resolver a
    walk may call is listed here, read and found to only read (a new one must be read before it joins)."""
    plans = planned(build_schema())
    called = sorted(f"{kind.name}.{name}" for kind, fields in plans.ways.items()
                    for name, (attribute, call) in fields.items() if call is not None)
    assert called == ["Case.incident", "Case.leadPartnership", "Case.notification",
                      "InformationRequest.reviewerAnswer", "InformationRequest.reviewerAnsweredAt",
                      "Notification.routedTo", "Principal.organisation", "Query._service",
                      "RapidReview.case", "RapidReview.content", "RapidReview.criteriaConsidered",
                      "SafeguardingPartnership.members", "_Service.sdl"]
    for kind, fields in plans.ways.items():
        for name, (_, call) in fields.items():
            assert call is None or not inspect.iscoroutinefunction(call), (kind.name, name)


HUB_PAGE = """{ cases(first: 20) { totalCount nodes { id reference status ...Lead
  notification { dueOn onTime routedTo { recipient { code name } eventType basis dueOn } } } } }
fragment Lead on Case { leadPartnership { name members { code } } }"""
HUB_QUEUE = """{ rapidReviews(filter: {awaitingPanel: true}, first: 20) { totalCount nodes { id status dueOn submittedAt
  onTime recommendation criteria case { reference status leadPartnership { name members { code } } } } } }"""


async def test_the_hubs_pages_answer_the_same_walked_or_not(api: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.api.test_notification import BIRMINGHAM, CAMDEN, NOTIFY, serious_incident
    from tests.api.test_rapid_review import MET, START, SUBMISSION, SUBMIT, icb

    partners = [MET, await icb(api)]
    for n in range(4):
        made = await api(NOTIFY, {"input": serious_incident(otherAreaCodes=[BIRMINGHAM], idempotencyKey=f"w{n}")},
                         as_=(CAMDEN, "la"))
        if n % 2:
            case_id = made["data"]["notifySeriousIncident"]["case"]["id"]
            review = (await api(START, {"c": case_id}, as_=(CAMDEN, "la")))["data"]["startRapidReview"]["rapidReview"]
            reason = {**SUBMISSION, "missingContributionReason": "Invented reason.",
                      "missingSignOffs": [{"organisationCode": code, "reason": "Invented reason."} for code in partners]}
            body = await api(SUBMIT, {"r": review["id"], "i": reason}, as_=(CAMDEN, "la"))
            assert body["data"]["submitRapidReview"]["errors"] == []
    asked = [(HUB_PAGE, who) for who in ((CAMDEN, "la"), (BIRMINGHAM, "la"), ("PANEL", "panel"), ("OFSTED", "ofsted"))]
    asked.append((HUB_QUEUE, ("PANEL", "panel")))
    plans = planned(api.hub.schema())
    before = plans.walks()  # the mutations' payloads above: a notification not loaded ahead is abandoned
    walked = [await api(query, as_=who) for query, who in asked]
    finished, abandoned = plans.walks()
    assert finished - before[0] == len(asked) and abandoned == before[1]  # each page's `nodes`, in one walk
    monkeypatch.setattr(api.hub.schema().execution_context_class, "plans", None)
    assert [await api(query, as_=who) for query, who in asked] == walked
    assert plans.walks() == (finished, abandoned)  # not walked: graphql-core's own completion, the same answers
    assert len(walked[0]["data"]["cases"]["nodes"]) == 4 and len(walked[-1]["data"]["rapidReviews"]["nodes"]) == 2
    assert all(node["notification"]["routedTo"] for node in walked[2]["data"]["cases"]["nodes"])
