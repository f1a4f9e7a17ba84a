"""Tokens verified once: the Principal a token gave, kept until the token expires.

Keyed by the token's SHA-256 (never the token itself), bounded (least recently used goes first), and
valid only while the data the verification read is unchanged: each entry carries the stamps of
``hub.data_versions`` CLIENTS (a revoked client's tokens stop working at once, in every process) and
REFERENCE (the organisation a token names) it was verified under.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass

from hub.principal import Principal

Stamp = tuple[object, ...]
MAX_ENTRIES = 10_000


@dataclass(frozen=True)
class Entry:
    principal: Principal
    expires: float  # seconds since the epoch, the token's exp with the leeway verification allows
    stamp: Stamp


def key_of(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


class VerifiedTokens:
    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self._entries: OrderedDict[bytes, Entry] = OrderedDict()
        self._max = max_entries

    def get(self, key: bytes, *, now: float, stamp: Stamp) -> Principal | None:
        found = self._entries.get(key)
        if found is None:
            return None
        if found.expires <= now or found.stamp != stamp:
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return found.principal

    def put(self, key: bytes, entry: Entry) -> None:
        self._entries[key] = entry
        self._entries.move_to_end(key)
        while len(self._entries) > self._max:
            self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)
