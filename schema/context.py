"""What every resolver may ask of ``info.context`` (built by ``resolvers.context``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from strawberry.dataloader import DataLoader
from strawberry.types import Info

from hub import models
from hub.clock import Clock
from hub.events import Feed
from hub.policy import Policy
from hub.principal import Principal
from hub.reference_cache import Reference
from hub.sealing import Sealer, SealError


class IdentityReads(Protocol):
    """Records that a case's children's identity was disclosed: one audit entry per case per request."""

    async def record(self, case_id: str, *, action: str, fields: Sequence[str], at: datetime) -> None: ...


class Loaders:
    """Per-request batch loaders (built by ``resolvers.loaders``): one SQL statement per kind of thing per tick.

    Each is made the first time a resolver asks for it: a request builds only the loaders it uses."""

    def __init__(self, factories: Mapping[str, Callable[[Any], Any]], sources: Any) -> None:
        self._factories, self._sources = factories, sources

    def __getattr__(self, name: str) -> Any:
        factory = self.__dict__["_factories"].get(name)
        if factory is None:
            raise AttributeError(name)
        made = factory(self.__dict__["_sources"])
        setattr(self, name, made)
        return made

    organisation: DataLoader[str, models.Organisation | None]
    partnership: DataLoader[str, models.Partnership | None]
    members: DataLoader[str, list[models.Organisation]]
    partnerships_of_organisation: DataLoader[str, list[models.Partnership]]
    case_partnerships: DataLoader[str, list[models.CasePartnership]]
    children: DataLoader[str, list[models.Child]]
    notification: DataLoader[str, models.Notification | None]
    messages_about: DataLoader[str, list[tuple[models.RoutedMessage, models.Organisation]]]
    visible_case: DataLoader[str, models.Case | None]
    rapid_review: DataLoader[str, models.RapidReview | None]
    rapid_review_of_case: DataLoader[str, models.RapidReview | None]
    contributions: DataLoader[str, list[models.RapidReviewContribution]]
    sign_offs: DataLoader[str, list[models.RapidReviewSignOff]]
    panel_responses: DataLoader[str, list[models.PanelResponse]]
    information_request: DataLoader[str, models.InformationRequest | None]
    addressees: DataLoader[str, list[models.InformationAddressee]]
    requests_of_case: DataLoader[str, list[models.InformationRequest]]
    events_of_case: DataLoader[str, list[models.CaseEvent]]
    family_of_case: DataLoader[str, list[models.FamilyCommunication]]
    proceedings_of_case: DataLoader[str, list[models.ParallelProceeding]]
    webhook_attempts: DataLoader[str, list[models.WebhookAttempt]]
    practice_review: DataLoader[str, models.PracticeReview | None]
    reviews_of_case: DataLoader[str, list[models.PracticeReview]]
    reviewer: DataLoader[str, models.ReviewReviewer | None]
    reviewers: DataLoader[str, list[models.ReviewReviewer]]
    recommendations: DataLoader[str, list[models.Recommendation]]
    recommendation_updates: DataLoader[str, list[models.RecommendationUpdate]]
    supervision_notes: DataLoader[str, list[models.SupervisionNote]]
    publication_delays: DataLoader[str, list[models.PublicationDelay]]
    review_statements: DataLoader[str, list[models.ReviewStatement]]
    thematic_reviews_of_case: DataLoader[str, list[models.ThematicReview]]
    cases_of_thematic_review: DataLoader[str, list[str]]
    review_notices: DataLoader[str, frozenset[str]]
    connector_attempts: DataLoader[str, list[models.ConnectorAttempt]]
    identity_reads: IdentityReads


@dataclass
class HubContext:
    request: Any
    response: Any
    principal: Principal | None
    clock: Clock
    sessions: async_sessionmaker[AsyncSession]
    loaders: Loaders
    policy: Policy = field(default_factory=Policy)
    feed: Feed | None = None
    connection_params: dict[str, Any] | None = None
    sealer: Sealer | None = None  # seals secrets at rest (CSPR_HUB_SECRET_KEY); the composition root gives it
    public_url: str | None = None  # where people reach the hub (CSPR_HUB_PUBLIC_URL, else the issuer)
    reference: Reference | None = None  # organisations and partnerships in memory (``hub.reference_cache``)

    def sealing(self) -> Sealer:
        if self.sealer is None:
            raise SealError("no secret key was given to this context")
        return self.sealer


HubInfo = Info[HubContext, None]


MISSING: Any = object()


def settled(loader: DataLoader[Any, Any], key: Any) -> Any:
    """What ``loader`` already holds for ``key`` in this request (a page loaded it ahead), else ``MISSING``.

    A resolver that finds its value here returns it at once instead of an awaitable: GraphQL then completes
    the field without a round through the event loop (look-ahead loading, ``resolvers.look_ahead``)."""
    future = loader.cache_map.get(key)
    if future is None or not future.done() or future.cancelled() or future.exception() is not None:
        return MISSING
    return future.result()
