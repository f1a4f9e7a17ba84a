"""Organisations and the safeguarding partnerships they form (paras 5-7)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from hub.models.base import new_id


class Organisation(SQLModel, table=True):
    __tablename__ = "organisation"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    code: str = Field(max_length=16, unique=True, index=True)
    name: str = Field(max_length=200)
    kind: str = Field(max_length=32, index=True)
    # ONS region of a local authority ("North West"); null for other kinds (national statistics by region)
    region: str | None = Field(default=None, max_length=40)


class Partnership(SQLModel, table=True):
    """Safeguarding partners for an area: LA, ICB and chief officer of police (para 5ff)."""

    __tablename__ = "partnership"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    code: str = Field(max_length=40, unique=True, index=True)
    name: str = Field(max_length=200)


class PartnershipMembership(SQLModel, table=True):
    __tablename__ = "partnership_membership"
    __table_args__ = (
        UniqueConstraint("partnership_id", "organisation_id", "effective_from"),
        Index("ix_membership_organisation", "organisation_id"),
    )

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    partnership_id: str = Field(foreign_key="partnership.id", max_length=36)
    organisation_id: str = Field(foreign_key="organisation.id", max_length=36)
    effective_from: date
    effective_to: date | None = None
