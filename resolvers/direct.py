"""Fields graphql-core calls without strawberry's wrapping, where the wrapping would do nothing.

A page of cases completes about 1,900 fields. For each, strawberry's resolver builds its ``Info``, converts the
field's arguments, gathers the field's extensions into a chain and calls through four functions to reach the
resolver. For a field that reads an attribute, or whose resolver takes no argument and has no extension, all
of that ends in the same call; here graphql-core makes the call itself. Fields with arguments, permission
classes or any other field extension, exception handlers, or their own ``get_result`` keep strawberry's path.

Three in four of those fields are leaves (a scalar or an enum) read from an attribute. ``DirectExecution``
completes such a leaf, or a list of them, in one step: the attribute read and coerced, without building the
field's ``Info`` or dispatching on its type. Anything out of the ordinary (null, an error, a value that does not coerce, a
middleware installed) takes graphql-core's own path, which reads the attribute again and reports it as ever.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from graphql import (
    GraphQLLeafType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLResolveInfo,
    Undefined,
    is_leaf_type,
)
from graphql.execution.collect_fields import FieldDetailsList
from graphql.pyutils import Path
from strawberry.federation import Schema
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import CustomGraphQLEnumType
from strawberry.types.field import StrawberryField

from resolvers.planned import Head, Plans, Way, synchronous, walk

# For each object type, its leaves by field name: the attribute, the leaf type, whether the field may be null and,
# for a list of leaves, whether an item may be null (None for one leaf).
Leaves = dict[GraphQLObjectType, dict[str, tuple[str, GraphQLLeafType, bool, bool | None]]]


def resolve_directly(schema: Schema) -> tuple[int, int]:
    """Install the direct resolvers, and ``DirectExecution`` for the leaves among them; returns how many fields
    read an attribute and how many call a resolver."""
    read = called = 0
    leaves: Leaves = {}
    ways: dict[GraphQLObjectType, dict[str, Way]] = {}
    converter, graphql_schema = schema.schema_converter, schema._schema
    for name, concrete in converter.type_map.items():
        target = graphql_schema.type_map.get(name)
        fields = getattr(concrete.definition, "fields", None)
        if not isinstance(target, GraphQLObjectType) or not fields:
            continue
        for field in fields:
            graphql_name = schema.config.name_converter.get_graphql_name(field)
            graphql_field = target.fields.get(graphql_name)
            if graphql_field is None or type(field).get_result is not StrawberryField.get_result:
                continue
            if field.extensions or converter._get_field_exception_handlers(field):
                continue
            if field.is_basic_field:
                if field.default_resolver is getattr and getattr(graphql_field.resolve, "_is_default", False):
                    graphql_field.resolve = _reader(field.python_name)
                    ways.setdefault(target, {})[graphql_name] = (field.python_name, None)
                    read += 1
                    leaf = _leaf(graphql_field.type)
                    if leaf is not None:
                        leaves.setdefault(target, {})[graphql_name] = (field.python_name, *leaf)
            elif not field.arguments and not graphql_field.args and _plain(field):
                graphql_field.resolve = _caller(field, schema.config.info_class)
                if synchronous(field.base_resolver.wrapped_func):  # _plain
                    ways.setdefault(target, {})[graphql_name] = (None, graphql_field.resolve)
                called += 1
    schema.execution_context_class = type("DirectExecution", (DirectExecution,),
                                          {"leaves": leaves, "plans": Plans(ways)})
    return read, called


def _leaf(of: Any) -> tuple[GraphQLLeafType, bool, bool | None] | None:
    """A leaf type, or a list of one: the leaf type, whether the field may be null, whether an item may be."""
    nullable = not isinstance(of, GraphQLNonNull)
    named = of if nullable else of.of_type
    if is_leaf_type(named):
        return named, nullable, None
    if isinstance(named, GraphQLList):
        item_nullable = not isinstance(named.of_type, GraphQLNonNull)
        item = named.of_type if item_nullable else named.of_type.of_type
        if is_leaf_type(item):
            return item, nullable, item_nullable
    return None


class DirectExecution(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's execution, with the leaves read from an attribute completed in one step (``leaves``)."""

    leaves: ClassVar[Leaves] = {}
    plans: ClassVar[Plans | None] = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        plain = self.middleware_manager is None or self.middleware_manager._middleware_resolvers is None
        self._leaves: Leaves = self.leaves if plain else {}
        self._plans = self.plans if plain else None
        self._planned: bool | None = None  # whether the document can be planned: asked once

    def execute_field(self, parent_type: GraphQLObjectType, source: Any, field_details_list: FieldDetailsList,
                      path: Path, position_context: Any = None) -> Any:
        name = field_details_list[0].node.name.value
        fields = self._leaves.get(parent_type)
        leaf = fields.get(name) if fields is not None else None
        if leaf is not None:
            attribute, leaf_type, nullable, item_nullable = leaf
            try:
                value = getattr(source, attribute)
                if value is None:
                    if nullable:
                        return None
                elif item_nullable is None:
                    coerced = leaf_type.coerce_output_value(value)
                    if coerced is not None and coerced is not Undefined:
                        return coerced
                elif value.__class__ is list or value.__class__ is tuple:
                    coerce, items = leaf_type.coerce_output_value, []
                    for item in value:
                        coerced = None if item is None else coerce(item)
                        if (coerced is None and (item is not None or not item_nullable)) or coerced is Undefined:
                            break
                        items.append(coerced)
                    else:
                        return items
            except Exception:  # noqa: BLE001,S110 - graphql-core's path below reports it, located, as ever
                pass
        elif self._plans is not None:
            heads = self._plans.heads.get(parent_type)
            if heads is not None and name in heads:
                head = self._head(parent_type, field_details_list)
                if head is not None and head.worth_walking():
                    try:
                        value = walk(self, head, parent_type, source, path)
                    except Exception:  # noqa: BLE001 - graphql-core's path below completes it, and reports
                        head.abandoned += 1
                    else:
                        head.finished += 1
                        return value
        return super().execute_field(parent_type, source, field_details_list, path, position_context)

    def _head(self, parent_type: GraphQLObjectType, field_details_list: FieldDetailsList) -> Head | None:
        plans = self._plans
        assert plans is not None
        if self._planned is None:
            self._planned = plans.plain(self.operation, self.fragment_definitions.values())
        if not self._planned:
            return None
        return plans.head(parent_type, field_details_list, self.collect_subfields)


