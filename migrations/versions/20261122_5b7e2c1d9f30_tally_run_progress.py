"""tally run progress (and the cancelled state, a plain string value)

Revision ID: 5b7e2c1d9f30
Revises: 273dd15ab734
Create Date: 2026-11-22 06:20:00
"""

import sqlalchemy as sa
from alembic import op


revision = '5b7e2c1d9f30'
down_revision = '273dd15ab734'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('tally_run', schema=None) as batch_op:
        batch_op.add_column(sa.Column('progress', sa.JSON(), nullable=True))


def downgrade():
    # Cancelled runs become failed ones: the older schema has no cancelled state.
    op.execute("UPDATE tally_run SET state = 'failed', error = 'cancelled' WHERE state = 'cancelled'")
    with op.batch_alter_table('tally_run', schema=None) as batch_op:
        batch_op.drop_column('progress')
