"""What a document costs, estimated from its selection set before anything runs (QUERY_TOO_COSTLY).

The cost is the number of objects the document can make the hub resolve: every field whose type is an
object (or a list of objects) counts once for each object it can return, times the objects of the lists
around it. Scalars and enums cost nothing of their own; what is expensive is what fans out. Aliases and
every fragment, named or inline, are counted where they are spread (a field asked twice costs twice).

Every list has a known maximum:

* a connection's ``nodes`` and ``edges``: its ``first`` (a literal, a variable, the variable's default,
  else the default page), never more than the largest page;
* ``Organisation.partnerships`` and ``SafeguardingPartnership.members`` (plain lists, CONTRACT): the largest
  such list in the loaded reference data (``ListBounds``, refreshed at least every few minutes);
* ``_entities``: the number of representations asked for;
* any other list: its bound in ``FIXED_BOUNDS`` (what the domain allows, or a generous guess), else
  ``DEFAULT_BOUND``.

Introspection (``__schema``, ``__type``) costs one: it is off in production and bounded by the depth limit.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    get_nullable_type,
    is_leaf_type,
    is_list_type,
)
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from strawberry.extensions import SchemaExtension

from hub import calendar_feed, case, organisations, practice_review, thematic_review, webhooks
from hub.clock import today_in_england
from schema.common import DEFAULT_PAGE, MAX_PAGE

DEFAULT_MAX_COST = 20_000  # CSPR_HUB_MAX_QUERY_COST: objects one authenticated document may ask for
DEFAULT_MAX_PUBLIC_COST = 2_000  # CSPR_HUB_MAX_PUBLIC_QUERY_COST: the same without a token
DEFAULT_BOUND = 20  # a plain list not named below
REFRESH_SECONDS = 300.0  # the reference data's largest lists are looked at again after this

# The plain lists other than the two bounded by the reference data, with the most each can hold: the core's
# own maximum where it has one, else what the domain makes likely (one case's timeline, a review's notes).
FIXED_BOUNDS: Mapping[tuple[str, str], int] = {
    ("Query", "calendarFeeds"): calendar_feed.MAX_LISTED,
    ("IncidentStatistics", "rows"): 1_000,  # one row per combination seen: about two years of notifications
    ("Case", "children"): case.MAX_CHILDREN,
    ("Case", "involvedPartnerships"): 8,
    ("Case", "informationRequests"): 50,
    ("Case", "events"): 100,
    ("Case", "familyCommunications"): 50,
    ("Case", "parallelProceedings"): 20,
    ("Case", "reviews"): 4,
    ("Case", "thematicReviews"): 10,
    ("Case", "routedMessages"): 50,
    ("ConnectorCall", "attempts"): 20,
    ("Deadline", "owedBy"): 5,
    ("InformationRequest", "addressees"): 10,
    ("Notification", "routedTo"): 20,
    ("PracticeReview", "reviewers"): practice_review.MAX_REVIEWERS,
    ("PracticeReview", "recommendations"): practice_review.MAX_RECOMMENDATIONS,
    ("PracticeReview", "supervisionNotes"): 50,
    ("PracticeReview", "publicationDelays"): 10,
    ("PracticeReview", "newInformation"): 20,
    ("PracticeReview", "learningShared"): 20,
    ("PracticeReview", "publicationComments"): 10,
    ("Query", "webhookSubscriptions"): webhooks.MAX_SUBSCRIPTIONS,
    ("Query", "connectors"): 20,
    ("Query", "caseAccessLog"): 100,
    ("RapidReview", "criteriaConsidered"): 10,
    ("RapidReview", "contributions"): 20,
    ("RapidReview", "signOffs"): 3,  # the three safeguarding partners
    ("RapidReview", "panelResponses"): 10,
    ("PanelResponse", "criteriaConsidered"): 10,
    ("NewInformation", "criteriaConsidered"): 10,
    ("Recommendation", "updates"): 50,
    ("Reviewer", "criteriaMet"): 10,
    ("ThematicReview", "cases"): thematic_review.MAX_CASES,
    ("WebhookDelivery", "attempts"): 20,
}


@dataclass
class ListBounds:
    """The largest ``Organisation.partnerships`` and ``SafeguardingPartnership.members`` in the reference data."""

    partnerships_per_organisation: int = 0
    members_per_partnership: int = 0
    checked_on: date | None = None
    checked_at: float = field(default=float("-inf"))
    seconds: Callable[[], float] = time.monotonic

    def stale(self, today: date) -> bool:
        return self.checked_on != today or self.seconds() - self.checked_at > REFRESH_SECONDS

    async def refresh(self, sessions: async_sessionmaker[AsyncSession], today: date) -> None:
        async with sessions() as session:
            found = await organisations.largest_memberships(session, today)
        self.partnerships_per_organisation, self.members_per_partnership = found
        self.checked_on, self.checked_at = today, self.seconds()


@dataclass(frozen=True)
class CostLimits:
    authenticated: int = DEFAULT_MAX_COST
    public: int = DEFAULT_MAX_PUBLIC_COST


class TooCostly(GraphQLError):
    def __init__(self, cost: int, limit: int) -> None:
        super().__init__(
            f"This document could cost {cost}, over the limit of {limit}: ask for fewer items (a smaller `first`), "
            "fewer nested lists or fewer aliases.",
            extensions={"code": "QUERY_TOO_COSTLY", "cost": cost, "limit": limit})


class Estimate:
    """The cost of one operation of a validated document, with its variables."""

    def __init__(self, schema: GraphQLSchema, bounds: ListBounds, document: DocumentNode,
                 operation_name: str | None, variables: Mapping[str, Any] | None) -> None:
        self.schema, self.bounds = schema, bounds
        self.fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)
                      and (operation_name is None or (d.name is not None and d.name.value == operation_name))]
        self.operation = operations[0] if len(operations) == 1 else None
        self.variables = dict(variables or {})
        if self.operation is not None:
            for definition in self.operation.variable_definitions or ():
                name = definition.variable.name.value
                if name not in self.variables and isinstance(definition.default_value, IntValueNode | ListValueNode):
                    self.variables[name] = _literal(definition.default_value)
        self.memo: dict[tuple[str, int | None], int] = {}

    def total(self) -> int:
        if self.operation is None:
            return 0
        root = self.schema.get_root_type(self.operation.operation)
        return self.selections(self.operation.selection_set, root, None) if root else 0

    def selections(self, selection_set: SelectionSetNode | None, parent: Any, page: int | None) -> int:
        total = 0
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                total += self.field(selection, parent, page)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                narrowed = self.schema.get_type(condition.name.value) if condition else parent
                total += self.selections(selection.selection_set, narrowed or parent, page)
            elif isinstance(selection, FragmentSpreadNode):
                total += self.fragment(selection.name.value, page)
        return total

    def fragment(self, name: str, page: int | None) -> int:
        key = (name, page)
        if key not in self.memo:
            self.memo[key] = 0  # validation refuses cycles; this only guards the walk
            definition = self.fragments.get(name)
            if definition is not None:
                self.memo[key] = self.selections(
                    definition.selection_set, self.schema.get_type(definition.type_condition.name.value), page)
        return self.memo[key]

    def field(self, node: FieldNode, parent: Any, page: int | None) -> int:
        name = node.name.value
        if name in ("__schema", "__type"):
            return 1
        definition = getattr(parent, "fields", {}).get(name)
        if definition is None:  # __typename, or a field of a type the document narrowed away
            return 0
        named = get_named_type(definition.type)
        if is_leaf_type(named):
            return 0
        many = self.bound(parent.name, name, node, page) if is_list_type(get_nullable_type(definition.type)) else 1
        inner = self.page(node) if _is_connection(named) else None
        return many * (1 + self.selections(node.selection_set, named, inner))

    def bound(self, parent: str, name: str, node: FieldNode, page: int | None) -> int:
        if name in ("nodes", "edges") and page is not None:
            return page
        if (parent, name) == ("Organisation", "partnerships"):
            return max(self.bounds.partnerships_per_organisation, 1)
        if (parent, name) == ("SafeguardingPartnership", "members"):
            return max(self.bounds.members_per_partnership, 1)
        if (parent, name) == ("Query", "_entities"):
            representations = self.argument(node, "representations")
            return max(len(representations), 1) if isinstance(representations, list) else MAX_PAGE
        return FIXED_BOUNDS.get((parent, name), DEFAULT_BOUND)

    def page(self, node: FieldNode) -> int:
        first = self.argument(node, "first")
        if isinstance(first, int) and not isinstance(first, bool):
            return min(max(first, 0), MAX_PAGE)  # over the largest page is refused when it runs
        return DEFAULT_PAGE

    def argument(self, node: FieldNode, name: str) -> Any:
        for argument in node.arguments or ():
            if argument.name.value == name:
                value = argument.value
                if isinstance(value, VariableNode):
                    return self.variables.get(value.name.value)
                return _literal(value)
        return None


def _literal(value: Any) -> Any:
    if isinstance(value, IntValueNode):
        return int(value.value)
    if isinstance(value, ListValueNode):
        return list(value.values)
    return None


def _is_connection(named: Any) -> bool:
    fields = getattr(named, "fields", None) or {}
    return named.name.endswith("Connection") and "nodes" in fields and "edges" in fields


def estimate(schema: GraphQLSchema, bounds: ListBounds, document: DocumentNode, *,
             operation_name: str | None = None, variables: Mapping[str, Any] | None = None) -> int:
    return Estimate(schema, bounds, document, operation_name, variables).total()


SCALARS = (str, int, float, bool, type(None))


class EstimateCache:
    """Estimates of documents already weighed, bounded (least recently used out): the same poll asked
    again is not walked again. Only documents whose variables are all scalars are remembered (a list,
    e.g. ``_entities``' representations, is weighed every time), keyed with the list bounds they used."""

    def __init__(self, size: int = 512) -> None:
        self.size = size
        self.entries: OrderedDict[tuple[Any, ...], int] = OrderedDict()

    @staticmethod
    def key(query: str | None, operation_name: str | None, variables: Mapping[str, Any] | None,
            bounds: ListBounds) -> tuple[Any, ...] | None:
        if query is None:
            return None
        values = tuple(sorted((variables or {}).items()))
        if not all(isinstance(v, SCALARS) for _, v in values):
            return None
        return (query, operation_name, values, bounds.partnerships_per_organisation, bounds.members_per_partnership)

    def get(self, key: tuple[Any, ...] | None) -> int | None:
        if key is None:
            return None
        found = self.entries.get(key)
        if found is not None:
            self.entries.move_to_end(key)
        return found

    def put(self, key: tuple[Any, ...] | None, cost: int) -> None:
        if key is None:
            return
        self.entries[key] = cost
        if len(self.entries) > self.size:
            self.entries.popitem(last=False)


class Weigher:
    """Weighs a document against the caller's limit, one weigher for every request of a schema: callers with
    a token have ``limits.authenticated``, the public surface ``limits.public``."""

    def __init__(self, *, schema: Callable[[], GraphQLSchema], bounds: ListBounds, limits: CostLimits,
                 known: EstimateCache | None = None) -> None:
        self.graphql_schema, self.bounds, self.limits = schema, bounds, limits
        self.known = known if known is not None else EstimateCache()

    def cost(self, document: DocumentNode, query: str | None, operation_name: str | None,
             variables: Mapping[str, Any] | None) -> int:
        """The estimate, remembered for a document asked again with the same scalar variables and bounds."""
        key = self.known.key(query, operation_name, variables, self.bounds)
        found = self.known.get(key)
        if found is None:
            found = estimate(self.graphql_schema(), self.bounds, document, operation_name=operation_name,
                             variables=variables)
            self.known.put(key, found)
        return found

    async def check(self, context: Any, document: DocumentNode, query: str | None, operation_name: str | None,
                    variables: Mapping[str, Any] | None) -> None:
        """Raises TooCostly for a document over the caller's limit."""
        today = today_in_england(context.clock)
        if self.bounds.stale(today):
            await self.bounds.refresh(context.sessions, today)
        limit = self.limits.authenticated if context.principal is not None else self.limits.public
        cost = self.cost(document, query, operation_name, variables)
        if cost > limit:
            raise TooCostly(cost, limit)


class CostLimiter(SchemaExtension):
    """Refuses a document over its limit after validation and before anything is resolved (queries,
    mutations and subscriptions alike)."""

    def __init__(self, weigher: Weigher) -> None:
        self.weigher = weigher

    async def on_execute(self) -> AsyncIterator[None]:
        run = self.execution_context
        if run.graphql_document is not None and run.context is not None:
            await self.weigher.check(run.context, run.graphql_document, run.query, run.operation_name, run.variables)
        yield
