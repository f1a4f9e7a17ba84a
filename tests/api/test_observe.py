"""Watching the hub run: /metrics scraped with prometheus_client's own parser after traffic, the
trace of a request carried into the webhook delivery and the connector call it caused, and JSON logs."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx2
import pytest
from cryptography.fernet import Fernet
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from prometheus_client.parser import text_string_to_metric_families
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from app.main import Hub, create_app
from app.observe import JsonFormatter, configure_logging
from app.settings import Environment, LogFormat, Settings, SettingsError
from connectors import telemetry
from hub.clock import FixedClock
from tests.api.test_connectors import Loop, add_council, loop_fixture, panel_asks  # noqa: F401 - the loop fixture
from tests.api.test_notification import CAMDEN, NOTIFY
from tests.api.test_webhooks import Receiver, deliver_once, incident_today, real_time, receiver, subscribe
from tests.conftest import Api, serving

__all__ = ["real_time", "receiver"]  # fixtures used here

ROOT = Path(__file__).resolve().parent.parent.parent
TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
TRACEPARENT = f"00-{TRACE_ID}-00f067aa0ba902b7-01"

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def parse(text: str) -> Samples:
    """Every sample by name and labels, read with prometheus_client's own parser."""
    found: Samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


async def scrape(http: httpx2.AsyncClient, **headers: str) -> Samples:
    response = await http.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return parse(response.text)


async def notify(api: Api, clock: FixedClock, *, headers: dict[str, str] | None = None) -> dict[str, Any]:
    token = await api.token(CAMDEN, "la")
    response = await api.http.post("/graphql", json={"query": NOTIFY, "variables": {"input": incident_today(clock)}},
                                   headers={"authorization": f"Bearer {token}", **(headers or {})})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert body["data"]["notifySeriousIncident"]["errors"] == []
    return body


async def test_requests_and_operations_are_counted_by_route_template_type_and_outcome(
    api: Api, client: httpx2.AsyncClient, clock: FixedClock
) -> None:
    before = await scrape(client)
    await notify(api, clock)
    await api("{ inbox { totalCount } }", as_=("PANEL", "panel"))
    bad = await api.post("{ nothingHere }", as_=("PANEL", "panel"))
    assert bad.status_code in (200, 400)
    await client.get("/cases/3f2d7c1e-0000-4000-8000-000000000000")  # no such route: its path is no label
    await client.post("/connectors/3f2d7c1e-0000-4000-8000-000000000001/callback", content=b"{}")
    after = await scrape(client)

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    graphql = {"method": "POST", "route": "/graphql"}
    assert moved("cspr_hub_http_requests_total", **graphql, status="200") >= 2
    assert moved("cspr_hub_http_request_duration_seconds_count", **graphql) == 3
    assert moved("cspr_hub_http_requests_total", method="GET", route="/metrics", status="200") == 1
    assert moved("cspr_hub_http_requests_total", method="GET", route="unmatched", status="404") == 1
    callbacks = {k[1] for k in after if k[0] == "cspr_hub_http_requests_total"
                 and ("route", "/connectors/{connector_id}/callback") in k[1]}
    assert callbacks, "the callback is counted under its route template"
    assert moved("cspr_hub_graphql_operations_total", operation_type="mutation", outcome="ok") == 1
    assert moved("cspr_hub_graphql_operations_total", operation_type="query", outcome="ok") == 1
    assert moved("cspr_hub_graphql_operations_total", operation_type="query", outcome="invalid") == 1
    labels = {v for (_, pairs) in after for _, v in pairs}
    assert not any("3f2d7c1e" in v or CAMDEN in v or "Amara" in v for v in labels), labels


async def test_a_failing_receiver_raises_the_failed_deliveries_and_the_outbox_backs_up(
    api: Api, hub: Hub, client: httpx2.AsyncClient, receiver: Receiver, real_time: FixedClock
) -> None:
    await subscribe(api, ("PANEL", "panel"), receiver.url)
    receiver.statuses = [500, 503]
    await notify(api, real_time)
    first = await scrape(client)
    assert value(first, "cspr_hub_outbox_pending", kind="webhook_deliveries") == 1
    assert value(first, "cspr_hub_webhook_deliveries_total", outcome="failed") == 0
    assert await deliver_once(hub) == 1
    failed = await scrape(client)
    assert value(failed, "cspr_hub_webhook_deliveries_total", outcome="failed") == 1
    assert value(failed, "cspr_hub_outbox_pending", kind="webhook_deliveries") == 1  # retried later
    real_time.set(real_time.now() + timedelta(seconds=6))
    assert await deliver_once(hub) == 1
    real_time.set(real_time.now() + timedelta(minutes=10))
    assert await deliver_once(hub) == 1
    done = await scrape(client)
    assert value(done, "cspr_hub_webhook_deliveries_total", outcome="failed") == 2
    assert value(done, "cspr_hub_webhook_deliveries_total", outcome="delivered") == 1
    assert value(done, "cspr_hub_outbox_pending", kind="webhook_deliveries") == 0


