"""``cspr-hub demo``: a case at every stage, visible over GraphQL afterwards; refused in production and beside
cases that are not demo cases."""

from __future__ import annotations

from dataclasses import replace

import pytest

from app import demo
from app.main import Hub
from app.settings import Environment
from hub.naming import Identity, naming_problems
from tests.api.test_notification import CAMDEN, NOTIFY, case_rows, serious_incident
from tests.conftest import Api

CASES = """{ cases(first: 50) { totalCount nodes { reference status incident { summary }
  rapidReview { status awaitingPanel } reviews { kind status } } } }"""
QUEUE = "{ rapidReviews(filter: {awaitingPanel: true}) { nodes { status case { reference } } } }"
INBOX = """query($f: InboxFilter) { inbox(filter: $f) { nodes { eventType basis case { reference } } } }"""
PUBLISHED = "{ publishedReports { totalCount nodes { title text } } }"


async def test_the_demo_makes_a_case_at_every_stage_each_visible_over_graphql(api: Api, hub: Hub) -> None:
    made = await demo.load(hub)
    assert len(made) == len(demo.STAGES) == 9
    ref = {m.stage.split(":")[0].split(",")[0].split(";")[0]: m.reference for m in made}
    seen = (await api(CASES, as_=(CAMDEN, "la")))["data"]["cases"]
    cases = {c["reference"]: c for c in seen["nodes"]}
    assert set(cases) == {m.reference for m in made}
    assert all(c["status"] == "NOTIFIED" and c["incident"]["summary"].startswith(demo.DEMO_MARK)
               for c in cases.values())
    assert cases[ref["notified"]]["rapidReview"] is None
    assert cases[ref["rapid review being written"]]["rapidReview"]["status"] == "IN_PROGRESS"
    assert cases[ref["further information requested by the Panel (para 24)"]]["rapidReview"]["status"] == (
        "FURTHER_INFORMATION_REQUESTED")
    assert cases[ref["local review commissioned (paras 16"]]["reviews"] == [{"kind": "LOCAL", "status": "COMMISSIONED"}]
    assert cases[ref["national review commissioned"]]["reviews"] == [{"kind": "NATIONAL", "status": "COMMISSIONED"}]
    assert cases[ref["report scheduled"]]["reviews"] == [{"kind": "LOCAL", "status": "PUBLICATION_SCHEDULED"}]
    assert cases[ref["report published (para 38"]]["reviews"] == [{"kind": "LOCAL", "status": "PUBLISHED"}]
    # the Panel's queue has the submitted rapid review, not the one it asked further information on
    queue = {r["case"]["reference"] for r in (await api(QUEUE, as_=("PANEL", "panel")))["data"]["rapidReviews"]["nodes"]}
    assert ref["rapid review submitted"] in queue
    assert ref["further information requested by the Panel (para 24)"] not in queue
    # the proposed hand-off reached Birmingham (which sees the case itself only once it accepts)
    told = (await api(INBOX, {"f": {"eventTypes": ["case.handoff_requested"]}}, as_=("E08000025", "la")))
    assert [m["basis"] for m in told["data"]["inbox"]["nodes"]] == ["WT2018 ch4 para 12, footnote 77"]
    assert ref["hand-off to Birmingham proposed (para 12"] in cases
    asked = (await api(INBOX, {"f": {"eventTypes": ["information.requested"]}}, as_=("E23000001", "police")))
    assert ref["further information requested by the Panel (para 24)"] in {
        m["case"]["reference"] for m in asked["data"]["inbox"]["nodes"]}
    # the one published report is public, and names none of the invented children (para 39)
    published = (await api.post(PUBLISHED)).json()["data"]["publishedReports"]
    assert published["totalCount"] == 1
    children = [Identity(c.first_name, c.last_name, c.date_of_birth) for c in demo.CHILDREN]
    report = published["nodes"][0]
    assert naming_problems([(("title",), report["title"]), (("text",), report["text"])], children,
                           justification=None) == []


@pytest.mark.rule("report-names-child")
def test_every_invented_child_would_be_caught_by_the_para_39_check_if_named_in_a_title() -> None:
    for child in demo.CHILDREN:
        identity = [Identity(child.first_name, child.last_name, child.date_of_birth)]
        for leaked in (f"A review: {child.first_name}", f"The {child.last_name} family review",
                       f"Born {child.date_of_birth:%-d %B %Y}"):
            problems = naming_problems([(("title",), leaked)], identity, justification=None)
            assert [p.code for p in problems] == ["NAMES_CHILD"], leaked


async def test_a_second_demo_run_adds_to_a_demo_database(hub: Hub) -> None:
    first = await demo.load(hub)
    second = await demo.load(hub)
    assert len({m.reference for m in first + second}) == 18


async def test_the_demo_refuses_a_database_holding_cases_that_are_not_demo_cases(api: Api, hub: Hub) -> None:
    body = await api(NOTIFY, {"input": serious_incident()}, as_=(CAMDEN, "la"))
    assert body["data"]["notifySeriousIncident"]["errors"] == []
    before = await case_rows(hub)
    with pytest.raises(demo.DemoRefused, match="1 case"):
        await demo.load(hub)
    assert await case_rows(hub) == before


async def test_the_demo_refuses_production(hub: Hub) -> None:
    production = replace(hub.settings, environment=Environment.PRODUCTION, secret_keys=hub.settings.sealing_keys())
    with pytest.raises(demo.DemoRefused, match="production"):
        await demo.load(Hub(production, hub.clock, hub.engine, hub.sessions, ready=True))
    assert await case_rows(hub) == 0
