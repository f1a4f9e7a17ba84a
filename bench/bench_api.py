"""Benchmark the hub's GraphQL API against two anchors serving the hub's own answers, in one run.

Run from the repository root with the project's virtualenv::

    .venv/bin/python bench/bench_api.py [--seconds 10] [--connections 16] [--database-url URL] [--processes 1,2]

What it does, in order (everything on 127.0.0.1, every wait bounded):

1. makes a fresh SQLite database in a temporary directory (or uses ``--database-url``,
   e.g. ``postgresql+asyncpg://root@127.0.0.1:5432/bench``), starts ``cspr-hub serve`` on a
   free port, waits for ``GET /readyz`` == 200, mints Camden's and the Panel's tokens with
   ``cspr-hub token``, notifies 60 serious incidents as Camden and puts 20 submitted rapid
   reviews in the Panel's queue (through the hub's own mutations, in-process);
2. records the hub's answer to each request (``me``, a 50-case page, the Panel's queue) and
   starts ``bench/anchors.py`` under uvicorn with the hub's flags: ``raw`` returns those
   bytes from a plain Starlette endpoint, ``exec`` runs graphql-core over them in memory;
3. loads the hub, ``exec`` and ``raw`` in turn (never two at once) with each request: with
   ``wrk --latency`` when it is on PATH, else with a built-in asyncio + httpx2 generator;
   with ``--processes 1,2`` it does so with one, then two processes per server;
4. counts, in-process (``app.main.create_app`` behind ``httpx2.ASGITransport``), the SQL
   statements the hub runs for a 5-case and a 50-case page; with batching they match;
5. stops every process it started, on success, error, Ctrl-C, SIGTERM or the hard timeout.

It prints one table: for each request and server, requests/s, p50 and p99 latency in ms and
failed requests, then the hub's requests/s as a fraction of ``exec``'s and of ``raw``'s.

``--hub-command`` (or ``CSPR_BENCH_HUB_COMMAND``) replaces the ``cspr-hub`` executable,
e.g. with a wrapper that loads other reference data; ``serve`` and ``token`` are appended.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import shlex
import shutil
import sys
import tempfile
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx2

sys.path.insert(0, str(Path(__file__).resolve().parent))
from documents import CASES_QUERY, ME_QUERY, PAGE_SIZE, QUEUE_QUERY, cases_query
from load import LoadPlan, Probe, Result, headers, python_load, wrk_load
from processes import (
    HOST,
    BenchError,
    HardTimeout,
    Servers,
    client,
    default_hub_command,
    free_port,
    hard_limits,
    normalise_url,
    run_command,
    wait_ready,
)

CAMDEN, CAMDEN_ROLE = "E09000007", "la"
SEED_CASES = 60
QUEUE_CASES = 20
WARMUP_REQUESTS = 20
LONDON = ZoneInfo("Europe/London")
NOTIFY = """mutation Notify($input: NotifySeriousIncidentInput!) {
  notifySeriousIncident(input: $input) { case { id } errors { code message } } }"""


# --- setup ---------------------------------------------------------------------------------


async def mint_token(hub_command: list[str], database_url: str, port: int, org: str, role: str) -> str:
    """A token for the hub serving on ``port`` (the development issuer's address follows the port)."""
    options = ["--org", org, "--role", role, "--port", str(port), "--database-url", database_url]
    out = await run_command([*hub_command, "token", *options])
    return out.strip().splitlines()[-1]


def incident(n: int) -> dict[str, Any]:
    today = datetime.now(LONDON).date().isoformat()
    return {
        "child": {
            "firstName": "Test",
            "lastName": f"Child{n:02d}",
            "dateOfBirth": "2015-03-01",
            "sex": "FEMALE",
            "lookedAfter": False,
            "onChildProtectionPlan": False,
        },
        "incident": {
            "kind": "DEATH",
            "occurredOn": today,
            "awareOn": today,
            "abuseOrNeglect": "SUSPECTED",
            "location": "IN_AREA",
            "summary": f"Benchmark incident {n}; invented data.",
        },
    }


async def seed(http: httpx2.AsyncClient, url: str, token: str, count: int) -> None:
    for n in range(1, count + 1):
        body = {"query": NOTIFY, "variables": {"input": incident(n)}}
        answer = await post_json(http, url, token, json.dumps(body).encode())
        payload = (answer.get("data") or {}).get("notifySeriousIncident") or {}
        if answer.get("errors") or payload.get("errors") or not payload.get("case"):
            raise BenchError(f"seeding case {n} failed: {json.dumps(answer)[:500]}")


async def seed_queue(database_url: str, count: int) -> None:
    """``count`` rapid reviews submitted to the Panel, through the hub's own mutations in-process
    (the demo's steps: notified, started, contributed, signed off, submitted, on working days)."""
    from dataclasses import replace
    from datetime import time

    from app.demo import CHILDREN, SUBMISSION, Demo, _last_working_day
    from app.main import Hub
    from app.settings import Settings
    from hub.clock import FixedClock, today_in_england

    base = Hub.create(Settings.from_env().with_database(database_url))
    await base.start(migrate=False)
    try:
        today = _last_working_day(today_in_england(base.clock))
        clock = FixedClock(datetime.combine(today, time(10, 0), tzinfo=LONDON))
        demo = Demo(Hub(base.settings, clock, base.engine, base.sessions, feed=base.feed, ready=True), clock, today)
        for n in range(count):
            start = demo.working_days_ago(8)
            demo.on(start)
            child = replace(CHILDREN[n % len(CHILDREN)], last_name=f"Queue{n:02d}")
            case = await demo.notify(child, f"benchmark queue incident {n}; invented data.")
            await demo.submitted(case["id"], start, SUBMISSION)
    finally:
        await base.stop()


# --- checking the answers ------------------------------------------------------------------


async def post_json(http: httpx2.AsyncClient, url: str, token: str, body: bytes) -> dict[str, Any]:
    response = await http.post(url, content=body, headers=headers(token))
    if response.status_code != 200:
        raise BenchError(f"POST {url} gave {response.status_code}: {response.text[:500]}")
    answer: dict[str, Any] = response.json()
    return answer


def check_me(answer: dict[str, Any]) -> None:
    me = (answer.get("data") or {}).get("me") or {}
    if me.get("role") != CAMDEN_ROLE or (me.get("organisation") or {}).get("code") != CAMDEN:
        raise BenchError(f"unexpected me: {json.dumps(answer)[:500]}")


def check_cases(answer: dict[str, Any], size: int, at_least: int) -> None:
    page = (answer.get("data") or {}).get("cases") or {}
    nodes = page.get("nodes") or []
    if answer.get("errors") or page.get("totalCount", 0) < at_least or len(nodes) != size:
        raise BenchError(f"unexpected cases page: {json.dumps(answer)[:500]}")
    for node in nodes:
        members = [m["code"] for m in node["leadPartnership"]["members"]]
        if CAMDEN not in members or not (node.get("notification") or {}).get("routedTo"):
            raise BenchError(f"case {node.get('reference')} lacks members or routedTo")


def check_queue(answer: dict[str, Any], at_least: int) -> None:
    queue = (answer.get("data") or {}).get("rapidReviews") or {}
    nodes = queue.get("nodes") or []
    if answer.get("errors") or len(nodes) < at_least or not all(n["status"] == "SUBMITTED" for n in nodes):
        raise BenchError(f"unexpected Panel queue: {json.dumps(answer)[:500]}")


async def record(http: httpx2.AsyncClient, url: str, probes: list[Probe]) -> dict[str, str]:
    """The hub's answer to each request, checked: what the anchors will serve."""
    answers = {}
    for probe in probes:
        response = await http.post(url, content=probe.body, headers=headers(probe.token))
        if response.status_code != 200:
            raise BenchError(f"{probe.label}: the hub answered {response.status_code}: {response.text[:500]}")
        answer = response.json()
        if probe.label == "me":
            check_me(answer)
        elif probe.label.startswith("cases"):
            check_cases(answer, PAGE_SIZE, SEED_CASES)
        else:
            check_queue(answer, QUEUE_CASES)
        answers[probe.body.decode()] = response.text
    return answers


async def check_anchor(http: httpx2.AsyncClient, url: str, probes: list[Probe], answers: dict[str, str]) -> None:
    """The anchor gives the hub's data back for each request."""
    for probe in probes:
        got = await post_json(http, url, probe.token, probe.body)
        if got != json.loads(answers[probe.body.decode()]):
            raise BenchError(f"{url} answered {probe.label} differently: {json.dumps(got)[:300]}")


# --- statements, in-process ----------------------------------------------------------------


async def count_statements(database_url: str, port: int, token: str, sizes: tuple[int, ...]) -> dict[int, int]:
    """SQL statements the hub runs per cases page, after one warm-up request (as the hub on ``port``,
    whose issuer minted ``token``)."""
    from sqlalchemy import event

    from app.main import create_app
    from app.settings import Settings

    app = create_app(Settings.from_env().with_database(database_url).serving_on(HOST, port))
    hub = app.state.hub
    executed = [0]

    def count(*_: Any) -> None:
        executed[0] += 1

    event.listen(hub.engine.sync_engine, "before_cursor_execute", count)
    await hub.start()
    try:
        async with client(transport=httpx2.ASGITransport(app=app), base_url="http://hub.test") as http:
            me = json.dumps({"query": ME_QUERY}).encode()
            check_me(await post_json(http, "/graphql", token, me))  # fills the verifier's caches
            counts = {}
            for size in sizes:
                body = json.dumps({"query": cases_query(size)}).encode()
                executed[0] = 0
                check_cases(await post_json(http, "/graphql", token, body), size, size)
                counts[size] = executed[0]
            return counts
    finally:
        await hub.stop()


# --- report --------------------------------------------------------------------------------


def fraction(hub: float, anchor: float) -> str:
    return f"{hub / anchor:.2f}" if anchor and not math.isnan(hub / anchor) else "n/a"


def table(results: list[Result]) -> list[str]:
    header = (f"{'request':<10}{'procs':>6}  {'server':<8}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}"
              f"{'requests':>10}{'failed':>7}")
    lines = [header]
    for label, processes in dict.fromkeys((r.probe, r.processes) for r in results):
        rows = {r.server: r for r in results if (r.probe, r.processes) == (label, processes)}
        for r in rows.values():
            lines.append(
                f"{r.probe:<10}{processes:>6}  {r.server:<8}{r.rps:>10.1f}{r.p50_ms:>9.2f}{r.p99_ms:>9.2f}"
                f"{r.requests:>10}{r.errors:>7}"
            )
        hub = rows["hub"].rps
        failed = sum(r.errors for r in rows.values())
        lines.append(f"{label:<10}{processes:>6}  hub/exec {fraction(hub, rows['exec'].rps):>8}   "
                     f"hub/raw {fraction(hub, rows['raw'].rps):>6}"
                     + (f"   NOT VALID: {failed} requests failed" if failed else ""))
    return lines


def database_kind(url: str) -> str:
    if url.startswith("sqlite"):
        return "SQLite"
    return "PostgreSQL" if url.startswith("postgres") else url.split(":")[0]


def report(plan: LoadPlan, url: str, results: list[Result], statements: dict[int, int]) -> None:
    loader = "wrk -t1 --latency" if plan.wrk else "built-in asyncio + httpx2 loader"
    print(
        f"\n{loader}, {plan.connections} connections, {plan.seconds:g}s per run, {database_kind(url)} database, "
        f"{SEED_CASES} cases and {QUEUE_CASES} rapid reviews awaiting the Panel seeded; servers loaded one at a "
        f"time; {os.cpu_count()} CPUs\n"
    )
    print("\n".join(table(results)))
    shown = ", ".join(f"{size} cases: {n}" for size, n in statements.items())
    same = "equal" if len(set(statements.values())) == 1 else "NOT equal: a query per item?"
    print(f"\nhub SQL statements per cases page (in-process, after warm-up): {shown} ({same})")


# --- main ----------------------------------------------------------------------------------


async def start_hub(args: argparse.Namespace, servers: Servers, url: str, processes: int) -> tuple[str, int]:
    """The hub on a free port with ``processes`` API processes, ready."""
    port = free_port()
    base = f"http://{HOST}:{port}"
    # The rate limits stay on (their cost is part of every request) but far above what a load reaches: a
    # 429 answered in microseconds is not the hub's answer, and would count as a request served.
    os.environ["CSPR_HUB_RATE_LIMIT_PER_MINUTE"] = os.environ["CSPR_HUB_RATE_LIMIT_BURST"] = "10000000"
    serve = ["serve", "--host", HOST, "--port", str(port), "--database-url", url, "--workers", str(processes)]
    proc = servers.start(f"hub-{processes}", [*args.hub_command, *serve])
    async with client() as http:
        await wait_ready(http, base, proc, servers, f"hub-{processes}")
    return base, port


async def start_anchors(servers: Servers, scratch: Path, answers: dict[str, str], processes: int) -> str:
    """``bench/anchors.py`` under uvicorn with the hub's flags, serving the recorded answers."""
    from resolvers import build_schema

    (scratch / "answers.json").write_text(json.dumps(answers), "utf-8")
    import graphql

    (scratch / "schema.graphql").write_text(graphql.print_schema(build_schema()._schema), "utf-8")
    port = free_port()
    base = f"http://{HOST}:{port}"
    os.environ["CSPR_BENCH_ANSWERS"] = str(scratch / "answers.json")
    os.environ["CSPR_BENCH_SDL"] = str(scratch / "schema.graphql")
    argv = [sys.executable, "-m", "uvicorn", "--factory", "anchors:create_app", "--app-dir",
            str(Path(__file__).resolve().parent), "--host", HOST, "--port", str(port), "--log-level", "info",
            "--no-proxy-headers", "--workers", str(processes)]
    proc = servers.start(f"anchors-{processes}", argv)
    async with client() as http:
        await wait_ready(http, base, proc, servers, f"anchors-{processes}")
    return base


async def run(args: argparse.Namespace, scratch: Path, servers: Servers) -> None:
    url = normalise_url(args.database_url or f"sqlite+aiosqlite:///{scratch / 'hub.db'}")
    wrk = None if args.python_loader else shutil.which("wrk")
    plan = LoadPlan(args.seconds, args.connections, wrk, scratch)
    results: list[Result] = []
    camden, port = "", 0
    for index, processes in enumerate(args.processes):
        hub, port = await start_hub(args, servers, url, processes)
        camden = await mint_token(args.hub_command, url, port, CAMDEN, CAMDEN_ROLE)
        panel = await mint_token(args.hub_command, url, port, "PANEL", "panel")
        if index == 0:
            print(f"hub ready on {hub}; seeding {SEED_CASES} cases and {QUEUE_CASES} rapid reviews", file=sys.stderr)
            async with client() as http:
                await seed(http, f"{hub}/graphql", camden, SEED_CASES)
            await seed_queue(url, QUEUE_CASES)
        probes = [
            Probe("me", json.dumps({"query": ME_QUERY}).encode(), camden),
            Probe(f"cases({PAGE_SIZE})", json.dumps({"query": CASES_QUERY}).encode(), camden),
            Probe("queue", json.dumps({"query": QUEUE_QUERY}).encode(), panel),
        ]
        async with client() as http:
            answers = await record(http, f"{hub}/graphql", probes)
        anchors = await start_anchors(servers, scratch, answers, processes)
        targets = {"hub": f"{hub}/graphql", "exec": f"{anchors}/exec/graphql", "raw": f"{anchors}/raw/graphql"}
        async with client() as http:
            for name in ("exec", "raw"):
                await check_anchor(http, targets[name], probes, answers)
        results += await load_all(plan, targets, probes, processes)
        servers.stop()
    statements = await count_statements(url, port, camden, (5, PAGE_SIZE))
    report(plan, url, results, statements)
    failed = sum(r.errors for r in results)
    if failed:
        raise BenchError(f"{failed} requests failed under load: the figures above are not valid")


async def load_all(plan: LoadPlan, targets: dict[str, str], probes: list[Probe], processes: int) -> list[Result]:
    """Each request against each server in turn: never two loads at once."""
    load = wrk_load if plan.wrk else python_load
    results = []
    for probe in probes:
        for server, url in targets.items():
            print(f"loading {server} ({processes} processes) with {probe.label} for {plan.seconds:g}s",
                  file=sys.stderr)
            async with client() as http:
                for _ in range(WARMUP_REQUESTS):
                    await http.post(url, content=probe.body, headers=headers(probe.token))
            results.append(replace(await load(plan, url, probe, server), processes=processes))
    return results


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="Load per server and request (default 10).")
    parser.add_argument("--connections", type=int, default=16, help="Concurrent connections (default 16).")
    parser.add_argument("--database-url", help="Use this database instead of a fresh SQLite file.")
    parser.add_argument("--processes", help="API processes per server, e.g. 1,2 (default: 1 on SQLite, 1,2 otherwise).")
    parser.add_argument(
        "--hub-command",
        default=os.environ.get("CSPR_BENCH_HUB_COMMAND"),
        help="Command that runs the hub's CLI (default: cspr-hub beside this Python).",
    )
    parser.add_argument("--python-loader", action="store_true", help="Do not use wrk even if installed.")
    parser.add_argument("--timeout", type=float, help="Hard limit for the whole run (default 240 + 30 x seconds).")
    args = parser.parse_args(argv)
    if not 0 < args.seconds <= 600 or not 1 <= args.connections <= 1000:
        parser.error("--seconds must be in (0, 600] and --connections in [1, 1000]")
    default = "1" if not args.database_url or args.database_url.startswith("sqlite") else "1,2"
    try:
        args.processes = [int(n) for n in (args.processes or default).split(",")]
    except ValueError:
        parser.error("--processes takes numbers separated by commas, e.g. 1,2")
    if not all(1 <= n <= 8 for n in args.processes):
        parser.error("--processes must be between 1 and 8")
    args.hub_command = shlex.split(args.hub_command) if args.hub_command else default_hub_command()
    args.timeout = args.timeout or 240 + 30 * args.seconds * len(args.processes)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="cspr-bench-") as tmp, hard_limits(args.timeout):
        servers = Servers(Path(tmp))
        try:
            asyncio.run(asyncio.wait_for(run(args, Path(tmp), servers), args.timeout))
        except TimeoutError:
            print(f"bench failed: the run took longer than {args.timeout:g}s", file=sys.stderr)
            return 1
        except (BenchError, HardTimeout) as exc:
            print(f"bench failed: {exc}", file=sys.stderr)
            return 1
        finally:
            servers.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
