"""Query and Mutation roots, per-request dataloaders, and the schema they make.

Resolvers translate GraphQL <-> core calls; no statutory rule lives here.
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError
from strawberry.extensions import (
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.federation import Schema
from strawberry.tools import merge_types

from resolvers.case_record import CaseRecordMutations
from resolvers.errors import log_unexpected
from resolvers.information_request import InformationRequestMutations
from resolvers.notification import NotificationMutations
from resolvers.panel_response import PanelResponseMutations
from resolvers.query import Query
from resolvers.rapid_review import RapidReviewMutations
from resolvers.routing import RoutingMutations
from schema.case import Case
from schema.organisation import Organisation, SafeguardingPartnership
from schema.rapid_review import RapidReview
from schema.scalars import SCALAR_OVERRIDES

Mutation = merge_types("Mutation", (
    NotificationMutations, RapidReviewMutations, PanelResponseMutations, InformationRequestMutations,
    CaseRecordMutations, RoutingMutations,
))

CACHE_SIZE = 512  # distinct documents kept parsed and validated; bounded against abuse


class HubSchema(Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: Any = None) -> None:
        log_unexpected(errors)


def build_schema() -> HubSchema:
    return HubSchema(
        query=Query,
        mutation=Mutation,
        types=[Case, Organisation, SafeguardingPartnership, RapidReview],
        scalar_overrides=SCALAR_OVERRIDES,
        extensions=[
            lambda: ParserCache(maxsize=CACHE_SIZE),
            lambda: ValidationCache(maxsize=CACHE_SIZE),
            lambda: QueryDepthLimiter(max_depth=12),
            lambda: MaxTokensLimiter(max_token_count=5000),
            lambda: MaxAliasesLimiter(max_alias_count=30),
        ],
    )
