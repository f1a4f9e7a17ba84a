"""Calendar feeds (RFC 5545): the deadlines an organisation owes, at a secret address, parsed with icalendar."""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx2
import icalendar
import pytest

from app.calendar import RedactFeedSecrets, escape, fold, write
from hub.calendar_feed import STEPS, Event
from hub.clock import LONDON
from hub.reminders import DeadlineKind
from tests.api.test_handoff import ACCEPT, HAND_OFF
from tests.api.test_notification import BIRMINGHAM, CAMDEN, MET, NOTIFY, serious_incident
from tests.api.test_rapid_review import (
    CONTRIBUTE,
    RESPOND,
    START,
    SUBMISSION,
    SUBMIT,
    contributed_by_all,
    icb,
    panel_decision,
    signed_off,
)
from tests.conftest import Api

CREATE = """mutation($i: CalendarFeedInput) { createCalendarFeed(input: $i) {
  feed { id url label revoked createdAt } errors { code field message } } }"""
REVOKE = """mutation($id: ID!) { revokeCalendarFeed(id: $id) { feed { id revoked url } errors { code field message } } }"""
FEEDS = "{ calendarFeeds { id label revoked url createdAt } }"
DEADLINES = """{ deadlines(first: 100) { nodes { kind subjectId dueOn basis owedBy { code } case { id reference } } } }"""
LA, POLICE, PANEL = (CAMDEN, "la"), (MET, "police"), ("PANEL", "panel")
NAMED_CHILD = {"firstName": "Zephyrine", "lastName": "Quillfeather", "dateOfBirth": "2025-07-19", "sex": "FEMALE",
               "lookedAfter": False, "onChildProtectionPlan": True}


async def new_feed(api: Api, who: tuple[str, str], label: str | None = None) -> dict[str, Any]:
    body = await api(CREATE, {"i": {"label": label}} if label else {}, as_=who)
    payload = body["data"]["createCalendarFeed"]
    assert payload["errors"] == [], payload
    feed: dict[str, Any] = payload["feed"]
    return feed


async def fetch(http: httpx2.AsyncClient, url: str) -> httpx2.Response:
    return await http.get(urlsplit(url).path)


async def events(http: httpx2.AsyncClient, url: str) -> list[Any]:
    """The feed's VEVENTs (as Any: icalendar's property types are a wide union)."""
    response = await fetch(http, url)
    assert response.status_code == 200, response.text
    return list(icalendar.Calendar.from_ical(response.content).walk("VEVENT"))


async def notify(api: Api, **overrides: Any) -> dict[str, Any]:
    body = await api(NOTIFY, {"input": serious_incident(child=NAMED_CHILD, **overrides)}, as_=LA)
    case: dict[str, Any] = body["data"]["notifySeriousIncident"]["case"]
    return case


def step(kind: str) -> str:
    return STEPS[DeadlineKind(kind)]


def owed_by(deadlines: list[dict[str, Any]], code: str) -> list[dict[str, Any]]:
    return [d for d in deadlines if code in {o["code"] for o in d["owedBy"]}]


def alarm_of(event: Any) -> datetime:
    alarms = list(event.walk("VALARM"))
    assert len(alarms) == 1
    trigger: datetime = alarms[0]["TRIGGER"].dt
    return trigger


@pytest.mark.rule("calendar-feed-deadlines", "calendar-feed-alarm")
async def test_a_feed_carries_each_deadline_the_organisation_owes_as_the_deadlines_query_shows_it(
    api: Api, client: httpx2.AsyncClient
) -> None:
    # given a notified case awaiting its rapid review, and a submitted one on which the Panel asks the police
    await notify(api)
    review = await contributed_by_all(api, child=NAMED_CHILD)
    await signed_off(api, review["id"])
    assert (await api(SUBMIT, {"r": review["id"], "i": SUBMISSION}, as_=LA))["data"]["submitRapidReview"]["errors"] == []
    asked = await api(RESPOND, {"r": review["id"], "i": panel_decision(
        "FURTHER_INFORMATION_REQUIRED", "More.", questions=["Chronology?"], informationDueOn="2027-01-08",
        informationFromCodes=[MET])}, as_=PANEL)
    assert asked["data"]["respondToRapidReview"]["errors"] == []

    for who in (LA, POLICE, PANEL):
        feed = await new_feed(api, who, label=f"{who[1]} deadlines")
        shown = (await api(DEADLINES, as_=who))["data"]["deadlines"]["nodes"]
        expected = shown if who is PANEL else owed_by(shown, who[0])
        assert expected, who

        # when the feed is read twice
        first, again = await events(client, feed["url"]), await events(client, feed["url"])

        # then it has one event per deadline owed, on its due date, with the step, the reference and the basis
        assert sorted((e["DTSTART"].dt, str(e["SUMMARY"])) for e in first) == sorted(
            (date.fromisoformat(d["dueOn"]), f"{step(d['kind'])}: case {d['case']['reference']}") for d in expected)
        for event in first:
            assert type(event["DTSTART"].dt) is date  # all-day
            due = event["DTSTART"].dt
            deadline = next(d for d in expected if date.fromisoformat(d["dueOn"]) == due
                            and d["case"]["reference"] in str(event["SUMMARY"]))
            description = str(event["DESCRIPTION"])
            assert deadline["basis"] in description
            assert f"http://127.0.0.1:8000/console/cases/{deadline['case']['id']}" in description
            assert event["DTSTAMP"].dt.tzinfo is not None
        assert [str(e["UID"]) for e in first] == [str(e["UID"]) for e in again]
        assert len({str(e["UID"]) for e in first}) == len(first)

    # the rapid review of the notified case is due Friday 15 January 2027: reminded on Tuesday 12th at 09:00
    owed = await events(client, (await new_feed(api, LA))["url"])
    rapid = [e for e in owed if e["DTSTART"].dt == date(2027, 1, 15)]
    assert rapid and all(alarm_of(e) == datetime(2027, 1, 12, 9, 0, tzinfo=LONDON) for e in rapid)
    # the police owe the information by Friday 8 January: three working days before is Tuesday 5th
    police = await events(client, (await new_feed(api, POLICE))["url"])
    assert [(e["DTSTART"].dt, alarm_of(e)) for e in police] == [
        (date(2027, 1, 8), datetime(2027, 1, 5, 9, 0, tzinfo=LONDON))]


