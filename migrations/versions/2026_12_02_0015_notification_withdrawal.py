"""notification withdrawal; the rapid review's reminders kept under its notification

Paras 10-12: a notification found not to meet the criteria is withdrawn by its
local authority, with reasons. The rapid review's clock runs from the
notification (paras 20-21), so the notices already sent for a started rapid
review move to the notification's id, the one key they are kept under now.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 10:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate renders sqlmodel types)
from alembic import op


revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TO_NOTIFICATION = """
UPDATE deadline_notice SET subject_id = (
  SELECT n.id FROM notification n JOIN rapid_review r ON r.case_id = n.case_id WHERE r.id = deadline_notice.subject_id)
WHERE kind = 'RAPID_REVIEW' AND subject_id IN (SELECT id FROM rapid_review)
"""

TO_RAPID_REVIEW = """
UPDATE deadline_notice SET subject_id = (
  SELECT r.id FROM rapid_review r JOIN notification n ON n.case_id = r.case_id WHERE n.id = deadline_notice.subject_id)
WHERE kind = 'RAPID_REVIEW' AND subject_id IN (
  SELECT n.id FROM notification n JOIN rapid_review r ON r.case_id = n.case_id)
"""


def upgrade() -> None:
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.add_column(sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('withdrawal_reason', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    op.execute(TO_NOTIFICATION)


def downgrade() -> None:
    op.execute(TO_RAPID_REVIEW)
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_column('withdrawal_reason')
        batch_op.drop_column('withdrawn_at')
