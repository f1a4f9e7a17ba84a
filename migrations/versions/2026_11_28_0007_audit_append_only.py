"""audit trail append-only on PostgreSQL

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 14:00:00

On PostgreSQL triggers refuse every UPDATE, DELETE and TRUNCATE of ``audit_entry``, and
the application role named by ``CSPR_HUB_APP_ROLE`` (when it exists) loses those
privileges. SQLite has no roles; there the hash chain (``hub.audit.verify``) shows
tampering after the fact. Nothing changes on SQLite.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FUNCTION = """
CREATE OR REPLACE FUNCTION audit_entry_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_entry is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$
"""
TRIGGER = """
CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE ON audit_entry
FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only()
"""
NO_TRUNCATE = """
CREATE TRIGGER audit_entry_no_truncate BEFORE TRUNCATE ON audit_entry
FOR EACH STATEMENT EXECUTE FUNCTION audit_entry_append_only()
"""


def _app_role() -> str | None:
    """The application role to revoke from, if it is named and exists."""
    name = os.environ.get("CSPR_HUB_APP_ROLE", "").strip()
    if not name:
        return None
    found = op.get_bind().execute(sa.text("SELECT 1 FROM pg_roles WHERE rolname = :n"), {"n": name}).first()
    return name if found else None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(FUNCTION)
    op.execute(TRIGGER)
    op.execute(NO_TRUNCATE)
    role = _app_role()
    if role is not None:
        quoted = op.get_bind().dialect.identifier_preparer.quote(role)
        op.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON audit_entry FROM {quoted}")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS audit_entry_no_truncate ON audit_entry")
    op.execute("DROP TRIGGER IF EXISTS audit_entry_append_only ON audit_entry")
    op.execute("DROP FUNCTION IF EXISTS audit_entry_append_only()")
