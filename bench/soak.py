"""Soak on PostgreSQL: two API processes and two workers under a mixed load, with processes killed and
database connections terminated while it runs.

Run from the repository root with the project's virtualenv::

    .venv/bin/python bench/soak.py [--minutes 10] [--concurrency 6] [--admin-url URL] [--seed 1]

What it does (everything on 127.0.0.1; every wait bounded; a hard limit of the run plus 10 minutes):

1. makes a fresh PostgreSQL database ``cspr_soak_<hex>`` beside ``--admin-url``, migrates it, starts
   a webhook receiver (``bench/receiver.py``) that fails the first attempt of about one delivery in
   five (503, or 429 with ``Retry-After: 1``), two ``cspr-hub serve --no-worker`` API processes and
   two ``cspr-hub worker`` processes (``CSPR_HUB_DELIVERY_LEASE_SECONDS=10``), and subscribes the
   Panel and Ofsted to the receiver;
2. for ``--minutes``, ``--concurrency`` clients alternate between the two APIs: notifications
   (Camden), rapid reviews started (Camden) and contributed to (the Metropolitan Police), and reads
   (cases, the Panel's rapid-review queue, ``me``); two WebSocket clients hold ``caseEvents``
   subscriptions (one per API) and reconnect when their API goes away;
3. at 35% of the run SIGKILLs one worker and starts another; at 50% and 80% terminates every
   database connection of the hub's processes (``pg_terminate_backend``); at 60% SIGKILLs one API
   process and starts another;
4. stops the load, waits (at most 90 s) until no delivery is pending, and counts.

It prints: requests served, p50/p99 latency, 5xx answers, requests that found their API process
gone (the one killed; retried on the other), GraphQL errors, notifications accepted but not stored,
deliveries lost (stored as delivered but never answered 2xx by the receiver, failed for good, or
still pending), deliveries taken twice beyond at-least-once (a second 2xx for the same webhook-id
that no kill or terminated connection explains), subscription events received, and each process's
resident memory at the end against after the warm-up (the first 20% of the run).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import secrets
import shlex
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx2
from sqlalchemy import func, select, text
from sqlmodel import col

from hub.clock import LONDON
from hub.models import Case, Organisation, WebhookDelivery, WebhookSubscription
from hub.sealing import new_key
from hub.store import create_engine, session_factory, transaction
from hub.webhooks import new_secret

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_deliveries import ADMIN_URL, admin_execute, throwaway_url
from load import percentile
from processes import HOST, BenchError, HardTimeout, Servers, client, default_hub_command, free_port, hard_limits
from receiver import start_receiver

CAMDEN, MET = "E09000007", "E23000001"
LEASE_SECONDS = 10
FAIL_EVERY = 10  # the receiver fails the first attempt of 2 in 10 webhook-ids (503 or 429)
DRAIN_SECONDS = 90.0
READY_SECONDS = 90.0
EXPLAINED_SECONDS = LEASE_SECONDS + 20  # a second 2xx this close after a kill or termination is at-least-once

NOTIFY = """mutation($i: NotifySeriousIncidentInput!) { notifySeriousIncident(input: $i) {
  case { id } errors { code } } }"""
START = "mutation($c: ID!) { startRapidReview(caseId: $c) { rapidReview { id } errors { code } } }"
CONTRIBUTE = """mutation($r: ID!, $i: RapidReviewContributionInput!) { contributeToRapidReview(rapidReviewId: $r,
  input: $i) { errors { code } } }"""
CASES = "{ cases(first: 20) { totalCount nodes { id reference status } } }"
QUEUE = "{ rapidReviews { totalCount nodes { id status case { reference } } } }"
ME = "{ me { organisation { code name } role } }"
EVENTS = "subscription { caseEvents { eventType occurredAt } }"


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    by_kind: dict[str, int] = field(default_factory=dict)
    server_errors: int = 0
    gone: int = 0
    graphql_errors: dict[str, int] = field(default_factory=dict)
    refused: dict[str, int] = field(default_factory=dict)
    accepted_cases: list[str] = field(default_factory=list)
    unreviewed: list[str] = field(default_factory=list)
    other_status: dict[int, int] = field(default_factory=dict)
    reviews: list[str] = field(default_factory=list)
    events: int = 0
    reconnects: int = 0


@dataclass
class Hub:
    """The hub's processes by name, each restartable; ``started`` says when each current one began."""

    servers: Servers
    command: list[str]
    env: dict[str, str]
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    ports: dict[str, int] = field(default_factory=dict)
    started: dict[str, float] = field(default_factory=dict)

    def start(self, name: str) -> None:
        if name.startswith("api"):
            port = self.ports.setdefault(name, free_port())
            argv = [*self.command, "serve", "--no-worker", "--host", HOST, "--port", str(port)]
        else:
            argv = [*self.command, "worker"]
        with open(self.servers.logs / f"{name}.log", "ab") as log:
            proc = subprocess.Popen(argv, env=self.env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        self.servers.running.append((name, proc))
        self.procs[name], self.started[name] = proc, time.monotonic()

    def kill(self, name: str) -> None:
        proc = self.procs[name]
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)

    def base(self, name: str) -> str:
        return f"http://{HOST}:{self.ports[name]}"


