"""Connector secrets sealed at rest: the sealer lives in the core (``hub.sealing``), shared by every secret."""

from __future__ import annotations

from hub.sealing import Sealer, SealError, check_key, development_key, new_key

__all__ = ["SealError", "Sealer", "check_key", "development_key", "new_key"]
