"""Traces: OpenTelemetry spans and the W3C ``traceparent`` carried into webhooks and connector calls.

OpenTelemetry is optional (the ``otel`` extra): without it every function here is a cheap no-op and the
hub runs as before. With it, spans are exported by OTLP only when the standard
``OTEL_EXPORTER_OTLP_ENDPOINT`` (or ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``) is set; without an endpoint
nothing is exported, yet a ``traceparent`` a caller sends is still passed on, so a webhook delivery or a
connector call made later by the worker carries the trace of the request that caused it (the outbox row
keeps the request's ``traceparent``: ``webhook_delivery.traceparent``, ``connector_call.traceparent``).

No span attribute carries an input value, a case id or a raw path: routes are templates, SQL statements
are the parameterised text.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
from collections.abc import Iterator, Mapping, MutableMapping
from typing import Any

logger = logging.getLogger("cspr_hub.telemetry")

try:  # the ``otel`` extra
    from opentelemetry import context as otel_context
    from opentelemetry import trace
    from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
except ImportError:  # pragma: no cover - exercised where the extra is not installed
    trace = None  # type: ignore[assignment]
    otel_context = None  # type: ignore[assignment]
    TraceContextTextMapPropagator = None  # type: ignore[assignment,misc]

AVAILABLE = trace is not None
TRACEPARENT = re.compile(r"^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$")
_propagator = TraceContextTextMapPropagator() if AVAILABLE else None
_state: dict[str, Any] = {"tracer": None, "provider": None, "recording": False}


def endpoint_configured(env: Mapping[str, str] | None = None) -> bool:
    env = os.environ if env is None else env
    return bool(env.get("OTEL_EXPORTER_OTLP_ENDPOINT") or env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"))


def configure(env: Mapping[str, str] | None = None) -> bool:
    """Export spans by OTLP when an endpoint is set and OpenTelemetry is installed; True when it does."""
    if _state["provider"] is not None or not endpoint_configured(env):
        return bool(_state["recording"])
    if not AVAILABLE:
        logger.warning("OTEL_EXPORTER_OTLP_ENDPOINT is set but OpenTelemetry is not installed "
                       "(pip install 'cspr-hub[otel]'): no spans are exported")
        return False
    try:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
    except ImportError:
        logger.warning("OTEL_EXPORTER_OTLP_ENDPOINT is set but the OpenTelemetry SDK or OTLP exporter is missing "
                       "(pip install 'cspr-hub[otel]'): no spans are exported")
        return False
    env = os.environ if env is None else env
    endpoint = env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") or (
        env.get("OTEL_EXPORTER_OTLP_ENDPOINT", "").rstrip("/") + "/v1/traces")
    resource = Resource.create({"service.name": env.get("OTEL_SERVICE_NAME") or "cspr-hub"})
    provider = TracerProvider(resource=resource)
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint)))  # OTLP over HTTP
    use(provider)
    return True


def use(provider: Any) -> None:
    """Record spans with this tracer provider (``configure`` makes one; tests give an in-memory one)."""
    _state["provider"] = provider
    _state["tracer"] = provider.get_tracer("cspr-hub") if provider is not None else None
    _state["recording"] = provider is not None


def recording() -> bool:
    return bool(_state["recording"])


def _tracer() -> Any:
    if _state["tracer"] is not None:
        return _state["tracer"]
    return trace.get_tracer("cspr-hub") if AVAILABLE else None  # no-op: still carries a caller's context on


def extract(headers: Mapping[str, str]) -> Any:
    """The context a caller sent (``traceparent``), or None."""
    if not AVAILABLE:
        return None
    parent = headers.get("traceparent")
    if not parent or not TRACEPARENT.match(parent.strip().lower()):
        return None
    return _propagator.extract({"traceparent": parent.strip().lower()})  # type: ignore[union-attr]


def context_of(traceparent: str | None) -> Any:
    """The context of a stored ``traceparent``, or None."""
    return extract({"traceparent": traceparent}) if traceparent else None


@contextlib.contextmanager
def span(name: str, *, kind: str = "internal", parent: Any = None, attributes: Mapping[str, Any] | None = None,
         ) -> Iterator[Any]:
    """A span made current for the block (with ``parent`` its parent); None without OpenTelemetry.

    Without a recording provider the span is OpenTelemetry's non-recording one, which keeps the parent's
    trace id, so the context still flows to what the block calls."""
    if not AVAILABLE:
        yield None
        return
    if parent is None and not recording():
        yield None  # nothing to record and nothing to carry on
        return
    span_kind = {"server": trace.SpanKind.SERVER, "client": trace.SpanKind.CLIENT,
                 "internal": trace.SpanKind.INTERNAL}[kind]
    with _tracer().start_as_current_span(name, context=parent, kind=span_kind,
                                         attributes=dict(attributes or {})) as current:
        yield current


def current_traceparent() -> str | None:
    """The ``traceparent`` of the current span, when there is one with a valid trace id."""
    if not AVAILABLE:
        return None
    carrier: dict[str, str] = {}
    _propagator.inject(carrier)  # type: ignore[union-attr]
    value = carrier.get("traceparent")
    return value if value and TRACEPARENT.match(value) else None


def current_trace_id() -> str | None:
    """The current trace id in hex, for log lines; None outside a trace."""
    if not AVAILABLE:
        return None
    found = trace.get_current_span().get_span_context()
    return format(found.trace_id, "032x") if found.is_valid else None


def inject(headers: MutableMapping[str, str]) -> MutableMapping[str, str]:
    """Add the current ``traceparent`` (and ``tracestate``) to outgoing headers."""
    if AVAILABLE:
        _propagator.inject(headers)  # type: ignore[union-attr]
    return headers


def set_attributes(current: Any, **attributes: Any) -> None:
    if current is not None and current.is_recording():
        current.set_attributes({k.replace("__", "."): v for k, v in attributes.items() if v is not None})


def error(current: Any, what: str) -> None:
    """Mark a span failed with a safe description (a type name or an HTTP status), never a message's text."""
    if current is not None and current.is_recording():
        current.set_status(trace.Status(trace.StatusCode.ERROR, what))


