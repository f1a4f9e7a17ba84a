"""Benchmark the webhook delivery worker: N due deliveries, drained by 1 and then 2 processes.

Run from the repository root with the project's virtualenv::

    .venv/bin/python bench/bench_deliveries.py [--deliveries 2000] [--database-url URL | --sqlite]
                                               [--receiver-delay-ms 0] [--workers 1,2]

What it does, in order (everything on 127.0.0.1, every wait bounded):

1. makes a fresh PostgreSQL database ``cspr_bench_<hex>`` beside ``--admin-url`` (default
   ``postgresql+asyncpg://root@127.0.0.1:5432/test``), or a temporary SQLite file with
   ``--sqlite``, or uses ``--database-url`` (it must hold no pending deliveries); migrates it,
   loads the shipped organisations and subscribes the Panel (``PANEL``) to a receiver;
2. starts the receiver, a small Starlette app under uvicorn (``bench/receiver.py``, its own process,
   ``bench/receiver.py``) that answers every webhook with 204, optionally after
   ``--receiver-delay-ms``, and counts requests and distinct ``webhook-id`` headers
   (``GET /stats``, ``POST /reset``);
3. for each worker count: starts that many ``cspr-hub worker`` processes with
   ``CSPR_HUB_WEBHOOK_ALLOW_PRIVATE=true`` and waits until each is running (on PostgreSQL,
   also LISTENing), then inserts the N deliveries in one transaction (with ``NOTIFY`` on
   PostgreSQL, as the hub's outbox does), polls the database every 0.2 s until none is
   PENDING (at most ``--run-timeout``), stops the workers and deletes the attempts and
   deliveries;
4. stops every process and drops the throwaway database, on success, error, Ctrl-C, SIGTERM
   or the hard timeout (``--timeout``).

It prints one table: workers, deliveries, seconds from the insert's commit to the last
``delivered_at``, deliveries/s, attempts (rows in ``webhook_attempt``), duplicates (requests
received minus distinct webhook-ids), failed deliveries, and ms from the commit to the first
attempt; above it the database kind. Worker start-up is not timed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shlex
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import delete, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

import migrations
from hub import reference_data
from hub.events import NOTIFY_CHANNEL
from hub.models import Organisation, WebhookAttempt, WebhookDelivery, WebhookSubscription, new_id
from hub.store import create_engine, session_factory, transaction
from hub.webhooks import new_secret

sys.path.insert(0, str(Path(__file__).resolve().parent))
import databases
from databases import Target
from processes import (
    HOST,
    BenchError,
    HardTimeout,
    Servers,
    default_hub_command,
    hard_limits,
)
from receiver import receiver_stats, start_receiver

ADMIN_URL = "postgresql+asyncpg://root@127.0.0.1:5432/test"
EVENT = "notification.submitted"
RUNNING_LINE = "cspr-hub worker running"
POLL_SECONDS = 0.2
READY_SECONDS = 60.0
LISTEN_SECONDS = 10.0
CLEANUP_SECONDS = 60.0
MAX_DELIVERIES = 100_000


@dataclass(frozen=True)
class Result:
    workers: int
    deliveries: int
    seconds: float
    first_ms: float
    attempts: int
    requests: int
    distinct: int
    failed: int

    @property
    def rate(self) -> float:
        return (self.deliveries - self.failed) / self.seconds if self.seconds > 0 else float("nan")

    @property
    def duplicates(self) -> int:
        return self.requests - self.distinct


# --- the database --------------------------------------------------------------------------


def choose_target(args: argparse.Namespace, scratch: Path) -> Target:
    if args.sqlite:
        return Target(f"sqlite+aiosqlite:///{scratch / 'hub.db'}", "SQLite")
    if args.database_url:
        return databases.given(args.database_url)
    return databases.throwaway(args.admin_url)


async def prepare(sessions: async_sessionmaker[AsyncSession], receiver: str) -> str:
    """Reference data, then the Panel's subscription to the receiver; returns its id."""
    async with transaction(sessions) as session:
        pending = (await session.execute(select(func.count()).select_from(WebhookDelivery).where(
            col(WebhookDelivery.status) == "PENDING"))).scalar_one()
        if pending:
            raise BenchError(f"the database holds {pending} pending deliveries; the workers would send them")
        await reference_data.load_shipped_if_empty(session)
        panel = (await session.execute(select(Organisation).where(col(Organisation.code) == "PANEL"))).scalar_one()
        subscription = WebhookSubscription(
            organisation_id=panel.id, url=f"{receiver}/hook", event_types=[EVENT],
            description="bench/bench_deliveries.py", secret=new_secret(), created_at=datetime.now(UTC))
        session.add(subscription)
    return subscription.id