async def test_an_overdue_deadline_shows(api: Api, client: httpx2.AsyncClient, clock: FixedClock) -> None:
    await notify(api, clock)
    assert value(await scrape(client), "cspr_hub_deadlines_overdue", kind="rapid_review") == 0
    clock.set(clock.now() + timedelta(days=40))  # past the rapid review's 15 working days (paras 20-21)
    assert value(await scrape(client), "cspr_hub_deadlines_overdue", kind="rapid_review") == 1


async def test_connector_calls_are_counted_by_operation_and_outcome(api: Api, hub: Hub, loop: Loop) -> None:
    http = api.http
    await add_council(hub, loop.council, loop.council_url, CAMDEN)
    loop.council.statuses = [503]
    await panel_asks(api, CAMDEN)
    assert value(await scrape(http), "cspr_hub_outbox_pending", kind="connector_calls") == 1
    assert await loop.worker.run_once() == 1
    found = await scrape(http)
    assert value(found, "cspr_hub_connector_calls_total", operation="push", outcome="failed") == 1
    assert value(found, "cspr_hub_connector_calls_total", operation="push", outcome="succeeded") == 0


@pytest.fixture
def production(hub: Hub) -> Iterator[Any]:
    def made(token: str | None) -> httpx2.AsyncClient:
        settings = replace(hub.settings, environment=Environment.PRODUCTION, secret_keys=(Fernet.generate_key().decode(),),
                           metrics_token=token, dev_issuer=False, graphiql=False, introspection=False)
        prod = Hub(settings, hub.clock, hub.engine, hub.sessions)
        return httpx2.AsyncClient(transport=httpx2.ASGITransport(app=create_app(hub=prod)), base_url="http://testserver")
    yield made


async def test_in_production_metrics_need_the_token_and_are_not_there_without_one(production: Any) -> None:
    async with production(None) as http:
        assert (await http.get("/metrics")).status_code == 404
        assert (await http.get("/metrics", headers={"authorization": "Bearer anything-at-all-here"})).status_code == 404
    token = "metrics-token-for-the-tests-0123456789"
    async with production(token) as http:
        refused = await http.get("/metrics")
        assert refused.status_code == 401 and refused.headers["www-authenticate"].startswith("Bearer")
        assert (await http.get("/metrics", headers={"authorization": "Bearer not-the-token-0123456789"})).status_code == 401
        assert (await http.get("/metrics", headers={"authorization": f"Basic {token}"})).status_code == 401
        assert "cspr_hub_outbox_pending" in parse((await http.get(
            "/metrics", headers={"authorization": f"Bearer {token}"})).text).__repr__()


# Traces -------------------------------------------------------------------------------------------------------------

def trace_id_of(headers: dict[str, str]) -> str:
    version, trace_id, span_id, flags = headers["traceparent"].split("-")
    assert (version, len(span_id), len(flags)) == ("00", 16, 2)
    return trace_id


async def test_a_webhook_delivery_and_a_connector_call_carry_the_trace_of_the_request_that_caused_them(
    api: Api, hub: Hub, loop: Loop, receiver: Receiver, clock: FixedClock
) -> None:
    await add_council(hub, loop.council, loop.council_url, CAMDEN)
    asked = "0af7651916cd43dd8448eb211c80319c"
    original = api.http.headers.copy()
    api.http.headers["traceparent"] = f"00-{asked}-b7ad6b7169203331-01"  # on every request of the Panel's asking
    try:
        await panel_asks(api, CAMDEN)
    finally:
        api.http.headers = original
    assert await loop.worker.run_once() == 1
    (pushed,) = loop.council.pushes
    assert trace_id_of(pushed) == asked

    clock.set(datetime.now(UTC))  # Standard Webhooks receivers reject timestamps far from their own clock
    await subscribe(api, ("PANEL", "panel"), receiver.url)
    await notify(api, clock, headers={"traceparent": TRACEPARENT})
    assert await deliver_once(hub) == 1
    (delivered, _), = receiver.received
    assert trace_id_of(delivered) == TRACE_ID


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    telemetry.use(provider)
    try:
        yield exporter
    finally:
        telemetry.use(None)
        provider.shutdown()


