"""national data: each local authority's region, the child's details from DfE's notification form, the rapid
review's template sections

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-02 18:50:00.000000
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from importlib import resources

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0019'
down_revision: str | None = '0018'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CHILD_COLUMNS = (
    ('ethnicity', 4), ('disability', 16), ('social_care_status', 32), ('education_setting', 48),
    ('harm_category', 40), ('suspected_perpetrator', 40),
)

_SECTIONS = ('lived_experience', 'key_practice_episodes', 'agencies_analysis', 'immediate_learning',
             'family_involvement')


def _shipped_regions() -> dict[str, str]:
    text = (resources.files('hub') / 'reference' / 'organisations.csv').read_text('utf-8')
    return {r['code']: r['region'] for r in csv.DictReader(io.StringIO(text)) if (r.get('region') or '').strip()}


def upgrade() -> None:
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('region', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True))
    with op.batch_alter_table('child', schema=None) as batch_op:
        for name, length in _CHILD_COLUMNS:
            batch_op.add_column(sa.Column(name, sqlmodel.sql.sqltypes.AutoString(length=length), nullable=True))
        batch_op.add_column(sa.Column('unborn_or_under_one', sa.Boolean(), nullable=True))
    with op.batch_alter_table('rapid_review', schema=None) as batch_op:
        for name in _SECTIONS:
            batch_op.add_column(sa.Column(name, sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    organisation = sa.table('organisation', sa.column('code', sa.String()), sa.column('region', sa.String()))
    for code, region in _shipped_regions().items():  # authorities already loaded get their region
        op.execute(organisation.update().where(organisation.c.code == code).values(region=region))


def downgrade() -> None:
    with op.batch_alter_table('rapid_review', schema=None) as batch_op:
        for name in reversed(_SECTIONS):
            batch_op.drop_column(name)
    with op.batch_alter_table('child', schema=None) as batch_op:
        batch_op.drop_column('unborn_or_under_one')
        for name, _ in reversed(_CHILD_COLUMNS):
            batch_op.drop_column(name)
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.drop_column('region')
