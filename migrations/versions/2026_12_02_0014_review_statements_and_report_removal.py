"""review statements and report removal

What was said about a review (new information, para 21; learning shared, paras 42, 50; comments on not
publishing or on a delay, paras 41, 50), and a published report's removal by its publisher (paras 38, 49).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 15:40:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate renders sqlmodel types)
from alembic import op


revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('review_statement',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('review_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('text', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('recorded_by_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('outcome', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('answer', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('answered_by_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['answered_by_id'], ['organisation.id'], ),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['organisation.id'], ),
    sa.ForeignKeyConstraint(['review_id'], ['practice_review.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('review_statement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_statement_review_id'), ['review_id'], unique=False)

    with op.batch_alter_table('practice_review', schema=None) as batch_op:
        batch_op.add_column(sa.Column('removed_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('removal_reason', sqlmodel.sql.sqltypes.AutoString(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('practice_review', schema=None) as batch_op:
        batch_op.drop_column('removal_reason')
        batch_op.drop_column('removed_on')

    with op.batch_alter_table('review_statement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_statement_review_id'))

    op.drop_table('review_statement')
