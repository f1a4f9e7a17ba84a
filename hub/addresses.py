"""The addresses the hub calls (webhook receivers, agency systems), canonicalised when they are made.

A host may be written many ways that name the same machine: ``2130706433``, ``0177.0.0.1``, ``127.1``,
``0x7f.0.0.1``, ``127.0.0.1.``, ``[::ffff:127.0.0.1]``, ``①②⑦.0.0.1``, ``%31%32%37.0.0.1``. The host is read
as the WHATWG URL Standard reads it (percent-decoded, Unicode NFKC and IDNA, every IPv4 notation as
``inet_aton`` reads it, IPv6 with the IPv4 it may carry), stored in one form, and a private, loopback,
link-local or otherwise non-public target is refused then, not only when it is called.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import SplitResult, unquote, urlsplit

DOTS = ("\u3002", "\uff0e", "\uff61")  # ideographic and fullwidth full stops: IDNA separates labels at them too
LABEL = re.compile(r"^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$")
HEX = re.compile(r"^0x[0-9a-f]*$")
PRIVATE_NAMES = ("localhost",)
PRIVATE_SUFFIXES = (".localhost", ".local", ".internal", ".home.arpa", ".localdomain")
# IPv6 prefixes that carry an IPv4 address in their last 32 bits: IPv4-compatible, IPv4-mapped, NAT64
CARRY_IPV4 = (ipaddress.IPv6Network("::/96"), ipaddress.IPv6Network("::ffff:0:0/96"),
              ipaddress.IPv6Network("64:ff9b::/96"), ipaddress.IPv6Network("64:ff9b:1::/48"))

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True)
class Host:
    """A host in its one stored form: a lower-case ASCII name, a dotted-quad IPv4 or a bracketed IPv6."""

    text: str
    address: Address | None = None

    @property
    def private(self) -> bool:
        """Loopback, private, link-local, shared, reserved or unspecified; a name only the local network knows."""
        if self.address is None:
            return self.text in PRIVATE_NAMES or self.text.endswith(PRIVATE_SUFFIXES)
        return any(not a.is_global or a.is_multicast for a in _carried(self.address))


def _carried(address: Address) -> list[Address]:
    """The address and every IPv4 address an IPv6 address carries (mapped, compatible, NAT64, 6to4, Teredo)."""
    found: list[Address] = [address]
    if isinstance(address, ipaddress.IPv6Address):
        if any(address in net for net in CARRY_IPV4):
            found.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
        if address.sixtofour is not None:
            found.append(address.sixtofour)
        if address.teredo is not None:
            found.extend(address.teredo)
    return found


def _ipv4_part(part: str) -> int | None:
    if not part or not part.isascii():
        return None
    if part.startswith("0x"):
        return int(part[2:] or "0", 16) if HEX.match(part) else None
    if len(part) > 1 and part.startswith("0"):
        return int(part[1:], 8) if part[1:].isdigit() and "8" not in part and "9" not in part else None
    return int(part) if part.isdigit() else None


def _ipv4(labels: list[str]) -> ipaddress.IPv4Address | None:
    """Every notation ``inet_aton`` reads: 1 to 4 parts, each decimal, octal (0...) or hex (0x...)."""
    if len(labels) > 4:
        return None
    parts = [_ipv4_part(label) for label in labels]
    if any(p is None for p in parts):
        return None
    numbers = [p for p in parts if p is not None]
    *leading, last = numbers
    if any(n > 255 for n in leading) or last >= 256 ** (5 - len(numbers)):
        return None
    value = last
    for i, n in enumerate(leading):
        value += n << (8 * (3 - i))
    return ipaddress.IPv4Address(value)


def _ends_in_a_number(labels: list[str]) -> bool:
    last = labels[-1]
    return last.isascii() and (last.isdigit() or bool(HEX.match(last)))


def _ascii_name(text: str) -> str | None:
    labels = text.split(".")
    try:
        ascii_labels = [label if label.isascii() else label.encode("idna").decode("ascii") for label in labels]
    except UnicodeError:
        return None
    name = ".".join(ascii_labels).lower()
    if len(name) > 253 or not all(LABEL.match(label) for label in name.split(".")):
        return None
    return name


def canonical_host(raw: str) -> Host | None:
    """The host's one form, or None when it names no host (a malformed IP address, a character no host has)."""
    if ":" in raw:  # urlsplit gives an IPv6 literal without its brackets
        try:
            v6 = ipaddress.IPv6Address(raw)
        except ValueError:
            return None
        return None if v6.scope_id else Host(f"[{v6.compressed}]", v6)
    text = unicodedata.normalize("NFKC", unquote(raw, errors="strict")).lower()
    for dot in DOTS:
        text = text.replace(dot, ".")
    text = text.removesuffix(".")
    labels = text.split(".")
    if not text or any(not label for label in labels):
        return None
    if _ends_in_a_number(labels):
        v4 = _ipv4(labels)
        return None if v4 is None else Host(str(v4), v4)
    name = _ascii_name(text)
    return None if name is None else Host(name)


def canonical_url(url: str) -> tuple[str, Host] | None:
    """The URL with its host in the one form (scheme, port, path, query kept), and the host; None if no URL."""
    try:
        parts = urlsplit(url)
        port = parts.port
        host = canonical_host(parts.hostname or "") if parts.hostname else None
    except (ValueError, UnicodeError):
        return None
    if host is None:
        return None
    netloc = host.text if port is None else f"{host.text}:{port}"
    return SplitResult(parts.scheme, netloc, parts.path, parts.query, parts.fragment).geturl(), host