async def enqueue(sessions: async_sessionmaker[AsyncSession], subscription_id: str, count: int) -> datetime:
    """N deliveries due now, in one transaction; returns the instant after the commit."""
    now = datetime.now(UTC)
    async with transaction(sessions) as session:
        session.add_all([
            WebhookDelivery(subscription_id=subscription_id, event_type=EVENT, status="PENDING",
                            payload={"type": EVENT, "timestamp": now.isoformat(), "data": {"messageId": new_id()}},
                            next_attempt_at=now, created_at=now)
            for _ in range(count)
        ])
        await session.flush()
        if session.get_bind().dialect.name == "postgresql":
            await session.execute(text(f"NOTIFY {NOTIFY_CHANNEL}"))  # delivered on commit
    return datetime.now(UTC)


async def status_counts(sessions: async_sessionmaker[AsyncSession], subscription_id: str) -> dict[str, int]:
    query = (select(col(WebhookDelivery.status), func.count()).where(
        col(WebhookDelivery.subscription_id) == subscription_id).group_by(col(WebhookDelivery.status)))
    async with sessions() as session:
        return {status: count for status, count in (await session.execute(query)).all()}


async def attempts_and_times(
    sessions: async_sessionmaker[AsyncSession], subscription_id: str
) -> tuple[int, datetime | None, datetime | None]:
    """Attempts made, the first attempt and the last delivery (the workers' clocks: this machine's)."""
    ours = col(WebhookDelivery.subscription_id) == subscription_id
    joined = select(func.count(), func.min(col(WebhookAttempt.attempted_at))).join(
        WebhookDelivery, col(WebhookDelivery.id) == col(WebhookAttempt.delivery_id)).where(ours)
    async with sessions() as session:
        attempts, first = (await session.execute(joined)).one()
        last = (await session.execute(select(func.max(col(WebhookDelivery.delivered_at))).where(ours))).scalar_one()
    return int(attempts), first, last


async def clear(sessions: async_sessionmaker[AsyncSession], subscription_id: str, *, subscription: bool) -> None:
    """Delete this run's attempts and deliveries (and, at the end, the subscription)."""
    ours = select(col(WebhookDelivery.id)).where(col(WebhookDelivery.subscription_id) == subscription_id)
    async with transaction(sessions) as session:
        await session.execute(delete(WebhookAttempt).where(col(WebhookAttempt.delivery_id).in_(ours)))
        await session.execute(delete(WebhookDelivery).where(col(WebhookDelivery.subscription_id) == subscription_id))
        if subscription:
            await session.execute(delete(WebhookSubscription).where(col(WebhookSubscription.id) == subscription_id))


# --- the workers ---------------------------------------------------------------------------


def worker_env() -> dict[str, str]:
    env = dict(os.environ, CSPR_HUB_WEBHOOK_ALLOW_PRIVATE="true")
    env["NO_PROXY"] = env["no_proxy"] = ",".join(filter(None, [HOST, "localhost", env.get("NO_PROXY")]))
    return env


