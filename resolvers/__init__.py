"""Query and Mutation roots, per-request dataloaders, and the schema they make.

Resolvers translate GraphQL <-> core calls; no statutory rule lives here.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from functools import cached_property
from inspect import isawaitable
from typing import Any, TypeGuard, cast

from graphql import GraphQLError, NoSchemaIntrospectionCustomRule, execute
from strawberry.execution import optimized_is_awaitable
from strawberry.extensions import (
    AddValidationRules,
    MaxTokensLimiter,
    ParserCache,
    SchemaExtension,
    ValidationCache,
    max_aliases,
    query_depth_limiter,
)
from strawberry.federation import Schema
from strawberry.federation.schema import FederationAny
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types
from strawberry.types.execution import ExecutionResult, PreExecutionError
from strawberry.types.graphql import OperationType
from strawberry.types.info import Info

from hub.errors import BadUserInput
from resolvers.calendar_feed import CalendarFeedMutations
from resolvers.case_record import CaseRecordMutations
from resolvers.cost import CostLimiter, CostLimits, EstimateCache, ListBounds, Weigher
from resolvers.direct import name_enum_values_directly, resolve_directly
from resolvers.entities import representation_problem
from resolvers.errors import log_unexpected
from resolvers.handoff import HandoffMutations
from resolvers.information_request import InformationRequestMutations
from resolvers.notification import NotificationMutations
from resolvers.operation_choice import OperationMustBeNamed
from resolvers.panel_response import PanelResponseMutations
from resolvers.practice_review import PracticeReviewMutations
from resolvers.prepared import PreparedDocuments
from resolvers.query import Query
from resolvers.rapid_review import RapidReviewMutations
from resolvers.review_statement import ReviewStatementMutations
from resolvers.routing import RoutingMutations
from resolvers.subscription import Subscription
from resolvers.webhook import WebhookMutations
from resolvers.withdrawal import WithdrawalMutations
from schema.case import Case
from schema.descriptions import describe
from schema.organisation import Organisation, SafeguardingPartnership
from schema.practice_review import PracticeReview
from schema.rapid_review import RapidReview
from schema.scalars import SCALAR_OVERRIDES

Mutation = merge_types("Mutation", (
    NotificationMutations, RapidReviewMutations, PanelResponseMutations, InformationRequestMutations,
    CaseRecordMutations, HandoffMutations, PracticeReviewMutations, ReviewStatementMutations, RoutingMutations,
    WebhookMutations, WithdrawalMutations, CalendarFeedMutations,
))

CACHE_SIZE = 512  # distinct documents kept parsed and validated; bounded against abuse
MAX_DEPTH, MAX_ALIASES, MAX_TOKENS = 10, 15, 2000  # near GraphQL Armor's defaults
# Built once: the validation cache is keyed on the rule classes, so new ones per request would never hit.
LIMITS = (query_depth_limiter.create_validator(MAX_DEPTH, None, None), max_aliases.create_validator(MAX_ALIASES))


# What a prepared document's run reports to whoever observes operations (the app's metrics and traces): entered
# with the operation's type ("query", "mutation"), given the result before it is left.
Observe = Callable[[str], AbstractContextManager[Callable[[Any], None]]]


@contextmanager
def unobserved(kind: str) -> Iterator[Callable[[Any], None]]:
    yield lambda result: None


AWAITABLE = cast("Callable[[Any], TypeGuard[Awaitable[Any]]]", optimized_is_awaitable)  # as strawberry runs it
FAST = frozenset({OperationType.QUERY, OperationType.MUTATION})  # a subscription keeps strawberry's own path

SUGGESTION = re.compile(r" ?Did you mean [^?]*\?")  # graphql-core's hint, for fields, arguments, types and values


class HubSchema(Schema):
    suggestions = True  # "Did you mean ..." in validation and coercion errors; off in production
    prepared: PreparedDocuments | None = None
    weigher: Weigher | None = None
    observe: Observe | None = None

    async def execute(self, query: str | None, variable_values: dict[str, Any] | None = None,
                      context_value: Any | None = None, root_value: Any | None = None,
                      operation_name: str | None = None,
                      allowed_operation_types: Iterable[OperationType] | None = None,
                      operation_extensions: dict[str, Any] | None = None) -> ExecutionResult:
        """A prepared document (``resolvers.prepared``) runs straight on graphql-core; anything else, and the
        first run of every document, takes strawberry's whole path of extensions."""
        prepared = self.prepared.get(query, operation_name) if self.prepared is not None else None
        allowed = FAST if allowed_operation_types is None else FAST.intersection(allowed_operation_types)
        if (prepared is None or self.weigher is None or self.observe is None or context_value is None
                or operation_extensions or prepared.operation_type not in allowed):
            result = await super().execute(query, variable_values, context_value, root_value, operation_name,
                                           allowed_operation_types, operation_extensions)
            if self.prepared is not None:
                self.prepared.learn(query, operation_name)
            return result
        try:
            await self.weigher.check(context_value, prepared.document, query, prepared.operation_name,
                                     variable_values)
        except Exception:  # noqa: BLE001 - over its cost, or the bounds unreadable: the whole path answers it
            return await super().execute(query, variable_values, context_value, root_value, operation_name,
                                         allowed_operation_types, operation_extensions)
        with self.observe(prepared.operation_type.value) as finished:
            try:
                outcome = execute(
                    self._schema, prepared.document, root_value=root_value, variable_values=variable_values,
                    operation_name=prepared.operation_name, context_value=context_value,
                    is_awaitable=AWAITABLE, executor_class=self.execution_context_class)
                ran = await outcome if isawaitable(outcome) else outcome
            except Exception as exc:  # noqa: BLE001 - as strawberry's path: an error, never a crash
                error = exc if isinstance(exc, GraphQLError) else GraphQLError(str(exc), original_error=exc)
                self.process_errors([error])
                refused = PreExecutionError(data=None, errors=[error])
                finished(refused)
                return refused
            finished(ran)
        if ran.errors:
            self.process_errors(ran.errors)
        return ExecutionResult(data=ran.data, errors=ran.errors)

    def process_errors(self, errors: list[GraphQLError], execution_context: Any = None) -> None:
        if not self.suggestions:
            for error in errors:
                error.message = SUGGESTION.sub("", error.message)
        log_unexpected(errors)

    @cached_property
    def entity_names(self) -> frozenset[str]:
        """The types ``_entities`` resolves: those with ``resolve_reference``."""
        type_map = self.schema_converter.type_map
        return frozenset(name for name, concrete in type_map.items()
                         if hasattr(getattr(concrete.definition, "origin", None), "resolve_reference"))

    def entities_resolver(self, info: Info, representations: list[FederationAny]) -> list[FederationAny]:
        """Federation's ``_entities``: a representation that names no entity by its key is BAD_USER_INPUT."""
        why = [representation_problem(r, self.entity_names) for r in representations]
        good = iter(super().entities_resolver(info, [r for r, w in zip(representations, why) if w is None]))
        return [next(good) if w is None else FederationAny(BadUserInput(f"representations[{i}] {w}"))
                for i, w in enumerate(why)]


