"""Processes and HTTP clients the benchmarks start and stop: loopback only, every wait bounded."""

from __future__ import annotations

import asyncio
import contextlib
import math
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

import httpx2

HOST = "127.0.0.1"

READY_SECONDS = 60.0

COMMAND_SECONDS = 120.0

STOP_SECONDS = 10.0

REQUEST_TIMEOUT = 10.0

class BenchError(RuntimeError):
    """The benchmark cannot go on; the message says why."""

class HardTimeout(BaseException):
    """The whole run took longer than --timeout (a BaseException, so nothing swallows it)."""

@dataclass
class Servers:
    """The processes this run started; ``stop`` ends each by its own handle."""

    logs: Path
    running: list[tuple[str, subprocess.Popen[bytes]]] = field(default_factory=list)

    def start(self, name: str, argv: list[str]) -> subprocess.Popen[bytes]:
        with open(self.logs / f"{name}.log", "wb") as log:
            proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        self.running.append((name, proc))
        return proc

    def log_tail(self, name: str, lines: int = 30) -> str:
        path = self.logs / f"{name}.log"
        text = path.read_text("utf-8", "replace") if path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        for _, proc in reversed(self.running):
            if proc.poll() is None:
                proc.terminate()
        for _, proc in reversed(self.running):
            try:
                proc.wait(STOP_SECONDS)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(STOP_SECONDS)
        self.running.clear()

def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])

def normalise_url(url: str) -> str:
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+asyncpg://" + url.split("://", 1)[1]
    if url.startswith("sqlite:///"):
        return "sqlite+aiosqlite:///" + url.removeprefix("sqlite:///")
    return url

def default_hub_command() -> list[str]:
    beside = Path(sys.executable).with_name("cspr-hub")
    found = str(beside) if beside.exists() else shutil.which("cspr-hub")
    if found is None:
        raise BenchError("cspr-hub is not installed; run with the project's .venv/bin/python")
    return [found]

def client(**kwargs: Any) -> httpx2.AsyncClient:
    """A client for loopback only: no proxies from the environment."""
    return httpx2.AsyncClient(trust_env=False, timeout=REQUEST_TIMEOUT, **kwargs)

async def wait_ready(
    http: httpx2.AsyncClient, base: str, proc: subprocess.Popen[bytes], servers: Servers, name: str
) -> None:
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise BenchError(f"{name} exited with {proc.returncode}:\n{servers.log_tail(name)}")
        with contextlib.suppress(httpx2.HTTPError):
            if (await http.get(f"{base}/readyz", timeout=2.0)).status_code == 200:
                return
        await asyncio.sleep(0.2)
    raise BenchError(f"{name} not ready after {READY_SECONDS:.0f}s:\n{servers.log_tail(name)}")

async def run_command(argv: list[str], seconds: float = COMMAND_SECONDS) -> str:
    """Run a short-lived command; it is killed on timeout, error or cancellation."""
    proc = await asyncio.create_subprocess_exec(
        *argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(), seconds)
    except TimeoutError:
        raise BenchError(f"timed out after {seconds:.0f}s: {shlex.join(argv)}") from None
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    if proc.returncode != 0:
        raise BenchError(f"{shlex.join(argv[-6:])} failed ({proc.returncode}): {err.decode()[-2000:]}")
    return out.decode()

@contextlib.contextmanager
def hard_limits(seconds: float) -> Iterator[None]:
    """SIGALRM after the limit (a backstop for the asyncio timeout) and SIGTERM both unwind."""

    def on_alarm(signum: int, frame: FrameType | None) -> None:
        raise HardTimeout(f"the run took longer than {seconds:.0f}s")

    def on_term(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGALRM, on_alarm), signal.signal(signal.SIGTERM, on_term)
    signal.alarm(math.ceil(seconds) + 30)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous[0])
        signal.signal(signal.SIGTERM, previous[1])
