"""Fields graphql-core calls directly (``resolvers.direct``): the same answers as strawberry's own resolvers, and
only where strawberry's wrapping would have done nothing."""

from __future__ import annotations

import asyncio
import datetime
import enum
from typing import Any

import pytest
import strawberry
from strawberry.extensions import SchemaExtension
from strawberry.federation import Schema
from strawberry.permission import BasePermission
from strawberry.schema.schema_converter import CustomGraphQLEnumType

from resolvers import build_schema
from resolvers.direct import name_enum_values_directly, resolve_directly
from schema.context import HubInfo


class Never(BasePermission):
    message = "never"

    def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        return False


@strawberry.type
class Shape:
    size: int
    secret: str | None = strawberry.field(default="hidden", permission_classes=[Never])

    @strawberry.field
    def doubled(self) -> int:
        return self.size * 2

    @strawberry.field
    def with_info(self, info: strawberry.Info) -> str:
        return f"{info.field_name}:{info.context['who']}:{self.size}"

    @strawberry.field
    def as_root(root: Shape, info: strawberry.Info) -> int:
        return root.size + len(info.context["who"])

    @strawberry.field
    def as_parent(self, parent: strawberry.Parent[Shape]) -> int:
        return parent.size + self.size

    @strawberry.field
    async def later(self, info: strawberry.Info) -> int:
        await asyncio.sleep(0)
        return self.size + 1

    @strawberry.field
    def scaled(self, by: int) -> int:  # an argument: strawberry's path
        return self.size * by


@strawberry.type
class Root:
    @strawberry.field
    def shapes(self) -> list[Shape]:
        return [Shape(size=1), Shape(size=5)]


QUERY = "{ shapes { size doubled withInfo asRoot asParent later scaled(by: 3) secret } }"


async def answer(schema: Schema) -> Any:
    result = await schema.execute(QUERY, context_value={"who": "panel"})
    return result.data, [(e.message, e.path) for e in result.errors or []]


async def test_the_direct_resolvers_answer_as_strawberrys_own() -> None:
    strawberrys = await answer(Schema(query=Root))
    direct = Schema(query=Root)
    assert resolve_directly(direct) == (1, 8)
    taken = {(name, field) for name, kind in direct._schema.type_map.items()
             for field, graphql_field in getattr(kind, "fields", {}).items()
             if getattr(graphql_field, "resolve", None) and graphql_field.resolve.__module__ == "resolvers.direct"}
    assert taken == {("Shape", "size"), ("Shape", "doubled"), ("Shape", "withInfo"), ("Shape", "asRoot"),
                     ("Shape", "asParent"), ("Shape", "later"), ("Query", "shapes"),
                     ("Query", "_service"), ("_Service", "sdl")}  # federation's own, which take nothing either
    assert await answer(direct) == strawberrys
    assert strawberrys[0]["shapes"][1] == {"size": 5, "doubled": 10, "withInfo": "withInfo:panel:5", "asRoot": 10,
                                           "asParent": 10, "later": 6, "scaled": 15, "secret": None}
    assert strawberrys[1] == [("never", ["shapes", 0, "secret"]), ("never", ["shapes", 1, "secret"])]


def test_fields_with_arguments_or_extensions_keep_strawberrys_path() -> None:
    schema = build_schema()
    fields = schema._schema.type_map
    direct = {"Case": ("reference", "leadPartnership", "notification", "incident"),
              "Notification": ("dueOn", "routedTo"), "SafeguardingPartnership": ("members",)}
    for type_name, names in direct.items():
        for name in names:
            assert fields[type_name].fields[name].resolve.__module__ == "resolvers.direct", (type_name, name)
    # arguments (a page), and a role check (a field extension): strawberry's own resolver
    for type_name, name in (("Query", "cases"), ("Query", "rapidReviews"), ("Mutation", "notifySeriousIncident")):
        assert fields[type_name].fields[name].resolve.__module__.startswith("strawberry."), (type_name, name)


@pytest.mark.parametrize("name", sorted(n for n, t in build_schema()._schema.type_map.items()
                                        if isinstance(t, CustomGraphQLEnumType)))
def test_every_enum_member_is_named_as_strawberry_names_it(name: str) -> None:
    enum = build_schema()._schema.type_map[name]
    assert isinstance(enum, CustomGraphQLEnumType)
    for member in enum.wrapped_cls:
        assert enum.coerce_output_value(member) == CustomGraphQLEnumType.coerce_output_value(enum, member)
        # a raw value, as a resolver may return, is named as before too
        assert enum.coerce_output_value(member.value) == CustomGraphQLEnumType.coerce_output_value(enum, member.value)


def test_naming_enums_again_changes_nothing() -> None:
    schema = build_schema()
    enum = schema._schema.type_map["CaseStatus"]
    before = {m: enum.coerce_output_value(m) for m in enum.wrapped_cls}
    assert name_enum_values_directly(schema) > 0
    assert {m: enum.coerce_output_value(m) for m in enum.wrapped_cls} == before


