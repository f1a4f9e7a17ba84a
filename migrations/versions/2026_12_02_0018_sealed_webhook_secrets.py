"""webhook signing secrets are stored sealed: room for the sealed form

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02 17:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0018'
down_revision: str | None = '0017'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('webhook_subscription', schema=None) as batch_op:
        batch_op.alter_column('secret', existing_type=sqlmodel.sql.sqltypes.AutoString(length=100),
                              type_=sqlmodel.sql.sqltypes.AutoString(length=400), existing_nullable=False)
        batch_op.alter_column('previous_secret', existing_type=sqlmodel.sql.sqltypes.AutoString(length=100),
                              type_=sqlmodel.sql.sqltypes.AutoString(length=400), existing_nullable=True)


def downgrade() -> None:
    with op.batch_alter_table('webhook_subscription', schema=None) as batch_op:
        batch_op.alter_column('previous_secret', existing_type=sqlmodel.sql.sqltypes.AutoString(length=400),
                              type_=sqlmodel.sql.sqltypes.AutoString(length=100), existing_nullable=True)
        batch_op.alter_column('secret', existing_type=sqlmodel.sql.sqltypes.AutoString(length=400),
                              type_=sqlmodel.sql.sqltypes.AutoString(length=100), existing_nullable=False)
