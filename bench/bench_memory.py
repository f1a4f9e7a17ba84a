"""Measure the resident memory of one hub API process with many cases in its database (issue 15: under 200 MB
with 100,000 cases).

Run from the repository root with the project's virtualenv::

    .venv/bin/python bench/bench_memory.py [--cases 100000] [--postgres | --database-url URL] [--workers N]

What it does, in order (everything on 127.0.0.1, every wait bounded):

1. makes a fresh database: a SQLite file in a temporary directory; with ``--postgres`` a throwaway
   ``cspr_bench_<hex>`` beside ``--admin-url``, dropped at the end; or ``--database-url`` (it must hold no
   cases); migrates it and loads the shipped organisations;
2. the anchor: starts ``cspr-hub serve`` on a free port over that database, still empty, and sends every
   request below, reading the API process's VmRSS and VmHWM (``/proc/<pid>/status``; with ``--workers``,
   the largest of its worker processes) after start-up and after each group of requests; stops it;
3. inserts ``--cases`` invented cases (``seed_cases.py``: three made through the hub's own mutations, the
   rest copied from their rows with new ids, across every partnership, dated over ``--years`` years);
4. starts the same server again over the full database and sends the same requests;
5. prints one table: each stage with its requests, the slowest request's time, and VmRSS and VmHWM in MB,
   on the empty database and on the full one;
6. stops every process it started, on success, error, Ctrl-C, SIGTERM or the hard timeout (``--timeout``).

The requests, as the Panel, DfE, Ofsted and a local authority (Camden, ``la``): ``me``; a 50-case ``cases``
page with ``totalCount``; five pages deep by cursor; the Panel's queue; the inbox; ``deadlines``;
``incidentStatistics`` exact (the Panel, DfE) and public (no token) over every year; the statistics CSV; the
console's pages (queue, inbox, deadlines, reviews, statistics) signed in through the development form; and
``/metrics``. A request that fails is shown as failed in the table, and the run exits 1.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import shlex
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx2
from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parent))
import databases
import seed_cases
from databases import Target
from documents import ME_QUERY, cases_query, queue_query
from processes import (
    HOST,
    BenchError,
    HardTimeout,
    Servers,
    client,
    default_hub_command,
    free_port,
    hard_limits,
    run_command,
    wait_ready,
)

ADMIN_URL = "postgresql+asyncpg://root@127.0.0.1:5432/test"
ROLES = {"panel": ("PANEL", "panel"), "dfe": ("DFE", "dfe"), "ofsted": ("OFSTED", "ofsted"),
         "la": ("E09000007", "la")}
PAGES_DEEP = 5
GOAL_MB = 200
SLOW_SECONDS = 120.0  # one request; a statistics answer over every case may be slow, not endless
CASES_PAGE = cases_query(50)
PAGE_AFTER = ("query($after: String) { cases(first: 50, after: $after) { pageInfo { hasNextPage endCursor } "
              "nodes { id reference status notification { dueOn } } } }")
INBOX = ("{ inbox(first: 50) { totalCount nodes { eventType basis dueOn createdAt recipient { code } "
         "case { reference } } } }")
DEADLINES = "{ deadlines(first: 50) { totalCount nodes { kind dueOn overdue basis owedBy { code } } } }"
STATISTICS = ("query($from: Date!, $to: Date!, $by: [IncidentDimension!]!) { incidentStatistics(from: $from, "
              "to: $to, by: $by) { total rows { quarter region ageGroup count suppressed } } }")


# --- memory --------------------------------------------------------------------------------


def status_mb(pid: int) -> tuple[float, float]:
    """VmRSS and VmHWM (the peak resident size) of a process, in MB (10^6 bytes)."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0]) * 1024 / 1e6
    return fields["VmRSS"], fields["VmHWM"]


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError):
            found += [int(c) for c in (task / "children").read_text().split()]
    return found


def api_processes(pid: int, workers: int) -> list[int]:
    """The processes that answer requests: the server itself, or with ``--workers`` its worker processes
    (uvicorn's supervisor answers none; its other children, such as multiprocessing's tracker, are small)."""
    return [pid] if workers == 1 else children(pid)


def largest(pids: list[int]) -> tuple[float, float]:
    sizes = [status_mb(p) for p in pids]
    return max(s[0] for s in sizes), max(s[1] for s in sizes)


# --- the database --------------------------------------------------------------------------


def choose_target(args: argparse.Namespace, scratch: Path) -> Target:
    if args.database_url:
        return databases.given(args.database_url)
    if args.postgres:
        return databases.throwaway(args.admin_url)
    return Target(f"sqlite+aiosqlite:///{scratch / 'hub.db'}", "SQLite")


