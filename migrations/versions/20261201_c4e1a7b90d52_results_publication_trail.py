"""results: publication trail (withdrawal with a public reason, replacement), failure codes, pool source

Revision ID: c4e1a7b90d52
Revises: 7d3f1a9c2e54
Create Date: 2026-12-01 21:40:00
"""

import sqlalchemy as sa
from alembic import op


revision = 'c4e1a7b90d52'
down_revision = '7d3f1a9c2e54'
branch_labels = None
depends_on = None

OLD_WHERE = 'published_at IS NOT NULL'
NEW_WHERE = 'published_at IS NOT NULL AND withdrawn_at IS NULL'


def upgrade():
    with op.batch_alter_table('tally_run', schema=None) as batch_op:
        batch_op.add_column(sa.Column('error_code', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('error_params', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('withdrawn_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('withdrawn_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('withdrawal_reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('replaced_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_tally_run_withdrawn_by_id_users'), 'users', ['withdrawn_by_id'], ['id'], ondelete='SET NULL'
        )
        batch_op.create_foreign_key(
            batch_op.f('fk_tally_run_replaced_by_id_tally_run'), 'tally_run', ['replaced_by_id'], ['id'],
            ondelete='SET NULL',
        )
        batch_op.drop_index(
            'uq_tally_run_published_per_pool', sqlite_where=sa.text(OLD_WHERE), postgresql_where=sa.text(OLD_WHERE)
        )
        batch_op.create_index(
            'uq_tally_run_published_per_pool', ['pool_id'], unique=True,
            sqlite_where=sa.text(NEW_WHERE), postgresql_where=sa.text(NEW_WHERE),
        )
    with op.batch_alter_table('vote_pool', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source', sa.String(length=200), nullable=True))
    # Until now every pool came from `civic import-pb` (or the demo's import): mark them imported.
    op.execute(
        "UPDATE vote_pool SET source = 'pabulib' WHERE id IN (SELECT pool_id FROM ballot WHERE channel = 'imported')"
    )


def downgrade():
    with op.batch_alter_table('vote_pool', schema=None) as batch_op:
        batch_op.drop_column('source')
    # The older schema knows only the standing publication: withdrawn ones lose their trail.
    op.execute("UPDATE tally_run SET published_at = NULL WHERE withdrawn_at IS NOT NULL")
    with op.batch_alter_table('tally_run', schema=None) as batch_op:
        batch_op.drop_index(
            'uq_tally_run_published_per_pool', sqlite_where=sa.text(NEW_WHERE), postgresql_where=sa.text(NEW_WHERE)
        )
        batch_op.create_index(
            'uq_tally_run_published_per_pool', ['pool_id'], unique=True,
            sqlite_where=sa.text(OLD_WHERE), postgresql_where=sa.text(OLD_WHERE),
        )
        batch_op.drop_constraint(batch_op.f('fk_tally_run_replaced_by_id_tally_run'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_tally_run_withdrawn_by_id_users'), type_='foreignkey')
        batch_op.drop_column('replaced_by_id')
        batch_op.drop_column('withdrawal_reason')
        batch_op.drop_column('withdrawn_by_id')
        batch_op.drop_column('withdrawn_at')
        batch_op.drop_column('error_params')
        batch_op.drop_column('error_code')