def build_schema(*, introspection: bool = True, suggestions: bool = True, limits: CostLimits | None = None,
                 bounds: ListBounds | None = None,
                 extensions: Sequence[Callable[[], SchemaExtension] | type[SchemaExtension]] = (),
                 observe: Observe | None = None) -> HubSchema:
    """The schema; without introspection (production) only ``_service`` describes it, to gateways, and
    without suggestions no error message names a field, argument, type or value the document did not.
    Every document is weighed before it runs (``resolvers.cost``) against ``limits``. With ``observe`` (what
    ``extensions`` observe, for a prepared document's run), documents seen before skip the extensions."""
    limits, bounds = limits or CostLimits(), bounds or ListBounds()
    weigher = Weigher(schema=lambda: schema._schema, bounds=bounds, limits=limits, known=EstimateCache(CACHE_SIZE))
    rules = [*LIMITS, *(() if introspection else (NoSchemaIntrospectionCustomRule,))]
    schema = HubSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=[Case, Organisation, SafeguardingPartnership, RapidReview, PracticeReview],
        scalar_overrides=SCALAR_OVERRIDES,
        config=StrawberryConfig(disable_field_suggestions=True),
        extensions=[
            *extensions,  # the app's own (e.g. metrics and traces of each operation), outermost
            lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
            lambda: ParserCache(maxsize=CACHE_SIZE),
            lambda: AddValidationRules(rules),  # before the cache, which validates with them
            lambda: ValidationCache(maxsize=CACHE_SIZE),
            OperationMustBeNamed,
            lambda: CostLimiter(weigher),
        ],
    )
    schema.suggestions = suggestions
    schema.weigher = weigher
    schema.observe = observe if observe is not None else (None if extensions else unobserved)  # skip nothing unknown
    schema.prepared = PreparedDocuments(lambda: schema._schema, rules, max_tokens=MAX_TOKENS, size=CACHE_SIZE)
    resolve_directly(schema)
    name_enum_values_directly(schema)
    describe(schema._schema)
    return schema
