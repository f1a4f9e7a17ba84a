"""Every organisation's inbox: delivered on retrieval, acknowledged by the recipient."""

from __future__ import annotations

from datetime import timedelta

from hub.clock import FixedClock
from tests.api.test_notification import CAMDEN, ISLINGTON, NOTIFY, serious_incident
from tests.conftest import Api

INBOX = """query($filter: InboxFilter) { inbox(filter: $filter) { totalCount nodes { id eventType basis dueOn
  deliveredAt acknowledgedAt recipient { code } case { reference child { firstName pseudonym } } } } }"""
ACK = """mutation($id: ID!) { acknowledgeMessage(messageId: $id) { message { id acknowledgedAt deliveredAt } errors { code } } }"""


async def test_the_panel_pulls_its_inbox_and_acknowledges(api: Api, clock: FixedClock) -> None:
    await api(NOTIFY, {"input": serious_incident()}, as_=(CAMDEN, "la"))
    inbox = (await api(INBOX, as_=("PANEL", "panel")))["data"]["inbox"]
    assert inbox["totalCount"] == 1
    message = inbox["nodes"][0]
    assert (message["eventType"], message["dueOn"]) == ("notification.submitted", "2026-12-31")
    assert message["deliveredAt"] is not None and message["acknowledgedAt"] is None
    assert message["case"]["child"]["firstName"] == "Amara"
    clock.set(clock.now() + timedelta(hours=1))
    again = (await api(INBOX, as_=("PANEL", "panel")))["data"]["inbox"]["nodes"][0]
    assert again["deliveredAt"] == message["deliveredAt"]  # the first retrieval was the delivery
    acked = (await api(ACK, {"id": message["id"]}, as_=("PANEL", "panel")))["data"]["acknowledgeMessage"]
    assert acked["errors"] == [] and acked["message"]["acknowledgedAt"] is not None
    left = await api(INBOX, {"filter": {"unacknowledged": True}}, as_=("PANEL", "panel"))
    assert left["data"]["inbox"]["totalCount"] == 0


async def test_dfe_inbox_holds_what_is_routed_to_dfe_and_to_the_secretary_of_state(api: Api) -> None:
    value = serious_incident()
    value["child"]["lookedAfter"] = True
    await api(NOTIFY, {"input": value}, as_=(CAMDEN, "la"))
    nodes = (await api(INBOX, as_=("DFE", "dfe")))["data"]["inbox"]["nodes"]
    assert {(n["recipient"]["code"], n["eventType"]) for n in nodes} == {
        ("DFE", "notification.submitted"), ("SOS", "looked_after_death.notified")}
    assert all(n["case"]["child"]["firstName"] is None for n in nodes)


async def test_a_message_addressed_elsewhere_cannot_be_acknowledged(api: Api) -> None:
    await api(NOTIFY, {"input": serious_incident()}, as_=(CAMDEN, "la"))
    message = (await api(INBOX, as_=("PANEL", "panel")))["data"]["inbox"]["nodes"][0]
    body = await api(ACK, {"id": message["id"]}, as_=(ISLINGTON, "la"))
    assert [e["code"] for e in body["data"]["acknowledgeMessage"]["errors"]] == ["NOT_FOUND"]
    assert (await api(INBOX, as_=(ISLINGTON, "la")))["data"]["inbox"]["totalCount"] == 0
