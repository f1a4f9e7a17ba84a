"""webhook deliveries and connector calls keep the trace context of the request that caused them

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-02 19:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0021'
down_revision: str | None = '0020'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('webhook_delivery', schema=None) as batch_op:
        batch_op.add_column(sa.Column('traceparent', sqlmodel.sql.sqltypes.AutoString(length=55), nullable=True))
    with op.batch_alter_table('connector_call', schema=None) as batch_op:
        batch_op.add_column(sa.Column('traceparent', sqlmodel.sql.sqltypes.AutoString(length=55), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('connector_call', schema=None) as batch_op:
        batch_op.drop_column('traceparent')
    with op.batch_alter_table('webhook_delivery', schema=None) as batch_op:
        batch_op.drop_column('traceparent')
