"""Benchmark the hub's GraphQL API against a plain Starlette baseline serving the same JSON.

Run from the repository root with the project's virtualenv::

    .venv/bin/python bench/bench_api.py [--seconds 10] [--connections 16] [--database-url URL]

What it does, in order (everything on 127.0.0.1, every wait bounded):

1. makes a fresh SQLite database in a temporary directory (or uses ``--database-url``,
   e.g. ``postgresql+asyncpg://root@127.0.0.1:5432/bench``), starts ``cspr-hub serve`` on a
   free port, waits for ``GET /readyz`` == 200, mints Camden's token with ``cspr-hub token``
   and notifies 60 serious incidents as Camden;
2. starts ``bench/baseline.py`` (Starlette + plain SQLAlchemy, no GraphQL) under uvicorn
   with the hub's flags on another free port, reading the same database;
3. checks once that both answer ``me`` and a 50-case page with 200 and the same data, then
   loads each server in turn (never both at once) for each request: with ``wrk --latency``
   when it is on PATH, else with a built-in asyncio + httpx2 load generator;
4. counts, in-process (``app.main.create_app`` behind ``httpx2.ASGITransport``), the SQL
   statements the hub runs for a 5-case and a 50-case page; with dataloaders they match;
5. stops every process it started, on success, error, Ctrl-C, SIGTERM or the hard timeout.

It prints one table: for each request and server, requests/s, p50 and p99 latency in ms
and failed requests, then a ``hub/base`` row with the hub's requests/s and latencies as
multiples of the baseline's; then the hub's SQL statements per cases page.

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
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx2

sys.path.insert(0, str(Path(__file__).resolve().parent))
from baseline import CASES_QUERY, ME_QUERY, PAGE_SIZE, cases_query
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
WARMUP_REQUESTS = 20
LONDON = ZoneInfo("Europe/London")
NOTIFY = """mutation Notify($input: NotifySeriousIncidentInput!) {
  notifySeriousIncident(input: $input) { case { id } errors { code message } } }"""


# --- setup ---------------------------------------------------------------------------------


async def mint_token(hub_command: list[str], database_url: str, port: int) -> str:
    """Camden's token for the hub serving on ``port`` (the development issuer's address follows the port)."""
    options = ["--org", CAMDEN, "--role", CAMDEN_ROLE, "--port", str(port), "--database-url", database_url]
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


def canonical(value: Any) -> Any:
    """Lists of routed messages come back in created_at order; ties may fall either way."""
    if isinstance(value, dict):
        return {k: canonical(v) for k, v in value.items()}
    if isinstance(value, list):
        items = [canonical(v) for v in value]
        if all(isinstance(v, dict) and "eventType" in v for v in items):
            return sorted(items, key=lambda v: json.dumps(v, sort_keys=True))
        return items
    return value


def first_difference(a: Any, b: Any, path: str = "") -> str | None:
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b)):
            found = first_difference(a.get(key), b.get(key), f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            found = first_difference(x, y, f"{path}[{i}]")
            if found:
                return found
        return None
    if a == b:
        return None
    return f"{path or '.'}: hub {json.dumps(a)[:200]} != baseline {json.dumps(b)[:200]}"


async def verify(http: httpx2.AsyncClient, hub: str, base: str, token: str, at_least: int) -> None:
    """Each server answers each request once with 200 and the expected, identical data."""
    for query in (ME_QUERY, CASES_QUERY):
        body = json.dumps({"query": query}).encode()
        answers = [await post_json(http, url, token, body) for url in (hub, base)]
        for answer in answers:
            if query == ME_QUERY:
                check_me(answer)
            else:
                check_cases(answer, PAGE_SIZE, at_least)
        difference = first_difference(*(canonical(a) for a in answers))
        if difference:
            raise BenchError(f"the baseline's answer differs from the hub's at {difference}")


# --- load ----------------------------------------------------------------------------------


async def warm_up(http: httpx2.AsyncClient, url: str, token: str, probe: Probe) -> None:
    for _ in range(WARMUP_REQUESTS):
        await http.post(url, content=probe.body, headers=headers(token))


# --- statements, in-process ----------------------------------------------------------------


async def count_statements(database_url: str, token: str, sizes: tuple[int, ...]) -> dict[int, int]:
    """SQL statements the hub runs per cases page, after one warm-up request."""
    from sqlalchemy import event

    from app.main import create_app
    from app.settings import Settings

    app = create_app(Settings.from_env().with_database(database_url))
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


def ratio(hub: float, base: float) -> str:
    return f"{hub / base:.2f}x" if base and not math.isnan(hub / base) else "n/a"


def table(results: list[Result]) -> list[str]:
    header = f"{'request':<12}{'server':<10}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'requests':>10}{'failed':>8}"
    lines = [header]
    for label in dict.fromkeys(r.probe for r in results):
        rows = {r.server: r for r in results if r.probe == label}
        for r in rows.values():
            lines.append(
                f"{r.probe:<12}{r.server:<10}{r.rps:>10.1f}{r.p50_ms:>10.2f}{r.p99_ms:>10.2f}"
                f"{r.requests:>10}{r.errors:>8}"
            )
        hub, base = rows["hub"], rows["baseline"]
        lines.append(
            f"{label:<12}{'hub/base':<10}{ratio(hub.rps, base.rps):>10}"
            f"{ratio(hub.p50_ms, base.p50_ms):>10}{ratio(hub.p99_ms, base.p99_ms):>10}"
        )
    return lines


def database_kind(url: str) -> str:
    if url.startswith("sqlite"):
        return "SQLite"
    return "PostgreSQL" if url.startswith("postgres") else url.split(":")[0]


def report(plan: LoadPlan, url: str, results: list[Result], statements: dict[int, int]) -> None:
    loader = "wrk -t1 --latency" if plan.wrk else "built-in asyncio + httpx2 loader"
    print(
        f"\n{loader}, {plan.connections} connections, {plan.seconds:g}s per run, "
        f"{database_kind(url)} database, {SEED_CASES} cases seeded; servers loaded one at a time\n"
    )
    print("\n".join(table(results)))
    shown = ", ".join(f"{size} cases: {n}" for size, n in statements.items())
    same = "equal" if len(set(statements.values())) == 1 else "NOT equal: a query per item?"
    print(f"\nhub SQL statements per cases page (in-process, after warm-up): {shown} ({same})")


# --- main ----------------------------------------------------------------------------------


async def start_hub(args: argparse.Namespace, servers: Servers, url: str) -> tuple[str, str]:
    """The hub on a free port, ready, with Camden's token and the seeded cases."""
    port = free_port()
    base = f"http://{HOST}:{port}"
    serve = ["serve", "--host", HOST, "--port", str(port), "--database-url", url]
    proc = servers.start("hub", [*args.hub_command, *serve])
    async with client() as http:
        await wait_ready(http, base, proc, servers, "hub")
        token = await mint_token(args.hub_command, url, port)
        print(f"hub ready on {base}; seeding {SEED_CASES} cases as {CAMDEN}", file=sys.stderr)
        await seed(http, f"{base}/graphql", token, SEED_CASES)
    return base, token


