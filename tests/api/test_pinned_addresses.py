"""Webhook deliveries and connector calls connect to the address that was checked: the host is resolved
once, every address it gave is checked, and the connection goes to one of them. A name that answers a
public address to the check and loopback afterwards (DNS rebinding) never reaches loopback, while the
Host header, the TLS server name and certificate verification stay on the name."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import ssl
from collections.abc import AsyncIterator, Iterable
from pathlib import Path
from typing import Any

import httpcore2
import httpx2
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from app.main import Hub
from connectors.framework import AgencyClient, Blocked, Target
from connectors.pinned import PRIVATE, UNRESOLVED, PinnedTransport
from connectors.webhooks import Sender
from hub import events, webhooks
from hub.connector import AuthMethod, ConnectorConfig, ConnectorKind, ConnectorSecrets
from hub.models import WebhookDelivery, WebhookSubscription
from tests.conftest import free_port, serving

PUBLIC = "192.0.32.10"  # a global address: the tests below never connect to it (see Recording)


class Rebinding:
    """A resolver whose first answer is a public address and every later answer loopback."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    async def __call__(self, host: str) -> list[str]:
        self.asked.append(host)
        return [PUBLIC] if len(self.asked) == 1 else ["127.0.0.1"]


class Recording(httpcore2.AsyncNetworkBackend):
    """Connects to loopback for real; records any other address and refuses it, so no packet leaves."""

    def __init__(self) -> None:
        self.inner = httpcore2.AnyIOBackend()
        self.connects: list[tuple[str, int]] = []

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                          socket_options: Iterable[Any] | None = None) -> httpcore2.AsyncNetworkStream:
        self.connects.append((host, port))
        if not host.startswith("127."):
            raise httpcore2.ConnectError(f"not connecting to {host} in a test")
        return await self.inner.connect_tcp(host, port, timeout=timeout, local_address=local_address,
                                            socket_options=socket_options)

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


class Received:
    def __init__(self) -> None:
        self.requests: list[dict[str, str]] = []

    async def endpoint(self, request: Request) -> Response:
        self.requests.append(dict(request.headers))
        return JSONResponse({"ok": True})


@pytest.fixture
async def loopback() -> AsyncIterator[tuple[Received, int]]:
    found = Received()
    app = Starlette(routes=[Route("/{path:path}", found.endpoint, methods=["GET", "POST"])])
    async with serving(app) as base:
        yield found, int(base.rsplit(":", 1)[1])


def claimed(hub: Hub, url: str) -> events.Claimed:
    return events.Claimed(
        WebhookDelivery(subscription_id="s", event_type="notification.submitted", payload={"n": 1}, status="PENDING",
                        next_attempt_at=hub.clock.now(), created_at=hub.clock.now()),
        WebhookSubscription(organisation_id="o", url=url, secret=webhooks.new_secret(), created_at=hub.clock.now()))


async def test_a_name_that_rebinds_to_loopback_after_the_check_never_reaches_loopback(
    hub: Hub, loopback: tuple[Received, int]
) -> None:
    received, port = loopback
    rebinding, backend = Rebinding(), Recording()
    # "localhost" is what the system resolver would hand a client that looked the name up a second time
    transport = PinnedTransport(allow_private=False, resolver=rebinding, backend=backend)
    async with httpx2.AsyncClient(transport=transport) as client:
        outcome = await Sender(client, sealer=hub.sealer()).send(claimed(hub, f"http://localhost:{port}/hook"),
                                                                 hub.clock.now())
    assert rebinding.asked == ["localhost"]  # one lookup, checked, and the connection went to its answer
    assert backend.connects == [(PUBLIC, port)]
    assert received.requests == []  # the loopback receiver got nothing
    assert (outcome.status_code, outcome.error, outcome.retryable) == (None, "ConnectError", True)


