"""Calendar feeds: an organisation's deadlines at a secret address (RFC 5545)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from hub.models.base import new_id, when


class CalendarFeed(SQLModel, table=True):
    """One feed address of an organisation; only a hash of its secret is kept."""

    __tablename__ = "calendar_feed"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    organisation_id: str = Field(foreign_key="organisation.id", max_length=36, index=True)
    role: str = Field(max_length=16)  # the role it was made in: what the organisation sees in it
    label: str | None = Field(default=None, max_length=100)
    secret_hash: str = Field(max_length=64)  # SHA-256 of the secret, hex
    created_at: datetime = when()
    revoked_at: datetime | None = when(default=None)