def start_workers(servers: Servers, hub_command: list[str], url: str, count: int) -> list[str]:
    names = [f"worker-{n}of{count}" for n in range(1, count + 1)]
    env = worker_env()
    for name in names:
        with open(servers.logs / f"{name}.log", "wb") as log:
            proc = subprocess.Popen([*hub_command, "worker", "--database-url", url], env=env,
                                    stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        servers.running.append((name, proc))
    return names


def check_alive(servers: Servers) -> None:
    for name, proc in servers.running:
        if proc.poll() is not None:
            raise BenchError(f"{name} exited with {proc.returncode}:\n{servers.log_tail(name)}")


async def listeners(sessions: async_sessionmaker[AsyncSession]) -> int:
    """Connections to this database whose last statement was LISTEN on the outbox channel."""
    query = text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                 "AND pid <> pg_backend_pid() AND query ILIKE :pattern")
    async with sessions() as session:
        return int((await session.execute(query, {"pattern": f"LISTEN %{NOTIFY_CHANNEL}%"})).scalar_one())


async def wait_workers(servers: Servers, sessions: async_sessionmaker[AsyncSession], postgres: bool) -> None:
    """Every worker has printed its running line (and, on PostgreSQL, LISTENs, else after 10 s)."""
    deadline = time.monotonic() + READY_SECONDS
    while not all(RUNNING_LINE in servers.log_tail(name, 200) for name, _ in servers.running):
        check_alive(servers)
        if time.monotonic() > deadline:
            raise BenchError(f"the workers are not running after {READY_SECONDS:.0f}s")
        await asyncio.sleep(POLL_SECONDS)
    deadline = time.monotonic() + LISTEN_SECONDS
    while postgres and await listeners(sessions) < len(servers.running):
        if time.monotonic() > deadline:
            print("note: not every worker seen LISTENing; they poll every 2 s", file=sys.stderr)
            return
        await asyncio.sleep(POLL_SECONDS)


async def wait_drained(
    servers: Servers, sessions: async_sessionmaker[AsyncSession], subscription_id: str, seconds: float
) -> dict[str, int]:
    deadline = time.monotonic() + seconds
    while True:
        counts = await status_counts(sessions, subscription_id)
        if not counts.get("PENDING"):
            return counts
        check_alive(servers)
        if time.monotonic() > deadline:
            tails = "\n".join(servers.log_tail(name, 10) for name, _ in servers.running)
            raise BenchError(f"deliveries still pending after {seconds:.0f}s: {counts}\n{tails}")
        await asyncio.sleep(POLL_SECONDS)


# --- one run, all runs ---------------------------------------------------------------------


async def run_one(args: argparse.Namespace, target: Target, sessions: async_sessionmaker[AsyncSession],
                  subscription_id: str, receiver: str, workers: int, servers: Servers) -> Result:
    """``servers`` holds only this run's workers; they are stopped before the counting."""
    await receiver_stats(receiver, reset=True)
    try:
        start_workers(servers, args.hub_command, target.url, workers)
        await wait_workers(servers, sessions, target.kind == "PostgreSQL")
        print(f"{workers} worker(s) running; inserting {args.deliveries} deliveries", file=sys.stderr)
        committed = await enqueue(sessions, subscription_id, args.deliveries)
        counts = await wait_drained(servers, sessions, subscription_id, args.run_timeout)
    finally:
        servers.stop()
    attempts, first, last = await attempts_and_times(sessions, subscription_id)
    requests, distinct = await receiver_stats(receiver)
    await clear(sessions, subscription_id, subscription=False)
    return Result(
        workers=workers, deliveries=args.deliveries,
        seconds=(last - committed).total_seconds() if last else float("nan"),
        first_ms=(first - committed).total_seconds() * 1000 if first else float("nan"),
        attempts=attempts, requests=requests, distinct=distinct, failed=counts.get("FAILED", 0))


async def run(args: argparse.Namespace, target: Target, servers: Servers, workers: Servers) -> list[Result]:
    await databases.create(args.admin_url, target)
    receiver = await start_receiver(servers, args.receiver_delay_ms, ready_seconds=READY_SECONDS)
    engine = create_engine(target.url)
    sessions = session_factory(engine)
    subscription_id = None
    try:
        await migrations.upgrade(engine)
        subscription_id = await prepare(sessions, receiver)
        return [await run_one(args, target, sessions, subscription_id, receiver, n, workers) for n in args.workers]
    finally:
        if subscription_id is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(clear(sessions, subscription_id, subscription=True), CLEANUP_SECONDS)
        await engine.dispose()


# --- report --------------------------------------------------------------------------------


