"""Selections planned once and completed in one walk, where graphql-core would complete them field by field.

A page of 50 cases is about 800 objects and 1,900 fields (each case's partnership and its members, the
notification and its routed messages and their recipients). graphql-core completes each field through five or
six calls: the field's ``Info``, its resolver, a check for an awaitable, a dispatch on its type, its sub-fields
collected, a path. Most of a page asks nothing of that: every field reads an attribute, or calls a resolver that
takes nothing but the object and ``Info`` and answers at once (the page's rows were loaded ahead).

For such a field (``Plans.heads``), the fields below it are planned once for the document (``Plan``: what each
field reads or calls, how its value is coerced, what is selected of it) and completed in one walk
(``DirectExecution.execute_field``). A plan is made only where its walk answers as graphql-core would: no directive
in the document (``@skip``, ``@include``, ``@defer`` and ``@stream`` change what is selected from one request to
the next), no interface or union, no ``is_type_of`` check, no field with arguments, an extension or an async
resolver, no introspection but ``__typename``. Anything out of the ordinary in the data (null where the schema
says never, an error, a value that does not coerce, a non-list where a list is due, an awaitable) abandons the
walk, and graphql-core completes the field from the start as ever, reporting what it finds where it finds it. The
resolvers a plan calls only read (``tests/api/test_planned.py`` lists them), so calling one again changes nothing.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from graphql import (
    DirectiveNode,
    DocumentNode,
    FieldNode,
    GraphQLField,
    GraphQLLeafType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    OperationDefinitionNode,
    Undefined,
    Visitor,
    is_leaf_type,
    visit,
)
from graphql.execution.collect_fields import FieldDetailsList
from graphql.language.visitor import BREAK
from graphql.pyutils import Path

from hub.kept import Kept

# How a field is resolved without strawberry's wrapping: the attribute it reads, or the function it calls with
# the object and graphql-core's info (``resolvers.direct``).
Way = tuple[str | None, Callable[[Any, Any], Any] | None]


class Abandoned(Exception):
    """The walk met something out of the ordinary: graphql-core completes the field instead."""


@dataclass(slots=True, eq=False)
class Step:
    """One selected field of a planned object: where its value comes from and how it is completed."""

    key: str  # the response key (an alias, or the field's name)
    attribute: str | None  # the attribute read, or
    call: Callable[[Any, Any], Any] | None  # the resolver called; neither: ``__typename``
    field: GraphQLField | None
    nodes: list[FieldNode]  # the field's nodes, for the info a resolver is given
    nullable: bool
    items: bool | None  # None: one value; a list: whether an item may be null
    coerce: Callable[[Any], Any] | None  # a leaf's coercion, or
    then: Plan | None  # what is selected of an object


@dataclass(slots=True, eq=False)
class Plan:
    """What is selected of one object type, in the order graphql-core answers it."""

    type: GraphQLObjectType
    name: str
    steps: tuple[Step, ...]


@dataclass(slots=True, eq=False)
class Head:
    """A field whose selection is planned: its own step, and how often the walk was finished or abandoned."""

    step: Step
    finished: int = 0
    abandoned: int = 0

    def worth_walking(self) -> bool:
        """A walk abandoned again and again (the data is out of the ordinary) costs its work twice: stop."""
        return self.abandoned <= self.finished + ABANDONED_AT_MOST


ABANDONED_AT_MOST = 16

NOT_PLANNED = object()


class Plans:
    """The ways of the schema's fields, and the heads planned for each document's field nodes."""

    def __init__(self, ways: dict[GraphQLObjectType, dict[str, Way]], size: int = 2048) -> None:
        self.ways = ways
        self.heads: dict[GraphQLObjectType, frozenset[str]] = {
            kind: frozenset(name for name, (_, call) in fields.items() if _object_type(kind.fields[name].type))
            for kind, fields in ways.items()}
        self._kept: Kept[Any] = Kept(size)
        self._plain_documents: Kept[bool] = Kept(size)

    def walks(self) -> tuple[int, int]:
        """How many walks the heads kept have finished and abandoned."""
        heads = [head for _, head in self._kept.answers() if isinstance(head, Head)]
        return sum(h.finished for h in heads), sum(h.abandoned for h in heads)

    def plain(self, operation: OperationDefinitionNode, fragments: Iterable[Any]) -> bool:
        """Whether the operation and its fragments carry no directive (kept for the operation's node)."""
        found = self._plain_documents.find(None, (operation,))
        if found is None:
            found = self._plain_documents.keep(None, (operation,), not any(
                _has_directive(node) for node in (operation, *fragments)))
        return found

    def head(self, parent: GraphQLObjectType, details: FieldDetailsList,
             collect: Callable[[GraphQLObjectType, FieldDetailsList], Any]) -> Head | None:
        """The planned head for these field nodes, made on first use with ``collect`` (graphql-core's
        ``collect_subfields``); None where the selection cannot be planned."""
        nodes = tuple(d.node for d in details)
        found = self._kept.find(parent, nodes)
        if found is None:
            step = self._step(parent, details, collect)
            found = self._kept.keep(parent, nodes, Head(step) if step is not None else NOT_PLANNED)
        return found if found is not NOT_PLANNED else None

    def _step(self, parent: GraphQLObjectType, details: FieldDetailsList,
              collect: Callable[[GraphQLObjectType, FieldDetailsList], Any]) -> Step | None:
        first = details[0].node
        name = first.name.value
        if any(d.defer_usage is not None or d.fragment_variable_values is not None or d.node.arguments
               for d in details):
            return None
        key = first.alias.value if first.alias else name
        if name == "__typename":
            return Step(key, None, None, None, [], False, None, None, None)
        way = self.ways.get(parent, {}).get(name)
        if way is None:
            return None
        field = parent.fields[name]
        attribute, call = way
        shape = _shape(field.type)
        if shape is None:
            return None
        nullable, items, named = shape
        if isinstance(named, GraphQLObjectType):
            then = self._plan(named, details, collect)
            if then is None:
                return None
            return Step(key, attribute, call, field, [d.node for d in details], nullable, items, None, then)
        return Step(key, attribute, call, field, [d.node for d in details], nullable, items,
                    named.coerce_output_value, None)

    def _plan(self, kind: GraphQLObjectType, details: FieldDetailsList,
              collect: Callable[[GraphQLObjectType, FieldDetailsList], Any]) -> Plan | None:
        if kind.is_type_of is not None:
            return None
        grouped, deferred, *_ = collect(kind, details)
        if deferred:
            return None
        steps = []
        for sub in grouped.values():
            step = self._step(kind, sub, collect)
            if step is None:
                return None
            steps.append(step)
        return Plan(kind, kind.name, tuple(steps))


def walk(context: Any, head: Head, parent: GraphQLObjectType, source: Any, path: Path) -> Any:
    """The head field's value, completed in one walk; raises ``Abandoned`` (or whatever a read raised) where
    graphql-core must complete it instead."""
    step = head.step
    if step.attribute is not None:
        value = getattr(source, step.attribute)
    elif step.call is not None:
        value = _called(context, step, parent, source, path)
    else:
        return parent.name
    return _completed(context, step, value, path)


def _called(context: Any, step: Step, parent: GraphQLObjectType, source: Any, path: Path) -> Any:
    assert step.call is not None and step.field is not None
    value = step.call(source, context.build_resolve_info(step.field, step.nodes, parent, path))
    if context.is_awaitable(value):
        if inspect.iscoroutine(value):
            value.close()  # never started: nothing ran
        raise Abandoned
    return value


def _completed(context: Any, step: Step, value: Any, path: Path) -> Any:
    """A step's value completed (``path``: the field's own)."""
    if value is None:
        if step.nullable:
            return None
        raise Abandoned
    coerce, then = step.coerce, step.then
    if step.items is None:
        if coerce is not None:
            coerced = coerce(value)
            if coerced is None or coerced is Undefined:
                raise Abandoned
            return coerced
        assert then is not None
        return _object(context, then, value, path)
    if value.__class__ is not list and value.__class__ is not tuple:
        raise Abandoned
    items_nullable = step.items
    completed: list[Any] = []
    append = completed.append
    if coerce is not None:
        for item in value:
            if item is None:
                if not items_nullable:
                    raise Abandoned
                append(None)
                continue
            coerced = coerce(item)
            if coerced is None or coerced is Undefined:
                raise Abandoned
            append(coerced)
        return completed
    assert then is not None
    for index, item in enumerate(value):
        if item is None:
            if not items_nullable:
                raise Abandoned
            append(None)
        else:
            append(_object(context, then, item, Path(path, index, None)))
    return completed


def _object(context: Any, plan: Plan, source: Any, path: Path) -> dict[str, Any]:
    answer: dict[str, Any] = {}
    name = plan.name
    for step in plan.steps:
        attribute = step.attribute
        if attribute is not None:
            value = getattr(source, attribute)
            coerce = step.coerce
            if coerce is not None and step.items is None and value is not None:  # a leaf: the most common
                coerced = coerce(value)
                if coerced is None or coerced is Undefined:
                    raise Abandoned
                answer[step.key] = coerced
                continue
            answer[step.key] = _completed(context, step, value, Path(path, step.key, name))
        elif step.call is not None:
            here = Path(path, step.key, name)
            answer[step.key] = _completed(context, step, _called(context, step, plan.type, source, here), here)
        else:
            answer[step.key] = name
    return answer


def _shape(of: GraphQLOutputType) -> tuple[bool, bool | None, GraphQLObjectType | GraphQLLeafType] | None:
    """Whether the field may be null, whether a list's item may be (None: not a list), and the named type: an
    object type or a leaf (not an interface, a union or a list of lists)."""
    nullable = not isinstance(of, GraphQLNonNull)
    named: Any = of.of_type if isinstance(of, GraphQLNonNull) else of
    items: bool | None = None
    if isinstance(named, GraphQLList):
        items = not isinstance(named.of_type, GraphQLNonNull)
        named = named.of_type if items else named.of_type.of_type
    if isinstance(named, GraphQLObjectType) or is_leaf_type(named):
        return nullable, items, named
    return None


def _object_type(of: GraphQLOutputType) -> bool:
    shape = _shape(of)
    return shape is not None and isinstance(shape[2], GraphQLObjectType)


class _Directives(Visitor):
    found = False

    def enter_directive(self, node: DirectiveNode, *_: Any) -> Any:
        self.found = True
        return BREAK


def _has_directive(node: OperationDefinitionNode | DocumentNode | Any) -> bool:
    seen = _Directives()
    visit(node, seen)
    return seen.found


def synchronous(function: Callable[..., Any]) -> bool:
    """A resolver that answers at once: neither a coroutine function nor an async generator's."""
    return not (inspect.iscoroutinefunction(function) or inspect.isasyncgenfunction(function))