@pytest.mark.rule("calendar-feed-deadlines")
async def test_a_feed_never_carries_the_childs_details(api: Api, client: httpx2.AsyncClient) -> None:
    case = await notify(api)
    for who in (LA, PANEL):
        response = await fetch(client, (await new_feed(api, who))["url"])
        text = response.content.decode()
        assert case["reference"] in text
        for detail in ("Zephyrine", "Quillfeather", "2025-07-19", "20250719", "unresponsive", "neglect"):
            assert detail.lower() not in text.lower(), (who, detail)


async def test_the_feed_is_private_text_calendar_without_a_token(api: Api, client: httpx2.AsyncClient) -> None:
    await notify(api)
    feed = await new_feed(api, LA)
    assert urlsplit(feed["url"]).path == f"/calendar/{feed['id']}.{feed['url'].rsplit('.', 2)[1]}.ics"
    response = await fetch(client, feed["url"])
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    assert response.headers["cache-control"] == "private, no-store"
    calendar = icalendar.Calendar.from_ical(response.content)
    assert str(calendar["VERSION"]) == "2.0" and str(calendar["PRODID"])
    assert all(len(line.encode()) <= 75 for line in response.content.decode().split("\r\n"))
    assert response.content.endswith(b"END:VCALENDAR\r\n")


async def test_a_deadline_met_leaves_the_feed_and_its_uid_holds_while_it_is_owed(
    api: Api, client: httpx2.AsyncClient
) -> None:
    feed = await new_feed(api, LA)
    case = await notify(api)
    [before] = await events(client, feed["url"])  # owed from the notification, before the review is started
    started = await api(START, {"c": case["id"]}, as_=LA)
    review = started["data"]["startRapidReview"]["rapidReview"]
    [after] = await events(client, feed["url"])
    assert str(after["UID"]) == str(before["UID"]) and after["DTSTART"].dt == before["DTSTART"].dt

    # when the rapid review is submitted to the Panel, the step is no longer owed
    for who in [LA, POLICE, (await icb(api), "health")]:
        await api(CONTRIBUTE, {"r": review["id"], "i": {"summary": "Facts."}}, as_=who)
    await signed_off(api, review["id"])
    assert (await api(SUBMIT, {"r": review["id"], "i": SUBMISSION}, as_=LA))["data"]["submitRapidReview"]["errors"] == []
    assert await events(client, feed["url"]) == []


