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

STANDING = 'published_at IS NOT NULL AND withdrawn_at IS NULL'


def _keep_standing_index(batch_op):
    # Rebuilding tally_run (SQLite) must keep the one-published-result-per-pool index partial.
    batch_op.drop_index('uq_tally_run_published_per_pool', sqlite_where=sa.text(STANDING), postgresql_where=sa.text(STANDING))
    batch_op.create_index(
        'uq_tally_run_published_per_pool', ['pool_id'], unique=True,
        sqlite_where=sa.text(STANDING), postgresql_where=sa.text(STANDING),
    )


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
    with op.batch_alter_table('tally_run', schema=None) as batch_op:
        batch_op.drop_column('progress')
        _keep_standing_index(batch_op)


def downgrade():
    with op.batch_alter_table('tally_run', schema=None) as batch_op:
        batch_op.add_column(sa.Column('progress', sa.JSON(), nullable=True))
        _keep_standing_index(batch_op)
    op.execute(
        'UPDATE tally_run SET progress = '
        '(SELECT progress FROM tally_run_progress WHERE tally_run_progress.run_id = tally_run.id)'
    )
    # The older schema has no interrupted state: such counts become failed ones.
    op.execute("UPDATE tally_run SET state = 'failed', error = 'interrupted' WHERE state = 'interrupted'")
    op.drop_table('tally_run_progress')
