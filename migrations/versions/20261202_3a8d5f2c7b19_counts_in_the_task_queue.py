"""counts in the task queue: progress and worker heartbeat in their own table, an interrupted state

Revision ID: 3a8d5f2c7b19
Revises: 9e2b6c4d1a87
Create Date: 2026-12-02 00:40:00
"""

import sqlalchemy as sa
from alembic import op


revision = '3a8d5f2c7b19'
down_revision = '9e2b6c4d1a87'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'tally_run_progress',
        sa.Column('run_id', sa.Integer(), nullable=False),
        sa.Column('progress', sa.JSON(), nullable=True),
        sa.Column('worker', sa.String(length=120), nullable=True),
        sa.Column('heartbeat_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ['run_id'], ['tally_run.id'], name=op.f('fk_tally_run_progress_run_id_tally_run'), ondelete='CASCADE'
        ),
        sa.PrimaryKeyConstraint('run_id', name=op.f('pk_tally_run_progress')),
    )
    op.execute(
        'INSERT INTO tally_run_progress (run_id, progress) SELECT id, progress FROM tally_run WHERE progress IS NOT NULL'
    )
    # Counts left "running" by the old in-process thread never end: they were interrupted.
    op.execute("UPDATE tally_run SET state = 'interrupted', finished_at = CURRENT_TIMESTAMP WHERE state = 'running'")
    # A plain ALTER TABLE (SQLite 3.35+), not a batch rebuild: dropping the rebuilt table would fire its
    # foreign keys' ON DELETE actions (the progress rows just copied, the publication trail's links).
    op.drop_column('tally_run', 'progress')


def downgrade():
    op.add_column('tally_run', sa.Column('progress', sa.JSON(), nullable=True))
    op.execute(
        'UPDATE tally_run SET progress = '
        '(SELECT progress FROM tally_run_progress WHERE tally_run_progress.run_id = tally_run.id)'
    )
    # The older schema has no interrupted state: such counts become failed ones.
    op.execute("UPDATE tally_run SET state = 'failed', error = 'interrupted' WHERE state = 'interrupted'")
    op.drop_table('tally_run_progress')