def table(results: Sequence[Result]) -> list[str]:
    header = (f"{'workers':>7}{'deliveries':>12}{'seconds':>10}{'deliveries/s':>14}{'attempts':>10}"
              f"{'duplicates':>12}{'failed':>8}{'first ms':>10}")
    rows = [
        f"{r.workers:>7}{r.deliveries:>12}{r.seconds:>10.2f}{r.rate:>14.1f}{r.attempts:>10}"
        f"{r.duplicates:>12}{r.failed:>8}{r.first_ms:>10.0f}"
        for r in results
    ]
    return [header, *rows]


def report(args: argparse.Namespace, target: Target, results: Sequence[Result]) -> None:
    where = f"fresh database {target.throwaway}" if target.throwaway else "temporary file" if args.sqlite else "given"
    print(f"\n{target.kind} database ({where}); receiver delay {args.receiver_delay_ms} ms; "
          f"{os.cpu_count()} CPUs; seconds = insert commit -> last delivered_at\n")
    print("\n".join(table(results)))
    if target.kind == "SQLite":
        print("\nSQLite: only 1 worker is meaningful (one writer at a time, no FOR UPDATE SKIP LOCKED; "
              "workers poll instead of LISTEN).")


# --- main ----------------------------------------------------------------------------------


def worker_counts(value: str) -> tuple[int, ...]:
    counts = tuple(int(part) for part in value.split(",") if part.strip())
    if not counts or any(not 1 <= n <= 16 for n in counts):
        raise argparse.ArgumentTypeError("a comma-separated list of worker counts between 1 and 16")
    return counts


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--deliveries", type=int, default=2000, help="Deliveries per run (default 2000).")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--database-url", help="Use this (throwaway) database instead of a fresh PostgreSQL one.")
    where.add_argument("--sqlite", action="store_true", help="Use a temporary SQLite file (1 worker by default).")
    parser.add_argument("--admin-url", default=os.environ.get("CSPR_BENCH_PG_ADMIN_URL", ADMIN_URL),
                        help=f"PostgreSQL to create the fresh database in (default {ADMIN_URL}).")
    parser.add_argument("--receiver-delay-ms", type=int, default=0, help="The receiver waits this long (default 0).")
    parser.add_argument("--workers", type=worker_counts, help="Worker counts to run (default 1,2; SQLite: 1).")
    parser.add_argument("--run-timeout", type=float, default=300.0, help="Limit per run in seconds (default 300).")
    parser.add_argument("--timeout", type=float, help="Hard limit for the whole run (default 120 + runs x 360).")
    parser.add_argument("--hub-command", default=os.environ.get("CSPR_BENCH_HUB_COMMAND"),
                        help="Command that runs the hub's CLI (default: cspr-hub beside this Python).")
    args = parser.parse_args(argv)
    if not 1 <= args.deliveries <= MAX_DELIVERIES or not 0 <= args.receiver_delay_ms <= 10_000:
        parser.error(f"--deliveries must be in [1, {MAX_DELIVERIES}] and --receiver-delay-ms in [0, 10000]")
    if not 1 <= args.run_timeout <= 3600:
        parser.error("--run-timeout must be in [1, 3600]")
    args.workers = args.workers or ((1,) if args.sqlite else (1, 2))
    args.timeout = args.timeout or 120 + len(args.workers) * (args.run_timeout + 60)
    args.hub_command = shlex.split(args.hub_command) if args.hub_command else default_hub_command()
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="cspr-bench-") as tmp, hard_limits(args.timeout):
        servers, workers = Servers(Path(tmp)), Servers(Path(tmp))
        target = choose_target(args, Path(tmp))
        try:
            results = asyncio.run(asyncio.wait_for(run(args, target, servers, workers), args.timeout))
        except TimeoutError:
            print(f"bench failed: the run took longer than {args.timeout:g}s", file=sys.stderr)
            return 1
        except (BenchError, HardTimeout) as exc:
            print(f"bench failed: {exc}", file=sys.stderr)
            return 1
        finally:
            workers.stop()
            servers.stop()
            databases.drop(args.admin_url, target)
    report(args, target, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