async def test_spans_for_the_request_its_operation_its_sql_and_the_delivery_share_one_trace(
    api: Api, hub: Hub, receiver: Receiver, real_time: FixedClock, spans: InMemorySpanExporter
) -> None:
    await subscribe(api, ("PANEL", "panel"), receiver.url)
    spans.clear()
    await notify(api, real_time, headers={"traceparent": TRACEPARENT})
    assert await deliver_once(hub) == 1
    (delivered, _), = receiver.received
    finished = spans.get_finished_spans()
    ours = [s for s in finished if format(s.context.trace_id, "032x") == TRACE_ID]
    names = {s.name for s in ours}
    assert {"POST /graphql", "graphql mutation", "INSERT", "webhook delivery"} <= names, names
    delivery = next(s for s in ours if s.name == "webhook delivery")
    assert delivered["traceparent"].split("-")[2] == format(delivery.context.span_id, "016x")
    statements = [s.attributes.get("db.query.text", "") for s in ours if s.name in ("INSERT", "SELECT", "UPDATE")]
    assert statements and not any("Amara" in str(t) or "neglect suspected" in str(t) for t in statements)


# Logs ---------------------------------------------------------------------------------------------------------------

@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("cspr_hub")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield out
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


@pytest.fixture
async def json_client(hub: Hub) -> AsyncIterator[httpx2.AsyncClient]:
    logged = Hub(replace(hub.settings, log_format=LogFormat.JSON), hub.clock, hub.engine, hub.sessions)
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=create_app(hub=logged)),
                                  base_url="http://testserver") as http:
        yield http


async def test_json_logs_give_one_object_a_line_with_request_and_trace_ids_and_no_input_value(
    api: Api, json_client: httpx2.AsyncClient, json_lines: io.StringIO, clock: FixedClock
) -> None:
    logging_api = Api(api.hub, json_client)
    token = await logging_api.token(CAMDEN, "la")
    response = await json_client.post(
        "/graphql", json={"query": NOTIFY, "variables": {"input": incident_today(clock)}},
        headers={"authorization": f"Bearer {token}", "traceparent": TRACEPARENT, "x-request-id": "req-0001"})
    assert response.status_code == 200 and response.headers["x-request-id"] == "req-0001"
    generated = await json_client.get("/healthz")
    assert len(generated.headers["x-request-id"]) == 32
    lines = [json.loads(line) for line in json_lines.getvalue().splitlines()]
    requests = [line for line in lines if line["message"] == "request"]
    first = requests[0]
    assert {k: first[k] for k in ("request_id", "trace_id", "method", "route", "status")} == {
        "request_id": "req-0001", "trace_id": TRACE_ID, "method": "POST", "route": "/graphql", "status": 200}
    assert isinstance(first["duration_ms"], float) and first["level"] == "info" and first["time"].endswith("+00:00")
    assert requests[1]["route"] == "/healthz" and requests[1]["request_id"] == generated.headers["x-request-id"]
    text = json_lines.getvalue()
    assert "Amara" not in text and "neglect" not in text and token not in text


def test_an_exception_is_logged_by_its_type_and_place_never_its_message() -> None:
    try:
        raise ValueError("child Amara Testchild")
    except ValueError:
        record = logging.LogRecord("cspr_hub", logging.ERROR, __file__, 1, "round failed", None, __import__("sys").exc_info())
    line = json.loads(JsonFormatter().format(record))
    assert line["error"] == "ValueError" and line["message"] == "round failed"
    assert "Amara" not in json.dumps(line)


def test_a_log_record_carries_only_what_the_lines_show() -> None:
    """No caller frame looked up, no thread or process name gathered, for any format (the logging HOWTO's
    optimisations): no line of the hub's or uvicorn's shows them, and under load they were a tenth of a request."""
    configure_logging("text")
    record = logging.getLogger("cspr_hub.access").makeRecord(
        "cspr_hub.access", logging.INFO, "(unknown file)", 0, "request", (), None)
    assert (record.threadName, record.processName) == (None, None)
    assert logging._srcfile is None  # findCaller is not walked for each record
    line = json.loads(JsonFormatter().format(record))
    assert {"time", "level", "logger", "message", "request_id", "trace_id"} <= set(line)


def test_a_traceback_logged_as_text_is_left_out() -> None:
    text = ("Traceback (most recent call last):\n  File \"x.py\", line 1, in f\n"
            "sqlalchemy.exc.IntegrityError: [parameters: ('Amara Testchild',)]")
    record = logging.LogRecord("uvicorn.error", logging.ERROR, __file__, 1, text, None, None)
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "failed (traceback omitted: sqlalchemy.exc.IntegrityError)"


