"""routed_message: index a case's messages by recipient too (what Ofsted and DfE see is read from the index)

Replaces ``ix_routed_message_case_id`` (case_id), which the new index's first column serves.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-03 16:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = '0024'
down_revision: str | None = '0023'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('routed_message', schema=None) as batch_op:
        batch_op.create_index('ix_routed_message_case_recipient', ['case_id', 'recipient_id'], unique=False)
        batch_op.drop_index('ix_routed_message_case_id')


def downgrade() -> None:
    with op.batch_alter_table('routed_message', schema=None) as batch_op:
        batch_op.create_index('ix_routed_message_case_id', ['case_id'], unique=False)
        batch_op.drop_index('ix_routed_message_case_recipient')
