"""POST /connectors/{connectorId}/callback: authenticated, idempotent, and clear when it refuses (paras 24, 35)."""

from __future__ import annotations

import json
from datetime import timedelta

import httpx2
import pytest

from app.main import Hub
from hub.clock import FixedClock
from tests.api.test_connectors import Loop, add_council, add_fhir, loop_fixture, panel_asks  # noqa: F401  (the fixture)
from tests.api.test_notification import CAMDEN
from tests.api.test_rapid_review import ANSWER, icb
from tests.conftest import Api
from tests.stubs.council import ANSWER_MEDIA_TYPE


async def post(url: str, body: bytes, **headers: str) -> httpx2.Response:
    async with httpx2.AsyncClient() as client:
        return await client.post(url, content=body, headers=headers)


@pytest.mark.rule("connector-answer")
async def test_a_fhir_subscription_notification_brings_the_answer_at_once(
    api: Api, hub: Hub, loop: Loop, clock: FixedClock
) -> None:
    health = await icb(api)
    ics = await add_fhir(hub, loop.fhir, loop.fhir_url, health)
    _, request_id = await panel_asks(api, health)
    await loop.worker.run_once()
    callback = f"{loop.hub_url}/connectors/{ics.id}/callback"
    task = loop.fhir.only_task()

    # an empty notification (the ICB's Subscription without payload): the hub looks at the Task now, not in 60 s
    loop.fhir.complete_with_questionnaire(task["id"], {"Contacts in 2026?": "Four", "Safety plan?": "Yes, from May"})
    told = await loop.fhir.notify(callback, ics.secrets.callback_token, None)
    assert (told.status_code, told.json()) == (202, {"status": "polling"})
    assert await loop.worker.run_once() == 1
    answers = (await api(ANSWER, {"q": request_id, "a": "again"}, as_=(health, "health")))["data"]
    assert [e["code"] for e in answers["respondToInformationRequest"]["errors"]] == ["REQUEST_NOT_OPEN"]

    # a later version of the Task, notified with its payload, finds the part answered: nothing changes
    again = await loop.fhir.notify(callback, ics.secrets.callback_token, loop.fhir.complete(task["id"], "Four"))
    assert (again.status_code, again.json()["error"]) == (409, "ALREADY_ANSWERED")  # nothing changes


async def test_a_notification_carrying_the_completed_task_is_taken_without_a_poll(
    api: Api, hub: Hub, loop: Loop
) -> None:
    health = await icb(api)
    ics = await add_fhir(hub, loop.fhir, loop.fhir_url, health)
    await panel_asks(api, health)
    await loop.worker.run_once()
    callback = f"{loop.hub_url}/connectors/{ics.id}/callback"
    task = loop.fhir.complete(loop.fhir.only_task()["id"], "No contact with the family.")
    first = await loop.fhir.notify(callback, ics.secrets.callback_token, task)
    second = await loop.fhir.notify(callback, ics.secrets.callback_token, task)
    assert [(r.status_code, r.json()["status"]) for r in (first, second)] == [(200, "taken"), (200, "duplicate")]
    assert await loop.worker.run_once() == 0  # the call is answered: no more polling


