"""Per-request dataloaders: a page of N cases costs the same statements as a page of one."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col
from strawberry.dataloader import DataLoader

from hub import audit, models, organisations, publication
from hub.principal import Principal
from hub.reference_cache import Reference
from hub.store import transaction
from hub.visibility import visible_cases
from schema.context import Loaders

Routed = tuple[models.RoutedMessage, models.Organisation]  # a message with its recipient
K = TypeVar("K")
V = TypeVar("V")


class IdentityReads:
    """Identity disclosed in this request, appended to the audit trail once per case, in one short
    transaction per batch (reads have no unit of work of their own), before the fields are returned."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], principal: Principal | None) -> None:
        self._sessions, self._principal = sessions, principal
        self._noted: dict[str, audit.Record] = {}
        self._appended: DataLoader[str, None] = DataLoader(self._append)

    async def record(self, case_id: str, *, action: str, fields: Sequence[str], at: datetime) -> None:
        noted = self._noted.get(case_id)
        merged = tuple(sorted({*fields, *(noted.fields if noted else ())}))
        self._noted[case_id] = audit.Record(action=noted.action if noted else action, at=noted.at if noted else at,
                                            case_id=case_id, fields=merged)
        await self._appended.load(case_id)

    async def _append(self, case_ids: list[str]) -> list[None]:
        assert self._principal is not None, "identity is disclosed to a signed-in caller only"
        async with transaction(self._sessions) as session:
            await audit.append(session, principal=self._principal, records=[self._noted[c] for c in case_ids])
        return [None for _ in case_ids]


def read_only(model: Any) -> tuple[Any, ...]:
    """A table's columns, to select plain rows rather than ORM objects. A row answers to the same attribute
    names (every column is named as its attribute) and costs a tenth of an object to build; it is for
    reading only, and what a page reads in bulk (a case's notification, its routed messages) only reads. The
    table itself: selected column by column, each column would be checked again on every statement."""
    return (model.__table__,)


def _one(rows: Sequence[Any], key: Callable[[Any], str], keys: Sequence[str]) -> list[Any]:
    found = {key(r): r for r in rows}
    return [found.get(k) for k in keys]


def _many(rows: Sequence[Any], key: Callable[[Any], str], keys: Sequence[str]) -> list[list[Any]]:
    grouped: dict[str, list[Any]] = defaultdict(list)
    for r in rows:
        grouped[key(r)].append(r)
    return [grouped.get(k, []) for k in keys]