def name_enum_values_directly(schema: Schema) -> int:
    """An enum member a resolver returns is named by one dictionary lookup, where strawberry compares it with each
    of the enum's values in turn (the same name: the first whose value equals the member's). Returns how many
    enums."""
    changed = 0
    for graphql_type in schema._schema.type_map.values():
        if isinstance(graphql_type, CustomGraphQLEnumType):
            names: dict[Any, str] = {}
            member: Any
            for member in graphql_type.wrapped_cls:
                names[member] = next(name for name, value in graphql_type.values.items() if member.value == value.value)
            graphql_type.coerce_output_value = _namer(graphql_type.wrapped_cls, names,  # type: ignore[method-assign,assignment]
                                                      type(graphql_type).coerce_output_value.__get__(graphql_type))
            changed += 1
    return changed


def _namer(enum: type, names: dict[Any, str], otherwise: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def name(value: Any) -> Any:
        return names[value] if value.__class__ is enum else otherwise(value)  # anything else as strawberry names it
    return name


def _plain(field: StrawberryField) -> bool:
    """A resolver function asking for nothing but the object (``self``, ``root`` or ``parent``) and ``info``."""
    resolver = field.base_resolver
    return resolver is not None and callable(resolver.wrapped_func) and not field.is_subscription


def _reader(attribute: str) -> Callable[..., Any]:
    def read(source: Any, info: GraphQLResolveInfo[Any]) -> Any:
        return getattr(source, attribute)

    read._is_default = True  # type: ignore[attr-defined]  # what strawberry marks its own attribute readers with
    return read


def _caller(field: StrawberryField, info_class: type[Any]) -> Callable[..., Any]:
    """graphql-core's resolver calling the field's resolver function as strawberry would: the object first when
    it takes ``self``, as ``root`` or ``parent`` when named so, and strawberry's ``Info`` when it asks for it."""
    resolver = field.base_resolver
    assert resolver is not None
    function: Callable[..., Any] = resolver.wrapped_func  # type: ignore[assignment]  # a plain function (_plain)
    takes_self = resolver.self_parameter is not None
    as_keyword = [p.name for p in (resolver.parent_parameter, resolver.root_parameter) if p is not None]
    info_name = resolver.info_parameter.name if resolver.info_parameter is not None else None

    if takes_self and not as_keyword and info_name == "info":  # the usual method: def field(self, info)
        def method(source: Any, info: GraphQLResolveInfo[Any]) -> Any:
            return function(source, info=info_class(_raw_info=info, _field=field))
        return method

    def call(source: Any, info: GraphQLResolveInfo[Any]) -> Any:
        keywords: dict[str, Any] = dict.fromkeys(as_keyword, source)
        if info_name is not None:
            keywords[info_name] = info_class(_raw_info=info, _field=field)
        return function(source, **keywords) if takes_self else function(**keywords)
    return call
