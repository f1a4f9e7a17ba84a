"""The national readers' hot reads keep plans that stop at the page, whatever the number of cases.

The Panel sees every notified case and Ofsted and DfE a copy of every notification (para 13): a plan that read
each of their cases and sorted them all took about a second with 100,000 cases (README, "Speed"). SQLite's
plans do not depend on the data (the hub keeps no statistics), so they are asserted on an empty database:
the page walks its index in its own order (no temporary B-tree for the whole ORDER BY), and a visible case is
probed from an index alone.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.main import Hub
from hub import inbox, paging, queues
from hub.models import Case, Organisation, RapidReview, RoutedMessage
from hub.principal import Principal
from hub.store import transaction
from hub.visibility import visible_cases
from hub.vocabulary import EventType, Role

TODAY = date(2026, 12, 22)
NATIONAL = [("PANEL", Role.PANEL), ("OFSTED", Role.OFSTED), ("DFE", Role.DFE)]


@pytest.fixture
def sqlite_hub(hub: Hub) -> Hub:
    if hub.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL chooses plans from its statistics, not from the statement")
    return hub


async def _principal(session: AsyncSession, code: str, role: Role) -> Principal:
    found = (await session.execute(select(col(Organisation.id)).where(col(Organisation.code) == code))).scalar_one()
    return Principal(found, code, role, ())


async def _plans(hub: Hub, read: Callable[[AsyncSession], Awaitable[Any]]) -> list[str]:
    """The plan of every statement ``read`` sends, each as one text."""
    sent: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        sent.append((statement, parameters))

    async with transaction(hub.sessions) as session:
        connection = await session.connection()
        event.listen(connection.sync_connection, "before_cursor_execute", record)
        try:
            await read(session)
        finally:
            event.remove(connection.sync_connection, "before_cursor_execute", record)
        plans = []
        for statement, parameters in sent:
            rows = await connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
            plans.append(" | ".join(str(r[-1]) for r in rows.all()))
    return plans


@pytest.mark.parametrize(("code", "role"), NATIONAL)
async def test_a_national_readers_cases_page_walks_the_cases_newest_first_and_stops(
    sqlite_hub: Hub, code: str, role: Role
) -> None:
    async def read(session: AsyncSession) -> None:
        visible = await visible_cases(session, await _principal(session, code, role), TODAY)
        await paging.newest_first(session, Case, [visible], after=None, size=50)

    page = (await _plans(sqlite_hub, read))[-1]
    assert "SCAN case USING INDEX ix_case_created_at" in page, page
    assert "USE TEMP B-TREE FOR ORDER BY" not in page, page
    if role is not Role.PANEL:
        assert "USING COVERING INDEX ix_routed_message_case_recipient" in page, page


async def test_the_panels_queue_probes_each_awaiting_review_rather_than_reading_every_case(sqlite_hub: Hub) -> None:
    async def read(session: AsyncSession) -> None:
        panel = await _principal(session, "PANEL", Role.PANEL)
        visible = await visible_cases(session, panel, TODAY)
        where = queues.rapid_review_conditions(queues.RapidReviewQuery(awaiting_panel=True), visible=visible,
                                               principal=panel, today=TODAY)
        await paging.keyset(session, RapidReview, where, after=None, size=50, by="queued_at", newest=False)

    queue = (await _plans(sqlite_hub, read))[-1]
    assert "SEARCH rapid_review USING INDEX ix_rapid_review_status" in queue, queue
    assert "SCAN case" not in queue and "LIST SUBQUERY" not in queue.split("CORRELATED")[0], queue


@pytest.mark.parametrize(("code", "role"), [("OFSTED", Role.OFSTED), ("DFE", Role.DFE)])
async def test_an_inbox_page_is_read_in_the_recipient_index_order(sqlite_hub: Hub, code: str, role: Role) -> None:
    async def read(session: AsyncSession) -> None:
        await inbox.page(session, await _principal(session, code, role), inbox.InboxFilter(), after=None, size=50)

    pages = (await _plans(sqlite_hub, read))[1:]  # after the principal's lookup: one per inbox code
    assert len(pages) == (2 if role is Role.DFE else 1)
    for page in pages:
        assert "SEARCH routed_message USING INDEX ix_routed_message_recipient (recipient_id=?)" in page, page
        assert "USE TEMP B-TREE FOR ORDER BY" not in page, page


async def test_the_inbox_page_is_the_page_of_one_statement_over_every_inbox_code(hub: Hub) -> None:
    # given messages to DfE and to the Secretary of State (DfE's inbox holds both), some at the same instant
    async with transaction(hub.sessions) as session:
        dfe = await _principal(session, "DFE", Role.DFE)
        sos = (await session.execute(select(col(Organisation.id)).where(col(Organisation.code) == "SOS"))).scalar_one()
        for n in range(7):
            for recipient in (dfe.organisation_id, sos):
                session.add(RoutedMessage(recipient_id=recipient, event_type=EventType.NOTIFICATION_SUBMITTED.value,
                                          basis="invented", created_at=datetime(2026, 12, 10 + n // 2, 9, tzinfo=UTC)))
    # when the inbox is read three at a time, then as one statement over both codes would read it
    async with hub.sessions() as session:
        pages, after = [], None
        while True:
            page = await inbox.page(session, dfe, inbox.InboxFilter(), after=after, size=3)
            pages.append([m.id for m in page.rows])
            if not page.more:
                break
            last = page.rows[-1]
            after = paging.Position(last.created_at, last.id)
        one = await paging.newest_first(session, RoutedMessage, inbox.conditions(dfe, inbox.InboxFilter()),
                                        after=None, size=100)
    # then the pages, in order, are that one statement's rows
    assert [i for p in pages for i in p] == [m.id for m in one.rows]
    assert [len(p) for p in pages] == [3, 3, 3, 3, 2]
