"""participation notices: the confirmation e-mail is sent by the worker in batches, not in the cast's request

participation gains `notices_due`: how many online votes of this person await their confirmation e-mail
(the worker sends them when enough wait, at the end of the day or at the close, so the e-mail's time says no
more about when someone voted than the board's batches do). SQLite rebuilds the table, WITHOUT ROWID kept.

Revision ID: c4e8a2f6b1d9
Revises: b3c7d9e1f2a4
Create Date: 2026-12-03 16:10:00
"""

import sqlalchemy as sa
from alembic import op


revision = 'c4e8a2f6b1d9'
down_revision = 'b3c7d9e1f2a4'
branch_labels = None
depends_on = None


def _sqlite():
    return op.get_bind().dialect.name == 'sqlite'


def upgrade():
    with op.batch_alter_table(
        'participation', schema=None, recreate='always' if _sqlite() else 'auto',
        table_kwargs={'sqlite_with_rowid': False},
    ) as batch_op:
        batch_op.add_column(sa.Column('notices_due', sa.Integer(), server_default=sa.text('0'), nullable=False))
        batch_op.create_check_constraint('notices_due_not_negative', 'notices_due >= 0')


def downgrade():
    with op.batch_alter_table(
        'participation', schema=None, recreate='always' if _sqlite() else 'auto',
        table_kwargs={'sqlite_with_rowid': False},
    ) as batch_op:
        batch_op.drop_constraint(op.f('ck_participation_notices_due_not_negative'), type_='check')
        batch_op.drop_column('notices_due')
