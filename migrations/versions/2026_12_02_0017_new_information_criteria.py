"""the para 22 criteria the Panel answers with its decision on new information

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02 16:40:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0017'
down_revision: str | None = '0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('review_statement', schema=None) as batch_op:
        batch_op.add_column(sa.Column('criteria_considered', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('review_statement', schema=None) as batch_op:
        batch_op.drop_column('criteria_considered')