async def prepare(target: Target, admin_url: str) -> None:
    """Create (if throwaway), migrate, load the shipped organisations; refuse a database holding cases."""
    import migrations
    from hub import reference_data
    from hub.models import Case
    from hub.store import create_engine, session_factory, transaction

    await databases.create(admin_url, target)
    engine = create_engine(target.url)
    try:
        await migrations.upgrade(engine)
        async with transaction(session_factory(engine)) as session:
            held = (await session.execute(select(func.count()).select_from(Case))).scalar_one()
            if held:
                raise BenchError(f"the database holds {held} cases; give an empty (throwaway) one")
            await reference_data.load_shipped_if_empty(session)
    finally:
        await engine.dispose()


# --- the requests --------------------------------------------------------------------------


@dataclass
class Stage:
    name: str
    requests: int = 0
    slowest_ms: float = 0.0
    slowest: str = ""
    failed: list[str] = field(default_factory=list)
    rss: float = float("nan")
    hwm: float = float("nan")


@dataclass
class Caller:
    """The hub on ``base``, with a token per role."""

    http: httpx2.AsyncClient
    base: str
    tokens: dict[str, str]
    stage: Stage = field(default_factory=lambda: Stage(""))

    async def timed(self, label: str, send: Callable[[], Awaitable[httpx2.Response]]) -> httpx2.Response | None:
        started = time.perf_counter()
        try:
            response = await send()
        except httpx2.HTTPError as exc:
            self.stage.failed.append(f"{label}: {type(exc).__name__}")
            return None
        finally:
            self.stage.requests += 1
            ms = (time.perf_counter() - started) * 1000
            if ms > self.stage.slowest_ms:
                self.stage.slowest_ms, self.stage.slowest = ms, label
        if response.status_code != 200:
            self.stage.failed.append(f"{label}: HTTP {response.status_code}")
            return None
        return response

    async def graphql(self, label: str, role: str | None, query: str, variables: dict[str, Any] | None = None
                      ) -> dict[str, Any]:
        headers = {"authorization": f"Bearer {self.tokens[role]}"} if role else {}
        body = {"query": query, "variables": variables or {}}
        response = await self.timed(label, lambda: self.http.post(f"{self.base}/graphql", json=body, headers=headers,
                                                                 timeout=SLOW_SECONDS))
        if response is None:
            return {}
        answer: dict[str, Any] = response.json()
        if answer.get("errors"):
            self.stage.failed.append(f"{label}: {answer['errors'][0].get('message', '')[:120]}")
        return answer.get("data") or {}

    async def get(self, label: str, path: str, role: str | None = None, http: httpx2.AsyncClient | None = None
                  ) -> str:
        """``http``: a client of its own (the console's, holding its session cookie)."""
        headers = {"authorization": f"Bearer {self.tokens[role]}"} if role else {}
        response = await self.timed(label, lambda: (http or self.http).get(f"{self.base}{path}", headers=headers,
                                                                          timeout=SLOW_SECONDS))
        return response.text if response is not None else ""


async def sign_in(caller: Caller, http: httpx2.AsyncClient, role: str) -> bool:
    """Signed in to the console through its development form, as ``role``'s organisation (the session cookie
    stays in ``http``)."""
    page = await http.get(f"{caller.base}/console/sign-in")
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    if page.status_code != 200 or found is None:
        caller.stage.failed.append(f"console sign-in page: HTTP {page.status_code}")
        return False
    code, as_role = ROLES[role]
    form = {"csrf_token": found.group(1), "organisation": code, "role": as_role}
    signed = await http.post(f"{caller.base}/console/sign-in", data=form)
    if signed.status_code != 303:
        caller.stage.failed.append(f"console sign-in as {role}: HTTP {signed.status_code}")
    return signed.status_code == 303


async def me(c: Caller) -> None:
    for role in ROLES:
        await c.graphql(f"me as {role}", role, ME_QUERY)


async def cases_pages(c: Caller) -> None:
    for role in ROLES:
        await c.graphql(f"cases(50) as {role}", role, CASES_PAGE)


async def deep_pages(c: Caller) -> None:
    for role in ("panel", "dfe", "la"):
        after = None
        for page in range(PAGES_DEEP):
            found = (await c.graphql(f"cases page {page + 1} as {role}", role, PAGE_AFTER, {"after": after}))
            info = (found.get("cases") or {}).get("pageInfo") or {}
            if not info.get("hasNextPage"):
                break
            after = info["endCursor"]


async def queue(c: Caller) -> None:
    await c.graphql("Panel's queue (50)", "panel", queue_query(50))


async def inbox(c: Caller) -> None:
    for role in ("panel", "ofsted", "la"):
        await c.graphql(f"inbox(50) as {role}", role, INBOX)


async def deadlines(c: Caller) -> None:
    for role in ("panel", "la"):
        await c.graphql(f"deadlines(50) as {role}", role, DEADLINES)


