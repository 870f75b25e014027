"""vote pools and ballots

Revision ID: 0519a3dbde61
Revises: cc89f85d47e7
Create Date: 2026-11-22 04:08:29.460387
"""

import sqlalchemy as sa
from alembic import op


revision = '0519a3dbde61'
down_revision = 'cc89f85d47e7'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('vote_pool',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('edition_id', sa.Integer(), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('budget_cents', sa.BigInteger(), nullable=False),
    sa.Column('vote_type', sa.Enum('approval', 'choose-1', 'cumulative', 'ordinal', 'scoring', name='votetype', native_enum=False, length=20), nullable=False),
    sa.Column('rule', sa.String(length=80), nullable=True),
    sa.Column('meta', sa.JSON(), nullable=False),
    sa.Column('project_columns', sa.JSON(), nullable=False),
    sa.Column('voter_columns', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('budget_cents >= 0', name=op.f('ck_vote_pool_budget_not_negative')),
    sa.ForeignKeyConstraint(['district_id'], ['district.id'], name=op.f('fk_vote_pool_district_id_district'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['edition_id'], ['edition.id'], name=op.f('fk_vote_pool_edition_id_edition'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vote_pool')),
    sa.UniqueConstraint('edition_id', 'district_id', name='uq_vote_pool_edition_district')
    )
    with op.batch_alter_table('vote_pool', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_vote_pool_edition_id'), ['edition_id'], unique=False)
        batch_op.create_index('uq_vote_pool_edition_wide', ['edition_id'], unique=True, sqlite_where=sa.text('district_id IS NULL'), postgresql_where=sa.text('district_id IS NULL'))

    op.create_table('ballot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pool_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.Enum('online', 'in_person', 'imported', name='ballotchannel', native_enum=False, length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('extra', sa.JSON(), nullable=True),
    sa.Column('raw', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['pool_id'], ['vote_pool.id'], name=op.f('fk_ballot_pool_id_vote_pool'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ballot'))
    )
    with op.batch_alter_table('ballot', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ballot_pool_id'), ['pool_id'], unique=False)

    op.create_table('vote_pool_project',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pool_id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('external_id', sa.String(length=80), nullable=False),
    sa.Column('cost_cents', sa.BigInteger(), nullable=False),
    sa.Column('extra', sa.JSON(), nullable=False),
    sa.CheckConstraint('cost_cents >= 0', name=op.f('ck_vote_pool_project_cost_not_negative')),
    sa.CheckConstraint('position >= 0', name=op.f('ck_vote_pool_project_position_not_negative')),
    sa.ForeignKeyConstraint(['pool_id'], ['vote_pool.id'], name=op.f('fk_vote_pool_project_pool_id_vote_pool'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'], name=op.f('fk_vote_pool_project_proposal_id_proposal'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vote_pool_project')),
    sa.UniqueConstraint('pool_id', 'external_id', name='uq_vote_pool_project_external_id'),
    sa.UniqueConstraint('pool_id', 'position', name='uq_vote_pool_project_position'),
    sa.UniqueConstraint('pool_id', 'proposal_id', name='uq_vote_pool_project_proposal')
    )
    with op.batch_alter_table('vote_pool_project', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_vote_pool_project_proposal_id'), ['proposal_id'], unique=False)

    op.create_table('ballot_choice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ballot_id', sa.Integer(), nullable=False),
    sa.Column('vote_pool_project_id', sa.Integer(), nullable=False),
    sa.Column('points', sa.Integer(), nullable=True),
    sa.Column('rank', sa.Integer(), nullable=True),
    sa.CheckConstraint('rank IS NULL OR rank >= 1', name=op.f('ck_ballot_choice_rank_positive')),
    sa.ForeignKeyConstraint(['ballot_id'], ['ballot.id'], name=op.f('fk_ballot_choice_ballot_id_ballot'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['vote_pool_project_id'], ['vote_pool_project.id'], name=op.f('fk_ballot_choice_vote_pool_project_id_vote_pool_project'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ballot_choice')),
    sa.UniqueConstraint('ballot_id', 'vote_pool_project_id', name='uq_ballot_choice_pair')
    )
    with op.batch_alter_table('ballot_choice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ballot_choice_vote_pool_project_id'), ['vote_pool_project_id'], unique=False)



def downgrade():
    with op.batch_alter_table('ballot_choice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ballot_choice_vote_pool_project_id'))

    op.drop_table('ballot_choice')
    with op.batch_alter_table('vote_pool_project', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_vote_pool_project_proposal_id'))

    op.drop_table('vote_pool_project')
    with op.batch_alter_table('ballot', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ballot_pool_id'))

    op.drop_table('ballot')
    with op.batch_alter_table('vote_pool', schema=None) as batch_op:
        batch_op.drop_index('uq_vote_pool_edition_wide', sqlite_where=sa.text('district_id IS NULL'), postgresql_where=sa.text('district_id IS NULL'))
        batch_op.drop_index(batch_op.f('ix_vote_pool_edition_id'))

    op.drop_table('vote_pool')
