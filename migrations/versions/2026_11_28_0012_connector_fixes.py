"""connector fixes

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-28 14:04:49.400967
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate renders sqlmodel types)
from alembic import op


revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


COLUMNS = "connector_id, external_id, information_request_id, received_at"


def _swap(select: str, key: tuple[str, ...], name: str | None) -> None:
    """Rebuild connector_receipt with another primary key (autogenerate does not see key changes)."""
    with op.batch_alter_table('connector_receipt', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_connector_receipt_information_request_id'))
    op.rename_table('connector_receipt', 'connector_receipt_old')
    op.create_table('connector_receipt',
    sa.Column('connector_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('external_id', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('information_request_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['connector_id'], ['connector.id'], name=f'fk_{name}_connector_id' if name else None),
    sa.ForeignKeyConstraint(['information_request_id'], ['information_request.id'],
                            name=f'fk_{name}_information_request_id' if name else None),
    sa.PrimaryKeyConstraint(*key, name=f'pk_{name}' if name else None)
    )
    op.execute(f"INSERT INTO connector_receipt ({COLUMNS}) {select}")
    op.drop_table('connector_receipt_old')
    with op.batch_alter_table('connector_receipt', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_connector_receipt_information_request_id'), ['information_request_id'],
                              unique=False)


def upgrade() -> None:
    with op.batch_alter_table('connector_call', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lease_token', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True))
    # an answer's id is the agency's within one request: the same id for another request is another answer
    _swap(f"SELECT {COLUMNS} FROM connector_receipt_old", ('connector_id', 'information_request_id', 'external_id'),
          'connector_receipt')


def downgrade() -> None:
    _swap("SELECT connector_id, external_id, MIN(information_request_id), MIN(received_at) "
          "FROM connector_receipt_old GROUP BY connector_id, external_id", ('connector_id', 'external_id'), None)
    with op.batch_alter_table('connector_call', schema=None) as batch_op:
        batch_op.drop_column('lease_token')
