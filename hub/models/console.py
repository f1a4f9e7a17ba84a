"""Console sessions signed out: remembered by every process until the session would have expired anyway."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from hub.models.base import when


class ConsoleSignOut(SQLModel, table=True):
    """One console session ended by signing out (or by signing in again): its cookie is refused everywhere."""

    __tablename__ = "console_sign_out"

    session_id: str = Field(primary_key=True, max_length=36)  # the cookie's session id (not a secret)
    expires_at: datetime = when()  # when the session would have expired: the row may go then
