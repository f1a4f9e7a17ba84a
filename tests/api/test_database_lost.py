"""The database connection lost mid-request (a fail-over, a restart, `pg_terminate_backend`): a mutation
cut off before its commit runs again on a new connection and is done once; a query says what happened
with a stable code, never "Internal server error" and never the statement."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event, func, select

from app.main import Hub
from hub import models
from tests.api.test_notification import NOTIFY, serious_incident
from tests.conftest import Api

CAMDEN = "E09000007"


class Terminator:
    """Terminates the database session serving the next statement that contains ``marker``: a real
    PostgreSQL backend ended by the server, as an operator's `pg_terminate_backend` would."""

    def __init__(self) -> None:
        self.marker: str | None = None
        self.done = 0

    def __call__(self, _conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        if self.marker is not None and self.marker in statement:
            self.marker = None
            self.done += 1
            cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")


@pytest.fixture
def terminator(hub: Hub) -> Iterator[Terminator]:
    if hub.engine.dialect.name != "postgresql":
        pytest.skip("SQLite is a file in this process: there is no server session to lose")
    found = Terminator()
    event.listen(hub.engine.sync_engine, "before_cursor_execute", found)
    yield found
    event.remove(hub.engine.sync_engine, "before_cursor_execute", found)


async def test_a_notification_cut_off_before_its_commit_is_made_once_on_a_new_connection(
        api: Api, hub: Hub, terminator: Terminator) -> None:
    await api.token(CAMDEN, "la")
    terminator.marker = "INSERT INTO notification"
    body = await api(NOTIFY, {"input": serious_incident()}, as_=(CAMDEN, "la"))
    assert terminator.done == 1
    assert "errors" not in body, body
    assert body["data"]["notifySeriousIncident"]["errors"] == []
    async with hub.sessions() as session:
        assert (await session.execute(select(func.count()).select_from(models.Notification))).scalar_one() == 1


async def test_a_query_cut_off_says_the_database_was_lost_and_the_next_one_is_answered(
        api: Api, terminator: Terminator) -> None:
    body = await api(NOTIFY, {"input": serious_incident()}, as_=(CAMDEN, "la"))
    case_id = body["data"]["notifySeriousIncident"]["case"]["id"]
    query = "query($id: ID!) { case(id: $id) { reference } }"
    terminator.marker = 'FROM "case"'
    lost = await api(query, {"id": case_id}, as_=(CAMDEN, "la"))
    assert terminator.done == 1
    assert [e["extensions"]["code"] for e in lost["errors"]] == ["DATABASE_UNAVAILABLE"]
    assert "SELECT" not in lost["errors"][0]["message"] and "try again" in lost["errors"][0]["message"]
    again = await api(query, {"id": case_id}, as_=(CAMDEN, "la"))
    assert "errors" not in again and again["data"]["case"]["reference"]