async def test_a_callback_is_refused_clearly_and_never_with_a_500(api: Api, hub: Hub, loop: Loop, clock: FixedClock) -> None:
    council = await add_council(hub, loop.council, loop.council_url)
    health = await icb(api)
    ics = await add_fhir(hub, loop.fhir, loop.fhir_url, health)
    _, request_id = await panel_asks(api, CAMDEN, health)
    await loop.worker.run_once()
    url = f"{loop.hub_url}/connectors/{council.id}/callback"

    def signed(payload: bytes, message_id: str = "msg_1") -> dict[str, str]:
        from standardwebhooks.webhooks import Webhook

        signature = Webhook(council.secrets.callback_secret).sign(message_id, clock.now(), payload.decode())
        return {"content-type": ANSWER_MEDIA_TYPE, "webhook-id": message_id, "webhook-signature": signature,
                "webhook-timestamp": str(int(clock.now().timestamp()))}

    good = json.dumps({"type": "information.answered", "requestId": request_id, "answer": "Chronology."}).encode()
    unsigned = await post(url, good, **{"content-type": ANSWER_MEDIA_TYPE})
    assert (unsigned.status_code, unsigned.headers["www-authenticate"]) == (401, "Bearer")
    forged = {**signed(good), "webhook-signature": "v1,AAAA"}
    assert (await post(url, good, **forged)).status_code == 401
    stale = signed(good)
    clock.set(clock.now() + timedelta(minutes=10))  # outside the 5-minute tolerance
    assert (await post(url, good, **stale)).status_code == 401
    other_token = await post(url, good, authorization=f"Bearer {ics.secrets.callback_token}")
    assert other_token.status_code == 401  # one connector's token is not another's
    assert (await post(f"{loop.hub_url}/connectors/00000000-0000-7000-8000-000000000000/callback", good,
                       **signed(good))).status_code == 404
    assert (await post(f"{loop.hub_url}/connectors/{'x' * 80}/callback", good, **signed(good))).status_code == 404
    assert (await post(url, b"{not json", **signed(b"{not json"))).status_code == 400
    missing = json.dumps({"type": "information.answered", "answer": "x"}).encode()
    assert (await post(url, missing, **signed(missing))).status_code == 422
    unknown = json.dumps({"type": "information.answered", "requestId": "00000000-0000-7000-8000-000000000000",
                          "answer": "x"}).encode()
    assert (await post(url, unknown, **signed(unknown))).status_code == 404
    empty = json.dumps({"requestId": request_id, "answer": "  "}).encode()
    refused = await post(url, empty, **signed(empty))
    assert (refused.status_code, refused.json()["error"]) == (422, "REQUIRED")

    # the agency's bearer token works as well as a signature; the webhook-id dedupes a retried callback
    taken = await post(url, good, **signed(good, "msg_answer"))
    retried = await post(url, good, **signed(good, "msg_answer"))
    assert [r.json()["status"] for r in (taken, retried)] == ["taken", "duplicate"]
    newer = json.dumps({"requestId": request_id, "answer": "A second thought.", "answerId": "n2"}).encode()
    conflict = await post(url, newer, authorization=f"Bearer {council.secrets.callback_token}",
                          **{"content-type": "application/json"})
    assert (conflict.status_code, conflict.json()["error"]) == (409, "ALREADY_ANSWERED")
    fhir_url = f"{loop.hub_url}/connectors/{ics.id}/callback"
    patient = json.dumps({"resourceType": "Patient", "id": "p1"}).encode()
    wrong = await post(fhir_url, patient, authorization=f"Bearer {ics.secrets.callback_token}",
                       **{"content-type": "application/fhir+json"})
    assert (wrong.status_code, wrong.json()["error"]) == (422, "WRONG_RESOURCE")
    for response in (unsigned, refused, conflict, wrong):
        assert council.secrets.callback_secret not in response.text and "cbt_" not in response.text


async def test_an_answer_id_reused_for_another_request_is_another_answer(
    api: Api, hub: Hub, loop: Loop, clock: FixedClock
) -> None:
    from tests.api.test_case_record import REQUEST
    from tests.api.test_notification import MET

    council = await add_council(hub, loop.council, loop.council_url)
    review, first_id = await panel_asks(api, CAMDEN)
    asked = await api(REQUEST, {"i": {"caseId": review["caseId"], "fromOrganisationCodes": [CAMDEN],
                                      "questions": ["Any missed visits?"], "dueOn": "2027-01-08"}}, as_=(MET, "police"))
    second_id = asked["data"]["requestInformation"]["informationRequest"]["id"]
    await loop.worker.run_once()
    bodies = {b["id"]: b for b in loop.council.received.values()}
    secret = council.secrets.callback_secret
    taken = [await loop.council.answer(bodies[r], f"Answer to {r}.", callback_secret=secret, now=clock.now,
                                       answer_id="1") for r in (first_id, second_id)]
    assert [(r.status_code, r.json()["status"]) for r in taken] == [(200, "taken"), (200, "taken")]
    again = await loop.council.answer(bodies[second_id], f"Answer to {second_id}.", callback_secret=secret,
                                      now=clock.now, answer_id="1")
    assert (again.status_code, again.json()["status"]) == (200, "duplicate")
    for request_id in (first_id, second_id):
        refused = await api(ANSWER, {"q": request_id, "a": "again"}, as_=(CAMDEN, "la"))
        assert [e["code"] for e in refused["data"]["respondToInformationRequest"]["errors"]] == ["REQUEST_NOT_OPEN"]


async def test_a_signature_or_timestamp_that_is_not_ascii_is_a_401_not_a_500(
    api: Api, hub: Hub, loop: Loop, clock: FixedClock
) -> None:
    council = await add_council(hub, loop.council, loop.council_url)
    _, request_id = await panel_asks(api, CAMDEN)
    url = f"{loop.hub_url}/connectors/{council.id}/callback"
    good = json.dumps({"type": "information.answered", "requestId": request_id, "answer": "Chronology."}).encode()
    for signature, stamp in (("v1,é€ünïcode".encode(), str(int(clock.now().timestamp())).encode()), (b"v1,AAAA", "\u00b2".encode("latin-1"))):
        async with httpx2.AsyncClient() as client:
            response = await client.post(url, content=good, headers={
                "content-type": ANSWER_MEDIA_TYPE, "webhook-id": "msg_1", "webhook-timestamp": stamp,
                "webhook-signature": signature})
        assert (response.status_code, response.json()["error"]) == (401, "UNAUTHENTICATED")