def every_year(today: date) -> dict[str, str]:
    return {"from": "2000-04-01", "to": today.isoformat()}


async def statistics(c: Caller) -> None:
    today = date.today()
    for role, by in (("dfe", ["QUARTER", "REGION", "AGE_GROUP"]), ("panel", ["QUARTER"]), (None, ["QUARTER"]),
                     (None, ["QUARTER", "AGE_GROUP"])):
        await c.graphql(f"incidentStatistics {','.join(by)} as {role or 'the public'}", role, STATISTICS,
                        {**every_year(today), "by": by})


async def statistics_csv(c: Caller) -> None:
    span = every_year(date.today())
    for role in ("dfe", None):
        await c.get(f"statistics CSV as {role or 'the public'}",
                    f"/statistics/incidents.csv?from={span['from']}&to={span['to']}&by=QUARTER,REGION", role)


async def console(c: Caller) -> None:
    start = date.today() - timedelta(days=365 * 30)
    for role, pages in (("panel", ("queue", "inbox", "deadlines", "reviews", "statistics",
                                   f"statistics?from-day=1&from-month=4&from-year={start.year}")),
                        ("la", ("inbox", "deadlines", "reviews"))):
        async with client() as http:
            if not await sign_in(c, http, role):
                continue
            for page in pages:
                if await c.get(f"console {page} as {role}", f"/console/{page}", http=http) == "":
                    continue
                if (await http.get(f"{c.base}/console")).headers.get("location") == "/console/sign-in":
                    c.stage.failed.append(f"console {page} as {role}: not signed in")


async def metrics(c: Caller) -> None:
    await c.get("/metrics", "/metrics")


STAGES: list[tuple[str, Callable[[Caller], Awaitable[None]]]] = [
    ("me (4 roles)", me),
    ("cases(50) + totalCount (4 roles)", cases_pages),
    (f"cases by cursor, {PAGES_DEEP} pages (3 roles)", deep_pages),
    ("Panel's queue (50) + totalCount", queue),
    ("inbox(50) + totalCount (3 roles)", inbox),
    ("deadlines(50) + totalCount (2 roles)", deadlines),
    ("incidentStatistics, every year (4)", statistics),
    ("statistics CSV, every year (2)", statistics_csv),
    ("console pages (9)", console),
    ("/metrics", metrics),
]


# --- one server ----------------------------------------------------------------------------


async def mint(args: argparse.Namespace, url: str, port: int) -> dict[str, str]:
    tokens = {}
    for role, (code, as_role) in ROLES.items():
        options = ["--org", code, "--role", as_role, "--port", str(port), "--database-url", url]
        tokens[role] = (await run_command([*args.hub_command, "token", *options])).strip().splitlines()[-1]
    return tokens


async def measure(args: argparse.Namespace, servers: Servers, url: str, name: str) -> list[Stage]:
    """Start the hub, read its memory after start-up and after each group of requests, stop it."""
    port = free_port()
    base = f"http://{HOST}:{port}"
    os.environ["CSPR_HUB_RATE_LIMIT_PER_MINUTE"] = os.environ["CSPR_HUB_RATE_LIMIT_BURST"] = "10000000"
    serve = ["serve", "--host", HOST, "--port", str(port), "--database-url", url, "--workers", str(args.workers),
             *(["--no-worker"] if args.no_worker else [])]
    proc = servers.start(name, [*args.hub_command, *serve])
    try:
        async with client() as http:
            await wait_ready(http, base, proc, servers, name)
            await asyncio.sleep(args.settle)
            started = Stage("started (ready)")
            started.rss, started.hwm = largest(api_processes(proc.pid, args.workers))
            caller = Caller(http, base, await mint(args, url, port))
            stages = [started]
            for label, run in STAGES:
                caller.stage = Stage(label)
                print(f"{name}: {label}", file=sys.stderr)
                await run(caller)
                if proc.poll() is not None:
                    raise BenchError(f"{name} exited with {proc.returncode}:\n{servers.log_tail(name)}")
                caller.stage.rss, caller.stage.hwm = largest(api_processes(proc.pid, args.workers))
                stages.append(caller.stage)
            return stages
    finally:
        servers.stop()


async def run(args: argparse.Namespace, target: Target, servers: Servers) -> tuple[list[Stage], list[Stage], dict[str, int], float]:
    await prepare(target, args.admin_url)
    empty = await measure(args, servers, target.url, "hub-empty")
    print(f"inserting {args.cases} cases", file=sys.stderr)
    started = time.monotonic()

    def progress(done: int) -> None:
        if done % 20_000 < seed_cases.CHUNK or done == args.cases:
            print(f"  {done} cases, {time.monotonic() - started:.0f}s", file=sys.stderr)

    rows = await seed_cases.seed(target.url, args.cases, years=args.years, today=date.today(), progress=progress)
    seeded = time.monotonic() - started
    full = await measure(args, servers, target.url, "hub-full")
    return empty, full, rows, seeded


