"""tally runs

Revision ID: 273dd15ab734
Revises: 0519a3dbde61
Create Date: 2026-11-22 04:12:42.567479
"""

import sqlalchemy as sa
from alembic import op


revision = '273dd15ab734'
down_revision = '0519a3dbde61'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('tally_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pool_id', sa.Integer(), nullable=False),
    sa.Column('rule', sa.String(length=40), nullable=False),
    sa.Column('parameters', sa.JSON(), nullable=False),
    sa.Column('state', sa.Enum('queued', 'running', 'done', 'failed', name='runstate', native_enum=False, length=20), nullable=False),
    sa.Column('ballots_digest', sa.String(length=64), nullable=True),
    sa.Column('ballot_count', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.JSON(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=True),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('published_at', sa.DateTime(), nullable=True),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_tally_run_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['pool_id'], ['vote_pool.id'], name=op.f('fk_tally_run_pool_id_vote_pool'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['published_by_id'], ['users.id'], name=op.f('fk_tally_run_published_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tally_run'))
    )
    with op.batch_alter_table('tally_run', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tally_run_pool_id'), ['pool_id'], unique=False)
        batch_op.create_index('uq_tally_run_published_per_pool', ['pool_id'], unique=True, sqlite_where=sa.text('published_at IS NOT NULL'), postgresql_where=sa.text('published_at IS NOT NULL'))



def downgrade():
    with op.batch_alter_table('tally_run', schema=None) as batch_op:
        batch_op.drop_index('uq_tally_run_published_per_pool', sqlite_where=sa.text('published_at IS NOT NULL'), postgresql_where=sa.text('published_at IS NOT NULL'))
        batch_op.drop_index(batch_op.f('ix_tally_run_pool_id'))

    op.drop_table('tally_run')