async def start_baseline(servers: Servers, url: str) -> str:
    port = free_port()
    base = f"http://{HOST}:{port}"
    script = str(Path(__file__).with_name("baseline.py"))
    options = ["--host", HOST, "--port", str(port), "--database-url", url]
    proc = servers.start("baseline", [sys.executable, script, *options])
    async with client() as http:
        await wait_ready(http, base, proc, servers, "baseline")
    return base


async def run(args: argparse.Namespace, scratch: Path, servers: Servers) -> None:
    url = normalise_url(args.database_url or f"sqlite+aiosqlite:///{scratch / 'hub.db'}")
    hub, token = await start_hub(args, servers, url)
    base = await start_baseline(servers, url)
    async with client() as http:
        await verify(http, f"{hub}/graphql", f"{base}/graphql", token, SEED_CASES)
    wrk = None if args.python_loader else shutil.which("wrk")
    plan = LoadPlan(args.seconds, args.connections, wrk, scratch)
    results = await load_all(plan, {"hub": hub, "baseline": base}, token)
    statements = await count_statements(url, token, (5, PAGE_SIZE))
    report(plan, url, results, statements)


async def load_all(plan: LoadPlan, targets: dict[str, str], token: str) -> list[Result]:
    """Each request against each server in turn: never two loads at once."""
    probes = [
        Probe("me", json.dumps({"query": ME_QUERY}).encode()),
        Probe(f"cases({PAGE_SIZE})", json.dumps({"query": CASES_QUERY}).encode()),
    ]
    load = wrk_load if plan.wrk else python_load
    results = []
    for probe in probes:
        for server, base in targets.items():
            url = f"{base}/graphql"
            print(f"loading {server} with {probe.label} for {plan.seconds:g}s", file=sys.stderr)
            async with client() as http:
                await warm_up(http, url, token, probe)
            results.append(await load(plan, url, token, probe, server))
    return results


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="Load per server and request (default 10).")
    parser.add_argument("--connections", type=int, default=16, help="Concurrent connections (default 16).")
    parser.add_argument("--database-url", help="Use this database instead of a fresh SQLite file.")
    parser.add_argument(
        "--hub-command",
        default=os.environ.get("CSPR_BENCH_HUB_COMMAND"),
        help="Command that runs the hub's CLI (default: cspr-hub beside this Python).",
    )
    parser.add_argument("--python-loader", action="store_true", help="Do not use wrk even if installed.")
    parser.add_argument("--timeout", type=float, help="Hard limit for the whole run (default 180 + 8 x seconds).")
    args = parser.parse_args(argv)
    if not 0 < args.seconds <= 600 or not 1 <= args.connections <= 1000:
        parser.error("--seconds must be in (0, 600] and --connections in [1, 1000]")
    args.hub_command = shlex.split(args.hub_command) if args.hub_command else default_hub_command()
    args.timeout = args.timeout or 180 + 8 * args.seconds
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