# --- report --------------------------------------------------------------------------------


def report(args: argparse.Namespace, target: Target, empty: list[Stage], full: list[Stage], rows: dict[str, int],
           seeded: float) -> list[str]:
    where = f"throwaway {target.throwaway}" if target.throwaway else "given" if args.database_url else "temporary file"
    processes = "1 API process" if args.workers == 1 else f"{args.workers} API processes (the largest shown)"
    worker = "no in-process worker" if args.no_worker else "with its in-process worker"
    print(f"\n{target.kind} database ({where}); {processes}, {worker}; {os.cpu_count()} CPUs; "
          f"{rows.get('case', 0):,} cases inserted in {seeded:.0f}s:")
    print("  " + ", ".join(f"{name} {n:,}" for name, n in rows.items()))
    width = max(len(s.name) for s in full)
    cases = f"{rows.get('case', 0):,} cases"
    print(f"\n{'stage':<{width}}  {'reqs':>4}  {'empty: slowest ms':>17} {'VmRSS':>6} {'VmHWM':>6}   "
          f"{cases + ': slowest ms':>22} {'VmRSS':>6} {'VmHWM':>6}  slowest request")
    failures = []
    for e, f in zip(empty, full, strict=True):
        print(f"{f.name:<{width}}  {f.requests:>4}  {e.slowest_ms:>17.0f} {e.rss:>6.0f} {e.hwm:>6.0f}   "
              f"{f.slowest_ms:>22.0f} {f.rss:>6.0f} {f.hwm:>6.0f}  {f.slowest}")
        failures += [f"empty: {x}" for x in e.failed] + [f"{cases}: {x}" for x in f.failed]
    peak = max(s.hwm for s in full)
    print(f"\nMB = 10^6 bytes, read after each stage. Peak with {cases}: {peak:.0f} MB "
          f"({'under' if peak < GOAL_MB else 'OVER'} the {GOAL_MB} MB goal).")
    for failure in failures:
        print(f"FAILED {failure}")
    return failures


# --- main ----------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000, help="Cases to insert (default 100000).")
    parser.add_argument("--years", type=int, default=8, help="Years the cases are spread over (default 8).")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--database-url", help="Use this empty (throwaway) database instead of a fresh SQLite file.")
    where.add_argument("--postgres", action="store_true", help="Use a throwaway PostgreSQL database, dropped after.")
    parser.add_argument("--admin-url", default=os.environ.get("CSPR_BENCH_PG_ADMIN_URL", ADMIN_URL),
                        help=f"PostgreSQL to create the throwaway database in (default {ADMIN_URL}).")
    parser.add_argument("--workers", type=int, default=1, help="API processes (serve --workers, default 1).")
    parser.add_argument("--no-worker", action="store_true", help="Serve with --no-worker.")
    parser.add_argument("--settle", type=float, default=2.0, help="Seconds to wait after ready (default 2).")
    parser.add_argument("--timeout", type=float, help="Hard limit for the whole run (default 600 + 6 s per 1,000 cases).")
    parser.add_argument("--hub-command", default=os.environ.get("CSPR_BENCH_HUB_COMMAND"),
                        help="Command that runs the hub's CLI (default: cspr-hub beside this Python).")
    args = parser.parse_args(argv)
    if not 1 <= args.cases <= 1_000_000 or not 1 <= args.years <= 30 or not 1 <= args.workers <= 8:
        parser.error("--cases must be in [1, 1000000], --years in [1, 30] and --workers in [1, 8]")
    if not Path("/proc/self/status").exists():
        parser.error("reads /proc/<pid>/status: Linux only")
    args.hub_command = shlex.split(args.hub_command) if args.hub_command else default_hub_command()
    args.timeout = args.timeout or 600 + 6 * args.cases / 1000
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="cspr-bench-") as tmp, hard_limits(args.timeout):
        servers = Servers(Path(tmp))
        target = choose_target(args, Path(tmp))
        try:
            empty, full, rows, seeded = asyncio.run(asyncio.wait_for(run(args, target, servers), args.timeout))
        except TimeoutError:
            print(f"bench failed: the run took longer than {args.timeout:g}s", file=sys.stderr)
            return 1
        except (BenchError, HardTimeout) as exc:
            print(f"bench failed: {exc}", file=sys.stderr)
            return 1
        finally:
            servers.stop()
            databases.drop(args.admin_url, target)
    return 1 if report(args, target, empty, full, rows, seeded) else 0


if __name__ == "__main__":
    sys.exit(main())
