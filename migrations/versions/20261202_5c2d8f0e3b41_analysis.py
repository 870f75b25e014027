"""analysis: municipal services, reviews (analysts, private notes, holders' replies), settings, merged proposals

Revision ID: 5c2d8f0e3b41
Revises: 4b1c7e9d2a30
Create Date: 2026-12-02 04:24:19.455728
"""

import sqlalchemy as sa
from alembic import op


revision = '5c2d8f0e3b41'
down_revision = '4b1c7e9d2a30'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('municipal_service',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_municipal_service')),
    sa.UniqueConstraint('name', name=op.f('uq_municipal_service_name'))
    )
    op.create_table('analysis_settings',
    sa.Column('edition_id', sa.Integer(), nullable=False),
    sa.Column('reply_days', sa.Integer(), nullable=False),
    sa.CheckConstraint('reply_days >= 1 AND reply_days <= 60', name=op.f('ck_analysis_settings_reply_days_range')),
    sa.ForeignKeyConstraint(['edition_id'], ['edition.id'], name=op.f('fk_analysis_settings_edition_id_edition'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('edition_id', name=op.f('pk_analysis_settings'))
    )
    op.create_table('analysis_review',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('edition_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.Enum('to_assign', 'assigned', 'in_progress', 'submitted', 'validated', 'published', name='reviewstate', native_enum=False, length=20), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('verdict', sa.Enum('feasible', 'feasible_with_changes', 'not_feasible', name='verdict', native_enum=False, length=30), nullable=True),
    sa.Column('reason_code', sa.Enum('not_municipal', 'legal', 'technical', 'cost', 'duplicate', 'out_of_scope', name='reasoncode', native_enum=False, length=30), nullable=True),
    sa.Column('public_explanation', sa.Text(), nullable=False),
    sa.Column('cost_low_cents', sa.BigInteger(), nullable=True),
    sa.Column('cost_estimate_cents', sa.BigInteger(), nullable=True),
    sa.Column('cost_high_cents', sa.BigInteger(), nullable=True),
    sa.Column('first_year_cost_cents', sa.BigInteger(), nullable=True),
    sa.Column('running_cost_cents', sa.BigInteger(), nullable=True),
    sa.Column('duration_months', sa.Integer(), nullable=True),
    sa.Column('cost_explanation', sa.Text(), nullable=False),
    sa.Column('proposed_changes', sa.Text(), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('assigned_at', sa.DateTime(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(), nullable=True),
    sa.Column('validated_at', sa.DateTime(), nullable=True),
    sa.Column('validated_by_id', sa.Integer(), nullable=True),
    sa.Column('published_at', sa.DateTime(), nullable=True),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("state != 'published' OR published_at IS NOT NULL", name=op.f('ck_analysis_review_published_has_date')),
    sa.CheckConstraint("state NOT IN ('submitted', 'validated', 'published') OR (verdict IS NOT NULL AND submitted_at IS NOT NULL)", name=op.f('ck_analysis_review_submitted_has_verdict')),
    sa.CheckConstraint("verdict IS NULL OR verdict != 'not_feasible' OR reason_code IS NOT NULL", name=op.f('ck_analysis_review_not_feasible_has_reason')),
    sa.CheckConstraint('cost_estimate_cents IS NULL OR cost_estimate_cents >= 0', name=op.f('ck_analysis_review_cost_estimate_not_negative')),
    sa.CheckConstraint('cost_estimate_cents IS NULL OR cost_high_cents IS NULL OR cost_estimate_cents <= cost_high_cents', name=op.f('ck_analysis_review_cost_estimate_le_high')),
    sa.CheckConstraint('cost_high_cents IS NULL OR cost_high_cents >= 0', name=op.f('ck_analysis_review_cost_high_not_negative')),
    sa.CheckConstraint('cost_low_cents IS NULL OR cost_estimate_cents IS NULL OR cost_low_cents <= cost_estimate_cents', name=op.f('ck_analysis_review_cost_low_le_estimate')),
    sa.CheckConstraint('cost_low_cents IS NULL OR cost_high_cents IS NULL OR cost_low_cents <= cost_high_cents', name=op.f('ck_analysis_review_cost_low_le_high')),
    sa.CheckConstraint('cost_low_cents IS NULL OR cost_low_cents >= 0', name=op.f('ck_analysis_review_cost_low_not_negative')),
    sa.CheckConstraint('duration_months IS NULL OR (duration_months >= 0 AND duration_months <= 240)', name=op.f('ck_analysis_review_duration_range')),
    sa.CheckConstraint('first_year_cost_cents IS NULL OR first_year_cost_cents >= 0', name=op.f('ck_analysis_review_first_year_not_negative')),
    sa.CheckConstraint('round >= 0', name=op.f('ck_analysis_review_round_not_negative')),
    sa.CheckConstraint('running_cost_cents IS NULL OR running_cost_cents >= 0', name=op.f('ck_analysis_review_running_cost_not_negative')),
    sa.ForeignKeyConstraint(['edition_id'], ['edition.id'], name=op.f('fk_analysis_review_edition_id_edition'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'], name=op.f('fk_analysis_review_proposal_id_proposal'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['published_by_id'], ['users.id'], name=op.f('fk_analysis_review_published_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['service_id'], ['municipal_service.id'], name=op.f('fk_analysis_review_service_id_municipal_service'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['validated_by_id'], ['users.id'], name=op.f('fk_analysis_review_validated_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_analysis_review')),
    sa.UniqueConstraint('proposal_id', name=op.f('uq_analysis_review_proposal_id'))
    )
    with op.batch_alter_table('analysis_review', schema=None) as batch_op:
        batch_op.create_index('ix_analysis_review_edition_state', ['edition_id', 'state'], unique=False)
        batch_op.create_index(batch_op.f('ix_analysis_review_service_id'), ['service_id'], unique=False)

    op.create_table('analysis_private_note',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_analysis_private_note_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['review_id'], ['analysis_review.id'], name=op.f('fk_analysis_private_note_review_id_analysis_review'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_analysis_private_note'))
    )
    with op.batch_alter_table('analysis_private_note', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_analysis_private_note_review_id'), ['review_id'], unique=False)

    op.create_table('analysis_reply',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('accepts_changes', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_analysis_reply_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['review_id'], ['analysis_review.id'], name=op.f('fk_analysis_reply_review_id_analysis_review'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_analysis_reply')),
    sa.UniqueConstraint('review_id', 'round', name='uq_analysis_reply_round')
    )
    with op.batch_alter_table('analysis_reply', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_analysis_reply_review_id'), ['review_id'], unique=False)

    op.create_table('analysis_review_analyst',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['review_id'], ['analysis_review.id'], name=op.f('fk_analysis_review_analyst_review_id_analysis_review'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_analysis_review_analyst_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_analysis_review_analyst')),
    sa.UniqueConstraint('review_id', 'user_id', name='uq_analysis_review_analyst_pair')
    )
    with op.batch_alter_table('analysis_review_analyst', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_analysis_review_analyst_review_id'), ['review_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_analysis_review_analyst_user_id'), ['user_id'], unique=False)

    if op.get_bind().dialect.name == 'sqlite':
        # A plain ALTER TABLE with an inline reference, not a batch rebuild: dropping the rebuilt proposal
        # table would fire its children's ON DELETE CASCADE (versions, comments, reviews).
        op.execute(
            'ALTER TABLE proposal ADD COLUMN merged_into_id INTEGER '
            'CONSTRAINT fk_proposal_merged_into_id_proposal REFERENCES proposal (id)'
        )
    else:
        op.add_column('proposal', sa.Column('merged_into_id', sa.Integer(), nullable=True))
        op.create_foreign_key(
            op.f('fk_proposal_merged_into_id_proposal'), 'proposal', 'proposal', ['merged_into_id'], ['id']
        )
    op.create_index(op.f('ix_proposal_merged_into_id'), 'proposal', ['merged_into_id'], unique=False)



def downgrade():
    op.drop_index(op.f('ix_proposal_merged_into_id'), table_name='proposal')
    # On SQLite this rebuilds the proposal table (a column with a reference cannot be dropped in place).
    if op.get_bind().dialect.name != 'sqlite':
        op.drop_constraint(op.f('fk_proposal_merged_into_id_proposal'), 'proposal', type_='foreignkey')
    with op.batch_alter_table('proposal', schema=None) as batch_op:
        batch_op.drop_column('merged_into_id')

    with op.batch_alter_table('analysis_review_analyst', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_analysis_review_analyst_user_id'))
        batch_op.drop_index(batch_op.f('ix_analysis_review_analyst_review_id'))

    op.drop_table('analysis_review_analyst')
    with op.batch_alter_table('analysis_reply', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_analysis_reply_review_id'))

    op.drop_table('analysis_reply')
    with op.batch_alter_table('analysis_private_note', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_analysis_private_note_review_id'))

    op.drop_table('analysis_private_note')
    with op.batch_alter_table('analysis_review', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_analysis_review_service_id'))
        batch_op.drop_index('ix_analysis_review_edition_state')

    op.drop_table('analysis_review')
    op.drop_table('analysis_settings')
    op.drop_table('municipal_service')