def rss_kib(pid: int) -> int | None:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return None


async def wait_api(hub: Hub, name: str) -> None:
    deadline = time.monotonic() + READY_SECONDS
    async with client() as http:
        while time.monotonic() < deadline:
            if hub.procs[name].poll() is not None:
                raise BenchError(f"{name} exited:\n{hub.servers.log_tail(name)}")
            with contextlib.suppress(httpx2.HTTPError):
                if (await http.get(f"{hub.base(name)}/readyz", timeout=2)).status_code == 200:
                    return
            await asyncio.sleep(0.2)
    raise BenchError(f"{name} not ready after {READY_SECONDS:.0f}s:\n{hub.servers.log_tail(name)}")


async def cli(hub: Hub, *args: str) -> str:
    proc = await asyncio.create_subprocess_exec(*hub.command, *args, env=hub.env, stdin=subprocess.DEVNULL,
                                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        out, err = await asyncio.wait_for(proc.communicate(), 120)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    if proc.returncode != 0:
        raise BenchError(f"cspr-hub {shlex.join(args)} failed: {err.decode()[-1500:]}")
    return out.decode().strip()


async def subscribe(url: str, hook: str) -> None:
    engine = create_engine(url)
    try:
        async with transaction(session_factory(engine)) as session:
            for code in ("PANEL", "OFSTED"):
                org = (await session.execute(select(Organisation).where(col(Organisation.code) == code))).scalar_one()
                session.add(WebhookSubscription(organisation_id=org.id, url=hook, event_types=["notification.submitted"],
                                                description="bench/soak.py", secret=new_secret(),
                                                created_at=datetime.now(UTC)))
    finally:
        await engine.dispose()


async def terminate_connections(url: str) -> int:
    """pg_terminate_backend on every other connection to the soak's database: the hub's pools lose them all."""
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            found = await conn.execute(text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
            return int(found.scalar_one())
    finally:
        await engine.dispose()


class Load:
    def __init__(self, hub: Hub, tokens: dict[str, str], tally: Tally, seed: int) -> None:
        self.hub, self.tokens, self.tally = hub, tokens, tally
        self.random = random.Random(seed)
        self.turn = 0
        self.serial = 0

    async def call(self, http: httpx2.AsyncClient, kind: str, who: str, query: str,
                   variables: dict[str, Any] | None = None) -> dict[str, Any] | None:
        """POST to one API, the other when it is gone; tallies the answer."""
        self.turn += 1
        apis = ["api-1", "api-2"] if self.turn % 2 else ["api-2", "api-1"]
        for api in apis:
            started = time.perf_counter()
            try:
                response = await http.post(f"{self.hub.base(api)}/graphql", timeout=30,
                                           json={"query": query, "variables": variables or {}},
                                           headers={"authorization": f"Bearer {self.tokens[who]}"})
            except httpx2.TransportError:
                self.tally.gone += 1
                continue
            self.tally.latencies.append(time.perf_counter() - started)
            self.tally.by_kind[kind] = self.tally.by_kind.get(kind, 0) + 1
            if response.status_code >= 500:
                self.tally.server_errors += 1
                return None
            if response.status_code != 200:
                self.tally.other_status[response.status_code] = self.tally.other_status.get(response.status_code, 0) + 1
                return None
            body: dict[str, Any] = response.json()
            for error in body.get("errors") or []:
                code = str((error.get("extensions") or {}).get("code", "UNKNOWN"))
                self.tally.graphql_errors[code] = self.tally.graphql_errors.get(code, 0) + 1
            return body
        return None

    def refused(self, body: dict[str, Any] | None, field_: str) -> bool:
        payload = ((body or {}).get("data") or {}).get(field_)
        if payload is None:
            return True
        for error in payload.get("errors") or []:
            self.tally.refused[error["code"]] = self.tally.refused.get(error["code"], 0) + 1
        return bool(payload.get("errors"))

    async def notify(self, http: httpx2.AsyncClient) -> None:
        self.serial += 1
        today = datetime.now(LONDON).date().isoformat()
        incident = {"kind": "SERIOUS_HARM", "occurredOn": today, "awareOn": today, "abuseOrNeglect": "SUSPECTED",
                    "location": "IN_AREA", "summary": f"Invented soak incident {self.serial}."}
        child = {"sex": "UNKNOWN", "lookedAfter": False, "onChildProtectionPlan": False}
        body = await self.call(http, "notify", "la", NOTIFY, {"i": {
            "child": child, "incident": incident, "idempotencyKey": f"soak-{secrets.token_hex(8)}"}})
        if not self.refused(body, "notifySeriousIncident"):
            assert body is not None
            case_id = body["data"]["notifySeriousIncident"]["case"]["id"]
            self.tally.accepted_cases.append(case_id)
            self.tally.unreviewed.append(case_id)

    async def rapid_review(self, http: httpx2.AsyncClient) -> None:
        if not self.tally.unreviewed:
            return await self.notify(http)
        case_id = self.tally.unreviewed.pop(self.random.randrange(len(self.tally.unreviewed)))
        body = await self.call(http, "rapid review", "la", START, {"c": case_id})
        if self.refused(body, "startRapidReview"):
            return None
        assert body is not None
        review = body["data"]["startRapidReview"]["rapidReview"]["id"]
        self.tally.reviews.append(review)
        contributed = await self.call(http, "rapid review", "police", CONTRIBUTE,
                                      {"r": review, "i": {"summary": "Facts held by the police (invented)."}})
        self.refused(contributed, "contributeToRapidReview")
        return None

    async def read(self, http: httpx2.AsyncClient) -> None:
        kind, who, query = self.random.choice([("read", "la", CASES), ("read", "panel", QUEUE), ("read", "la", ME)])
        await self.call(http, kind, who, query)

    async def client_loop(self, deadline: float) -> None:
        async with client(limits=httpx2.Limits(max_connections=4, max_keepalive_connections=4)) as http:
            while time.monotonic() < deadline:
                roll = self.random.random()
                if roll < 0.30:
                    await self.notify(http)
                elif roll < 0.45:
                    await self.rapid_review(http)
                else:
                    await self.read(http)


async def listen(hub: Hub, api: str, token: str, tally: Tally, deadline: float) -> None:
    """A caseEvents subscription on one API, reconnecting (after a pause) when the socket closes."""
    import websockets

    while time.monotonic() < deadline:
        try:
            url = hub.base(api).replace("http://", "ws://") + "/graphql"
            async with websockets.connect(url, subprotocols=["graphql-transport-ws"], open_timeout=10) as socket_:
                await socket_.send(json.dumps({"type": "connection_init",
                                               "payload": {"Authorization": f"Bearer {token}"}}))
                await socket_.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": EVENTS}}))
                while time.monotonic() < deadline:
                    with contextlib.suppress(TimeoutError):
                        message = json.loads(await asyncio.wait_for(socket_.recv(), timeout=1.0))
                        if message.get("type") == "next":
                            tally.events += 1
        except (OSError, websockets.WebSocketException, TimeoutError):
            tally.reconnects += 1
            await asyncio.sleep(1.0)


@dataclass
class Chaos:
    events: list[tuple[float, str]] = field(default_factory=list)  # (time.time(), what)


async def chaos(hub: Hub, url: str, minutes: float, began: float, log: Chaos) -> None:
    """Kill a worker, terminate connections, kill an API, terminate again, at fixed fractions of the run."""
    plan = [(0.35, "kill worker-1"), (0.50, "terminate"), (0.60, "kill api-1"), (0.80, "terminate")]
    for fraction, what in plan:
        await asyncio.sleep(max(0.0, began + fraction * minutes * 60 - time.monotonic()))
        if what == "terminate":
            count = await terminate_connections(url)
            log.events.append((time.time(), f"pg_terminate_backend on {count} connections"))
            continue
        name = what.removeprefix("kill ")
        await asyncio.to_thread(hub.kill, name)
        log.events.append((time.time(), f"SIGKILL {name}"))
        hub.start(name)
        if name.startswith("api"):
            await wait_api(hub, name)
        log.events.append((time.time(), f"{name} restarted"))


async def delivery_counts(url: str) -> dict[str, list[str]]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            rows = (await conn.execute(select(col(WebhookDelivery.id), col(WebhookDelivery.status)))).all()
    finally:
        await engine.dispose()
    found: dict[str, list[str]] = {}
    for delivery_id, status in rows:
        found.setdefault(status, []).append(delivery_id)
    return found


async def stored_cases(url: str, ids: list[str]) -> int:
    engine = create_engine(url)
    try:
        async with session_factory(engine)() as session:
            stored = 0
            for start in range(0, len(ids), 500):
                chunk = ids[start:start + 500]
                stored += int((await session.execute(
                    select(func.count()).select_from(Case).where(col(Case.id).in_(chunk)))).scalar_one())
            return stored
    finally:
        await engine.dispose()


async def drain(url: str) -> dict[str, list[str]]:
    deadline = time.monotonic() + DRAIN_SECONDS
    while True:
        counts = await delivery_counts(url)
        if not counts.get("PENDING") or time.monotonic() > deadline:
            return counts
        await asyncio.sleep(1.0)


async def soak(args: argparse.Namespace, servers: Servers, url: str) -> list[str]:
    env = {**os.environ, "CSPR_HUB_DATABASE_URL": url, "CSPR_HUB_WEBHOOK_ALLOW_PRIVATE": "true",
           "CSPR_HUB_DELIVERY_LEASE_SECONDS": str(LEASE_SECONDS), "CSPR_HUB_SECRET_KEY": new_key(),
           # one issuer for both API processes (each would otherwise name its own port), so a token minted
           # once is good at either
           "CSPR_HUB_ISSUER": f"http://{HOST}:8000"}
    env["NO_PROXY"] = env["no_proxy"] = ",".join(filter(None, [HOST, "localhost", env.get("NO_PROXY")]))
    hub = Hub(servers, args.hub_command, env)
    receiver = await start_receiver(servers, 0, fail_every=FAIL_EVERY)
    await cli(hub, "migrate")
    hub.start("api-1")
    await wait_api(hub, "api-1")  # it loads the reference data; then the rest start
    await subscribe(url, f"{receiver}/hook")
    for name in ("api-2", "worker-1", "worker-2"):
        hub.start(name)
    await wait_api(hub, "api-2")
    tokens = {"la": await cli(hub, "token", "--org", CAMDEN, "--role", "la"),
              "police": await cli(hub, "token", "--org", MET, "--role", "police"),
              "panel": await cli(hub, "token", "--org", "PANEL", "--role", "panel")}
    tally, log = Tally(), Chaos()
    began = time.monotonic()
    deadline = began + args.minutes * 60
    load = Load(hub, tokens, tally, args.seed)
    warm: dict[str, tuple[int, int | None]] = {}

    async def sample_warm() -> None:
        await asyncio.sleep(args.minutes * 60 * 0.2)
        warm.update({name: (proc.pid, rss_kib(proc.pid)) for name, proc in hub.procs.items()})

    print(f"soak: {args.minutes:g} min, {args.concurrency} clients, 2 APIs, 2 workers on {url.rsplit('/', 1)[-1]}",
          file=sys.stderr)
    await asyncio.gather(*(load.client_loop(deadline) for _ in range(args.concurrency)),
                         listen(hub, "api-1", tokens["panel"], tally, deadline),
                         listen(hub, "api-2", tokens["la"], tally, deadline),
                         chaos(hub, url, args.minutes, began, log), sample_warm())
    end_rss = {name: (proc.pid, rss_kib(proc.pid)) for name, proc in hub.procs.items()}
    counts = await drain(url)
    async with client() as http:
        acks: dict[str, list[float]] = (await http.get(f"{receiver}/acks")).json()
    if not tally.accepted_cases:  # a load that was refused throughout measured nothing
        raise BenchError(f"no notification was accepted; answers other than 200: {tally.other_status or 'none'}")
    stored = await stored_cases(url, tally.accepted_cases)
    return report(args, tally, log, counts, acks, stored, warm, end_rss)


def report(args: argparse.Namespace, tally: Tally, log: Chaos, counts: dict[str, list[str]],
           acks: dict[str, list[float]], stored: int, warm: dict[str, tuple[int, int | None]],
           end: dict[str, tuple[int, int | None]]) -> list[str]:
    latencies = sorted(tally.latencies)
    delivered = set(counts.get("DELIVERED", []))
    never_acked = [d for d in delivered if d not in acks]
    lost = len(never_acked) + len(counts.get("FAILED", [])) + len(counts.get("PENDING", []))
    chaos_times = [at for at, what in log.events if not what.endswith("restarted")]
    twice = {d: times for d, times in acks.items() if len(times) > 1}
    beyond = [d for d, times in twice.items()
              if not any(at - 5 <= times[1] <= at + EXPLAINED_SECONDS or at - 5 <= times[0] <= at + EXPLAINED_SECONDS
                         for at in chaos_times)]
    lines = [
        (f"soak on PostgreSQL: {args.minutes:g} min, {args.concurrency} clients, 2 API processes, 2 workers, "
        f"{os.cpu_count()} CPUs (shared machine)"),
        "chaos: " + "; ".join(f"{time.strftime('%H:%M:%S', time.localtime(at))} {what}" for at, what in log.events),
        f"requests served: {len(latencies)} ({', '.join(f'{k} {v}' for k, v in sorted(tally.by_kind.items()))})",
        f"latency: p50 {percentile(latencies, 0.50) * 1000:.0f} ms, p99 {percentile(latencies, 0.99) * 1000:.0f} ms",
        f"5xx answers: {tally.server_errors}; other non-200 answers: {tally.other_status or 'none'}",
        f"requests that found their API process gone (retried on the other): {tally.gone}",
        f"GraphQL errors: {sum(tally.graphql_errors.values())} {tally.graphql_errors or ''}".rstrip(),
        f"refusals (UserError codes): {tally.refused or 'none'}",
        f"notifications accepted: {len(tally.accepted_cases)}, stored: {stored}; rapid reviews: {len(tally.reviews)}",
        (f"deliveries: {len(delivered)} delivered, {len(counts.get('FAILED', []))} failed, "
        f"{len(counts.get('PENDING', []))} pending after the drain; receiver took {len(acks)} webhook-ids"),
        f"deliveries lost: {lost}",
        f"taken twice: {len(twice)}, of which beyond at-least-once (no kill or termination near): {len(beyond)}",
        f"subscription events received: {tally.events} (reconnects: {tally.reconnects})",
        "resident memory (MiB), after warm-up -> end:",
    ]
    for name in sorted(end):
        pid, last = end[name]
        first_pid, first = warm.get(name, (None, None))
        if first_pid != pid:
            lines.append(f"  {name}: restarted during the run -> {fmt_mib(last)}")
        else:
            ratio = f" ({last / first:.2f}x)" if first and last else ""
            lines.append(f"  {name}: {fmt_mib(first)} -> {fmt_mib(last)}{ratio}")
    return lines


def fmt_mib(kib: int | None) -> str:
    return "?" if kib is None else f"{kib / 1024:.0f}"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="How long the load runs (default 10).")
    parser.add_argument("--concurrency", type=int, default=6, help="Concurrent HTTP clients (default 6).")
    parser.add_argument("--admin-url", default=os.environ.get("CSPR_BENCH_PG_ADMIN_URL", ADMIN_URL),
                        help=f"PostgreSQL to create the fresh database in (default {ADMIN_URL}).")
    parser.add_argument("--seed", type=int, default=1, help="Seed of the load's choices (default 1).")
    parser.add_argument("--hub-command", default=os.environ.get("CSPR_BENCH_HUB_COMMAND"),
                        help="Command that runs the hub's CLI (default: cspr-hub beside this Python).")
    args = parser.parse_args(argv)
    if not 0.1 <= args.minutes <= 120 or not 1 <= args.concurrency <= 64:
        parser.error("--minutes must be in [0.1, 120] and --concurrency in [1, 64]")
    args.hub_command = shlex.split(args.hub_command) if args.hub_command else default_hub_command()
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    limit = args.minutes * 60 + 600
    name = f"cspr_soak_{secrets.token_hex(4)}"
    url = throwaway_url(args.admin_url, name)
    with tempfile.TemporaryDirectory(prefix="cspr-soak-") as tmp, hard_limits(limit):
        servers = Servers(Path(tmp))
        try:
            asyncio.run(admin_execute(args.admin_url, f'CREATE DATABASE "{name}"'))
            lines = asyncio.run(asyncio.wait_for(soak(args, servers, url), limit))
        except (BenchError, HardTimeout, TimeoutError) as exc:
            print(f"soak failed: {exc or 'timed out'}", file=sys.stderr)
            return 1
        finally:
            servers.stop()
            with contextlib.suppress(Exception):
                asyncio.run(asyncio.wait_for(admin_execute(
                    args.admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'), 60))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
