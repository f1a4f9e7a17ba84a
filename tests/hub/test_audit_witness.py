"""The audit trail's witness (DPA 2018 s62): the worker sends a signed checkpoint, at start and each day, to a
file or a webhook kept outside the hub, so that a trail cut short can be shown to be."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from app import worker
from app.main import Hub
from app.settings import Settings, SettingsError
from hub import audit
from hub.webhooks import new_secret
from tests.conftest import serving
from tests.hub.test_audit import FIVE, against, append, checkpoint_of, cspr_hub, tamper, trail

__all__ = ["trail"]  # the fixture, shared with the trail's own tests


@pytest.mark.rule("audit-anchored")
async def test_the_worker_sends_a_checkpoint_to_the_witness_file_at_start_and_each_day(
    trail: Hub, tmp_path: Path, database_url: str
) -> None:
    assert Settings.from_env({"CSPR_HUB_AUDIT_WITNESS": "/srv/witness/audit.jsonl"}).audit_witness == (
        "/srv/witness/audit.jsonl")
    kept = tmp_path / "witness.jsonl"
    await append(trail, *FIVE[:2])
    # when the witness loop starts, it sends one at once
    stop = asyncio.Event()
    task = asyncio.create_task(worker.witness(trail, stop, to=kept, every_seconds=3600))
    for _ in range(200):
        if kept.exists():
            break
        await asyncio.sleep(0.05)
    stop.set()
    await asyncio.wait_for(task, timeout=10)
    # and the next day's is appended below it
    await append(trail, *FIVE[2:])
    assert await worker.send_checkpoint(trail, kept) is not None
    keys = trail.settings.audit_keys()
    sent = [audit.Checkpoint.opened(line, keys) for line in kept.read_text().splitlines()]
    assert [p.length for p in sent] == [2, 5]
    assert await against(trail, sent[-1]) == []
    # and `audit verify --checkpoint` reads the witness file's newest line
    held = cspr_hub("audit", "verify", "--database-url", database_url, "--checkpoint", str(kept))
    assert (held.returncode, held.stdout.startswith("audit chain intact: 5 entries, the first 5")) == (0, True)
    # but a broken chain gets none: a checkpoint would vouch for the tampering
    await tamper(trail, "UPDATE audit_entry SET action = 'read:inbox' WHERE seq = 1")
    assert await worker.send_checkpoint(trail, kept) is None
    assert len(kept.read_text().splitlines()) == 2


class Witness:
    """A witness on loopback that checks each post as Standard Webhooks and keeps the checkpoints it accepted."""

    def __init__(self, secret: str, statuses: list[int]) -> None:
        from standardwebhooks.webhooks import Webhook

        self.webhook, self.statuses = Webhook(secret), statuses
        self.ids: list[str] = []
        self.kept: list[str] = []

    async def endpoint(self, request: Any) -> Any:
        from starlette.responses import Response

        body = await request.body()
        self.webhook.verify(body, dict(request.headers))  # raises on a bad signature: a 500 the sender would retry
        self.ids.append(request.headers["webhook-id"])
        status = self.statuses.pop(0) if self.statuses else 204
        if status < 300:
            self.kept.append(body.decode())
        return Response(status_code=status)


@contextlib.asynccontextmanager
async def witness_on_loopback(secret: str, statuses: list[int]) -> AsyncIterator[tuple[Witness, str]]:
    from starlette.applications import Starlette
    from starlette.routing import Route

    found = Witness(secret, statuses)
    async with serving(Starlette(routes=[Route("/witness", found.endpoint, methods=["POST"])])) as base:
        yield found, f"{base}/witness"


def test_a_witness_url_needs_https_on_a_public_host_and_a_signing_secret() -> None:
    secret = new_secret()
    made = Settings.from_env({"CSPR_HUB_AUDIT_WITNESS": "https://witness.example.org/cspr",
                              "CSPR_HUB_AUDIT_WITNESS_SECRET": secret})
    assert (made.audit_witness, made.audit_witness_secret, secret in repr(made)) == (
        "https://witness.example.org/cspr", secret, False)
    for env in ({"CSPR_HUB_AUDIT_WITNESS": "https://witness.example.org/cspr"},  # no secret
                {"CSPR_HUB_AUDIT_WITNESS": "https://witness.example.org/cspr", "CSPR_HUB_AUDIT_WITNESS_SECRET": "x"},
                {"CSPR_HUB_AUDIT_WITNESS": "http://witness.example.org/cspr", "CSPR_HUB_AUDIT_WITNESS_SECRET": secret},
                {"CSPR_HUB_AUDIT_WITNESS": "https://127.0.0.1/cspr", "CSPR_HUB_AUDIT_WITNESS_SECRET": secret}):
        with pytest.raises(SettingsError):
            Settings.from_env(env)
    # in development, http on loopback (CSPR_HUB_WEBHOOK_ALLOW_PRIVATE=true)
    assert Settings.from_env({"CSPR_HUB_AUDIT_WITNESS": "http://127.0.0.1:9/w", "CSPR_HUB_AUDIT_WITNESS_SECRET": secret,
                              "CSPR_HUB_WEBHOOK_ALLOW_PRIVATE": "true"}).audit_witness == "http://127.0.0.1:9/w"


async def test_the_worker_posts_the_checkpoint_to_a_witness_url_signed_as_standard_webhooks_retrying_a_failure(
    trail: Hub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = new_secret()
    await append(trail, *FIVE)
    async with witness_on_loopback(secret, [503]) as (seen, url):
        monkeypatch.setattr(trail, "settings", replace(trail.settings, audit_witness=url, audit_witness_secret=secret))
        point = await worker.send_checkpoint(trail, url, backoff_seconds=0.01)
    # the first try answered 503; the second, under the same webhook-id, was taken
    assert point is not None and len(seen.ids) == 2 and len(set(seen.ids)) == 1
    (kept,) = seen.kept
    held = audit.Checkpoint.opened(kept, trail.settings.audit_keys())  # the body is the checkpoint's line itself
    assert (held.length, held.head) == (5, point.head)
    assert await against(trail, held) == []


async def test_a_witness_that_keeps_failing_is_tried_a_bounded_number_of_times(
    trail: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = new_secret()
    await append(trail, *FIVE[:2])
    async with witness_on_loopback(secret, [500] * 10) as (seen, url):
        monkeypatch.setattr(trail, "settings", replace(trail.settings, audit_witness=url, audit_witness_secret=secret))
        point = await checkpoint_of(trail)
        sent = await worker.post_checkpoint(trail, url, point.signed(trail.settings.audit_keys()), attempts=3,
                                            backoff_seconds=0.01)
        # and a post signed with another secret is refused by the witness (so it would never keep it)
        monkeypatch.setattr(trail, "settings", replace(trail.settings, audit_witness_secret=new_secret()))
        forged = await worker.post_checkpoint(trail, url, point.signed(trail.settings.audit_keys()), attempts=1)
    assert (sent, len(seen.ids), seen.kept) == (False, 3, [])
    assert (forged, len(seen.ids)) == (False, 3)


async def test_stopping_the_worker_abandons_a_witness_post_being_retried(
    trail: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = new_secret()
    async with witness_on_loopback(secret, [503] * 10) as (seen, url):
        monkeypatch.setattr(trail, "settings", replace(trail.settings, audit_witness=url, audit_witness_secret=secret))
        stop = asyncio.Event()
        task = asyncio.create_task(worker.witness(trail, stop, to=url, every_seconds=3600))
        for _ in range(200):
            if seen.ids:
                break
            await asyncio.sleep(0.05)
        stop.set()  # between tries, 2 s apart: the worker does not wait for the rest
        started = asyncio.get_running_loop().time()
        await asyncio.wait_for(task, timeout=10)
    assert (len(seen.ids), asyncio.get_running_loop().time() - started < 1.5) == (1, True)
