"""Who may call the hub and what they did: signing keys, registered clients, used assertions, the audit trail."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from hub.models.base import when


class SigningKey(SQLModel, table=True):
    """A private key of the built-in token issuer, persisted so tokens survive restarts."""

    __tablename__ = "signing_key"

    kid: str = Field(primary_key=True, max_length=64)
    private_jwk: str
    created_at: datetime = when()
    retired_at: datetime | None = when(default=None)


class ApiClient(SQLModel, table=True):
    """An agency system registered to call the hub as one organisation in one role (RFC 6749 §4.4)."""

    __tablename__ = "api_client"

    client_id: str = Field(primary_key=True, max_length=64)
    name: str | None = Field(default=None, max_length=200)
    organisation_id: str = Field(foreign_key="organisation.id", max_length=36, index=True)
    role: str = Field(max_length=16)
    secret_hash: str | None = Field(default=None, max_length=200)  # client_secret_basic / _post
    jwks: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))  # private_key_jwt
    created_at: datetime = when()
    revoked_at: datetime | None = when(default=None)


class UsedAssertion(SQLModel, table=True):
    """A private_key_jwt client assertion already used: a replay is refused (RFC 7523 §3)."""

    __tablename__ = "used_assertion"

    jti: str = Field(primary_key=True, max_length=200)
    client_id: str = Field(max_length=64)
    expires_at: datetime = when(index=True)


class AuditEntry(SQLModel, table=True):
    """Who read or changed what, when and why; each entry's hash covers the one before (DPA 2018 s62)."""

    __tablename__ = "audit_entry"

    seq: int | None = Field(default=None, primary_key=True)
    at: datetime = when(index=True)
    organisation_id: str | None = Field(default=None, max_length=36, index=True)
    client_id: str | None = Field(default=None, max_length=200)
    role: str | None = Field(default=None, max_length=16)
    action: str = Field(max_length=80)  # the operation, e.g. "read:Case.child" or "notifySeriousIncident"
    case_id: str | None = Field(default=None, max_length=36, index=True)
    fields: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    previous_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)


class DataVersion(SQLModel, table=True):
    """How often data every process keeps in memory has changed (``hub.data_versions``)."""

    __tablename__ = "data_version"

    name: str = Field(primary_key=True, max_length=32)
    version: int = Field(default=0)