async def test_revocation_answers_404_at_once_and_a_wrong_secret_404(api: Api, client: httpx2.AsyncClient) -> None:
    await notify(api)
    feed = await new_feed(api, LA, label="Safeguarding team")
    other = await new_feed(api, LA)
    assert (await fetch(client, feed["url"])).status_code == 200

    # a wrong secret, a missing one and an unknown feed are all 404, and never cached
    path = urlsplit(feed["url"]).path
    secret = path.rsplit(".", 2)[1]
    wrong = path.replace(secret, secret[:-1] + ("A" if secret[-1] != "A" else "B"))
    for bad in (wrong, f"/calendar/{feed['id']}.ics", f"/calendar/{feed['id']}..ics",
                path.replace(feed["id"], other["id"]), "/calendar/nothing.ics"):
        response = await client.get(bad)
        assert response.status_code == 404, bad
        assert response.headers["cache-control"] == "private, no-store"

    # the listing shows the feeds, never their addresses
    listed = (await api(FEEDS, as_=LA))["data"]["calendarFeeds"]
    assert [(f["id"], f["label"], f["revoked"], f["url"]) for f in listed] == [
        (feed["id"], "Safeguarding team", False, None), (other["id"], None, False, None)]

    # another organisation can neither see nor revoke it
    assert (await api(FEEDS, as_=POLICE))["data"]["calendarFeeds"] == []
    refused = (await api(REVOKE, {"id": feed["id"]}, as_=POLICE))["data"]["revokeCalendarFeed"]
    assert refused == {"feed": None, "errors": [{"code": "NOT_FOUND", "field": ["id"], "message": "no such calendar feed"}]}
    assert (await fetch(client, feed["url"])).status_code == 200

    # revoked by its organisation, it answers 404 at once; the other feed still works
    revoked = (await api(REVOKE, {"id": feed["id"]}, as_=LA))["data"]["revokeCalendarFeed"]
    assert revoked == {"feed": {"id": feed["id"], "revoked": True, "url": None}, "errors": []}
    assert (await fetch(client, feed["url"])).status_code == 404
    assert (await fetch(client, other["url"])).status_code == 200
    listed = (await api(FEEDS, as_=LA))["data"]["calendarFeeds"]
    assert [f["revoked"] for f in listed] == [True, False]


async def test_a_label_too_long_is_refused(api: Api) -> None:
    body = await api(CREATE, {"i": {"label": "x" * 101}}, as_=LA)
    assert body["data"]["createCalendarFeed"] == {"feed": None, "errors": [
        {"code": "TOO_LONG", "field": ["input", "label"], "message": "at most 100 characters"}]}
    assert (await api(FEEDS, as_=LA))["data"]["calendarFeeds"] == []


def test_text_is_escaped_and_long_lines_folded_between_characters() -> None:
    description = "Owed by: Ærøskøbing Council; Police, Health\\Care.\n" + "Ünïcödé " * 30
    text = write([Event(uid="a,b;c@cspr-hub", due_on=date(2027, 1, 15),
                        alarm_at=datetime(2027, 1, 12, 9, 0, tzinfo=LONDON), summary="Due: case X, Y; Z",
                        description=description, url="http://hub.example/console/cases/1")],
                 name="Team; A, B", stamp=datetime(2026, 12, 22, 11, 0, tzinfo=LONDON))
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    assert "\n" not in text.replace("\r\n", "")
    [event] = list[Any](icalendar.Calendar.from_ical(text).walk("VEVENT"))
    assert str(event["DESCRIPTION"]) == description
    assert str(event["SUMMARY"]) == "Due: case X, Y; Z"
    assert str(event["UID"]) == "a,b;c@cspr-hub"
    assert escape("a\\b;c,d\ne") == "a\\\\b\\;c\\,d\\ne"
    assert fold("é" * 40).split("\r\n ")[0].encode().__len__() <= 75


@pytest.mark.rule("calendar-feed-deadlines")
async def test_a_deadline_handed_to_another_area_moves_to_that_areas_feed(api: Api, client: httpx2.AsyncClient) -> None:
    camden, birmingham = await new_feed(api, LA), await new_feed(api, (BIRMINGHAM, "la"))
    case = await notify(api)
    [owed] = await events(client, camden["url"])
    assert await events(client, birmingham["url"]) == []

    # when Birmingham accepts the case, the rapid review not yet started is owed there
    proposed = await api(HAND_OFF, {"c": case["id"], "i": {"toLocalAuthorityCode": BIRMINGHAM, "reason": "Moved."}},
                         as_=LA)
    handoff = proposed["data"]["handOffCase"]["handoff"]
    assert (await api(ACCEPT, {"h": handoff["id"]}, as_=(BIRMINGHAM, "la")))["data"]["acceptCaseHandoff"]["errors"] == []

    # then it leaves Camden's calendar and appears, the same event, in Birmingham's
    assert await events(client, camden["url"]) == []
    [moved] = await events(client, birmingham["url"])
    assert (str(moved["UID"]), moved["DTSTART"].dt) == (str(owed["UID"]), owed["DTSTART"].dt)


def test_a_feeds_secret_never_reaches_the_access_log(client: httpx2.AsyncClient) -> None:
    access = logging.getLogger("uvicorn.access")
    assert any(isinstance(f, RedactFeedSecrets) for f in access.filters)  # installed by create_app
    path = "/calendar/0190f0e2-0000-7000-8000-000000000001.Zm9vYmFyYmF6-_x.ics"
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
                               ("127.0.0.1:5000", "GET", path, "1.1", 200), None)
    assert RedactFeedSecrets().filter(record)
    line = record.getMessage()
    assert "Zm9vYmFyYmF6" not in line
    assert "/calendar/0190f0e2-0000-7000-8000-000000000001.[secret].ics" in line
