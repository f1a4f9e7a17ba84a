"""Watching the hub run: Prometheus metrics at ``/metrics``, a span and a request id for every HTTP request,
GraphQL operations counted and traced, and one JSON object a line when ``CSPR_HUB_LOG_FORMAT=json``.

Two kinds of metric, so that the figures are right however many processes serve the hub:

- what happens in a process (HTTP requests, their durations, GraphQL operations) is counted in that
  process; every process is scraped as a target of its own and the figures summed across them
  (``sum by (route, status) (rate(cspr_hub_http_requests_total[5m]))``). Where several processes share
  one port, set ``PROMETHEUS_MULTIPROC_DIR`` and every process reports the sum of all of them
  (prometheus_client's multiprocess mode, one machine only);
- what the database holds (the outbox, webhook and connector attempts by outcome, deadlines overdue) is
  counted from the database at scrape time: every process reports the same figure, whichever process did
  the work, and across machines too (aggregate them with ``max``, not ``sum``).

No label carries a case id, an organisation's code, a person or a raw path: routes are their templates.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import hmac
import json
import logging
import os
import re
import sys
import time
import traceback
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.extensions import SchemaExtension
from strawberry.types.execution import PreExecutionError

from connectors import telemetry
from hub import figures
from hub.clock import today_in_england

PROCESS = CollectorRegistry(auto_describe=True)
HTTP_REQUESTS = Counter("cspr_hub_http_requests", "HTTP requests answered, by method, route template and status.",
                        ["method", "route", "status"], registry=PROCESS)
HTTP_DURATION = Histogram("cspr_hub_http_request_duration_seconds",
                          "Time to answer an HTTP request, by method and route template.", ["method", "route"],
                          registry=PROCESS)
GRAPHQL_OPERATIONS = Counter(
    "cspr_hub_graphql_operations",
    "GraphQL operations, by operation type (query, mutation, subscription; unknown when the document could not be "
    "read) and outcome (ok; error: errors in the result; invalid: refused before it ran).",
    ["operation_type", "outcome"], registry=PROCESS)
METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"}
UNMATCHED = "unmatched"

logger = logging.getLogger("cspr_hub.metrics")
request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("cspr_hub_request_id", default=None)
REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
access_log = logging.getLogger("cspr_hub.access")


def route_template(routes: Sequence[BaseRoute], scope: Scope) -> str:
    """The template of the route that answered (``/connectors/{connector_id}/callback``), never the raw path."""
    for route in routes:
        match, _ = route.matches(scope)
        if match is not Match.NONE:
            return str(getattr(route, "path", UNMATCHED))
    return UNMATCHED


class Observed:
    """ASGI middleware: for each HTTP request a request id, a server span (continuing a caller's
    ``traceparent``), the request counted and timed by route template, and in JSON logs one access line."""

    def __init__(self, app: ASGIApp, *, routes: Sequence[BaseRoute], log_requests: bool = False) -> None:
        self.app = app
        self.routes = routes
        self.log_requests = log_requests
        self.exact: dict[str, str] = {}  # a path that is its route's whole template, as found (bounded by the routes)

    def route(self, scope: Scope) -> str:
        path = scope.get("path", "")
        found = self.exact.get(path)
        if found is None:
            found = route_template(self.routes, scope)
            if found == path:
                self.exact[path] = found
        return found

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given, headers = "", {}
        for key, value in scope.get("headers", ()):
            if key == b"x-request-id":
                given = value.decode("latin-1")
            elif key == b"traceparent":  # a caller's trace context (``telemetry.extract``)
                headers["traceparent"] = value.decode("latin-1")
        rid = given if REQUEST_ID.match(given) else os.urandom(16).hex()
        token = request_id.set(rid)
        method = scope.get("method", "GET") if scope.get("method") in METHODS else "OTHER"
        status = 500
        started = time.perf_counter()

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", rid.encode())]
            await send(message)

        try:
            with telemetry.span(f"{method}", kind="server", parent=telemetry.extract(headers)) as span:
                try:
                    await self.app(scope, receive, sending)
                finally:
                    route = self.route(scope)
                    if span is not None and span.is_recording():
                        span.update_name(f"{method} {route}")
                        telemetry.set_attributes(span, http__request__method=method, http__route=route,
                                                 http__response__status_code=status)
                        if status >= 500:
                            telemetry.error(span, f"HTTP {status}")
                    elapsed = time.perf_counter() - started
                    requests, duration = _http(method, route, status)
                    requests.inc()
                    duration.observe(elapsed)
                    if self.log_requests:
                        access_log.info("request", extra={"method": method, "route": route, "status": status,
                                                          "duration_ms": round(elapsed * 1000, 1)})
        finally:
            request_id.reset(token)


def outcome_of(result: Any) -> str:
    """An operation's outcome for the metrics: ``invalid`` when it was refused before it ran (no result, a
    pre-execution error, or variables that could not be used: no data and no error with a path), ``error`` when
    its result has errors, else ``ok``. The same on strawberry's whole path and on a prepared document's."""
    if result is None or isinstance(result, PreExecutionError):
        return "invalid"
    errors = result.errors or []
    if errors and result.data is None and all(e.path is None for e in errors):
        return "invalid"
    return "error" if errors else "ok"


@contextlib.contextmanager
def _traced(kind: str, result: Callable[[], Any]) -> Iterator[None]:
    """The span of an operation that runs (none for a subscription, which outlives its request's span), marked
    failed when its result has errors."""
    if kind == "subscription" or not telemetry.recording():
        yield
        return
    with telemetry.span(f"graphql {kind}", attributes={"graphql.operation.type": kind}) as span:
        yield
        ran = result()
        if ran is not None and ran.errors:
            telemetry.error(span, "GraphQL errors")


@contextlib.contextmanager
def observe_operation(kind: str) -> Iterator[Callable[[Any], None]]:
    """A prepared document's run (``resolvers.prepared``), counted and traced as ``ObservedOperations`` does:
    the block is given the result."""
    held: list[Any] = [None]
    with _traced(kind, lambda: held[0]):
        yield lambda result: held.__setitem__(0, result)
    _operations(kind, outcome_of(held[0])).inc()


# The metrics' children by their labels: types, outcomes, methods, route templates and statuses, a bounded set.
@functools.lru_cache(maxsize=64)
def _operations(kind: str, outcome: str) -> Any:
    return GRAPHQL_OPERATIONS.labels(kind, outcome)


@functools.lru_cache(maxsize=1024)
def _http(method: str, route: str, status: int) -> tuple[Any, Any]:
    return HTTP_REQUESTS.labels(method, route, str(status)), HTTP_DURATION.labels(method, route)


class ObservedOperations(SchemaExtension):
    """Counts every GraphQL operation by type and outcome, and traces each one that runs."""

    def on_operation(self) -> Iterator[None]:
        yield
        context = self.execution_context
        try:
            kind = context.operation_type.value
        except Exception:  # noqa: BLE001 - a document that could not be read has no type
            kind = "unknown"
        _operations(kind, outcome_of(context.result)).inc()

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        try:
            kind = context.operation_type.value
        except Exception:  # noqa: BLE001
            kind = "unknown"
        with _traced(kind, lambda: context.result):
            yield


def _figures_collector(found: figures.Figures) -> list[Metric]:
    pending = GaugeMetricFamily("cspr_hub_outbox_pending", "Outbox rows waiting to be sent, by kind (counted from "
                                "the database at scrape time).", labels=["kind"])
    pending.add_metric(["webhook_deliveries"], found.pending_deliveries)
    pending.add_metric(["connector_calls"], found.pending_calls)
    deliveries = CounterMetricFamily("cspr_hub_webhook_deliveries", "Webhook delivery attempts, by outcome "
                                     "(delivered, failed), counted from the database at scrape time.",
                                     labels=["outcome"])
    for outcome in ("delivered", "failed"):
        deliveries.add_metric([outcome], found.deliveries.get(outcome, 0))
    calls = CounterMetricFamily("cspr_hub_connector_calls", "Calls to agency systems, by operation (push, poll, "
                                "withdraw, message, summary, test) and outcome (succeeded, failed), counted from "
                                "the database at scrape time.", labels=["operation", "outcome"])
    for outcome in ("succeeded", "failed"):
        calls.add_metric(["push", outcome], found.calls.get(("push", outcome), 0))
    for (operation, outcome), n in sorted(found.calls.items()):
        if operation != "push":
            calls.add_metric([operation, outcome], n)
    overdue = GaugeMetricFamily("cspr_hub_deadlines_overdue", "Deadlines still owed past their date, by kind "
                                "(counted from the database at scrape time).", labels=["kind"])
    from hub.reminders import DeadlineKind

    for kind in DeadlineKind:
        overdue.add_metric([kind.value.lower()], found.overdue.get(kind.value, 0))
    return [pending, deliveries, calls, overdue]


class _Scrape:
    def __init__(self, *parts: Iterable[Metric]) -> None:
        self.parts = parts

    def collect(self) -> Iterator[Metric]:
        for part in self.parts:
            yield from part


def process_registry() -> CollectorRegistry:
    """This process's metrics, or with PROMETHEUS_MULTIPROC_DIR those of every process on the machine."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return registry
    return PROCESS


class MetricsEndpoint:
    """``GET /metrics``: open in development unless CSPR_HUB_METRICS_TOKEN is set; with it, only to
    ``Authorization: Bearer <token>``; in production without it, 404."""

    def __init__(self, hub: Any) -> None:
        self.hub = hub

    def _refused(self, request: Request) -> Response | None:
        token = self.hub.settings.metrics_token
        if token is None:
            return None if self.hub.settings.environment.value == "development" else PlainTextResponse(
                "Not Found", status_code=404)
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode()):
            return None
        return PlainTextResponse("a bearer token is required", status_code=401,
                                 headers={"www-authenticate": 'Bearer realm="metrics"'})

    async def handle(self, request: Request) -> Response:
        refused = self._refused(request)
        if refused is not None:
            return refused
        hub = self.hub
        up = GaugeMetricFamily("cspr_hub_database_up", "1 when the figures counted from the database could be read "
                               "at this scrape, else 0 (and they are left out).")
        try:
            async with hub.sessions() as session:
                found: list[Metric] = _figures_collector(await figures.figures(
                    session, today=today_in_england(hub.clock), policy=hub.settings.policy))
            up.add_metric([], 1)
        except Exception as exc:  # noqa: BLE001 - the process's own figures are still worth having
            logger.warning("metrics: the database could not be read (%s)", type(exc).__name__)
            found = []
            up.add_metric([], 0)
        body = generate_latest(_Scrape(process_registry().collect(), [up, *found]))
        return Response(body, media_type=CONTENT_TYPE_LATEST)


