"""create_app(settings): the one place that wires every package together."""

from __future__ import annotations

import contextlib
import gc
import logging
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse
from starlette.routing import Route, WebSocketRoute
from starlette.types import ASGIApp, Receive, Scope, Send

import migrations
from app.calendar import CalendarFeeds, redact_access_log
from app.callbacks import ConnectorCallbacks
from app.console import Console
from app.graphiql import PREFIX as GRAPHIQL_ASSETS
from app.graphiql import asset as graphiql_asset
from app.graphql import HubGraphQL, Wiring
from app.graphql_http import GraphQLOverHTTP
from app.observe import MetricsEndpoint, Observed, ObservedOperations, configure_logging, observe_operation
from app.settings import Environment, Settings, SettingsError
from app.statistics_csv import StatisticsCsv
from app.trusted_documents import TrustedDocuments, TrustedDocumentsGate
from auth import keys
from auth.bearer import BearerGate, public_root_fields
from auth.token_endpoint import TokenEndpoint, metadata
from auth.tokens import TokenSettings, Verifier
from connectors import telemetry
from hub import data_versions, reference_data
from hub.clock import Clock, SystemClock, today_in_england
from hub.data_versions import Versions
from hub.events import EVENTS_CHANNEL, Feed
from hub.models import ConnectorCall, WebhookDelivery
from hub.rate_limit import RateLimits
from hub.reference_cache import ReferenceCache
from hub.sealing import Sealer, SealError
from hub.store import create_engine, listening, ping, session_factory, transaction
from resolvers import HubSchema, build_schema
from resolvers.cost import CostLimits, ListBounds

logger = logging.getLogger("cspr_hub")

HOME = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>cspr-hub</title></head>
<body><main><h1>cspr-hub</h1>
<p>The integration hub for child safeguarding practice reviews (Working Together 2018, chapter 4).</p>
<ul><li><a href="/console">The console</a>: the Panel's queue, cases and their timelines, the inbox and the deadlines,
for people (sign in with your organisation)</li>
<li><a href="/graphql">GraphQL API and GraphiQL</a> (a bearer token from <code>/oauth/token</code>)</li>
<li><a href="/.well-known/oauth-authorization-server">OAuth 2.0 authorization server metadata</a></li>
<li><a href="/readyz">Readiness</a></li></ul></main></body></html>
"""


@dataclass
class Hub:
    """The running hub's parts, shared by the HTTP app, the CLI and the tests."""

    settings: Settings
    clock: Clock
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    feed: Feed = field(default_factory=Feed)
    ready: bool = field(default=False)
    list_bounds: ListBounds = field(default_factory=ListBounds)  # the reference data's largest lists (query cost)
    versions: Versions = field(init=False)  # of what every process keeps in memory (clients, reference data)
    reference: ReferenceCache = field(init=False)  # organisations, partnerships, memberships in memory
    _schema: HubSchema | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        url = self.engine.url
        on_file = url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:")
        self.versions = Versions(self.sessions, sqlite_file=url.database if on_file else None)
        self.reference = ReferenceCache(self.sessions, self.versions)

    @classmethod
    def create(cls, settings: Settings, clock: Clock | None = None) -> Hub:
        engine = create_engine(settings.database_url)
        telemetry.configure()  # OTLP export only when OTEL_EXPORTER_OTLP_ENDPOINT is set
        telemetry.instrument_engine(engine.sync_engine)
        telemetry.keep_trace_on_outbox_rows(WebhookDelivery, ConnectorCall)
        hub = cls(settings, clock or SystemClock(), engine, session_factory(engine, info=settings.session_info()))
        hub.feed.install(hub.sessions)
        return hub

    @property
    def token_settings(self) -> TokenSettings:
        return TokenSettings(self.settings.issuer, self.settings.audience, self.settings.token_ttl_seconds,
                             dev_tokens=self.settings.dev_issuer)

    async def start(self, *, migrate: bool = True) -> None:
        """Migrate (under a lock), load reference data on first start, make a signing key."""
        if migrate:
            await migrations.upgrade(self.engine)
        async with transaction(self.sessions) as session:
            if await reference_data.load_shipped_if_empty(session):
                logger.info("loaded the shipped reference organisations and partnerships")
            if self.settings.dev_issuer:
                await keys.active_key(session, now=self.clock.now(), sealer=self.sealer())
        await self.list_bounds.refresh(self.sessions, today_in_england(self.clock))
        self.ready = True

    def schema(self) -> HubSchema:
        """The GraphQL schema for the hub's (frozen) settings, built once: every app made over the same hub (the
        tests make one per test) shares it, as the one app of a serving process does."""
        if self._schema is None:
            settings = self.settings
            self._schema = build_schema(
                introspection=settings.introspection, suggestions=settings.suggestions,
                limits=CostLimits(settings.max_query_cost, settings.max_public_query_cost),
                bounds=self.list_bounds, extensions=[ObservedOperations], observe=observe_operation)
        return self._schema

    def sealer(self) -> Sealer:
        """What seals and opens secrets at rest (CSPR_HUB_SECRET_KEY); SealError when there is no key."""
        try:
            return Sealer(self.settings.sealing_keys())
        except SettingsError as exc:
            raise SealError(str(exc)) from exc

    @contextlib.asynccontextmanager
    async def listening(self) -> AsyncIterator[bool]:
        """Hear case events and data version changes committed by other processes (PostgreSQL LISTEN);
        in-process on SQLite."""
        async with (listening(self.engine, EVENTS_CHANNEL, self._heard) as on,
                    listening(self.engine, data_versions.CHANNEL, self.versions.heard,
                              on_listening=self.versions.listening)):
            try:
                yield on
            finally:
                self.versions.listening(False)

    def _heard(self, event_id: str) -> None:
        self.feed.publish(event_id)

    async def stop(self) -> None:
        self.versions.close()
        await self.engine.dispose()


