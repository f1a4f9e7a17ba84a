"""Agency systems misbehave: down, slow, 429, 500, malformed JSON, the wrong FHIR resource.

Each call is retried or failed visibly, every attempt recorded; nothing is lost, and nothing
reaches the hub's state twice.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx2
import pytest

from app.main import Hub
from connectors.framework import ConnectorWorker
from hub.clock import FixedClock
from hub.connector import AuthMethod, ConnectorConfig, ConnectorKind
from tests.api.test_case_record import REQUEST
from tests.api.test_connectors import CALLS, Loop, add, add_council, add_fhir, loop_fixture, panel_asks  # noqa: F401
from tests.api.test_notification import CAMDEN, MET
from tests.api.test_rapid_review import ANSWER, INBOX, icb
from tests.conftest import Api, free_port

CONNECTOR = "{ connectors { consecutiveFailures circuitOpenUntil } }"
NEXT = """query($c: ID!) { connectorCalls(connectorId: $c) { nodes { status nextAttemptAt attemptCount } } }"""


async def calls(api: Api, connector_id: str, who: tuple[str, str] = (CAMDEN, "la")) -> dict[str, Any]:
    body = await api(CALLS, {"c": connector_id}, as_=who)
    node: dict[str, Any] = body["data"]["connectorCalls"]["nodes"][0]
    return node


def bearer_rest(base: str, **config: Any) -> ConnectorConfig:
    return ConnectorConfig(kind=ConnectorKind.REST, base_url=base, auth=AuthMethod.BEARER, **config)


def mocked(hub: Hub, handler: Callable[[httpx2.Request], httpx2.Response]) -> ConnectorWorker:
    return ConnectorWorker(sessions=hub.sessions, clock=hub.clock, sealer=hub.sealer(), hub_url="http://hub.invalid",
                           transport=httpx2.MockTransport(handler), allow_private=True)


@pytest.mark.rule("connector-retry")
async def test_an_agency_system_that_is_down_is_retried_on_the_schedule(api: Api, hub: Hub, clock: FixedClock) -> None:
    down = await add(hub, CAMDEN, bearer_rest(f"http://127.0.0.1:{free_port()}"), bearer_token="invented-token")
    await panel_asks(api, CAMDEN)
    worker = ConnectorWorker(sessions=hub.sessions, clock=hub.clock, sealer=hub.sealer(), hub_url="http://hub.invalid",
                             allow_private=True)
    try:
        assert await worker.run_once() == 1
        clock.set(clock.now() + timedelta(seconds=5))
        assert await worker.run_once() == 0  # the second try is due 10 s after the first
        clock.set(clock.now() + timedelta(seconds=6))
        assert await worker.run_once() == 1
    finally:
        await worker.aclose()
    call = await calls(api, down.id)
    assert (call["status"], call["attemptCount"]) == ("PENDING", 2)
    assert [(a["statusCode"], a["error"]) for a in call["attempts"]] == [(None, "ConnectError")] * 2


async def test_a_slow_system_times_out_and_the_retry_carries_the_same_idempotency_key(
    api: Api, hub: Hub, loop: Loop, clock: FixedClock
) -> None:
    council = await add_council(hub, loop.council, loop.council_url, timeout_seconds=0.3)
    await panel_asks(api, CAMDEN)
    loop.council.delay = 1.0
    await loop.worker.run_once()
    loop.council.delay = 0.0
    clock.set(clock.now() + timedelta(seconds=11))
    await loop.worker.run_once()
    call = await calls(api, council.id)
    assert call["attempts"][0]["error"] in ("ReadTimeout", "Timeout")
    assert (call["status"], call["attempts"][1]["statusCode"] in (202, 409)) == ("SENT", True)
    keys = {p["idempotency-key"] for p in loop.council.pushes}
    assert len(loop.council.pushes) == 2 and len(keys) == 1 and len(loop.council.received) == 1


async def test_a_429_waits_as_long_as_retry_after_says(api: Api, hub: Hub, loop: Loop, clock: FixedClock) -> None:
    council = await add_council(hub, loop.council, loop.council_url)
    await panel_asks(api, CAMDEN)
    loop.council.statuses = [429]
    asked_at = clock.now()
    await loop.worker.run_once()
    waiting = (await api(NEXT, {"c": council.id}, as_=(CAMDEN, "la")))["data"]["connectorCalls"]["nodes"][0]
    assert waiting["nextAttemptAt"] == (asked_at + timedelta(seconds=120)).isoformat()
    clock.set(asked_at + timedelta(seconds=60))
    assert await loop.worker.run_once() == 0
    clock.set(asked_at + timedelta(seconds=121))
    assert await loop.worker.run_once() == 1
    call = await calls(api, council.id)
    assert [(a["statusCode"], a["error"]) for a in call["attempts"]] == [(429, "HTTP 429"), (202, None)]


@pytest.mark.rule("connector-retry", "connector-circuit-breaker")
async def test_a_system_answering_500_rests_behind_its_circuit_breaker_then_fails_visibly(
    api: Api, hub: Hub, loop: Loop, clock: FixedClock
) -> None:
    council = await add_council(hub, loop.council, loop.council_url)
    _, request_id = await panel_asks(api, CAMDEN)
    loop.council.statuses = [500] * 20
    for _ in range(5):
        assert await loop.worker.run_once() == 1
        clock.set(clock.now() + timedelta(minutes=31))  # beyond each wait so far
    breaker = (await api(CONNECTOR, as_=(CAMDEN, "la")))["data"]["connectors"][0]
    assert breaker["consecutiveFailures"] == 5 and breaker["circuitOpenUntil"] is not None
    for _ in range(4):
        clock.set(clock.now() + timedelta(hours=25))
        assert await loop.worker.run_once() == 1
    call = await calls(api, council.id)
    assert (call["status"], call["attemptCount"]) == ("FAILED", 9)
    assert {a["error"] for a in call["attempts"]} == {"HTTP 500"}
    told = (await api(INBOX, {"f": {"eventTypes": ["connector.failed"]}}, as_=(CAMDEN, "la")))["data"]["inbox"]
    assert [m["basis"] for m in told["nodes"]] == [
        "CONTRACT: connectors (the request could not be pushed to the organisation's system)"]
    answered = await api(ANSWER, {"q": request_id, "a": "Sent through the hub instead."}, as_=(CAMDEN, "la"))
    assert answered["data"]["respondToInformationRequest"]["errors"] == []


async def test_the_circuit_holds_calls_back_until_it_half_opens(api: Api, hub: Hub, clock: FixedClock) -> None:
    statuses = iter([503] * 5 + [202] * 5)
    mine = await add(hub, CAMDEN, bearer_rest("https://council.invalid"), bearer_token="invented-token")
    review, _ = await panel_asks(api, CAMDEN)
    worker = mocked(hub, lambda request: httpx2.Response(next(statuses), json={}))
    try:
        for wait in (10, 60, 300, 1800):  # the first four tries, each as soon as it is due
            await worker.run_once()
            clock.set(clock.now() + timedelta(seconds=wait))
        await worker.run_once()  # the fifth failure in a row opens the circuit for 30 s
        breaker = (await api(CONNECTOR, as_=(CAMDEN, "la")))["data"]["connectors"][0]
        assert breaker == {"consecutiveFailures": 5, "circuitOpenUntil": (clock.now() + timedelta(seconds=30)).isoformat()}
        # a new request, due at once, waits while the circuit is open
        asked = await api(REQUEST, {"i": {"caseId": review["caseId"], "fromOrganisationCodes": [CAMDEN],
                                          "questions": ["Any missed visits?"], "dueOn": "2027-01-08"}}, as_=(MET, "police"))
        assert asked["data"]["requestInformation"]["errors"] == []
        assert await worker.run_once() == 0
        clock.set(clock.now() + timedelta(seconds=31))
        assert await worker.run_once() == 1  # half-open: the call goes, succeeds, and closes the circuit
    finally:
        await worker.aclose()
    assert (await api(CONNECTOR, as_=(CAMDEN, "la")))["data"]["connectors"][0] == {
        "consecutiveFailures": 0, "circuitOpenUntil": None}
    nodes = (await api(CALLS, {"c": mine.id}, as_=(CAMDEN, "la")))["data"]["connectorCalls"]["nodes"]
    assert sorted(n["status"] for n in nodes) == ["PENDING", "SENT"]  # the first still waits for its 2-hour retry


async def test_a_400_is_not_retried(api: Api, hub: Hub, clock: FixedClock) -> None:
    mine = await add(hub, CAMDEN, bearer_rest("https://council.invalid"), bearer_token="invented-token")
    await panel_asks(api, CAMDEN)
    worker = mocked(hub, lambda request: httpx2.Response(400, json={"error": "bad"}))
    try:
        await worker.run_once()
        clock.set(clock.now() + timedelta(days=2))
        assert await worker.run_once() == 0
    finally:
        await worker.aclose()
    call = await calls(api, mine.id)
    assert (call["status"], [a["statusCode"] for a in call["attempts"]]) == ("FAILED", [400])


async def test_malformed_json_from_the_system_is_an_attempt_that_failed_and_is_retried(
    api: Api, hub: Hub, clock: FixedClock
) -> None:
    bodies = iter([b"{not json", b'{"reference": "MOS-77"}'])
    seen: list[str] = []

    def agency(request: httpx2.Request) -> httpx2.Response:
        seen.append(request.headers["idempotency-key"])
        assert json.loads(request.content)["questions"]
        return httpx2.Response(202, content=next(bodies), headers={"content-type": "application/json"})

    mine = await add(hub, CAMDEN, bearer_rest("https://council.invalid"), bearer_token="invented-token")
    await panel_asks(api, CAMDEN)
    worker = mocked(hub, agency)
    try:
        await worker.run_once()
        clock.set(clock.now() + timedelta(seconds=11))
        await worker.run_once()
    finally:
        await worker.aclose()
    call = await calls(api, mine.id)
    assert [(a["statusCode"], a["error"]) for a in call["attempts"]] == [
        (202, "malformed JSON in the response"), (202, None)]
    assert (call["status"], call["externalReference"], len(set(seen))) == ("SENT", "MOS-77", 1)


async def test_the_wrong_fhir_resource_is_recorded_and_the_task_is_made_once(
    api: Api, hub: Hub, loop: Loop, clock: FixedClock
) -> None:
    health = await icb(api)
    ics = await add_fhir(hub, loop.fhir, loop.fhir_url, health)
    await panel_asks(api, health)
    loop.fhir.wrong_resource = True  # the server made the Task but answered with an OperationOutcome
    await loop.worker.run_once()
    loop.fhir.wrong_resource = False
    clock.set(clock.now() + timedelta(seconds=11))
    await loop.worker.run_once()  # the conditional create (If-None-Exist) finds the Task made before
    loop.fhir.wrong_resource = True
    clock.set(clock.now() + timedelta(seconds=61))
    await loop.worker.run_once()  # a poll that gets the wrong resource: recorded, polling goes on
    call = await calls(api, ics.id, (health, "health"))
    assert [(a["operation"], a["error"]) for a in call["attempts"]] == [
        ("push", "expected a FHIR Task, got OperationOutcome"), ("push", None),
        ("poll", "expected a FHIR Task, got OperationOutcome")]
    assert (call["status"], call["externalReference"], len(loop.fhir.tasks)) == ("SENT", "Task/1", 1)


async def test_a_task_the_icb_declines_fails_visibly(api: Api, hub: Hub, loop: Loop, clock: FixedClock) -> None:
    health = await icb(api)
    ics = await add_fhir(hub, loop.fhir, loop.fhir_url, health)
    await panel_asks(api, health)
    await loop.worker.run_once()
    loop.fhir.reject(loop.fhir.only_task()["id"])
    clock.set(clock.now() + timedelta(seconds=61))
    await loop.worker.run_once()
    assert (await calls(api, ics.id, (health, "health")))["status"] == "FAILED"
    told = (await api(INBOX, {"f": {"eventTypes": ["connector.failed"]}}, as_=(health, "health")))["data"]["inbox"]
    assert [m["basis"] for m in told["nodes"]] == [
        "CONTRACT: connectors (the organisation's system declined the request)"]


async def test_a_task_id_that_is_not_a_fhir_id_fails_only_its_own_call_and_the_council_is_pushed_once(
    api: Api, hub: Hub, loop: Loop, clock: FixedClock
) -> None:
    health = await icb(api)
    council = await add_council(hub, loop.council, loop.council_url)
    ics = await add_fhir(hub, loop.fhir, loop.fhir_url, health)
    await panel_asks(api, CAMDEN, health)
    loop.fhir.next_id = "1\n"  # would make every later GET an invalid URL
    assert await loop.worker.run_once() == 2
    for _ in range(3):
        clock.set(clock.now() + timedelta(minutes=2))
        await loop.worker.run_once()
    assert (len(loop.council.pushes), len(loop.council.received)) == (1, 1)  # the council's call went once
    assert (await calls(api, council.id))["status"] == "SENT"
    broken = await calls(api, ics.id, (health, "health"))
    assert broken["status"] == "PENDING" and broken["externalReference"] is None
    assert {a["error"] for a in broken["attempts"]} == {"the Task's id is not a FHIR id (1 to 64 letters, digits, '-' or '.')"}
    assert len(broken["attempts"]) == broken["attemptCount"] >= 2  # every attempt recorded, retried on the schedule


async def test_a_token_endpoint_answering_html_fails_only_its_own_call(
    api: Api, hub: Hub, loop: Loop, clock: FixedClock
) -> None:
    health = await icb(api)
    council = await add_council(hub, loop.council, loop.council_url)
    ics = await add_fhir(hub, loop.fhir, loop.fhir_url, health)
    await panel_asks(api, CAMDEN, health)
    loop.council.token_html = True
    assert await loop.worker.run_once() == 2
    clock.set(clock.now() + timedelta(seconds=11))
    assert await loop.worker.run_once() == 1  # the council's retry; the ICB's Task is polled in a minute
    assert (loop.fhir.posts, len(loop.fhir.tasks)) == (1, 1)
    assert (await calls(api, ics.id, (health, "health")))["status"] == "SENT"
    refused = await calls(api, council.id)
    assert (refused["status"], refused["attemptCount"]) == ("PENDING", 2)
    assert [(a["statusCode"], a["error"]) for a in refused["attempts"]] == [
        (None, "token response unreadable: ValueError")] * 2
    assert loop.council.received == {}


async def test_whatever_an_adapter_raises_is_a_failed_outcome_naming_only_its_type() -> None:
    from connectors.framework import guarded

    async def invalid() -> Any:
        raise httpx2.InvalidURL("Invalid non-printable ASCII character in URL, '\\n' at position 30.")

    async def broken() -> Any:
        raise KeyError("a secret-looking detail")

    for call, name in ((invalid, "InvalidURL"), (broken, "KeyError")):
        outcome = await guarded(call, timeout=1.0)
        assert (outcome.ok, outcome.error) == (False, name)


@pytest.mark.rule("connector-refused-answer")
async def test_a_polled_answer_the_hub_refuses_fails_the_call_visibly_without_tripping_the_breaker(
    api: Api, hub: Hub, loop: Loop, clock: FixedClock
) -> None:
    health = await icb(api)
    ics = await add_fhir(hub, loop.fhir, loop.fhir_url, health)
    _, request_id = await panel_asks(api, health)
    await loop.worker.run_once()
    loop.fhir.complete(loop.fhir.only_task()["id"], "x" * 200_000)  # longer than any answer the hub takes
    clock.set(clock.now() + timedelta(seconds=61))
    assert await loop.worker.run_once() == 1
    clock.set(clock.now() + timedelta(days=1))
    assert await loop.worker.run_once() == 0  # not polled again
    call = await calls(api, ics.id, (health, "health"))
    assert call["status"] == "FAILED"
    assert [(a["operation"], a["error"]) for a in call["attempts"]] == [
        ("push", None), ("poll", "the answer was refused: TOO_LONG")]
    breaker = (await api(CONNECTOR, as_=(health, "health")))["data"]["connectors"][0]
    assert breaker == {"consecutiveFailures": 0, "circuitOpenUntil": None}
    told = (await api(INBOX, {"f": {"eventTypes": ["connector.failed"]}}, as_=(health, "health")))["data"]["inbox"]
    assert [m["basis"] for m in told["nodes"]] == [
        ("CONTRACT: connectors (the hub refused the answer from the organisation's system (TOO_LONG); "
         "answer through the hub)")]
    answered = await api(ANSWER, {"q": request_id, "a": "Seen twice; summarised."}, as_=(health, "health"))
    assert answered["data"]["respondToInformationRequest"]["errors"] == []


@pytest.mark.rule("connector-lease")
async def test_a_worker_that_lost_its_lease_changes_nothing_when_it_finally_completes(
    api: Api, hub: Hub, clock: FixedClock
) -> None:
    from hub import connector_outbox
    from hub.connector_outbox import Outcome
    from hub.models import ConnectorCall
    from hub.store import transaction

    mine = await add(hub, CAMDEN, bearer_rest("https://council.invalid", timeout_seconds=120),
                     bearer_token="invented-token")
    await panel_asks(api, CAMDEN)
    asked_at = clock.now()
    async with transaction(hub.sessions) as session:
        (slow,) = await connector_outbox.claim(session, now=asked_at, limit=5)
    assert slow.call.lease_until == asked_at + timedelta(seconds=270)  # twice the timeout, and a margin
    async with transaction(hub.sessions) as session:
        assert await connector_outbox.claim(session, now=asked_at + timedelta(seconds=269), limit=5) == []
    async with transaction(hub.sessions) as session:  # the slow worker is presumed dead: another takes the call
        (fresh,) = await connector_outbox.claim(session, now=asked_at + timedelta(seconds=271), limit=5)
    assert fresh.call.lease_token != slow.call.lease_token
    async with transaction(hub.sessions) as session:
        await connector_outbox.complete(session, call_id=fresh.call.id, now=clock.now(), operation="push",
                                        outcome=Outcome(True, 202, 40, external_ref="MOS-2"),
                                        lease_token=fresh.call.lease_token)
    async with transaction(hub.sessions) as session:  # the slow worker's 500 arrives last, and changes nothing
        await connector_outbox.complete(session, call_id=slow.call.id, now=clock.now(), operation="push",
                                        outcome=Outcome(False, 500, 250_000, "HTTP 500"),
                                        lease_token=slow.call.lease_token)
        row = await session.get(ConnectorCall, slow.call.id)
        assert row is not None and (row.status, row.external_ref, row.attempts) == ("SENT", "MOS-2", 1)
    call = await calls(api, mine.id)
    assert [(a["statusCode"], a["error"]) for a in call["attempts"]] == [(202, None), (500, "HTTP 500")]
    assert (await api(CONNECTOR, as_=(CAMDEN, "la")))["data"]["connectors"][0]["consecutiveFailures"] == 0


async def test_a_fhir_server_answering_with_a_location_only_is_followed_and_a_task_for_another_request_is_not_taken(
    api: Api, hub: Hub, loop: Loop, clock: FixedClock
) -> None:
    health = await icb(api)
    ics = await add_fhir(hub, loop.fhir, loop.fhir_url, health)
    _, request_id = await panel_asks(api, health)
    loop.fhir.minimal = True  # ignores Prefer: return=representation
    await loop.worker.run_once()
    assert (await calls(api, ics.id, (health, "health")))["externalReference"] == "Task/1"
    task = loop.fhir.complete(loop.fhir.only_task()["id"], "Meant for another request.")
    task["identifier"] = [{"system": "urn:cspr-hub:information-request", "value": "someone-else"}]
    clock.set(clock.now() + timedelta(seconds=61))
    await loop.worker.run_once()
    task["identifier"] = [{"system": "urn:cspr-hub:information-request", "value": request_id}]
    clock.set(clock.now() + timedelta(seconds=61))
    await loop.worker.run_once()
    call = await calls(api, ics.id, (health, "health"))
    assert [(a["operation"], a["statusCode"], a["error"]) for a in call["attempts"]] == [
        ("push", 201, None), ("poll", 200, "the Task's identifier does not name this request"), ("poll", 200, None)]
    assert call["status"] == "ANSWERED"


async def test_an_agency_system_on_a_private_address_is_not_called_unless_allowed(
    api: Api, hub: Hub, loop: Loop
) -> None:
    council = await add_council(hub, loop.council, loop.council_url)
    await panel_asks(api, CAMDEN)
    strict = ConnectorWorker(sessions=hub.sessions, clock=hub.clock, sealer=hub.sealer(), hub_url=loop.hub_url)
    try:
        assert await strict.run_once() == 1
    finally:
        await strict.aclose()
    assert (loop.council.token_requests, loop.council.pushes) == (0, [])
    call = await calls(api, council.id)
    assert (call["status"], [a["error"] for a in call["attempts"]]) == (
        "FAILED", ["the host resolves to a private, loopback or link-local address"])


async def test_a_questionnaire_response_reference_that_is_not_plain_is_not_followed(
    api: Api, hub: Hub, loop: Loop, clock: FixedClock
) -> None:
    health = await icb(api)
    ics = await add_fhir(hub, loop.fhir, loop.fhir_url, health)
    await panel_asks(api, health)
    await loop.worker.run_once()
    task = loop.fhir.complete_with_questionnaire(loop.fhir.only_task()["id"], {"Contacts?": "Four"})
    task["output"][0]["valueReference"]["reference"] = "QuestionnaireResponse/qr-1/../../Patient?_count=1000"
    clock.set(clock.now() + timedelta(seconds=61))
    await loop.worker.run_once()
    call = await calls(api, ics.id, (health, "health"))
    assert (call["status"], call["attempts"][-1]["error"]) == (
        "SENT", "the Task's output is not a QuestionnaireResponse/{id} reference")