# Logs -------------------------------------------------------------------------------------------------------------

FIELDS = ("method", "route", "status", "duration_ms")
TRACEBACK = "Traceback (most recent call last):"


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, request id, trace id, and for requests the
    route template, status and duration. An exception is given by its type and where it was raised, never
    by its message (which may quote an input)."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        if TRACEBACK in message:  # a traceback logged as text (uvicorn's failed start-up): its values may be inputs
            last = [ln for ln in message.splitlines() if ln and not ln[0].isspace()][-1]
            message = f"{message.split(TRACEBACK, 1)[0].strip() or 'failed'} (traceback omitted: {last.split(':')[0]})"
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(), "logger": record.name, "message": message,
            "request_id": request_id.get(), "trace_id": telemetry.current_trace_id(),
        }
        for name in FIELDS:
            if hasattr(record, name):
                line[name] = getattr(record, name)
        if record.exc_info and record.exc_info[0] is not None:
            kind, _, tb = record.exc_info
            line["error"] = kind.__name__
            line["where"] = [f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno} {f.name}"
                             for f in traceback.extract_tb(tb)][-5:]
        return json.dumps(line, default=str, separators=(",", ":"))


def lean_records() -> None:
    """A log record carries what the hub's lines show (time, level, logger, message, its fields): not where in the
    source it was logged from, nor the thread's or the process's name, which no line of the hub's or uvicorn's
    shows. These are the logging HOWTO's own optimisations; under load they were a tenth of a small request's time
    (an access line a request)."""
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    logging._srcfile = None  # the HOWTO's way: no caller frame looked up


def configure_logging(log_format: str, *, stream: Any = None) -> None:
    """``json``: every log line (the hub's, uvicorn's) one JSON object on standard error, requests logged by the
    hub with their route template instead of uvicorn's access line (which names the raw path); ``text``: as
    before, untouched. Either way a record carries only what the lines show (``lean_records``)."""
    lean_records()
    if log_format != "json":
        return
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(logging.INFO)
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers = []
        logging.getLogger(name).propagate = True
    uvicorn_access = logging.getLogger("uvicorn.access")
    uvicorn_access.handlers = []
    uvicorn_access.propagate = False
    uvicorn_access.disabled = True
