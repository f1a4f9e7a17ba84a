"""Webhooks: written with the change (the outbox), delivered afterwards to a real receiver on
loopback, signed as Standard Webhooks, retried, and never to an organisation outside the case."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx2
import pytest
from sqlalchemy import text
from standardwebhooks.webhooks import Webhook
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from app.main import Hub
from connectors.pinned import PinnedTransport
from connectors.webhooks import Sender, Worker
from hub import events, webhooks
from hub.clock import FixedClock, today_in_england
from tests.api.test_notification import CAMDEN, ISLINGTON, NOTIFY, serious_incident
from tests.conftest import Api, serving

CREATE = """mutation($i: WebhookSubscriptionInput!) { createWebhookSubscription(input: $i) {
  subscription { id url eventTypes active } secret errors { code field message } } }"""
DELIVERIES = """query($s: ID!) { webhookDeliveries(subscriptionId: $s) { totalCount nodes { id eventType status attemptCount
  deliveredAt attempts { statusCode durationMs error } } } }"""
SUBSCRIPTIONS = "{ webhookSubscriptions { id active disabledReason } }"


@dataclass
class Receiver:
    """A real HTTP server on loopback that answers with scripted statuses and keeps what it got."""

    statuses: list[int] = field(default_factory=list)
    delay: float = 0.0
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    url: str = ""

    async def endpoint(self, request: Request) -> Response:
        self.received.append((dict(request.headers), await request.body()))
        status = self.statuses.pop(0) if self.statuses else 204  # taken on arrival: a request that times out
        await asyncio.sleep(self.delay)  # must not take the status scripted for a later one
        return Response(status_code=status, headers={"retry-after": "1"} if status == 429 else None)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    found = Receiver()
    async with serving(Starlette(routes=[Route("/hook", found.endpoint, methods=["POST"])])) as base:
        found.url = f"{base}/hook"
        yield found


@pytest.fixture
def real_time(clock: FixedClock) -> FixedClock:
    """Standard Webhooks receivers reject timestamps far from their own clock."""
    clock.set(datetime.now(UTC))
    return clock


def incident_today(clock: FixedClock, **overrides: Any) -> dict[str, Any]:
    today = today_in_england(clock).isoformat()
    return serious_incident(incident={"occurredOn": today, "awareOn": today}, **overrides)


async def subscribe(api: Api, who: tuple[str, str], url: str, types: list[str] | None = None) -> tuple[str, str]:
    body = await api(CREATE, {"i": {"url": url, "eventTypes": types or ["notification.submitted"]}}, as_=who)
    payload = body["data"]["createWebhookSubscription"]
    assert payload["errors"] == [], payload
    return payload["subscription"]["id"], payload["secret"]


async def deliver_once(hub: Hub, *, timeout: float = 5.0) -> int:
    async with httpx2.AsyncClient() as client:
        worker = Worker(sessions=hub.sessions, clock=hub.clock,
                        sender=Sender(client, sealer=hub.sealer(), timeout=httpx2.Timeout(timeout)))
        return await worker.run_once()


@pytest.mark.rule("webhook-fan-out", "webhook-outcome", "webhook-retry-schedule", "webhook-subscription")
async def test_a_500_then_a_204_delivers_on_retry_under_the_same_webhook_id_signed_as_standard_webhooks(
    api: Api, hub: Hub, receiver: Receiver, real_time: FixedClock
) -> None:
    subscription_id, secret = await subscribe(api, ("PANEL", "panel"), receiver.url)
    assert secret.startswith("whsec_")
    receiver.statuses = [500]
    made = await api(NOTIFY, {"input": incident_today(real_time)}, as_=(CAMDEN, "la"))
    assert made["data"]["notifySeriousIncident"]["errors"] == []
    assert receiver.received == []  # nothing is sent inside the request
    assert await deliver_once(hub) == 1
    assert await deliver_once(hub) == 0  # not due again until the schedule says so
    real_time.set(real_time.now() + timedelta(seconds=6))
    assert await deliver_once(hub) == 1
    (first, _), (second, body) = receiver.received
    assert first["webhook-id"] == second["webhook-id"]
    verified = Webhook(secret).verify(body, {k: second[k] for k in ("webhook-id", "webhook-timestamp", "webhook-signature")})
    assert verified["type"] == "notification.submitted"
    assert verified["data"]["caseReference"] == made["data"]["notifySeriousIncident"]["case"]["reference"]
    assert "Amara" not in body.decode()  # the payload carries identifiers, not the child's details
    page = (await api(DELIVERIES, {"s": subscription_id}, as_=("PANEL", "panel")))["data"]["webhookDeliveries"]
    delivery = page["nodes"][0]
    assert (delivery["status"], delivery["attemptCount"]) == ("DELIVERED", 2)
    assert [a["statusCode"] for a in delivery["attempts"]] == [500, 204]
    inbox = await api("{ inbox { nodes { deliveredAt } } }", as_=("PANEL", "panel"))
    assert inbox["data"]["inbox"]["nodes"][0]["deliveredAt"] is not None


@pytest.mark.rule("webhook-outcome")
async def test_a_410_disables_the_subscription_and_tells_its_organisation(api: Api, hub: Hub, receiver: Receiver, real_time: FixedClock) -> None:
    await subscribe(api, ("PANEL", "panel"), receiver.url)
    receiver.statuses = [410]
    await api(NOTIFY, {"input": incident_today(real_time)}, as_=(CAMDEN, "la"))
    await deliver_once(hub)
    listed = (await api(SUBSCRIPTIONS, as_=("PANEL", "panel")))["data"]["webhookSubscriptions"]
    assert [(s["active"], s["disabledReason"]) for s in listed] == [(False, "the receiver answered 410 Gone")]
    told = await api('{ inbox(filter: {eventTypes: ["webhook.disabled"]}) { nodes { basis case { id } } } }',
                     as_=("PANEL", "panel"))
    assert told["data"]["inbox"]["nodes"] == [{"basis": "CONTRACT: webhooks (the receiver answered 410 Gone)", "case": None}]
    await api(NOTIFY, {"input": incident_today(real_time, idempotencyKey="second")}, as_=(CAMDEN, "la"))
    real_time.set(real_time.now() + timedelta(hours=1))
    assert await deliver_once(hub) == 0


@pytest.mark.rule("webhook-outcome")
async def test_a_timeout_is_retried_and_a_400_is_not(api: Api, hub: Hub, receiver: Receiver, real_time: FixedClock) -> None:
    subscription_id, _ = await subscribe(api, ("PANEL", "panel"), receiver.url)
    receiver.delay = 1.0
    await api(NOTIFY, {"input": incident_today(real_time)}, as_=(CAMDEN, "la"))
    await deliver_once(hub, timeout=0.3)
    receiver.delay = 0.0
    real_time.set(real_time.now() + timedelta(seconds=6))
    await deliver_once(hub)
    page = (await api(DELIVERIES, {"s": subscription_id}, as_=("PANEL", "panel")))["data"]["webhookDeliveries"]
    attempts = page["nodes"][0]["attempts"]
    assert attempts[0]["statusCode"] is None and "Timeout" in attempts[0]["error"]
    assert (page["nodes"][0]["status"], attempts[1]["statusCode"]) == ("DELIVERED", 204)
    receiver.statuses = [400]
    await api(NOTIFY, {"input": incident_today(real_time, idempotencyKey="400")}, as_=(CAMDEN, "la"))
    await deliver_once(hub)
    real_time.set(real_time.now() + timedelta(hours=30))
    assert await deliver_once(hub) == 0
    page = (await api(DELIVERIES, {"s": subscription_id}, as_=("PANEL", "panel")))["data"]["webhookDeliveries"]
    assert page["nodes"][0]["status"] == "FAILED"


async def test_an_organisation_outside_the_case_receives_nothing(api: Api, hub: Hub, receiver: Receiver, real_time: FixedClock) -> None:
    await subscribe(api, (ISLINGTON, "la"), receiver.url)
    await api(NOTIFY, {"input": incident_today(real_time)}, as_=(CAMDEN, "la"))
    assert await deliver_once(hub) == 0
    assert receiver.received == []


async def test_the_in_process_worker_delivers_within_two_seconds(api: Api, hub: Hub, receiver: Receiver, real_time: FixedClock) -> None:
    from app.worker import running

    await subscribe(api, ("OFSTED", "ofsted"), receiver.url)
    async with running(hub):
        await api(NOTIFY, {"input": incident_today(real_time)}, as_=(CAMDEN, "la"))
        for _ in range(40):
            if receiver.received:
                break
            await asyncio.sleep(0.05)
    assert len(receiver.received) == 1


async def test_subscription_urls_and_event_types_are_checked(api: Api) -> None:
    body = await api(CREATE, {"i": {"url": "ftp://example.org/x", "eventTypes": ["nope"]}}, as_=("PANEL", "panel"))
    assert sorted(e["code"] for e in body["data"]["createWebhookSubscription"]["errors"]) == ["INVALID_URL", "UNKNOWN_EVENT_TYPE"]
    assert webhooks.check_url("http://10.1.2.3/hook", allow_private=False)[0].code == "INVALID_URL"
    assert webhooks.check_url("https://10.1.2.3/hook", allow_private=False)[0].code == "PRIVATE_ADDRESS"
    assert webhooks.check_url("https://[::1]/hook", allow_private=False)[0].code == "PRIVATE_ADDRESS"
    assert webhooks.check_url("https://169.254.169.254/latest", allow_private=False)[0].code == "PRIVATE_ADDRESS"
    assert webhooks.check_url("https://hooks.example.org/cspr", allow_private=False) == []


# one loopback, private or link-local machine, written every way a URL parser or inet_aton reads it
PRIVATE_NOTATIONS = [
    "https://2130706433/hook", "https://0177.0.0.1/hook", "https://127.1/hook", "https://0x7f.0.0.1/hook",
    "https://0x7F000001/hook", "https://127.0.0.1./hook", "https://[::ffff:127.0.0.1]/hook", "https://[::ffff:7f00:1]/hook",
    "https://[::127.0.0.1]/hook", "https://[64:ff9b::a9fe:a9fe]/hook", "https://[2002:a00:1::]/hook",
    "https://\u2460\u2461\u2466.0.0.1/hook", "https://%31%32%37.0.0.1/hook", "https://127\u30020\u30020\u30021/hook",
    "https://0/hook", "https://0x/hook", "https://10.1/hook", "https://0251.0376.0251.0376/hook",
    "https://LOCALHOST./hook", "https://printer.local./hook", "https://\uff11\uff10.0.0.1/hook",
]


@pytest.mark.parametrize("url", PRIVATE_NOTATIONS)
def test_every_notation_of_a_private_host_is_refused_when_the_subscription_is_made(url: str) -> None:
    assert [p.code for p in webhooks.check_url(url, allow_private=False)] == ["PRIVATE_ADDRESS"]


@pytest.mark.parametrize("url", ["https://1.2.3.256/hook", "https://1.2.3.4.5/hook", "https://08.0.0.1/hook",
                                 "https://a..example.org/hook", "https://[fe80::1%25eth0]/hook", "https://a%20b/hook"])
def test_a_host_that_is_no_host_is_refused(url: str) -> None:
    assert [p.code for p in webhooks.check_url(url, allow_private=True)] == ["INVALID_URL"]


async def test_a_subscription_keeps_its_host_in_one_form_and_private_ones_are_refused_when_made(
    api: Api, hub: Hub
) -> None:
    from hub.errors import Refused
    from hub.principal import Principal
    from hub.store import transaction
    from hub.vocabulary import Role

    panel = (await api("{ me { organisation { id } } }", as_=("PANEL", "panel")))["data"]["me"]["organisation"]["id"]
    who = Principal(panel, "PANEL", Role.PANEL, ("panel",))
    with pytest.raises(Refused) as refused:  # the allow-private setting off, as in production
        async with transaction(hub.sessions) as session:
            await webhooks.subscribe(session, clock=hub.clock, principal=who, sealer=hub.sealer(), allow_private=False,
                                     request=webhooks.SubscriptionRequest("https://\u2460\u2461\u2466.0.0.1/hook",
                                                                          ("notification.submitted",)))
    assert [p.code for p in refused.value.problems] == ["PRIVATE_ADDRESS"]
    async with transaction(hub.sessions) as session:
        made, _ = await webhooks.subscribe(session, clock=hub.clock, principal=who, sealer=hub.sealer(),
                                           allow_private=False, request=webhooks.SubscriptionRequest(
                                               "https://Hooks.B\u00fccher.Example./cspr?x=1", ("notification.submitted",)))
    assert made.url == "https://hooks.xn--bcher-kva.example/cspr?x=1"
    body = await api(CREATE, {"i": {"url": "http://0177.1:8080/hook", "eventTypes": ["notification.submitted"]}},
                     as_=("PANEL", "panel"))  # the tests allow private hosts: still stored in the one form
    assert body["data"]["createWebhookSubscription"]["subscription"]["url"] == "http://127.0.0.1:8080/hook"


async def test_a_host_that_resolves_to_a_private_address_is_not_called(hub: Hub) -> None:
    async def private(host: str) -> list[str]:
        return ["10.0.0.7"]

    async with httpx2.AsyncClient(transport=PinnedTransport(allow_private=False, resolver=private)) as client:
        sender = Sender(client, sealer=hub.sealer())
        from hub.models import WebhookDelivery, WebhookSubscription

        claimed = events.Claimed(
            WebhookDelivery(subscription_id="s", event_type="notification.submitted", payload={}, status="PENDING",
                            next_attempt_at=hub.clock.now(), created_at=hub.clock.now()),
            WebhookSubscription(organisation_id="o", url="https://hooks.example.org/x", secret=webhooks.new_secret(),
                                created_at=hub.clock.now()))
        outcome = await sender.send(claimed, hub.clock.now())
    assert (outcome.status_code, outcome.retryable) == (None, False)
    assert "private" in (outcome.error or "")


async def test_rotating_the_secret_signs_with_both_during_the_grace_period(
    api: Api, hub: Hub, receiver: Receiver, real_time: FixedClock
) -> None:
    subscription_id, old = await subscribe(api, ("PANEL", "panel"), receiver.url)
    rotated = await api("mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret errors { code } } }",
                        {"id": subscription_id}, as_=("PANEL", "panel"))
    new = rotated["data"]["rotateWebhookSecret"]["secret"]
    await api(NOTIFY, {"input": incident_today(real_time)}, as_=(CAMDEN, "la"))
    await deliver_once(hub)
    headers, body = receiver.received[0]
    wanted = {k: headers[k] for k in ("webhook-id", "webhook-timestamp", "webhook-signature")}
    assert len(headers["webhook-signature"].split(" ")) == 2
    assert Webhook(old).verify(body, wanted) and Webhook(new).verify(body, wanted)


async def test_a_subscription_failing_for_five_days_is_disabled(api: Api, hub: Hub, receiver: Receiver, real_time: FixedClock) -> None:
    await subscribe(api, ("PANEL", "panel"), receiver.url)
    receiver.statuses = [503] * 100
    for half_day in range(11):  # a new event every 12 hours, and every one of them fails
        await api(NOTIFY, {"input": incident_today(real_time, idempotencyKey=f"d{half_day}")}, as_=(CAMDEN, "la"))
        await deliver_once(hub)
        real_time.set(real_time.now() + timedelta(hours=12))
    listed = (await api(SUBSCRIPTIONS, as_=("PANEL", "panel")))["data"]["webhookSubscriptions"]
    assert [(s["active"], s["disabledReason"]) for s in listed] == [(False, "failing for 5 days")]


async def test_two_workers_on_one_sqlite_file_never_deliver_the_same_row_twice(
    hub: Hub, receiver: Receiver, tmp_path: Any
) -> None:
    """SQLite has no SKIP LOCKED: the lease itself must be taken once (a serve and a worker on one file)."""
    from app.settings import Settings
    from hub.models import WebhookDelivery, WebhookSubscription
    from hub.store import transaction

    if not hub.settings.database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL workers are shown in tests/test_delivery_processes.py")
    other = Hub.create(Settings(database_url=hub.settings.database_url), hub.clock)
    now = hub.clock.now()
    async with transaction(hub.sessions) as session:
        panel = (await session.execute(text("SELECT id FROM organisation WHERE code = 'PANEL'"))).scalar_one()
        subscription = WebhookSubscription(organisation_id=panel, url=receiver.url, event_types=["notification.submitted"],
                                           secret=webhooks.new_secret(), created_at=now)
        session.add(subscription)
        await session.flush()
        session.add_all(WebhookDelivery(subscription_id=subscription.id, event_type="notification.submitted",
                                        payload={"n": n}, status="PENDING", next_attempt_at=now, created_at=now)
                        for n in range(120))
    try:
        async with httpx2.AsyncClient() as client:
            workers = [Worker(sessions=h.sessions, clock=h.clock, sender=Sender(client, sealer=h.sealer()))
                       for h in (hub, other)]
            for _ in range(20):
                done = await asyncio.gather(*(w.run_once() for w in workers))
                if not any(done):
                    break
    finally:
        await other.stop()
    ids = [headers["webhook-id"] for headers, _ in receiver.received]
    assert len(ids) == 120 == len(set(ids))