async def test_every_address_is_checked_and_a_private_one_refuses_the_host_for_good(hub: Hub) -> None:
    async def mixed(host: str) -> list[str]:
        return [PUBLIC, "::ffff:10.0.0.7"]  # a private IPv4 carried in IPv6, second in the answer

    backend = Recording()
    async with httpx2.AsyncClient(transport=PinnedTransport(allow_private=False, resolver=mixed,
                                                            backend=backend)) as client:
        outcome = await Sender(client, sealer=hub.sealer()).send(claimed(hub, "https://hooks.example.org/x"),
                                                                 hub.clock.now())
    assert (outcome.status_code, outcome.error, outcome.retryable) == (None, PRIVATE, False)
    assert backend.connects == []


async def test_a_host_that_does_not_resolve_is_retried(hub: Hub) -> None:
    async def nothing(host: str) -> list[str]:
        raise OSError("name or service not known")

    async with httpx2.AsyncClient(transport=PinnedTransport(allow_private=False, resolver=nothing)) as client:
        outcome = await Sender(client, sealer=hub.sealer()).send(claimed(hub, "https://hooks.example.org/x"),
                                                                 hub.clock.now())
    assert (outcome.error, outcome.retryable) == (UNRESOLVED, True)


def agency(base_url: str) -> Target:
    config = ConnectorConfig(kind=ConnectorKind.REST, base_url=base_url, auth=AuthMethod.NONE)
    return Target("c", config, ConnectorSecrets(callback_secret="whsec_dGVzdA==", callback_token="t"))


async def test_a_connector_call_resolves_once_connects_to_that_address_and_keeps_the_host_name(
    loopback: tuple[Received, int]
) -> None:
    received, port = loopback
    asked: list[str] = []

    async def agency_dns(host: str) -> list[str]:
        asked.append(host)
        return ["127.0.0.1"]

    # the development allowance: loopback is allowed, and still reached only through the one lookup
    client = AgencyClient(agency(f"http://systems.council.test:{port}"), allow_private=True, resolver=agency_dns)
    try:
        response = await client.request("GET", f"http://systems.council.test:{port}/")
    finally:
        await client.aclose()
    assert (response.status_code, asked) == (200, ["systems.council.test"])
    assert received.requests[0]["host"] == f"systems.council.test:{port}"


async def test_a_connector_whose_host_rebinds_is_refused_before_any_connection(loopback: tuple[Received, int]) -> None:
    received, port = loopback

    async def private_first(host: str) -> list[str]:
        return ["10.0.0.7"]

    client = AgencyClient(agency(f"http://localhost:{port}"), allow_private=False, resolver=private_first)
    try:
        with pytest.raises(Blocked) as blocked:
            await client.request("GET", f"http://localhost:{port}/")
    finally:
        await client.aclose()
    assert (str(blocked.value), blocked.value.permanent, received.requests) == (PRIVATE, True, [])


def certificate(tmp: Path, name: str) -> tuple[Path, Path]:
    """A self-signed certificate for ``name`` alone (no IP address in it)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = tmp / f"{name}.pem", tmp / f"{name}.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


@contextlib.asynccontextmanager
async def serving_tls(app: Any, cert: Path, key: Path) -> AsyncIterator[int]:
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off",
                                           ssl_certfile=str(cert), ssl_keyfile=str(key)))
    task = asyncio.create_task(server.serve())
    try:
        for _ in range(250):
            if server.started:
                break
            await asyncio.sleep(0.02)
        yield port
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, timeout=10)


async def test_tls_names_and_verifies_the_host_name_not_the_address_connected_to(tmp_path: Path) -> None:
    cert, key = certificate(tmp_path, "hooks.example.test")
    received = Received()
    app = Starlette(routes=[Route("/hook", received.endpoint, methods=["POST"])])

    async def to_loopback(host: str) -> list[str]:
        return ["127.0.0.1"]

    trusted = ssl.create_default_context(cafile=str(cert))
    async with serving_tls(app, cert, key) as port:
        transport = PinnedTransport(allow_private=True, resolver=to_loopback, verify=trusted)
        async with httpx2.AsyncClient(transport=transport) as client:
            response = await client.post(f"https://hooks.example.test:{port}/hook", json={})
            # the same address under a name the certificate does not carry: verification fails
            with pytest.raises(httpx2.ConnectError):
                await client.post(f"https://other.example.test:{port}/hook", json={})
    assert response.status_code == 200
    assert [r["host"] for r in received.requests] == [f"hooks.example.test:{port}"]
