"""Load generation: wrk with a generated Lua script when it is installed, else an asyncio loader."""

from __future__ import annotations

import asyncio
import math
import re
import time
from dataclasses import dataclass
from pathlib import Path

import httpx2
from processes import COMMAND_SECONDS, REQUEST_TIMEOUT, BenchError, client, run_command

MAX_REQUESTS = 1_000_000

@dataclass(frozen=True)
class Probe:
    """One request the benchmark sends: a label and its POST body."""

    label: str
    body: bytes
    token: str

@dataclass(frozen=True)
class Result:
    probe: str
    server: str
    requests: int
    errors: int
    rps: float
    p50_ms: float
    p99_ms: float
    processes: int = 1

@dataclass(frozen=True)
class LoadPlan:
    seconds: float
    connections: int
    wrk: str | None  # None: the built-in loader
    scratch: Path  # for wrk's Lua scripts

def headers(token: str) -> dict[str, str]:
    return {"content-type": "application/json", "authorization": f"Bearer {token}"}

def percentile(sorted_values: list[float], fraction: float) -> float:
    if not sorted_values:
        return math.nan
    index = min(len(sorted_values) - 1, max(0, math.ceil(fraction * len(sorted_values)) - 1))
    return sorted_values[index]

async def python_load(plan: LoadPlan, url: str, probe: Probe, server: str) -> Result:
    """N workers on N keep-alive connections, each sending back-to-back until the deadline."""
    latencies: list[float] = []
    errors = 0
    size = plan.connections
    limits = httpx2.Limits(max_connections=size, max_keepalive_connections=size)
    async with client(limits=limits) as http:
        sent = 0
        deadline = time.perf_counter() + plan.seconds

        async def worker() -> None:
            nonlocal sent, errors
            while time.perf_counter() < deadline and sent < MAX_REQUESTS:
                sent += 1
                started = time.perf_counter()
                try:
                    ok = (await http.post(url, content=probe.body, headers=headers(probe.token))).status_code == 200
                except httpx2.HTTPError:
                    ok = False
                if ok:
                    latencies.append(time.perf_counter() - started)
                else:
                    errors += 1

        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(size)))
        elapsed = time.perf_counter() - began
    latencies.sort()
    return Result(
        probe=probe.label,
        server=server,
        requests=len(latencies) + errors,
        errors=errors,
        rps=len(latencies) / elapsed,
        p50_ms=percentile(latencies, 0.50) * 1000,
        p99_ms=percentile(latencies, 0.99) * 1000,
    )

def lua_string(text: str) -> str:
    level = 0
    while f"]{'=' * level}]" in text:
        level += 1
    return f"[{'=' * level}[{text}]{'=' * level}]"

def wrk_script(probe: Probe, token: str) -> str:
    return "\n".join(
        [
            'wrk.method = "POST"',
            f"wrk.body = {lua_string(probe.body.decode())}",
            'wrk.headers["Content-Type"] = "application/json"',
            f'wrk.headers["Authorization"] = {lua_string("Bearer " + token)}',
            "",
        ]
    )

UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}

def _ms(text: str) -> float:
    found = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    if found is None:
        raise BenchError(f"cannot read wrk's latency {text!r}")
    return float(found.group(1)) * UNITS_MS[found.group(2)]

def parse_wrk(output: str, probe: str, server: str) -> Result:
    """Requests/sec, the 50% and 99% rows of ``--latency``, non-2xx and socket errors."""
    found = {p: re.search(rf"^\s+{p}%\s+(\S+)\s*$", output, re.MULTILINE) for p in ("50", "99")}
    total = re.search(r"^\s*(\d+) requests in", output, re.MULTILINE)
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.MULTILINE)
    if not (found["50"] and found["99"] and total and rps):
        raise BenchError(f"cannot read wrk's output:\n{output}")
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    errors = int(non_2xx.group(1)) if non_2xx else 0
    errors += sum(map(int, sockets.groups())) if sockets else 0
    return Result(
        probe=probe,
        server=server,
        requests=int(total.group(1)),
        errors=errors,
        rps=float(rps.group(1)),
        p50_ms=_ms(found["50"].group(1)),
        p99_ms=_ms(found["99"].group(1)),
    )

async def wrk_load(plan: LoadPlan, url: str, probe: Probe, server: str) -> Result:
    """One wrk thread (the server has the other core), ``--latency`` for the percentiles."""
    assert plan.wrk is not None
    script = plan.scratch / f"{server}-{re.sub(r'[^a-z0-9]+', '-', probe.label)}.lua"
    script.write_text(wrk_script(probe, probe.token), "utf-8")
    duration = max(1, round(plan.seconds))
    options = [f"-c{plan.connections}", f"-d{duration}s", f"--timeout={REQUEST_TIMEOUT:.0f}s"]
    argv = [plan.wrk, "-t1", *options, "--latency", "-s", str(script), url]
    output = await run_command(argv, seconds=duration + COMMAND_SECONDS)
    return parse_wrk(output, probe.label, server)
