"""criteria considered and the partners' sign-off of a rapid review

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 15:40:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate renders sqlmodel types)
from alembic import op


revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('rapid_review_sign_off',
    sa.Column('rapid_review_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('organisation_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('recommendation', sqlmodel.sql.sqltypes.AutoString(length=48), nullable=True),
    sa.Column('signed_off_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('missing_reason', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ),
    sa.ForeignKeyConstraint(['rapid_review_id'], ['rapid_review.id'], ),
    sa.PrimaryKeyConstraint('rapid_review_id', 'organisation_id')
    )
    with op.batch_alter_table('rapid_review_sign_off', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rapid_review_sign_off_organisation_id'), ['organisation_id'], unique=False)

    with op.batch_alter_table('rapid_review', schema=None) as batch_op:
        batch_op.add_column(sa.Column('criteria_considered', sa.JSON(), nullable=True))

    with op.batch_alter_table('panel_response', schema=None) as batch_op:
        batch_op.add_column(sa.Column('criteria_considered', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('panel_response', schema=None) as batch_op:
        batch_op.drop_column('criteria_considered')

    with op.batch_alter_table('rapid_review', schema=None) as batch_op:
        batch_op.drop_column('criteria_considered')

    with op.batch_alter_table('rapid_review_sign_off', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rapid_review_sign_off_organisation_id'))

    op.drop_table('rapid_review_sign_off')