class Collector:
    """An OTLP/HTTP trace collector on loopback: keeps what it is sent."""

    def __init__(self) -> None:
        self.posts: list[tuple[str, str, bytes]] = []

    async def traces(self, request: Request) -> Response:
        self.posts.append((request.url.path, request.headers.get("content-type", ""), await request.body()))
        return Response(status_code=200)


async def test_spans_are_exported_by_otlp_only_when_an_endpoint_is_set(hub: Hub, clock: FixedClock) -> None:
    assert telemetry.configure({}) is False and not telemetry.recording()
    collector = Collector()
    async with serving(Starlette(routes=[Route("/v1/traces", collector.traces, methods=["POST"])])) as base:
        try:
            assert telemetry.configure({"OTEL_EXPORTER_OTLP_ENDPOINT": base}) is True
            async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=create_app(hub=hub)),
                                          base_url="http://testserver") as http:
                assert (await http.get("/healthz", headers={"traceparent": TRACEPARENT})).status_code == 200
            provider = telemetry._state["provider"]
            assert await asyncio.to_thread(provider.force_flush, 10_000)
        finally:
            provider = telemetry._state["provider"]
            telemetry.use(None)
            if provider is not None:
                await asyncio.to_thread(provider.shutdown)
    assert collector.posts and collector.posts[0][:2] == ("/v1/traces", "application/x-protobuf")
    assert bytes.fromhex(TRACE_ID) in collector.posts[0][2]  # the caller's trace, continued


def test_the_hub_runs_without_opentelemetry_installed(tmp_path: Path) -> None:
    script = f"""
import sys
sys.modules["opentelemetry"] = None  # as if the otel extra were not installed
import asyncio, httpx2
from app.main import Hub, create_app
from app.settings import Settings
from connectors import telemetry
assert not telemetry.AVAILABLE and telemetry.configure({{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:9"}}) is False

async def main():
    hub = Hub.create(Settings(database_url="sqlite+aiosqlite:///{tmp_path / 'hub.db'}"))
    await hub.start()
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=create_app(hub=hub)), base_url="http://t") as h:
        assert (await h.get("/healthz", headers={{"traceparent": "{TRACEPARENT}"}})).status_code == 200
        assert "cspr_hub_http_requests_total" in (await h.get("/metrics")).text
    await hub.stop()
    print("ran")

asyncio.run(main())
"""
    done = subprocess.run([sys.executable, "-c", script], check=False, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "ran", done.stderr


def test_with_prometheus_multiproc_dir_every_process_on_the_machine_is_counted(tmp_path: Path) -> None:
    shared = tmp_path / "prometheus"
    shared.mkdir()
    script = f"""
import asyncio, httpx2
from app.main import Hub, create_app
from app.settings import Settings

async def main():
    hub = Hub.create(Settings(database_url="sqlite+aiosqlite:///{tmp_path / 'hub.db'}"))
    await hub.start()
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=create_app(hub=hub)), base_url="http://t") as h:
        assert (await h.get("/healthz")).status_code == 200
        print((await h.get("/metrics")).text)
    await hub.stop()

asyncio.run(main())
"""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PROMETHEUS_MULTIPROC_DIR": str(shared)}
    scraped = []
    for _ in range(2):  # two processes, one after the other, writing to the same directory
        done = subprocess.run([sys.executable, "-c", script], check=False, cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        scraped.append(parse(done.stdout))
    healthz = {"method": "GET", "route": "/healthz", "status": "200"}
    assert [value(s, "cspr_hub_http_requests_total", **healthz) for s in scraped] == [1, 2]


async def test_with_the_database_down_the_process_figures_are_still_scraped(tmp_path: Path) -> None:
    down = Hub.create(Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'no-such-dir' / 'hub.db'}"))
    try:
        async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=create_app(hub=down)),
                                      base_url="http://testserver") as http:
            found = await scrape(http)
    finally:
        await down.stop()
    assert value(found, "cspr_hub_database_up") == 0
    assert not any(name == "cspr_hub_outbox_pending" for name, _ in found)


def test_the_metrics_token_and_log_format_are_checked_when_read() -> None:
    with pytest.raises(SettingsError, match="CSPR_HUB_METRICS_TOKEN"):
        Settings.from_env({"CSPR_HUB_METRICS_TOKEN": "short"})
    with pytest.raises(SettingsError, match="CSPR_HUB_LOG_FORMAT"):
        Settings.from_env({"CSPR_HUB_LOG_FORMAT": "xml"})
    read = Settings.from_env({"CSPR_HUB_METRICS_TOKEN": " a-long-enough-token-0123 ", "CSPR_HUB_LOG_FORMAT": "JSON"})
    assert (read.metrics_token, read.log_format) == ("a-long-enough-token-0123", LogFormat.JSON)
    assert "a-long-enough-token" not in repr(read)
