"""Many agency systems write at once: on the embedded database every unit of work waits its turn
instead of failing with "database is locked", and nothing accepted is lost."""

from __future__ import annotations

import asyncio

from tests.api.test_notification import NOTIFY, serious_incident
from tests.conftest import Api

AREAS = ["E09000002", "E09000003", "E09000004", "E09000005", "E09000006", "E09000007", "E09000008",
         "E09000009", "E09000010", "E09000011", "E09000013", "E09000014", "E09000015", "E09000016",
         "E09000017", "E09000018"]


async def test_sixteen_notifications_sent_at_once_are_all_accepted(api: Api) -> None:
    for code in AREAS:  # tokens first, so the writes below are the notifications alone
        await api.token(code, "la")

    async def notify(n: int, code: str) -> dict[str, object]:
        child = {"firstName": "Ola", "lastName": f"Concurrent{n}", "dateOfBirth": "2026-03-01", "sex": "MALE",
                 "lookedAfter": False, "onChildProtectionPlan": False}
        return await api(NOTIFY, {"input": serious_incident(child=child)}, as_=(code, "la"))

    bodies = await asyncio.gather(*(notify(n, code) for n, code in enumerate(AREAS)))
    assert [b.get("errors") for b in bodies] == [None] * len(AREAS)
    payloads = [b["data"]["notifySeriousIncident"] for b in bodies]  # type: ignore[index]
    assert [p["errors"] for p in payloads] == [[]] * len(AREAS)
    references = {p["case"]["reference"] for p in payloads}
    assert len(references) == len(AREAS)
