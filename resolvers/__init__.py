"""Query and Mutation roots, per-request dataloaders, and the schema they make.

Resolvers translate GraphQL <-> core calls; no statutory rule lives here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import cached_property
from typing import Any

from graphql import GraphQLError, NoSchemaIntrospectionCustomRule
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
from strawberry.types.info import Info

from hub.errors import BadUserInput
from resolvers.calendar_feed import CalendarFeedMutations
from resolvers.case_record import CaseRecordMutations
from resolvers.cost import CostLimiter, CostLimits, EstimateCache, ListBounds
from resolvers.entities import representation_problem
from resolvers.errors import log_unexpected
from resolvers.handoff import HandoffMutations
from resolvers.information_request import InformationRequestMutations
from resolvers.notification import NotificationMutations
from resolvers.operation_choice import OperationMustBeNamed
from resolvers.panel_response import PanelResponseMutations
from resolvers.practice_review import PracticeReviewMutations
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


SUGGESTION = re.compile(r" ?Did you mean [^?]*\?")  # graphql-core's hint, for fields, arguments, types and values


class HubSchema(Schema):
    suggestions = True  # "Did you mean ..." in validation and coercion errors; off in production

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
                 extensions: Sequence[Callable[[], SchemaExtension] | type[SchemaExtension]] = ()) -> HubSchema:
    """The schema; without introspection (production) only ``_service`` describes it, to gateways, and
    without suggestions no error message names a field, argument, type or value the document did not.
    Every document is weighed before it runs (``resolvers.cost``) against ``limits``."""
    limits, bounds = limits or CostLimits(), bounds or ListBounds()
    known = EstimateCache(CACHE_SIZE)  # shared by every request's CostLimiter
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
            lambda: CostLimiter(schema=lambda: schema._schema, bounds=bounds, limits=limits, known=known),
        ],
    )
    schema.suggestions = suggestions
    describe(schema._schema)
    return schema