def create_app(
    settings: Settings | None = None, *, clock: Clock | None = None, hub: Hub | None = None, worker: bool = False,
    seconds: Callable[[], float] = time.monotonic,
) -> Starlette:
    """The ASGI app; with ``worker`` its lifespan also runs the outbox worker (``cspr-hub serve``).
    ``seconds`` is the clock the rate limits' buckets refill by."""
    hub = hub or Hub.create(settings or Settings.from_env(), clock)
    limits = RateLimits.of(per_minute=hub.settings.rate_limit_per_minute, burst=hub.settings.rate_limit_burst,
                           public_per_minute=hub.settings.public_rate_limit_per_minute,
                           public_burst=hub.settings.public_rate_limit_burst, seconds=seconds)
    sealer = Sealer(hub.settings.sealing_keys())  # SettingsError in production without CSPR_HUB_SECRET_KEY
    verifier = Verifier(sessions=hub.sessions, settings=hub.token_settings, clock=hub.clock, sealer=sealer,
                        trusted=hub.settings.trusted_issuers, versions=hub.versions,
                        reference=hub.reference)
    schema = hub.schema()
    graphql = HubGraphQL(schema, Wiring(
        sessions=hub.sessions, clock=hub.clock, policy=hub.settings.policy, feed=hub.feed,
        principal_of=verifier.principal, graphiql=hub.settings.graphiql, sealer=sealer,
        max_json_depth=hub.settings.max_json_depth, public_url=hub.settings.hub_url, reference=hub.reference))
    trusted = TrustedDocuments.load(hub.settings.trusted_documents)
    inner: ASGIApp = TrustedDocumentsGate(graphql, trusted=trusted) if trusted else graphql
    gated = BearerGate(inner, principal_of=verifier.principal, path="/graphql",
                       max_body=hub.settings.max_body_bytes, public=public_root_fields(sdl=hub.settings.public_sdl),
                       limits=limits)

    async def home(request: Request) -> HTMLResponse:
        return HTMLResponse(HOME)

    async def healthz(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    async def readyz(request: Request) -> JSONResponse:
        try:
            await ping(hub.engine)
            current = await migrations.current(hub.engine)
        except Exception as exc:  # noqa: BLE001 - any database failure means not ready
            return JSONResponse({"status": "unavailable", "reason": type(exc).__name__}, status_code=503)
        migrated = current == migrations.head()
        ok = hub.ready and migrated
        return JSONResponse({"status": "ok" if ok else "starting", "migrated": migrated,
                             "referenceData": hub.ready}, status_code=200 if ok else 503)

    async def jwks(request: Request) -> JSONResponse:
        async with hub.sessions() as session:
            published = await keys.published(session, now=hub.clock.now(), sealer=sealer)
        return JSONResponse(keys.public_jwks(published), headers={"cache-control": "max-age=300"})

    async def authorisation_server(request: Request) -> JSONResponse:
        return JSONResponse(metadata(hub.token_settings), headers={"cache-control": "max-age=300"})

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        configure_logging(hub.settings.log_format.value)  # after uvicorn's own logging set-up
        await hub.start()
        gc.collect()
        gc.freeze()  # the schema and the mappers live for the process: keep them out of every collection
        try:
            async with hub.listening():
                if worker:
                    from app.worker import running

                    async with running(hub):
                        yield
                else:
                    yield
        finally:
            await hub.stop()

    redact_access_log()  # feed addresses carry their secret
    routes = [
            # first: nearly every request is a GraphQL one, and the router tries each route in turn
            Route("/graphql", GraphQLOverHTTP(reading_versions_once(gated), path="/graphql",
                                              max_body=hub.settings.max_body_bytes,
                                              max_depth=hub.settings.max_json_depth), methods=["GET", "POST"]),
            Route("/", home), Route("/healthz", healthz), Route("/readyz", readyz),
            Route("/metrics", MetricsEndpoint(hub).handle, methods=["GET"]),
            Route("/.well-known/jwks.json", jwks),
            Route("/.well-known/oauth-authorization-server", authorisation_server),
            Route("/oauth/token", TokenEndpoint(sessions=hub.sessions, settings=hub.token_settings, clock=hub.clock,
                                              sealer=sealer, limiter=limits.token_endpoint).handle,
                  methods=["POST"]),
            Route("/connectors/{connector_id}/callback", ConnectorCallbacks(
                sessions=hub.sessions, clock=hub.clock, sealer=hub.sealer,
                max_body=hub.settings.max_body_bytes, max_depth=hub.settings.max_json_depth).handle,
                  methods=["POST"]),
            Route("/calendar/{token}.ics", CalendarFeeds(sessions=hub.sessions, clock=hub.clock,
                                                          policy=hub.settings.policy,
                                                          public_url=hub.settings.hub_url).handle, methods=["GET"]),
            Route(GRAPHIQL_ASSETS + "{name}", graphiql_asset, methods=["GET"]),
            Route("/statistics/incidents.csv", StatisticsCsv(
                sessions=hub.sessions, clock=hub.clock, principal_of=verifier.principal).handle, methods=["GET"]),
            WebSocketRoute("/graphql", graphql),
            *Console(sessions=hub.sessions, clock=hub.clock, policy=hub.settings.policy,
                     secret_keys=hub.settings.sealing_keys(),
                     development=hub.settings.environment is Environment.DEVELOPMENT,
                     providers=hub.settings.console_oidc, public_url=hub.settings.public_url).routes(),
        ]
    app = Starlette(
        routes=routes, lifespan=lifespan,
        middleware=[Middleware(Observed, routes=routes, log_requests=hub.settings.log_format.value == "json")],
    )
    app.state.hub = hub
    app.state.rate_limits = limits
    return app


def reading_versions_once(app: ASGIApp) -> ASGIApp:
    """Each HTTP request reads the data versions once (``Versions.one_read``), for its token and its reference
    data alike, rather than once for each."""
    async def each_request(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        with Versions.one_read():
            await app(scope, receive, send)
    return each_request


def served_app() -> Starlette:
    """One of ``cspr-hub serve --workers N``'s processes: the app from the environment the command set."""
    import os

    return create_app(Settings.from_env(), worker=os.environ.get("CSPR_HUB_SERVE_NO_WORKER") != "true")
