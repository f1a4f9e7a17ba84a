"""Secrets sealed at rest: Fernet (AES-128-CBC with HMAC-SHA256) under ``CSPR_HUB_SECRET_KEY``.

Connector secrets, webhook signing secrets and the token issuer's private keys are stored sealed. The
core holds no key: a ``Sealer`` is made from the settings by the composition root and handed in.

Several keys may be given, comma-separated: the first seals, every one opens, so a key is rotated
by putting the new one first and re-sealing (``cspr-hub connectors reseal``) before the old one goes.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class SealError(Exception):
    """A key that is not a Fernet key, or a sealed value no key opens. Never carries the secret."""


def new_key() -> str:
    return Fernet.generate_key().decode()


def development_key(database_url: str) -> str:
    """A stable key for development only: derived from the database URL, so every process agrees on it."""
    digest = hashlib.sha256(b"cspr-hub development secret key|" + database_url.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()


def check_key(key: str) -> None:
    try:
        Fernet(key.encode())
    except (ValueError, TypeError) as exc:
        raise SealError("not a Fernet key: 32 url-safe base64-encoded bytes (cspr-hub connectors new-key)") from exc


class Sealer:
    def __init__(self, keys: Sequence[str]) -> None:
        if not keys:
            raise SealError("no secret key")
        for key in keys:
            check_key(key)
        self._fernet = MultiFernet([Fernet(k.encode()) for k in keys])

    def seal(self, text: str) -> str:
        return self._fernet.encrypt(text.encode()).decode()

    def open(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken:
            raise SealError("the sealed secrets open with none of the keys given") from None

    def reseal(self, token: str) -> str:
        """Seal again under the first key."""
        try:
            return self._fernet.rotate(token.encode()).decode()
        except InvalidToken:
            raise SealError("the sealed secrets open with none of the keys given") from None

    def open_stored(self, stored: str, *, plain: Callable[[str], bool]) -> str:
        """A stored value: opened when sealed, as it is when written before sealing (``plain`` says which)."""
        return stored if plain(stored) else self.open(stored)

    def seal_stored(self, stored: str, *, plain: Callable[[str], bool]) -> str:
        """A stored value sealed under the first key, whether it was plaintext or sealed under any key."""
        return self.seal(stored) if plain(stored) else self.reseal(stored)
