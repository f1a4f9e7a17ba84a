"""The further-information loop through connectors, over real loopback HTTP (paras 24, 35).

The Panel asks Camden and its ICB; Camden's case system (a REST stub behind its own OAuth2
identity provider) and the ICB's FHIR server (a FHIR stub) each receive the request in their own
format, answer (one by a signed callback, one by completing the FHIR Task), and the rapid review
is back with the Panel.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import text

from app.main import Hub, create_app
from connectors.framework import ConnectorWorker
from connectors.rest import RestConnector
from hub import connector
from hub.clock import FixedClock
from hub.connector import AuthMethod, ConnectorConfig, ConnectorKind, ConnectorSecrets
from hub.store import transaction
from tests.api.test_notification import CAMDEN, MET
from tests.api.test_rapid_review import INBOX, QUEUE, RESPOND, icb, panel_decision, submitted
from tests.conftest import Api, serving, serving_all
from tests.stubs.council import REQUEST_MEDIA_TYPE, CouncilSystem
from tests.stubs.fhir_server import FhirServer

CALLS = """query($c: ID!) { connectorCalls(connectorId: $c) { nodes { status attemptCount externalReference
  attempts { operation statusCode error } } } }"""
CONNECTORS = "{ connectors { id kind baseUrl authMethod active consecutiveFailures } }"
REQUEST = """query($c: ID!) { case(id: $c) { rapidReview { status awaitingPanel panelResponses { informationRequest {
  status addressees { organisation { code } answer answeredAt } } } } } }"""


@dataclass
class Added:
    id: str
    secrets: ConnectorSecrets


async def add(hub: Hub, org: str, config: ConnectorConfig, **secrets: str) -> Added:
    made = ConnectorSecrets.new(**secrets)
    async with transaction(hub.sessions) as session:
        row = await connector.add(session, clock=hub.clock, org_code=org, config=config, secrets_=made,
                                  seal=hub.sealer().seal, allow_private=True)
    return Added(row.id, made)


async def add_council(hub: Hub, council: CouncilSystem, base: str, org: str = CAMDEN, **config: Any) -> Added:
    return await add(hub, org, ConnectorConfig(
        kind=ConnectorKind.REST, base_url=base, auth=AuthMethod.OAUTH2_CLIENT_CREDENTIALS,
        token_url=f"{base}/oauth/token", client_id=council.client_id, **config), client_secret=council.client_secret)


async def add_fhir(hub: Hub, server: FhirServer, base: str, org: str, **config: Any) -> Added:
    return await add(hub, org, ConnectorConfig(kind=ConnectorKind.FHIR, base_url=base, auth=AuthMethod.BEARER,
                                               poll_seconds=60, **config), bearer_token=server.token)


@dataclass
class Loop:
    """The hub on a real port, the two agency systems on theirs, and a worker that calls them."""

    hub_url: str
    council: CouncilSystem
    council_url: str
    fhir: FhirServer
    fhir_url: str
    worker: ConnectorWorker


@pytest.fixture(name="loop")
async def loop_fixture(hub: Hub) -> AsyncIterator[Loop]:
    council, fhir = CouncilSystem(), FhirServer()
    async with serving_all(create_app(hub=hub), council.app(), fhir.app()) as (hub_url, council_url, fhir_url):
        fhir.url = fhir_url
        worker = ConnectorWorker(sessions=hub.sessions, clock=hub.clock, sealer=hub.sealer(), hub_url=hub_url,
                                 allow_private=True)  # the agency systems listen on loopback
        try:
            yield Loop(hub_url, council, council_url, fhir, fhir_url, worker)
        finally:
            await worker.aclose()


async def panel_asks(api: Api, *codes: str) -> tuple[dict[str, Any], str]:
    review = await submitted(api)
    asked = await api(RESPOND, {"r": review["id"], "i": {
        "outcome": "FURTHER_INFORMATION_REQUIRED", "rationale": "We need each agency's chronology.",
        "questions": ["What contact did you have with the family in 2026?", "Which safety plans were in place?"],
        "informationDueOn": "2027-01-08", "informationFromCodes": list(codes)}}, as_=("PANEL", "panel"))
    payload = asked["data"]["respondToRapidReview"]
    assert payload["errors"] == []
    return review, payload["panelResponse"]["informationRequest"]["id"]


@pytest.mark.rule("connector-push", "connector-answer", "connector-owner")
async def test_the_panel_asks_both_agency_systems_answer_in_their_own_formats_and_the_review_is_back_with_the_panel(
    api: Api, hub: Hub, loop: Loop, clock: FixedClock
) -> None:
    # given Camden's case system (REST, OAuth2) and its ICB's FHIR server connected to the hub
    health = await icb(api)
    council = await add_council(hub, loop.council, loop.council_url, CAMDEN)
    ics = await add_fhir(hub, loop.fhir, loop.fhir_url, health)

    # when the Panel asks Camden, its ICB and the Met (which has no connector) for further information (para 24)
    review, request_id = await panel_asks(api, CAMDEN, health, MET)
    assert loop.council.received == {} and loop.fhir.tasks == {}  # nothing leaves inside the request
    assert await loop.worker.run_once() == 2

    # then the council's system has the request in the hub's v1 JSON, under an OAuth2 token of its own IdP
    body = loop.council.only_request()
    assert loop.council.pushes[0]["content-type"] == REQUEST_MEDIA_TYPE
    assert (body["id"], body["addressee"]["code"], body["requestedBy"]["code"]) == (request_id, CAMDEN, "PANEL")
    assert body["questions"][0] == "What contact did you have with the family in 2026?"
    assert (body["dueOn"], body["basis"]) == ("2027-01-08", "WT2018 ch4 paras 24, 35")
    assert body["answerTo"]["url"] == f"{loop.hub_url}/connectors/{council.id}/callback"
    assert "Amara" not in str(body)  # identifiers and the duty, never the child's details
    # and the ICB's FHIR server has a Task: questions as input, Panel requester, ICB owner, due date
    task = loop.fhir.only_task()
    assert task["identifier"] == [{"system": "urn:cspr-hub:information-request", "value": request_id}]
    assert [i["valueString"] for i in task["input"]] == body["questions"]
    assert (task["requester"]["identifier"]["value"], task["owner"]["identifier"]["value"]) == ("PANEL", health)
    assert task["restriction"]["period"]["end"] == "2027-01-08"
    assert (task["status"], task["intent"]) == ("requested", "order")

    # when the council answers by a signed callback, and then sends it again
    answered = await loop.council.answer(body, "Two home visits in March; the plan ended in June.",
                                         callback_secret=council.secrets.callback_secret, now=clock.now,
                                         answer_id="LL-0001-answer")
    assert (answered.status_code, answered.json()) == (200, {"status": "taken"})
    again = await loop.council.answer(body, "Two home visits in March; the plan ended in June.",
                                      callback_secret=council.secrets.callback_secret, now=clock.now,
                                      answer_id="LL-0001-answer")
    assert (again.status_code, again.json()) == (200, {"status": "duplicate"})

    # and the ICB completes its Task, which the hub finds when it next looks (polling)
    loop.fhir.complete(task["id"], "Health visitor saw the child twice; no missed appointments.")
    assert await loop.worker.run_once() == 0  # not due yet
    clock.set(clock.now() + timedelta(seconds=61))
    assert await loop.worker.run_once() == 1

    # then the Met, asked through the hub, answers through GraphQL; the review is back with the Panel
    case = (await api(REQUEST, {"c": review["caseId"]}, as_=("PANEL", "panel")))["data"]["case"]
    request = case["rapidReview"]["panelResponses"][0]["informationRequest"]
    answers = {a["organisation"]["code"]: a["answer"] for a in request["addressees"]}
    assert answers == {CAMDEN: "Two home visits in March; the plan ended in June.",
                       health: "Health visitor saw the child twice; no missed appointments.", MET: None}
    from tests.api.test_rapid_review import ANSWER

    await api(ANSWER, {"q": request_id, "a": "No police contact."}, as_=(MET, "police"))
    back = (await api(QUEUE, {"f": {"awaitingPanel": True}}, as_=("PANEL", "panel")))["data"]["rapidReviews"]
    assert [n["id"] for n in back["nodes"]] == [review["id"]]
    told = (await api(INBOX, {"f": {"eventTypes": ["information.answered"]}}, as_=("PANEL", "panel")))["data"]["inbox"]
    assert len(told["nodes"]) == 3  # one per organisation: the repeated callback told nobody twice

    # and each organisation sees its own connector's calls and attempts, without a secret in sight
    seen = await api(CALLS, {"c": council.id}, as_=(CAMDEN, "la"))
    assert seen["data"]["connectorCalls"]["nodes"] == [{"status": "ANSWERED", "attemptCount": 1,
                                                        "externalReference": "LL-0001",
                                                        "attempts": [{"operation": "push", "statusCode": 202, "error": None}]}]
    polled = (await api(CALLS, {"c": ics.id}, as_=(health, "health")))["data"]["connectorCalls"]["nodes"][0]
    assert (polled["status"], polled["externalReference"]) == ("ANSWERED", "Task/1")
    assert [a["operation"] for a in polled["attempts"]] == ["push", "poll"]
    assert (await api(CALLS, {"c": ics.id}, as_=(CAMDEN, "la")))["data"]["connectorCalls"]["nodes"] == []
    listed = await api(CONNECTORS, as_=(CAMDEN, "la"))
    assert listed["data"]["connectors"] == [{"id": council.id, "kind": "REST", "baseUrl": loop.council_url,
                                             "authMethod": "OAUTH2_CLIENT_CREDENTIALS", "active": True,
                                             "consecutiveFailures": 0}]


async def test_connector_secrets_appear_in_no_log_graphql_response_attempt_or_audit_entry(
    api: Api, hub: Hub, loop: Loop, clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    health = await icb(api)
    wrong = CouncilSystem(client_id=loop.council.client_id, client_secret="wrong-invented-secret-" + "9" * 8)
    council = await add_council(hub, wrong, loop.council_url, CAMDEN)  # the council's IdP will refuse it
    ics = await add_fhir(hub, loop.fhir, loop.fhir_url, health)
    await panel_asks(api, CAMDEN, health)
    await loop.worker.run_once()
    await loop.fhir.notify(f"{loop.hub_url}/connectors/{ics.id}/callback", ics.secrets.callback_token,
                           loop.fhir.complete(loop.fhir.only_task()["id"], "Seen twice."))
    shown = [await api(CONNECTORS, as_=who) for who in ((CAMDEN, "la"), (health, "health"))]
    shown += [await api(CALLS, {"c": c.id}, as_=who) for c, who in ((council, (CAMDEN, "la")), (ics, (health, "health")))]
    refused = shown[2]["data"]["connectorCalls"]["nodes"][0]["attempts"][0]
    assert (refused["statusCode"], refused["error"]) == (None, "token refused: invalid_client")
    async with hub.sessions() as session:
        stored = [str(row) for table in ("audit_entry", "connector_attempt", "routed_message", "case_event")
                  for row in (await session.execute(text(f"SELECT * FROM {table}"))).all()]
    assert any("connector:" + ics.id in row for row in stored)  # the answer is audited as the ICB, through its connector
    secrets = [wrong.client_secret, loop.fhir.token, *(s for c in (council, ics)
                                                       for s in (c.secrets.callback_secret, c.secrets.callback_token))]
    for secret in secrets:
        assert secret not in caplog.text
        assert all(secret not in json.dumps(body) for body in shown)
        assert all(secret not in row for row in stored)
    assert "client_secret" not in caplog.text


async def test_the_in_process_worker_pushes_a_request_within_two_seconds(api: Api, hub: Hub, loop: Loop) -> None:
    from app.worker import running

    await add_council(hub, loop.council, loop.council_url, CAMDEN)
    async with running(hub):
        await panel_asks(api, CAMDEN)
        for _ in range(40):
            if loop.council.received:
                break
            await asyncio.sleep(0.05)
    assert len(loop.council.received) == 1


async def test_the_rest_adapter_sends_a_routed_message_and_fetches_a_case_summary(hub: Hub, loop: Loop) -> None:
    from connectors.framework import RoutedMessageOut, Target, build

    loop.council.summaries["CSPR-2026-000001"] = "Open to children's social care since March (invented)."
    target = Target("c1", ConnectorConfig(kind=ConnectorKind.REST, base_url=loop.council_url,
                                          auth=AuthMethod.OAUTH2_CLIENT_CREDENTIALS,
                                          token_url=f"{loop.council_url}/oauth/token", client_id=loop.council.client_id),
                    ConnectorSecrets.new(client_secret=loop.council.client_secret))
    adapter, client = build(target, allow_private=True)
    try:
        assert isinstance(adapter, RestConnector)
        sent = await adapter.send_routed_message(RoutedMessageOut(
            id="m1", event_type="panel.responded", case_reference="CSPR-2026-000001", basis="WT2018 ch4 para 25",
            due_on=None))
        found = await adapter.fetch_case_summary("CSPR-2026-000001")
        missing = await adapter.fetch_case_summary("CSPR-2026-999999")
    finally:
        await client.aclose()
    assert (sent.ok, sent.status_code) == (True, 204)
    assert loop.council.messages == [("application/vnd.cspr-hub.routed-message.v1+json", {
        "id": "m1", "type": "panel.responded", "caseId": None, "caseReference": "CSPR-2026-000001",
        "subjectId": None, "basis": "WT2018 ch4 para 25", "dueOn": None, "routedAt": None})]
    assert found is not None and found.summary.startswith("Open to children's social care")
    assert missing is None and loop.council.token_requests == 1


@pytest.mark.rule("connector-withdrawal")
async def test_calls_close_when_the_organisation_answers_through_the_hub_or_the_panel_moves_on(
    api: Api, hub: Hub, loop: Loop, clock: FixedClock
) -> None:
    from tests.api.test_rapid_review import ANSWER

    health = await icb(api)
    council = await add_council(hub, loop.council, loop.council_url, CAMDEN)
    ics = await add_fhir(hub, loop.fhir, loop.fhir_url, health)
    review, request_id = await panel_asks(api, CAMDEN, health)
    assert await loop.worker.run_once() == 2
    answered = await api(ANSWER, {"q": request_id, "a": "Sent through the hub."}, as_=(health, "health"))
    assert answered["data"]["respondToInformationRequest"]["errors"] == []
    polled = (await api(CALLS, {"c": ics.id}, as_=(health, "health")))["data"]["connectorCalls"]["nodes"][0]
    assert polled["status"] == "WITHDRAWING"  # its Task is not polled again, but cancelled
    assert await loop.worker.run_once() == 1
    assert loop.fhir.only_task()["status"] == "cancelled"
    polled = (await api(CALLS, {"c": ics.id}, as_=(health, "health")))["data"]["connectorCalls"]["nodes"][0]
    assert (polled["status"], [a["operation"] for a in polled["attempts"]][-1]) == ("CLOSED", "withdraw")
    clock.set(clock.now() + timedelta(minutes=5))
    assert await loop.worker.run_once() == 0
    pushed = (await api(CALLS, {"c": council.id}, as_=(CAMDEN, "la")))["data"]["connectorCalls"]["nodes"][0]
    assert pushed["status"] == "SENT"
    decided = await api(RESPOND, {"r": review["id"], "i": panel_decision("AGREES_WITH_PARTNERS", "Enough.")},
                        as_=("PANEL", "panel"))
    assert decided["data"]["respondToRapidReview"]["errors"] == []
    assert await loop.worker.run_once() == 1
    [(media_type, withdrawn)] = loop.council.withdrawn
    assert (media_type, withdrawn["id"], withdrawn["requestStatus"]) == (
        "application/vnd.cspr-hub.information-request-withdrawn.v1+json", request_id, "CLOSED")
    closed = (await api(CALLS, {"c": council.id}, as_=(CAMDEN, "la")))["data"]["connectorCalls"]["nodes"][0]
    assert closed["status"] == "CLOSED"
    late = await loop.council.answer(loop.council.only_request(), "Too late.", now=clock.now,
                                     callback_secret=council.secrets.callback_secret)
    assert (late.status_code, late.json()["error"]) == (409, "REQUEST_NOT_OPEN")


async def test_two_organisations_answering_at_once_leave_the_request_answered(api: Api, hub: Hub) -> None:
    from hub import information_request
    from hub.models import InformationRequest
    from hub.principal import Principal
    from hub.vocabulary import Role
    from tests.api.test_rapid_review import ANSWER

    health = await icb(api)
    _, request_id = await panel_asks(api, CAMDEN, health)
    async with hub.sessions() as session:
        orgs = {o.code: o for o in (await session.execute(text("SELECT id, code FROM organisation"))).all()}

    def as_org(code: str, role: Role) -> Principal:
        return Principal(organisation_id=orgs[code].id, organisation_code=code, role=role, scopes=(role.value,))

    async def answer(session: Any, who: Principal) -> None:
        await information_request.answer(session, clock=hub.clock, principal=who, request_id=request_id,
                                         text=f"{who.organisation_code}'s chronology.")

    async with hub.sessions() as first:
        await first.begin()
        await answer(first, as_org(CAMDEN, Role.LA))  # not committed yet
        second = asyncio.create_task(_in_transaction(hub, lambda s: answer(s, as_org(health, Role.HEALTH))))
        if hub.engine.dialect.name == "postgresql":  # the second waits for the request's row
            await _until_waiting_on_a_lock(hub, second)
        await first.commit()
    await second
    async with hub.sessions() as session:
        found = await session.get(InformationRequest, request_id)
        assert found is not None and found.status == "ANSWERED"
    again = await api(ANSWER, {"q": request_id, "a": "again"}, as_=(CAMDEN, "la"))
    assert [e["code"] for e in again["data"]["respondToInformationRequest"]["errors"]] == ["REQUEST_NOT_OPEN"]


async def _in_transaction(hub: Hub, work: Any) -> None:
    async with transaction(hub.sessions) as session:
        await work(session)


async def _until_waiting_on_a_lock(hub: Hub, task: asyncio.Task[None]) -> None:
    async with hub.engine.connect() as conn:
        while not task.done() and not (await conn.execute(text(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND datname = current_database()"))).scalar_one():
            await asyncio.sleep(0.01)
            await conn.rollback()


@pytest.mark.rule("connector-routed-messages")
async def test_a_system_that_opted_in_receives_every_message_routed_to_its_organisation(
    api: Api, hub: Hub, loop: Loop
) -> None:
    from tests.api.test_notification import NOTIFY, serious_incident

    police = await add_council(hub, loop.council, loop.council_url, MET, routed_messages=True)
    await add_council(hub, CouncilSystem(), loop.council_url, CAMDEN)  # not opted in: requests only
    made = await api(NOTIFY, {"input": serious_incident()}, as_=(CAMDEN, "la"))
    case = made["data"]["notifySeriousIncident"]["case"]
    assert await loop.worker.run_once() == 1
    assert await loop.worker.run_once() == 0  # taken once: nothing left to push
    [(media_type, body)] = loop.council.messages
    assert media_type == "application/vnd.cspr-hub.routed-message.v1+json"
    assert (body["type"], body["caseId"], body["caseReference"], body["basis"], body["dueOn"]) == (
        "notification.submitted", case["id"], case["reference"], "WT2018 ch4 para 12", "2026-12-31")
    assert "Amara" not in json.dumps(body) and "Testchild" not in json.dumps(body)
    calls = (await api(CALLS_WITH_OPERATION, {"c": police.id}, as_=(MET, "police")))["data"]["connectorCalls"]["nodes"]
    assert [(c["operation"], c["status"], c["routedMessageId"] == body["id"]) for c in calls] == [
        ("routed_message", "DELIVERED", True)]
    inbox = await api("{ inbox { nodes { id eventType deliveredAt } } }", as_=(MET, "police"))
    [message] = inbox["data"]["inbox"]["nodes"]
    assert (message["id"], message["eventType"], message["deliveredAt"] is not None) == (
        body["id"], "notification.submitted", True)


@pytest.mark.rule("connector-routed-messages")
async def test_a_message_acknowledged_in_the_inbox_first_is_not_pushed(api: Api, hub: Hub, loop: Loop) -> None:
    from tests.api.test_notification import NOTIFY, serious_incident

    police = await add_council(hub, loop.council, loop.council_url, MET, routed_messages=True)
    await api(NOTIFY, {"input": serious_incident()}, as_=(CAMDEN, "la"))
    [message] = (await api("{ inbox { nodes { id } } }", as_=(MET, "police")))["data"]["inbox"]["nodes"]
    ack = "mutation($m: ID!) { acknowledgeMessage(messageId: $m) { errors { code } } }"
    assert (await api(ack, {"m": message["id"]}, as_=(MET, "police")))["data"]["acknowledgeMessage"]["errors"] == []
    await loop.worker.run_once()
    assert loop.council.messages == []
    calls = (await api(CALLS_WITH_OPERATION, {"c": police.id}, as_=(MET, "police")))["data"]["connectorCalls"]["nodes"]
    assert [c["status"] for c in calls] == ["CLOSED"]


CALLS_WITH_OPERATION = """query($c: ID!) { connectorCalls(connectorId: $c) { nodes { operation status
  routedMessageId informationRequestId } } }"""


@pytest.mark.rule("connector-case-summaries")
async def test_a_rapid_review_started_takes_each_opted_in_partners_case_summary_as_its_first_contribution(
    api: Api, hub: Hub, loop: Loop
) -> None:
    from tests.api.test_rapid_review import CONTRIBUTE, START, notified_case

    police_system = CouncilSystem()
    async with serving(police_system.app()) as police_url:
        council = await add_council(hub, loop.council, loop.council_url, CAMDEN, case_summaries=True)
        await add_council(hub, police_system, police_url, MET, case_summaries=True)
        case_id = await notified_case(api)
        reference = (await api("query($c: ID!) { case(id: $c) { reference } }", {"c": case_id},
                               as_=(CAMDEN, "la")))["data"]["case"]["reference"]
        loop.council.summaries[reference] = "Known to children's social care since March; two missed visits."
        started = await api(START, {"c": case_id}, as_=(CAMDEN, "la"))
        review_id = started["data"]["startRapidReview"]["rapidReview"]["id"]
        own = await api(CONTRIBUTE, {"r": review_id, "i": {"summary": "Written by the police themselves."}},
                        as_=(MET, "police"))
        assert own["data"]["contributeToRapidReview"]["errors"] == []
        assert await loop.worker.run_once() == 1  # the police wrote their own: their call closes unmade
        review = (await api(REVIEW_CONTRIBUTIONS, {"c": case_id}, as_=(CAMDEN, "la")))["data"]["case"]["rapidReview"]
    assert sorted((c["organisation"]["code"], c["summary"]) for c in review["contributions"]) == [
        (CAMDEN, "Known to children's social care since March; two missed visits."),
        (MET, "Written by the police themselves.")]
    assert police_system.token_requests == 0
    calls = (await api(CALLS_WITH_OPERATION, {"c": council.id}, as_=(CAMDEN, "la")))["data"]["connectorCalls"]["nodes"]
    assert [(c["operation"], c["status"]) for c in calls] == [("case_summary", "ANSWERED")]


@pytest.mark.rule("connector-case-summaries")
async def test_a_system_with_no_summary_of_the_case_leaves_the_contribution_to_the_partner(
    api: Api, hub: Hub, loop: Loop
) -> None:
    from tests.api.test_rapid_review import START, notified_case

    council = await add_council(hub, loop.council, loop.council_url, CAMDEN, case_summaries=True)
    case_id = await notified_case(api)
    await api(START, {"c": case_id}, as_=(CAMDEN, "la"))
    assert await loop.worker.run_once() == 1
    review = (await api(REVIEW_CONTRIBUTIONS, {"c": case_id}, as_=(CAMDEN, "la")))["data"]["case"]["rapidReview"]
    assert review["contributions"] == []
    calls = (await api(CALLS_WITH_OPERATION, {"c": council.id}, as_=(CAMDEN, "la")))["data"]["connectorCalls"]["nodes"]
    assert [(c["operation"], c["status"]) for c in calls] == [("case_summary", "ANSWERED")]
    attempts = await api(CALLS, {"c": council.id}, as_=(CAMDEN, "la"))
    assert [a["statusCode"] for c in attempts["data"]["connectorCalls"]["nodes"] for a in c["attempts"]] == [404]


REVIEW_CONTRIBUTIONS = """query($c: ID!) { case(id: $c) { rapidReview { contributions { organisation { code }
  summary } } } }"""
