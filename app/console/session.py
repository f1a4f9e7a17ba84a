"""Console sessions: a signed cookie that expires, with a CSRF token for every form.

The cookie holds who signed in (organisation and role), a session id, a CSRF token and an expiry,
signed with HMAC-SHA256 under a key derived from CSPR_HUB_SECRET_KEY (or the development key):
nothing in it is secret, and nothing in it can be changed. It is HttpOnly and SameSite=Lax, and
``Secure`` with the ``__Host-`` prefix outside development. Signing out ends the session: its id is
written to the database (``console_sign_out``) and refused by every process of the hub until the
session would have expired anyway, when the row is deleted.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from auth.oidc import Pending
from hub.models import ConsoleSignOut
from hub.principal import Principal
from hub.store import transaction
from hub.vocabulary import Role

SESSION_LABEL = b"cspr-hub console session|v1"
LIFETIME = timedelta(hours=8)  # a working day; then sign in again
ANONYMOUS_LIFETIME = timedelta(hours=1)  # long enough to fill in the sign-in form


@dataclass(frozen=True)
class Session:
    """One visitor's session: ``principal`` is None before sign-in (the sign-in form's CSRF token only)."""

    sid: str
    csrf: str
    expires: datetime
    organisation_id: str | None = None
    organisation_code: str | None = None
    role: Role | None = None
    subject: str | None = None  # who signed in, as the identity provider names them (none in development)
    pending: Pending | None = None  # an OpenID Connect sign-in under way: its state, nonce and PKCE verifier

    @property
    def principal(self) -> Principal | None:
        if self.organisation_id is None or self.organisation_code is None or self.role is None:
            return None
        return Principal(self.organisation_id, self.organisation_code, self.role, (self.role.value,),
                         client_id=self.subject or f"console:{self.organisation_code}")

    def as_claims(self) -> dict[str, object]:
        return {"sid": self.sid, "csrf": self.csrf, "exp": int(self.expires.timestamp()),
                "oid": self.organisation_id, "org": self.organisation_code,
                "role": self.role.value if self.role else None, "sub": self.subject,
                "oidc": [self.pending.provider, self.pending.state, self.pending.nonce, self.pending.verifier]
                if self.pending else None}


def new_session(now: datetime, *, principal: Principal | None = None, subject: str | None = None,
                pending: Pending | None = None) -> Session:
    """A fresh session (new id, new CSRF token): signing in never keeps the anonymous session's."""
    lifetime = LIFETIME if principal else ANONYMOUS_LIFETIME
    return Session(sid=secrets.token_urlsafe(18), csrf=secrets.token_urlsafe(24), expires=now + lifetime,
                   organisation_id=principal.organisation_id if principal else None,
                   organisation_code=principal.organisation_code if principal else None,
                   role=principal.role if principal else None, subject=subject, pending=pending)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Sessions:
    """Signs and opens session cookies; the sessions signed out are kept in the database, for every process."""

    def __init__(self, secret_keys: tuple[str, ...], *, secure: bool, store: async_sessionmaker[AsyncSession]) -> None:
        self._keys = tuple(hmac.new(k.encode(), SESSION_LABEL, hashlib.sha256).digest() for k in secret_keys)
        self.secure = secure
        self.cookie_name = "__Host-cspr_console" if secure else "cspr_console"
        self._store = store

    def _mac(self, key: bytes, body: str) -> str:
        return _b64(hmac.new(key, body.encode(), hashlib.sha256).digest())

    def seal(self, session: Session) -> str:
        body = _b64(json.dumps(session.as_claims(), separators=(",", ":")).encode())
        return f"{body}.{self._mac(self._keys[0], body)}"

    async def open(self, cookie: str | None, *, now: datetime) -> Session | None:
        """The session the cookie carries, or None: unsigned, altered, expired or signed out (in any process)."""
        session = self.read(cookie, now=now)
        if session is None:
            return None
        async with self._store() as db:
            ended = await db.get(ConsoleSignOut, session.sid)
        return None if ended is not None else session

    def read(self, cookie: str | None, *, now: datetime) -> Session | None:
        """The session the cookie carries, or None: unsigned, altered or expired (sign-out is not looked at)."""
        if not cookie or len(cookie) > 4096 or cookie.count(".") != 1:
            return None
        body, mac = cookie.split(".")
        if not any(hmac.compare_digest(mac, self._mac(k, body)) for k in self._keys):
            return None
        try:
            claims = json.loads(_unb64(body))
            expires = datetime.fromtimestamp(int(claims["exp"]), tz=now.tzinfo)
            oidc = claims.get("oidc")
            pending = Pending(int(oidc[0]), str(oidc[1]), str(oidc[2]), str(oidc[3])) if oidc else None
            session = Session(sid=str(claims["sid"]), csrf=str(claims["csrf"]), expires=expires,
                              organisation_id=claims.get("oid"), organisation_code=claims.get("org"),
                              role=Role(claims["role"]) if claims.get("role") else None, subject=claims.get("sub"),
                              pending=pending)
        except (ValueError, KeyError, TypeError, IndexError):
            return None
        if expires <= now:
            return None
        return session

    async def end(self, session: Session, *, now: datetime) -> None:
        """Refuse this session everywhere from now on; forget the sign-outs of sessions expired anyway."""
        try:
            async with transaction(self._store) as db:
                await db.execute(delete(ConsoleSignOut).where(col(ConsoleSignOut.expires_at) <= now))
                if await db.get(ConsoleSignOut, session.sid) is None:
                    db.add(ConsoleSignOut(session_id=session.sid, expires_at=session.expires))
        except IntegrityError:
            pass  # signed out at the same moment by another request: ended either way

    def cookie(self, session: Session, *, now: datetime) -> dict[str, object]:
        """The ``set_cookie`` arguments for this session."""
        return {"key": self.cookie_name, "value": self.seal(session), "path": "/", "httponly": True,
                "samesite": "lax", "secure": self.secure,
                "max_age": max(0, int((session.expires - now).total_seconds()))}


def csrf_matches(session: Session | None, given: str | None) -> bool:
    return session is not None and given is not None and hmac.compare_digest(session.csrf, given)
