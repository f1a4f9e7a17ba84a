"""The console for people (/console), in process, on SQLite and PostgreSQL: sign-in, sessions and CSRF, the
Panel's queue, a case and its timeline, the inbox, the deadlines, and the Panel's response recorded through the
same hub function (and audit entry) as respondToRapidReview."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Any

import httpx2
import pytest
from sqlalchemy import select
from sqlmodel import col

from app.main import Hub, create_app
from hub.clock import FixedClock
from hub.models import AuditEntry
from tests.api import test_webhooks
from tests.api.test_notification import BIRMINGHAM, CAMDEN, MET, NOTIFY
from tests.api.test_rapid_review import (
    NATIONAL_CRITERIA,
    RESPOND,
    SUBMISSION,
    SUBMIT,
    contributed_by_all,
    signed_off,
    submitted,
)
from tests.api.test_webhooks import DELIVERIES, Receiver, deliver_once, incident_today, subscribe
from tests.conftest import Api

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
CASE_LINK = re.compile(r'href="/console/cases/([0-9a-f-]{36})"')
REVIEW = """query($c: ID!) { case(id: $c) { reference rapidReview { id status panelResponses { outcome rationale } } } }"""
INBOX = """{ inbox { nodes { id eventType acknowledgedAt case { id } } } }"""
receiver, real_time = test_webhooks.receiver, test_webhooks.real_time  # fixtures: a loopback receiver, real time
PANEL = ("PANEL", "panel")
CAMDEN_LA = (CAMDEN, "la")
MET_POLICE = (MET, "police")


def csrf(page: str) -> str:
    found = CSRF.search(page)
    assert found, page[:2000]
    return found.group(1)


class Person:
    """Someone using the console in a browser of their own (their own cookie jar)."""

    def __init__(self, http: httpx2.AsyncClient) -> None:
        self.http = http
        self.token = ""

    async def sign_in(self, organisation: str, role: str) -> httpx2.Response:
        form = await self.http.get("/console/sign-in")
        assert form.status_code == 200
        response = await self.http.post("/console/sign-in", data={
            "csrf_token": csrf(form.text), "organisation": organisation, "role": role})
        if response.status_code == 303:
            self.token = csrf((await self.http.get("/console/deadlines")).text)
        return response

    async def get(self, path: str) -> httpx2.Response:
        return await self.http.get(path)

    async def post(self, path: str, data: dict[str, str]) -> httpx2.Response:
        return await self.http.post(path, data={"csrf_token": self.token, **data})


People = Callable[..., Any]


@pytest.fixture
async def people(hub: Hub) -> AsyncIterator[Callable[[], Person]]:
    app = create_app(hub=hub)
    clients: list[httpx2.AsyncClient] = []

    def person() -> Person:
        http = httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url="http://testserver")
        clients.append(http)
        return Person(http)

    yield person
    for http in clients:
        await http.aclose()


async def signed_in(people: Callable[[], Person], who: tuple[str, str]) -> Person:
    person = people()
    response = await person.sign_in(*who)
    assert response.status_code == 303, response.text
    return person


def response_form(**changes: str) -> dict[str, str]:
    form = {"outcome": "NATIONAL_REVIEW", "rationale": "Invented: national learning on agencies working together."}
    for c in NATIONAL_CRITERIA:
        form[f"met-{c['criterion']}"] = "yes" if c["met"] else "no"
        form[f"how-{c['criterion']}"] = str(c["how"])
    return {**form, **changes}


async def test_the_panel_signs_in_and_finds_the_submitted_rapid_review_in_its_queue(
        api: Api, people: Callable[[], Person]) -> None:
    # given a rapid review submitted to the Panel (para 21)
    review = await submitted(api)
    reference = (await api(REVIEW, {"c": review["caseId"]}, as_=PANEL))["data"]["case"]["reference"]
    # when the Panel signs in
    panel = people()
    form = await panel.http.get("/console/sign-in")
    signed = await panel.http.post("/console/sign-in", data={
        "csrf_token": csrf(form.text), "organisation": "PANEL", "role": "panel"})
    # then its session is a signed HttpOnly, SameSite=Lax cookie that expires, and it lands on its queue
    assert signed.status_code == 303 and signed.headers["location"] == "/console"
    cookie = signed.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "max-age=28800" in cookie and "secure" not in cookie
    assert (await panel.get("/console")).headers["location"] == "/console/queue"
    queue = await panel.get("/console/queue")
    assert queue.status_code == 200 and queue.headers["cache-control"] == "no-store"
    assert "default-src 'self'" in queue.headers["content-security-policy"]
    assert reference in queue.text and f'/console/cases/{review["caseId"]}' in queue.text


async def test_the_queue_lists_the_longest_waiting_first_and_marks_a_rapid_review_submitted_late(
        api: Api, people: Callable[[], Person], clock: FixedClock) -> None:
    # given a rapid review submitted on time, then another submitted after its 15 working days (paras 20-21)
    first = await submitted(api)
    second = await contributed_by_all(api)
    clock.set(clock.now() + timedelta(days=41))  # past both due dates: the second is submitted late
    await signed_off(api, second["id"])
    assert (await api(SUBMIT, {"r": second["id"], "i": SUBMISSION}, as_=(CAMDEN, "la")))[
        "data"]["submitRapidReview"]["errors"] == []
    panel = await signed_in(people, PANEL)
    # then the one waiting longest comes first, and only the late one is marked late (the Panel has no
    # deadline of its own to answer in the guidance, so neither is called overdue)
    text = (await panel.get("/console/queue")).text
    assert CASE_LINK.findall(text) == [first["caseId"], second["caseId"]]
    assert (text.count(">Late<"), text.count(">On time<"), "Overdue" in text) == (1, 1, False)


async def test_a_case_shows_its_timeline_routed_messages_with_their_basis_and_its_deadlines(
        api: Api, people: Callable[[], Person]) -> None:
    review = await submitted(api)
    panel = await signed_in(people, PANEL)
    page = await panel.get(f"/console/cases/{review['caseId']}")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    text = page.text
    assert "Timeline" in text and "Notification submitted" in text and "Rapid review submitted" in text
    assert "rapid_review.submitted" in text and "WT2018 ch4 para 21" in text  # routed, with its basis
    assert "Record the Panel's response" in text  # the action the Panel may take
    assert "Amara" not in text  # no child's name: pseudonymous references only


async def test_the_panel_records_its_response_through_the_same_hub_function_as_the_mutation(
        api: Api, people: Callable[[], Person], hub: Hub) -> None:
    # given a submitted rapid review and the Panel signed in
    review = await submitted(api)
    panel = await signed_in(people, PANEL)
    # when it records a national review from the case page
    done = await panel.post(f"/console/cases/{review['caseId']}/panel-response", response_form())
    assert done.status_code == 303 and done.headers["location"].endswith("?done=responded")
    # then the rapid review has the Panel's response, as GraphQL shows it (paras 22, 25-26)
    seen = (await api(REVIEW, {"c": review["caseId"]}, as_=PANEL))["data"]["case"]["rapidReview"]
    assert seen["status"] == "RESPONDED"
    assert [r["outcome"] for r in seen["panelResponses"]] == ["NATIONAL_REVIEW"]
    # and the partners were told, and the audit trail names the operation, as for the mutation
    told = (await api(INBOX, as_=CAMDEN_LA))["data"]["inbox"]["nodes"]
    assert any(m["eventType"] == "panel.responded" and m["case"]["id"] == review["caseId"] for m in told)
    async with hub.sessions() as session:
        actions = (await session.execute(select(col(AuditEntry.action)).where(
            col(AuditEntry.case_id) == review["caseId"], col(AuditEntry.client_id) == "console:PANEL"))).scalars()
        assert list(actions) == ["respondToRapidReview"]
    page = await panel.get(done.headers["location"])
    assert "The Panel&#39;s response has been recorded" in page.text and "Record the Panel's response" not in page.text


async def test_a_response_without_the_criteria_is_refused_with_codes_and_changes_nothing(
        api: Api, people: Callable[[], Person]) -> None:
    review = await submitted(api)
    panel = await signed_in(people, PANEL)
    form = {"outcome": "NATIONAL_REVIEW", "rationale": ""}
    refused = await panel.post(f"/console/cases/{review['caseId']}/panel-response", form)
    assert refused.status_code == 400
    assert "There is a problem" in refused.text and "(REQUIRED)" in refused.text
    assert "(CRITERION_NOT_ADDRESSED)" in refused.text and 'href="#criteria"' in refused.text
    no_outcome = await panel.post(f"/console/cases/{review['caseId']}/panel-response", response_form(outcome=""))
    assert no_outcome.status_code == 400 and "Select the Panel&#39;s decision" in no_outcome.text
    seen = (await api(REVIEW, {"c": review["caseId"]}, as_=PANEL))["data"]["case"]["rapidReview"]
    assert seen["status"] == "SUBMITTED" and seen["panelResponses"] == []


async def test_a_form_without_its_csrf_token_is_refused_and_changes_nothing(
        api: Api, people: Callable[[], Person]) -> None:
    review = await submitted(api)
    panel = await signed_in(people, PANEL)
    forged = await panel.http.post(f"/console/cases/{review['caseId']}/panel-response", data=response_form())
    assert forged.status_code == 403
    other = await signed_in(people, PANEL)  # another session's token is not this one's
    crossed = await panel.http.post(f"/console/cases/{review['caseId']}/panel-response",
                                    data={**response_form(), "csrf_token": other.token})
    assert crossed.status_code == 403
    seen = (await api(REVIEW, {"c": review["caseId"]}, as_=PANEL))["data"]["case"]["rapidReview"]
    assert seen["status"] == "SUBMITTED"


async def test_a_partner_of_another_area_neither_lists_nor_opens_the_case(
        api: Api, people: Callable[[], Person]) -> None:
    # given Camden's rapid review with the Panel, and Birmingham's local authority signed in
    review = await submitted(api)
    birmingham = await signed_in(people, (BIRMINGHAM, "la"))
    # then no list shows it
    for path in ("/console/queue", "/console/inbox", "/console/deadlines"):
        page = await birmingham.get(path)
        assert page.status_code == 200 and review["caseId"] not in page.text, path
    # and its address answers exactly as an id that does not exist
    hidden = await birmingham.get(f"/console/cases/{review['caseId']}")
    missing = await birmingham.get("/console/cases/01900000-0000-7000-8000-000000000000")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.text == missing.text
    refused = await birmingham.post(f"/console/cases/{review['caseId']}/panel-response", response_form())
    assert refused.status_code == 404 and refused.text == missing.text


async def test_a_partner_acknowledges_a_routed_message_from_its_inbox(
        api: Api, people: Callable[[], Person]) -> None:
    review = await submitted(api)
    police = await signed_in(people, MET_POLICE)
    inbox = await police.get("/console/inbox")
    assert inbox.status_code == 200 and "WT2018 ch4" in inbox.text
    mine = [m for m in (await api(INBOX, as_=MET_POLICE))["data"]["inbox"]["nodes"] if m["acknowledgedAt"] is None]
    assert mine and f"/console/messages/{mine[0]['id']}/acknowledge" in inbox.text
    done = await police.post(f"/console/messages/{mine[0]['id']}/acknowledge",
                             {"return_to": f"/console/cases/{review['caseId']}"})
    assert done.status_code == 303
    assert done.headers["location"] == f"/console/cases/{review['caseId']}?done=acknowledged"
    after = {m["id"]: m for m in (await api(INBOX, as_=MET_POLICE))["data"]["inbox"]["nodes"]}
    assert after[mine[0]["id"]]["acknowledgedAt"] is not None
    timeline = (await police.get(f"/console/cases/{review['caseId']}")).text
    assert "Acknowledged by" in timeline
    # a message addressed to another organisation is not found, and an outside address is not followed
    panel = await signed_in(people, PANEL)
    assert (await panel.post(f"/console/messages/{mine[1]['id']}/acknowledge", {})).status_code == 404
    other = await police.post(f"/console/messages/{mine[1]['id']}/acknowledge", {"return_to": "//elsewhere.example"})
    assert other.headers["location"] == "/console/inbox?done=acknowledged"


async def test_the_deadlines_page_shows_what_the_organisation_owes(api: Api, people: Callable[[], Person]) -> None:
    from tests.api.test_rapid_review import started

    review = await started(api)
    camden = await signed_in(people, CAMDEN_LA)
    text = (await camden.get("/console/deadlines")).text
    assert "Rapid review" in text and review["caseId"] in text and "para 20" in text.replace("paras", "para")


async def test_the_govuk_assets_are_served_by_the_hub_and_nothing_else_is(client: httpx2.AsyncClient) -> None:
    css = await client.get("/static/govuk/govuk-frontend-6.6.0.min.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert "GDS Transport" not in css.text and "@font-face" not in css.text  # system fonts, nothing to fetch
    assert (await client.get("/static/govuk/hub-console.js")).status_code == 200
    assert (await client.get("/static/govuk/assets/images/favicon.svg")).status_code == 200
    for path in ("/static/govuk/README.md", "/static/govuk/../console/session.py", "/static/govuk/nothing.css"):
        assert (await client.get(path)).status_code == 404, path


async def test_the_home_page_points_to_the_console_and_graphiql(client: httpx2.AsyncClient) -> None:
    home = (await client.get("/")).text
    assert 'href="/console"' in home and 'href="/graphql"' in home


async def test_an_inbox_page_address_the_console_did_not_give_is_refused_not_a_server_error(
        people: Callable[[], Person]) -> None:
    panel = await signed_in(people, PANEL)
    for query in ("before=yesterday&id=x", "before=2026-12-22T11:00:00&id=x", "id=x", "before=2026-12-22T11:00:00Z"):
        assert (await panel.get(f"/console/inbox?{query}")).status_code == 400, query
    later = await panel.get("/console/inbox?before=2026-12-22T11:00:00%2B00:00&id=01900000-0000-7000-8000-000000000000")
    assert later.status_code == 200 and "Nothing has been routed" in later.text


async def test_a_partner_asked_for_further_information_answers_it_from_the_case_page(
        api: Api, people: Callable[[], Person]) -> None:
    # given the Panel asked Camden for further information (para 24)
    review = await submitted(api)
    asked = await api(RESPOND, {"r": review["id"], "i": {
        "outcome": "FURTHER_INFORMATION_REQUIRED", "rationale": "Invented: we need the chronology.",
        "questions": ["What contact did children's social care have in 2026?"], "informationDueOn": "2027-01-08",
        "informationFromCodes": [CAMDEN]}}, as_=PANEL)
    request_id = asked["data"]["respondToRapidReview"]["panelResponse"]["informationRequest"]["id"]
    camden = await signed_in(people, CAMDEN_LA)
    page = await camden.get(f"/console/cases/{review['caseId']}")
    assert "What contact did children&#39;s social care have in 2026?" in page.text
    assert f"/console/information-requests/{request_id}/answer" in page.text
    # an empty answer is refused with its code, and changes nothing
    empty = await camden.post(f"/console/information-requests/{request_id}/answer",
                              {"case_id": review["caseId"], "answer": " "})
    assert empty.status_code == 400 and "(REQUIRED)" in empty.text and f'href="#answer-{request_id}"' in empty.text
    # the Met, not asked, has nothing to answer; Birmingham cannot reach the request at all
    police = await signed_in(people, MET_POLICE)
    assert f"/console/information-requests/{request_id}/answer" not in (
        await police.get(f"/console/cases/{review['caseId']}")).text
    birmingham = await signed_in(people, (BIRMINGHAM, "la"))
    assert (await birmingham.post(f"/console/information-requests/{request_id}/answer",
                                  {"case_id": review["caseId"], "answer": "x"})).status_code == 404
    # when Camden answers, the request is answered and the rapid review is back with the Panel
    done = await camden.post(f"/console/information-requests/{request_id}/answer",
                             {"case_id": review["caseId"], "answer": "Invented: two home visits in March 2026."})
    assert done.status_code == 303 and done.headers["location"].endswith("?done=answered")
    seen = (await api(REVIEW, {"c": review["caseId"]}, as_=PANEL))["data"]["case"]["rapidReview"]
    assert seen["status"] == "SUBMITTED"


async def test_a_partner_writes_and_revises_its_contribution_to_the_rapid_review(
        api: Api, people: Callable[[], Person]) -> None:
    from tests.api.test_rapid_review import started

    review = await started(api)
    police = await signed_in(people, MET_POLICE)
    page = (await police.get(f"/console/cases/{review['caseId']}")).text
    assert "Your organisation&#39;s contribution" in page or "Your organisation's contribution" in page
    path = f"/console/cases/{review['caseId']}/contribution"
    assert (await police.post(path, {"summary": ""})).status_code == 400
    done = await police.post(path, {"summary": "Invented: two call-outs in 2026.", "learning": "Share earlier."})
    assert done.status_code == 303 and done.headers["location"].endswith("?done=contributed")
    # a revision names the version it revises (para 20: no edit is lost)
    stale = await police.post(path, {"summary": "Invented: revised.", "expected_version": "7"})
    assert stale.status_code == 400 and "(VERSION_CONFLICT)" in stale.text
    revised = await police.post(path, {"summary": "Invented: three call-outs in 2026.", "expected_version": "1"})
    assert revised.status_code == 303
    text = (await police.get(f"/console/cases/{review['caseId']}")).text
    assert "Invented: three call-outs in 2026." in text and "Version 2" in text
    # the Panel sees the rapid review but is not offered the form; the hub would refuse it anyway
    panel = await signed_in(people, PANEL)
    assert 'action="/console/cases/' + review["caseId"] + '/contribution"' not in (
        await panel.get(f"/console/cases/{review['caseId']}")).text
    refused = await panel.post(path, {"summary": "Invented."})
    assert refused.status_code == 403 and "(FORBIDDEN)" in refused.text


async def test_practice_reviews_are_listed_with_their_publication_clock_to_those_who_see_the_case(
        api: Api, people: Callable[[], Person]) -> None:
    from tests.api.reviews import local_review

    review = await local_review(api)
    camden = await signed_in(people, CAMDEN_LA)
    text = (await camden.get("/console/reviews")).text
    assert review["caseId"] in text and "22 December 2026" in text  # decided on
    assert "22 June 2027" in text  # published within six months of the decision (paras 41, 50)
    birmingham = await signed_in(people, (BIRMINGHAM, "la"))
    assert review["caseId"] not in (await birmingham.get("/console/reviews")).text


async def test_a_failing_webhook_delivery_is_listed_to_its_organisation_only_and_redelivered(
        api: Api, hub: Hub, people: Callable[[], Person], receiver: Receiver, real_time: FixedClock) -> None:
    # given the Panel's receiver on loopback that answers 400, which is not retried: the delivery fails
    subscription_id, _ = await subscribe(api, PANEL, receiver.url)
    receiver.statuses = [400]
    await api(NOTIFY, {"input": incident_today(real_time)}, as_=CAMDEN_LA)
    assert await deliver_once(hub) == 1
    real_time.set(real_time.now() + timedelta(hours=30))
    assert await deliver_once(hub) == 0
    delivery = (await api(DELIVERIES, {"s": subscription_id}, as_=PANEL))["data"]["webhookDeliveries"]["nodes"][0]
    assert delivery["status"] == "FAILED"
    # then the Panel's console lists it, with the receiver's answer
    panel = await signed_in(people, PANEL)
    page = await panel.get("/console/deliveries")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    assert delivery["id"] in page.text and "HTTP 400" in page.text and "Failed" in page.text
    assert "Connector calls" not in page.text  # the Panel has no connectors (connectorCalls refuses it)
    # another organisation sees none of it, and cannot redeliver it by its id
    camden = await signed_in(people, CAMDEN_LA)
    theirs = await camden.get("/console/deliveries")
    assert delivery["id"] not in theirs.text and "Connector calls" in theirs.text
    assert (await camden.post(f"/console/deliveries/{delivery['id']}/redeliver", {})).status_code == 404
    # without its CSRF token the redelivery is refused and nothing is queued
    forged = await panel.http.post(f"/console/deliveries/{delivery['id']}/redeliver", data={})
    assert forged.status_code == 403
    assert (await api(DELIVERIES, {"s": subscription_id}, as_=PANEL))["data"]["webhookDeliveries"][
        "nodes"][0]["status"] == "FAILED"
    # when the Panel redelivers it, the same hub function as redeliverWebhook queues it, audited by that name
    done = await panel.post(f"/console/deliveries/{delivery['id']}/redeliver", {})
    assert done.status_code == 303 and done.headers["location"] == "/console/deliveries?done=redelivered"
    assert (await api(DELIVERIES, {"s": subscription_id}, as_=PANEL))["data"]["webhookDeliveries"][
        "nodes"][0]["status"] == "PENDING"
    async with hub.sessions() as session:
        audited = (await session.execute(select(col(AuditEntry.action)).where(
            col(AuditEntry.client_id) == "console:PANEL"))).scalars().all()
    assert "redeliverWebhook" in audited
    # and the worker delivers it now under the same webhook-id; it is no longer failing
    assert await deliver_once(hub) == 1
    assert receiver.received[-1][0]["webhook-id"] == delivery["id"]
    assert delivery["id"] not in (await panel.get("/console/deliveries")).text


STAT_ROW = re.compile(r'<tr class="govuk-table__row">\s*<th scope="row" class="govuk-table__header">([^<]+)</th>\s*'
                      r'(?:<td class="govuk-table__cell">([^<]*)</td>\s*)?'
                      r'<td class="govuk-table__cell govuk-table__cell--numeric">(?:<abbr title="confidential">(c)</abbr>|(\d+))</td>')
STAT_TOTAL = re.compile(r'>Total</th>\s*<td[^>]*><strong>(?:<abbr title="confidential">(c)</abbr>|(\d+))</strong>')


def shown_statistics(page: str) -> tuple[list[tuple[str, str, int | None]], int | None]:
    rows = [(q, v or "", None if c else int(n)) for q, v, c, n in STAT_ROW.findall(page)]
    total = STAT_TOTAL.search(page)
    assert total, page[-3000:]
    return rows, None if total.group(1) else int(total.group(2))


async def test_the_statistics_page_shows_the_panel_exact_counts_and_a_council_what_graphql_gives_it(
        api: Api, people: Callable[[], Person], clock: FixedClock) -> None:
    from tests.api.test_national_statistics import FROM, TO, build, statistics

    counted = await build(api, clock)
    query = "/console/statistics?from-day=1&from-month=4&from-year=2025&to-day=31&to-month=3&to-year=2027"
    for who in (PANEL, CAMDEN_LA):
        person = await signed_in(people, who)
        for dimension, field in (("", None), ("AGE_GROUP", "ageGroup"), ("REGION", "region")):
            page = await person.get(f"{query}&dimension={dimension}")
            assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
            table = await statistics(api, ["QUARTER", *([dimension] if dimension else [])], who, FROM, TO)
            expected = [(r["quarter"], r[field] if field else "", r["count"]) for r in table["rows"]]
            assert shown_statistics(page.text) == (expected, table["total"]), (who, dimension)
            if who == PANEL:  # exact: every notification counted, nothing suppressed
                assert table["total"] == len(counted) and all(n is not None for _, _, n in expected)
    # the council's table is the public one: something in it is suppressed, and only complete quarters show
    council = await signed_in(people, CAMDEN_LA)
    rows, _ = shown_statistics((await council.get(f"{query}&dimension=AGE_GROUP")).text)
    assert any(n is None for _, _, n in rows) and "2026-27 Q4" not in {q for q, _, _ in rows}
    # a period that ends before it starts, a date that is no date and an unknown dimension are refused
    for bad in ("?from-day=2&from-month=4&from-year=2026&to-day=1&to-month=4&to-year=2026",
                "?from-day=31&from-month=2&from-year=2026", "?dimension=COLOUR"):
        refused = await council.get(f"/console/statistics{bad}")
        assert refused.status_code == 400 and "There is a problem" in refused.text, bad


async def test_a_failing_connector_call_is_listed_to_the_connector_owner_only(
        api: Api, hub: Hub, people: Callable[[], Person]) -> None:
    from connectors.framework import ConnectorWorker
    from hub.connector import AuthMethod, ConnectorConfig, ConnectorKind
    from tests.api.test_connectors import CALLS, add, panel_asks
    from tests.conftest import free_port

    # given Camden's connector to a system that is down (nothing listens on its port), and a request pushed to it
    down = await add(hub, CAMDEN, ConnectorConfig(kind=ConnectorKind.REST, base_url=f"http://127.0.0.1:{free_port()}",
                                                  auth=AuthMethod.BEARER), bearer_token="invented-token")
    review, _ = await panel_asks(api, CAMDEN)
    worker = ConnectorWorker(sessions=hub.sessions, clock=hub.clock, sealer=hub.sealer(), hub_url="http://hub.invalid",
                             allow_private=True)
    try:
        assert await worker.run_once() == 1
    finally:
        await worker.aclose()
    call = (await api(CALLS, {"c": down.id}, as_=CAMDEN_LA))["data"]["connectorCalls"]["nodes"][0]
    assert call["status"] == "PENDING"
    # then Camden's console lists the call being retried, with its case and the error
    camden = await signed_in(people, CAMDEN_LA)
    page = (await camden.get("/console/deliveries")).text
    assert f"/console/cases/{review['caseId']}" in page and "ConnectError" in page and "Retrying" in page
    assert "invented-token" not in page
    # and the Metropolitan Police, a partner in the same case without that connector, sees no call of Camden's
    police = (await (await signed_in(people, MET_POLICE)).get("/console/deliveries")).text
    assert "Connector calls" in police and "ConnectError" not in police
