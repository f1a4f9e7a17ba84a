"""Token buckets, one per caller (an OAuth client, or an address for calls without a token).

A bucket holds up to ``burst`` requests and refills at ``per_minute`` a minute; a request takes one, and
when none is left it is refused with the seconds until one is back (HTTP 429, ``Retry-After``). The
buckets live in the process (each API process counts on its own) and are bounded: past ``max_keys`` the
least recently used bucket is dropped (a dropped caller starts again with a full bucket).
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

MAX_KEYS = 10_000


@dataclass
class Bucket:
    tokens: float
    at: float


class RateLimiter:
    def __init__(self, *, per_minute: int, burst: int, seconds: Callable[[], float] = time.monotonic,
                 max_keys: int = MAX_KEYS) -> None:
        self.rate = per_minute / 60.0  # tokens a second
        self.burst = max(burst, 1)
        self.seconds = seconds
        self.max_keys = max_keys
        self.buckets: OrderedDict[str, Bucket] = OrderedDict()

    @property
    def enabled(self) -> bool:
        return self.rate > 0

    def take(self, key: str) -> int | None:
        """None when ``key`` may go on (one request taken), else the whole seconds to wait (at least 1)."""
        if not self.enabled:
            return None
        now = self.seconds()
        bucket = self.buckets.pop(key, None)
        if bucket is None:
            bucket = Bucket(float(self.burst), now)
            while len(self.buckets) >= self.max_keys:
                self.buckets.popitem(last=False)
        else:
            bucket.tokens = min(float(self.burst), bucket.tokens + (now - bucket.at) * self.rate)
            bucket.at = now
        self.buckets[key] = bucket  # the most recently used last
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return None
        return max(1, math.ceil((1.0 - bucket.tokens) / self.rate - 1e-9))  # not 11 s for 10.000001


@dataclass(frozen=True)
class RateLimits:
    """The hub's limiters: per OAuth client for calls with a verified token, per address without one, and
    per address at ``/oauth/token``."""

    clients: RateLimiter
    addresses: RateLimiter
    token_endpoint: RateLimiter

    @classmethod
    def of(cls, *, per_minute: int, burst: int, public_per_minute: int, public_burst: int,
           seconds: Callable[[], float] = time.monotonic) -> RateLimits:
        return cls(RateLimiter(per_minute=per_minute, burst=burst, seconds=seconds),
                   RateLimiter(per_minute=public_per_minute, burst=public_burst, seconds=seconds),
                   RateLimiter(per_minute=public_per_minute, burst=public_burst, seconds=seconds))