class Sources:
    """What a request's loaders read, and how: one small object per request, its loaders made from it on first use
    (``FACTORIES``). ``reference``: organisations and partnerships from memory (``hub.reference_cache``)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], principal: Principal | None, today: date,
                 reference: Reference | None) -> None:
        self.sessions, self.principal, self.today, self.reference = sessions, principal, today, reference

    async def fetch(self, query: Any, *, plain: bool = False) -> Sequence[Any]:
        async with self.sessions() as session:
            result = await session.execute(query)
            return result.all() if plain else result.scalars().all()

    def by_id(self, model: Any) -> Callable[[list[str]], Awaitable[list[Any]]]:
        async def load(keys: list[str]) -> list[Any]:
            return _one(await self.fetch(select(model).where(model.id.in_(keys))), lambda r: r.id, keys)
        return load

    def many_by(self, model: Any, key: str, order: Any) -> Callable[[list[str]], Awaitable[list[Any]]]:
        async def load(keys: list[str]) -> list[Any]:
            column = getattr(model, key)
            ordered = order if isinstance(order, tuple) else (order,)
            # the primary key last: rows recorded at the same instant come in the same order on every read
            tie = tuple(model.__table__.primary_key.columns)
            rows = await self.fetch(select(model).where(column.in_(keys)).order_by(*ordered, *tie))
            return _many(rows, lambda r: getattr(r, key), keys)
        return load

    def one_by(self, model: Any, key: str, *, plain: bool = False) -> Callable[[list[str]], Awaitable[list[Any]]]:
        """``plain``: rows, not ORM objects (``read_only``), for what a page reads in bulk and only reads."""
        async def load(keys: list[str]) -> list[Any]:
            selected = select(*read_only(model)) if plain else select(model)
            rows = await self.fetch(selected.where(getattr(model, key).in_(keys)), plain=plain)
            return _one(rows, lambda r: getattr(r, key), keys)
        return load

    def by_case(self, model: Any, order: Any) -> Callable[[list[str]], Awaitable[list[Any]]]:
        return self.many_by(model, "case_id", order)

    async def members(self, keys: list[str]) -> list[list[models.Organisation]]:
        if self.reference is not None:
            return [self.reference.members_of(k, self.today) for k in keys]
        async with self.sessions() as session:
            found = await organisations.members_of(session, keys, self.today)
        return [found.get(k, []) for k in keys]

    async def partnerships_of_org(self, keys: list[str]) -> list[list[models.Partnership]]:
        if self.reference is not None:
            return [self.reference.partnerships_for(k, self.today) for k in keys]
        async with self.sessions() as session:
            found = await organisations.partnerships_for(session, keys, self.today)
        return [found.get(k, []) for k in keys]

    async def organisations_by_id(self, keys: list[str]) -> list[models.Organisation | None]:
        if self.reference is not None:
            return [self.reference.organisations.get(k) for k in keys]
        return await self.by_id(models.Organisation)(keys)

    async def partnerships_by_id(self, keys: list[str]) -> list[models.Partnership | None]:
        if self.reference is not None:
            return [self.reference.partnerships.get(k) for k in keys]
        return await self.by_id(models.Partnership)(keys)

    async def messages_about(self, keys: list[str]) -> list[list[Routed]]:
        def query(*columns: Any) -> Any:
            return (select(*columns)
                    .join(models.Organisation, col(models.Organisation.id) == col(models.RoutedMessage.recipient_id))
                    .where(col(models.RoutedMessage.case_id).in_(keys))
                    .order_by(col(models.RoutedMessage.created_at), col(models.Organisation.code),
                              col(models.RoutedMessage.id)))

        reference = self.reference
        async with self.sessions() as session:
            if reference is not None:  # the recipients from memory: no organisation rows to build
                messages = (await session.execute(query(*read_only(models.RoutedMessage)))).all()
                held = [(m, reference.organisations.get(m.recipient_id)) for m in messages]
                if all(o is not None for _, o in held):
                    return _many(held, lambda pair: pair[0].case_id, keys)
            pairs = [(m, o) for m, o in (await session.execute(query(models.RoutedMessage, models.Organisation))).all()]
        return _many(pairs, lambda pair: pair[0].case_id, keys)

    async def thematic_of_case(self, keys: list[str]) -> list[list[models.ThematicReview]]:
        query = (select(col(models.ThematicReviewCase.case_id), models.ThematicReview)
                 .join(models.ThematicReview,
                       col(models.ThematicReview.id) == col(models.ThematicReviewCase.thematic_review_id))
                 .where(col(models.ThematicReviewCase.case_id).in_(keys))
                 .order_by(col(models.ThematicReview.created_at)))
        async with self.sessions() as session:
            pairs = [(case_id, review) for case_id, review in (await session.execute(query)).all()]
        return [[r for c, r in pairs if c == key] for key in keys]

    async def cases_of_thematic(self, keys: list[str]) -> list[list[str]]:
        rows = await self.fetch(select(models.ThematicReviewCase).where(
            col(models.ThematicReviewCase.thematic_review_id).in_(keys)).order_by(col(models.ThematicReviewCase.added_at)))
        return [[r.case_id for r in rows if r.thematic_review_id == key] for key in keys]

    async def review_notices(self, keys: list[str]) -> list[frozenset[str]]:
        if self.principal is None:
            return [frozenset() for _ in keys]
        async with self.sessions() as session:
            found = await publication.notices_received(session, self.principal, keys)
        return [found.get(key, frozenset()) for key in keys]

    async def visible(self, keys: list[str]) -> list[models.Case | None]:
        if self.principal is None:
            return [None for _ in keys]
        async with self.sessions() as session:
            condition = await visible_cases(session, self.principal, self.today, reference=self.reference)
            query = select(*read_only(models.Case)).where(col(models.Case.id).in_(keys), condition)
            rows = (await session.execute(query)).all()  # plain rows: a case is only read
        return _one(rows, lambda r: r.id, keys)


def build(
    sessions: async_sessionmaker[AsyncSession], principal: Principal | None, today: date, *,
    reference: Reference | None = None,
) -> Loaders:
    """``reference``: organisations and partnerships from memory (``hub.reference_cache``), not the database."""
    return Loaders(FACTORIES, Sources(sessions, principal, today, reference))


FACTORIES: dict[str, Callable[[Sources], Any]] = {
    "organisation": lambda s: DataLoader(s.organisations_by_id),
    "partnership": lambda s: DataLoader(s.partnerships_by_id),
    "members": lambda s: DataLoader(s.members),
    "partnerships_of_organisation": lambda s: DataLoader(s.partnerships_of_org),
    "case_partnerships": lambda s: DataLoader(s.by_case(models.CasePartnership, models.CasePartnership.role)),
    "children": lambda s: DataLoader(s.by_case(models.Child, models.Child.position)),
    "notification": lambda s: DataLoader(s.one_by(models.Notification, "case_id", plain=True)),
    "messages_about": lambda s: DataLoader(s.messages_about),
    "visible_case": lambda s: DataLoader(s.visible),
    "rapid_review": lambda s: DataLoader(s.by_id(models.RapidReview)),
    "rapid_review_of_case": lambda s: DataLoader(s.one_by(models.RapidReview, "case_id")),
    "contributions": lambda s: DataLoader(s.many_by(models.RapidReviewContribution, "rapid_review_id",
                                                      models.RapidReviewContribution.created_at)),
    "sign_offs": lambda s: DataLoader(s.many_by(models.RapidReviewSignOff, "rapid_review_id",
                                                  models.RapidReviewSignOff.organisation_id)),
    "panel_responses": lambda s: DataLoader(s.many_by(models.PanelResponse, "rapid_review_id", models.PanelResponse.responded_at)),
    "information_request": lambda s: DataLoader(s.by_id(models.InformationRequest)),
    "addressees": lambda s: DataLoader(s.many_by(models.InformationAddressee, "request_id", models.InformationAddressee.organisation_id)),
    "requests_of_case": lambda s: DataLoader(s.by_case(models.InformationRequest, models.InformationRequest.created_at)),
    "events_of_case": lambda s: DataLoader(s.by_case(models.CaseEvent, (models.CaseEvent.occurred_at, models.CaseEvent.id))),
    "family_of_case": lambda s: DataLoader(s.by_case(models.FamilyCommunication, models.FamilyCommunication.communicated_on)),
    "proceedings_of_case": lambda s: DataLoader(s.by_case(models.ParallelProceeding, models.ParallelProceeding.recorded_at)),
    "webhook_attempts": lambda s: DataLoader(s.many_by(models.WebhookAttempt, "delivery_id", models.WebhookAttempt.attempted_at)),
    "practice_review": lambda s: DataLoader(s.by_id(models.PracticeReview)),
    "reviews_of_case": lambda s: DataLoader(s.by_case(models.PracticeReview, models.PracticeReview.created_at)),
    "reviewer": lambda s: DataLoader(s.by_id(models.ReviewReviewer)),
    "reviewers": lambda s: DataLoader(s.many_by(models.ReviewReviewer, "review_id", models.ReviewReviewer.position)),
    "recommendations": lambda s: DataLoader(s.many_by(models.Recommendation, "review_id", models.Recommendation.position)),
    "recommendation_updates": lambda s: DataLoader(s.many_by(models.RecommendationUpdate, "recommendation_id",
                                                               models.RecommendationUpdate.recorded_at)),
    "supervision_notes": lambda s: DataLoader(s.many_by(models.SupervisionNote, "review_id", models.SupervisionNote.recorded_at)),
    "publication_delays": lambda s: DataLoader(s.many_by(models.PublicationDelay, "review_id", models.PublicationDelay.recorded_at)),
    "review_statements": lambda s: DataLoader(s.many_by(models.ReviewStatement, "review_id", models.ReviewStatement.recorded_at)),
    "thematic_reviews_of_case": lambda s: DataLoader(s.thematic_of_case),
    "cases_of_thematic_review": lambda s: DataLoader(s.cases_of_thematic),
    "review_notices": lambda s: DataLoader(s.review_notices),
    "connector_attempts": lambda s: DataLoader(s.many_by(models.ConnectorAttempt, "call_id", models.ConnectorAttempt.attempted_at)),
    "identity_reads": lambda s: IdentityReads(s.sessions, s.principal),
}