def test_a_resolver_asking_for_info_gets_strawberrys_info() -> None:
    """The hub's resolvers read ``info.context`` (and a page's ``info.selected_fields``): the object handed over
    is strawberry's ``Info``, as on strawberry's path."""
    schema = build_schema()
    resolve = schema._schema.type_map["Case"].fields["leadPartnership"].resolve
    seen: list[Any] = []

    class Row:
        lead_partnership_id = "p1"

    class Case:
        row = Row()

        def _lead_partnership(self, info: HubInfo) -> str:
            seen.append(info)
            return "loaded"

    raw = type("RawInfo", (), {"context": type("Context", (), {"reference": None})()})()
    assert resolve(Case(), raw) == "loaded"  # type: ignore[arg-type]
    assert isinstance(seen[0], strawberry.Info) and seen[0]._raw_info is raw


class Colour(enum.Enum):
    RED = "red"
    GREEN = "green"


@strawberry.type
class Leafy:
    count: int
    maybe: str | None
    day: datetime.date
    colour: Colour
    never_null: str  # given None below: an error at its path, as graphql-core reports it
    tags: list[str]
    gaps: list[int | None] | None


@strawberry.type
class LeafyRoot:
    @strawberry.field
    def leaves(self) -> list[Leafy | None]:
        return [Leafy(count=1, maybe=None, day=datetime.date(2026, 12, 3), colour=Colour.RED,
                      never_null="here", tags=["a", "b"], gaps=[1, None, 3]),
                Leafy(count="not a number", maybe="x", day=datetime.date(2027, 1, 4), colour=Colour.GREEN,  # type: ignore[arg-type]
                      never_null="there", tags=[], gaps=None),
                Leafy(count=3, maybe="y", day=datetime.date(2027, 1, 5), colour=Colour.GREEN,
                      never_null=None, tags=["c"], gaps=[]),  # type: ignore[arg-type]
                Leafy(count=4, maybe="z", day=datetime.date(2027, 1, 6), colour=Colour.RED, never_null="",
                      tags=["d", None], gaps=[]),  # type: ignore[list-item]
                Leafy(count=5, maybe="z", day=datetime.date(2027, 1, 7), colour=Colour.RED, never_null="",
                      tags=("e", "f"), gaps=iter([7])),  # type: ignore[arg-type]
                Leafy(count=6, maybe="z", day=datetime.date(2027, 1, 8), colour=Colour.RED, never_null="",
                      tags=[], gaps=[None, "x", 2])]  # type: ignore[list-item]


LEAVES = "{ leaves { count maybe day colour neverNull again: count tags gaps } }"


class Shouting(SchemaExtension):
    """A middleware (an extension that resolves): every field goes through it, so no leaf is read directly."""

    def resolve(self, _next: Any, root: Any, info: Any, *args: Any, **kwargs: Any) -> Any:
        value = _next(root, info, *args, **kwargs)
        return value.upper() if isinstance(value, str) else value


async def leafy(schema: Schema) -> Any:
    result = await schema.execute(LEAVES)
    return result.data, sorted((e.message, tuple(e.path or ())) for e in result.errors or [])


@pytest.mark.parametrize("extensions", [[], [Shouting]], ids=["plain", "with a middleware"])
async def test_leaves_read_directly_answer_and_fail_as_graphql_cores_own_path(extensions: list[Any]) -> None:
    strawberrys = await leafy(Schema(query=LeafyRoot, extensions=extensions))
    direct = Schema(query=LeafyRoot, extensions=extensions)
    resolve_directly(direct)
    leaves = direct.execution_context_class.leaves  # type: ignore[attr-defined]
    assert {name for fields in leaves.values() for name in fields} == {"count", "maybe", "day", "colour", "neverNull",
                                                                        "tags", "gaps"}
    assert await leafy(direct) == strawberrys
    data, errors = strawberrys
    assert data["leaves"][0] == {"count": 1, "maybe": None, "day": "2026-12-03", "colour": "RED",
                                 "neverNull": "HERE" if extensions else "here", "again": 1,
                                 "tags": ["a", "b"], "gaps": [1, None, 3]}
    assert data["leaves"][1:4] == [None, None, None]  # a non-null field failed: its object is null, the error says where
    assert data["leaves"][4]["tags"] == ["e", "f"] and data["leaves"][4]["gaps"] == [7]
    assert data["leaves"][5]["gaps"] == [None, None, 2]  # an item that may be null, is, where it failed
    assert sorted(path for _, path in errors) == [("leaves", 1, "count"), ("leaves", 2, "neverNull"),
                                                  ("leaves", 3, "tags", 1), ("leaves", 5, "gaps", 1)]


def test_the_hubs_leaves_read_directly_include_a_pages_columns() -> None:
    leaves = build_schema().execution_context_class.leaves  # type: ignore[attr-defined]
    by_name = {kind.name: fields for kind, fields in leaves.items()}
    assert {"id", "reference", "status"} <= set(by_name["Case"])
    assert {"eventType", "basis", "dueOn"} <= set(by_name["RoutedMessage"])
    assert "members" not in by_name.get("SafeguardingPartnership", {})  # a list of objects: graphql-core's path