def instrument_engine(sync_engine: Any) -> None:
    """A span for each SQL statement on this engine (its parameterised text, never its values)."""
    from sqlalchemy import event

    def before(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        if not recording():
            return
        verb = statement.lstrip().split(None, 1)[0].upper() if statement.strip() else "SQL"
        manager = _tracer().start_as_current_span(verb, kind=trace.SpanKind.CLIENT, attributes={
            "db.system.name": conn.dialect.name, "db.query.text": statement[:2000]})
        manager.__enter__()
        conn.info.setdefault("cspr_hub_spans", []).append(manager)

    def after(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        stack = conn.info.get("cspr_hub_spans")
        if stack:
            stack.pop().__exit__(None, None, None)

    def failed(context: Any) -> None:
        conn = context.connection
        stack = conn.info.get("cspr_hub_spans") if conn is not None else None
        if stack:
            manager = stack.pop()
            error(trace.get_current_span(), type(context.original_exception).__name__)
            manager.__exit__(None, None, None)

    event.listen(sync_engine, "before_cursor_execute", before)
    event.listen(sync_engine, "after_cursor_execute", after)
    event.listen(sync_engine, "handle_error", failed)


_OUTBOX: dict[str, tuple[type, ...]] = {"models": ()}


def _keep_traceparent(session: Any, flush_context: Any, instances: Any) -> None:
    parent: str | None = None
    for row in session.new:
        if isinstance(row, _OUTBOX["models"]) and getattr(row, "traceparent", None) is None:
            parent = parent or current_traceparent()
            if parent is None:
                return
            row.traceparent = parent  # type: ignore[attr-defined]


def keep_trace_on_outbox_rows(*models: type) -> None:
    """Rows of these outbox tables added during a traced request keep its ``traceparent``, for the worker."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    _OUTBOX["models"] = models
    if AVAILABLE and not event.contains(Session, "before_flush", _keep_traceparent):
        event.listen(Session, "before_flush", _keep_traceparent)
