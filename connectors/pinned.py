"""Outbound HTTP that connects to the address it checked: one DNS lookup per connection, never a second.

Checking a host's addresses and then handing the *name* to an HTTP client lets the name resolve
again when the client connects, and a name whose answer changes in between (DNS rebinding) gets a
public address past the check and a loopback or private one to the connection. Here the lookup,
the check and the connection are one step: the HTTP client's network backend resolves the host
once, refuses the connection when any address is private, loopback, link-local or otherwise not
public (as ``hub.addresses`` judges them, IPv4 carried in IPv6 included), and connects to one of
those same addresses. The URL keeps its host name, so the ``Host`` header, the TLS server name
(SNI), certificate verification and the connection pool all stay on the name, not the address.

``CSPR_HUB_WEBHOOK_ALLOW_PRIVATE`` (development and tests) lets private addresses through; the
connection is still made to the address that was looked up.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import httpcore2
import httpx2

from hub.addresses import Host

Resolver = Callable[[str], Awaitable[list[str]]]
UNRESOLVED = "the host does not resolve"
PRIVATE = "the host resolves to a private, loopback or link-local address"
LIMITS = httpx2.Limits(max_connections=100, max_keepalive_connections=20)


async def resolve(host: str) -> list[str]:
    """The host's addresses, as the system resolver gives them (its order kept, duplicates dropped)."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class Refused(Exception):
    """The hub will not connect to this host; the message is safe to record."""

    def __init__(self, why: str, *, permanent: bool) -> None:
        super().__init__(why)
        self.permanent = permanent


def private(address: str) -> bool:
    """Whether one resolved address is one the hub does not call (unparseable counts as private)."""
    try:
        ip = ipaddress.ip_address(address.partition("%")[0])
    except ValueError:
        return True
    return Host(str(ip), ip).private


class PinnedBackend(httpcore2.AsyncNetworkBackend):
    """Resolve once, check every address, connect to a checked one (the next one if it does not answer)."""

    def __init__(self, *, allow_private: bool, resolver: Resolver = resolve,
                 inner: httpcore2.AsyncNetworkBackend | None = None) -> None:
        self.allow_private = allow_private
        self.resolver = resolver
        self.inner = inner if inner is not None else httpcore2.AnyIOBackend()

    async def addresses(self, host: str, timeout: float | None) -> list[str]:
        """The addresses to connect to, all of them checked; ``Refused`` when none may be called."""
        try:
            async with asyncio.timeout(timeout):
                found = await self.resolver(host.strip("[]"))
        except TimeoutError:
            raise httpcore2.ConnectTimeout(UNRESOLVED) from None
        except (OSError, UnicodeError):
            raise Refused(UNRESOLVED, permanent=False) from None
        if not found:
            raise Refused(UNRESOLVED, permanent=False)
        if not self.allow_private and any(private(a) for a in found):
            raise Refused(PRIVATE, permanent=True)
        return found

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                          socket_options: Iterable[Any] | None = None
                          ) -> httpcore2.AsyncNetworkStream:
        failure: Exception | None = None
        for address in await self.addresses(host, timeout):
            try:
                return await self.inner.connect_tcp(address, port, timeout=timeout, local_address=local_address,
                                                    socket_options=socket_options)
            except (httpcore2.ConnectError, httpcore2.ConnectTimeout) as exc:
                failure = exc
        assert failure is not None
        raise failure

    async def connect_unix_socket(self, path: str, timeout: float | None = None,
                                  socket_options: Iterable[Any] | None = None
                                  ) -> httpcore2.AsyncNetworkStream:
        raise Refused("the hub calls no Unix sockets", permanent=True)

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


class PinnedTransport(httpx2.AsyncHTTPTransport):
    """httpx2's transport over a ``PinnedBackend``: what every webhook delivery and connector call goes through."""

    def __init__(self, *, allow_private: bool, resolver: Resolver = resolve,
                 backend: httpcore2.AsyncNetworkBackend | None = None, verify: ssl.SSLContext | bool = True,
                 limits: httpx2.Limits = LIMITS) -> None:
        super().__init__(verify=verify, limits=limits)
        self.backend = PinnedBackend(allow_private=allow_private, resolver=resolver, inner=backend)
        self._pool = httpcore2.AsyncConnectionPool(  # as httpx2 builds it, with the pinned backend under it
            ssl_context=httpx2.create_ssl_context(verify=verify), max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections, keepalive_expiry=limits.keepalive_expiry,
            network_backend=self.backend)
