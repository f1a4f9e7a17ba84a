"""What every table shares: time-ordered ids and timezone-aware timestamps."""

from __future__ import annotations

import secrets
import threading
import time
import uuid
from typing import Any

from sqlmodel import Field

from hub.types import AwareDateTime

_last_id = 0
_id_lock = threading.Lock()


def new_id() -> str:
    """A UUIDv7 (RFC 9562): time-ordered, so rows made in one instant keep the order they were made in."""
    global _last_id
    with _id_lock:
        _last_id = max(_last_id + 1, (time.time_ns() // 1_000_000) << 12)
        stamp = _last_id
    value = ((stamp >> 12) << 80) | (0x7 << 76) | ((stamp & 0xFFF) << 64) | (0b10 << 62) | secrets.randbits(62)
    return str(uuid.UUID(int=value))


def when(**kw: Any) -> Any:
    """A timezone-aware timestamp column."""
    return Field(sa_type=AwareDateTime, **kw)
